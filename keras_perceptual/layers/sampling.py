import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_perceptual")
class GaussianSampling(keras.layers.Layer):
    """Draws `z = mean + exp(log_var / 2) * eps`, `eps ~ N(0, I)` (the
    reparameterisation trick), differentiable with respect to both inputs.

    Args:
        seed: int or None, seed of the layer's own `SeedGenerator`.
        **kwargs: base layer arguments.

    Call arguments:
        inputs: a list `[mean, log_var]` of tensors of the same shape.
        training: unused; sampling happens in inference too (use `mean` for
            a deterministic code).

    Example:
    >>> mean, log_var = ops.zeros((4, 8)), ops.zeros((4, 8))
    >>> z = GaussianSampling(seed=1)([mean, log_var])

    Reference:
        Kingma & Welling, "Auto-Encoding Variational Bayes", 2014.
    """

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(
                "GaussianSampling expects `inputs=[mean, log_var]`. "
                f"Received: inputs={inputs}"
            )
        mean, log_var = inputs
        eps = keras.random.normal(
            ops.shape(mean), dtype=mean.dtype, seed=self.seed_generator
        )
        return mean + ops.exp(0.5 * log_var) * eps

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        config = super().get_config()
        config.update({"seed": self.seed})
        return config

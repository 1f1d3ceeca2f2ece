import keras
from keras import ops

import keras_perceptual.validation as validation


def reparameterize(mean, log_var, eps):
    """`mean + exp(log_var / 2) * eps`: a draw of `N(mean, exp(log_var))`
    from standard normal noise `eps`, differentiable in `mean` and `log_var`."""
    return mean + ops.exp(0.5 * log_var) * ops.cast(eps, mean.dtype)


@keras.saving.register_keras_serializable(package="keras_perceptual")
class GaussianSampling(keras.layers.Layer):
    """Draws `z = mean + exp(log_var / 2) * eps`, `eps ~ N(0, I)` (the
    reparameterisation trick), differentiable with respect to both inputs.

    Inside a zoo model the model owns the randomness: it draws `eps` from its
    own `SeedGenerator` and passes it as `noise`, so no two streams of a
    training step can coincide. Standalone, the layer draws `eps` from its
    own `SeedGenerator`.

    Args:
        seed: int or None, seed of the layer's own `SeedGenerator` (used
            only when `call` gets no `noise`).
        **kwargs: base layer arguments.

    Call arguments:
        inputs: a list `[mean, log_var]` of tensors of the same shape.
        noise: optional standard normal noise of `mean`'s shape, drawn by
            the caller.

    Example:
    >>> mean, log_var = ops.zeros((4, 8)), ops.zeros((4, 8))
    >>> z = GaussianSampling(seed=1)([mean, log_var])

    Reference:
        Kingma & Welling, "Auto-Encoding Variational Bayes", 2014.
    """

    def __init__(self, seed=None, **kwargs):
        seed = validation.expect_seed("seed", seed)
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs, noise=None):
        if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
            raise ValueError(
                "GaussianSampling expects `inputs=[mean, log_var]`. "
                f"Received: inputs={inputs}"
            )
        mean, log_var = inputs
        if noise is None:
            noise = keras.random.normal(ops.shape(mean), dtype=mean.dtype, seed=self.seed_generator)
        return reparameterize(mean, log_var, noise)

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        config = super().get_config()
        config.update({"seed": self.seed})
        return config

import keras
from keras import ops

from keras_perceptual.losses.base import LossFunctionWrapper


def gaussian_kl(mean, log_var):
    """KL(N(mean, exp(log_var)) || N(0, I)), summed over the code, per sample.

    Args:
        mean: tensor `(batch, latent_dim)`.
        log_var: tensor of the same shape.

    Returns:
        Tensor of shape `(batch,)`.
    """
    mean = ops.cast(mean, "float32")
    log_var = ops.cast(log_var, "float32")
    kl = -0.5 * (1.0 + log_var - ops.square(mean) - ops.exp(log_var))
    return ops.sum(ops.reshape(kl, (ops.shape(kl)[0], -1)), axis=-1)


def _gaussian_kl_of_concat(y_true, y_pred):
    mean, log_var = ops.split(y_pred, 2, axis=-1)
    return gaussian_kl(mean, log_var)


@keras.saving.register_keras_serializable(package="keras_perceptual")
class GaussianKL(LossFunctionWrapper):
    """Gaussian KL to the standard normal prior. `y_pred` is the
    concatenation `[mean, log_var]` along the last axis; `y_true` is ignored.

    Args:
        name, reduction, dtype: as in `keras.losses.Loss`.

    Example:
    >>> GaussianKL()(ops.zeros((2, 16)), ops.zeros((2, 16)))   # 0.0

    Reference:
        Kingma & Welling, "Auto-Encoding Variational Bayes", ICLR 2014, appendix B.
    """

    def __init__(self, name="gaussian_kl", reduction="sum_over_batch_size", dtype=None):
        super().__init__(_gaussian_kl_of_concat, name=name, reduction=reduction, dtype=dtype)

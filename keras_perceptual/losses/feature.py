import keras
from keras import ops

from keras_perceptual.losses.base import LossFunctionWrapper


def per_sample_sum(x):
    """Sums every axis but the first."""
    x = ops.cast(x, "float32")
    return ops.sum(ops.reshape(x, (ops.shape(x)[0], -1)), axis=-1)


def learned_similarity_loss(real_features, fake_features):
    """VAE/GAN's reconstruction loss in the discriminator's l-th layer:
    the negative log-likelihood of `N(Dis_l(x) | Dis_l(x~), I)` summed over
    features, without its constant: `0.5 * sum((Dis_l(x) - Dis_l(x~))^2)`.

    Args:
        real_features: `Dis_l(x)`, shape `(batch, ...)`.
        fake_features: `Dis_l(x~)`, same shape.

    Returns:
        Tensor of shape `(batch,)`.

    Reference:
        Larsen et al., "Autoencoding beyond pixels using a learned similarity
        metric", ICML 2016, eq. (8)-(9).
    """
    if tuple(real_features.shape[1:]) != tuple(fake_features.shape[1:]):
        raise ValueError(
            "real_features and fake_features must have the same shape. Received: "
            f"{tuple(real_features.shape)} and {tuple(fake_features.shape)}"
        )
    diff = ops.cast(real_features, "float32") - ops.cast(fake_features, "float32")
    return 0.5 * per_sample_sum(ops.square(diff))


@keras.saving.register_keras_serializable(package="keras_perceptual")
class LearnedSimilarityLoss(LossFunctionWrapper):
    """`learned_similarity_loss(y_true, y_pred)` as a Keras loss: `y_true`
    holds Dis_l of the real images, `y_pred` Dis_l of the reconstructions.

    Args:
        name, reduction, dtype: as in `keras.losses.Loss`.

    Example:
    >>> loss = LearnedSimilarityLoss()
    >>> value = loss(features_of_real, features_of_reconstructions)

    Reference:
        Larsen et al., "Autoencoding beyond pixels using a learned similarity
        metric", ICML 2016, eq. (8)-(9).
    """

    def __init__(self, name="learned_similarity_loss", reduction="sum_over_batch_size", dtype=None):
        super().__init__(learned_similarity_loss, name=name, reduction=reduction, dtype=dtype)

"""GAN losses computed from logits (never `log(sigmoid)`)."""

import keras
from keras import ops

from keras_perceptual.losses.base import LossFunctionWrapper
from keras_perceptual.losses.base import check_choice

GENERATOR_MODES = ("non_saturating", "minimax")


def _flat_logits(logits):
    logits = ops.cast(ops.convert_to_tensor(logits), "float32")
    if len(logits.shape) > 1:
        logits = ops.mean(ops.reshape(logits, (ops.shape(logits)[0], -1)), axis=-1)
    return logits


def bce_from_logits(logits, target):
    """Per-sample binary cross-entropy against a constant target (0 or 1)."""
    logits = _flat_logits(logits)
    return ops.binary_crossentropy(ops.full_like(logits, float(target)), logits, from_logits=True)


def gan_discriminator_loss(real_logits, fake_logits):
    """Per-sample discriminator loss `-log D(real) - log(1 - D(fake))`.

    Args:
        real_logits: discriminator logits on real samples, shape `(batch, ...)`.
        fake_logits: logits on generated samples, same batch size.

    Returns:
        Tensor of shape `(batch,)`.
    """
    return bce_from_logits(real_logits, 1.0) + bce_from_logits(fake_logits, 0.0)


def gan_generator_loss(fake_logits, mode="non_saturating"):
    """Per-sample generator loss.

    Args:
        fake_logits: discriminator logits on generated samples.
        mode: `"non_saturating"`: `-log D(G(z))` (Goodfellow's practical form);
            `"minimax"`: `log(1 - D(G(z)))`, the saturating form of the game
            (VAE/GAN's decoder in the authors' code).

    Returns:
        Tensor of shape `(batch,)`.
    """
    check_choice("mode", mode, GENERATOR_MODES)
    if mode == "non_saturating":
        return bce_from_logits(fake_logits, 1.0)
    return -bce_from_logits(fake_logits, 0.0)


def gan_labelled_crossentropy(y_true, y_pred):
    """Per-sample cross-entropy of discriminator logits `y_pred` against
    labels `y_true` (1 real, 0 generated); patch logits are averaged."""
    logits = _flat_logits(y_pred)
    labels = ops.reshape(ops.cast(y_true, "float32"), ops.shape(logits))
    return ops.binary_crossentropy(labels, logits, from_logits=True)


def _generator_loss(y_true, y_pred, mode):
    return gan_generator_loss(y_pred, mode)


@keras.saving.register_keras_serializable(package="keras_perceptual")
class GANDiscriminatorLoss(LossFunctionWrapper):
    """Binary cross-entropy of a discriminator from logits.

    `y_true` holds 1 for real and 0 for generated samples; `y_pred` the
    discriminator's logits. Equivalent to `gan_discriminator_loss` on a batch
    that concatenates real and fake samples.

    Args:
        name, reduction, dtype: as in `keras.losses.Loss`.

    Example:
    >>> loss = GANDiscriminatorLoss()
    >>> loss(ops.array([1.0, 0.0]), ops.array([3.0, -2.0]))

    Reference:
        Goodfellow et al., "Generative Adversarial Nets", NIPS 2014.
    """

    def __init__(self, name="gan_discriminator_loss", reduction="sum_over_batch_size", dtype=None):
        super().__init__(gan_labelled_crossentropy, name=name, reduction=reduction, dtype=dtype)


@keras.saving.register_keras_serializable(package="keras_perceptual")
class GANGeneratorLoss(LossFunctionWrapper):
    """The generator's adversarial loss from the discriminator's logits on
    generated samples (`y_pred`); `y_true` is ignored.

    Args:
        mode: "non_saturating" (default) or "minimax".
        name, reduction, dtype: as in `keras.losses.Loss`.

    Example:
    >>> model.compile("adam", loss=GANGeneratorLoss(mode="minimax"))

    Reference:
        Goodfellow et al., "Generative Adversarial Nets", NIPS 2014.
    """

    def __init__(self, mode="non_saturating", name="gan_generator_loss", reduction="sum_over_batch_size", dtype=None):
        check_choice("mode", mode, GENERATOR_MODES)
        super().__init__(_generator_loss, name=name, reduction=reduction, dtype=dtype, mode=mode)

"""DeePSiM inverter (Dosovitskiy & Brox 2016, §4.3): a generator that turns a
frozen network's features back into the image."""

import keras

from keras_perceptual.comparators import Comparator
from keras_perceptual.models.deepsim import DeePSiM
from keras_perceptual.models.checks import split_conditional_data


@keras.saving.register_keras_serializable(package="keras_perceptual")
class DeePSiMInverter(DeePSiM):
    """DeePSiM inverter: `x_hat = G(phi(x))` for the features `phi` of one
    layer of a frozen network; only the generator (and the discriminator)
    train. The "code" is the features, without a prior.

    Args:
        generator: `keras.Model`, `features -> image in [-1, 1]`.
        discriminator: `keras.Model`, see `DeePSiM`.
        comparator: a frozen `Comparator` (the loss's feature space).
        encoder: a frozen `Comparator` over the one layer to invert (e.g.
            `comparator.select(["block2_act2"])`).
        **kwargs: the game's options (`DeePSiM`).

    Example:
    >>> nets = kp.networks.deepsim_networks("inverter", "small28", comparator=comp)
    >>> model = kp.DeePSiMInverter(**nets, comparator=comp)
    >>> chain = model.reencode_chain(images, steps=4)

    Reference:
        Dosovitskiy & Brox, "Generating images with perceptual similarity
        metrics based on deep networks", NIPS 2016, arXiv:1602.02644.
    """

    def __init__(self, generator, discriminator, comparator, encoder, **kwargs):
        super().__init__(generator, discriminator, comparator, **kwargs)
        if not isinstance(encoder, Comparator) or len(encoder.layer_names) != 1:
            raise ValueError(
                "The inverter's `encoder` is a Comparator over the one layer to invert "
                f"(e.g. comparator.select(['block2_act2'])). Received: encoder={encoder!r}"
            )
        self.encoder = encoder
        self.check_game_networks(self.encoder.feature_shapes[0])
        self.built = True

    @property
    def players(self):
        return {"generator": [self.generator], "discriminator": [self.discriminator]}

    def _encoder_outputs(self, x, conditions, rng):
        return self.encoder(x)[0]

    def compute_losses(self, data, training=True):
        x, _ = split_conditional_data(data, False, self.image_shape, "DeePSiMInverter")
        x_hat = self.generator(self.encoder(x)[0], training=training)
        return self.deepsim_game(x, x_hat, training)

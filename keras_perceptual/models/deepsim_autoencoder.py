"""DeePSiM autoencoder (Dosovitskiy & Brox 2016, §4.1): an encoder to a small
spatial code and a generator back to the image, trained with the DeePSiM
loss."""

import keras

from keras_perceptual.models.deepsim import DeePSiM
from keras_perceptual.models.checks import split_conditional_data


@keras.saving.register_keras_serializable(package="keras_perceptual")
class DeePSiMAutoencoder(DeePSiM):
    """DeePSiM autoencoder: `x_hat = G(E(x))`, code without a prior.

    The generator player (encoder and generator) minimises
    `lambda_feat * ||C(x) - C(x_hat)||^2 + lambda_img * ||x - x_hat||^2 +
    lambda_adv * L_adv(D(x_hat))`; the discriminator tells `x` from `x_hat`.

    Args:
        generator: `keras.Model`, `code -> image in [-1, 1]`.
        discriminator: `keras.Model`, see `DeePSiM`.
        comparator: a frozen `Comparator`.
        encoder: `keras.Model`, `image -> code` (paper: 8x8x8 for 64x64).
        **kwargs: the game's options (`DeePSiM`): lambdas, pause, seed, ...

    Example:
    >>> comp = kp.comparators.fashion_mnist_comparator(weights="fashion_mnist_classifier")
    >>> nets = kp.networks.deepsim_networks("autoencoder", "small28", comparator=comp)
    >>> model = kp.DeePSiMAutoencoder(**nets, comparator=comp)
    >>> model.compile(optimizer=keras.optimizers.Adam(2e-4))
    >>> model.fit(dataset, epochs=5)
    >>> codes = model.encode(images)

    Reference:
        Dosovitskiy & Brox, "Generating images with perceptual similarity
        metrics based on deep networks", NIPS 2016, arXiv:1602.02644.
    """

    def __init__(self, generator, discriminator, comparator, encoder, **kwargs):
        super().__init__(generator, discriminator, comparator, **kwargs)
        if len(encoder.outputs) != 1:
            raise ValueError(
                f"The autoencoder's encoder outputs one code. Received: {len(encoder.outputs)} output(s)"
            )
        self.encoder = encoder
        self.check_game_networks(self.encoder.outputs[0].shape[1:])
        self.built = True

    def _encoder_outputs(self, x, conditions, rng):
        return self.encoder(x, training=False)

    def compute_losses(self, data, training=True):
        x, _ = split_conditional_data(data, False, self.image_shape, "DeePSiMAutoencoder")
        x_hat = self.generator(self.encoder(x, training=training), training=training)
        return self.deepsim_game(x, x_hat, training)

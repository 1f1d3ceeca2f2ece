"""The L2 autoencoder: DeePSiM's baseline (Dosovitskiy & Brox 2016), the
same encoder and generator trained with the pixel MSE alone."""

import keras
from keras import ops

from keras_perceptual.models.code_space import DeterministicCode
from keras_perceptual.models.image_autoencoder import ImageAutoencoder
from keras_perceptual.models.checks import split_conditional_data


@keras.saving.register_keras_serializable(package="keras_perceptual")
class PixelAutoencoder(ImageAutoencoder):
    """Autoencoder `x_hat = D(E(x))` trained with the mean squared pixel
    error: one player, the encoder and decoder together. Its code has no
    prior (`generate` raises `NoPriorError`).

    Args:
        encoder: `keras.Model`, `image -> code`.
        decoder: `keras.Model`, `code -> image in [-1, 1]`.
        seed: seed of the model's random draws (it draws none).
        **kwargs: passed to `keras.Model`.

    Example:
    >>> nets = kp.networks.deepsim_networks("autoencoder", "small28")
    >>> model = kp.PixelAutoencoder(nets["encoder"], nets["generator"])
    >>> model.compile(optimizer=keras.optimizers.Adam(2e-4))
    >>> model.fit(images, epochs=5)
    >>> recon = model.reconstruct(images)

    Reference:
        Dosovitskiy & Brox, "Generating images with perceptual similarity
        metrics based on deep networks", NIPS 2016 (its L2 baseline).
    """

    def __init__(self, encoder, decoder, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.encoder = encoder
        self.decoder = decoder
        if tuple(decoder.inputs[0].shape[1:]) != tuple(encoder.outputs[0].shape[1:]):
            raise ValueError(
                f"The decoder must read the encoder's codes. Expected input shape "
                f"{tuple(encoder.outputs[0].shape[1:])}. Received: {tuple(decoder.inputs[0].shape[1:])}"
            )
        if tuple(decoder.outputs[0].shape[1:]) != self.image_shape:
            raise ValueError(
                f"The decoder must output images of shape {self.image_shape}. "
                f"Received: {tuple(decoder.outputs[0].shape[1:])}"
            )
        self.built = True

    @property
    def image_shape(self):
        return tuple(self.encoder.inputs[0].shape[1:])

    @property
    def code_space(self):
        return DeterministicCode(self.encoder.outputs[0].shape[1:])

    @property
    def players(self):
        return {"autoencoder": [self.encoder, self.decoder]}

    def compute_losses(self, data, training=True):
        x, _ = split_conditional_data(data, False, self.image_shape, "PixelAutoencoder")
        x_hat = self.decoder(self.encoder(x, training=training), training=training)
        return {"autoencoder": ops.mean(ops.square(ops.cast(x, "float32") - ops.cast(x_hat, "float32")))}, {}

    def _encoder_outputs(self, x, conditions, rng):
        return self.encoder(x, training=False)

    def _decode_batch(self, codes, conditions, rng):
        return self.decoder(codes, training=False)

    def call(self, inputs, training=False):
        return self.decoder(self.encoder(inputs, training=training), training=training)

"""`GaussianAutoencoder`: the shared structure of the models with an encoder
`x -> [mean, log_var]` (or `[x, y] -> ...`, a conditional VAE's
q(z|x, y)), a Gaussian code and a decoder `z -> x` (or `[z, y] -> x`,
class-conditional): `VAE` and `VAEGAN`."""

import keras
from keras import ops

from keras_perceptual.models.code_space import GaussianCode
from keras_perceptual.models.image_autoencoder import ImageAutoencoder


@keras.saving.register_keras_serializable(package="keras_perceptual")
class GaussianAutoencoder(ImageAutoencoder):
    """Base of `VAE` and `VAEGAN`: needs `self.encoder` (`x -> [mean,
    log_var]`) and `self.decoder` (`z -> x`, or `[z, y] -> x` when
    conditional). Its code space is `GaussianCode(latent_dim)`.

    A conditional model's encoder may read the condition too (`[x, y] ->
    [mean, log_var]`, a conditional VAE's q(z|x, y); see
    `vaegan_networks(condition_encoder=True)`): the model reads which from
    the encoder's inputs (`encoder_is_conditional`), and `encode` then
    needs `conditions`.

    Args:
        seed: seed of the model's random draws.
        **kwargs: passed to `keras.Model`.

    Example:
    >>> model = kp.VAE(encoder, decoder)   # a GaussianAutoencoder
    >>> model.code_space
    GaussianCode(shape=(32,))

    Reference:
        Kingma & Welling, "Auto-Encoding Variational Bayes", ICLR 2014.
    """

    @property
    def image_shape(self):
        return tuple(self.encoder.inputs[0].shape[1:])

    @property
    def code_space(self):
        return GaussianCode(self.encoder.outputs[0].shape[-1])

    @property
    def condition_dim(self):
        return self.decoder.inputs[1].shape[-1] if len(self.decoder.inputs) == 2 else 0

    @property
    def encoder_is_conditional(self):
        """Whether the encoder reads the condition (`[x, y] -> [mean, log_var]`)."""
        return len(self.encoder.inputs) == 2

    def check_gaussian_networks(self):
        if len(self.encoder.outputs) != 2:
            raise ValueError(
                "The encoder must output [mean, log_var]. Received an encoder with "
                f"{len(self.encoder.outputs)} output(s)."
            )
        enc_in = tuple(self.encoder.inputs[0].shape[1:])
        dec_out = tuple(self.decoder.outputs[0].shape[1:])
        if enc_in != dec_out:
            raise ValueError(
                f"The decoder must output images of the encoder's input shape. Expected {enc_in}. "
                f"Received: decoder output {dec_out}"
            )
        if self.encoder_is_conditional and self.encoder.inputs[1].shape[-1] != self.condition_dim:
            raise ValueError(
                "An encoder that reads the condition needs a decoder that reads the same condition. "
                f"Expected a condition of size {self.encoder.inputs[1].shape[-1]} at the decoder. Received: "
                f"decoder condition size {self.condition_dim}"
            )
        if self.decoder.inputs[0].shape[-1] != self.latent_dim:
            raise ValueError(
                f"The decoder's code input must match the encoder's code size. Expected "
                f"{self.latent_dim}. Received: decoder input size {self.decoder.inputs[0].shape[-1]}"
            )

    def _decode(self, z, y, training=False):
        return self.decoder([z, y] if self.is_conditional else z, training=training)

    def _encode(self, x, y, training=False):
        """`[mean, log_var]` of images `x` (and conditions `y`, read when
        the encoder takes them)."""
        if not self.encoder_is_conditional:
            return self.encoder(x, training=training)
        if y is None:
            raise ValueError(
                f"This model's encoder reads the condition: pass `conditions` of shape (n, {self.condition_dim})."
            )
        # Both as tensors: a Functional refuses a NumPy image batch next to a tensor.
        return self.encoder([ops.convert_to_tensor(x), ops.convert_to_tensor(y)], training=training)

    def _encoder_outputs(self, x, conditions, rng):
        return self._encode(x, conditions)

    def _decode_batch(self, codes, conditions, rng):
        return self._decode(codes, conditions)

    def call(self, inputs, training=False):
        """Reconstruction from the posterior mean: `decoder(mean(x) (, y))`."""
        x, y = inputs if self.is_conditional else (inputs, None)
        mean, _ = self._encode(x, y, training=training)
        return self._decode(mean, y, training=training)

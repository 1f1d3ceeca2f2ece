"""A plain VAE with an element-wise Gaussian likelihood: the baseline the
VAE/GAN paper compares against (Larsen et al. 2016, §4), with the same
encoder and decoder networks."""

import keras
from keras import ops

import keras_perceptual.validation as validation
import keras_perceptual.losses as kp_losses
from keras_perceptual.models.gaussian_autoencoder import GaussianAutoencoder
from keras_perceptual.models.checks import split_conditional_data


@keras.saving.register_keras_serializable(package="keras_perceptual")
class VAE(GaussianAutoencoder):
    """Variational autoencoder (Kingma & Welling 2014) with a fixed-variance
    Gaussian pixel likelihood.

    One player (encoder and decoder together) minimises the negative ELBO
    per image:

        sum_pixels (x - Dec(z))^2 / (2 * pixel_sigma^2) + kl_weight * KL(q(z|x) || N(0, I))

    `z ~ q(z|x)` by the reparameterisation trick. It is the VAE/GAN model
    without its discriminator: build the networks with
    `keras_perceptual.networks.vaegan_networks` and drop `discriminator`.

    Args:
        encoder: `keras.Model`, `x -> [mean, log_var]` (or `[x, y] -> ...`,
            a conditional VAE's q(z|x, y)).
        decoder: `keras.Model`, `z -> x` (or `[z, y] -> x`, conditional),
            output in [-1, 1].
        pixel_sigma: standard deviation > 0 of the Gaussian likelihood, in
            image units ([-1, 1] images). Smaller: sharper reconstructions,
            a code further from the prior.
        kl_weight: weight >= 0 of the KL term (1: the ELBO).
        seed: seed of the model's random draws.

    Example:
    >>> nets = kp.networks.vaegan_networks("small28", channels=1)
    >>> model = kp.VAE(nets["encoder"], nets["decoder"])
    >>> model.compile(optimizer=keras.optimizers.RMSprop(3e-4))
    >>> model.fit(dataset, epochs=10)
    >>> images = model.generate(16)
    """

    def __init__(self, encoder, decoder, pixel_sigma=0.1, kl_weight=1.0, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        pixel_sigma = validation.expect_float("pixel_sigma", pixel_sigma, above=0)
        kl_weight = validation.expect_float("kl_weight", kl_weight, minimum=0)
        self.encoder = encoder
        self.decoder = decoder
        self.pixel_sigma = float(pixel_sigma)
        self.kl_weight = kl_weight
        self.check_gaussian_networks()
        self.built = True

    @property
    def players(self):
        return {"vae": [self.encoder, self.decoder]}

    @property
    def log_names(self):
        return ("reconstruction", "kl")

    def compute_losses(self, data, training=True):
        x, y = split_conditional_data(data, self.is_conditional, self.image_shape, "VAE")
        mean, log_var = self._encode(x, y, training=training)
        z = self.training_code([mean, log_var])
        x_tilde = ops.cast(self._decode(z, y, training=training), x.dtype)
        squared = ops.sum(ops.reshape(ops.square(ops.subtract(x, x_tilde)), (ops.shape(x)[0], -1)), axis=-1)
        reconstruction = ops.mean(squared) / (2.0 * self.pixel_sigma**2)
        kl = ops.mean(kp_losses.gaussian_kl(mean, log_var))
        return {"vae": reconstruction + self.kl_weight * kl}, {"reconstruction": reconstruction, "kl": kl}

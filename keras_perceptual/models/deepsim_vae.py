"""DeePSiM VAE (Dosovitskiy & Brox 2016, §4.2): a VAE whose reconstruction
term is the DeePSiM loss; the KL term is kept."""

import keras
from keras import ops

import keras_perceptual.losses as kp_losses
from keras_perceptual.losses.deepsim import check_lambdas
from keras_perceptual.models.code_space import GaussianCode
from keras_perceptual.models.deepsim import DeePSiM
from keras_perceptual.models.checks import split_conditional_data


@keras.saving.register_keras_serializable(package="keras_perceptual")
class DeePSiMVAE(DeePSiM):
    """DeePSiM VAE: `z = mean + sigma * eps`, `x_hat = G(z)`, prior N(0, I).

    The generator player (encoder and generator) minimises the DeePSiM loss
    of `x_hat` plus `kl_weight * KL(q(z|x) || N(0, I))`; `eps` comes from
    the model's one random stream.

    Args:
        generator: `keras.Model`, `z -> image in [-1, 1]`.
        discriminator: `keras.Model`, see `DeePSiM`.
        comparator: a frozen `Comparator`.
        encoder: `keras.Model`, `image -> [mean, log_var]`.
        kl_weight: weight >= 0 of the KL term, relative to the mean
            distances.
        **kwargs: the game's options (`DeePSiM`).

    Example:
    >>> nets = kp.networks.deepsim_networks("vae", "small28", comparator=comp)
    >>> model = kp.DeePSiMVAE(**nets, comparator=comp)
    >>> images = model.generate(16)

    Reference:
        Dosovitskiy & Brox, "Generating images with perceptual similarity
        metrics based on deep networks", NIPS 2016, arXiv:1602.02644.
    """

    def __init__(self, generator, discriminator, comparator, encoder, kl_weight=1e-3, **kwargs):
        super().__init__(generator, discriminator, comparator, **kwargs)
        check_lambdas(kl_weight=kl_weight)
        if len(encoder.outputs) != 2:
            raise ValueError(
                f"The VAE's encoder outputs [mean, log_var]. Received: {len(encoder.outputs)} output(s)"
            )
        self.encoder = encoder
        self.kl_weight = kl_weight
        self.check_game_networks(self.encoder.outputs[0].shape[1:])
        self.built = True

    @property
    def code_space(self):
        return GaussianCode(self.encoder.outputs[0].shape[-1])

    @property
    def log_names(self):
        return super().log_names + ("kl",)

    def _encoder_outputs(self, x, conditions, rng):
        return self.encoder(x, training=False)

    def compute_losses(self, data, training=True):
        x, _ = split_conditional_data(data, False, self.image_shape, "DeePSiMVAE")
        mean, log_var = self.encoder(x, training=training)
        z = self.training_code([mean, log_var])
        x_hat = self.generator(z, training=training)
        losses, logs = self.deepsim_game(x, x_hat, training)
        kl = ops.mean(kp_losses.gaussian_kl(mean, log_var))
        losses["generator"] = losses["generator"] + self.kl_weight * kl
        logs["kl"] = kl
        return losses, logs

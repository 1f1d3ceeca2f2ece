"""How an adversarial autoencoder matches its aggregate posterior q(z) to the
prior p(z): a strategy object per regulariser, so the model's step reads the
same whichever is chosen.

- `GANRegularizer`: a discriminator (per code part) tells prior draws from
  codes; the encoder plays the generator (Makhzani et al. 2015).
- `MMDRegularizer`: the closed-form MMD between codes and prior draws, no
  discriminator (Tolstikhin et al., WAE-MMD).

Each takes `parts`, a list of `(player, codes, prior_draws)` (one per
discriminator), and returns `(encoder_term, {player: discriminator_loss})`.
"""

import keras
from keras import ops

import keras_perceptual.losses as kp_losses


class GANRegularizer:
    """Adversarial regulariser with optional Gaussian instance noise
    (`instance_noise`, drawn through the model's `seed_generator`).

    Args:
        instance_noise: standard deviation of the noise added to the codes
            and prior draws the discriminators see (0: off).
    """

    def __init__(self, instance_noise=0.0):
        self.instance_noise = float(instance_noise)

    def check(self, model):
        if model.discriminator is None:
            raise ValueError(
                f"regularizer='gan' needs a `discriminator`. Received: discriminator=None ({type(model).__name__})"
            )

    def __call__(self, model, parts):
        encoder_term, losses = 0.0, {}
        for player, fake, real in parts:
            if self.instance_noise:
                fake = fake + keras.random.normal(ops.shape(fake), stddev=self.instance_noise,
                                                  seed=model.seed_generator)
                real = real + keras.random.normal(ops.shape(real), stddev=self.instance_noise,
                                                  seed=model.seed_generator)
            # One call on [real, fake]: the discriminator sees both halves together.
            logits = getattr(model, player)(ops.concatenate([real, fake], axis=0), training=True)
            l_real, l_fake = ops.split(logits, 2, axis=0)
            losses[player] = ops.mean(kp_losses.gan_discriminator_loss(l_real, l_fake))
            encoder_term = encoder_term + ops.mean(kp_losses.gan_generator_loss(l_fake))
        return encoder_term, losses


class MMDRegularizer:
    """MMD regulariser (WAE-MMD), its kernel scaled by the prior's variance.

    Args:
        kernel: "imq" or "rbf".
        scales: kernel scales.
    """

    def __init__(self, kernel, scales):
        self.kernel = kernel
        self.scales = tuple(scales)

    def check(self, model):
        if model.discriminator is not None or model.style_discriminator is not None:
            raise ValueError(
                f"regularizer='mmd' needs no discriminator (its weights would belong to no "
                f"player). Received: discriminator={model.discriminator!r}, "
                f"style_discriminator={model.style_discriminator!r}"
            )

    def __call__(self, model, parts):
        _, fake, real = parts[0]
        variance = model.prior.total_variance / model.prior.dim
        return kp_losses.mmd(fake, real, self.kernel, self.scales, variance), {}


def get(regularizer, mmd_kernel, mmd_scales, discriminator_noise):
    """The strategy named by an `AdversarialAutoencoder`'s arguments."""
    if regularizer == "mmd":
        if discriminator_noise:
            raise ValueError(f"`discriminator_noise` needs regularizer='gan'. Received: regularizer={regularizer!r}")
        return MMDRegularizer(mmd_kernel, mmd_scales)
    return GANRegularizer(discriminator_noise)

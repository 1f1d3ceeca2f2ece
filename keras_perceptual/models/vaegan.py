"""VAE/GAN: a VAE whose reconstruction likelihood is measured in a GAN
discriminator's l-th layer (Larsen et al., ICML 2016)."""

import keras
from keras import ops

import keras_perceptual.validation as validation
import keras_perceptual.losses as kp_losses
from keras_perceptual.models.gaussian_autoencoder import GaussianAutoencoder
from keras_perceptual.models.checks import split_conditional_data


@keras.saving.register_keras_serializable(package="keras_perceptual")
class VAEGAN(GaussianAutoencoder):
    """VAE/GAN with the learned similarity metric.

    Three players, updated simultaneously from one forward pass:

    - encoder <- `kl_weight * L_prior + L_llike^{Dis_l}`
    - decoder <- `gamma * L_llike^{Dis_l} - L_GAN` (the GAN term in the form
      chosen by `decoder_gan_loss`)
    - discriminator <- `L_GAN`

    The discriminator never minimises the feature loss and the encoder gets
    no gradient from `L_GAN`: each player's gradient is taken of its own loss
    with respect to its own variables only.

    Args:
        encoder: `keras.Model`, `x -> [mean, log_var]` (or `[x, y] -> ...`,
            a conditional encoder q(z|x, y); the paper's sees `x` only, see
            `vaegan_networks(condition_encoder=True)`).
        decoder: `keras.Model`, `z -> x` (or `[z, y] -> x` when conditional),
            output in [-1, 1].
        discriminator: `keras.Model`, `x -> [logits, dis_l]` (or
            `[x, y] -> ...` when conditional), unless `feature_layer` names
            the layer to tap for Dis_l, in which case its first output is the
            logits. See `keras_perceptual.networks.vaegan_networks`.
        gamma: weight of the feature loss in the decoder's update only
            (paper: 1e-6 on CelebA with summed losses, 1e-5 on CIFAR).
        kl_weight: weight of the KL term in the encoder's loss (paper: 1).
        reconstructions_as_fakes: show `Dec(Enc(x))` to the discriminator as
            fakes next to `Dec(z_p)` (paper: True; the authors' code: False).
        decoder_gan_loss: "minimax" (the saturating `log(1 - D(x~))` of the
            paper and the authors' code) or "non_saturating" (`-log D(x~)`).
        equilibrium: apply the authors' equilibrium rule: skip the
            discriminator's update when its real or fake BCE is below
            `equilibrium_center - equilibrium_margin`, skip the decoder's when
            either is above `equilibrium_center + equilibrium_margin`, update
            both if both would be skipped.
        equilibrium_center: 0.68 in the authors' code.
        equilibrium_margin: 0.35 in the authors' code.
        feature_layer: None (Dis_l is the discriminator's second output) or
            the name of a discriminator layer whose output is Dis_l.
        mismatched_conditions_as_fakes: conditional only: the discriminator
            also sees real images paired with another image's condition (the
            batch rolled by one) as fakes, a matching-aware discriminator
            (Reed et al. 2016, "Generative adversarial text to image
            synthesis"), so that it has to check the image against its
            condition. A departure from the paper (False).
        seed: seed of the model's random draws.

    Example:
    >>> nets = kp.networks.vaegan_networks("small28", channels=1)
    >>> model = kp.VAEGAN(**nets, gamma=1e-3)
    >>> model.compile(optimizer=keras.optimizers.RMSprop(3e-4))
    >>> model.fit(dataset, epochs=10)
    >>> images = model.generate(16)

    Reference:
        Larsen, Sønderby, Larochelle, Winther, "Autoencoding beyond pixels
        using a learned similarity metric", ICML 2016, arXiv:1512.09300.
    """

    def __init__(
        self,
        encoder,
        decoder,
        discriminator,
        gamma=1e-6,
        kl_weight=1.0,
        reconstructions_as_fakes=True,
        decoder_gan_loss="minimax",
        equilibrium=True,
        equilibrium_center=0.68,
        equilibrium_margin=0.35,
        feature_layer=None,
        mismatched_conditions_as_fakes=False,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        gamma = validation.expect_float("gamma", gamma, minimum=0)
        kl_weight = validation.expect_float("kl_weight", kl_weight, minimum=0)
        equilibrium = validation.expect_bool("equilibrium", equilibrium)
        equilibrium_center = validation.expect_float("equilibrium_center", equilibrium_center)
        equilibrium_margin = validation.expect_float("equilibrium_margin", equilibrium_margin, minimum=0)
        if equilibrium and equilibrium_center + equilibrium_margin <= 0:
            # `gates` skips the decoder whenever a BCE (>= 0) is above center + margin: at <= 0 it never trains.
            raise validation.fail(
                "equilibrium_center + equilibrium_margin", "> 0 (the decoder trains only while both discriminator "
                "BCEs, which are >= 0, are at most this sum; at <= 0 it would never train)",
                f"equilibrium_center={equilibrium_center!r} + equilibrium_margin={equilibrium_margin!r} = "
                f"{equilibrium_center + equilibrium_margin!r}", hint="The authors' values are 0.68 and 0.35.")
        validation.expect_choice("decoder_gan_loss", decoder_gan_loss, kp_losses.gan.GENERATOR_MODES)
        reconstructions_as_fakes = validation.expect_bool("reconstructions_as_fakes", reconstructions_as_fakes)
        mismatched_conditions_as_fakes = validation.expect_bool("mismatched_conditions_as_fakes",
                                                                mismatched_conditions_as_fakes)
        if feature_layer is not None and not isinstance(feature_layer, str):
            raise validation.fail("feature_layer", "None or the name of a discriminator layer (a str)",
                                  f"feature_layer={feature_layer!r} ({type(feature_layer).__name__})")
        self.encoder = encoder
        self.decoder = decoder
        self.discriminator = discriminator
        self.gamma = gamma
        self.kl_weight = kl_weight
        self.reconstructions_as_fakes = reconstructions_as_fakes
        self.decoder_gan_loss = decoder_gan_loss
        self.equilibrium = equilibrium
        self.equilibrium_center = equilibrium_center
        self.equilibrium_margin = equilibrium_margin
        self.feature_layer = feature_layer
        self.mismatched_conditions_as_fakes = bool(mismatched_conditions_as_fakes)
        self._critic = self._feature_tap(discriminator, feature_layer)
        self._check_networks()
        if self.mismatched_conditions_as_fakes and not self.is_conditional:
            raise ValueError(
                "`mismatched_conditions_as_fakes=True` pairs real images with wrong conditions: it needs a "
                "conditional model (decoder and discriminator fed the condition). Received an unconditional one."
            )
        self.built = True

    # -- structure ---------------------------------------------------------
    @staticmethod
    def _feature_tap(discriminator, feature_layer):
        if feature_layer is None:
            if len(discriminator.outputs) != 2:
                raise ValueError(
                    "The discriminator must output [logits, dis_l], or pass "
                    "`feature_layer` to name the layer to tap for Dis_l. "
                    f"Received a discriminator with {len(discriminator.outputs)} output(s)."
                )
            return discriminator
        names = [layer.name for layer in discriminator.layers]
        if feature_layer not in names:
            raise ValueError(
                f"`feature_layer` must name a layer of the discriminator. Expected one of "
                f"{names}. Received: feature_layer={feature_layer!r}"
            )
        logits = discriminator.outputs[0]
        features = discriminator.get_layer(feature_layer).output
        return keras.Model(discriminator.inputs, [logits, features], name="discriminator_tap")

    def _check_networks(self):
        self.check_gaussian_networks()
        if self.is_conditional != (len(self.discriminator.inputs) == 2):
            raise ValueError(
                "A conditional VAE/GAN feeds the condition to both the decoder and the "
                "discriminator. Received: decoder inputs "
                f"{len(self.decoder.inputs)}, discriminator inputs {len(self.discriminator.inputs)}"
            )

    @property
    def players(self):
        return {
            "encoder": [self.encoder],
            "decoder": [self.decoder],
            "discriminator": [self.discriminator],
        }

    @property
    def gated_players(self):
        return ("decoder", "discriminator") if self.equilibrium else ()

    @property
    def log_names(self):
        return ("kl", "feature_loss", "real_bce", "fake_bce") + (
            ("mismatch_bce",) if self.mismatched_conditions_as_fakes else ())

    # -- the game ----------------------------------------------------------
    def _discriminate(self, x, y, training=False):
        return self._critic([x, y] if self.is_conditional else x, training=training)

    def compute_losses(self, data, training=True):
        x, y = split_conditional_data(data, self.is_conditional, self.image_shape, "VAEGAN")
        batch = ops.shape(x)[0]
        # z ~ q(z|x) and z_p ~ p(z): two draws of the model's one random stream.
        mean, log_var = self._encode(x, y, training=training)
        z = self.training_code([mean, log_var])
        x_tilde = self._decode(z, y, training=training)
        z_p = self.code_space.sample_tensor(batch, self.seed_generator)
        x_p = self._decode(z_p, y, training=training)

        # One discriminator call on [real, reconstruction, prior sample (,
        # real with a wrong condition)]: BatchNorm then never sees a batch
        # that is all real or all fake.
        parts = [x, ops.cast(x_tilde, x.dtype), ops.cast(x_p, x.dtype)]
        conds = [y, y, y] if self.is_conditional else None
        if self.mismatched_conditions_as_fakes:
            # Real images with another image's condition: fakes.
            parts.append(x)
            conds.append(ops.roll(y, 1, axis=0))
        images = ops.concatenate(parts, axis=0)
        conds = ops.concatenate(conds, axis=0) if conds else None
        logits, features = self._discriminate(images, conds, training=training)
        l_real, l_tilde, l_p, *l_wrong = ops.split(logits, len(parts), axis=0)
        f_real, f_tilde = ops.split(features, len(parts), axis=0)[:2]

        kl = ops.mean(kp_losses.gaussian_kl(mean, log_var))
        feature = ops.mean(kp_losses.learned_similarity_loss(f_real, f_tilde))
        real_bce = ops.mean(kp_losses.bce_from_logits(l_real, 1.0))
        fake_bce = ops.mean(kp_losses.bce_from_logits(l_p, 0.0))
        disc = real_bce + fake_bce
        gen = ops.mean(kp_losses.gan_generator_loss(l_p, self.decoder_gan_loss))
        if self.reconstructions_as_fakes:
            disc = disc + ops.mean(kp_losses.bce_from_logits(l_tilde, 0.0))
            gen = gen + ops.mean(kp_losses.gan_generator_loss(l_tilde, self.decoder_gan_loss))
        logs = {"kl": kl, "feature_loss": feature, "real_bce": real_bce, "fake_bce": fake_bce}
        if self.mismatched_conditions_as_fakes:
            logs["mismatch_bce"] = ops.mean(kp_losses.bce_from_logits(l_wrong[0], 0.0))
            disc = disc + logs["mismatch_bce"]
        losses = {
            "encoder": self.kl_weight * kl + feature,
            "decoder": self.gamma * feature + gen,
            "discriminator": disc,
        }
        return losses, logs

    def gates(self, losses, logs):
        real, fake = logs["real_bce"], logs["fake_bce"]
        low = self.equilibrium_center - self.equilibrium_margin
        high = self.equilibrium_center + self.equilibrium_margin
        train_disc = ops.logical_not(ops.logical_or(real < low, fake < low))
        train_dec = ops.logical_not(ops.logical_or(real > high, fake > high))
        neither = ops.logical_not(ops.logical_or(train_disc, train_dec))
        return {
            "discriminator": ops.logical_or(train_disc, neither),
            "decoder": ops.logical_or(train_dec, neither),
        }

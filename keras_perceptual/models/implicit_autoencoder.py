"""Implicit autoencoders (Makhzani, 2018): both q(z|x) and p(x|z) implicit,
the reconstruction cost a GAN on joint (x, z) pairs."""


import keras
import numpy as np
from keras import ops

import keras_perceptual.validation as validation
import keras_perceptual.losses as kp_losses
import keras_perceptual.priors as kp_priors
from keras_perceptual.models.checks import split_conditional_data
from keras_perceptual.models.prior_autoencoder import PriorAutoencoder
from keras_perceptual.models.prior_autoencoder import check_code_size
from keras_perceptual.models.prior_autoencoder import input_size


@keras.saving.register_keras_serializable(package="keras_perceptual")
class ImplicitAutoencoder(PriorAutoencoder):
    """Implicit autoencoder (IAE).

    The encoder takes `x` and noise `e` (an implicit `q(z|x)`); the decoder
    takes the code `z` and noise `n`, so one code decodes to many images.
    Two GANs replace the likelihood and the KL:

    - reconstruction GAN: a discriminator on joint pairs tells
      `(x, z)`, `z ~ q(z|x)` (real) from `(G(z, n), z)` (fake). The decoder
      only has to produce *an* image the encoder maps to `z`: what the code
      keeps is reconstructed, what it drops is left to `n`.
    - regularisation GAN: a discriminator on codes tells `z ~ p(z)` (real)
      from `z ~ q(z)` (fake), as in an AAE.

    The code size (or a categorical code, `CategoricalPrior`) sets how much
    information goes to `z`: a small or categorical code keeps global
    factors (class, style) and gives clustering.

    Players, updated simultaneously from one forward pass:

    - encoder <- `reconstruction_weight * L_rec-GAN + regularization_weight *
      L_reg-GAN (+ pixel_weight * MSE)`, where the encoder plays both sides
      of the joint game (non-saturating, labels swapped, as in ALI/BiGAN).
    - decoder <- `reconstruction_weight * L_rec-GAN (+ pixel_weight * MSE)`.
    - reconstruction_discriminator, regularization_discriminator <- their
      BCE losses.

    Args:
        encoder: `keras.Model`, `[x, e] -> outputs` (or `x -> outputs`, a
            deterministic encoder) of size `prior.dim` (categorical prior:
            `[logits, style]`, the softmax is applied here).
        decoder: `keras.Model`, `[z, n] -> x` in [-1, 1].
        reconstruction_discriminator: `keras.Model`, `[x, z] -> logit`.
        regularization_discriminator: `keras.Model`, `z -> logit`.
        prior: a `keras_perceptual.priors.Prior`.
        reconstruction_weight: weight of the reconstruction GAN.
        regularization_weight: weight of the regularisation GAN.
        pixel_weight: weight of an optional pixel MSE between `x` and
            `G(z, n)` (0 in the paper; a small value steadies short runs).
        noise_stddev: standard deviation of the encoder and decoder noise.
        gumbel_temperature, straight_through, marginal_entropy_weight:
            categorical code only, as in `AdversarialAutoencoder` (departures
            from the paper, off by default). With `straight_through` the
            regularisation discriminator, the reconstruction discriminator
            and the decoder see one-hot codes, so the regularisation
            discriminator cannot tell encoder codes from prior draws by
            their softness (with softmax codes it can, and the encoder
            answers by saturating a single category: a one-cluster
            collapse).
        code_reconstruction_weight: weight of a code-reconstruction term
            `||E(G(z, n), e') - z||^2` (z held fixed) for the encoder and
            the decoder: the variational lower bound on the mutual
            information between code and decoded image of InfoGAN (Chen et
            al. 2016; ALICE's latent cycle). The IAE's two costs add up to
            a bound in which I(x; z) cancels, so nothing in them makes a
            stochastic encoder's code carry x; this term does, without a
            pixel loss (departure from the paper, 0: off).
        discriminator_noise: standard deviation of Gaussian instance noise
            added to the codes and prior draws the regularisation
            discriminator sees, as in `AdversarialAutoencoder` (departure
            from the paper; 0: off).
        seed: seed of the model's random draws.

    Example:
    >>> prior = kp.priors.CategoricalPrior(10, style_dim=0)
    >>> model = kp.ImplicitAutoencoder(**kp.networks.iae_networks(prior), prior=prior)
    >>> model.compile(optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
    >>> model.fit(images, epochs=5)
    >>> grid = model.vary_noise(images[:8], num_samples=8)   # same code, new noise

    Reference:
        Makhzani, "Implicit Autoencoders", arXiv:1805.09804.
    """

    def __init__(
        self,
        encoder,
        decoder,
        reconstruction_discriminator,
        regularization_discriminator,
        prior,
        reconstruction_weight=1.0,
        regularization_weight=1.0,
        pixel_weight=0.0,
        noise_stddev=1.0,
        gumbel_temperature=None,
        straight_through=False,
        discriminator_noise=0.0,
        marginal_entropy_weight=0.0,
        code_reconstruction_weight=0.0,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        reconstruction_weight = validation.expect_float("reconstruction_weight", reconstruction_weight, minimum=0)
        regularization_weight = validation.expect_float("regularization_weight", regularization_weight, minimum=0)
        pixel_weight = validation.expect_float("pixel_weight", pixel_weight, minimum=0)
        noise_stddev = validation.expect_float("noise_stddev", noise_stddev, minimum=0)
        self.encoder = encoder
        self.decoder = decoder
        self.reconstruction_discriminator = reconstruction_discriminator
        self.regularization_discriminator = regularization_discriminator
        self.prior = kp_priors.get(prior)
        self.reconstruction_weight = reconstruction_weight
        self.regularization_weight = regularization_weight
        self.pixel_weight = pixel_weight
        self.noise_stddev = noise_stddev
        self.set_code_options(gumbel_temperature, straight_through, discriminator_noise, marginal_entropy_weight,
                              code_reconstruction_weight)
        self._check_setup()
        self.built = True

    # -- structure ---------------------------------------------------------
    def _check_setup(self):
        prior = self.prior
        if len(self.decoder.inputs) != 2:
            raise ValueError(
                "The IAE decoder takes [code, noise] (an implicit p(x|z)); without its noise "
                f"input it is not an IAE. Received a decoder with {len(self.decoder.inputs)} input(s)."
            )
        if len(self.encoder.inputs) not in (1, 2):
            raise ValueError(
                f"The encoder takes x or [x, noise]. Received {len(self.encoder.inputs)} inputs."
            )
        check_code_size("encoder output", self.encoder.outputs[0].shape[-1], prior)
        check_code_size("decoder code input", input_size(self.decoder, 0), prior)
        check_code_size("regularization_discriminator input", input_size(self.regularization_discriminator), prior)
        rd = self.reconstruction_discriminator
        if len(rd.inputs) != 2 or tuple(rd.inputs[0].shape[1:]) != self.image_shape:
            raise ValueError(
                f"The reconstruction_discriminator takes [image {self.image_shape}, code]. "
                f"Received inputs {[tuple(i.shape) for i in rd.inputs]}"
            )
        check_code_size("reconstruction_discriminator code input", input_size(rd, 1), prior)
        if tuple(self.decoder.outputs[0].shape[1:]) != self.image_shape:
            raise ValueError(
                f"The decoder must output images of shape {self.image_shape}. Received: "
                f"{tuple(self.decoder.outputs[0].shape[1:])}"
            )

    @property
    def encoder_noise_dim(self):
        return input_size(self.encoder, 1) if len(self.encoder.inputs) == 2 else 0

    @property
    def decoder_noise_dim(self):
        return input_size(self.decoder, 1)

    @property
    def players(self):
        return {
            "encoder": [self.encoder],
            "decoder": [self.decoder],
            "reconstruction_discriminator": [self.reconstruction_discriminator],
            "regularization_discriminator": [self.regularization_discriminator],
        }

    @property
    def log_names(self):
        names = ("reconstruction_gan", "regularization_gan", "pixel_mse")
        names += ("code_mse",) if self.code_reconstruction_weight else ()
        return names + (("marginal_entropy_gap",) if self.marginal_entropy_weight else ())

    # -- the game ----------------------------------------------------------
    def _noise(self, batch, dim):
        return keras.random.normal((batch, dim), stddev=self.noise_stddev, seed=self.seed_generator)

    def _encoder_outputs_with(self, x, noise, training=False):
        return self.encoder([x, noise] if self.encoder_noise_dim else x, training=training)

    def compute_losses(self, data, training=True):
        x, _ = split_conditional_data(data, False, self.image_shape, type(self).__name__)
        x = ops.cast(x, "float32")
        batch = ops.shape(x)[0]
        noise = self._noise(batch, self.encoder_noise_dim) if self.encoder_noise_dim else None
        outputs = self._encoder_outputs_with(x, noise, training=training)
        z, z_reg = self.training_codes(outputs, training)
        x_fake = self.decoder([z, self._noise(batch, self.decoder_noise_dim)], training=training)

        images = ops.concatenate([x, ops.cast(x_fake, "float32")], axis=0)
        logits = self.reconstruction_discriminator([images, ops.concatenate([z, z], axis=0)], training=training)
        l_real, l_fake = ops.split(logits, 2, axis=0)
        rec_disc = ops.mean(kp_losses.gan_discriminator_loss(l_real, l_fake))
        # The encoder and decoder play the pair game with swapped labels.
        rec_gen = ops.mean(kp_losses.gan_discriminator_loss(l_fake, l_real))

        z_p = self.prior.sample_tensor(batch, self.seed_generator)
        codes = ops.concatenate([z_p, z_reg], axis=0)
        if self.discriminator_noise:
            codes = codes + keras.random.normal(ops.shape(codes), stddev=self.discriminator_noise,
                                                seed=self.seed_generator)
        r_logits = self.regularization_discriminator(codes, training=training)
        r_real, r_fake = ops.split(r_logits, 2, axis=0)
        reg_disc = ops.mean(kp_losses.gan_discriminator_loss(r_real, r_fake))
        reg_gen = ops.mean(kp_losses.gan_generator_loss(r_fake))

        pixel = ops.mean(ops.square(x - ops.cast(x_fake, "float32")))
        autoencoder = self.reconstruction_weight * rec_gen + self.pixel_weight * pixel
        code_mse = None
        if self.code_reconstruction_weight:
            noise_again = self._noise(batch, self.encoder_noise_dim) if self.encoder_noise_dim else None
            code_mse = self.code_reconstruction_error(
                self._encoder_outputs_with(x_fake, noise_again, training=training), z)
            autoencoder = autoencoder + self.code_reconstruction_weight * code_mse
        losses = {
            "encoder": autoencoder + self.regularization_weight * reg_gen,
            "decoder": autoencoder,
            "reconstruction_discriminator": rec_disc,
            "regularization_discriminator": reg_disc,
        }
        logs = {"reconstruction_gan": rec_gen, "regularization_gan": reg_gen, "pixel_mse": pixel}
        if code_mse is not None:
            logs["code_mse"] = code_mse
        if self.marginal_entropy_weight:
            gap = self.prior.marginal_entropy_term(outputs)
            losses["encoder"] = losses["encoder"] + self.marginal_entropy_weight * gap
            logs["marginal_entropy_gap"] = gap
        return losses, logs

    def call(self, inputs, training=False):
        """Deterministic reconstruction: both noises set to zero."""
        batch = ops.shape(inputs)[0]
        e = ops.zeros((batch, self.encoder_noise_dim)) if self.encoder_noise_dim else None
        z = self.prior.activate(self._encoder_outputs_with(inputs, e, training=training))
        return self.decoder([z, ops.zeros((batch, self.decoder_noise_dim))], training=training)

    # -- the user contract ----------------------------------------------------
    def _encoder_outputs(self, x, conditions, rng):
        noise = self._draw_noise(rng, ops.shape(x)[0], self.encoder_noise_dim, self.noise_stddev)
        return self._encoder_outputs_with(x, noise)

    def _decode_batch(self, codes, conditions, rng):
        noise = self._draw_noise(rng, ops.shape(codes)[0], self.decoder_noise_dim, self.noise_stddev)
        return self.decoder([codes, noise], training=False)

    def vary_noise(self, inputs, *, num_samples=8, seed=None, batch_size=None):
        """Same code, different decoder noise: what the code keeps and what
        the noise decides.

        Args:
            inputs: images `(n, h, w, c)` (encoded with zero noise) or codes
                `(n, prior.dim)`.
            num_samples: decoder noise draws per code.

        Returns:
            `(n, num_samples, h, w, c)`; row i decodes code i with
            `num_samples` noises (the same noises for every row).
        """
        num_samples = validation.expect_int("num_samples", num_samples, minimum=1)
        arr = validation.expect_array("inputs", inputs, finite=False, dtype=None)
        z = self.code_space.check(arr, "inputs") if arr.ndim == 2 else self.encode(arr, batch_size=batch_size)
        self.check_count("len(inputs) * num_samples", len(z) * num_samples, self.image_shape)
        rng = np.random.default_rng(validation.expect_seed("seed", seed))
        noise = (self.noise_stddev * rng.standard_normal((num_samples, self.decoder_noise_dim))).astype("float32")
        codes = np.repeat(z, num_samples, axis=0)
        noises = np.tile(noise, (len(z), 1))
        images = self._batches(lambda a, b: self.decoder([a, b], training=False), codes, noises, batch_size,
                               self.image_shape)
        return images.reshape((len(z), num_samples) + self.image_shape)

"""DeePSiM: a generator trained with a perceptual loss in a frozen
comparator's feature space, a pixel loss and an adversarial loss against a
discriminator trained alongside (Dosovitskiy & Brox, NIPS 2016)."""


import keras
import numpy as np
from keras import ops

from keras_perceptual import losses as kp_losses
from keras_perceptual.comparators import Comparator
from keras_perceptual.layers import GaussianSampling
from keras_perceptual.losses.deepsim import check_feature_weights
from keras_perceptual.losses.deepsim import check_lambdas
from keras_perceptual.losses.deepsim import comparator_distance
from keras_perceptual.models.adversarial_model import AdversarialModel
from keras_perceptual.models.generative_api import GenerativeAPI
from keras_perceptual.models.generative_api import check_choice
from keras_perceptual.models.generative_api import check_images
from keras_perceptual.models.generative_api import split_conditional_data

MODES = ("autoencoder", "vae", "inverter")


@keras.saving.register_keras_serializable(package="keras_perceptual")
class DeePSiM(GenerativeAPI, AdversarialModel):
    """DeePSiM: generator + discriminator game with the DeePSiM loss.

    Two players, updated simultaneously from one forward pass:

    - generator (the generator, and the encoder in the autoencoder and VAE
      set-ups) <- `lambda_feat * feature + lambda_img * pixel +
      lambda_adv * adversarial (+ kl_weight * KL for the VAE)`
    - discriminator <- binary cross-entropy of real images against the
      generator's images, paused (a gate: weights and optimizer state kept
      exactly) while `discriminator_loss / adversarial_loss < pause_threshold`.

    The three set-ups of the paper (`mode`):

    - "autoencoder": `encoder: x -> code` (a small spatial code, flattened;
      paper: 8x8x8 for 64x64 images), `generator: code -> x`.
    - "vae": `encoder: x -> [mean, log_var]`; DeePSiM replaces the VAE's
      reconstruction term, the KL term is kept.
    - "inverter": `encoder` is a frozen `Comparator` over one layer of a
      network (no trainable encoder); the generator decodes those features
      back to the image. `reencode_chain` iterates image -> features ->
      image.

    Build the networks with `keras_perceptual.networks.deepsim_networks`.

    Args:
        generator: `keras.Model`, `code -> image in [-1, 1]`.
        discriminator: `keras.Model`, `image -> logit`, or
            `[image, C(x) flattened] -> logit` for the paper's comparator
            branch (C = the comparator's last layer).
        comparator: a frozen `keras_perceptual.comparators.Comparator`.
        encoder: see `mode`.
        mode: "autoencoder", "vae" or "inverter".
        lambda_feat, lambda_img, lambda_adv: weights >= 0 of the feature,
            pixel and adversarial terms (mean distances; see
            `keras_perceptual.losses.deepsim_loss`). The paper's values
            (unverified: 0.01, 2e-6, 100 with summed distances) do not carry
            over to mean distances.
        feature_weights: one weight per comparator layer (default 1 each).
        kl_weight: weight of the KL term ("vae" only), relative to the mean
            distances.
        pause_discriminator: gate the discriminator's update (paper: it is
            "temporarily not trained when it gets too good").
        pause_threshold: pause while the ratio of the discriminator's loss to
            the generator's adversarial loss is below this (default 0.1: a
            recollection of the paper's rule, unverified).
        adversarial_mode: "non_saturating" (`-log D(G(x))`) or "minimax".
        seed: seed of the model's random draws.

    Example:
    >>> comp = kp.comparators.fashion_mnist_comparator(weights="classifier.weights.h5")
    >>> nets = kp.networks.deepsim_networks("autoencoder", "small28", comparator=comp)
    >>> model = kp.DeePSiM(**nets, comparator=comp, mode="autoencoder")
    >>> model.compile(optimizer=keras.optimizers.Adam(2e-4))
    >>> model.fit(dataset, epochs=5)
    >>> codes = model.encode(images)

    Reference:
        Dosovitskiy & Brox, "Generating images with perceptual similarity
        metrics based on deep networks", NIPS 2016, arXiv:1602.02644.
    """

    config_objects = ("generator", "discriminator", "comparator", "encoder")
    config_values = (
        "mode", "lambda_feat", "lambda_img", "lambda_adv", "feature_weights", "kl_weight",
        "pause_discriminator", "pause_threshold", "adversarial_mode", "seed",
    )

    def __init__(
        self,
        generator,
        discriminator,
        comparator,
        encoder=None,
        mode="autoencoder",
        lambda_feat=1.0,
        lambda_img=0.1,
        lambda_adv=0.01,
        feature_weights=None,
        kl_weight=1e-3,
        pause_discriminator=True,
        pause_threshold=0.1,
        adversarial_mode="non_saturating",
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        check_choice("mode", mode, MODES)
        check_choice("adversarial_mode", adversarial_mode, kp_losses.gan.GENERATOR_MODES)
        check_lambdas(lambda_feat=lambda_feat, lambda_img=lambda_img, lambda_adv=lambda_adv,
                      kl_weight=kl_weight, pause_threshold=pause_threshold)
        if not isinstance(comparator, Comparator):
            raise ValueError(
                "`comparator` must be a keras_perceptual.comparators.Comparator. "
                f"Received: comparator={comparator!r}"
            )
        if encoder is None:
            raise ValueError(f"mode={mode!r} needs an `encoder`. Received: encoder=None")
        self.generator = generator
        self.discriminator = discriminator
        self.comparator = comparator
        self.encoder = encoder
        self.mode = mode
        self.lambda_feat = lambda_feat
        self.lambda_img = lambda_img
        self.lambda_adv = lambda_adv
        self.feature_weights = None if feature_weights is None else check_feature_weights(
            feature_weights, len(comparator.layer_names))
        self.kl_weight = kl_weight
        self.pause_discriminator = pause_discriminator
        self.pause_threshold = pause_threshold
        self.adversarial_mode = adversarial_mode
        self.sampler = GaussianSampling(seed=seed, name="sampler")
        self._check_networks()
        self.built = True

    # -- structure ---------------------------------------------------------
    def _check_networks(self):
        if self.mode == "inverter":
            if not isinstance(self.encoder, Comparator) or len(self.encoder.layer_names) != 1:
                raise ValueError(
                    "mode='inverter' needs `encoder` = a Comparator over the one layer to invert "
                    f"(e.g. comparator.select(['block2_act2'])). Received: encoder={self.encoder!r}"
                )
            code = self.encoder.feature_shapes[0]
        else:
            outputs = len(self.encoder.outputs)
            expected = 2 if self.mode == "vae" else 1
            if outputs != expected:
                raise ValueError(
                    f"mode={self.mode!r} needs an encoder with {expected} output(s) "
                    f"({'[mean, log_var]' if expected == 2 else 'the code'}). Received: {outputs} output(s)"
                )
            code = tuple(self.encoder.outputs[0].shape[1:])
        if tuple(self.generator.inputs[0].shape[1:]) != tuple(code):
            raise ValueError(
                f"The generator's input must match the code. Expected shape {tuple(code)}. "
                f"Received: generator input {tuple(self.generator.inputs[0].shape[1:])}"
            )
        out = tuple(self.generator.outputs[0].shape[1:])
        if out != self.image_shape:
            raise ValueError(
                f"The generator must output images of shape {self.image_shape}. Received: {out}"
            )
        if tuple(self.comparator.image_shape) != self.image_shape:
            raise ValueError(
                f"The comparator's input shape must match the images. Expected {self.image_shape}. "
                f"Received: comparator image_shape={tuple(self.comparator.image_shape)}"
            )
        if len(self.discriminator.inputs) == 2:
            want = int(np.prod(self.comparator.feature_shapes[-1]))
            got = self.discriminator.inputs[1].shape[-1]
            if got != want:
                raise ValueError(
                    "The discriminator's feature branch reads the comparator's last layer, flattened. "
                    f"Expected {want} features. Received: discriminator feature input of size {got}"
                )

    @property
    def image_shape(self):
        if self.mode == "inverter":
            return tuple(self.encoder.image_shape)
        return tuple(self.encoder.inputs[0].shape[1:])

    @property
    def code_shape(self):
        return tuple(self.generator.inputs[0].shape[1:])

    @property
    def latent_dim(self):
        return int(np.prod(self.code_shape))

    @property
    def conditional(self):
        return False

    @property
    def condition_dim(self):
        return 0

    @property
    def players(self):
        generator = [self.generator] if self.mode == "inverter" else [self.encoder, self.generator]
        return {"generator": generator, "discriminator": [self.discriminator]}

    @property
    def gated_players(self):
        return ("discriminator",) if self.pause_discriminator else ()

    @property
    def log_names(self):
        names = ("feature_loss", "pixel_loss", "adversarial_loss", "real_bce", "fake_bce")
        return names + (("kl",) if self.mode == "vae" else ())

    # -- the game ----------------------------------------------------------
    def _code(self, x, training=False, sample=True):
        """`(code, kl per sample or None)` of images `x`."""
        if self.mode == "inverter":
            return self.encoder(x)[0], None
        if self.mode == "vae":
            mean, log_var = self.encoder(x, training=training)
            z = self.sampler([mean, log_var]) if sample else mean
            return z, kp_losses.gaussian_kl(mean, log_var)
        return self.encoder(x, training=training), None

    def compute_losses(self, data, training=True):
        x, _ = split_conditional_data(data, False, self.image_shape, "DeePSiM")
        code, kl = self._code(x, training=training)
        x_hat = ops.cast(self.generator(code, training=training), x.dtype)
        feature, true_features = comparator_distance(self.comparator, x, x_hat, self.feature_weights)
        feature = ops.mean(feature)
        pixel = ops.mean(ops.square(ops.cast(x, "float32") - ops.cast(x_hat, "float32")))

        # One discriminator call on [real, generated].
        images = ops.concatenate([x, x_hat], axis=0)
        if len(self.discriminator.inputs) == 2:
            cond = ops.reshape(true_features[-1], (ops.shape(x)[0], -1))
            logits = self.discriminator([images, ops.concatenate([cond, cond], axis=0)], training=training)
        else:
            logits = self.discriminator(images, training=training)
        l_real, l_fake = ops.split(logits, 2, axis=0)
        real_bce = ops.mean(kp_losses.bce_from_logits(l_real, 1.0))
        fake_bce = ops.mean(kp_losses.bce_from_logits(l_fake, 0.0))
        adversarial = ops.mean(kp_losses.gan_generator_loss(l_fake, self.adversarial_mode))

        generator = self.lambda_feat * feature + self.lambda_img * pixel + self.lambda_adv * adversarial
        logs = {"feature_loss": feature, "pixel_loss": pixel, "adversarial_loss": adversarial,
                "real_bce": real_bce, "fake_bce": fake_bce}
        if kl is not None:
            kl = ops.mean(kl)
            generator = generator + self.kl_weight * kl
            logs["kl"] = kl
        return {"generator": generator, "discriminator": real_bce + fake_bce}, logs

    def gates(self, losses, logs):
        # Pause while the discriminator is too good: its loss is small
        # compared with the generator's adversarial loss.
        ratio = losses["discriminator"] / ops.maximum(ops.abs(logs["adversarial_loss"]), 1e-8)
        return {"discriminator": ratio >= self.pause_threshold}

    def call(self, inputs, training=False):
        """Deterministic reconstruction `generator(code(x))` (VAE: the mean)."""
        code, _ = self._code(inputs, training=training, sample=False)
        return self.generator(code, training=training)

    # -- the user API --------------------------------------------------------
    def encode(self, images, sample=False, batch_size=256):
        """Codes of `images` (in [-1, 1]), shape `(n,) + code_shape`: the
        autoencoder's flat spatial code, the VAE's posterior mean (a sample
        when `sample=True`), the inverter's comparator features. NumPy."""
        images = check_images(images, self.image_shape, "images")
        return self.predict_batches(lambda x: self._code(x, sample=sample)[0], [images], batch_size)

    def decode(self, z, conditions=None, batch_size=256):
        """Images in [-1, 1] from codes of shape `(n,) + code_shape` (or
        flattened, `(n, latent_dim)`). NumPy."""
        self.check_conditions(conditions, len(z))
        z = np.asarray(z, dtype="float32")
        if z.ndim == 2 and z.shape[1] == self.latent_dim:
            z = z.reshape((len(z),) + self.code_shape)
        if tuple(z.shape[1:]) != self.code_shape:
            raise ValueError(
                f"`z` must have shape (n,) + {self.code_shape} or (n, {self.latent_dim}). Received: z.shape={z.shape}"
            )
        return self.predict_batches(lambda c: self.generator(c, training=False), [z], batch_size)

    def reconstruct(self, images, sample=False, batch_size=256):
        """`decode(encode(images))`. NumPy."""
        return self.decode(self.encode(images, sample=sample, batch_size=batch_size), batch_size=batch_size)

    def reencode_chain(self, images, steps=4, batch_size=256):
        """Iterated re-encoding: image -> code -> image -> code -> ...
        (paper: inverting the features of an inversion keeps the image
        semantically similar). Returns `(steps + 1, n, h, w, c)`, the
        originals first."""
        if not isinstance(steps, int) or steps < 1:
            raise ValueError(f"`steps` must be an int >= 1. Received: steps={steps!r}")
        current = check_images(images, self.image_shape, "images")
        chain = [current]
        for _ in range(steps):
            current = np.clip(self.reconstruct(current, batch_size=batch_size), -1.0, 1.0)
            chain.append(current)
        return np.stack(chain)

    def sample_prior(self, n, seed=None):
        """Codes from N(0, I): only a VAE has a prior to sample."""
        if self.mode != "vae":
            raise ValueError(
                f"Only mode='vae' has a prior to sample from; use `interpolate` or `reconstruct` "
                f"with mode={self.mode!r}. Received: mode={self.mode!r}"
            )
        return super().sample_prior(n, seed)

    def _as_code(self, value, name):
        arr = np.asarray(value, dtype="float32")
        # Flat codes, so GenerativeAPI.interpolate's arithmetic works for
        # any code shape; `decode` takes them flat.
        if arr.shape in (self.code_shape, (self.latent_dim,)):
            return arr.reshape(-1)
        if arr.shape == tuple(self.image_shape):
            arr = arr[None]
        return self.encode(check_images(arr, self.image_shape, name))[0].reshape(-1)


"""DeePSiM's game (Dosovitskiy & Brox, NIPS 2016), shared by its three
set-ups: a generator trained with a feature loss in a frozen comparator's
space, a pixel loss and an adversarial loss against a discriminator trained
alongside. The set-ups are `DeePSiMAutoencoder`, `DeePSiMVAE` and
`DeePSiMInverter`, one file each."""

import keras
import numpy as np
from keras import ops

import keras_perceptual.validation as validation
import keras_perceptual.losses as kp_losses
from keras_perceptual.comparators import Comparator
from keras_perceptual.losses.deepsim import check_feature_weights
from keras_perceptual.losses.deepsim import check_lambdas
from keras_perceptual.losses.deepsim import comparator_distance
from keras_perceptual.models.code_space import DeterministicCode
from keras_perceptual.models.image_autoencoder import ImageAutoencoder


@keras.saving.register_keras_serializable(package="keras_perceptual")
class DeePSiM(ImageAutoencoder):
    """Base of the DeePSiM set-ups: the generator/discriminator game.

    Two players, updated simultaneously from one forward pass:

    - generator (with the encoder, when it is trained) <- `lambda_feat *
      feature + lambda_img * pixel + lambda_adv * adversarial` (+ the
      set-up's own terms);
    - discriminator <- binary cross-entropy of real images against the
      generator's, paused (a gate: weights and optimizer state kept exactly)
      while `discriminator_loss / adversarial_loss < pause_threshold`.

    A subclass provides `encoder`, the `generator` player's networks and
    `compute_losses`, which calls `deepsim_game(x, x_hat)`.

    Args:
        generator: `keras.Model`, `code -> image in [-1, 1]`.
        discriminator: `keras.Model`, `image -> logit`, or `[image, C(x)
            flattened] -> logit` (the paper's comparator branch, C = the
            comparator's last layer).
        comparator: a frozen `keras_perceptual.comparators.Comparator`,
            named by reference (a preset or `keras.applications` backbone).
        lambda_feat, lambda_img, lambda_adv: weights >= 0 of the feature,
            pixel and adversarial terms (mean distances; see
            `keras_perceptual.losses.deepsim_loss`).
        feature_weights: one weight per comparator layer (default 1 each).
        pause_discriminator: gate the discriminator's update (paper: it is
            "temporarily not trained when it gets too good").
        pause_threshold: pause while the discriminator's loss over the
            generator's adversarial loss is below this (default 0.1).
        adversarial_mode: "non_saturating" (`-log D(G(x))`) or "minimax".
        seed: seed of the model's random draws.

    Example:
    >>> comp = kp.comparators.fashion_mnist_comparator(weights="fashion_mnist_classifier")
    >>> nets = kp.networks.deepsim_networks("autoencoder", "small28", comparator=comp)
    >>> model = kp.DeePSiMAutoencoder(**nets, comparator=comp)

    Reference:
        Dosovitskiy & Brox, "Generating images with perceptual similarity
        metrics based on deep networks", NIPS 2016, arXiv:1602.02644.
    """

    def __init__(self, generator, discriminator, comparator, lambda_feat=1.0, lambda_img=0.1, lambda_adv=0.01,
                 feature_weights=None, pause_discriminator=True, pause_threshold=0.1,
                 adversarial_mode="non_saturating", seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        validation.expect_choice("adversarial_mode", adversarial_mode, kp_losses.gan.GENERATOR_MODES)
        check_lambdas(lambda_feat=lambda_feat, lambda_img=lambda_img, lambda_adv=lambda_adv,
                      pause_threshold=pause_threshold)
        if not isinstance(comparator, Comparator):
            raise ValueError(
                "`comparator` must be a keras_perceptual.comparators.Comparator. "
                f"Received: comparator={comparator!r}"
            )
        self.generator = generator
        self.discriminator = discriminator
        self.comparator = comparator
        self.lambda_feat = lambda_feat
        self.lambda_img = lambda_img
        self.lambda_adv = lambda_adv
        self.feature_weights = None if feature_weights is None else check_feature_weights(
            feature_weights, len(comparator.layer_names))
        self.pause_discriminator = validation.expect_bool("pause_discriminator", pause_discriminator)
        self.pause_threshold = pause_threshold
        self.adversarial_mode = adversarial_mode

    def check_game_networks(self, code_shape):
        """Checks the encoder's codes (of `code_shape`), generator, comparator
        and discriminator fit together."""
        code_shape = tuple(code_shape)
        if tuple(self.generator.inputs[0].shape[1:]) != code_shape:
            raise ValueError(
                f"The generator's input must match the code. Expected shape {code_shape}. "
                f"Received: generator input {tuple(self.generator.inputs[0].shape[1:])}"
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
        return tuple(self.generator.outputs[0].shape[1:])

    @property
    def code_space(self):
        return DeterministicCode(self.generator.inputs[0].shape[1:])

    @property
    def players(self):
        return {"generator": [self.encoder, self.generator], "discriminator": [self.discriminator]}

    @property
    def gated_players(self):
        return ("discriminator",) if self.pause_discriminator else ()

    @property
    def log_names(self):
        return ("feature_loss", "pixel_loss", "adversarial_loss", "real_bce", "fake_bce")

    # -- the game ----------------------------------------------------------
    def deepsim_game(self, x, x_hat, training=True):
        """The players' losses for targets `x` and generated `x_hat`:
        `({"generator": ..., "discriminator": ...}, logs)`."""
        feature, true_features = comparator_distance(self.comparator, x, x_hat, self.feature_weights)
        feature = ops.mean(feature)
        pixel = ops.mean(ops.square(ops.cast(x, "float32") - ops.cast(x_hat, "float32")))
        # One discriminator call on [real, generated].
        images = ops.concatenate([x, ops.cast(x_hat, x.dtype)], axis=0)
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
        return {"generator": generator, "discriminator": real_bce + fake_bce}, logs

    def gates(self, losses, logs):
        # Pause while the discriminator is too good: its loss is small
        # compared with the generator's adversarial loss.
        ratio = losses["discriminator"] / ops.maximum(ops.abs(logs["adversarial_loss"]), 1e-8)
        return {"discriminator": ratio >= self.pause_threshold}

    # -- inference ---------------------------------------------------------
    def _decode_batch(self, codes, conditions, rng):
        return self.generator(codes, training=False)

    def call(self, inputs, training=False):
        """Deterministic reconstruction `generator(code(x))`."""
        return self.generator(self.code_space.code(self._encoder_outputs(inputs, None, None)), training=training)

    def reencode_chain(self, images, *, steps=4, batch_size=None):
        """Iterated re-encoding: image -> code -> image -> code -> ...
        (paper: inverting the features of an inversion keeps the image
        semantically similar). Returns `(steps + 1, n, h, w, c)`, the
        originals first."""
        steps = validation.expect_int("steps", steps, minimum=1)
        current = self.check_images(images)
        self.check_count("len(images) * (steps + 1)", len(current) * (steps + 1), self.image_shape)
        chain = [current]
        for _ in range(steps):
            current = np.clip(self.reconstruct(current, batch_size=batch_size), -1.0, 1.0)
            chain.append(current)
        return np.stack(chain)

"""Adversarial autoencoders (Makhzani et al., 2015) and their MMD variant
(Tolstikhin et al., WAE-MMD)."""


import keras
from keras import ops

import keras_perceptual.validation as validation
import keras_perceptual.priors as kp_priors
from keras_perceptual.losses.mmd import KERNELS
from keras_perceptual.losses.mmd import WAE_SCALES
from keras_perceptual.models import aae_modes
from keras_perceptual.models import latent_regularizers
from keras_perceptual.models.prior_autoencoder import PriorAutoencoder
from keras_perceptual.models.prior_autoencoder import check_code_size
from keras_perceptual.models.prior_autoencoder import input_size

REGULARIZERS = ("gan", "mmd")


@keras.saving.register_keras_serializable(package="keras_perceptual")
class AdversarialAutoencoder(PriorAutoencoder):
    """Adversarial autoencoder: an autoencoder whose aggregate posterior
    q(z) is matched to a prior p(z) by a GAN in code space (`"gan"`) or by
    the closed-form MMD (`"mmd"`, WAE-MMD).

    Players, updated simultaneously from one forward pass per batch:

    - encoder <- `reconstruction_weight * L_rec + regularizer_weight * L_reg
      (+ supervised_weight * cross-entropy in "semi_supervised" mode)`
    - decoder <- `reconstruction_weight * L_rec`
    - discriminator (and style_discriminator) <- the latent GAN loss ("gan")

    The paper runs a reconstruction phase, then a regularisation phase
    (discriminator, then encoder as generator) on each mini-batch; here both
    phases' gradients come from the same forward pass and every player steps
    once per batch with its own optimizer (the zoo's `AdversarialModel`
    game). `L_rec` is the per-pixel mean squared error; the encoder's GAN
    term is the non-saturating `-log D(z)`.

    Modes (`data` given to `fit`; each a strategy of
    `keras_perceptual.models.aae_modes`):

    - "unsupervised": `x`; any prior.
    - "supervised": `(x, labels)`; a label-conditioned prior
      (`GaussianMixturePrior`, `SwissRollPrior`, `CategoricalPrior`) is
      sampled at each image's label and the regulariser compares
      `[z, one_hot(label)]` with `[z_p, one_hot(label)]` (paper §2.3, Fig. 4):
      the discriminator input is `prior.dim + num_classes`.
    - "semi_supervised": `(x, labels)` with `-1` marking unlabelled images; a
      `CategoricalPrior` code `[softmax(y), style]`; the labelled images add a
      cross-entropy term on the categorical head (paper §6).
    - "clustering": `x`; a `CategoricalPrior(K, style_dim)` code; the cluster
      of an image is the argmax of its categorical part (paper §7).

    With a categorical prior and `style_discriminator`, the discriminator
    sees the categorical part and the style discriminator the style (the
    paper's two adversaries); without it one discriminator sees the whole
    code.

    Args:
        encoder: `keras.Model`, `x -> outputs` of size `prior.dim` (for a
            categorical prior: `[logits, style]`; the softmax is applied here).
        decoder: `keras.Model`, `code -> x` in [-1, 1].
        prior: a `keras_perceptual.priors.Prior`.
        discriminator: `keras.Model`, `code -> logit` (None with "mmd").
        style_discriminator: optional second adversary on the style part.
        regularizer: "gan" or "mmd".
        mode: one of "unsupervised", "supervised", "semi_supervised",
            "clustering".
        regularizer_weight: lambda of the regulariser in the encoder's loss
            (WAE-MMD on MNIST: 10 with a summed cost).
        reconstruction_weight: weight of the reconstruction error.
        supervised_weight: weight of the cross-entropy ("semi_supervised").
        mmd_kernel: "imq" or "rbf".
        mmd_scales: kernel scales (WAE's seven by default).
        gumbel_temperature: categorical prior only; during training the
            categorical code is a Gumbel-softmax sample at this temperature
            instead of the softmax (departure from the paper; None: off).
        straight_through: categorical prior only; during training the
            decoder and the regulariser see the one-hot of the code's argmax
            (gradient of the soft code). The discriminator then cannot win on
            the softness of the codes, only on how the clusters are used;
            the decoder cannot read a second choice from a soft code.
            `"decoder"`: one-hot codes for the decoder only, the regulariser
            sees the softmax as in the paper (departure from the paper; off
            by default).
        discriminator_noise: standard deviation of Gaussian "instance noise"
            added to the codes and the prior draws the discriminators see
            ("gan" only; Sonderby et al. 2016). With one-hot
            (`straight_through`) codes on both sides a discriminator is
            otherwise only trained on the K vertices, and its gradient there,
            all the encoder gets, is unconstrained (departure from the paper;
            0: off).
        marginal_entropy_weight: categorical prior only; weight of
            `log K - H(batch mean of softmax(logits))` in the encoder's loss,
            a direct push towards uniform cluster usage (departure from the
            paper; 0: off).
        code_reconstruction_weight: weight of `||E(G(z)) - z||^2` (z held
            fixed) in the encoder's and decoder's losses, InfoGAN's bound
            on the mutual information between a code and its image, as in
            `ImplicitAutoencoder` (departure from the paper; 0: off).
        seed: seed of the model's random draws.

    Example:
    >>> nets = kp.networks.autoencoder_networks(latent_dim=2, regularizer="gan")
    >>> model = kp.AdversarialAutoencoder(**nets, prior=kp.priors.GaussianPrior(2))
    >>> model.compile(optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5))
    >>> model.fit(images, epochs=5)

    Reference:
        Makhzani, Shlens, Jaitly, Goodfellow, Frey, "Adversarial
        Autoencoders", arXiv:1511.05644. Tolstikhin, Bousquet, Gelly,
        Schoelkopf, "Wasserstein Auto-Encoders", ICLR 2018.
    """

    def __init__(
        self,
        encoder,
        decoder,
        prior,
        discriminator=None,
        style_discriminator=None,
        regularizer="gan",
        mode="unsupervised",
        regularizer_weight=1.0,
        reconstruction_weight=1.0,
        supervised_weight=1.0,
        mmd_kernel="imq",
        mmd_scales=WAE_SCALES,
        gumbel_temperature=None,
        straight_through=False,
        discriminator_noise=0.0,
        marginal_entropy_weight=0.0,
        code_reconstruction_weight=0.0,
        seed=None,
        **kwargs,
    ):
        super().__init__(seed=seed, **kwargs)
        validation.expect_choice("regularizer", regularizer, REGULARIZERS)
        supervision = aae_modes.get(mode)
        validation.expect_choice("mmd_kernel", mmd_kernel, KERNELS)
        regularizer_weight = validation.expect_float("regularizer_weight", regularizer_weight, minimum=0)
        reconstruction_weight = validation.expect_float("reconstruction_weight", reconstruction_weight, minimum=0)
        supervised_weight = validation.expect_float("supervised_weight", supervised_weight, minimum=0)
        self.encoder = encoder
        self.decoder = decoder
        self.prior = kp_priors.get(prior)
        self.discriminator = discriminator
        self.style_discriminator = style_discriminator
        self.regularizer = regularizer
        self.mode = mode
        self.regularizer_weight = regularizer_weight
        self.reconstruction_weight = reconstruction_weight
        self.supervised_weight = supervised_weight
        self.mmd_kernel = mmd_kernel
        self.mmd_scales = tuple(float(s) for s in mmd_scales)
        self.set_code_options(gumbel_temperature, straight_through, discriminator_noise, marginal_entropy_weight,
                              code_reconstruction_weight)
        # The regulariser's algorithm and the mode's use of labels, chosen
        # once: strategies, not branches.
        object.__setattr__(self, "latent_regularizer", latent_regularizers.get(
            regularizer, mmd_kernel, self.mmd_scales, self.discriminator_noise))
        object.__setattr__(self, "supervision", supervision)
        self._check_setup()
        self.built = True

    # -- structure ---------------------------------------------------------
    def _check_setup(self):
        prior = self.prior
        self.supervision.check_prior(prior)
        check_code_size("encoder output", self.encoder.outputs[0].shape[-1], prior)
        check_code_size("decoder input", input_size(self.decoder, 0), prior)
        if tuple(self.encoder.inputs[0].shape[1:]) != tuple(self.decoder.outputs[0].shape[1:]):
            raise ValueError(
                "The decoder must output images of the encoder's input shape. Expected "
                f"{tuple(self.encoder.inputs[0].shape[1:])}. Received: "
                f"{tuple(self.decoder.outputs[0].shape[1:])}"
            )
        self.latent_regularizer.check(self)
        if self.discriminator is None:  # MMD: no discriminator to size
            return
        label_dim = self.supervision.label_dim(prior)
        if self.style_discriminator is not None:
            if not isinstance(prior, kp_priors.CategoricalPrior) or not prior.style_dim:
                raise ValueError(
                    "`style_discriminator` needs a CategoricalPrior with style_dim > 0. "
                    f"Received: prior={prior!r}"
                )
            expected = {"discriminator": prior.num_classes + label_dim,
                        "style_discriminator": prior.style_dim + label_dim}
        else:
            expected = {"discriminator": prior.dim + label_dim}
        for key, size in expected.items():
            got = input_size(getattr(self, key), 0)
            if got != size:
                raise ValueError(
                    f"The {key} must take inputs of size {size} (prior {prior!r}, mode "
                    f"{self.mode!r}). Received: input size {got}"
                )

    @property
    def players(self):
        players = {"encoder": [self.encoder], "decoder": [self.decoder]}
        if self.discriminator is not None:
            players["discriminator"] = [self.discriminator]
        if self.style_discriminator is not None:
            players["style_discriminator"] = [self.style_discriminator]
        return players

    @property
    def log_names(self):
        names = ("reconstruction", "regularizer") + self.supervision.log_names
        if self.marginal_entropy_weight:
            names += ("marginal_entropy_gap",)
        if self.code_reconstruction_weight:
            names += ("code_mse",)
        return names

    @property
    def uses_labels(self):
        return self.supervision.uses_labels

    # -- the game ----------------------------------------------------------
    def _regularize(self, z, labels, batch):
        """The regulariser's value for the encoder, and the discriminators'
        losses (`{player: loss}`, empty with MMD)."""
        prior = self.prior
        z_p = prior.sample_tensor(batch, self.seed_generator, labels=self.supervision.prior_labels(labels))
        if self.style_discriminator is not None:
            k = prior.num_classes
            parts = [("discriminator", z[:, :k], z_p[:, :k]), ("style_discriminator", z[:, k:], z_p[:, k:])]
        else:
            parts = [("discriminator", z, z_p)]
        return self.latent_regularizer(self, self.supervision.condition(parts, labels, prior))

    def compute_losses(self, data, training=True):
        x, labels = self.supervision.split(data, self.image_shape, type(self).__name__)
        # Reconstruction phase: the autoencoder's pixel error.
        outputs = self.encoder(x, training=training)
        z, z_reg = self.training_codes(outputs, training)
        x_rec = self.decoder(z, training=training)
        rec = ops.mean(ops.square(ops.cast(x, "float32") - ops.cast(x_rec, "float32")))
        # Regularisation phase: the discriminators tell prior draws from codes,
        # the encoder is their generator (or the MMD between the two).
        reg, disc_losses = self._regularize(z_reg, labels, ops.shape(x)[0])
        encoder_loss = self.reconstruction_weight * rec + self.regularizer_weight * reg
        decoder_loss = self.reconstruction_weight * rec
        logs = {"reconstruction": rec, "regularizer": reg}
        if self.code_reconstruction_weight:
            code_mse = self.code_reconstruction_error(self.encoder(x_rec, training=training), z)
            encoder_loss = encoder_loss + self.code_reconstruction_weight * code_mse
            decoder_loss = decoder_loss + self.code_reconstruction_weight * code_mse
            logs["code_mse"] = code_mse
        if self.marginal_entropy_weight:
            gap = self.prior.marginal_entropy_term(outputs)
            encoder_loss = encoder_loss + self.marginal_entropy_weight * gap
            logs["marginal_entropy_gap"] = gap
        # Semi-supervised classification phase ("semi_supervised" only).
        for name, term in self.supervision.classification_terms(labels, outputs, self.prior).items():
            encoder_loss = encoder_loss + self.supervised_weight * term
            logs[name] = term
        losses = {"encoder": encoder_loss, "decoder": decoder_loss}
        losses.update(disc_losses)
        return losses, logs

    def call(self, inputs, training=False):
        """Deterministic reconstruction `decoder(code(x))`."""
        return self.decoder(self.prior.activate(self.encoder(inputs, training=training)), training=training)

    # -- the user contract ----------------------------------------------------
    def _encoder_outputs(self, x, conditions, rng):
        return self.encoder(x, training=False)

    def _decode_batch(self, codes, conditions, rng):
        return self.decoder(codes, training=False)

    def fit(self, x=None, y=None, **kwargs):
        """`keras.Model.fit`, after checking the first batch: images in
        [-1, 1]; for "supervised" and "semi_supervised", labels present and in
        [0, K) (or -1, unlabelled, in "semi_supervised", with at least one
        labelled image when `y` is a NumPy array)."""
        self.supervision.check_fit_labels(x, y, self.prior)
        return super().fit(x, y, **kwargs)

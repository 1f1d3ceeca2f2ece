"""`PriorAutoencoder`: the shared structure of the models whose code follows
a `keras_perceptual.priors.Prior` (`AdversarialAutoencoder`,
`ImplicitAutoencoder`)."""

import keras
from keras import ops

import keras_perceptual.priors as kp_priors
import keras_perceptual.validation as validation
from keras_perceptual.models.code_space import PriorCode
from keras_perceptual.models.image_autoencoder import ImageAutoencoder


def input_size(network, index=0):
    """Last-axis size of a network's `index`-th input."""
    return network.inputs[index].shape[-1]


def check_code_size(what, size, prior):
    if size != prior.dim:
        raise ValueError(
            f"The {what} must have the prior's code size {prior.dim} ({prior!r}). "
            f"Received: size {size}"
        )


@keras.saving.register_keras_serializable(package="keras_perceptual")
class PriorAutoencoder(ImageAutoencoder):
    """Base of `AdversarialAutoencoder` and `ImplicitAutoencoder`: needs
    `self.prior` and `self.encoder` (images first). Its code space is
    `PriorCode(prior)`; a categorical prior adds `predict_clusters`.

    Args:
        seed: seed of the model's random draws.
        **kwargs: passed to `keras.Model`.

    Example:
    >>> model = kp.AdversarialAutoencoder(**nets, prior=kp.priors.GaussianPrior(8))
    >>> model.code_space
    PriorCode(GaussianPrior(dim=8, stddev=1.0))

    Reference:
        Makhzani et al., "Adversarial Autoencoders", arXiv:1511.05644.
    """

    def set_code_options(self, gumbel_temperature, straight_through, discriminator_noise, marginal_entropy_weight,
                         code_reconstruction_weight):
        """Checks and stores the code options both models take (see
        `AdversarialAutoencoder`); `self.prior` must be set."""
        self.gumbel_temperature, self.straight_through, self.marginal_entropy_weight = self.prior.check_code_options(
            gumbel_temperature, straight_through, marginal_entropy_weight)
        validation.expect_float("discriminator_noise", discriminator_noise, minimum=0)
        validation.expect_float("code_reconstruction_weight", code_reconstruction_weight, minimum=0)
        self.discriminator_noise = float(discriminator_noise)
        self.code_reconstruction_weight = float(code_reconstruction_weight)

    @property
    def image_shape(self):
        return tuple(self.encoder.inputs[0].shape[1:])

    @property
    def code_space(self):
        return PriorCode(self.prior)

    def code_reconstruction_error(self, decoded_outputs, codes):
        """`mean ||activate(E(G(z))) - z||^2` with `z` held fixed: the
        encoder's outputs on the decoded images against the codes they were
        decoded from (InfoGAN's variational bound on the mutual information
        between a code and its image; the `code_reconstruction_weight` term
        of `AdversarialAutoencoder` and `ImplicitAutoencoder`)."""
        return ops.mean(ops.square(self.prior.activate(decoded_outputs) - ops.stop_gradient(codes)))

    def training_codes(self, outputs, training=True):
        """Codes of a training step, `(for the decoder, for the
        regulariser)`: the prior's training codes with the model's code
        options (a categorical prior's Gumbel / straight-through codes,
        drawn through the model's one `seed_generator`)."""
        if not training:
            z = self.prior.activate(outputs)
            return z, z
        return self.prior.training_codes(outputs, self.seed_generator, self.gumbel_temperature,
                                         self.straight_through)

    def predict_clusters(self, images, *, batch_size=None):
        """Cluster (category) of each image: the argmax of the categorical
        part of its code. Needs a `CategoricalPrior`. NumPy int `(n,)`."""
        if not isinstance(self.prior, kp_priors.CategoricalPrior):
            raise ValueError(
                "predict_clusters needs a categorical code (CategoricalPrior). "
                f"Received: prior={self.prior!r}"
            )
        z = self.encode(images, batch_size=batch_size)
        return z[:, : self.prior.num_classes].argmax(-1)

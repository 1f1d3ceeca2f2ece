"""The user API shared by models whose code follows a `Prior`
(`AdversarialAutoencoder`, `ImplicitAutoencoder`): encode / decode /
reconstruct / generate from the prior / cluster, all NumPy in and out."""

import numpy as np

from keras_perceptual import priors as kp_priors
from keras_perceptual.models.generative_api import GenerativeAPI
from keras_perceptual.models.generative_api import check_images


def input_size(network, index=0):
    """Last-axis size of a network's `index`-th input."""
    return network.inputs[index].shape[-1]


def check_code_size(what, size, prior):
    if size != prior.dim:
        raise ValueError(
            f"The {what} must have the prior's code size {prior.dim} ({prior!r}). "
            f"Received: size {size}"
        )


class CodeAPI(GenerativeAPI):
    """Needs `self.prior`, `self.encoder`, `self._encode_fn(x)` and
    `self._decode_fn(z)` (both in `keras.ops`)."""

    @property
    def latent_dim(self):
        return self.prior.dim

    @property
    def image_shape(self):
        return tuple(self.encoder.inputs[0].shape[1:])

    @property
    def conditional(self):
        return False

    @property
    def condition_dim(self):
        return 0

    def sample_prior(self, n, seed=None, labels=None):
        """`n` codes from the model's prior (at `labels` when given). NumPy."""
        return self.prior.sample(n, seed=seed, labels=labels)

    def generate(self, n, conditions=None, seed=None, batch_size=256, labels=None):
        """`n` images decoded from prior samples (drawn at `labels`, e.g. a
        mixture component or a category, when given), values in [-1, 1]."""
        if not isinstance(n, (int, np.integer)) or n <= 0:
            raise ValueError(f"`n` must be a positive int. Received: n={n!r}")
        self.check_conditions(conditions, n)
        return self.decode(self.sample_prior(int(n), seed, labels), batch_size=batch_size)

    def encode(self, images, batch_size=256):
        """Codes of `images` (floats in [-1, 1]). NumPy `(n, prior.dim)`."""
        images = check_images(images, self.image_shape, "images")
        return self.predict_batches(self._encode_fn, [images], batch_size)

    def decode(self, z, conditions=None, batch_size=256):
        """Images in [-1, 1] from codes `(n, prior.dim)`."""
        self.check_conditions(conditions, len(np.asarray(z)))
        z = np.asarray(z, dtype="float32")
        self.prior.check_code(z, "z")
        return self.predict_batches(self._decode_fn, [z], batch_size)

    def reconstruct(self, images, batch_size=256):
        """`decode(encode(images))`."""
        return self.decode(self.encode(images, batch_size=batch_size), batch_size=batch_size)

    def predict_clusters(self, images, batch_size=256):
        """Cluster (category) of each image: the argmax of the categorical
        part of its code. Needs a `CategoricalPrior`. NumPy int `(n,)`."""
        if not isinstance(self.prior, kp_priors.CategoricalPrior):
            raise ValueError(
                "predict_clusters needs a categorical code (CategoricalPrior). "
                f"Received: prior={self.prior!r}"
            )
        z = self.encode(images, batch_size=batch_size)
        return z[:, : self.prior.num_classes].argmax(-1)

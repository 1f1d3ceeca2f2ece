"""The user API of the models with a Gaussian code `q(z|x) = N(mean,
exp(log_var))` and a standard normal prior (`VAEGAN`, `VAE`): encode,
decode, reconstruct, attribute vectors, all NumPy in and out."""

import numpy as np

from keras_perceptual.models.generative_api import GenerativeAPI
from keras_perceptual.models.generative_api import check_images


class GaussianCodeAPI(GenerativeAPI):
    """Needs `self.encoder` (`x -> [mean, log_var]`), `self.decoder`
    (`z -> x`, or `[z, y] -> x` when conditional) and `self.sampler` (a
    `GaussianSampling` layer)."""

    @property
    def image_shape(self):
        return tuple(self.encoder.inputs[0].shape[1:])

    @property
    def latent_dim(self):
        return self.encoder.outputs[0].shape[-1]

    @property
    def condition_dim(self):
        return self.decoder.inputs[1].shape[-1] if self.conditional else 0

    @property
    def conditional(self):
        return len(self.decoder.inputs) == 2

    def _decode(self, z, y, training=False):
        return self.decoder([z, y] if self.conditional else z, training=training)

    def call(self, inputs, training=False):
        """Reconstruction from the posterior mean: `decoder(mean(x) (, y))`."""
        if self.conditional:
            x, y = inputs
        else:
            x, y = inputs, None
        mean, _ = self.encoder(x, training=training)
        return self._decode(mean, y, training=training)

    # -- the user API --------------------------------------------------------
    def encode(self, images, sample=False, batch_size=256):
        """Codes of `images` (in [-1, 1]): the posterior mean, or a sample
        from `q(z|x)` when `sample=True`. Returns a NumPy array."""
        images = check_images(images, self.image_shape, "images")

        def fn(x):
            mean, log_var = self.encoder(x, training=False)
            return self.sampler([mean, log_var]) if sample else mean

        return self.predict_batches(fn, [images], batch_size)

    def decode(self, z, conditions=None, batch_size=256):
        """Images in [-1, 1] from codes `z` (and conditions when conditional)."""
        z = np.asarray(z, dtype="float32")
        if z.ndim != 2 or z.shape[1] != self.latent_dim:
            raise ValueError(
                f"`z` must have shape (n, {self.latent_dim}). Received: z.shape={z.shape}"
            )
        conditions = self.check_conditions(conditions, len(z))
        if self.conditional:
            return self.predict_batches(lambda a, b: self._decode(a, b), [z, conditions], batch_size)
        return self.predict_batches(lambda a: self._decode(a, None), [z], batch_size)

    def reconstruct(self, images, conditions=None, sample=False, batch_size=256):
        """`decode(encode(images))`, from the posterior mean unless `sample`."""
        images = check_images(images, self.image_shape, "images")
        conditions = self.check_conditions(conditions, len(images))
        return self.decode(self.encode(images, sample=sample, batch_size=batch_size), conditions, batch_size)

    def attribute_vectors(self, images, attributes, batch_size=256):
        """Visual attribute vectors (paper Fig. 5): for each attribute, the
        mean code of the images that have it minus the mean code of those that
        do not. `attributes` is `(n, num_attributes)` of 0/1 (or -1/1).
        Returns `(num_attributes, latent_dim)`; add `alpha * vector` to a code
        to edit the image."""
        images = check_images(images, self.image_shape, "images")
        attributes = np.asarray(attributes)
        if attributes.ndim != 2 or len(attributes) != len(images):
            raise ValueError(
                f"`attributes` must have shape ({len(images)}, num_attributes). "
                f"Received: attributes.shape={attributes.shape}"
            )
        z = self.encode(images, batch_size=batch_size)
        has = attributes > 0
        vectors = []
        for j in range(attributes.shape[1]):
            if has[:, j].all() or not has[:, j].any():
                raise ValueError(
                    f"Attribute {j} is present in all or none of the images; its vector "
                    "needs images with and without it."
                )
            vectors.append(z[has[:, j]].mean(0) - z[~has[:, j]].mean(0))
        return np.stack(vectors)


"""`ImageAutoencoder`: the one user contract of every image model of the zoo.

Every model offers the same NumPy-in, NumPy-out methods with the same
signatures, options keyword-only:

    encode(images, *, conditions=None, sample=False, seed=None, batch_size=None)
    decode(codes, *, conditions=None, seed=None, batch_size=None)
    reconstruct(images, *, conditions=None, sample=False, seed=None, batch_size=None)
    generate(num_samples, *, conditions=None, seed=None, batch_size=None)
    interpolate(start, end, *, steps=8, conditions=None, seed=None, batch_size=None)
    sample_prior(num_samples, *, seed=None)

What differs between families lives in the model's `code_space`
(`keras_perceptual.models.code_space`): a Gaussian posterior, a prior
object, a spatial code without a prior. A model without a prior raises
`NoPriorError` (a `ValueError`) from `sample_prior` and `generate`.

Randomness: training steps draw every noise from the model's one
`seed_generator`; inference draws from a NumPy generator seeded by `seed=`
(None: fresh entropy), so inference never moves the training stream.
"""

import keras
import numpy as np
from keras import ops

from keras_perceptual.models.adversarial_model import AdversarialModel
from keras_perceptual.models.checks import check_images

DEFAULT_BATCH_SIZE = 256


def _check_count(name, value, minimum=1):
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"`{name}` must be an int >= {minimum}. Received: {name}={value!r}")
    return int(value)


@keras.saving.register_keras_serializable(package="keras_perceptual")
class ImageAutoencoder(AdversarialModel):
    """Base class of the zoo's image models: the user contract (`encode`,
    `decode`, `reconstruct`, `generate`, `interpolate`, `sample_prior`)
    on top of `AdversarialModel`'s training step.

    A subclass provides:

    - `image_shape` (property): `(h, w, c)` of the images.
    - `code_space` (property): a `keras_perceptual.models.code_space.CodeSpace`.
    - `condition_dim` (property, default 0): size of a one-hot condition.
    - `_encoder_outputs(x, conditions, rng)`: encoder outputs of a batch in
      inference (`rng`: a NumPy generator for encoder noise, None for the
      deterministic code); the code space turns them into codes.
    - `_decode_batch(codes, conditions, rng)`: images of a batch of codes
      (`rng` None: a deterministic decoder noise, where there is one).

    Args:
        seed: seed of the model's one `keras.random.SeedGenerator`.
        **kwargs: passed to `keras.Model`.

    Example:
    >>> model = kp.VAEGAN.from_pretrained("vaegan_fashion_mnist")
    >>> codes = model.encode(images)
    >>> images = model.generate(16, seed=0)

    Reference:
        The contract of keras_perceptual's DESIGN.md ("one contract for every
        image model").
    """

    reads_unit_range_images = True  # the in-step batch check refuses values outside [-1, 1]

    # -- what a subclass provides -----------------------------------------
    @property
    def image_shape(self):
        raise NotImplementedError(f"{type(self).__name__} must define `image_shape`.")

    @property
    def code_space(self):
        raise NotImplementedError(f"{type(self).__name__} must define `code_space`.")

    @property
    def condition_dim(self):
        return 0

    def _encoder_outputs(self, x, conditions, rng):
        raise NotImplementedError

    def _decode_batch(self, codes, conditions, rng):
        raise NotImplementedError

    # -- what callers read instead of duck typing --------------------------
    @property
    def is_conditional(self):
        """Whether `decode`/`generate` need `conditions` (one-hot rows)."""
        return self.condition_dim > 0

    @property
    def num_classes(self):
        """Number of condition classes (0: unconditional)."""
        return self.condition_dim

    @property
    def has_prior(self):
        """Whether `sample_prior` and `generate` work."""
        return self.code_space.has_prior

    @property
    def code_shape(self):
        return self.code_space.shape

    @property
    def latent_dim(self):
        """Size of a flattened code."""
        return self.code_space.size

    # -- the contract --------------------------------------------------------
    def sample_prior(self, num_samples, *, seed=None):
        """`num_samples` codes from p(z), NumPy `(num_samples,) + code_shape`.
        Raises `NoPriorError` for a model without a prior."""
        num_samples = _check_count("num_samples", num_samples)
        return self.code_space.sample(num_samples, np.random.default_rng(seed))

    def encode(self, images, *, conditions=None, sample=False, seed=None, batch_size=None):
        """Codes of `images` (floats in [-1, 1]): the deterministic code (a
        posterior mean, zero encoder noise), or a posterior sample when
        `sample=True` (drawn with `seed`). NumPy `(n,) + code_shape`.
        `conditions` are optional here unless the encoder reads the condition
        (a VAE/GAN built with `condition_encoder=True`)."""
        images = check_images(images, self.image_shape, "images")
        conditions = None if conditions is None else self.check_conditions(conditions, len(images))
        rng = np.random.default_rng(seed) if sample else None
        return self._batches(lambda x, c: self._encode_batch(x, c, rng), images, conditions, batch_size)

    def decode(self, codes, *, conditions=None, seed=None, batch_size=None):
        """Images in [-1, 1] from codes `(n,) + code_shape` (or flat
        `(n, latent_dim)`); decoder noise, where the model has one, drawn
        with `seed`. NumPy."""
        codes = self.code_space.check(codes, "codes")
        conditions = self.check_conditions(conditions, len(codes))
        rng = np.random.default_rng(seed)
        return self._batches(lambda z, c: self._decode_batch(z, c, rng), codes, conditions, batch_size)

    def reconstruct(self, images, *, conditions=None, sample=False, seed=None, batch_size=None):
        """`decode(encode(images))`: deterministic (posterior mean, zero
        noises) unless `sample=True`."""
        images = check_images(images, self.image_shape, "images")
        conditions = self.check_conditions(conditions, len(images))
        rng = np.random.default_rng(seed) if sample else None

        def fn(x, c):
            return self._decode_batch(self._encode_batch(x, c, rng), c, rng)

        return self._batches(fn, images, conditions, batch_size)

    def generate(self, num_samples, *, conditions=None, seed=None, batch_size=None):
        """`num_samples` images `decode(z)`, `z ~ p(z)`, in [-1, 1]. NumPy.
        `conditions`: `(num_samples, condition_dim)` or one row, repeated.
        Raises `NoPriorError` for a model without a prior."""
        num_samples = _check_count("num_samples", num_samples)
        conditions = self.check_conditions(conditions, num_samples)
        rng = np.random.default_rng(seed)
        codes = self.code_space.sample(num_samples, rng)
        return self._batches(lambda z, c: self._decode_batch(z, c, rng), codes, conditions, batch_size)

    def interpolate(self, start, end, *, steps=8, conditions=None, seed=None, batch_size=None):
        """Images along the straight line between two codes. `start` and
        `end` are images `(h, w, c)` (encoded deterministically) or codes.
        Returns `(steps, h, w, c)`."""
        steps = _check_count("steps", steps, 2)
        if conditions is not None:
            conditions = np.asarray(conditions, "float32").reshape(1, -1)
        a, b = self._as_code(start, "start", conditions), self._as_code(end, "end", conditions)
        t = np.linspace(0.0, 1.0, steps, dtype="float32").reshape((steps,) + (1,) * a.ndim)
        codes = (1.0 - t) * a[None] + t * b[None]
        return self.decode(codes, conditions=conditions, seed=seed, batch_size=batch_size)

    def training_code(self, outputs):
        """Codes of encoder `outputs` inside a training step: a stochastic
        code space gets its posterior noise from the model's one
        `seed_generator` (`keras.ops`)."""
        shape = self.code_space.noise_shape(outputs)
        noise = None if shape is None else keras.random.normal(shape, seed=self.seed_generator)
        return self.code_space.code(outputs, noise)

    def attribute_vectors(self, images, attributes, *, batch_size=None):
        """Visual attribute vectors (VAE/GAN paper, Fig. 5): for each
        attribute, the mean code of the images that have it minus the mean
        code of those that do not. `attributes` is `(n, num_attributes)` of
        0/1 (or -1/1). Returns `(num_attributes,) + code_shape`; add
        `alpha * vector` to a code to edit the image."""
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

    # -- helpers -------------------------------------------------------------
    def _encode_batch(self, x, conditions, rng):
        outputs = self._encoder_outputs(x, conditions, rng)
        shape = self.code_space.noise_shape(outputs) if rng is not None else None
        noise = None if shape is None else ops.convert_to_tensor(rng.standard_normal(shape).astype("float32"))
        return self.code_space.code(outputs, noise)

    def _as_code(self, value, name, conditions=None):
        arr = np.asarray(value, dtype="float32")
        if arr.shape in (self.code_shape, (self.latent_dim,)):
            return self.code_space.check(arr[None], name)[0]
        if arr.shape == tuple(self.image_shape):
            arr = arr[None]
        return self.encode(check_images(arr, self.image_shape, name), conditions=conditions)[0]

    def _draw_noise(self, rng, n, dim, stddev=1.0):
        """Inference noise `(n, dim)`: drawn with `rng`, zeros when None."""
        if rng is None:
            return ops.zeros((n, dim))
        return ops.convert_to_tensor((stddev * rng.standard_normal((n, dim))).astype("float32"))

    def check_conditions(self, conditions, n):
        """`conditions` as float32 `(n, condition_dim)` (one row is
        repeated), or None for an unconditional model."""
        if not self.is_conditional:
            if conditions is not None:
                raise ValueError(
                    "This model is unconditional. Received: conditions with shape "
                    f"{np.shape(conditions)}"
                )
            return None
        if conditions is None:
            raise ValueError(
                f"This model is conditional: pass `conditions` of shape (n, {self.condition_dim})."
            )
        c = np.asarray(conditions, dtype="float32")
        if c.ndim == 1:
            c = c[None]
        if c.shape[0] == 1 and n > 1:
            c = np.repeat(c, n, axis=0)
        if c.shape != (n, self.condition_dim):
            raise ValueError(
                f"`conditions` must have shape ({n}, {self.condition_dim}). "
                f"Received: conditions.shape={np.shape(conditions)}"
            )
        return c

    @staticmethod
    def _batches(fn, array, conditions, batch_size):
        """`fn(batch, conditions_batch)` over `array` in batches; NumPy out."""
        batch_size = DEFAULT_BATCH_SIZE if batch_size is None else _check_count("batch_size", batch_size)
        outs = []
        for i in range(0, len(array), batch_size):
            c = None if conditions is None else ops.convert_to_tensor(conditions[i : i + batch_size])
            out = fn(ops.convert_to_tensor(array[i : i + batch_size]), c)
            outs.append(ops.convert_to_numpy(ops.cast(out, "float32")))
        return np.concatenate(outs, axis=0) if outs else np.zeros((0,), "float32")

    def fit(self, x=None, y=None, **kwargs):
        """`keras.Model.fit`, after checking the first batch of images is
        float data in [-1, 1] of the model's image shape."""
        self._check_first_batch(x)
        return super().fit(x, y, **kwargs)

    def _check_first_batch(self, x):
        first = None
        if isinstance(x, np.ndarray):
            first = x[:256]
        elif isinstance(x, (tuple, list)) and x and isinstance(x[0], np.ndarray):
            first = x[0][:256]
        elif isinstance(x, keras.utils.PyDataset):
            first = None
        elif hasattr(x, "element_spec"):  # a tf.data.Dataset
            for batch in x.take(1):
                batch = batch[0] if isinstance(batch, (tuple, list)) else batch
                first = np.asarray(batch)
        if first is not None:
            check_images(first, self.image_shape, "x")


__all__ = ["ImageAutoencoder"]

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

import keras_perceptual.validation as validation
from keras_perceptual.models.adversarial_model import AdversarialModel

DEFAULT_BATCH_SIZE = 256
FLOAT32_BYTES = 4


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
        num_samples = self.check_count("num_samples", num_samples, self.code_shape)
        rng = np.random.default_rng(validation.expect_seed("seed", seed))
        return self.code_space.sample(num_samples, rng)

    def encode(self, images, *, conditions=None, sample=False, seed=None, batch_size=None):
        """Codes of `images` (floats in [-1, 1]): the deterministic code (a
        posterior mean, zero encoder noise), or a posterior sample when
        `sample=True` (drawn with `seed`). NumPy `(n,) + code_shape`.
        `conditions` are optional here unless the encoder reads the condition
        (a VAE/GAN built with `condition_encoder=True`)."""
        images = self.check_images(images)
        conditions = None if conditions is None else self.check_conditions(conditions, len(images))
        rng = self._inference_rng(seed, sample)
        return self._batches(lambda x, c: self._encode_batch(x, c, rng), images, conditions, batch_size,
                             self.code_shape)

    def decode(self, codes, *, conditions=None, seed=None, batch_size=None):
        """Images in [-1, 1] from codes `(n,) + code_shape` (or flat
        `(n, latent_dim)`); decoder noise, where the model has one, drawn
        with `seed`. NumPy."""
        codes = self.code_space.check(codes, "codes")
        conditions = self.check_conditions(conditions, len(codes))
        rng = self._inference_rng(seed)
        return self._batches(lambda z, c: self._decode_batch(z, c, rng), codes, conditions, batch_size,
                             self.image_shape)

    def reconstruct(self, images, *, conditions=None, sample=False, seed=None, batch_size=None):
        """`decode(encode(images))`: deterministic (posterior mean, zero
        noises) unless `sample=True`."""
        images = self.check_images(images)
        conditions = self.check_conditions(conditions, len(images))
        rng = self._inference_rng(seed, sample)

        def fn(x, c):
            return self._decode_batch(self._encode_batch(x, c, rng), c, rng)

        return self._batches(fn, images, conditions, batch_size, self.image_shape)

    def generate(self, num_samples, *, conditions=None, seed=None, batch_size=None):
        """`num_samples` images `decode(z)`, `z ~ p(z)`, in [-1, 1]. NumPy.
        `conditions`: `(num_samples, condition_dim)` or one row, repeated.
        Raises `NoPriorError` for a model without a prior."""
        num_samples = self.check_count("num_samples", num_samples, self.image_shape)
        conditions = self.check_conditions(conditions, num_samples)
        rng = self._inference_rng(seed)
        batch_size = self.check_batch_size(batch_size)
        codes = self.code_space.sample(num_samples, rng)
        return self._batches(lambda z, c: self._decode_batch(z, c, rng), codes, conditions, batch_size,
                             self.image_shape)

    def interpolate(self, start, end, *, steps=8, conditions=None, seed=None, batch_size=None):
        """Images along the straight line between two codes. `start` and
        `end` are images `(h, w, c)` (encoded deterministically) or codes.
        Returns `(steps, h, w, c)`."""
        steps = self.check_count("steps", steps, self.image_shape, minimum=2)
        validation.expect_seed("seed", seed)
        self.check_batch_size(batch_size)
        if conditions is not None:
            conditions = self.check_conditions(conditions, 1)
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
        images = self.check_images(images)
        attributes = validation.expect_array("attributes", attributes, shape=(len(images), None))
        z = self.encode(images, batch_size=batch_size)
        has = attributes > 0
        vectors = []
        for j in range(attributes.shape[1]):
            if has[:, j].all() or not has[:, j].any():
                raise validation.fail(
                    f"attributes[:, {j}]", "present in some images and absent from others (its vector needs "
                    "images with and without it)", f"it present in {int(has[:, j].sum())} of {len(images)}")
            vectors.append(z[has[:, j]].mean(0) - z[~has[:, j]].mean(0))
        return np.stack(vectors)

    # -- helpers -------------------------------------------------------------
    def _encode_batch(self, x, conditions, rng):
        outputs = self._encoder_outputs(x, conditions, rng)
        shape = self.code_space.noise_shape(outputs) if rng is not None else None
        noise = None if shape is None else ops.convert_to_tensor(rng.standard_normal(shape).astype("float32"))
        return self.code_space.code(outputs, noise)

    def _as_code(self, value, name, conditions=None):
        arr = validation.expect_array(name, value, finite=False, dtype=None)
        if arr.shape in (self.code_shape, (self.latent_dim,)):
            return self.code_space.check(arr[None], name)[0]
        if arr.shape == tuple(self.image_shape):
            return self.encode(self.check_images(arr[None], name), conditions=conditions)[0]
        raise validation.fail(name, f"an image of shape {tuple(self.image_shape)} or a code of shape "
                              f"{self.code_shape} (or ({self.latent_dim},))", f"an array of shape {arr.shape}")

    def _draw_noise(self, rng, n, dim, stddev=1.0):
        """Inference noise `(n, dim)`: drawn with `rng`, zeros when None."""
        if rng is None:
            return ops.zeros((n, dim))
        return ops.convert_to_tensor((stddev * rng.standard_normal((n, dim))).astype("float32"))

    # -- the checks every method of the contract goes through ---------------
    def check_images(self, images, name="images"):
        """`images` as float32 `(n,) + image_shape` in [-1, 1] (`ValueError`
        otherwise: wrong shape, integer dtype, NaN/Inf, out of range)."""
        images = validation.expect_images(name, images, self.image_shape)
        validation.expect_allocation(f"len({name})", len(images), FLOAT32_BYTES * int(np.prod(self.image_shape)))
        return images

    @staticmethod
    def check_count(name, value, item_shape, minimum=1):
        """A count of outputs of `item_shape` (asked for: at least 1; an
        empty batch of inputs, by contrast, gives an empty output), refused
        up front when they would not fit in memory."""
        return validation.expect_count(name, value, minimum, FLOAT32_BYTES * int(np.prod(item_shape)))

    @staticmethod
    def check_batch_size(batch_size):
        return validation.expect_int("batch_size", batch_size, minimum=1, allow_none=True) or DEFAULT_BATCH_SIZE

    @staticmethod
    def _inference_rng(seed, sample=True):
        """The NumPy generator of inference draws (`seed` checked even when
        nothing is drawn); None when `sample` is False."""
        seed = validation.expect_seed("seed", seed)
        return np.random.default_rng(seed) if validation.expect_bool("sample", sample) else None

    def check_conditions(self, conditions, n):
        """`conditions` as float32 one-hot rows `(n, condition_dim)` (one row
        is repeated), or None for an unconditional model."""
        if not self.is_conditional:
            if conditions is not None:
                raise validation.fail("conditions", "None (this model is unconditional)",
                                      f"conditions of shape {np.shape(conditions)}")
            return None
        if conditions is None:
            raise validation.fail("conditions", f"one-hot rows of shape ({n}, {self.condition_dim}) (this model "
                                  "is conditional)", "conditions=None")
        c = validation.expect_array("conditions", conditions)
        if c.ndim == 1:
            c = c[None]
        if c.ndim == 2 and c.shape[0] == 1 and n != 1:
            c = np.repeat(c, n, axis=0)
        if c.shape != (n, self.condition_dim):
            raise validation.fail("conditions", f"an array of shape ({n}, {self.condition_dim}) or one row "
                                  f"({self.condition_dim},)", f"shape {np.shape(conditions)}")
        return validation.expect_one_hot("conditions", c, self.condition_dim, rows=n)

    def _batches(self, fn, array, conditions, batch_size, item_shape):
        """`fn(batch, conditions_batch)` over `array` in batches; NumPy
        `(len(array),) + item_shape` out (also for an empty array)."""
        batch_size = self.check_batch_size(batch_size)
        validation.expect_allocation("len(inputs)", len(array), FLOAT32_BYTES * int(np.prod(item_shape)))
        outs = []
        for i in range(0, len(array), batch_size):
            c = None if conditions is None else ops.convert_to_tensor(conditions[i : i + batch_size])
            out = fn(ops.convert_to_tensor(array[i : i + batch_size]), c)
            outs.append(ops.convert_to_numpy(ops.cast(out, "float32")))
        return np.concatenate(outs, axis=0) if outs else np.zeros((0,) + tuple(item_shape), "float32")

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
            validation.expect_images("x", first, self.image_shape)


__all__ = ["ImageAutoencoder"]

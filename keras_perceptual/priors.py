"""Priors p(z) for adversarial and implicit autoencoders.

Each prior is a small serialisable object with two sampling paths:

- `sample(n, seed=None, labels=None)`: NumPy, for users, plots and tests.
- `sample_tensor(n, seed_generator, labels=None)`: `keras.ops`, for use
  inside a training step; every draw goes through a
  `keras.random.SeedGenerator` owned by the model, so JAX can compile it.

A prior with `num_classes` (mixture, swiss roll, categorical) can also be
sampled at given labels (the label-conditioned priors of Makhzani et al.,
2015, Fig. 4).
"""

import math

import keras
import numpy as np
from keras import ops

import keras_perceptual.validation as validation


def _check_positive(name, value, integer=False):
    if integer:
        return validation.expect_int(name, value, minimum=1)
    return validation.expect_float(name, value, above=0)


def _check_n(n):
    return validation.expect_int("n", n, minimum=0)


def check_labels(labels, num_classes, n=None, name="labels", allow_unlabelled=False):
    """Integer labels in [0, num_classes) as a NumPy int array (`-1` also
    allowed, meaning "unlabelled", when `allow_unlabelled`)."""
    arr = validation.expect_array(name, labels, dtype=None)
    if arr.ndim == 2 and arr.shape[1] == num_classes and arr.shape[1] > 1:
        arr = arr.argmax(-1)  # one-hot
    if arr.ndim != 1 or (n is not None and len(arr) != n):
        expected = f"({n},)" if n is not None else "(n,)"
        raise validation.fail(name, f"class indices of shape {expected}", f"an array of shape {arr.shape}")
    if arr.size and not np.all(np.equal(np.mod(arr, 1), 0)):
        raise validation.fail(name, "integer class indices", f"values {arr[:5].tolist()}")
    arr = arr.astype("int64")
    low = -1 if allow_unlabelled else 0
    if arr.size and (arr.min() < low or arr.max() >= num_classes):
        bad = arr[(arr < low) | (arr >= num_classes)][:5]
        expected = f"[0, {num_classes})" + (" or -1 (unlabelled)" if allow_unlabelled else "")
        raise validation.fail(name, f"class indices in {expected}", f"values {bad.tolist()}")
    return arr


class Prior:
    """Base class. Subclasses set `dim` and `num_classes` (None when the prior
    cannot be sampled at labels) and implement `_sample_numpy(rng, n, labels)`
    and `_sample_ops(n, seed_generator, labels)`."""

    dim = None
    num_classes = None

    def sample(self, n, seed=None, labels=None):
        """`n` codes as a float32 NumPy array `(n, dim)`.

        Args:
            n: number of samples.
            seed: int seed (or a `np.random.Generator`).
            labels: optional `(n,)` integer labels in [0, num_classes) for a
                label-conditioned draw.
        """
        n = _check_n(n)
        if labels is not None:
            labels = self._check_sample_labels(labels, n)
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        return np.asarray(self._sample_numpy(rng, n, labels), dtype="float32").reshape(n, self.dim)

    def sample_tensor(self, n, seed_generator, labels=None):
        """`n` codes as a float32 tensor `(n, dim)`, drawn with `keras.random`
        through `seed_generator`. `labels`: optional int tensor `(n,)`."""
        if labels is not None:
            if self.num_classes is None:
                raise ValueError(
                    f"{type(self).__name__} cannot be sampled at labels. Received: labels"
                )
            labels = ops.cast(ops.reshape(labels, (-1,)), "int32")
        return ops.cast(self._sample_ops(n, seed_generator, labels), "float32")

    def activate(self, outputs):
        """Encoder outputs -> codes (`keras.ops`). The identity, except for a
        categorical prior (softmax over the first `num_classes` entries)."""
        return outputs

    # -- how a training step makes codes (a categorical prior has options) --
    def check_code_options(self, gumbel_temperature=None, straight_through=False, marginal_entropy_weight=0.0):
        """Validates a model's code-training options for this prior; returns
        them normalised. Only a `CategoricalPrior` takes any."""
        used = [name for name, on in (("gumbel_temperature", gumbel_temperature is not None),
                                      ("straight_through", bool(straight_through)),
                                      ("marginal_entropy_weight", bool(marginal_entropy_weight))) if on]
        if used:
            raise ValueError(
                f"{', '.join(used)} need(s) a categorical code (CategoricalPrior). Received: prior={self!r}"
            )
        return None, False, 0.0

    def training_codes(self, outputs, seed_generator, gumbel_temperature=None, straight_through=False):
        """The codes of a training step from encoder `outputs`, as `(for the
        decoder, for the regulariser)` (`keras.ops`): `activate` for both."""
        z = self.activate(outputs)
        return z, z

    def marginal_entropy_term(self, outputs):
        raise ValueError(f"A marginal entropy term needs a CategoricalPrior. Received: prior={self!r}")

    def check_code(self, z, name="z"):
        """Raises a `ValueError` unless `z` is `(n, dim)`."""
        shape = tuple(np.shape(z)) if not hasattr(z, "shape") else tuple(z.shape)
        if len(shape) != 2 or shape[1] != self.dim:
            raise ValueError(
                f"`{name}` must be codes of shape (n, {self.dim}) for {type(self).__name__}"
                f"(dim={self.dim}). Received: {name}.shape={shape}"
            )

    def _check_sample_labels(self, labels, n):
        if self.num_classes is None:
            raise ValueError(
                f"{type(self).__name__} cannot be sampled at labels: it has no classes. "
                "Use GaussianMixturePrior, SwissRollPrior or CategoricalPrior. Received: labels"
            )
        return check_labels(labels, self.num_classes, n)

    @property
    def total_variance(self):
        """`E||z1 - z2||^2 / 2` for two independent draws (the trace of the
        covariance): sets the MMD kernel scale (WAE's C = 2 d sigma^2)."""
        z = self.sample(20000, seed=1234)
        return float(np.sum(np.var(z.astype("float64"), axis=0)))

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"

    def __eq__(self, other):
        return type(self) is type(other) and self.get_config() == other.get_config()

    __hash__ = None


@keras.saving.register_keras_serializable(package="keras_perceptual")
class GaussianPrior(Prior):
    """Isotropic Gaussian `N(0, stddev^2 I)` of any dimension.

    Args:
        dim: code size.
        stddev: standard deviation of every coordinate.

    Example:
    >>> GaussianPrior(8).sample(4, seed=0).shape
    (4, 8)

    Reference:
        Makhzani et al., "Adversarial Autoencoders", arXiv:1511.05644.
    """

    def __init__(self, dim, stddev=1.0):
        _check_positive("dim", dim, integer=True)
        _check_positive("stddev", stddev)
        self.dim = int(dim)
        self.stddev = float(stddev)

    @property
    def total_variance(self):
        return self.dim * self.stddev**2

    def _sample_numpy(self, rng, n, labels):
        return self.stddev * rng.standard_normal((n, self.dim))

    def _sample_ops(self, n, seed_generator, labels):
        return keras.random.normal((n, self.dim), stddev=self.stddev, seed=seed_generator)

    def get_config(self):
        return {"dim": self.dim, "stddev": self.stddev}


@keras.saving.register_keras_serializable(package="keras_perceptual")
class GaussianMixturePrior(Prior):
    """A mixture of `num_components` 2-D Gaussians with means evenly spaced on
    a circle (the AAE paper's 10-component prior). Each component is
    elongated along the circle: `tangential_stddev` along it,
    `radial_stddev` across it. Sampling at labels picks the component.

    Args:
        num_components: K >= 2.
        radius: radius of the circle of means.
        radial_stddev: standard deviation across the circle.
        tangential_stddev: standard deviation along the circle.

    Example:
    >>> prior = GaussianMixturePrior(10)
    >>> z = prior.sample(100, labels=np.arange(100) % 10)

    Reference:
        Makhzani et al., "Adversarial Autoencoders", arXiv:1511.05644, Fig. 2, 4.
    """

    def __init__(self, num_components=10, radius=4.0, radial_stddev=0.25, tangential_stddev=0.75):
        if not isinstance(num_components, (int, np.integer)) or num_components < 2:
            raise ValueError(f"`num_components` must be an int >= 2. Received: num_components={num_components!r}")
        _check_positive("radius", radius)
        _check_positive("radial_stddev", radial_stddev)
        _check_positive("tangential_stddev", tangential_stddev)
        self.num_components = int(num_components)
        self.radius = float(radius)
        self.radial_stddev = float(radial_stddev)
        self.tangential_stddev = float(tangential_stddev)
        self.dim = 2
        self.num_classes = self.num_components

    def _place(self, k, e_r, e_t, xp):
        angle = 2.0 * math.pi * k / self.num_components
        c, s = xp.cos(angle), xp.sin(angle)
        r = self.radius + self.radial_stddev * e_r
        t = self.tangential_stddev * e_t
        return xp.stack([r * c - t * s, r * s + t * c], axis=-1)

    def _sample_numpy(self, rng, n, labels):
        k = rng.integers(0, self.num_components, n) if labels is None else labels
        e = rng.standard_normal((2, n))
        return self._place(k.astype("float64"), e[0], e[1], np)

    def _sample_ops(self, n, seed_generator, labels):
        if labels is None:
            labels = keras.random.randint((n,), 0, self.num_components, seed=seed_generator)
        k = ops.cast(labels, "float32")
        e = keras.random.normal((2, n), seed=seed_generator)
        return self._place(k, e[0], e[1], ops)

    def get_config(self):
        return {
            "num_components": self.num_components,
            "radius": self.radius,
            "radial_stddev": self.radial_stddev,
            "tangential_stddev": self.tangential_stddev,
        }


@keras.saving.register_keras_serializable(package="keras_perceptual")
class SwissRollPrior(Prior):
    """A 2-D swiss roll: `u ~ U(0, 1)`, angle `turns * 2 pi * sqrt(u)`,
    radius `scale * sqrt(u)`, plus Gaussian `noise`. With `num_classes`,
    class k owns the k-th of `num_classes` equal segments of `u` and
    sampling at labels draws from that segment (paper Fig. 4).

    Args:
        num_classes: number of segments (>= 2).
        turns: number of turns of the roll.
        scale: outer radius.
        noise: standard deviation of the added Gaussian noise.

    Example:
    >>> SwissRollPrior().sample(5, seed=0).shape
    (5, 2)

    Reference:
        Makhzani et al., "Adversarial Autoencoders", arXiv:1511.05644, Fig. 4.
    """

    def __init__(self, num_classes=10, turns=1.5, scale=4.0, noise=0.05):
        if not isinstance(num_classes, (int, np.integer)) or num_classes < 2:
            raise ValueError(f"`num_classes` must be an int >= 2. Received: num_classes={num_classes!r}")
        _check_positive("turns", turns)
        _check_positive("scale", scale)
        if noise < 0:
            raise ValueError(f"`noise` must be >= 0. Received: noise={noise}")
        self.num_classes = int(num_classes)
        self.turns = float(turns)
        self.scale = float(scale)
        self.noise = float(noise)
        self.dim = 2

    def _roll(self, u, e, xp):
        t = xp.sqrt(u)
        angle = 2.0 * math.pi * self.turns * t
        r = self.scale * t
        return xp.stack([r * xp.cos(angle), r * xp.sin(angle)], axis=-1) + self.noise * e

    def _sample_numpy(self, rng, n, labels):
        u = rng.uniform(0.0, 1.0, n)
        if labels is not None:
            u = (labels + u) / self.num_classes
        return self._roll(u, rng.standard_normal((n, 2)), np)

    def _sample_ops(self, n, seed_generator, labels):
        u = keras.random.uniform((n,), seed=seed_generator)
        if labels is not None:
            u = (ops.cast(labels, "float32") + u) / self.num_classes
        return self._roll(u, keras.random.normal((n, 2), seed=seed_generator), ops)

    def get_config(self):
        return {"num_classes": self.num_classes, "turns": self.turns, "scale": self.scale, "noise": self.noise}


@keras.saving.register_keras_serializable(package="keras_perceptual")
class CategoricalPrior(Prior):
    """A one-hot category `y ~ Cat(1/K)` followed by an optional Gaussian
    style part `z ~ N(0, style_stddev^2 I)`: codes `[y, z]` of size
    `num_classes + style_dim` (the AAE/IAE clustering and semi-supervised
    code). Sampling at labels fixes `y`.

    Args:
        num_classes: K >= 2.
        style_dim: size of the Gaussian style part (0: none).
        style_stddev: its standard deviation.

    Example:
    >>> prior = CategoricalPrior(10, style_dim=5)
    >>> prior.sample(3, seed=0).shape
    (3, 15)

    Reference:
        Makhzani et al., "Adversarial Autoencoders", arXiv:1511.05644, §5-6.
    """

    def __init__(self, num_classes, style_dim=0, style_stddev=1.0):
        if not isinstance(num_classes, (int, np.integer)) or isinstance(num_classes, bool) or num_classes < 2:
            raise ValueError(f"`num_classes` must be an int >= 2. Received: num_classes={num_classes!r}")
        if not isinstance(style_dim, (int, np.integer)) or style_dim < 0:
            raise ValueError(f"`style_dim` must be an int >= 0. Received: style_dim={style_dim!r}")
        _check_positive("style_stddev", style_stddev)
        self.num_classes = int(num_classes)
        self.style_dim = int(style_dim)
        self.style_stddev = float(style_stddev)
        self.dim = self.num_classes + self.style_dim

    @property
    def total_variance(self):
        return (1.0 - 1.0 / self.num_classes) + self.style_dim * self.style_stddev**2

    def activate(self, outputs):
        y = ops.softmax(outputs[:, : self.num_classes], axis=-1)
        if not self.style_dim:
            return y
        return ops.concatenate([y, outputs[:, self.num_classes :]], axis=-1)

    def check_code_options(self, gumbel_temperature=None, straight_through=False, marginal_entropy_weight=0.0):
        if gumbel_temperature is not None:
            gumbel_temperature = float(gumbel_temperature)
            if not gumbel_temperature > 0:
                raise ValueError(f"`gumbel_temperature` must be > 0 or None. Received: {gumbel_temperature!r}")
        if straight_through not in (False, True, "decoder"):
            raise ValueError(f'`straight_through` must be False, True or "decoder". Received: {straight_through!r}')
        if marginal_entropy_weight is None or marginal_entropy_weight < 0:
            raise ValueError(f"`marginal_entropy_weight` must be >= 0. Received: {marginal_entropy_weight!r}")
        return gumbel_temperature, straight_through, float(marginal_entropy_weight)

    def training_codes(self, outputs, seed_generator, gumbel_temperature=None, straight_through=False):
        """The codes of a training step, `(for the decoder, for the
        regulariser)`: the softmax code (`training_code`), a Gumbel-softmax
        sample drawn through the model's `seed_generator`, and/or one-hot
        straight-through codes (`straight_through="decoder"`: one-hot codes
        for the decoder only, the regulariser sees the soft code)."""
        seed = seed_generator if gumbel_temperature is not None else None
        soft = self.training_code(outputs, seed, gumbel_temperature, False)
        if not straight_through:
            return soft, soft
        if gumbel_temperature is None:
            hard = self.training_code(outputs, None, None, True)
        else:
            hard = self._straight_through(soft)
        return hard, (soft if straight_through == "decoder" else hard)

    def _straight_through(self, code):
        """One-hot of the argmax of a code's categorical part, gradient of the code."""
        k = self.num_classes
        y = code[:, :k]
        hard = ops.one_hot(ops.argmax(y, axis=-1), k, dtype=y.dtype)
        y = y + ops.stop_gradient(hard - y)
        return ops.concatenate([y, code[:, k:]], axis=-1) if self.style_dim else y

    def marginal_entropy_term(self, outputs):
        """`log K - H(batch mean of softmax(logits))` of encoder outputs."""
        return marginal_entropy_gap(ops.softmax(outputs[:, : self.num_classes], axis=-1))

    def training_code(self, outputs, seed_generator=None, gumbel_temperature=None, straight_through=False):
        """Encoder outputs `[logits, style]` -> the code a training step
        feeds to the decoder and the regulariser (`keras.ops`).

        The default is `activate` (a softmax, as in the AAE paper). Two
        departures from the paper, for the categorical part only, so that a
        code discriminator cannot tell encoder codes from the one-hot prior
        draws by their softness alone:

        - `gumbel_temperature`: a Gumbel-softmax (Concrete) sample
          `softmax((logits + g) / t)` with `g ~ Gumbel(0, 1)` (needs
          `seed_generator`).
        - `straight_through`: the forward value is the one-hot of the argmax
          (of the Gumbel sample when `gumbel_temperature` is set), the
          gradient that of the soft code.
        """
        outputs = ops.convert_to_tensor(outputs, "float32")
        logits = outputs[:, : self.num_classes]
        if gumbel_temperature is not None:
            u = keras.random.uniform(ops.shape(logits), 1e-6, 1.0 - 1e-6, seed=seed_generator)
            logits = (logits - ops.log(-ops.log(u))) / gumbel_temperature
        y = ops.softmax(logits, axis=-1)
        if straight_through:
            hard = ops.one_hot(ops.argmax(y, axis=-1), self.num_classes, dtype=y.dtype)
            y = y + ops.stop_gradient(hard - y)
        if not self.style_dim:
            return y
        return ops.concatenate([y, outputs[:, self.num_classes :]], axis=-1)

    def _sample_numpy(self, rng, n, labels):
        k = rng.integers(0, self.num_classes, n) if labels is None else labels
        y = np.eye(self.num_classes)[k]
        if not self.style_dim:
            return y
        return np.concatenate([y, self.style_stddev * rng.standard_normal((n, self.style_dim))], -1)

    def _sample_ops(self, n, seed_generator, labels):
        if labels is None:
            labels = keras.random.randint((n,), 0, self.num_classes, seed=seed_generator)
        y = ops.one_hot(labels, self.num_classes, dtype="float32")
        if not self.style_dim:
            return y
        z = keras.random.normal((n, self.style_dim), stddev=self.style_stddev, seed=seed_generator)
        return ops.concatenate([y, z], axis=-1)

    def get_config(self):
        return {"num_classes": self.num_classes, "style_dim": self.style_dim, "style_stddev": self.style_stddev}


def marginal_entropy_gap(y):
    """`log K - H(mean_batch y)` for categorical codes `y (batch, K)`: zero
    when the batch uses the K categories equally, `log K` when it uses one.
    A penalty for uniform cluster usage (`keras.ops`)."""
    k = y.shape[-1]
    p = ops.mean(ops.cast(y, "float32"), axis=0)
    return math.log(k) + ops.sum(p * ops.log(p + 1e-8))


def get(identifier):
    """A prior from an instance, a config dict or a serialized object."""
    if isinstance(identifier, Prior):
        return identifier
    if isinstance(identifier, dict):
        obj = keras.saving.deserialize_keras_object(identifier)
        if isinstance(obj, Prior):
            return obj
    raise ValueError(
        "`prior` must be a keras_perceptual.priors.Prior (GaussianPrior, "
        "GaussianMixturePrior, SwissRollPrior, CategoricalPrior). "
        f"Received: prior={identifier!r}"
    )


__all__ = [
    "Prior",
    "GaussianPrior",
    "GaussianMixturePrior",
    "SwissRollPrior",
    "CategoricalPrior",
    "check_labels",
    "get",
    "marginal_entropy_gap",
]

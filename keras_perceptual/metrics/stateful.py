"""FID and KID as stateful `keras.metrics.Metric`s: fed batch by batch
(`update_state(real=...)`, `update_state(fake=...)`), read with `result()`,
cleared with `reset_state()`; written in `keras.ops`, so they also run
inside a compiled `evaluate()` and in callbacks, on every backend.

They agree with the functions `metrics.fid` / `metrics.kid` (see the
classes for the exact conditions)."""

import keras
import numpy as np
from keras import ops

import keras_perceptual.validation as validation
from keras_perceptual.metrics.features import EVALUATOR_RANGE
from keras_perceptual.metrics.features import check_image_batch
from keras_perceptual.metrics.features import check_input_shape
from keras_perceptual.metrics.distribution import frechet_distance_from_statistics
from keras_perceptual.metrics.features import DEFAULT_LAYER
from keras_perceptual.metrics.features import default_feature_model
from keras_perceptual.metrics.features import feature_sub_model


def _state_dtype():
    """float64 where `keras.ops` computes in it (TensorFlow), else float32:
    Keras's type promotion turns float64 matmuls and float64-with-Python-
    scalar operations into float32 on PyTorch and JAX."""
    x = ops.convert_to_tensor(np.ones((2, 2), "float64"))
    results = (x, ops.matmul(x, x), ops.maximum(x, 0.0), ops.divide(x, 3.0))
    dtypes = {keras.backend.standardize_dtype(r.dtype) for r in results}
    return "float64" if dtypes == {"float64"} else "float32"


def _concrete(value):
    """`value` as a NumPy scalar, or None while it is traced (compiled step)."""
    try:
        return ops.convert_to_numpy(value)
    except Exception:
        return None


def _host_array(value):
    """`value` as a NumPy-readable value when it has concrete values (a
    NumPy array, a list, an eager tensor), None when it is traced."""
    if not ops.is_tensor(value):
        return value
    try:
        return ops.convert_to_numpy(value)
    except Exception:
        return None


class _FeatureMetric(keras.metrics.Metric):
    """Shared by FID and KID: the feature network and `update_state`."""

    def __init__(self, feature_model=None, layer=DEFAULT_LAYER, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        if feature_model is not None and not isinstance(feature_model, keras.Model):
            raise validation.fail("feature_model", "a `keras.Model` or None (the zoo's evaluator)",
                                  f"feature_model={feature_model!r} ({type(feature_model).__name__})")
        self.feature_model = feature_model
        self.layer = layer
        network = default_feature_model() if feature_model is None else feature_model
        self._network = feature_sub_model(network, layer)
        shape = self._network.output.shape[1:]
        if any(s is None for s in shape):
            raise ValueError(f"Layer {layer!r} must have a fixed output size. Received: shape {shape}")
        self._dim = int(np.prod(shape))
        self._state = _state_dtype()

    def features(self, images, name="images"):
        """The feature rows `(n, d)` of a batch of images, in the state dtype.
        Concrete images (NumPy, eager tensors) are checked first, as every
        public entry: numbers, finite, `(n, h, w, c)`, and for the zoo's
        evaluator floats in [-1, 1]; a traced batch (a compiled `evaluate()`)
        gets the static rank check only."""
        host = _host_array(images)
        if host is not None:
            value_range = EVALUATOR_RANGE if self.feature_model is None else None
            images = check_image_batch(host, name, value_range=value_range)
            check_input_shape(self._network, images, name)
        images = ops.convert_to_tensor(images)
        if len(images.shape) != 4:
            raise validation.fail(name, "a 4-D batch `(n, height, width, channels)`", f"shape {images.shape}")
        out = self._network(ops.cast(images, "float32"), training=False)
        return ops.cast(ops.reshape(out, (-1, self._dim)), self._state)

    def update_state(self, y_true=None, y_pred=None, sample_weight=None, *, real=None, fake=None):
        """Adds a batch of real and/or fake images `(n, h, w, c)` in the
        feature network's input range ([-1, 1] for the zoo's evaluator).
        `update_state(real=...)` and `update_state(fake=...)` may be called
        separately; Keras's `(y_true, y_pred)` call (from `compile(metrics=)`)
        reads y_true as real and y_pred as fake. `sample_weight` is not
        supported."""
        if sample_weight is not None:
            raise ValueError(f"`{type(self).__name__}` does not support `sample_weight`.")
        if real is None and fake is None:
            real, fake = y_true, y_pred
        elif y_true is not None or y_pred is not None:
            raise ValueError("Pass images either as `real=`/`fake=` or as `(y_true, y_pred)`, not both.")
        if real is None and fake is None:
            raise ValueError("`update_state` needs `real=` and/or `fake=` images.")
        # Both checked before either is added: a bad `fake` leaves the state as it was.
        real = None if real is None else self.features(real, "real")
        fake = None if fake is None else self.features(fake, "fake")
        if real is not None:
            self._add("real", real)
        if fake is not None:
            self._add("fake", fake)

    def get_config(self):
        config = super().get_config()
        config.update({
            "feature_model": None if self.feature_model is None
            else keras.saving.serialize_keras_object(self.feature_model),
            "layer": self.layer,
        })
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("feature_model"), dict):
            config["feature_model"] = keras.saving.deserialize_keras_object(config["feature_model"])
        return cls(**config)


@keras.saving.register_keras_serializable(package="keras_perceptual")
class FID(_FeatureMetric):
    """Fréchet distance between the feature distributions of real and fake
    images, accumulated batch by batch.

    The state is each set's count, mean and sum of squared deviations
    (merged per batch with Chan et al.'s parallel update, so accumulating
    is as exact as one pass over all features), in float64 where
    `keras.ops` computes in it (TensorFlow), else float32 (PyTorch, JAX).
    `result()` is `|mu_r - mu_f|^2 + Tr(S_r + S_f - 2 (S_r S_f)^(1/2))`
    with sample covariances (ddof 1): eagerly, SciPy's in float64 (as
    `metrics.fid`, which it equals to 1e-6 relative on TensorFlow, 1e-4 with
    float32 state); inside a compiled step (`evaluate()`), in `keras.ops`
    from the eigenvalues of `S_r^(1/2) S_f S_r^(1/2)`. NaN until each set
    has 2 images.

    Args:
        feature_model: a `keras.Model`; None: the zoo's evaluator
            (`metrics.features.DEFAULT_FEATURES`: the
            "fashion_mnist_evaluator" preset, 28x28x1 images in [-1, 1]).
        layer: the feature layer's name (None: the model's output).
        name: the metric's name.
        dtype: the result's dtype.

    Example:
    >>> fid = kp.metrics.FID()
    >>> for real, fake in zip(test_batches, sample_batches):
    ...     fid.update_state(real=real)
    ...     fid.update_state(fake=fake)
    >>> float(fid.result())

    Reference:
        Heusel et al., "GANs Trained by a Two Time-Scale Update Rule Converge
        to a Local Nash Equilibrium", NIPS 2017; torchmetrics'
        `FrechetInceptionDistance` (the same streaming interface).
    """

    def __init__(self, feature_model=None, layer=DEFAULT_LAYER, name="fid", dtype=None):
        super().__init__(feature_model, layer, name=name, dtype=dtype)
        d = self._dim
        for side in ("real", "fake"):
            setattr(self, f"{side}_count", self.add_variable((), "zeros", self._state, name=f"{side}_count"))
            setattr(self, f"{side}_mean", self.add_variable((d,), "zeros", self._state, name=f"{side}_mean"))
            setattr(self, f"{side}_m2", self.add_variable((d, d), "zeros", self._state, name=f"{side}_m2"))

    def _add(self, side, feats):
        count, mean, m2 = (getattr(self, f"{side}_{k}") for k in ("count", "mean", "m2"))
        n_b = ops.cast(ops.shape(feats)[0], self._state)
        # ops.sum / n, not ops.mean: Keras's torch `mean` reduces float64 in float32.
        mean_b = ops.sum(feats, axis=0) / ops.maximum(n_b, 1.0)
        centred = feats - mean_b
        n = count + n_b
        scale = ops.divide(n_b, ops.maximum(n, 1.0))
        delta = mean_b - mean
        mean.assign(mean + delta * scale)
        m2.assign(m2 + ops.matmul(ops.transpose(centred), centred)
                  + ops.outer(delta, delta) * count * scale)
        count.assign(n)

    def result(self):
        state = [_concrete(v) for v in (self.real_count, self.real_mean, self.real_m2,
                                        self.fake_count, self.fake_mean, self.fake_m2)]
        if all(v is not None for v in state):  # eager: SciPy in float64, exactly as `metrics.fid`
            n_r, mu_r, m2_r, n_f, mu_f, m2_f = (np.asarray(v, "float64") for v in state)
            if n_r < 2 or n_f < 2:
                return ops.cast(np.nan, self.dtype)
            value = frechet_distance_from_statistics(mu_r, m2_r / (n_r - 1), mu_f, m2_f / (n_f - 1))
            return ops.cast(value, self.dtype)
        return self._traced_result()

    def _traced_result(self):
        """The same value in `keras.ops`, inside a compiled step."""
        n_r, n_f = self.real_count, self.fake_count
        cov_r = self.real_m2 / ops.maximum(n_r - 1.0, 1.0)
        cov_f = self.fake_m2 / ops.maximum(n_f - 1.0, 1.0)
        diff = self.real_mean - self.fake_mean
        # Tr (S_r S_f)^(1/2) = sum of sqrt(eig(S_r^(1/2) S_f S_r^(1/2))): both PSD.
        values, vectors = ops.eigh(cov_r)
        root_r = ops.matmul(vectors * ops.sqrt(ops.maximum(values, 0.0)), ops.transpose(vectors))
        middle = ops.matmul(ops.matmul(root_r, cov_f), root_r)
        middle = (middle + ops.transpose(middle)) / 2.0
        trace_root = ops.sum(ops.sqrt(ops.maximum(ops.eigh(middle)[0], 0.0)))
        value = ops.sum(diff * diff) + ops.trace(cov_r) + ops.trace(cov_f) - 2.0 * trace_root
        value = ops.where(ops.logical_and(n_r >= 2, n_f >= 2), value, np.nan)
        return ops.cast(value, self.dtype)


@keras.saving.register_keras_serializable(package="keras_perceptual")
class KID(_FeatureMetric):
    """Kernel distance between the feature distributions of real and fake
    images (unbiased MMD^2, kernel `(x . y / d + 1)^3`), over subsets.

    The features are kept (up to `max_samples` per set); `result()` draws
    `num_subsets` subsets of `m = min(subset_size, n_real, n_fake)` features
    of each set without replacement (seeded by `seed`, with
    `keras.random`, so the same state gives the same value) and averages
    the unbiased MMD^2 estimates; `result_with_std()` also gives their
    standard deviation. When every subset holds all the features (equal
    counts, `subset_size` >= the count) it equals `metrics.kid` to 1e-6;
    with smaller subsets the two draw different subsets (`metrics.kid`
    draws with NumPy), so they agree to the subsets' spread. NaN until each
    set has 2 images.

    Args:
        feature_model: a `keras.Model`; None: the zoo's evaluator
            (`metrics.features.DEFAULT_FEATURES`).
        layer: the feature layer's name (None: the model's output).
        num_subsets: int >= 1, subsets averaged.
        subset_size: int >= 2, features per set in a subset.
        max_samples: int >= 2, images kept per set (more raise a
            `ValueError` when the update runs eagerly; a compiled update
            drops them).
        seed: seed of the subset draws.
        name: the metric's name.
        dtype: the result's dtype.

    Example:
    >>> kid = kp.metrics.KID(subset_size=100)
    >>> kid.update_state(real=test_images[:500])
    >>> kid.update_state(fake=model.generate(500))
    >>> mean, std = kid.result_with_std()

    Reference:
        Bińkowski, Sutherland, Arbel, Gretton, "Demystifying MMD GANs",
        ICLR 2018; torchmetrics' `KernelInceptionDistance`.
    """

    def __init__(self, feature_model=None, layer=DEFAULT_LAYER, num_subsets=10, subset_size=1000,
                 max_samples=10000, seed=0, name="kid", dtype=None):
        num_subsets = validation.expect_int("num_subsets", num_subsets, minimum=1)
        subset_size = validation.expect_int("subset_size", subset_size, minimum=2)
        max_samples = validation.expect_int("max_samples", max_samples, minimum=2)
        seed = validation.expect_seed("seed", seed)
        super().__init__(feature_model, layer, name=name, dtype=dtype)
        self.num_subsets = int(num_subsets)
        self.subset_size = int(subset_size)
        self.max_samples = int(max_samples)
        self.seed = seed
        for side in ("real", "fake"):
            setattr(self, f"{side}_count", self.add_variable((), "zeros", "int32", name=f"{side}_count"))
            setattr(self, f"{side}_features",
                    self.add_variable((self.max_samples, self._dim), "zeros", self._state, name=f"{side}_features"))

    def _add(self, side, feats):
        count, buffer = getattr(self, f"{side}_count"), getattr(self, f"{side}_features")
        n_b = ops.shape(feats)[0]
        known = _concrete(count)
        if known is not None and isinstance(n_b, int) and int(known) + n_b > self.max_samples:
            raise ValueError(
                f"`KID` keeps at most max_samples={self.max_samples} {side} images; this batch of {n_b} "
                f"would make {int(known) + n_b}. Create it with a larger `max_samples`."
            )
        start = ops.minimum(ops.convert_to_tensor(count), self.max_samples - n_b)
        buffer.assign(ops.slice_update(ops.convert_to_tensor(buffer), [start, 0], feats))
        count.assign(ops.minimum(count + n_b, self.max_samples))

    def _subsets(self, buffer, count, size, seed):
        """`(num_subsets, size)` features drawn without replacement from the
        first `count` rows: the rows with the smallest random keys."""
        keys = keras.random.uniform((self.num_subsets, self.max_samples), seed=seed)
        keys = ops.where(ops.arange(self.max_samples)[None, :] < count, keys, 2.0)
        index = ops.argsort(keys, axis=1)[:, :size]
        return ops.take(buffer, index, axis=0)

    def result_with_std(self):
        """`(mean, std)` of the subsets' MMD^2 estimates (std with ddof 0)."""
        n_r, n_f = self.real_count, self.fake_count
        size = min(self.subset_size, self.max_samples)
        m = ops.cast(ops.minimum(ops.minimum(n_r, n_f), size), self._state)
        x = self._subsets(self.real_features, n_r, size, self.seed)
        y = self._subsets(self.fake_features, n_f, size, self.seed + 1)
        weight = ops.cast(ops.arange(size)[None, :] < ops.cast(m, "int32"), self._state)  # (S, size)
        pair = weight[:, :, None] * weight[:, None, :]

        def kernel(a, b):
            return (ops.matmul(a, ops.transpose(b, (0, 2, 1))) / self._dim + 1.0) ** 3

        def within(k):
            diagonal = ops.sum(ops.diagonal(k, axis1=1, axis2=2) * weight, axis=1)
            return (ops.sum(k * pair, axis=(1, 2)) - diagonal) / ops.maximum(m * (m - 1.0), 1.0)

        cross = ops.sum(kernel(x, y) * pair, axis=(1, 2)) / ops.maximum(m * m, 1.0)
        values = within(kernel(x, x)) + within(kernel(y, y)) - 2.0 * cross
        ready = m >= 2
        mean = ops.sum(values) / self.num_subsets  # not ops.mean: see FID._add
        std = ops.sqrt(ops.sum((values - mean) ** 2) / self.num_subsets)
        mean, std = ops.where(ready, mean, np.nan), ops.where(ready, std, np.nan)
        return ops.cast(mean, self.dtype), ops.cast(std, self.dtype)

    def result(self):
        return self.result_with_std()[0]

    def get_config(self):
        config = super().get_config()
        config.update({"num_subsets": self.num_subsets, "subset_size": self.subset_size,
                       "max_samples": self.max_samples, "seed": self.seed})
        return config

"""What a run is judged on while it trains: validation measures of the
Fashion-MNIST recipes (always on the "validation" split, the last 5,000
training images, never the test split) and the stopping rule.

Every measure is `(model, options) -> float | None` (None: not measurable
for this dataset, e.g. CelebA) and reads images through the evaluator
network (`keras_perceptual.metrics.features.DEFAULT_FEATURES`), which no
preset is trained against.
"""

import functools

import numpy as np

import keras_perceptual.metrics as metrics
from keras_perceptual.data_files import fashion_mnist_arrays

# The stopping rule: a run has converged when its validation metric
# improved by less than CONVERGENCE_TOLERANCE (relative) over the last
# CONVERGENCE_WINDOW of the run, judged once MIN_POINTS measurements exist.
CONVERGENCE_TOLERANCE = 0.02
CONVERGENCE_WINDOW = 0.2
MIN_POINTS = 5
RULE = ("stop when the validation metric improves by less than {tolerance:.0%} over the last fifth of the run "
        "(best of the last fifth vs best before it, at least {min_points} measurements), or at the cap")
SAMPLES = 2000  # images per validation FID (smoke: 64)
NOISE_INPUTS, NOISE_DRAWS = 500, 8  # inputs and decoder-noise draws of the class agreement (smoke: 64 inputs)


def has_converged(curve, mode="min", tolerance=CONVERGENCE_TOLERANCE, min_points=MIN_POINTS):
    """Whether a learning curve has converged under the zoo's rule.

    The best value measured in the last fifth of the run (steps after
    80 % of the last measured step) is compared with the best value before
    it; the run has converged when the relative improvement is below
    `tolerance`.

    Args:
        curve: `[(step, value), ...]` in step order.
        mode: "min" (lower is better) or "max".
        tolerance: relative improvement below which the run has converged.
        min_points: measurements needed before the rule is applied.

    Returns:
        bool.

    Example:
    >>> has_converged([(1, 10.0), (2, 8.0), (3, 7.0), (4, 6.9), (5, 6.95)])
    True
    """
    if mode not in ("min", "max"):
        raise ValueError(f"`mode` must be 'min' or 'max'. Received: mode={mode!r}")
    if len(curve) < min_points:
        return False
    cut = (1.0 - CONVERGENCE_WINDOW) * curve[-1][0]
    before = [v for s, v in curve if s <= cut]
    window = [v for s, v in curve if s > cut]
    if not before or not window:
        return False
    best = min if mode == "min" else max
    old, new = best(before), best(window)
    gain = old - new if mode == "min" else new - old
    return gain < tolerance * abs(old)


@functools.lru_cache(maxsize=4)
def _validation_set(limit, data_dir):
    return fashion_mnist_arrays("validation", limit, labels=True, path=data_dir)


@functools.lru_cache(maxsize=4)
def _validation_features(limit, data_dir):
    return metrics.extract_features(_validation_set(limit, data_dir)[0])


def _fashion_only(measure):
    @functools.wraps(measure)
    def wrapped(model, options):
        if options.get("dataset", "fashion_mnist") != "fashion_mnist":
            return None
        limit = 256 if options.get("smoke") else None
        return float(measure(model, limit, options.get("data_dir"), 64 if options.get("smoke") else SAMPLES))
    return wrapped


@_fashion_only
def sample_fid(model, limit, data_dir, n):
    """FID (evaluator features) between `n` prior samples (classes cycled for
    a conditional model) and the validation images."""
    conditions = None
    if model.is_conditional:
        conditions = np.eye(model.num_classes, dtype="float32")[np.arange(n) % model.num_classes]
    samples = model.generate(n, conditions=conditions, seed=0)
    return metrics.frechet_distance(_validation_features(limit, data_dir), metrics.extract_features(samples))


@_fashion_only
def reconstruction_fid(model, limit, data_dir, n):
    """FID (evaluator features) between the reconstructions of the first `n`
    validation images and the validation images."""
    x = _validation_set(limit, data_dir)[0][:n]
    return metrics.frechet_distance(_validation_features(limit, data_dir),
                                    metrics.extract_features(model.reconstruct(x)))


@_fashion_only
def reconstruction_mse(model, limit, data_dir, n):
    """Pixel MSE of the reconstructions of the first `n` validation images."""
    x = _validation_set(limit, data_dir)[0][:n]
    return float(np.mean((model.reconstruct(x) - x) ** 2))


@_fashion_only
def clustering_accuracy(model, limit, data_dir, n):
    """Clustering accuracy (best cluster-to-class map) on the validation images."""
    x, y = _validation_set(limit, data_dir)
    return metrics.clustering_accuracy(y, model.predict_clusters(x))


@_fashion_only
def noise_class_agreement(model, limit, data_dir, n):
    """Class agreement (evaluator) between the first `NOISE_INPUTS` validation
    images and their reconstructions under `NOISE_DRAWS` decoder-noise draws
    (an implicit autoencoder's `vary_noise`, fixed noises): the IAE paper's
    claim that the code keeps the class while the noise changes details. A
    decoder that ignores its code scores about 1 / num_classes."""
    x = _validation_set(limit, data_dir)[0][:min(n, NOISE_INPUTS)]
    return metrics.class_agreement(x, model.vary_noise(x, num_samples=NOISE_DRAWS, seed=0))

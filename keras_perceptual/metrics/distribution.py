"""Distances between the feature distributions of two image sets: Fréchet
distance (FID) and kernel distance (KID), in the feature space of a Keras
model (by default the zoo's Fashion-MNIST evaluator, `features` layer: a
network no preset trains against).

Scores computed with the default feature model are comparable with each
other only, never with Inception-based FID/KID of the literature.
"""

import warnings

import numpy as np
from scipy import linalg

import keras_perceptual.validation as validation
from keras_perceptual.metrics.features import DEFAULT_LAYER
from keras_perceptual.metrics.features import extract_features


def _check_features(features, name, min_samples=2):
    array = validation.expect_array(name, features, dtype="float64")
    if array.ndim != 2 or array.shape[1] == 0 or len(array) < min_samples:
        raise validation.fail(name, f"a 2-D array `(n, d)` of features with n >= {min_samples} and d >= 1",
                              f"an array of shape {array.shape}")
    return array


def _check_pair(real, fake, min_samples=2):
    real = _check_features(real, "real_features", min_samples)
    fake = _check_features(fake, "fake_features", min_samples)
    if real.shape[1] != fake.shape[1]:
        raise ValueError(
            "`real_features` and `fake_features` must have the same feature dimension. "
            f"Received: real_features.shape={real.shape}, fake_features.shape={fake.shape}"
        )
    return real, fake


def _sqrtm(matrix):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", linalg.LinAlgWarning)
        return linalg.sqrtm(matrix)


def frechet_distance_from_statistics(mu1, sigma1, mu2, sigma2, eps=1e-6):
    """`|mu1 - mu2|^2 + Tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^(1/2))`, the
    Fréchet distance between `N(mu1, sigma1)` and `N(mu2, sigma2)`.

    When the matrix square root is not finite (near-singular products),
    `eps` is added to both diagonals first, as in pytorch-fid; its imaginary
    part (numerical noise) is dropped."""
    mu1, mu2 = np.atleast_1d(mu1).astype("float64"), np.atleast_1d(mu2).astype("float64")
    sigma1, sigma2 = np.atleast_2d(sigma1).astype("float64"), np.atleast_2d(sigma2).astype("float64")
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape or sigma1.shape != mu1.shape * 2:
        raise ValueError(
            "Means and covariances must agree in dimension. Received: "
            f"mu1 {mu1.shape}, sigma1 {sigma1.shape}, mu2 {mu2.shape}, sigma2 {sigma2.shape}"
        )
    diff = mu1 - mu2
    covmean = _sqrtm(sigma1 @ sigma2)
    if not np.all(np.isfinite(covmean)):
        offset = np.eye(len(sigma1)) * eps
        covmean = _sqrtm((sigma1 + offset) @ (sigma2 + offset))
    covmean = np.real(covmean)
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * np.trace(covmean))


def frechet_distance(real_features, fake_features):
    """Fréchet distance between Gaussians fitted to two feature sets (FID
    when the features are a network's activations).

    Args:
        real_features: array `(n1, d)`, n1 >= 2.
        fake_features: array `(n2, d)`, n2 >= 2.

    Returns:
        A float >= 0 (up to rounding): `|mu_r - mu_f|^2 + Tr(S_r + S_f -
        2 (S_r S_f)^(1/2))`, with the sample covariances (ddof 1). The
        matrix square root is `scipy.linalg.sqrtm`, its real part; when it
        is not finite, 1e-6 is added to both diagonals (pytorch-fid).

    Example:
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(2000, 4))
    >>> round(frechet_distance(x, x + 1.0), 6)   # |shift|^2 = 4
    4.0

    Reference:
        Heusel et al., "GANs Trained by a Two Time-Scale Update Rule Converge
        to a Local Nash Equilibrium", NIPS 2017; pytorch-fid.
    """
    real, fake = _check_pair(real_features, fake_features)
    return frechet_distance_from_statistics(
        real.mean(0), np.cov(real, rowvar=False), fake.mean(0), np.cov(fake, rowvar=False)
    )


def polynomial_kernel(x, y):
    """`(x . y / d + 1)^3`, the KID kernel, for rows of `x` `(n, d)` and `y` `(m, d)`."""
    return (x @ y.T / x.shape[1] + 1.0) ** 3


def polynomial_mmd2(x, y):
    """Unbiased MMD^2 estimate between two equal-size samples `(m, d)` with
    the cubic polynomial kernel: within-set sums exclude the diagonal
    (`/(m(m-1))`), the cross term averages all `m^2` pairs (Bińkowski et
    al.'s and torch-fidelity's estimator)."""
    m = len(x)
    k_xx, k_yy, k_xy = polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y)
    within = (k_xx.sum() - np.trace(k_xx) + k_yy.sum() - np.trace(k_yy)) / (m * (m - 1))
    return float(within - 2.0 * k_xy.sum() / (m * m))


def _check_subsets(num_subsets, subset_size):
    validation.expect_int("num_subsets", num_subsets, minimum=1)
    validation.expect_int("subset_size", subset_size, minimum=2)


def kernel_distance(real_features, fake_features, num_subsets=10, subset_size=1000, seed=0):
    """Kernel distance (KID): unbiased MMD^2 with the kernel
    `k(x, y) = (x . y / d + 1)^3`, averaged over random subsets.

    Each of `num_subsets` rounds draws `m = min(subset_size, n1, n2)`
    features of each set without replacement (`np.random.RandomState(seed)`,
    as torch-fidelity) and computes the unbiased MMD^2 estimate. Being
    unbiased, it can be slightly negative when both sets come from the same
    distribution.

    Args:
        real_features: array `(n1, d)`.
        fake_features: array `(n2, d)`; min(n1, n2) >= 2.
        num_subsets: int >= 1, the number of subsets averaged.
        subset_size: int >= 2, features per set in a subset (lowered to
            min(n1, n2) when larger, as in the reference code).
        seed: seed of the subset draws.

    Returns:
        `(mean, std)` over the subsets (std with ddof 0, as torch-fidelity).

    Example:
    >>> rng = np.random.default_rng(0)
    >>> mean, std = kernel_distance(rng.normal(size=(500, 8)), rng.normal(size=(500, 8)))
    >>> abs(mean) < 0.01
    True

    Reference:
        Bińkowski, Sutherland, Arbel, Gretton, "Demystifying MMD GANs",
        ICLR 2018; torch-fidelity's `kid`.
    """
    _check_subsets(num_subsets, subset_size)
    seed = validation.expect_seed("seed", seed)
    real, fake = _check_pair(real_features, fake_features)
    m = min(int(subset_size), len(real), len(fake))
    rng = np.random.RandomState(seed)
    values = []
    for _ in range(int(num_subsets)):
        x = real[rng.choice(len(real), m, replace=False)]
        y = fake[rng.choice(len(fake), m, replace=False)]
        values.append(polynomial_mmd2(x, y))
    return float(np.mean(values)), float(np.std(values))


def fid(real_images, fake_images, feature_model=None, layer=DEFAULT_LAYER, batch_size=500, verbose=False):
    """Fréchet distance between the features of two image sets
    (`extract_features` then `frechet_distance`).

    Args:
        real_images, fake_images: float32 arrays `(n, h, w, c)` in [-1, 1],
            at least 2 images each (a stable estimate needs many more than
            the feature dimension: thousands for a few hundred features).
        feature_model: a `keras.Model`; None: the zoo's Fashion-MNIST
            evaluator (preset "fashion_mnist_evaluator").
        layer: the feature layer (None: the model's output).
        batch_size: images per forward pass.
        verbose: progress bars over the batches.

    Returns:
        A float.

    Example:
    >>> score = fid(test_images, model.generate(10000))
    """
    real = extract_features(real_images, feature_model, layer, batch_size, verbose)
    fake = extract_features(fake_images, feature_model, layer, batch_size, verbose)
    return frechet_distance(real, fake)


def kid(real_images, fake_images, feature_model=None, layer=DEFAULT_LAYER, batch_size=500,
        num_subsets=10, subset_size=1000, seed=0, verbose=False):
    """Kernel distance between the features of two image sets
    (`extract_features` then `kernel_distance`).

    Args:
        real_images, fake_images: float32 arrays `(n, h, w, c)` in [-1, 1].
        feature_model: a `keras.Model`; None: the zoo's Fashion-MNIST
            evaluator (preset "fashion_mnist_evaluator").
        layer: the feature layer (None: the model's output).
        batch_size: images per forward pass.
        num_subsets, subset_size, seed: see `kernel_distance`.
        verbose: progress bars over the batches.

    Returns:
        `(mean, std)` over the subsets.

    Example:
    >>> mean, std = kid(test_images, model.generate(10000))
    """
    _check_subsets(num_subsets, subset_size)
    real = extract_features(real_images, feature_model, layer, batch_size, verbose)
    fake = extract_features(fake_images, feature_model, layer, batch_size, verbose)
    return kernel_distance(real, fake, num_subsets, subset_size, seed)

"""Pixel-space comparisons of images `(n, h, w, c)` in [-1, 1]: MSE, PSNR and
SSIM (scikit-image's), and the sharpness (mean gradient magnitude) of a set of images."""

import numpy as np
from skimage.metrics import peak_signal_noise_ratio
from skimage.metrics import structural_similarity

import keras_perceptual.validation as validation
from keras_perceptual.metrics.features import check_image_batch

SSIM_SIGMA = 1.5
SSIM_WINDOW = 11  # skimage's Gaussian window for sigma 1.5: radius int(3.5 * 1.5 + 0.5) = 5


def _check_pair(a, b):
    a = check_image_batch(a, "a", "float64")
    b = check_image_batch(b, "b", "float64")
    if a.shape != b.shape:
        raise validation.fail("b", f"images of the shape of `a`, {a.shape}", f"an array of shape {b.shape}")
    return a, b


def _check_data_range(data_range):
    return validation.expect_float("data_range", data_range, above=0)


def mse(a, b):
    """Mean squared error over all pixels of two image sets.

    Args:
        a, b: arrays `(n, h, w, c)` of the same shape.

    Returns:
        A float.

    Example:
    >>> mse(np.zeros((1, 2, 2, 1)), np.ones((1, 2, 2, 1)))
    1.0
    """
    a, b = _check_pair(a, b)
    return float(np.mean((a - b) ** 2))


def psnr(a, b, data_range=2.0):
    """Peak signal-to-noise ratio, `10 log10(data_range^2 / MSE)` per image
    (`skimage.metrics.peak_signal_noise_ratio`), averaged over images.

    Args:
        a, b: arrays `(n, h, w, c)` of the same shape (`a` the reference).
        data_range: max - min of the value range (2 for [-1, 1]).

    Returns:
        A float in dB; `inf` when some pair of images is identical (its MSE
        is 0), since the mean then includes an infinite term.

    Example:
    >>> x = np.zeros((1, 4, 4, 1))
    >>> round(psnr(x, x + 0.2), 6)   # 10 log10(4 / 0.04)
    20.0
    """
    a, b = _check_pair(a, b)
    data_range = _check_data_range(data_range)
    with np.errstate(divide="ignore"):
        values = [peak_signal_noise_ratio(x, y, data_range=data_range) for x, y in zip(a, b)]
    return float(np.mean(values))


def ssim_per_image(a, b, data_range=2.0):
    """SSIM of each image pair, `(n,)` (see `ssim`)."""
    a, b = _check_pair(a, b)
    data_range = _check_data_range(data_range)
    if min(a.shape[1:3]) < SSIM_WINDOW:
        raise ValueError(
            f"SSIM's {SSIM_WINDOW}x{SSIM_WINDOW} Gaussian window needs images of at least that size. "
            f"Received: a.shape={a.shape}"
        )
    return np.array([
        structural_similarity(x, y, gaussian_weights=True, sigma=SSIM_SIGMA, use_sample_covariance=False,
                              data_range=data_range, channel_axis=-1)
        for x, y in zip(a, b)
    ])


def ssim(a, b, data_range=2.0):
    """Mean structural similarity of image pairs.

    The standard SSIM of Wang et al. as scikit-image computes it
    (`skimage.metrics.structural_similarity` with `gaussian_weights=True,
    sigma=1.5, use_sample_covariance=False`, the paper's settings): local
    statistics under an 11x11 Gaussian window, K1 = 0.01, K2 = 0.03, per
    channel, the map averaged away from the borders, then over images.

    Args:
        a, b: arrays `(n, h, w, c)` of the same shape, h and w >= 11.
        data_range: max - min of the value range (2 for [-1, 1]).

    Returns:
        A float <= 1 (1 for identical images).

    Example:
    >>> x = np.random.default_rng(0).uniform(-1, 1, (4, 28, 28, 1))
    >>> round(ssim(x, x), 6), ssim(x, -x) < 0
    (1.0, True)

    Reference:
        Wang, Bovik, Sheikh, Simoncelli, "Image quality assessment: from
        error visibility to structural similarity", IEEE TIP 2004.
    """
    return float(np.mean(ssim_per_image(a, b, data_range)))


def sharpness(images):
    """Mean absolute horizontal plus vertical difference between neighbouring
    pixels, `mean|dx| + mean|dy|`: a blur measure (blurrier images score
    lower). Compare a model's reconstructions with the data's own value.

    Args:
        images: array `(n, h, w, c)`, h and w >= 2.

    Returns:
        A float >= 0.

    Example:
    >>> sharpness(reconstructions) / sharpness(originals)   # < 1: blurrier than the data
    """
    images = check_image_batch(images, "images", "float64")
    if min(images.shape[1:3]) < 2:
        raise ValueError(f"`images` must be at least 2x2 pixels. Received: images.shape={images.shape}")
    dx = np.abs(np.diff(images, axis=2)).mean()
    dy = np.abs(np.diff(images, axis=1)).mean()
    return float(dx + dy)

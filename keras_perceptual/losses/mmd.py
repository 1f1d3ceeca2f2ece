"""Maximum mean discrepancy between codes and prior samples (WAE-MMD)."""

import keras
from keras import ops

import keras_perceptual.validation as validation
from keras_perceptual.losses.base import LossFunctionWrapper
from keras_perceptual.losses.base import check_choice

WAE_SCALES = (0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0)
KERNELS = ("imq", "rbf")


def _check_mmd_args(kernel, scales, prior_variance):
    check_choice("kernel", kernel, KERNELS)
    array = validation.expect_array("scales", scales, dtype="float64")
    if array.ndim != 1 or not array.size or array.min() <= 0:
        raise validation.fail("scales", "a non-empty sequence of numbers > 0", f"scales={scales!r}")
    validation.expect_float("prior_variance", prior_variance, above=0)
    return tuple(float(s) for s in array)


def _squared_distances(a, b):
    aa = ops.sum(ops.square(a), axis=-1, keepdims=True)
    bb = ops.sum(ops.square(b), axis=-1, keepdims=True)
    d = aa + ops.transpose(bb) - 2.0 * ops.matmul(a, ops.transpose(b))
    return ops.maximum(d, 0.0)


def _kernel_sum(d, kernel, scales, base):
    out = 0.0
    for s in scales:
        c = base * s
        if kernel == "imq":
            out = out + c / (c + d)
        else:
            out = out + ops.exp(-d / c)
    return out


def mmd(x, y, kernel="imq", scales=WAE_SCALES, prior_variance=1.0):
    """Unbiased estimate of MMD^2 between samples `x` and `y` (U-statistic).

    `MMD^2 = E k(x, x') + E k(y, y') - 2 E k(x, y)`, with the within-sample
    means taken over distinct pairs (the diagonal excluded) and the cross
    term over all pairs. Non-negative in expectation, zero when both samples
    come from one distribution: minimise `+lambda * mmd(codes, prior)`.

    With `d` the code size and `C = 2 * d * prior_variance` (WAE's
    `2 d sigma_z^2`, the expected squared distance of two prior samples):

    - "imq": `sum_s  sC / (sC + ||x - y||^2)` over `s` in `scales`
      (Tolstikhin et al.'s inverse multiquadratic kernel).
    - "rbf": `sum_s  exp(-||x - y||^2 / (sC))`, i.e. a Gaussian kernel of
      variance `s * d * prior_variance`: the bandwidth is scaled by `d`
      once (some public code divides by `d` twice).

    Args:
        x: `(n, d)` codes, n >= 2.
        y: `(m, d)` prior samples, m >= 2.
        kernel: "imq" or "rbf".
        scales: multipliers of `C` (WAE: 0.1, 0.2, 0.5, 1, 2, 5, 10).
        prior_variance: per-coordinate variance sigma_z^2 of the prior.

    Returns:
        A float32 scalar.

    Reference:
        Tolstikhin, Bousquet, Gelly, Schoelkopf, "Wasserstein Auto-Encoders",
        ICLR 2018, arXiv:1711.01558; Gretton et al., "A Kernel Two-Sample
        Test", JMLR 2012 (eq. 3).
    """
    scales = _check_mmd_args(kernel, scales, prior_variance)
    x = ops.cast(ops.convert_to_tensor(x), "float32")
    y = ops.cast(ops.convert_to_tensor(y), "float32")
    if len(x.shape) != 2 or len(y.shape) != 2 or x.shape[-1] != y.shape[-1]:
        raise ValueError(
            "`x` and `y` must be (n, d) and (m, d) with the same d. Received: "
            f"x.shape={tuple(x.shape)}, y.shape={tuple(y.shape)}"
        )
    for name, t in (("x", x), ("y", y)):
        if t.shape[0] is not None and t.shape[0] < 2:
            raise ValueError(f"`{name}` needs at least 2 samples. Received: {name}.shape={tuple(t.shape)}")
    d = x.shape[-1]
    base = 2.0 * d * float(prior_variance)
    n = ops.cast(ops.shape(x)[0], "float32")
    m = ops.cast(ops.shape(y)[0], "float32")
    k_xx = _kernel_sum(_squared_distances(x, x), kernel, scales, base)
    k_yy = _kernel_sum(_squared_distances(y, y), kernel, scales, base)
    k_xy = _kernel_sum(_squared_distances(x, y), kernel, scales, base)
    # Every kernel here has k(a, a) = len(scales): remove the diagonals exactly.
    diag = float(len(scales))
    xx = (ops.sum(k_xx) - n * diag) / (n * (n - 1.0))
    yy = (ops.sum(k_yy) - m * diag) / (m * (m - 1.0))
    xy = ops.sum(k_xy) / (n * m)
    return xx + yy - 2.0 * xy


def _mmd_of_codes(y_true, y_pred, kernel, scales, prior_variance):
    return mmd(y_pred, y_true, kernel, scales, prior_variance)


@keras.saving.register_keras_serializable(package="keras_perceptual")
class MMDLoss(LossFunctionWrapper):
    """`mmd(y_pred, y_true)` as a Keras loss: `y_pred` holds the codes,
    `y_true` samples of the prior (any batch size >= 2). The value is a batch
    statistic (a scalar), not a per-sample loss.

    Args:
        kernel: "imq" (default) or "rbf".
        scales: kernel scales (default: WAE's seven).
        prior_variance: per-coordinate variance of the prior.
        name, reduction, dtype: as in `keras.losses.Loss`.

    Example:
    >>> loss = MMDLoss()
    >>> value = loss(prior.sample(64), codes)

    Reference:
        Tolstikhin et al., "Wasserstein Auto-Encoders", ICLR 2018.
    """

    def __init__(self, kernel="imq", scales=WAE_SCALES, prior_variance=1.0, name="mmd",
                 reduction="sum_over_batch_size", dtype=None):
        scales = _check_mmd_args(kernel, scales, prior_variance)
        super().__init__(_mmd_of_codes, name=name, reduction=reduction, dtype=dtype,
                         kernel=kernel, scales=list(scales), prior_variance=float(prior_variance))

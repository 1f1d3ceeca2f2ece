import keras
import numpy as np
import pytest
from keras import ops

from keras_perceptual import losses
from keras_perceptual.losses.mmd import WAE_SCALES
from tests.helpers import run_loss_test


def numpy_mmd(x, y, kernel="imq", scales=WAE_SCALES, prior_variance=1.0):
    """Direct U-statistic, double loops written with explicit differences."""
    x = np.asarray(x, "float64")
    y = np.asarray(y, "float64")
    d = x.shape[1]
    base = 2.0 * d * prior_variance

    def k(a, b):
        sq = np.sum((a - b) ** 2)
        if kernel == "imq":
            return sum(s * base / (s * base + sq) for s in scales)
        return sum(np.exp(-sq / (s * base)) for s in scales)

    n, m = len(x), len(y)
    xx = sum(k(x[i], x[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    yy = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    xy = sum(k(x[i], y[j]) for i in range(n) for j in range(m)) / (n * m)
    return xx + yy - 2 * xy


@pytest.mark.parametrize("kernel", ["imq", "rbf"])
@pytest.mark.parametrize("shift,variance", [(0.0, 1.0), (1.5, 1.0), (0.5, 4.0)])
def test_matches_numpy(kernel, shift, variance):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((24, 8)) + shift).astype("float32")
    y = (2.0 * rng.standard_normal((17, 8))).astype("float32")
    got = float(ops.convert_to_numpy(losses.mmd(x, y, kernel=kernel, prior_variance=variance)))
    want = numpy_mmd(x, y, kernel, prior_variance=variance)
    np.testing.assert_allclose(got, want, atol=1e-5, rtol=0)


def test_custom_scales_match_numpy():
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((2, 16, 3)).astype("float32")
    got = float(ops.convert_to_numpy(losses.mmd(x, y, scales=(0.5, 3.0))))
    np.testing.assert_allclose(got, numpy_mmd(x, y, scales=(0.5, 3.0)), atol=1e-5)


def test_sign_and_unbiasedness():
    rng = np.random.default_rng(2)
    same = np.array([float(ops.convert_to_numpy(losses.mmd(rng.standard_normal((32, 4)),
                                                           rng.standard_normal((32, 4)))))
                     for _ in range(200)])
    # Unbiased: centred on 0 (individual estimates are often negative); a
    # V-statistic would sit about 2 * 7 / 32 * (1 - E k) above it.
    stderr = same.std() / np.sqrt(len(same))
    assert abs(same.mean()) < 4 * stderr
    assert (same < 0).mean() > 0.2
    far = float(ops.convert_to_numpy(losses.mmd(rng.standard_normal((32, 4)) + 3.0, rng.standard_normal((32, 4)))))
    assert far > 0.5
    assert far > 10 * max(abs(v) for v in same)


def test_loss_trains_codes_toward_prior():
    """MMDLoss inside compile/fit moves shifted codes onto the prior (sign)."""
    rng = np.random.default_rng(3)
    prior = rng.standard_normal((256, 2)).astype("float32")
    codes = (rng.standard_normal((256, 2)) + 3.0).astype("float32")
    shift = keras.layers.Dense(2, kernel_initializer="identity", bias_initializer="zeros")
    model = keras.Sequential([keras.Input((2,)), shift])
    model.compile(optimizer=keras.optimizers.Adam(0.1), loss=losses.MMDLoss(), jit_compile=False)
    history = model.fit(codes, prior, batch_size=64, epochs=8, shuffle=False, verbose=0)
    first, last = history.history["loss"][0], history.history["loss"][-1]
    assert last < 0.25 * first
    moved = model.predict(codes, verbose=0).mean(0)
    assert np.all(np.abs(moved) < 1.0), moved


def test_loss_class_round_trip():
    rng = np.random.default_rng(4)
    prior = rng.standard_normal((32, 5)).astype("float32")
    codes = (rng.standard_normal((32, 5)) + 1.0).astype("float32")
    loss = losses.MMDLoss(kernel="rbf", scales=(1.0, 2.0), prior_variance=2.0)
    value = run_loss_test(loss, prior, codes)
    want = numpy_mmd(codes, prior, "rbf", (1.0, 2.0), 2.0)
    np.testing.assert_allclose(float(ops.convert_to_numpy(value)), want, atol=1e-5)
    assert loss.get_config()["scales"] == [1.0, 2.0]


def test_bad_input():
    x = np.zeros((4, 3), "float32")
    with pytest.raises(ValueError, match="kernel"):
        losses.mmd(x, x, kernel="laplace")
    with pytest.raises(ValueError, match="scales"):
        losses.mmd(x, x, scales=(0.0,))
    with pytest.raises(ValueError, match="same d"):
        losses.mmd(x, np.zeros((4, 2), "float32"))
    with pytest.raises(ValueError, match="at least 2"):
        losses.mmd(x[:1], x)
    with pytest.raises(ValueError, match="prior_variance"):
        losses.MMDLoss(prior_variance=0.0)

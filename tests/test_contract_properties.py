"""Property tests of the one validation layer: whatever array (any shape,
dtype, NaN, Inf, huge values, strings, empty) reaches the contract or FID,
the answer is either right (finite, right shape, images in [-1, 1]) or a
`ValueError`; never NaN output, never another exception type."""

import numpy as np
import pytest
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from keras_perceptual import metrics
from tests.test_vaegan import tiny_vaegan

settings.register_profile("contract", max_examples=25, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
PROFILE = settings.get_profile("contract")
IMAGE_SHAPE = (28, 28, 1)

_model = None


def model():
    global _model
    if _model is None:
        _model = tiny_vaegan()
    return _model


FILLS = st.sampled_from([0.0, 0.5, -1.0, 1.0, 1.0004, 2.0, -7.0, 255.0, 1e30, np.nan, np.inf, -np.inf])
DTYPES = st.sampled_from(["float32", "float64", "float16", "uint8", "int32", "int64", "bool", "<U1", "object"])


@st.composite
def arrays(draw, shapes):
    """An array of a drawn shape and dtype: random values in [-1, 1] with a
    few cells set to a drawn special value."""
    shape = draw(shapes)
    dtype = draw(DTYPES)
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    values = rng.uniform(-1, 1, shape)
    if values.size and draw(st.booleans()):
        values.reshape(-1)[rng.integers(0, values.size, 3)] = draw(FILLS)
    if dtype == "<U1":
        return np.full(shape, "a")
    if dtype == "object":
        return np.full(shape, None, dtype=object)
    with np.errstate(invalid="ignore", over="ignore"):
        return values.astype(dtype)


def image_shapes():
    near = st.tuples(st.integers(0, 3), st.sampled_from([27, 28]), st.sampled_from([28, 32]),
                     st.sampled_from([1, 3]))
    right = st.tuples(st.integers(0, 3), st.just(28), st.just(28), st.just(1))
    other = st.lists(st.integers(0, 4), min_size=0, max_size=5).map(tuple)
    return st.one_of(right, right, near, other)


def code_shapes():
    return st.one_of(st.tuples(st.integers(0, 3), st.just(4)), st.lists(st.integers(0, 5), max_size=3).map(tuple))


def right_or_value_error(call, expected_shape, unit_range):
    try:
        out = call()
    except ValueError as e:
        assert "Expected `" in str(e) and "received" in str(e), str(e)
        return None
    out = np.asarray(out)
    assert out.shape == expected_shape
    assert np.all(np.isfinite(out)), "NaN/Inf output"
    if unit_range:
        assert np.all(np.abs(out) <= 1.0 + 1e-6)
    return out


@PROFILE
@given(arrays(image_shapes()))
def test_encode_and_reconstruct(x):
    m = model()
    right_or_value_error(lambda: m.encode(x), (len(x) if x.ndim else 0,) + m.code_shape, False)
    right_or_value_error(lambda: m.reconstruct(x), (len(x) if x.ndim else 0,) + IMAGE_SHAPE, True)


@PROFILE
@given(arrays(code_shapes()))
def test_decode(z):
    m = model()
    right_or_value_error(lambda: m.decode(z), (len(z) if z.ndim else 0,) + IMAGE_SHAPE, True)


COUNTS = st.one_of(st.integers(-3, 5), st.sampled_from([10**9, 2**63, 2.0, 1.5, "3", None, True, np.int64(2)]))
SEEDS = st.one_of(st.none(), st.integers(-2, 2**33), st.sampled_from(["abc", 1.5, [1], np.uint32(7)]))


@PROFILE
@given(COUNTS, SEEDS, st.one_of(st.none(), st.integers(-1, 3), st.just("2")))
def test_generate(n, seed, batch_size):
    m = model()
    expected = (int(n) if isinstance(n, (int, np.integer)) and not isinstance(n, bool) else -1,) + IMAGE_SHAPE
    right_or_value_error(lambda: m.generate(n, seed=seed, batch_size=batch_size), expected, True)


@PROFILE
@given(arrays(st.sampled_from([(4,), (28, 28, 1), (5,), (1, 4), ()])), arrays(st.sampled_from([(4,), (28, 28, 1)])),
       st.one_of(st.integers(-1, 5), st.just(2.0)))
def test_interpolate(start, end, steps):
    m = model()
    expected = (steps if isinstance(steps, int) else -1,) + IMAGE_SHAPE
    right_or_value_error(lambda: m.interpolate(start, end, steps=steps), expected, True)


@pytest.fixture(scope="module")
def fid():
    return metrics.FID()


@PROFILE
@given(arrays(image_shapes()))
def test_fid_update_state(fid, x):
    fid.reset_state()
    try:
        fid.update_state(real=x, fake=x)
    except ValueError as e:
        assert "Expected `" in str(e) and "received" in str(e), str(e)
        return
    value = float(fid.result())
    assert len(x) < 2 or np.isfinite(value)

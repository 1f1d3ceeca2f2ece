"""Mixed precision as it is on each backend (the README's "Mixed precision"
section): `mixed_bfloat16` trains a plain Conv2D model and the zoo's
VAE/GAN on all three backends. PyTorch's CPU build (2.13.0) trains the VAE/GAN
in bfloat16 only where oneDNN has bfloat16 kernels (CPUs with AVX-512 BF16);
elsewhere its fallback convolution fails with `slow_conv2d: grad_weight must
be contiguous`, which docs/scaling.md says. The test expects that failure there
(strict: if PyTorch fixes it, the test fails until the docs are updated)."""

import keras
import numpy as np
import pytest

import keras_perceptual as kp
from tests.helpers import xfail_bfloat16_on_torch_cpu_without_kernels

BACKEND = keras.backend.backend()


@pytest.fixture
def mixed_bfloat16():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy("float32")


def images(n=8):
    return np.random.default_rng(0).uniform(-1, 1, (n, 28, 28, 1)).astype("float32")


def fit_plain_conv2d():
    """One step of a plain Keras Conv2D model: no keras_perceptual code."""
    inputs = keras.Input((28, 28, 1))
    outputs = keras.layers.Conv2D(1, 3, padding="same", dtype="float32")(keras.layers.Conv2D(4, 3, padding="same")(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="sgd", loss="mse")
    x = images()
    return model.fit(x, x, batch_size=8, epochs=1, verbose=0)


def fit_vaegan():
    nets = kp.networks.vaegan_networks("small28", channels=1, latent_dim=4)
    model = kp.VAEGAN(**nets, gamma=1e-3, seed=0)
    model.compile(optimizer=keras.optimizers.RMSprop(1e-4))
    return model, model.fit(images(), batch_size=8, epochs=1, verbose=0)


def test_mixed_bfloat16_plain_conv2d_trains(mixed_bfloat16):
    history = fit_plain_conv2d()
    assert np.isfinite(history.history["loss"][0])


@xfail_bfloat16_on_torch_cpu_without_kernels
def test_mixed_bfloat16_vaegan_trains(mixed_bfloat16):
    model, history = fit_vaegan()
    assert nets_compute_dtype(model) == "bfloat16"
    assert all(np.isfinite(v[0]) for v in history.history.values())


def nets_compute_dtype(model):
    return model.encoder.layers[1].dtype_policy.compute_dtype

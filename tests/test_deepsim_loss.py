import inspect
import os

import keras
import numpy as np
import pytest
from keras import ops

import keras_perceptual as kp
from keras_perceptual.losses import DeePSiMLoss
from keras_perceptual.losses import deepsim_loss
from tests.helpers import assert_close
from tests.helpers import run_loss_test
from tests.test_comparators import tiny_comparator


def _np(x):
    return ops.convert_to_numpy(x)


def _pair(random_images, n=4, size=28):
    return random_images(n, size=size, seed=1), random_images(n, size=size, seed=2)


def _preset_comparator():
    """A comparator whose weights are named by reference in its config: the
    classifier preset, so a saved loss reloads with the same weights."""
    return kp.comparators.fashion_mnist_comparator(weights="fashion_mnist_classifier")


def test_value_matches_formula(random_images):
    comp = tiny_comparator()
    y, p = _pair(random_images)
    got = _np(deepsim_loss(y, p, comp, feature_weights=[0.5, 2.0], lambda_feat=3.0, lambda_img=0.7))
    ft, fp = [_np(f) for f in comp(y)], [_np(f) for f in comp(p)]
    feat = 0.5 * ((ft[0] - fp[0]) ** 2).mean(axis=(1, 2, 3)) + 2.0 * ((ft[1] - fp[1]) ** 2).mean(axis=(1, 2, 3))
    expected = 3.0 * feat + 0.7 * ((y - p) ** 2).mean(axis=(1, 2, 3))
    assert got.shape == (4,)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-6)
    assert np.all(_np(deepsim_loss(y, y, comp)) < 1e-10)


def test_feature_weights_select_layers(random_images):
    comp = tiny_comparator()
    y, p = _pair(random_images)
    only_second = _np(deepsim_loss(y, p, comp, feature_weights=[0.0, 1.0], lambda_img=0.0))
    second = kp.comparators.feature_extractor(comp.backbone_model, ["c2"])
    np.testing.assert_allclose(only_second, _np(deepsim_loss(y, p, second, lambda_img=0.0)), rtol=1e-5)


def test_adversarial_term(random_images):
    comp = tiny_comparator()
    y, p = _pair(random_images)
    disc = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(), keras.layers.Dense(1)])
    base = _np(deepsim_loss(y, p, comp))
    logits = _np(disc(p))[:, 0]
    with_adv = _np(deepsim_loss(y, p, comp, discriminator=disc, lambda_adv=0.5))
    np.testing.assert_allclose(with_adv - base, 0.5 * np.logaddexp(0.0, -logits), rtol=1e-4, atol=1e-6)
    # The paper's two-branch discriminator gets C(y) of the last layer.
    img = keras.Input((28, 28, 1))
    feat = keras.Input((14 * 14 * 6,))
    h = keras.layers.Concatenate()([keras.layers.Flatten()(img), feat])
    disc2 = keras.Model([img, feat], keras.layers.Dense(1)(h))
    assert np.all(np.isfinite(_np(deepsim_loss(y, p, comp, discriminator=disc2))))


def test_bad_input(random_images):
    comp = tiny_comparator()
    y, p = _pair(random_images)
    with pytest.raises(ValueError, match="lambda_feat"):
        DeePSiMLoss(comp, lambda_feat=-1.0)
    with pytest.raises(ValueError, match="lambda_adv"):
        deepsim_loss(y, p, comp, lambda_adv=-0.1)
    with pytest.raises(ValueError, match="same shape"):
        deepsim_loss(y, p[:, :14, :14], comp)
    with pytest.raises(ValueError, match="compares images of shape"):
        deepsim_loss(*_pair(random_images, size=32), comp)
    with pytest.raises(ValueError, match="feature_weights"):
        DeePSiMLoss(comp, feature_weights=[1.0])
    with pytest.raises(ValueError, match="adversarial_mode"):
        DeePSiMLoss(comp, adversarial_mode="hinge")


def test_loss_class_round_trip_and_sample_weights(random_images):
    comp = _preset_comparator()
    y, p = _pair(random_images)
    loss = DeePSiMLoss(comp, feature_weights=[1.0, 0.5], lambda_img=0.2)
    value = run_loss_test(loss, y, p)
    per_sample = _np(deepsim_loss(y, p, comp, feature_weights=[1.0, 0.5], lambda_img=0.2))
    assert_close(value, per_sample.mean())
    w = np.array([1.0, 0.0, 2.0, 0.0], "float32")
    assert_close(loss(y, p, sample_weight=w), (per_sample * w).sum() / 4, rtol=1e-5)
    config = loss.get_config()
    assert config["comparator"]["config"]["weights"] == "fashion_mnist_classifier"
    assert set(config) == set(inspect.signature(DeePSiMLoss).parameters)
    assert loss.lambda_img == 0.2 and loss.feature_weights == [1.0, 0.5]


def test_function_and_class_check_alike(random_images):
    """One check serves the function and the class: same errors, same words."""
    comp = tiny_comparator()
    y, p = _pair(random_images)
    for bad in ({"lambda_img": -1.0}, {"adversarial_mode": "hinge"}, {"feature_weights": [1.0, -2.0]}):
        with pytest.raises(ValueError) as from_class:
            DeePSiMLoss(comp, **bad)
        with pytest.raises(ValueError) as from_function:
            deepsim_loss(y, p, comp, **bad)
        assert str(from_class.value) == str(from_function.value)


def _fit_model(comp, loss, x, y, sample_weight=None, jit_compile=False, epochs=2):
    x_in = keras.Input((14, 14, 1))
    h = kp.layers.UpConvolution2D(8, 3, activation="relu")(x_in)
    out = keras.layers.Conv2D(1, 3, padding="same", activation="tanh")(h)
    model = keras.Model(x_in, out)
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss=loss, jit_compile=jit_compile)
    before = [_np(v).copy() for v in model.trainable_variables]
    comp_before = [_np(v).copy() for v in comp.weights]
    history = model.fit(x, y, sample_weight=sample_weight, batch_size=8, epochs=epochs, verbose=0)
    assert all(np.isfinite(history.history["loss"]))
    assert any(not np.allclose(a, _np(b)) for a, b in zip(before, model.trainable_variables))
    for a, b in zip(comp_before, comp.weights):  # the comparator stays frozen
        np.testing.assert_array_equal(a, _np(b))
    return model, history


def test_plain_compile_fit_and_save(tmp_path, random_images):
    comp = _preset_comparator()
    y = random_images(32, seed=3)
    x = y.reshape(32, 14, 2, 14, 2, 1).mean(axis=(2, 4))
    loss = DeePSiMLoss(comp, lambda_img=0.1)
    model, history = _fit_model(comp, loss, x, y, sample_weight=np.ones(32, "float32"), epochs=3)
    assert history.history["loss"][-1] < history.history["loss"][0]
    path = os.path.join(tmp_path, "m.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert isinstance(loaded.loss, DeePSiMLoss)
    pred = model.predict(x[:4], verbose=0)
    assert_close(loaded.loss(y[:4], pred), loss(y[:4], pred), rtol=1e-5)
    # Zero sample weights: no gradient, the weights do not move.
    frozen = keras.Model(model.inputs, model.outputs)
    frozen.compile(optimizer=keras.optimizers.SGD(0.1), loss=loss, jit_compile=False)
    start = [_np(v).copy() for v in frozen.trainable_variables]
    frozen.fit(x[:8], y[:8], sample_weight=np.zeros(8, "float32"), batch_size=8, epochs=1, verbose=0)
    for a, b in zip(start, frozen.trainable_variables):
        np.testing.assert_allclose(a, _np(b), atol=1e-7)


@pytest.mark.compiled
def test_plain_fit_with_frozen_discriminator_jit(random_images):
    if keras.backend.backend() == "torch":
        pytest.skip("torch.compile takes minutes on the shared 2-core CPU; TF and JAX cover jit here")
    comp = tiny_comparator()
    disc = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Conv2D(2, 3, strides=2),
                             keras.layers.Flatten(), keras.layers.Dense(1)])
    disc_before = [_np(v).copy() for v in disc.weights]
    y = random_images(16, seed=4)
    x = y.reshape(16, 14, 2, 14, 2, 1).mean(axis=(2, 4))
    loss = DeePSiMLoss(comp, discriminator=disc, lambda_adv=0.1)
    _fit_model(comp, loss, x, y, jit_compile=True, epochs=1)
    for a, b in zip(disc_before, disc.weights):
        np.testing.assert_array_equal(a, _np(b))

import inspect

import keras
import numpy as np
import pytest
from keras import ops

import keras_perceptual as kp
from tests.helpers import run_layer_test
from tests.helpers import run_loss_test


def softplus(x):
    return np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)


def test_gaussian_sampling(tmp_path):
    mean = np.full((4000, 2), 3.0, "float32")
    log_var = np.full((4000, 2), np.log(0.25), "float32")
    layer = run_layer_test(kp.layers.GaussianSampling, {"seed": 7}, [mean, log_var], (4000, 2))
    z = ops.convert_to_numpy(layer([mean, log_var]))
    np.testing.assert_allclose(z.mean(), 3.0, atol=0.03)
    np.testing.assert_allclose(z.std(), 0.5, atol=0.03)
    # Owns its seed generator: two calls differ, two layers with one seed agree.
    assert not np.array_equal(z, ops.convert_to_numpy(layer([mean, log_var])))
    a = kp.layers.GaussianSampling(seed=3)([mean, log_var])
    b = kp.layers.GaussianSampling(seed=3)([mean, log_var])
    np.testing.assert_array_equal(ops.convert_to_numpy(a), ops.convert_to_numpy(b))
    with pytest.raises(ValueError, match="expects `inputs=\\[mean, log_var\\]`"):
        layer(mean)


def test_up_convolution(tmp_path):
    x = np.random.default_rng(0).normal(size=(2, 8, 8, 5)).astype("float32")
    run_layer_test(kp.layers.UpConvolution2D, {"filters": 6, "kernel_size": 3, "factor": 2, "activation": "relu"},
                   x, (2, 16, 16, 6), tmp_path=tmp_path)
    run_layer_test(kp.layers.UpConvolution2D, {"filters": 3, "factor": 4, "interpolation": "bilinear"}, x, (2, 32, 32, 3))
    with pytest.raises(ValueError, match="Expected `filters` to be an int >= 1, received filters=0"):
        kp.layers.UpConvolution2D(0)
    with pytest.raises(ValueError, match="Expected `interpolation` to be one of .*received interpolation='cubic'"):
        kp.layers.UpConvolution2D(4, interpolation="cubic")


def test_gan_losses_match_numpy():
    real = np.array([[2.0], [-1.0], [0.5]], "float32")
    fake = np.array([[-3.0], [0.2], [1.5]], "float32")
    d = ops.convert_to_numpy(kp.losses.gan_discriminator_loss(real, fake))
    np.testing.assert_allclose(d, softplus(-real[:, 0]) + softplus(fake[:, 0]), rtol=1e-5)
    ns = ops.convert_to_numpy(kp.losses.gan_generator_loss(fake, "non_saturating"))
    np.testing.assert_allclose(ns, softplus(-fake[:, 0]), rtol=1e-5)
    mm = ops.convert_to_numpy(kp.losses.gan_generator_loss(fake, "minimax"))
    np.testing.assert_allclose(mm, -softplus(fake[:, 0]), rtol=1e-5)  # log(1 - sigmoid(l))
    # Large logits stay finite (from logits, never log(sigmoid)).
    assert np.isfinite(ops.convert_to_numpy(kp.losses.gan_generator_loss(np.array([[80.0]]), "minimax"))).all()
    with pytest.raises(ValueError, match="Expected `mode` to be one of .*received mode='hinge'"):
        kp.losses.gan_generator_loss(fake, "hinge")


def test_gan_loss_classes(tmp_path):
    y_true = np.array([1.0, 0.0, 1.0], "float32")
    logits = np.array([[2.0], [-1.0], [0.5]], "float32")
    value = run_loss_test(kp.losses.GANDiscriminatorLoss(), y_true, logits)
    np.testing.assert_allclose(float(value), np.mean([softplus(-2.0), softplus(-1.0), softplus(-0.5)]), rtol=1e-5)
    run_loss_test(kp.losses.GANGeneratorLoss(mode="minimax"), y_true, logits)
    # Sample weights, as with any Keras loss.
    weighted = kp.losses.GANDiscriminatorLoss()(y_true, logits, sample_weight=np.array([1.0, 0.0, 0.0]))
    np.testing.assert_allclose(float(weighted), softplus(-2.0) / 3, rtol=1e-5)


def test_gaussian_kl_matches_numpy():
    rng = np.random.default_rng(0)
    mean, log_var = rng.normal(size=(5, 3)).astype("float32"), rng.normal(size=(5, 3)).astype("float32")
    expected = 0.5 * np.sum(np.exp(log_var) + mean**2 - 1 - log_var, axis=1)
    np.testing.assert_allclose(ops.convert_to_numpy(kp.losses.gaussian_kl(mean, log_var)), expected, rtol=1e-5)
    value = run_loss_test(kp.losses.GaussianKL(), np.zeros((5, 6), "float32"), np.concatenate([mean, log_var], -1))
    np.testing.assert_allclose(float(value), expected.mean(), rtol=1e-5)


def test_learned_similarity_loss():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(4, 3, 3, 2)).astype("float32"), rng.normal(size=(4, 3, 3, 2)).astype("float32")
    expected = 0.5 * ((a - b) ** 2).reshape(4, -1).sum(1)
    np.testing.assert_allclose(ops.convert_to_numpy(kp.losses.learned_similarity_loss(a, b)), expected, rtol=1e-5)
    run_loss_test(kp.losses.LearnedSimilarityLoss(), a, b)
    with pytest.raises(ValueError, match="must have the same shape"):
        kp.losses.learned_similarity_loss(a, b[:, :2])


LOSS_CASES = {
    "gan_discriminator": (lambda: kp.losses.GANDiscriminatorLoss(reduction="sum"), (4, 1), (4, 1)),
    "gan_generator": (lambda: kp.losses.GANGeneratorLoss(mode="minimax", name="g"), (4, 1), (4, 1)),
    "gaussian_kl": (lambda: kp.losses.GaussianKL(), (4, 2), (4, 2)),
    "learned_similarity": (lambda: kp.losses.LearnedSimilarityLoss(), (4, 2), (4, 2)),
    "mmd": (lambda: kp.losses.MMDLoss(kernel="rbf", scales=(0.5, 2.0), prior_variance=2.0), (4, 2), (4, 2)),
}


@pytest.mark.parametrize("case", sorted(LOSS_CASES))
def test_loss_classes_round_trip_through_keras_file(case, tmp_path):
    """Each loss class: its config is its constructor's arguments, and a model
    compiled with it saves and loads it with the same options and values."""
    make, true_shape, pred_shape = LOSS_CASES[case]
    loss = make()
    config = loss.get_config()
    assert set(config) == set(inspect.signature(type(loss)).parameters)
    rng = np.random.default_rng(0)
    y_true = rng.normal(size=true_shape).astype("float32")
    y_pred = rng.normal(size=pred_shape).astype("float32")
    run_loss_test(loss, y_true, y_pred)
    model = keras.Sequential([keras.Input(pred_shape[1:]), keras.layers.Dense(pred_shape[-1])])
    model.compile(optimizer="sgd", loss=loss)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras").loss
    assert type(loaded) is type(loss)
    assert loaded.get_config() == config
    np.testing.assert_allclose(float(loaded(y_true, y_pred)), float(loss(y_true, y_pred)), rtol=1e-6)


def test_loss_options_read_back_as_attributes():
    assert kp.losses.GANGeneratorLoss(mode="minimax").mode == "minimax"
    assert kp.losses.MMDLoss(scales=(1.0,)).scales == [1.0]
    with pytest.raises(AttributeError, match="no attribute 'mode'"):
        kp.losses.GaussianKL().mode
    with pytest.raises(ValueError, match="Expected `mode` to be one of .*received mode='hinge'"):
        kp.losses.GANGeneratorLoss(mode="hinge")


def test_loss_in_compile_round_trips(tmp_path):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss=kp.losses.GANGeneratorLoss(mode="minimax"))
    model.fit(np.ones((4, 3), "float32"), np.ones((4,), "float32"), verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert loaded.loss.mode == "minimax"

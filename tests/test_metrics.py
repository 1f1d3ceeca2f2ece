"""keras_perceptual.metrics: feature extraction, FID/KID, classifier score,
reconstruction metrics, linear probe. Tiny hand-built models only; the real
evaluator preset is used by two tests, skipped when its folder is absent."""

import re
from pathlib import Path

import keras
import numpy as np
import pytest
from scipy import linalg

from keras_perceptual import metrics
from keras_perceptual.metrics import distribution
from keras_perceptual.metrics import features as features_module

ROOT = Path(__file__).resolve().parents[1]


# -- tiny models ---------------------------------------------------------------
def tiny_feature_model(size=6, seed=0):
    """image (size, size, 1) -> conv (2 ch) -> flatten -> fc (3) -> ReLU 'act' -> 'out' (2)."""
    rng = np.random.default_rng(seed)
    inputs = keras.Input((size, size, 1), name="image")
    x = keras.layers.Conv2D(2, 3, padding="same", name="conv")(inputs)
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Dense(3, name="fc")(x)
    x = keras.layers.ReLU(name="act")(x)
    x = keras.layers.Dropout(0.5, name="dropout")(x)
    outputs = keras.layers.Dense(2, name="out")(x)
    model = keras.Model(inputs, outputs, name="tiny")
    for layer in model.layers:
        if layer.weights:
            layer.set_weights([rng.normal(size=w.shape).astype("float32") * 0.3 for w in layer.get_weights()])
    return model


def numpy_forward(model, images):
    """The tiny model by hand: (conv, act, out) activations."""
    kernel, bias = model.get_layer("conv").get_weights()
    padded = np.pad(images, ((0, 0), (1, 1), (1, 1), (0, 0)))
    n, h, w, _ = images.shape
    conv = np.zeros((n, h, w, kernel.shape[-1]))
    for i in range(3):
        for j in range(3):
            conv += np.einsum("nhwc,cd->nhwd", padded[:, i:i + h, j:j + w], kernel[i, j])
    conv += bias
    fc_w, fc_b = model.get_layer("fc").get_weights()
    act = np.maximum(conv.reshape(n, -1) @ fc_w + fc_b, 0)
    out_w, out_b = model.get_layer("out").get_weights()
    return conv, act, act @ out_w + out_b


def pixel_classifier(num_classes=3, size=4):
    """Logit k = pixel k of the flattened image: the argmax is the brightest
    of the first `num_classes` pixels."""
    inputs = keras.Input((size, size, 1))
    x = keras.layers.Flatten()(inputs)
    dense = keras.layers.Dense(num_classes, use_bias=False, name="logits")
    outputs = dense(x)
    model = keras.Model(inputs, outputs)
    weights = np.zeros((size * size, num_classes), "float32")
    weights[np.arange(num_classes), np.arange(num_classes)] = 1.0
    dense.set_weights([weights])
    return model


def images_of_classes(classes, size=4):
    images = np.full((len(classes), size, size, 1), -1.0, "float32")
    for i, k in enumerate(classes):
        images[i].reshape(-1)[k] = 1.0
    return images


# -- extract_features ----------------------------------------------------------
def test_extract_features_named_layer_output_and_flattening(random_images):
    model = tiny_feature_model()
    images = random_images(n=7, size=6)
    conv, act, out = numpy_forward(model, images.astype("float64"))

    feats = metrics.extract_features(images, model, layer="act", batch_size=3)
    assert feats.dtype == np.float64 and feats.shape == (7, 3)
    np.testing.assert_allclose(feats, act, rtol=1e-4, atol=1e-5)

    # layer=None: the model's output, in inference mode (no dropout).
    np.testing.assert_allclose(metrics.extract_features(images, model, layer=None), out, rtol=1e-4, atol=1e-5)
    # A 4-D activation is flattened per image.
    flat = metrics.extract_features(images, model, layer="conv", batch_size=4)
    assert flat.shape == (7, 6 * 6 * 2)
    np.testing.assert_allclose(flat, conv.reshape(7, -1), rtol=1e-4, atol=1e-5)


def test_extract_features_caches_sub_model_and_shows_progress(random_images, capsys):
    model = tiny_feature_model()
    sub = features_module.feature_sub_model(model, "act")
    assert features_module.feature_sub_model(model, "act") is sub
    assert features_module.feature_sub_model(model, "fc") is not sub
    assert features_module.feature_sub_model(model, None) is model
    images = random_images(n=5, size=6)
    quiet = metrics.extract_features(images, model, "act", batch_size=2)
    loud = metrics.extract_features(images, model, "act", batch_size=2, verbose=True)
    np.testing.assert_array_equal(quiet, loud)
    assert "3/3" in capsys.readouterr().err  # tqdm's bar over the three batches


def test_extract_features_reads_a_network_wrapped_in_a_model_class(random_images):
    class Wrapper(keras.Model):
        def __init__(self, network, **kwargs):
            super().__init__(**kwargs)
            self.network = network

        def call(self, x):
            return self.network(x)

    net = tiny_feature_model()
    wrapped = Wrapper(net)
    images = random_images(n=3, size=6)
    np.testing.assert_allclose(
        metrics.extract_features(images, wrapped, "act"), metrics.extract_features(images, net, "act"), rtol=1e-6
    )


def test_extract_features_bad_input(random_images):
    model = tiny_feature_model()
    with pytest.raises(ValueError, match=r"shape \(n, height, width, channels\), received an array of shape \(6, 6, 1\)"):
        metrics.extract_features(np.zeros((6, 6, 1), "float32"), model)
    with pytest.raises(ValueError, match="empty"):
        metrics.extract_features(np.zeros((0, 6, 6, 1), "float32"), model)
    with pytest.raises(ValueError, match=r"expects inputs of shape .*received an array of shape"):
        metrics.extract_features(random_images(n=2, size=8), model, "act")
    with pytest.raises(ValueError, match="layer='nope'.*'act'"):
        metrics.extract_features(random_images(n=2, size=6), model, "nope")
    with pytest.raises(ValueError, match="batch_size"):
        metrics.extract_features(random_images(n=2, size=6), model, "act", batch_size=0)
    with pytest.raises(ValueError, match="keras.Model"):
        metrics.extract_features(random_images(n=2, size=6), feature_model="fc1_act")


def test_default_feature_model_names_the_missing_preset(monkeypatch):
    from keras_perceptual import hub

    def missing(name):
        raise hub.PresetError(f"Unknown preset {name!r}.")

    monkeypatch.setattr(features_module, "_DEFAULT_MODEL", None)
    monkeypatch.setattr(features_module, "from_pretrained", missing)  # the reader the metrics load it through
    with pytest.raises(hub.PresetError, match="fashion_mnist_evaluator"):
        metrics.default_feature_model()


@pytest.mark.backend_independent
def test_the_judge_is_never_a_network_a_preset_trains_against():
    """The default feature space and judge is the evaluator, not the DeePSiM
    comparator (a model graded by its own teacher looks better than it is)."""
    from keras_perceptual.recipes.deepsim import CLASSIFIER_PRESET
    from keras_perceptual.training.plans import PLANS

    assert features_module.DEFAULT_FEATURES == ("fashion_mnist_evaluator", "features")
    assert features_module.DEFAULT_PRESET != CLASSIFIER_PRESET
    for plan in PLANS.values():
        assert dict(plan.recipe_options).get("comparator_weights") in (None, CLASSIFIER_PRESET), plan.name
        assert features_module.DEFAULT_PRESET not in str(dict(plan.recipe_options)), plan.name


EVALUATOR = ROOT / "weights" / features_module.DEFAULT_PRESET / "config.json"


@pytest.mark.skipif(not EVALUATOR.is_file(), reason="the evaluator preset is not in weights/")
def test_default_preset(random_images):
    images = random_images(n=6, size=28)
    model = metrics.default_feature_model()
    assert metrics.default_feature_model() is model  # loaded once
    feats = metrics.extract_features(images)
    assert feats.ndim == 2 and len(feats) == 6
    logits = metrics.extract_features(images, layer="logits")
    predicted = logits.argmax(1)
    assert metrics.classifier_score(images, predicted) == 1.0
    assert metrics.classifier_score(images, (predicted + 1) % 10) == 0.0


# -- Fréchet distance ----------------------------------------------------------
def reference_frechet(x, y):
    """Tr((S1 S2)^(1/2)) through the symmetric S1^(1/2) S2 S1^(1/2)."""
    mu1, mu2 = x.mean(0), y.mean(0)
    s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    w, v = np.linalg.eigh(s1)
    root1 = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    cross = np.sqrt(np.clip(np.linalg.eigvalsh(root1 @ s2 @ root1), 0, None)).sum()
    return np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * cross


@pytest.mark.backend_independent
def test_frechet_identical_and_shifted():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, 6)) @ rng.normal(size=(6, 6))
    assert abs(metrics.frechet_distance(x, x)) < 1e-6
    shift = rng.normal(size=6)
    # Equal covariances: the trace terms cancel, FID = |mu1 - mu2|^2.
    assert metrics.frechet_distance(x, x + shift) == pytest.approx(np.sum(shift**2), abs=1e-6)


@pytest.mark.backend_independent
def test_frechet_closed_form_for_diagonal_gaussians():
    a, b = np.array([1.0, 4.0, 0.25]), np.array([9.0, 1.0, 0.25])
    mu1, mu2 = np.zeros(3), np.array([1.0, 2.0, 0.0])
    expected = 5.0 + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    value = distribution.frechet_distance_from_statistics(mu1, np.diag(a), mu2, np.diag(b))
    assert value == pytest.approx(expected, abs=1e-9)


@pytest.mark.backend_independent
def test_frechet_matches_reference():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 10)) @ rng.normal(size=(10, 10))
    y = rng.gamma(2.0, size=(250, 10)) @ rng.normal(size=(10, 10)) + 0.5
    assert metrics.frechet_distance(x, y) == pytest.approx(reference_frechet(x, y), rel=1e-6)


@pytest.mark.backend_independent
def test_frechet_singular_covariances_stay_finite():
    # Fewer samples than dimensions: singular covariances, the eps fallback.
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(5, 20)), rng.normal(size=(6, 20))
    value = metrics.frechet_distance(x, y)
    assert np.isfinite(value)
    assert value == pytest.approx(reference_frechet(x, y), rel=1e-3)


@pytest.mark.backend_independent
def test_frechet_eps_fallback_when_sqrtm_is_not_finite(monkeypatch):
    calls = []
    real_sqrtm = distribution.linalg.sqrtm

    def flaky_sqrtm(matrix):
        calls.append(matrix)
        return np.full_like(matrix, np.nan) if len(calls) == 1 else real_sqrtm(matrix)

    monkeypatch.setattr(distribution.linalg, "sqrtm", flaky_sqrtm)
    s1, s2 = np.diag([1.0, 4.0]), np.diag([4.0, 1.0])
    value = distribution.frechet_distance_from_statistics(np.zeros(2), s1, np.zeros(2), s2, eps=1e-3)
    assert len(calls) == 2
    np.testing.assert_allclose(calls[1], (s1 + 1e-3 * np.eye(2)) @ (s2 + 1e-3 * np.eye(2)))
    expected = 10.0 - 2 * 2 * np.sqrt((1 + 1e-3) * (4 + 1e-3))
    assert value == pytest.approx(expected, abs=1e-9)


@pytest.mark.backend_independent
def test_frechet_bad_input():
    x = np.zeros((10, 3))
    with pytest.raises(ValueError, match="2-D"):
        metrics.frechet_distance(np.zeros(10), x)
    with pytest.raises(ValueError, match="same feature dimension"):
        metrics.frechet_distance(x, np.zeros((10, 4)))
    with pytest.raises(ValueError, match=r"n >= 2 .*received an array of shape \(1, 3\)"):
        metrics.frechet_distance(x, np.zeros((1, 3)))
    with pytest.raises(ValueError, match="NaN"):
        metrics.frechet_distance(x, np.full((10, 3), np.nan))


# -- kernel distance -----------------------------------------------------------
def double_loop_mmd2(x, y):
    m, d = len(x), x.shape[1]

    def k(a, b):
        return (np.dot(a, b) / d + 1.0) ** 3

    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(m)) / (m * m)
    return xx + yy - 2 * xy


@pytest.mark.backend_independent
def test_kid_matches_double_loop():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(6, 3)), rng.normal(size=(6, 3)) + 0.3
    # One subset of all samples: a permutation, which leaves the MMD unchanged.
    mean, std = metrics.kernel_distance(x, y, num_subsets=1, subset_size=6)
    assert mean == pytest.approx(double_loop_mmd2(x, y), rel=1e-10) and std == 0.0
    # Several subsets, drawn as torch-fidelity draws them.
    x, y = rng.normal(size=(9, 3)), rng.normal(size=(7, 3))
    draws = np.random.RandomState(5)
    values = []
    for _ in range(3):
        values.append(double_loop_mmd2(x[draws.choice(9, 4, replace=False)], y[draws.choice(7, 4, replace=False)]))
    mean, std = metrics.kernel_distance(x, y, num_subsets=3, subset_size=4, seed=5)
    assert mean == pytest.approx(np.mean(values), rel=1e-10)
    assert std == pytest.approx(np.std(values), rel=1e-10)


@pytest.mark.backend_independent
def test_kid_same_vs_shifted_distribution():
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(1000, 8)), rng.normal(size=(1000, 8))
    same, _ = metrics.kernel_distance(x, y, num_subsets=10, subset_size=500)
    shifted, std = metrics.kernel_distance(x, y + 0.5, num_subsets=10, subset_size=500)
    assert abs(same) < 0.01
    assert shifted > 0.1 and shifted > 10 * std
    # subset_size above the sample sizes is lowered to min(n1, n2).
    assert np.isfinite(metrics.kernel_distance(x[:50], y[:40], subset_size=1000)[0])


@pytest.mark.backend_independent
def test_kid_bad_input():
    x = np.zeros((10, 3))
    with pytest.raises(ValueError, match="num_subsets"):
        metrics.kernel_distance(x, x, num_subsets=0)
    with pytest.raises(ValueError, match="subset_size"):
        metrics.kernel_distance(x, x, subset_size=1)
    with pytest.raises(ValueError, match=r"n >= 2 .*received an array of shape \(1, 3\)"):
        metrics.kernel_distance(x, x[:1])
    with pytest.raises(ValueError, match="same feature dimension"):
        metrics.kernel_distance(x, np.zeros((10, 2)))


def test_fid_and_kid_wrappers(random_images):
    model = tiny_feature_model()
    real, fake = random_images(n=40, size=6, seed=1), random_images(n=30, size=6, seed=2) * 0.5
    fr = metrics.extract_features(real, model, "act")
    ff = metrics.extract_features(fake, model, "act")
    assert metrics.fid(real, fake, model, "act", batch_size=16) == pytest.approx(metrics.frechet_distance(fr, ff))
    assert metrics.kid(real, fake, model, "act", batch_size=16, num_subsets=4, subset_size=20, seed=1) == \
        pytest.approx(metrics.kernel_distance(fr, ff, num_subsets=4, subset_size=20, seed=1))
    with pytest.raises(ValueError, match="num_subsets"):
        metrics.kid(real, fake, model, num_subsets=0)


# -- stateful FID / KID (keras.metrics.Metric) ----------------------------------
def metric_tolerance():
    # float64 state on TensorFlow / PyTorch (JAX with x64); float32 on plain JAX.
    from keras_perceptual.metrics.stateful import _state_dtype

    return 1e-6 if _state_dtype() == "float64" else 1e-4


def real_and_fake(n=120):
    rng = np.random.default_rng(3)
    real = rng.uniform(-1, 1, (n, 6, 6, 1)).astype("float32")
    fake = np.clip(0.7 * real + rng.normal(0, 0.3, real.shape), -1, 1).astype("float32")
    return real, fake


def test_fid_metric_batched_matches_the_function_and_resets():
    net = tiny_feature_model()
    real, fake = real_and_fake()
    # The same batches as the function's (a convolution's float32 rounding may
    # depend on the batch size), fed separately, the last one short.
    expected = metrics.fid(real, fake, net, "act", batch_size=50)
    fid = metrics.FID(net, layer="act")
    assert isinstance(fid, keras.metrics.Metric) and np.isnan(float(fid.result()))
    for start in range(0, len(real), 50):
        fid.update_state(real=real[start:start + 50])
    for start in range(0, len(fake), 50):
        fid.update_state(fake=fake[start:start + 50])
    assert float(fid.result()) == pytest.approx(expected, rel=metric_tolerance())
    assert expected > 1e-3  # the sets differ: the comparison is not between two zeros
    fid.reset_state()
    assert np.isnan(float(fid.result()))
    fid.update_state(real, real)  # Keras's (y_true, y_pred) call
    assert float(fid.result()) == pytest.approx(0.0, abs=1e-6)


def test_kid_metric_matches_the_function():
    net = tiny_feature_model()
    real, fake = real_and_fake()
    # Subsets holding every feature: the same estimate as the function.
    mean, std = metrics.kid(real, fake, net, "act", num_subsets=3, subset_size=500)
    kid = metrics.KID(net, layer="act", num_subsets=3, subset_size=500, max_samples=200)
    kid.update_state(real=real[:70])
    kid.update_state(real=real[70:], fake=fake)
    got_mean, got_std = (float(v) for v in kid.result_with_std())
    assert got_mean == pytest.approx(mean, rel=metric_tolerance()) and abs(mean) > 1e-3
    assert got_std == pytest.approx(0.0, abs=1e-6) and float(kid.result()) == got_mean
    # Smaller subsets: both are estimates of the same MMD^2, within their spread.
    small = metrics.KID(net, layer="act", num_subsets=20, subset_size=60, max_samples=200)
    small.update_state(real=real, fake=fake)
    assert abs(float(small.result()) - mean) < 3 * float(small.result_with_std()[1]) / np.sqrt(20) + 0.02
    with pytest.raises(ValueError, match="max_samples=200"):
        kid.update_state(real=np.concatenate([real, real]))
    kid.reset_state()
    assert np.isnan(float(kid.result()))


def test_fid_and_kid_metrics_in_evaluate():
    """compile(metrics=[FID(...)]) scores y_pred against y_true in a compiled evaluate()."""
    net = tiny_feature_model()
    real, _ = real_and_fake(96)
    inputs = keras.Input((6, 6, 1))
    model = keras.Model(inputs, keras.layers.Lambda(lambda x: 0.5 * x)(inputs))
    model.compile(loss="mse", metrics=[metrics.FID(net, layer="act"),
                                       metrics.KID(net, layer="act", num_subsets=2, subset_size=500,
                                                   max_samples=96)])
    logs = model.evaluate(real, real, batch_size=32, verbose=0, return_dict=True)
    assert logs["fid"] == pytest.approx(metrics.fid(real, 0.5 * real, net, "act"), rel=100 * metric_tolerance())
    kid_mean, _ = metrics.kid(real, 0.5 * real, net, "act", num_subsets=2, subset_size=500)
    assert logs["kid"] == pytest.approx(kid_mean, rel=100 * metric_tolerance())


def test_fid_kid_metric_config_and_bad_input(tmp_path):
    net = tiny_feature_model()
    kid = metrics.KID(net, layer="act", num_subsets=4, subset_size=10, max_samples=50, seed=3)
    config = kid.get_config()
    assert {k: config[k] for k in ("layer", "num_subsets", "subset_size", "max_samples", "seed")} == \
        {"layer": "act", "num_subsets": 4, "subset_size": 10, "max_samples": 50, "seed": 3}
    clone = keras.metrics.deserialize(keras.metrics.serialize(kid))
    assert type(clone) is metrics.KID and clone.get_config()["max_samples"] == 50
    real, fake = real_and_fake(20)
    for metric in (kid, clone):  # the clone's feature network is rebuilt from the config
        metric.update_state(real=real, fake=fake)
    assert clone.get_config()["feature_model"]["class_name"] == "Functional"
    with pytest.raises(ValueError, match="num_subsets"):
        metrics.KID(net, layer="act", num_subsets=0)
    with pytest.raises(ValueError, match="feature_model"):
        metrics.FID("vgg16")
    with pytest.raises(ValueError, match="real=.*fake="):
        metrics.FID(net, layer="act").update_state()
    with pytest.raises(ValueError, match=r"\(n, height, width, channels\).*received an array of shape \(6, 6, 1\)"):
        metrics.FID(net, layer="act").update_state(real=real[0])


@pytest.mark.skipif(not EVALUATOR.is_file(), reason="the evaluator preset is not in weights/")
def test_fid_metric_default_is_the_zoo_evaluator():
    from keras_perceptual import datasets

    if datasets.find_fashion_mnist() is None:
        pytest.skip("Fashion-MNIST IDX files are not installed")
    # More images than the 256 features: well-conditioned covariances.
    images = datasets.fashion_mnist_arrays("test", 600)
    real, fake = images[:300], 0.8 * images[300:]
    fid = metrics.FID()
    for start in range(0, 300, 100):
        fid.update_state(real=real[start:start + 100], fake=fake[start:start + 100])
    assert float(fid.result()) == pytest.approx(metrics.fid(real, fake, batch_size=100), rel=metric_tolerance())


# -- classifier score ----------------------------------------------------------
def test_classifier_score_int_and_one_hot_labels():
    model = pixel_classifier()
    predicted = [0, 1, 2, 0, 1, 2]
    images = images_of_classes(predicted)
    labels = np.array([0, 1, 2, 1, 1, 0])  # 4 of 6 agree
    assert metrics.classifier_score(images, labels, model) == pytest.approx(4 / 6)
    assert metrics.classifier_score(images, np.eye(3)[labels], model, batch_size=4) == pytest.approx(4 / 6)
    assert metrics.classifier_score(images, labels.astype("float32"), model) == pytest.approx(4 / 6)
    assert metrics.classifier_score(images, predicted, model) == 1.0


def test_classifier_score_bad_input():
    model = pixel_classifier()
    images = images_of_classes([0, 1, 2])
    with pytest.raises(ValueError, match="3 labels, one per image, received 2 labels"):
        metrics.classifier_score(images, [0, 1], model)
    with pytest.raises(ValueError, match=r"\[0, 3\)"):
        metrics.classifier_score(images, [0, 1, 3], model)
    with pytest.raises(ValueError, match=r"shape \(3, 3\), received shape \(3, 4\)"):
        metrics.classifier_score(images, np.eye(4)[:3], model)
    with pytest.raises(ValueError, match=r"integer class indices.*received non-integral values, e.g. \[1.5\]"):
        metrics.classifier_score(images, [0, 1.5, 2], model)
    with pytest.raises(ValueError, match="one-hot rows"):
        metrics.classifier_score(images, np.zeros((3, 3, 1)), model)
    with pytest.raises(ValueError, match=r"\(n, height, width, channels\).*received an array of shape \(\d+, \d+, \d+\)"):
        metrics.classifier_score(images[0], [0], model)
    inputs = keras.Input((4, 4, 1))
    spatial = keras.Model(inputs, keras.layers.Conv2D(3, 1)(inputs))
    with pytest.raises(ValueError, match="one score per class"):
        metrics.classifier_score(images, [0, 1, 2], spatial)


# The first three pixels of four 4x4 images: the pixel classifier's logits.
CONFIDENCE_LOGITS = [[1, -1, -1],   # softmax max e^2 / (e^2 + 2) = 0.787
                     [-1, 1, -1],   # 0.787
                     [1, 1, -1],    # e / (2e + 1/e) = 0.468
                     [0, 0, 0]]     # 1/3


def images_with_logits(logits, size=4):
    images = np.zeros((len(logits), size, size, 1), "float32")
    for i, row in enumerate(logits):
        images[i].reshape(-1)[: len(row)] = row
    return images


@pytest.mark.backend_independent
def test_confident_fraction_hand_computed():
    model = pixel_classifier()
    images = images_with_logits(CONFIDENCE_LOGITS)
    assert metrics.confident_fraction(images, model, threshold=0.9) == 0.0
    assert metrics.confident_fraction(images, model, threshold=0.78) == 0.5
    assert metrics.confident_fraction(images, model, threshold=0.79) == 0.0
    assert metrics.confident_fraction(images, model, threshold=0.4, batch_size=3) == 0.75
    assert metrics.confident_fraction(images, model, threshold=1 / 3 - 1e-6) == 1.0
    # Scores read as probabilities: the first three images reach 1.0.
    assert metrics.confident_fraction(images, model, threshold=0.9, from_logits=False) == 0.75
    for bad in (0, 1.5, True, "0.9"):
        with pytest.raises(ValueError, match="threshold"):
            metrics.confident_fraction(images, model, threshold=bad)


@pytest.mark.backend_independent
def test_class_agreement_hand_computed():
    model = pixel_classifier()
    inputs = images_of_classes([0, 1])
    variants = np.stack([images_of_classes([0, 0, 1]), images_of_classes([1, 2, 1])])  # (2, 3, 4, 4, 1)
    # Against the classifier's class of each input (0 and 1): 2 + 2 of 6 pairs.
    assert metrics.class_agreement(inputs, variants, classifier=model) == pytest.approx(4 / 6)
    # Against given labels 0 and 2: 2 + 1 of 6; one-hot labels alike.
    assert metrics.class_agreement(inputs, variants, [0, 2], model) == pytest.approx(3 / 6)
    assert metrics.class_agreement(inputs, variants, np.eye(3)[[0, 2]], model, batch_size=4) == pytest.approx(3 / 6)
    assert metrics.class_agreement(inputs, variants[:, :1], classifier=model) == 1.0
    with pytest.raises(ValueError, match=r"\(n, k, h, w, c\)"):
        metrics.class_agreement(inputs, variants[0], classifier=model)
    with pytest.raises(ValueError, match=r"\(n, k, h, w, c\)"):
        metrics.class_agreement(inputs[:1], variants, classifier=model)
    with pytest.raises(ValueError, match="2 labels, one per image, received 1 labels"):
        metrics.class_agreement(inputs, variants, [0], model)


def test_class_agreement_of_noise_draws_of_an_implicit_autoencoder():
    """The IAE's decoder-noise draws (`vary_noise`) fed to `class_agreement`:
    equal to the agreement counted by hand from the classifier's argmax."""
    import keras_perceptual as kp

    prior = kp.priors.GaussianPrior(2)
    nets = kp.networks.iae_networks(prior, image_shape=(4, 4, 1), conv_filters=(4,), units=(8,),
                                    discriminator_units=(8,), encoder_noise_dim=0, decoder_noise_dim=3)
    model = kp.ImplicitAutoencoder(**nets, prior=prior, seed=0)
    x = images_of_classes([0, 1, 2, 0, 1])
    variants = np.asarray(model.vary_noise(x, num_samples=8, seed=0))
    classifier = pixel_classifier()
    argmax = lambda a: np.asarray(classifier.predict_on_batch(a)).argmax(1)  # noqa: E731
    expected = np.mean(argmax(variants.reshape(-1, 4, 4, 1)).reshape(5, 8) == argmax(x)[:, None])
    assert metrics.class_agreement(x, variants, classifier=classifier) == pytest.approx(expected)


# -- reconstruction metrics ----------------------------------------------------
def test_mse_and_psnr_known_values():
    a = np.zeros((2, 4, 4, 1), "float32")
    b = a.copy()
    b[0] += 0.2
    b[1] += 0.02
    assert metrics.mse(a, b) == pytest.approx((0.04 + 0.0004) / 2)
    # Mean of per-image PSNRs: 10 log10(4 / 0.04) = 20 dB and 10 log10(4 / 0.0004) = 40 dB.
    assert metrics.psnr(a, b) == pytest.approx(30.0, abs=1e-4)
    assert metrics.psnr(a, b, data_range=1.0) == pytest.approx(30.0 - 20 * np.log10(2), abs=1e-4)
    # Identical images: infinite PSNR, and one identical pair makes the mean infinite.
    assert metrics.psnr(a, a) == np.inf
    assert metrics.psnr(a, np.concatenate([b[:1], a[1:]])) == np.inf
    assert metrics.mse(a, a) == 0.0


def test_ssim_identity_noise_and_skimage(random_images):
    rng = np.random.default_rng(5)
    clean = np.tanh(np.cumsum(rng.normal(size=(3, 32, 32, 3)), axis=1) / 4).astype("float32")
    assert metrics.ssim(clean, clean) == pytest.approx(1.0, abs=1e-12)
    slightly = np.clip(clean + rng.normal(0, 0.05, clean.shape), -1, 1)
    very = np.clip(clean + rng.normal(0, 0.5, clean.shape), -1, 1)
    assert 1.0 > metrics.ssim(clean, slightly) > metrics.ssim(clean, very)

    # Constant images: every local mean is the constant, every (co)variance 0, so
    # SSIM = (2 u v + C1) / (u^2 + v^2 + C1) with C1 = (0.01 * data_range)^2.
    u, v = 0.5, -0.25
    for data_range in (2.0, 1.0):
        c1 = (0.01 * data_range) ** 2
        expected = (2 * u * v + c1) / (u * u + v * v + c1)
        got = metrics.ssim(np.full((2, 16, 16, 3), u), np.full((2, 16, 16, 3), v), data_range=data_range)
        assert got == pytest.approx(expected, abs=1e-9)
    per_image = metrics.reconstruction.ssim_per_image(clean, np.concatenate([clean[:1], very[1:]]))
    assert per_image.shape == (3,) and per_image[0] == pytest.approx(1.0) and per_image[1] < 0.9


def test_sharpness():
    assert metrics.sharpness(np.zeros((2, 5, 5, 1))) == 0.0
    ramp = np.broadcast_to(np.arange(5) * 0.1, (2, 5, 5)).reshape(2, 5, 5, 1)  # changes along the width
    assert metrics.sharpness(ramp) == pytest.approx(0.1)
    assert metrics.sharpness(np.swapaxes(ramp, 1, 2)) == pytest.approx(0.1)


def test_reconstruction_bad_input():
    a = np.zeros((2, 16, 16, 1))
    with pytest.raises(ValueError, match=r"shape of `a`, \(2, 16, 16, 1\), received an array of shape \(2, 16, 16, 3\)"):
        metrics.mse(a, np.zeros((2, 16, 16, 3)))
    with pytest.raises(ValueError, match=r"\(n, height, width, channels\).*received an array of shape \(16, 16, 1\)"):
        metrics.psnr(a[0], a[0])
    with pytest.raises(ValueError, match="data_range"):
        metrics.psnr(a, a, data_range=0)
    with pytest.raises(ValueError, match="11x11"):
        metrics.ssim(np.zeros((2, 8, 8, 1)), np.zeros((2, 8, 8, 1)))
    with pytest.raises(ValueError, match=r"\(n, height, width, channels\).*received an array of shape \(5, 5\)"):
        metrics.sharpness(np.zeros((5, 5)))
    with pytest.raises(ValueError, match="2x2"):
        metrics.sharpness(np.zeros((2, 1, 5, 1)))


# -- linear probe ----------------------------------------------------------------
@pytest.mark.backend_independent
def test_linear_probe():
    rng = np.random.default_rng(6)
    centres = rng.normal(0, 5, (3, 2, 2, 2))
    train_y, test_y = rng.integers(0, 3, 150), rng.integers(0, 3, 60)
    train_x = centres[train_y] + rng.normal(size=(150, 2, 2, 2))  # 4-D codes are flattened
    test_x = centres[test_y] + rng.normal(size=(60, 2, 2, 2))
    assert metrics.linear_probe_accuracy(train_x, train_y, test_x, test_y) > 0.95
    noise = rng.normal(size=(60, 2, 2, 2))
    assert metrics.linear_probe_accuracy(train_x, train_y, noise, test_y) < 0.7


@pytest.mark.backend_independent
def test_linear_probe_bad_input():
    x, y = np.zeros((10, 4)), np.arange(10) % 2
    with pytest.raises(ValueError, match=r"shape \(10,\), one per code, received an array of shape \(5,\)"):
        metrics.linear_probe_accuracy(x, y[:5], x, y)
    with pytest.raises(ValueError, match="same size"):
        metrics.linear_probe_accuracy(x, y, np.zeros((10, 5)), y)
    with pytest.raises(ValueError, match="two classes"):
        metrics.linear_probe_accuracy(x, np.zeros(10), x, y)
    with pytest.raises(ValueError, match="one code per row"):
        metrics.linear_probe_accuracy(np.zeros(10), y, x, y)


@pytest.mark.backend_independent
def test_no_framework_imports():
    for path in (ROOT / "keras_perceptual" / "metrics").glob("*.py"):
        source = path.read_text()
        assert not re.search(r"^\s*(import|from)\s+(tensorflow|jax|torch)\b", source, re.M), path

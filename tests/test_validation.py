"""The one validation layer: every public entry point refuses a bad value
with a `ValueError` that names what it received ("Expected `x` to be ...,
received ..."). One table per entry point; each case checks the error type
and that the message names the value received."""

import re

import keras
import numpy as np
import pytest
from PIL import Image

import keras_perceptual as kp
from keras_perceptual import datasets
from keras_perceptual import images as kp_images
from keras_perceptual import metrics
from keras_perceptual import priors
from keras_perceptual import validation
from tests.test_vaegan import tiny_vaegan

X = np.random.default_rng(0).uniform(-1, 1, (3, 28, 28, 1)).astype("float32")
ONE_HOT = np.eye(10, dtype="float32")[:3]


def with_nan(x):
    x = x.copy()
    x[0, 1, 2, 0] = np.nan
    return x


@pytest.fixture(scope="module")
def models():
    return {"plain": tiny_vaegan(), "conditional": tiny_vaegan(conditional=True)}


def tiny_feature_model():
    inputs = keras.Input((28, 28, 1))
    x = keras.layers.Flatten()(inputs)
    return keras.Model(inputs, keras.layers.Dense(4, name="features")(x))


# (id, call on the models, text the message must hold: what was received)
CONTRACT_CASES = [
    ("encode-uint8", lambda m: m["plain"].encode(np.zeros((2, 28, 28, 1), "uint8")), r"dtype uint8.*x / 127.5 - 1"),
    ("encode-int", lambda m: m["plain"].encode(np.zeros((2, 28, 28, 1), "int64")), "dtype int64"),
    ("encode-bool", lambda m: m["plain"].encode(np.zeros((2, 28, 28, 1), bool)), "dtype bool"),
    ("encode-nan", lambda m: m["plain"].encode(with_nan(X)), r"1 NaN/Inf value\(s\) among 2352"),
    ("encode-inf", lambda m: m["plain"].encode(np.full((1, 28, 28, 1), np.inf, "float32")), "784 NaN/Inf"),
    ("encode-255", lambda m: m["plain"].encode(X * 0 + 255.0), r"values in \[255, 255\]"),
    ("encode-rank3", lambda m: m["plain"].encode(X[0]), r"shape \(28, 28, 1\)"),
    ("encode-size", lambda m: m["plain"].encode(np.zeros((2, 32, 32, 1), "float32")), r"shape \(2, 32, 32, 1\)"),
    ("encode-rgb", lambda m: m["plain"].encode(np.zeros((2, 28, 28, 3), "float32")), r"shape \(2, 28, 28, 3\)"),
    ("encode-string", lambda m: m["plain"].encode("images.png"), "images='images.png'"),
    ("encode-strings", lambda m: m["plain"].encode(np.array([["a"]])), "dtype <U1"),
    ("encode-ragged", lambda m: m["plain"].encode([[1.0], [1.0, 2.0]]), "list"),
    ("encode-none", lambda m: m["plain"].encode(None), "dtype object"),
    ("encode-seed-str", lambda m: m["plain"].encode(X, sample=True, seed="abc"), "seed='abc'"),
    ("encode-seed-neg", lambda m: m["plain"].encode(X, sample=True, seed=-1), "seed=-1"),
    ("encode-seed-float", lambda m: m["plain"].encode(X, sample=True, seed=1.5), "seed=1.5"),
    ("encode-sample-str", lambda m: m["plain"].encode(X, sample="yes"), "sample='yes'"),
    ("encode-batch-0", lambda m: m["plain"].encode(X, batch_size=0), "batch_size=0"),
    ("encode-batch-float", lambda m: m["plain"].encode(X, batch_size=2.0), "batch_size=2.0"),
    ("encode-batch-bool", lambda m: m["plain"].encode(X, batch_size=True), "batch_size=True"),
    ("reconstruct-nan", lambda m: m["plain"].reconstruct(with_nan(X)), "1 NaN/Inf"),
    ("reconstruct-uint8", lambda m: m["plain"].reconstruct((X * 0).astype("uint8")), "dtype uint8"),
    ("reconstruct-seed", lambda m: m["plain"].reconstruct(X, seed="abc"), "seed='abc'"),
    ("reconstruct-unconditional", lambda m: m["plain"].reconstruct(X, conditions=ONE_HOT), r"shape \(3, 10\)"),
    ("decode-nan", lambda m: m["plain"].decode(np.array([[np.nan, 0, 0, 0]])), "1 NaN/Inf"),
    ("decode-inf", lambda m: m["plain"].decode(np.full((2, 4), np.inf)), "8 NaN/Inf"),
    ("decode-shape", lambda m: m["plain"].decode(np.zeros((2, 5))), r"shape \(2, 5\)"),
    ("decode-rank1", lambda m: m["plain"].decode(np.zeros(4)), r"shape \(4,\)"),
    ("decode-string", lambda m: m["plain"].decode("z"), "codes='z'"),
    ("decode-seed", lambda m: m["plain"].decode(np.zeros((1, 4)), seed=[1, 2]), r"seed=\[1, 2\]"),
    ("generate-huge", lambda m: m["plain"].generate(10**9), r"GiB.*received num_samples=1000000000"),
    ("generate-0", lambda m: m["plain"].generate(0), "num_samples=0"),
    ("generate-neg", lambda m: m["plain"].generate(-3), "num_samples=-3"),
    ("generate-float", lambda m: m["plain"].generate(2.5), "num_samples=2.5"),
    ("generate-str", lambda m: m["plain"].generate("4"), "num_samples='4'"),
    ("generate-bool", lambda m: m["plain"].generate(True), "num_samples=True"),
    ("generate-seed-str", lambda m: m["plain"].generate(2, seed="abc"), "seed='abc'"),
    ("generate-seed-huge", lambda m: m["plain"].generate(2, seed=2**40), "seed=1099511627776"),
    ("generate-batch", lambda m: m["plain"].generate(2, batch_size=-1), "batch_size=-1"),
    ("sample-prior-huge", lambda m: m["plain"].sample_prior(10**12), "num_samples=1000000000000"),
    ("sample-prior-seed", lambda m: m["plain"].sample_prior(2, seed="abc"), "seed='abc'"),
    ("interpolate-steps-1", lambda m: m["plain"].interpolate(X[0], X[1], steps=1), "steps=1"),
    ("interpolate-steps-huge", lambda m: m["plain"].interpolate(X[0], X[1], steps=10**9), "steps=1000000000"),
    ("interpolate-steps-str", lambda m: m["plain"].interpolate(X[0], X[1], steps="8"), "steps='8'"),
    ("interpolate-nan-code", lambda m: m["plain"].interpolate(np.full(4, np.nan), np.zeros(4)), "4 NaN/Inf"),
    ("interpolate-nan-image", lambda m: m["plain"].interpolate(with_nan(X)[0], X[1]), "1 NaN/Inf"),
    ("interpolate-shape", lambda m: m["plain"].interpolate(np.zeros(7), np.zeros(4)), r"shape \(7,\)"),
    ("interpolate-seed", lambda m: m["plain"].interpolate(X[0], X[1], seed="abc"), "seed='abc'"),
    ("attributes-shape", lambda m: m["plain"].attribute_vectors(X, np.ones((2, 1))), r"shape \(2, 1\)"),
    ("attributes-nan", lambda m: m["plain"].attribute_vectors(X, np.full((3, 1), np.nan)), "3 NaN/Inf"),
    ("attributes-all", lambda m: m["plain"].attribute_vectors(X, np.ones((3, 1))), "present in 3 of 3"),
    ("fit-uint8", lambda m: m["plain"].fit(np.zeros((4, 28, 28, 1), "uint8"), epochs=1, verbose=0), "dtype uint8"),
    ("fit-nan", lambda m: m["plain"].fit(with_nan(X), epochs=1, verbose=0), "1 NaN/Inf"),
    ("cond-missing", lambda m: m["conditional"].generate(2), "conditions=None"),
    ("cond-zeros", lambda m: m["conditional"].generate(2, conditions=np.zeros((2, 10))), r"\[0.0, 0.0, 0.0"),
    ("cond-five", lambda m: m["conditional"].generate(1, conditions=5.0 * np.eye(10)[:1]), r"5.0"),
    ("cond-soft", lambda m: m["conditional"].generate(1, conditions=np.full((1, 10), 0.1)), r"0.1"),
    ("cond-nan", lambda m: m["conditional"].generate(1, conditions=np.full((1, 10), np.nan)), "10 NaN/Inf"),
    ("cond-string", lambda m: m["conditional"].generate(1, conditions="shoe"), "conditions='shoe'"),
    ("cond-strings", lambda m: m["conditional"].generate(1, conditions=np.array(["a"] * 10)), "dtype <U1"),
    ("cond-shape", lambda m: m["conditional"].generate(3, conditions=np.zeros((3, 4))), r"shape \(3, 4\)"),
    ("cond-rows", lambda m: m["conditional"].reconstruct(X, conditions=np.eye(10)[:2]), r"shape \(2, 10\)"),
    ("cond-interpolate", lambda m: m["conditional"].interpolate(X[0], X[1], conditions=np.zeros(10)),
     r"\[0.0, 0.0"),
]


@pytest.mark.backend_independent
@pytest.mark.parametrize("call,received", [c[1:] for c in CONTRACT_CASES], ids=[c[0] for c in CONTRACT_CASES])
def test_contract_refuses(models, call, received):
    with pytest.raises(ValueError, match=r"Expected `[^`]+` to be .*received") as info:
        call(models)
    assert re.search(received, str(info.value)), str(info.value)


def test_empty_batches_keep_their_shape(models):
    model = models["plain"]
    empty = np.zeros((0, 28, 28, 1), "float32")
    assert model.encode(empty).shape == (0, 4)
    assert model.reconstruct(empty).shape == (0, 28, 28, 1)
    assert model.decode(np.zeros((0, 4), "float32")).shape == (0, 28, 28, 1)
    assert models["conditional"].reconstruct(empty, conditions=np.zeros((0, 10))).shape == (0, 28, 28, 1)


def test_good_values_pass(models):
    model = models["plain"]
    assert model.generate(2, seed=np.int64(3), batch_size=np.int32(1)).shape == (2, 28, 28, 1)
    out = models["conditional"].generate(2, conditions=ONE_HOT[0].astype("int64"), seed=0)
    assert out.shape == (2, 28, 28, 1) and np.all(np.abs(out) <= 1)


def vaegan_nets():
    return kp.networks.vaegan_networks("small28", channels=1, latent_dim=4)


CONSTRUCTOR_CASES = [
    ("vaegan-gamma-str", lambda: kp.VAEGAN(**vaegan_nets(), gamma="0.01"), "gamma='0.01'"),
    ("vaegan-gamma-neg", lambda: kp.VAEGAN(**vaegan_nets(), gamma=-1e-3), "gamma=-0.001"),
    ("vaegan-gamma-nan", lambda: kp.VAEGAN(**vaegan_nets(), gamma=float("nan")), "gamma=nan"),
    ("vaegan-kl-neg", lambda: kp.VAEGAN(**vaegan_nets(), kl_weight=-1), "kl_weight=-1"),
    ("vaegan-gate-never", lambda: kp.VAEGAN(**vaegan_nets(), equilibrium_center=-0.5, equilibrium_margin=0.3),
     r"equilibrium_center=-0.5 \+ equilibrium_margin=0.3"),
    ("vaegan-gate-zero", lambda: kp.VAEGAN(**vaegan_nets(), equilibrium_center=0.0, equilibrium_margin=0.0),
     "= 0.0"),
    ("vaegan-margin-neg", lambda: kp.VAEGAN(**vaegan_nets(), equilibrium_margin=-0.1), "equilibrium_margin=-0.1"),
    ("vaegan-center-str", lambda: kp.VAEGAN(**vaegan_nets(), equilibrium_center="0.68"), "equilibrium_center='0.68'"),
    ("vaegan-equilibrium-str", lambda: kp.VAEGAN(**vaegan_nets(), equilibrium="no"), "equilibrium='no'"),
    ("vaegan-mode", lambda: kp.VAEGAN(**vaegan_nets(), decoder_gan_loss="hinge"), "decoder_gan_loss='hinge'"),
    ("vaegan-seed", lambda: kp.VAEGAN(**vaegan_nets(), seed="abc"), "seed='abc'"),
    ("vaegan-feature-layer", lambda: kp.VAEGAN(**vaegan_nets(), feature_layer=3), "feature_layer=3"),
    ("vae-sigma-0", lambda: kp.VAE(*list(vaegan_nets().values())[:2], pixel_sigma=0), "pixel_sigma=0"),
    ("vae-kl-inf", lambda: kp.VAE(*list(vaegan_nets().values())[:2], kl_weight=float("inf")), "kl_weight=inf"),
    ("up-conv-filters", lambda: kp.layers.UpConvolution2D(0), "filters=0"),
    ("up-conv-factor", lambda: kp.layers.UpConvolution2D(4, factor=1.5), "factor=1.5"),
    ("up-conv-kernel", lambda: kp.layers.UpConvolution2D(4, kernel_size=-3), "kernel_size=-3"),
    ("up-conv-interp", lambda: kp.layers.UpConvolution2D(4, interpolation="cubic"), "interpolation='cubic'"),
    ("sampling-seed", lambda: kp.layers.GaussianSampling(seed="x"), "seed='x'"),
    ("gan-loss-mode", lambda: kp.losses.GANGeneratorLoss(mode="hinge"), "mode='hinge'"),
    ("mmd-scales", lambda: kp.losses.MMDLoss(scales=(1.0, -2.0)), r"scales=\(1.0, -2.0\)"),
    ("mmd-scales-str", lambda: kp.losses.MMDLoss(scales="big"), "scales='big'"),
    ("mmd-variance", lambda: kp.losses.MMDLoss(prior_variance=0), "prior_variance=0"),
    ("mmd-kernel", lambda: kp.losses.MMDLoss(kernel="laplace"), "kernel='laplace'"),
    ("prior-dim", lambda: priors.GaussianPrior(0), "dim=0"),
    ("prior-sample-n", lambda: priors.GaussianPrior(2).sample(-1), "n=-1"),
    ("prior-labels", lambda: priors.CategoricalPrior(3).sample(2, labels=[0, 5]), r"\[5\]"),
    ("kid-subsets", lambda: metrics.KID(feature_model=tiny_feature_model(), num_subsets=0), "num_subsets=0"),
    ("kid-seed", lambda: metrics.KID(feature_model=tiny_feature_model(), seed="s"), "seed='s'"),
    ("fid-model", lambda: metrics.FID(feature_model="inception"), "feature_model='inception'"),
]


@pytest.mark.backend_independent
@pytest.mark.parametrize("build,received", [c[1:] for c in CONSTRUCTOR_CASES], ids=[c[0] for c in CONSTRUCTOR_CASES])
def test_constructors_refuse(build, received):
    with pytest.raises(ValueError, match=r"Expected `[^`]+` to be .*received") as info:
        build()
    assert re.search(received, str(info.value)), str(info.value)


def test_vaegan_gate_that_can_open_is_accepted():
    # center + margin > 0: the decoder trains whenever both BCEs are below it.
    model = kp.VAEGAN(**vaegan_nets(), equilibrium_center=-0.2, equilibrium_margin=0.3)
    assert model.equilibrium_center == -0.2
    # Without the rule, the gate's values do not matter.
    kp.VAEGAN(**vaegan_nets(), equilibrium=False, equilibrium_center=-1.0, equilibrium_margin=0.0)


@pytest.fixture(scope="module")
def fid():
    return metrics.FID()


def evaluator_metric_cases():
    uint8 = np.full((4, 28, 28, 1), 255, "uint8")
    return [
        ("fid-uint8", lambda f: f.update_state(real=uint8), "dtype uint8"),
        ("fid-255", lambda f: f.update_state(fake=uint8.astype("float32")), r"values in \[255, 255\]"),
        ("fid-nan", lambda f: f.update_state(real=with_nan(X)), "1 NaN/Inf"),
        ("fid-rank", lambda f: f.update_state(real=X[0]), r"shape \(28, 28, 1\)"),
        ("fid-string", lambda f: f.update_state(real="x"), "real='x'"),
        ("fid-empty", lambda f: f.update_state(real=X[:0]), r"shape \(0, 28, 28, 1\)"),
        ("fid-fn-uint8", lambda f: metrics.fid(uint8, uint8), "dtype uint8"),
        ("classifier-score-nan", lambda f: metrics.classifier_score(with_nan(X), [0, 1, 2]), "1 NaN/Inf"),
        ("classifier-score-labels", lambda f: metrics.classifier_score(X, [0, 1, 12]), r"\[12\]"),
        ("classifier-score-labels-float", lambda f: metrics.classifier_score(X, [0, 1, 1.5]), "1.5"),
        ("classifier-score-labels-str", lambda f: metrics.classifier_score(X, ["a", "b", "c"]), "dtype <U1"),
        ("confident-threshold", lambda f: metrics.confident_fraction(X, threshold=0), "threshold=0"),
    ]


@pytest.mark.backend_independent
@pytest.mark.parametrize("case", evaluator_metric_cases(), ids=lambda c: c[0])
def test_evaluator_metrics_refuse(fid, case):
    _, call, received = case
    with pytest.raises(ValueError, match=r"Expected `[^`]+` to be .*received") as info:
        call(fid)
    assert re.search(received, str(info.value)), str(info.value)


def test_fid_state_untouched_by_a_refused_batch(fid):
    fid.reset_state()
    with pytest.raises(ValueError):
        fid.update_state(real=X, fake=with_nan(X))
    assert int(keras.ops.convert_to_numpy(fid.real_count)) == 0


OTHER_METRIC_CASES = [
    ("mse-nan", lambda: metrics.mse(with_nan(X), X), "1 NaN/Inf"),
    ("mse-shape", lambda: metrics.mse(X, X[:2]), r"shape \(2, 28, 28, 1\)"),
    ("psnr-range", lambda: metrics.psnr(X, X, data_range=-1), "data_range=-1"),
    ("sharpness-str", lambda: metrics.sharpness("x"), "images='x'"),
    ("frechet-nan", lambda: metrics.frechet_distance(np.full((3, 2), np.nan), np.zeros((3, 2))), "6 NaN/Inf"),
    ("frechet-rank", lambda: metrics.frechet_distance(np.zeros(3), np.zeros((3, 2))), r"shape \(3,\)"),
    ("kernel-seed", lambda: metrics.kernel_distance(np.zeros((3, 2)), np.zeros((3, 2)), seed=-1), "seed=-1"),
    ("clustering-negative", lambda: metrics.clustering_accuracy([0, -1], [0, 1]), r"\[-1\]"),
    ("clustering-float", lambda: metrics.clustering_accuracy([0, 0.5], [0, 1]), "0.5"),
    ("clustering-nan", lambda: metrics.clustering_accuracy([0, np.nan], [0, 1]), "1 NaN/Inf"),
    ("clustering-length", lambda: metrics.clustering_accuracy([0, 1], [0]), "1 ids"),
    ("clustering-method", lambda: metrics.clustering_accuracy([0], [0], method="best"), "method='best'"),
    ("clustering-huge-id", lambda: metrics.clustering_accuracy([0, 1], [0, 2**30]), r"GiB"),
    ("probe-nan", lambda: metrics.linear_probe_accuracy(np.full((4, 2), np.nan), [0, 1, 0, 1],
                                                        np.zeros((2, 2)), [0, 1]), "8 NaN/Inf"),
    ("probe-labels", lambda: metrics.linear_probe_accuracy(np.zeros((4, 2)), [0, 1, 0, -1],
                                                           np.zeros((2, 2)), [0, 1]), r"\[-1\]"),
    ("probe-iter", lambda: metrics.linear_probe_accuracy(np.zeros((4, 2)), [0, 1, 0, 1], np.zeros((2, 2)),
                                                         [0, 1], max_iter=0), "max_iter=0"),
]


@pytest.mark.backend_independent
@pytest.mark.parametrize("call,received", [c[1:] for c in OTHER_METRIC_CASES], ids=[c[0] for c in OTHER_METRIC_CASES])
def test_metrics_refuse(call, received):
    with pytest.raises(ValueError, match=r"Expected `[^`]+` to be .*received") as info:
        call()
    assert re.search(received, str(info.value)), str(info.value)


@pytest.mark.backend_independent
def test_sixteen_bit_png_is_scaled_not_clipped(tmp_path):
    values = np.array([[0, 65535], [32768, 16384]], "uint16")
    Image.fromarray(values).save(tmp_path / "deep.png")
    out = kp_images.read_image(tmp_path / "deep.png", (2, 2, 1))
    np.testing.assert_allclose(out[..., 0], values / 65535 * 2 - 1, atol=1e-4)
    eight = kp_images.read_images([tmp_path / "deep.png"], (2, 2, 3))
    assert eight.shape == (1, 2, 2, 3) and eight.max() == pytest.approx(1.0)


def good(tmp_path):
    Image.fromarray(np.zeros((4, 4), "uint8")).save(tmp_path / "good.png")
    return tmp_path


def broken(tmp_path):
    (good(tmp_path) / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    return tmp_path


FILE_CASES = [
    ("read-broken", lambda p: kp_images.read_image(broken(p) / "broken.png", (4, 4, 1)), "broken.png"),
    ("read-missing", lambda p: kp_images.read_image(p / "nothing.png", (4, 4, 1)), "nothing.png"),
    ("read-channels", lambda p: kp_images.read_image(good(p) / "good.png", (4, 4, 2)), "channels=2"),
    ("folder-broken", lambda p: datasets.image_folder_dataset(broken(p), image_size=4), "broken.png"),
    ("folder-missing", lambda p: datasets.image_folder_dataset(p / "none"), "none"),
    ("folder-empty", lambda p: datasets.image_folder_dataset(p), "holds none"),
    ("folder-size", lambda p: datasets.image_folder_dataset(broken(p), image_size=0), "image_size=0"),
    ("folder-batch", lambda p: datasets.image_folder_dataset(good(p), image_size=4, batch_size=0), "batch_size=0"),
    ("folder-channels", lambda p: datasets.image_folder_dataset(good(p), channels=4), "channels=4"),
    ("limit-zero", lambda p: datasets.fashion_mnist_arrays("test", limit=0), "limit=0"),
    ("limit-negative", lambda p: datasets.fashion_mnist_dataset("test", limit=-5), "limit=-5"),
    ("limit-float", lambda p: datasets.fashion_mnist_arrays("test", limit=2.5), "limit=2.5"),
    ("split", lambda p: datasets.fashion_mnist_arrays("tset"), "split='tset'"),
]


@pytest.mark.backend_independent
@pytest.mark.parametrize("call,received", [c[1:] for c in FILE_CASES], ids=[c[0] for c in FILE_CASES])
def test_files_and_datasets_refuse(tmp_path, call, received):
    with pytest.raises(ValueError, match=r"Expected `[^`]+` to be .*received") as info:
        call(tmp_path)
    assert re.search(received, str(info.value)), str(info.value)


@pytest.mark.backend_independent
def test_validation_helpers_return_canonical_values():
    assert validation.expect_count("n", np.int64(3)) == 3 and type(validation.expect_count("n", np.int64(3))) is int
    with pytest.raises(ValueError, match=r"GiB.*received n=3"):
        validation.expect_count("n", 3, bytes_each=2**40)
    labels = validation.expect_labels("y", np.array([0.0, 2.0]), 3)
    assert labels.dtype == np.int64 and labels.tolist() == [0, 2]
    images = validation.expect_images("x", np.zeros((1, 2, 2, 1), "float64"))
    assert images.dtype == np.float32

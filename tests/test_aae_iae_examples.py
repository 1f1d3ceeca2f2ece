"""Every AAE/IAE example runs in --smoke mode (in-process, through main(argv))."""

import numpy as np
import pytest

from tests.examples_support import assert_departures_declared
from tests.examples_support import assert_parser_defaults
from tests.examples_support import assert_trained_as_recipe
from tests.examples_support import load_example as load

pytestmark = pytest.mark.backend_independent


@pytest.mark.parametrize("smoke", [False, True])
def test_aae_examples_defaults_are_the_recipes(smoke):
    aae = load("aae_fashion_mnist")
    assert_departures_declared(aae.settings(smoke), aae.SMOKE_DEPARTURES if smoke else aae.DEPARTURES, "aae",
                               smoke=smoke)
    assert_parser_defaults(aae.parse_args([]), aae.settings(),
                           {"epochs": "epochs", "batch_size": "batch_size", "regularizer": "regularizer"})
    clustering = load("aae_clustering")
    for regularizer in ("gan", "mmd"):
        assert_departures_declared(clustering.settings(smoke, regularizer=regularizer),
                                   clustering.SMOKE_DEPARTURES if smoke else clustering.DEPARTURES,
                                   "aae_clustering", smoke=smoke, regularizer=regularizer)
    assert_parser_defaults(clustering.parse_args([]), clustering.settings(),
                           {"epochs": "epochs", "batch_size": "batch_size", "style_dim": "style_dim"})


@pytest.mark.parametrize("smoke", [False, True])
def test_iae_example_defaults_are_the_recipes(smoke):
    """A categorical code takes the `iae_clustering` recipe's defaults, a
    continuous one the `iae` recipe's with the `iae_fashion_mnist` preset's
    training options (under a smoke run's tiny networks)."""
    from keras_perceptual.recipes import get_recipe
    from keras_perceptual.training.plans import get_plan

    iae = load("iae_fashion_mnist")
    assert_departures_declared(iae.settings("categorical", smoke), {}, "iae_clustering", smoke=smoke)
    preset = {k: v for k, v in get_plan("iae_fashion_mnist").recipe_options.items() if k != "epochs"
              and not (smoke and k in get_recipe("iae").smoke)}
    assert_departures_declared(iae.settings("continuous", smoke), {}, "iae", smoke=smoke, **preset)
    args = iae.parse_args([])
    assert_parser_defaults(args, iae.settings("categorical"),
                           {"epochs": "epochs", "batch_size": "batch_size", "clusters": "num_clusters", "code": "code"})
    assert_parser_defaults(args, iae.settings("continuous"), {"latent_dim": "latent_dim"})
    assert args.pixel_weight is None  # the code's own default, from the recipe


def test_aae_fashion_mnist(tmp_path):
    results = load("aae_fashion_mnist").main(["--smoke", "--output", str(tmp_path)])
    assert set(results) == {"gaussian", "mixture"}
    assert results["mixture"].mode == "supervised"
    assert_trained_as_recipe(results["gaussian"], "aae", smoke=True)
    for prior in ("gaussian", "mixture"):
        for name in ("code_scatter.png", "samples.png", "reconstructions.png", "grids/samples_epoch001.png"):
            assert (tmp_path / prior / name).stat().st_size > 0


def test_aae_clustering(tmp_path):
    results = load("aae_clustering").main(
        ["--smoke", "--output", str(tmp_path), "--regularizers", "gan", "mmd", "--clusters", "10", "30"]
    )
    assert set(results) == {("gan", 10), ("gan", 30), ("mmd", 10), ("mmd", 30)}
    assert all(0.0 < acc <= 1.0 for acc in results.values())
    assert (tmp_path / "mmd_k30" / "clusters.png").exists()
    assert (tmp_path / "gan_k10" / "grids" / "samples_epoch001.png").exists()


def test_aae_clustering_recipe_defaults():
    from keras_perceptual.recipes import aae_clustering

    mmd = aae_clustering.train(smoke=True, verbose=0, regularizer="mmd", num_clusters=4).model
    assert mmd.straight_through is True and mmd.marginal_entropy_weight == 0.0
    gan = aae_clustering.train(smoke=True, verbose=0, regularizer="gan", num_clusters=4, regularizer_weight=0.5).model
    assert gan.straight_through == "decoder" and gan.marginal_entropy_weight == 1.0
    assert gan.regularizer_weight == 0.5  # an explicit option wins over the defaults


def test_iae_fashion_mnist(tmp_path):
    result = load("iae_fashion_mnist").main(["--smoke", "--output", str(tmp_path)])
    assert 0.0 < result["accuracy"] <= 1.0
    model = result["model"]  # a categorical code takes the recipe's clustering settings
    assert model.encoder_noise_dim == 0 and model.straight_through == "decoder" and model.pixel_weight == 1.0
    assert_trained_as_recipe(model, "iae_clustering", smoke=True)
    from PIL import Image

    grid = np.asarray(Image.open(result["grid"]))
    assert grid.ndim == 2 and grid.shape[1] > grid.shape[0] / 2


def test_iae_fashion_mnist_continuous_code(tmp_path):
    """The continuous code trains the preset's set-up: a stochastic encoder,
    decoder noise, no pixel loss, the unit-variance code and the
    code-reconstruction term; it reports the class agreement under noise."""
    result = load("iae_fashion_mnist").main(["--smoke", "--code", "continuous", "--output", str(tmp_path)])
    model = result["model"]
    assert model.encoder_noise_dim == 16 and model.pixel_weight == 0.0 and model.code_reconstruction_weight == 3.0
    assert_trained_as_recipe(model, "iae", smoke=True, code="continuous")
    assert model.encoder.get_layer("code").__class__.__name__ == "BatchNormalization"
    assert 0.0 <= result["agreement"] <= 1.0 and "accuracy" not in result
    assert result["grid"].is_file()

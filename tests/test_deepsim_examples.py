"""Every DeePSiM example, recipe and the benchmark run in smoke mode."""

import os

import keras
import pytest

from keras_perceptual.recipes import get_recipe
from keras_perceptual.recipes import list_recipes
from tests.examples_support import assert_departures_declared
from tests.examples_support import assert_parser_defaults
from tests.examples_support import assert_trained_as_recipe
from tests.examples_support import load_script as _load

pytestmark = pytest.mark.backend_independent

# Each example, the recipe it mirrors, and its command-line options named as the recipe's options.
RECIPES = {
    "examples/deepsim_autoencoder.py": "deepsim_autoencoder",
    "examples/deepsim_vae.py": "deepsim_vae",
    "examples/deepsim_invert.py": "deepsim_inverter",
}
OPTIONS = {
    "deepsim_autoencoder": ("epochs", "batch_size", "lambda_feat", "lambda_img", "lambda_adv"),
    "deepsim_vae": ("epochs", "batch_size", "kl_weight"),
    "deepsim_inverter": ("epochs", "batch_size"),
}


@pytest.mark.parametrize("script,recipe", sorted(RECIPES.items()))
def test_example_defaults_are_the_recipes(script, recipe):
    from keras_perceptual.recipes.deepsim import CLASSIFIER_PRESET

    module = _load(script)
    for settings, smoke in ((module.DEFAULTS, False), (module.SMOKE, True)):
        assert_departures_declared(settings, {}, recipe, smoke=smoke)
    assert_parser_defaults(module.parse_args([]), module.DEFAULTS, {name: name for name in OPTIONS[recipe]})
    # The recipe names no comparator (None): its preset outside smoke runs.
    assert module.DEFAULTS["comparator_weights"] is None and module.parse_args([]).comparator == CLASSIFIER_PRESET


def test_deepsim_loss_example_takes_the_recipes_loss():
    """The plain upsampler's DeePSiMLoss is the autoencoder recipe's; its
    training departs where the script says."""
    module = _load("examples/deepsim_loss_in_your_model.py")
    assert_departures_declared(module.DEFAULTS, module.DEPARTURES, "deepsim_autoencoder")
    assert_parser_defaults(module.parse_args([]), module.DEFAULTS,
                           {"epochs": "epochs", "batch_size": "batch_size", "train_images": "limit"})


@pytest.mark.parametrize(
    "script,files",
    [
        ("examples/deepsim_loss_in_your_model.py", ["comparison.png", "upsampler_deepsim.keras", "grids/deepsim_epoch001.png"]),
        ("examples/deepsim_autoencoder.py", ["reconstructions.png", "interpolation.png", "model.keras",
                                             "grids/reconstructions_epoch001.png"]),
        ("examples/deepsim_vae.py", ["reconstructions.png", "samples.png", "model.keras",
                                     "grids/samples_epoch001.png", "grids/reconstructions_epoch001.png"]),
        ("examples/deepsim_invert.py", ["inversions.png", "reencoding_block1_act2.png", "reencoding_block2_act2.png",
                                        "block2_act2/grids/reconstructions_epoch001.png"]),
    ],
)
def test_example_smoke(script, files, tmp_path):
    module = _load(script)
    assert module.__doc__ and "Title:" in module.__doc__
    model = module.main(["--smoke", "--output", str(tmp_path)])
    for name in files:
        assert (tmp_path / name).exists(), name
    if script in RECIPES and isinstance(model, keras.Model):  # the scripts that return their model
        assert_trained_as_recipe(model, RECIPES[script], smoke=True)


def test_recipes_registered():
    recipes = list_recipes()
    for name in ("deepsim_autoencoder", "deepsim_vae", "deepsim_inverter", "fashion_mnist_classifier"):
        assert name in recipes and recipes[name]
    with pytest.raises(ValueError, match="fashion_mnist"):
        get_recipe("deepsim_autoencoder")(smoke=True, dataset="celeba")


def test_classifier_recipe_smoke(tmp_path):
    record = get_recipe("fashion_mnist_classifier")(output=tmp_path, smoke=True, verbose=0, jit_compile=False)
    assert 0.0 <= record.extra["test_accuracy"] <= 1.0
    assert os.path.exists(tmp_path / "classifier.weights.h5")


@pytest.mark.slow
def test_benchmark_smoke(tmp_path, capsys):
    bench = _load("benchmarks/deepsim_vs_pixel.py")
    result = bench.main(["--smoke", "--seeds", "2", "--seed", "3", "--output", str(tmp_path)])
    rows = result["rows"]
    assert [(r["variant"], r["seed"]) for r in rows] == [("l2", 3), ("deepsim", 3), ("l2", 4), ("deepsim", 4)]
    assert all(r["pixel_mse"] > 0 and 0 <= r["probe_accuracy"] <= 1 for r in rows)
    differences = [rows[1]["probe_accuracy"] - rows[0]["probe_accuracy"],
                   rows[3]["probe_accuracy"] - rows[2]["probe_accuracy"]]
    decision = result["probe_claim"]
    assert decision["differences"] == pytest.approx(differences)
    assert decision["std"] == pytest.approx(abs(differences[0] - differences[1]) / 2 ** 0.5)
    assert decision["verdict"] in ("holds", "within noise", "does not hold")
    assert f"| **{decision['verdict']}** |" in capsys.readouterr().out
    assert (tmp_path / "results.json").exists() and (tmp_path / "reconstructions_deepsim_seed4.png").exists()


def test_probe_claim_is_decided_from_the_spread_over_seeds():
    bench = _load("benchmarks/deepsim_vs_pixel.py")

    def rows(l2, deepsim):
        return [dict(variant=v, seed=s, probe_accuracy=a) for s, (x, y) in enumerate(zip(l2, deepsim))
                for v, a in (("l2", x), ("deepsim", y))]

    # Differences +0.02, +0.03, +0.01: mean 0.02 > std 0.01.
    decision = bench.probe_decision(rows([0.80, 0.80, 0.81], [0.82, 0.83, 0.82]))
    assert decision["mean"] == pytest.approx(0.02) and decision["std"] == pytest.approx(0.01)
    assert decision["verdict"] == "holds"
    # Differences +0.01, -0.02, +0.02: mean 0.0033 < std 0.0208.
    assert bench.probe_decision(rows([0.80, 0.82, 0.80], [0.81, 0.80, 0.82]))["verdict"] == "within noise"
    # Differences -0.02, -0.03, -0.01.
    assert bench.probe_decision(rows([0.82, 0.83, 0.82], [0.80, 0.80, 0.81]))["verdict"] == "does not hold"
    # One seed: quality.py's fixed margin (0.005) is the noise.
    assert bench.probe_decision(rows([0.80], [0.803]))["verdict"] == "within noise"
    assert bench.probe_decision(rows([0.80], [0.81]))["verdict"] == "holds"

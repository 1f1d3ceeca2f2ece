"""Every DeePSiM example, recipe and the benchmark run in smoke mode."""

import importlib.util
import os
from pathlib import Path

import pytest

from keras_perceptual.recipes import get_recipe
from keras_perceptual.recipes import list_recipes

ROOT = Path(__file__).resolve().parents[1]


def _load(relative):
    path = ROOT / relative
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
    module.main(["--smoke", "--output", str(tmp_path)])
    for name in files:
        assert (tmp_path / name).exists(), name


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

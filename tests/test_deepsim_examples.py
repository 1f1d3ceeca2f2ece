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


def test_benchmark_smoke(tmp_path):
    rows = _load("benchmarks/deepsim_vs_pixel.py").main(["--smoke", "--output", str(tmp_path)])
    assert [r["variant"] for r in rows] == ["l2", "deepsim"]
    assert all(r["pixel_mse"] > 0 and 0 <= r["probe_accuracy"] <= 1 for r in rows)
    assert (tmp_path / "results.json").exists()

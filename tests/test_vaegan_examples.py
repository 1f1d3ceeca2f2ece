"""Every VAE/GAN example runs in smoke mode and writes its pictures."""

import importlib.util
from pathlib import Path

import keras
import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def load_example(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.parametrize("conditional", [False, True])
def test_vaegan_fashion_mnist_smoke(tmp_path, conditional):
    from keras_perceptual import datasets

    if datasets.find_fashion_mnist() is None:
        pytest.skip("Fashion-MNIST IDX files are not installed")
    argv = ["--smoke", "--output", str(tmp_path), "--batch-size", "16"] + (["--conditional"] if conditional else [])
    model = load_example("vaegan_fashion_mnist").main(argv)
    for name in ("samples.png", "reconstructions.png", "interpolation.png", "model.keras",
                 "grids/samples_epoch001.png", "grids/reconstructions_epoch001.png"):
        assert (tmp_path / name).stat().st_size > 0, name
    assert int(keras.ops.convert_to_numpy(model.optimizer.iterations)) == 4  # 4 batches, one epoch
    assert model.condition_dim == (10 if conditional else 0)
    # A smoke run's pictures say so: titled above the grid the full run draws.
    from PIL import Image

    from keras_perceptual.images import save_image_grid

    bare = save_image_grid(np.zeros((100, 28, 28, 1), "float32"), tmp_path / "bare.png",
                           columns=10, scale=2, row_labels=datasets.FASHION_MNIST_CLASSES if conditional else None)
    assert Image.open(tmp_path / "samples.png").height > Image.open(bare).height


@pytest.mark.slow
def test_vaegan_celeba_smoke(tmp_path):
    record = load_example("vaegan_celeba").main(["--smoke", "--output", str(tmp_path)])  # the README's command
    model = record.model
    assert (tmp_path / "samples.png").exists() and (tmp_path / "model.keras").exists()
    assert model.image_shape == (64, 64, 3) and model.latent_dim == 128
    assert model.gamma == 1e-6
    assert record.batch_size == 4 and record.steps == 4

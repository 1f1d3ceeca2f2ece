"""Every VAE/GAN example runs in smoke mode and writes its pictures."""

import inspect

import keras
import numpy as np
import pytest

from tests.examples_support import assert_departures_declared
from tests.examples_support import assert_parser_defaults
from tests.examples_support import assert_trained_as_recipe
from tests.examples_support import load_example

pytestmark = pytest.mark.backend_independent


def test_vaegan_fashion_mnist_defaults_are_the_recipes():
    module = load_example("vaegan_fashion_mnist")
    assert_departures_declared(module.DEFAULTS, {}, "vaegan", dataset="fashion_mnist")
    assert_parser_defaults(module.parse_args([]), module.DEFAULTS,
                           {"epochs": "epochs", "batch_size": "batch_size", "gamma": "gamma"})
    celeba = load_example("vaegan_celeba")
    args = celeba.parse_args([])
    assert args.epochs is None and args.batch_size is None  # the recipe's, at run time
    assert celeba.SMOKE_BATCH_SIZE < celeba.recipe.RECIPE.batch_size


def test_recipe_defaults_reads_the_recipe_and_its_model():
    """The examples' reading of a recipe: a dataset's default, a default
    left to the model class, departures over them, smoke settings."""
    module = load_example("vaegan_fashion_mnist")
    from example_args import recipe_defaults
    from keras_perceptual.models.deepsim_vae import DeePSiMVAE
    from keras_perceptual.recipes import get_recipe

    vaegan = get_recipe("vaegan")
    assert module.DEFAULTS["gamma"] == vaegan.dataset_defaults["fashion_mnist"]["gamma"]
    assert recipe_defaults("vaegan", dataset="celeba")["gamma"] == vaegan.dataset_defaults["celeba"]["gamma"]
    assert recipe_defaults("vaegan", dataset="celeba")["epochs"] == vaegan.default_epochs("celeba")
    kl_weight = inspect.signature(DeePSiMVAE.__init__).parameters["kl_weight"].default
    assert recipe_defaults("deepsim_vae")["kl_weight"] == kl_weight
    assert recipe_defaults("deepsim_vae", dict(kl_weight=0.5))["kl_weight"] == 0.5
    smoke = recipe_defaults("aae", smoke=True)
    assert smoke["epochs"] == 1 and smoke["units"] == get_recipe("aae").smoke["units"]
    assert recipe_defaults("aae_clustering", regularizer="mmd")["straight_through"] is True


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
    # The recipe's options and optimizers (RMSProp, its learning rate decayed as the recipe's).
    assert_trained_as_recipe(model, "vaegan", dataset="fashion_mnist", conditional=conditional)
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

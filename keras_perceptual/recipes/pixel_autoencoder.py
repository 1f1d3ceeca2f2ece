"""Recipe: the L2 baseline of the DeePSiM autoencoder: the same encoder and
generator (`deepsim_networks("autoencoder", "small28")`), the same data,
optimizer and steps, trained with the pixel MSE alone by a plain
`compile`/`fit` of a `PixelAutoencoder` (Dosovitskiy & Brox 2016 compare
their loss to exactly this)."""

import keras

from keras_perceptual.models.pixel_autoencoder import PixelAutoencoder
from keras_perceptual.networks.deepsim import deepsim_networks
from keras_perceptual.recipes import list_recipes
from keras_perceptual.recipes._fashion import fashion_data
from keras_perceptual.recipes._fashion import fashion_pictures
from keras_perceptual.training.recipe import Recipe
from keras_perceptual.training.recipe import Validation
from keras_perceptual.training.validation import reconstruction_mse


def build(options):
    """A `PixelAutoencoder` over the DeePSiM autoencoder's encoder and
    generator."""
    nets = deepsim_networks("autoencoder", "small28", channels=1)
    return PixelAutoencoder(nets["encoder"], nets["generator"], seed=options["seed"], name="pixel_autoencoder")


def compile_model(model, options, total_steps, steps_per_epoch):
    model.compile(optimizer=keras.optimizers.Adam(options["learning_rate"], beta_1=0.9, beta_2=0.999),
                  jit_compile=options["jit_compile"])


RECIPE = Recipe(
    name="pixel_autoencoder",
    description=list_recipes()["pixel_autoencoder"],
    build=build, compile=compile_model,
    data=lambda options, batch_size: fashion_data(options, batch_size),
    defaults=dict(learning_rate=2e-4, limit=None, jit_compile="auto"), epochs=10, batch_size=64, smoke_batches=4,
    pictures=("reconstructions",), picture_data=fashion_pictures,
    validation=Validation("validation_reconstruction_mse", reconstruction_mse, mode="min"),
)
RECIPES = (RECIPE,)
train = RECIPE.train

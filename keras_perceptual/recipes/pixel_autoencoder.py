"""Recipe: the L2 baseline of the DeePSiM autoencoder: the same encoder and
generator (`deepsim_networks("autoencoder", "small28")`), the same data,
optimizer and steps, trained with the pixel MSE alone by a plain
`compile`/`fit` (Dosovitskiy & Brox 2016 compare their loss to exactly this)."""

import keras

from keras_perceptual.networks.deepsim import deepsim_networks
from keras_perceptual.recipes import list_recipes
from keras_perceptual.recipes._fashion import fashion_data
from keras_perceptual.recipes._fashion import fashion_pictures
from keras_perceptual.training.recipe import Recipe


def build(options=None):
    """`keras.Model` `x -> generator(encoder(x))` with sub-models named
    "encoder" and "generator" (`model.get_layer("encoder")` gives codes)."""
    nets = deepsim_networks("autoencoder", "small28", channels=1)
    images = keras.Input((28, 28, 1), name="image")
    return keras.Model(images, nets["generator"](nets["encoder"](images)), name="pixel_autoencoder")


def compile_model(model, options, total_steps, steps_per_epoch):
    model.compile(optimizer=keras.optimizers.Adam(options["learning_rate"], beta_1=0.9, beta_2=0.999), loss="mse",
                  jit_compile=options["jit_compile"])


RECIPE = Recipe(
    name="pixel_autoencoder",
    description=list_recipes()["pixel_autoencoder"],
    build=build, compile=compile_model,
    data=lambda options, batch_size: fashion_data(options, batch_size, targets="images"),
    defaults=dict(learning_rate=2e-4, limit=None, jit_compile="auto"), epochs=10, batch_size=64, smoke_batches=4,
    pictures=("reconstructions",), picture_data=fashion_pictures,
)
RECIPES = (RECIPE,)
train = RECIPE.train

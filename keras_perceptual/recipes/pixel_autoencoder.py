"""Recipe: the L2 baseline of the DeePSiM autoencoder: the same encoder and
generator (`deepsim_networks("autoencoder", "small28")`), the same data,
optimizer and steps, trained with the pixel MSE alone by a plain
`compile`/`fit` of a `PixelAutoencoder` (Dosovitskiy & Brox 2016 compare
their loss to exactly this)."""

import time

import keras

from keras_perceptual import datasets
from keras_perceptual.models.pixel_autoencoder import PixelAutoencoder
from keras_perceptual.networks.deepsim import deepsim_networks
from keras_perceptual.recipes._deepsim_common import check_dataset

DESCRIPTION = "L2 (pixel MSE) autoencoder with the DeePSiM autoencoder's networks: DeePSiM's baseline"


def build(seed=0):
    """A `PixelAutoencoder` over the DeePSiM autoencoder's encoder and
    generator."""
    nets = deepsim_networks("autoencoder", "small28", channels=1)
    return PixelAutoencoder(nets["encoder"], nets["generator"], seed=seed, name="pixel_autoencoder")


def train(output=None, epochs=None, batch_size=64, smoke=False, seed=0, dataset="fashion_mnist", verbose=1,
          learning_rate=2e-4, limit=None, jit_compile="auto"):
    """Trains the L2 autoencoder with Adam(`learning_rate`, 0.9, 0.999) on
    the first `limit` training images (all by default) for `epochs`
    (default 10, 1 with `smoke`); returns the model with a
    `training_record`. `output` is accepted for the recipe signature; this
    recipe writes nothing there."""
    del output
    check_dataset(dataset)
    keras.utils.set_random_seed(seed)
    epochs = epochs or (1 if smoke else 10)
    limit = 4 * batch_size if smoke else limit
    model = build(seed)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate, beta_1=0.9, beta_2=0.999), jit_compile=jit_compile)
    data = datasets.fashion_mnist_dataset("train", batch_size, limit=limit, seed=seed)
    start = time.time()
    history = model.fit(data, epochs=epochs, verbose=verbose)
    model.training_record = {
        "recipe": "keras_perceptual.recipes.pixel_autoencoder",
        "dataset": dataset,
        "epochs": epochs,
        "steps": int(keras.ops.convert_to_numpy(model.optimizer.iterations)),
        "batch_size": batch_size,
        "optimizer": f"Adam({learning_rate}, beta=(0.9, 0.999))",
        "wall_time_s": round(time.time() - start, 1),
        "backend": keras.backend.backend(),
        "final_losses": {k: float(v[-1]) for k, v in history.history.items()},
    }
    return model

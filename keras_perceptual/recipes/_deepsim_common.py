"""Shared training code of the three DeePSiM recipes (autoencoder, VAE,
inverter): Fashion-MNIST, the small 28x28 networks, the zoo's classifier as
comparator, Adam 2e-4 (beta 0.9, 0.999) as in the paper."""

import time
from pathlib import Path

import keras
import numpy as np

from keras_perceptual import datasets
from keras_perceptual.callbacks import interleave_rows
from keras_perceptual.comparators import fashion_mnist_comparator
from keras_perceptual.images import save_image_grid
from keras_perceptual.models.deepsim_autoencoder import DeePSiMAutoencoder
from keras_perceptual.models.deepsim_inverter import DeePSiMInverter
from keras_perceptual.models.deepsim_vae import DeePSiMVAE
from keras_perceptual.networks.deepsim import deepsim_networks

COMPARATOR_LAYERS = ("block1_act2", "block2_act2")
CLASSIFIER_PRESET = "fashion_mnist_classifier"
SETUPS = {"autoencoder": DeePSiMAutoencoder, "vae": DeePSiMVAE, "inverter": DeePSiMInverter}


def check_dataset(dataset):
    if dataset != "fashion_mnist":
        raise ValueError(
            "The DeePSiM recipes train on 'fashion_mnist' (for 64x64 data build the 'deepsim64' "
            f"networks with a VGG comparator yourself). Received: dataset={dataset!r}"
        )


def build_comparator(comparator_weights=None, smoke=False, output=None, seed=0, verbose=0,
                     layer_names=COMPARATOR_LAYERS):
    """The Fashion-MNIST classifier comparator, named by reference: the
    preset `comparator_weights` (default "fashion_mnist_classifier"), or an
    untrained network in smoke runs. `output`, `seed` and `verbose` are
    accepted for the recipes' signature."""
    del output, seed, verbose
    if comparator_weights is None and not smoke:
        comparator_weights = CLASSIFIER_PRESET
    return fashion_mnist_comparator(layer_names, weights=comparator_weights)


class ReconstructionGrid(keras.callbacks.Callback):
    """Originals and reconstructions (and prior samples for a VAE) as PNG
    grids after each epoch."""

    def __init__(self, directory, images):
        super().__init__()
        self.directory = Path(directory)
        self.images = np.asarray(images, "float32")

    def on_epoch_end(self, epoch, logs=None):
        recon = self.model.reconstruct(self.images)
        save_image_grid(interleave_rows(self.images, recon),
                        self.directory / f"reconstructions_epoch{epoch + 1:03d}.png", columns=16, scale=2)
        if self.model.has_prior:
            save_image_grid(self.model.generate(64, seed=0), self.directory / f"samples_epoch{epoch + 1:03d}.png",
                            scale=2)


def train_deepsim(mode, recipe, output=None, epochs=None, batch_size=64, smoke=False, seed=0,
                  dataset="fashion_mnist", verbose=1, comparator_weights=None, comparator_layers=COMPARATOR_LAYERS,
                  inverted_layer=None, discriminator_features=None, learning_rate=2e-4, limit=None,
                  jit_compile="auto", **options):
    """Builds and trains a `DeePSiM` in `mode`; returns the model with a
    `training_record` dict. `options` go to the `DeePSiM` constructor
    (lambdas, pause threshold, ...)."""
    check_dataset(dataset)
    keras.utils.set_random_seed(seed)
    epochs = epochs or (1 if smoke else 10)
    if smoke and jit_compile == "auto":
        jit_compile = False  # compiling costs more than a few steps
    comparator = build_comparator(comparator_weights, smoke, output, seed, verbose, comparator_layers)
    if discriminator_features is None:
        discriminator_features = mode == "inverter"
    nets = deepsim_networks(mode, "small28", channels=1, comparator=comparator, inverted_layer=inverted_layer,
                            discriminator_features=discriminator_features)
    model = SETUPS[mode](**nets, comparator=comparator, seed=seed, **options)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate, beta_1=0.9, beta_2=0.999), jit_compile=jit_compile)
    limit = 4 * batch_size if smoke else limit
    data = datasets.fashion_mnist_dataset("train", batch_size, limit=limit, seed=seed)
    callbacks = []
    if output:
        images = datasets.fashion_mnist_arrays("test", 16)
        callbacks.append(ReconstructionGrid(Path(output) / "grids", images))
    start = time.time()
    history = model.fit(data, epochs=epochs, verbose=verbose, callbacks=callbacks)
    model.training_record = {
        "recipe": f"keras_perceptual.recipes.{recipe}",
        "dataset": dataset,
        "mode": mode,
        "epochs": epochs,
        "steps": int(keras.ops.convert_to_numpy(model.optimizer.iterations)),
        "batch_size": batch_size,
        "optimizer": f"Adam({learning_rate}, beta=(0.9, 0.999))",
        "comparator": {"layers": list(comparator_layers), "weights": comparator.weights_reference},
        "wall_time_s": round(time.time() - start, 1),
        "backend": keras.backend.backend(),
        "final_losses": {k: float(v[-1]) for k, v in history.history.items()},
    }
    return model

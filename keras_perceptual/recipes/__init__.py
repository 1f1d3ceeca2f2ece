"""Training recipes: each model of the zoo's training, as data (a
`keras_perceptual.training.Recipe`: networks and model options, optimizers,
data, budget, smoke settings, pictures). `keras_perceptual.training.train`
runs every one of them; `keras-perceptual train NAME`, the examples and
`benchmarks/train_presets.py` go through it.

    from keras_perceptual.recipes import get_recipe, list_recipes
    list_recipes()                       # {name: description}
    recipe = get_recipe("vaegan")        # a Recipe
    record = keras_perceptual.training.train(recipe, "runs/vaegan", epochs=1)

A `Recipe` is also callable as the recipe modules' `train(output=None,
epochs=None, batch_size=None, smoke=False, seed=0, dataset=None, verbose=1,
**options) -> model` of earlier releases (the examples use it).
"""

import importlib

# name: (module defining it, one-line description). Plain data, read without
# importing Keras (`keras-perceptual train --help`).
RECIPES = {
    "vaegan": ("vaegan", "VAE/GAN (Larsen et al. 2016) on fashion_mnist (28x28) or celeba (64x64, authors' recipe)"),
    "vaegan_celeba64": ("vaegan", "VAE/GAN on CelebA 64x64 with the authors' networks and recipe: trains the "
                                  "celeba64 preset (--data-dir DIR: the official img_align_celeba.zip, a "
                                  "tensorflow_datasets folder or the aligned images)"),
    "vae": ("vae", "Plain VAE (Gaussian pixel likelihood) with the VAE/GAN networks: the VAE/GAN paper's baseline"),
    "deepsim_autoencoder": ("deepsim", "DeePSiM autoencoder (Dosovitskiy & Brox 2016) with a small spatial code "
                                       "on fashion_mnist"),
    "deepsim_vae": ("deepsim", "DeePSiM VAE (Dosovitskiy & Brox 2016): DeePSiM replaces the reconstruction term, "
                               "KL kept, on fashion_mnist"),
    "deepsim_inverter": ("deepsim", "DeePSiM inverter (Dosovitskiy & Brox 2016): decodes comparator features back "
                                    "to the image, on fashion_mnist"),
    "pixel_autoencoder": ("pixel_autoencoder", "L2 (pixel MSE) autoencoder with the DeePSiM autoencoder's networks: "
                                               "DeePSiM's baseline"),
    "fashion_mnist_classifier": ("fashion_mnist_classifier", "Fashion-MNIST CNN classifier (>= 92% test accuracy "
                                                             "in a few CPU epochs), the zoo's comparator"),
    "fashion_mnist_evaluator": ("fashion_mnist_classifier", "Fashion-MNIST evaluation network: the feature "
                                "space of every FID/KID and classifier score; no preset trains against it"),
    "aae": ("aae", "Adversarial autoencoder (GAN or MMD regulariser; Gaussian, mixture, swiss-roll or categorical "
                   "prior) on Fashion-MNIST"),
    "aae_clustering": ("aae_clustering", "AAE clustering on Fashion-MNIST: categorical code (K clusters) + style, "
                                         "GAN or MMD regulariser"),
    "iae": ("iae", "Implicit autoencoder on Fashion-MNIST: noisy encoder and decoder, (x, z) reconstruction GAN, "
                   "code GAN"),
    "iae_clustering": ("iae", "Implicit autoencoder clustering on Fashion-MNIST: categorical code (K clusters), "
                              "judged by validation clustering accuracy"),
}


# dataset: the module of its data pipeline and picture inputs, where loading
# it costs: CelebA's is tf.data, imported when a run trains on CelebA only, so
# a Fashion-MNIST run on JAX or PyTorch never imports TensorFlow.
DATA_SOURCES = {"celeba": "_celeba"}


def data_source(dataset):
    """The module of `dataset`'s data pipeline and picture inputs
    (`DATA_SOURCES`), imported on first use."""
    return importlib.import_module(f"{__name__}.{DATA_SOURCES[dataset]}")


def list_recipes():
    """`{name: description}` of every recipe."""
    return {name: description for name, (_, description) in RECIPES.items()}


def get_recipe(name):
    """The `Recipe` registered as `name`."""
    if name not in RECIPES:
        raise ValueError(f"Unknown recipe. Expected one of {sorted(RECIPES)}. Received: {name!r}")
    module = importlib.import_module(f"{__name__}.{RECIPES[name][0]}")
    return next(r for r in module.RECIPES if r.name == name)


def __getattr__(name):
    # The three DeePSiM recipes stay importable by name, as the modules they were.
    if name in ("deepsim_autoencoder", "deepsim_vae", "deepsim_inverter"):
        return get_recipe(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

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

# Modules defining `RECIPES` (a tuple of `Recipe`s).
_MODULES = ("vaegan", "vae", "deepsim", "pixel_autoencoder", "fashion_mnist_classifier", "aae", "aae_clustering",
            "iae")
# The three DeePSiM recipes, importable by name as the modules they were.
_DEEPSIM = ("deepsim_autoencoder", "deepsim_vae", "deepsim_inverter")


def _registry():
    out = {}
    for module in _MODULES:
        for recipe in importlib.import_module(f"{__name__}.{module}").RECIPES:
            out[recipe.name] = recipe
    return out


def list_recipes():
    """`{name: description}` of every recipe."""
    return {name: recipe.description for name, recipe in _registry().items()}


def get_recipe(name):
    """The `Recipe` registered as `name`."""
    recipes = _registry()
    if name not in recipes:
        raise ValueError(f"Unknown recipe. Expected one of {sorted(recipes)}. Received: {name!r}")
    return recipes[name]


def __getattr__(name):
    if name in _DEEPSIM:
        return get_recipe(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

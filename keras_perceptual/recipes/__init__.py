"""Training recipes: the code that trains each model of the zoo, shared by
`examples/`, the `keras-perceptual train` command and the preset-training
scripts (so none of them is a copy of another).

A recipe is a module `keras_perceptual/recipes/<name>.py` with

    def train(output=None, epochs=None, batch_size=64, smoke=False, seed=0,
              dataset="fashion_mnist", verbose=1, **options) -> keras.Model

that builds the model with the paper's defaults, trains it (a few steps on
a small slice of the data when `smoke=True`), writes sample grids and
`save_pretrained` output under `output` when given, and returns the trained
model. `DESCRIPTION` (one line) says what it trains.
"""

import importlib
import pkgutil


def list_recipes():
    """`{name: description}` of every recipe module in this package."""
    out = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        out[info.name] = getattr(module, "DESCRIPTION", "")
    return out


def get_recipe(name):
    """The `train` function of recipe `name`."""
    names = [i.name for i in pkgutil.iter_modules(__path__) if not i.name.startswith("_")]
    if name not in names:
        raise ValueError(f"Unknown recipe. Expected one of {sorted(names)}. Received: {name!r}")
    return importlib.import_module(f"{__name__}.{name}").train

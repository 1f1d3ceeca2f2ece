"""The training driver: recipes as data, one `train()` that runs every
recipe with exact-resume checkpoints and a stop on the first non-finite
loss.

    from keras_perceptual.training import train
    record = train("vaegan", "runs/vaegan", epochs=1)   # killed? run it again: it resumes
    record.steps, record.final_losses, record.model

`keras-perceptual train` and `benchmarks/train_presets.py` call it.
"""

from keras_perceptual.training.guards import NonFiniteError
from keras_perceptual.training.guards import StopOnNonFinite

_LAZY = {
    "train": "keras_perceptual.training.driver",
    "write_preset": "keras_perceptual.training.driver",
    "Recipe": "keras_perceptual.training.recipe",
    "ArrayData": "keras_perceptual.training.recipe",
    "DatasetData": "keras_perceptual.training.recipe",
    "Validation": "keras_perceptual.training.recipe",
    "has_converged": "keras_perceptual.training.validation",
    "TrainingRecord": "keras_perceptual.training.record",
    "Checkpoint": "keras_perceptual.training.checkpoint",
}

__all__ = ["NonFiniteError", "StopOnNonFinite", *_LAZY]


def __getattr__(name):
    # The models import `guards` from here; the driver (which reaches the
    # models through the recipes) loads on first use, so there is no cycle.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

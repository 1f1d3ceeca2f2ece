"""The one grid writer of the training driver: prior samples,
reconstructions, and decoder-noise rows (same code, different noise),
written after every epoch and at the end of a run."""

from pathlib import Path

import keras
import numpy as np

from keras_perceptual.images import SMOKE_CAPTION  # the title of a smoke run's pictures
from keras_perceptual.images import save_image_grid
from keras_perceptual.model_pictures import DESCRIPTIONS  # noqa: F401 (re-exported: what each picture shows)
from keras_perceptual.model_pictures import FINAL_NAMES
from keras_perceptual.model_pictures import picture


def smoke_title(smoke):
    """The title of a run's pictures: `SMOKE_CAPTION` for a smoke run, else None."""
    return SMOKE_CAPTION if smoke else None


def mark_smoke(description):
    """`description` (None: empty) with `SMOKE_CAPTION` appended, once, for
    a smoke run's metadata and model card (a
    text already saying "SMOKE RUN" is returned as it is)."""
    description = (description or "").strip()
    if "SMOKE RUN" in description:
        return description
    return f"{description} {SMOKE_CAPTION}." if description else f"{SMOKE_CAPTION}."


def preset_samples_picture(model, kind, images, conditions=None, dataset="fashion_mnist", smoke=False):
    """The `Picture` a preset's `samples.png` shows in place of the plain
    prior samples `save_pretrained` draws, or None when those are it: the
    recipe's `kind` of picture, or a conditional model's samples in one
    titled column per class; always the picture with `smoke` (whose
    `samples.png` is titled `SMOKE_CAPTION`)."""
    if kind is None or images is None:
        return None
    if kind == "samples" and not getattr(model, "is_conditional", False) and not smoke:
        return None
    return picture(model, kind, images, conditions, dataset=dataset)


def write_pictures(model, kinds, directory, images, conditions=None, suffix="", seed=0, dataset="fashion_mnist",
                   title=None):
    """Writes each kind of picture as `directory/<kind><suffix>.png` (the
    final names of `FINAL_NAMES` when `suffix` is empty), under `title`
    when given (`smoke_title`); returns the paths."""
    paths = []
    for kind in kinds:
        shown = picture(model, kind, images, conditions, seed=seed, dataset=dataset)
        name = FINAL_NAMES[kind] if not suffix else f"{kind}{suffix}.png"
        paths.append(save_image_grid(shown.images, Path(directory) / name, scale=2, title=title,
                                     **shown.captions()))
    return paths


class EpochPictures(keras.callbacks.Callback):
    """`write_pictures(..., suffix="_epoch{E:03d}")` after every epoch.

    Args:
        directory: output folder.
        kinds: kinds of picture (see `picture`).
        images: real images in [-1, 1].
        conditions: `(sample_conditions, image_conditions)` of a conditional
            model, or None.
        seed: seed of the prior draws.
        dataset: whose class names caption the pictures.
        title: written above every picture (`smoke_title`).
    """

    def __init__(self, directory, kinds, images, conditions=None, seed=0, dataset="fashion_mnist", title=None):
        super().__init__()
        self.directory = Path(directory)
        self.kinds = tuple(kinds)
        self.images = np.asarray(images, "float32")
        self.conditions = conditions
        self.seed = seed
        self.dataset = dataset
        self.title = title

    def on_epoch_end(self, epoch, logs=None):
        write_pictures(self.model, self.kinds, self.directory, self.images, self.conditions,
                       suffix=f"_epoch{epoch + 1:03d}", seed=self.seed, dataset=self.dataset, title=self.title)

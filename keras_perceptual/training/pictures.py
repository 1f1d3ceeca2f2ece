"""The one grid writer of the training driver: prior samples,
reconstructions, and decoder-noise rows (same code, different noise),
written after every epoch and at the end of a run."""

from pathlib import Path
from typing import NamedTuple
from typing import Optional

import keras
import numpy as np

from keras_perceptual.callbacks import interleave_rows
from keras_perceptual.data_files import class_names
from keras_perceptual.images import SMOKE_CAPTION  # the title of a smoke run's pictures
from keras_perceptual.images import save_image_grid



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


# File name of each kind of picture at the end of a run.
FINAL_NAMES = {"samples": "samples.png", "reconstructions": "reconstructions.png",
               "noise": "same_code_different_noise.png", "classes": "classes.png"}
DESCRIPTIONS = {"reconstructions": "test images (rows labelled input) above their reconstructions (rows "
                                   "labelled reconstruction)",
                "noise": "one test image per row (column input), then its code decoded with 9 decoder noises "
                         "(columns noise 1 to noise 9)",
                "classes": "test images in rows by predicted class, each row labelled with its class",
                "class_samples": "prior samples (seed 0), one column per class, titled with its name"}


class Picture(NamedTuple):
    """A grid of images in [-1, 1] with its layout and captions (see
    `images.save_image_grid`), and a sentence saying what it shows (a model
    card's caption)."""

    images: np.ndarray
    columns: Optional[int] = None
    row_labels: Optional[list] = None
    column_labels: Optional[list] = None
    description: str = ""

    def captions(self):
        """The keyword arguments of `save_image_grid` / `update_preset`."""
        return dict(columns=self.columns, row_labels=self.row_labels, column_labels=self.column_labels)


def picture(model, kind, images, conditions=None, num_samples=64, seed=0, dataset="fashion_mnist"):
    """One kind of picture, captioned: a `Picture`.

    Args:
        model: a trained zoo model.
        kind: "samples" (decoder on `num_samples` fixed prior draws; a
            conditional model's in one column per class, titled with its
            name; attribute conditions are drawn as given),
            "reconstructions" (`images` in odd rows, reconstructions
            below), "noise" (a row per image: the image, then its code
            decoded with 9 decoder noises) or "classes" (a classifier's: up
            to 8 images per predicted class, a row per class, named).
        images: real images in [-1, 1].
        conditions: for a conditional model, `(sample_conditions,
            image_conditions)`.
        seed: seed of the prior draws and noises.
        dataset: whose class names caption the rows or columns.
    """
    sample_c, image_c = conditions if conditions is not None else (None, None)
    if kind == "samples":
        one_hot = sample_c is not None and np.all(np.sum(sample_c, axis=-1) == 1) and np.all(sample_c >= 0)
        if not one_hot or sample_c.shape[-1] > 16:
            # Unconditional, or attributes (CelebA's): the conditions as given.
            # No description: a card's default caption (model_card) says what they are.
            return Picture(np.asarray(model.generate(num_samples, conditions=sample_c, seed=seed)))
        # Whole rows of one sample per class, a column per class.
        n = sample_c.shape[-1]
        rows = max(1, num_samples // n)
        sample_c = np.eye(n, dtype="float32")[np.arange(rows * n) % n]
        return Picture(np.asarray(model.generate(rows * n, conditions=sample_c, seed=seed)), n,
                       column_labels=class_names(n, dataset), description=DESCRIPTIONS["class_samples"])
    if kind == "classes":
        logits = np.asarray(model.predict(images, verbose=0))
        predicted, num_classes = np.argmax(logits, axis=-1), logits.shape[-1]
        picks = [np.flatnonzero(predicted == c)[:8] for c in range(num_classes)]
        # Rows stay one class each only when every class fills its row.
        full = all(len(p) == 8 for p in picks)
        return Picture(images[np.concatenate(picks)], 8,
                       row_labels=class_names(num_classes, dataset) if full else None,
                       description=DESCRIPTIONS["classes"])
    images = images[:32]
    if image_c is not None:
        image_c = image_c[:32]
    if kind == "reconstructions":
        recon = model.reconstruct(images, conditions=image_c)
        return Picture(interleave_rows(images, recon), min(len(images), 16),
                       row_labels=["input", "reconstruction"], description=DESCRIPTIONS["reconstructions"])
    if kind == "noise":
        x = images[:10]
        grid = np.asarray(model.vary_noise(x, num_samples=9, seed=seed))
        return Picture(np.concatenate([x[:, None], grid], axis=1).reshape((-1,) + tuple(x.shape[1:])), 10,
                       column_labels=["input"] + [f"noise {i}" for i in range(1, 10)],
                       description=DESCRIPTIONS["noise"])
    raise ValueError(f"`kind` must be one of {tuple(FINAL_NAMES)}. Received: kind={kind!r}")


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

"""The one grid writer of the training driver: prior samples,
reconstructions, and decoder-noise rows (same code, different noise),
written after every epoch and at the end of a run."""

from pathlib import Path

import keras
import numpy as np

from keras_perceptual.callbacks import interleave_rows
from keras_perceptual.images import save_image_grid

# File name of each kind of picture at the end of a run.
FINAL_NAMES = {"samples": "samples.png", "reconstructions": "reconstructions.png",
               "noise": "same_code_different_noise.png", "classes": "classes.png"}
DESCRIPTIONS = {"reconstructions": "test images (odd rows) above their reconstructions (even rows)",
                "noise": "one test image per row, then its code decoded with 9 decoder noises",
                "classes": "test images in rows by predicted class (classes 0-9)"}


def picture(model, kind, images, conditions=None, num_samples=64, seed=0):
    """`(grid_images, columns)` of one kind of picture.

    Args:
        model: a trained zoo model.
        kind: "samples" (decoder on `num_samples` fixed prior draws),
            "reconstructions" (`images` in odd rows, reconstructions below)
            "noise" (a row per image: the image, then its code decoded
            with 9 decoder noises) or "classes" (a classifier's: up to 8
            images per predicted class, a row per class).
        images: real images in [-1, 1].
        conditions: for a conditional model, `(sample_conditions,
            image_conditions)`.
        seed: seed of the prior draws and noises.
    """
    sample_c, image_c = conditions if conditions is not None else (None, None)
    if kind == "samples":
        return np.asarray(model.generate(num_samples, conditions=sample_c, seed=seed)), None
    if kind == "classes":
        predicted = np.argmax(model.predict(images, verbose=0), axis=-1)
        picks = np.concatenate([np.flatnonzero(predicted == c)[:8] for c in range(int(predicted.max()) + 1)])
        return images[picks], 8
    images = images[:32]
    if image_c is not None:
        image_c = image_c[:32]
    if kind == "reconstructions":
        recon = model.reconstruct(images, conditions=image_c)
        return interleave_rows(images, recon), min(len(images), 16)
    if kind == "noise":
        x = images[:10]
        grid = np.asarray(model.vary_noise(x, num_samples=9, seed=seed))
        return np.concatenate([x[:, None], grid], axis=1).reshape((-1,) + tuple(x.shape[1:])), 10
    raise ValueError(f"`kind` must be one of {tuple(FINAL_NAMES)}. Received: kind={kind!r}")


def write_pictures(model, kinds, directory, images, conditions=None, suffix="", seed=0):
    """Writes each kind of picture as `directory/<kind><suffix>.png` (the
    final names of `FINAL_NAMES` when `suffix` is empty); returns the paths."""
    paths = []
    for kind in kinds:
        grid, columns = picture(model, kind, images, conditions, seed=seed)
        name = FINAL_NAMES[kind] if not suffix else f"{kind}{suffix}.png"
        paths.append(save_image_grid(grid, Path(directory) / name, columns=columns, scale=2))
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
    """

    def __init__(self, directory, kinds, images, conditions=None, seed=0):
        super().__init__()
        self.directory = Path(directory)
        self.kinds = tuple(kinds)
        self.images = np.asarray(images, "float32")
        self.conditions = conditions
        self.seed = seed

    def on_epoch_end(self, epoch, logs=None):
        write_pictures(self.model, self.kinds, self.directory, self.images, self.conditions,
                       suffix=f"_epoch{epoch + 1:03d}", seed=self.seed)

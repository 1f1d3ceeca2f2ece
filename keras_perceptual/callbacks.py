"""Callbacks: side effects such as sample grids live here, not in models."""

from pathlib import Path

import keras
import numpy as np

from keras_perceptual.images import save_image_grid


class SampleGrid(keras.callbacks.Callback):
    """Writes PNG grids at the end of every `every` epochs:
    `samples_epoch{E}.png` (decoder on fixed prior draws, so epochs are
    comparable) and, when `images` are given, `reconstructions_epoch{E}.png`
    (originals in odd rows, reconstructions below them).

    Args:
        directory: output folder.
        num_samples: number of prior samples in the grid.
        images: optional batch of real images in [-1, 1] to reconstruct.
        conditions: for a conditional model, the conditions of the samples
            (`(num_samples, condition_dim)`) and of `images` as a pair
            `(sample_conditions, image_conditions)`.
        every: epochs between grids.
        scale: pixel enlargement of the PNG.
        seed: seed of the fixed prior draws.
    """

    def __init__(self, directory, num_samples=64, images=None, conditions=None, every=1, scale=2, seed=0):
        super().__init__()
        if every < 1:
            raise ValueError(f"`every` must be >= 1. Received: every={every}")
        self.directory = Path(directory)
        self.num_samples = num_samples
        self.images = None if images is None else np.asarray(images, "float32")
        self.conditions = conditions
        self.every = every
        self.scale = scale
        self.seed = seed
        self.written = []

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        model = self.model
        sample_c, image_c = self.conditions if self.conditions is not None else (None, None)
        samples = model.generate(self.num_samples, conditions=sample_c, seed=self.seed)
        path = save_image_grid(samples, self.directory / f"samples_epoch{epoch + 1:03d}.png", scale=self.scale)
        self.written.append(path)
        if self.images is not None:
            recon = model.reconstruct(self.images, conditions=image_c)
            path = save_image_grid(interleave_rows(self.images, recon),
                                   self.directory / f"reconstructions_epoch{epoch + 1:03d}.png",
                                   columns=min(len(self.images), 16), scale=self.scale)
            self.written.append(path)


def interleave_rows(originals, reconstructions, columns=16):
    """Rows of `columns` originals, each followed by its reconstructions' row."""
    originals = np.asarray(originals)
    reconstructions = np.asarray(reconstructions)
    rows = []
    for i in range(0, len(originals), columns):
        rows.append(originals[i : i + columns])
        rows.append(reconstructions[i : i + columns])
    return np.concatenate(rows, axis=0)

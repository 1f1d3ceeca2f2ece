"""Callbacks: side effects such as sample grids live here, not in models."""

from pathlib import Path

import keras
import numpy as np
from PIL import Image

from keras_perceptual.backend.summary import write_image
from keras_perceptual.images import interleave_rows
from keras_perceptual.images import save_image_grid


class SampleGrid(keras.callbacks.Callback):
    """Writes PNG grids at the end of every `every` epochs:
    `samples_epoch{E}.png` (decoder on fixed prior draws, so epochs are
    comparable) and, when `images` are given, `reconstructions_epoch{E}.png`
    (rows of originals, each followed by their reconstructions' row, the rows
    captioned "original" / "reconstruction"). With `log_dir`, the same grids
    also go to TensorBoard (`samples`, `reconstructions` images at step E).

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
        class_names: for a conditional model whose sample conditions cycle
            through the classes, their names: one column per class, titled.
        log_dir: a TensorBoard log folder (e.g. the `keras.callbacks.TensorBoard`
            one) to also write the grids to; None: PNG files only.
        title: written above every grid (e.g. `images.SMOKE_CAPTION` in a
            smoke run).

    Example:
    >>> grids = SampleGrid("runs/grids", images=test_images[:16], log_dir="runs/logs")
    >>> model.fit(data, epochs=10, callbacks=[grids, keras.callbacks.TensorBoard("runs/logs")])

    Reference:
        keras.io's generative examples keep such side effects in callbacks.
    """

    def __init__(self, directory, num_samples=64, images=None, conditions=None, every=1, scale=2, seed=0,
                 class_names=None, log_dir=None, title=None):
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
        self.class_names = None if class_names is None else [str(n) for n in class_names]
        self.log_dir = log_dir
        self.title = title
        self.written = []

    def _save(self, images, name, epoch, **kwargs):
        path = save_image_grid(images, self.directory / f"{name}_epoch{epoch:03d}.png", scale=self.scale,
                               title=self.title, **kwargs)
        self.written.append(path)
        if self.log_dir is not None:
            write_image(Path(self.log_dir) / "images", name, np.asarray(Image.open(path).convert("RGB")), epoch)

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every:
            return
        model = self.model
        sample_c, image_c = self.conditions if self.conditions is not None else (None, None)
        samples = model.generate(self.num_samples, conditions=sample_c, seed=self.seed)
        columns = len(self.class_names) if self.class_names and sample_c is not None else None
        self._save(samples, "samples", epoch + 1, columns=columns,
                   column_labels=self.class_names if columns else None)
        if self.images is not None:
            recon = model.reconstruct(self.images, conditions=image_c)
            self._save(interleave_rows(self.images, recon), "reconstructions", epoch + 1,
                       columns=min(len(self.images), 16), row_labels=["original", "reconstruction"])

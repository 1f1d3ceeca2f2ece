"""The pictures of a model, captioned: prior samples (a conditional
model's one column per class), reconstructions, decoder-noise rows and a
classifier's test images by predicted class, each a `Picture` that
`images.save_image_grid` draws. NumPy and Pillow only: `save_pretrained`'s
`samples.png` (`preset_writer`) and the training driver's grids
(`training.pictures`) both draw them."""

from typing import NamedTuple
from typing import Optional

import numpy as np

from keras_perceptual.data_files import class_names
from keras_perceptual.images import interleave_rows


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

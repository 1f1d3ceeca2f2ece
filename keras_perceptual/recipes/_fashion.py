"""Fashion-MNIST data and picture inputs shared by the recipes."""

import numpy as np

from keras_perceptual.data_files import fashion_mnist_arrays
from keras_perceptual.training.recipe import ArrayData


def fashion_data(options, batch_size, targets=None):
    """`ArrayData` of the first `options["limit"]` training images (all
    when None); `targets`: None, "labels" (int) or "one_hot"."""
    x, y = fashion_mnist_arrays("train", options.get("limit"), labels=True, path=options.get("data_dir"))
    if targets == "one_hot":
        y = np.eye(10, dtype="float32")[y]
    elif targets is None:
        y = None
    return ArrayData(x, y, batch_size=batch_size)


def fashion_pictures(options, n=500, conditional=False):
    """Test images for the pictures (and the conditions of a conditional
    model: one sample column per class, the test images' one-hot labels)."""
    x, y = fashion_mnist_arrays("test", n, labels=True, path=options.get("data_dir"))
    if not conditional:
        return x, None
    eye = np.eye(10, dtype="float32")
    return x, (eye[np.arange(64) % 10], eye[y])

"""Input checks shared by the zoo's models: `ValueError`s that name the
argument, what was received and what was expected."""

import keras
import numpy as np
from keras import ops


def check_choice(name, value, choices):
    if value not in choices:
        raise ValueError(f"`{name}` must be one of {tuple(choices)}. Received: {name}={value!r}")


def check_nonnegative(**values):
    for name, value in values.items():
        if value is None or value < 0:
            raise ValueError(f"`{name}` must be >= 0. Received: {name}={value}")


def check_images(images, image_shape, name="images"):
    """Checks a batch of images meant for a model that reads [-1, 1] floats.

    Raises `ValueError` for the wrong rank, size or channel count, integer
    data (e.g. uint8), NaN/Inf values (with their count) and float data
    outside [-1, 1] (e.g. [0, 255]); never rescales. Returns a float32 NumPy array.
    """
    arr = np.asarray(images)
    expected = (None,) + tuple(image_shape)
    if arr.ndim != 4:
        raise ValueError(
            f"`{name}` must be a batch of images of shape {expected} (batch, height, "
            f"width, channels). Received: {name}.shape={arr.shape}"
        )
    if tuple(arr.shape[1:]) != tuple(image_shape):
        raise ValueError(
            f"`{name}` has the wrong image size or channel count. Expected shape "
            f"{expected}. Received: {name}.shape={arr.shape}"
        )
    if not np.issubdtype(arr.dtype, np.floating):
        raise ValueError(
            f"`{name}` must be floats in [-1, 1]. Received dtype {arr.dtype}: scale "
            "uint8 images with `x / 127.5 - 1` (keras_perceptual.datasets does this)."
        )
    bad = int(arr.size - np.count_nonzero(np.isfinite(arr)))
    if bad:
        raise ValueError(
            f"`{name}` must hold finite values in [-1, 1]. Received {bad} NaN/Inf value(s) "
            f"among {arr.size}."
        )
    if arr.size:
        lo, hi = float(arr.min()), float(arr.max())
        if lo < -1.001 or hi > 1.001:
            raise ValueError(
                f"`{name}` must hold values in [-1, 1]. Received values in "
                f"[{lo:.3g}, {hi:.3g}]; for [0, 255] data use `x / 127.5 - 1`, for "
                "[0, 1] data `2 * x - 1`."
            )
    return arr.astype("float32", copy=False)


def split_conditional_data(data, conditional, image_shape, who):
    """`data -> (x, y)` for a training step, with static checks of `x`."""
    x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
    shape = tuple(x.shape)
    if len(shape) != 4 or tuple(shape[1:]) != tuple(image_shape):
        raise ValueError(
            f"{who} expects images of shape {(None,) + tuple(image_shape)}. "
            f"Received: x.shape={shape}"
        )
    if "int" in str(x.dtype) or "bool" in str(x.dtype):
        raise ValueError(
            f"{who} expects float images in [-1, 1]. Received dtype {x.dtype}; "
            "scale uint8 images with `x / 127.5 - 1`."
        )
    if conditional:
        if y is None:
            raise ValueError(
                f"This {who} is conditional: the data must be `(images, conditions)`. "
                "Received images only."
            )
        y = ops.cast(y, "float32")
    else:
        y = None
    return x, y

"""Model-specific checks: what a training step reads from its data. The
generic checks (numbers, choices, images, codes) live in
`keras_perceptual.validation`, the package's one validation layer."""

import keras
from keras import ops

import keras_perceptual.validation as validation


def check_choice(name, value, choices):
    """`validation.expect_choice` (kept for the recipes that import it here)."""
    return validation.expect_choice(name, value, choices)


def split_conditional_data(data, conditional, image_shape, who):
    """`data -> (x, y)` for a training step, with static checks of `x`."""
    x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
    shape = tuple(x.shape)
    if len(shape) != 4 or tuple(shape[1:]) != tuple(image_shape):
        raise validation.fail("x", f"images of shape {(None,) + tuple(image_shape)} for {who}",
                              f"x.shape={shape}")
    if "int" in str(x.dtype) or "bool" in str(x.dtype):
        raise validation.fail("x", f"float images in [-1, 1] for {who}", f"dtype {x.dtype}",
                              hint="Scale uint8 images with `x / 127.5 - 1`.")
    if conditional:
        if y is None:
            raise validation.fail("data", f"`(images, conditions)` (this {who} is conditional)", "images only")
        y = ops.cast(y, "float32")
    else:
        y = None
    return x, y

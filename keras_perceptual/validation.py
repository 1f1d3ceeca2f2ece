"""The one validation layer: every public entry point checks its arguments
here, once, at the edge, and refuses bad values with a `ValueError` in the
house style:

    Expected `batch_size` to be an int >= 1, received batch_size=-3 (int).

Nothing here imports a framework (NumPy only), so every layer of the package
can use it. A value that passes is returned in its canonical form (a Python
int, a float32 array, ...), so a caller uses the returned value, never the
raw input.
"""

import math
import os
from pathlib import Path

import numpy as np

# What one call may allocate for its output before it is refused up front
# (`generate(10**9)` would otherwise try to allocate hundreds of GiB).
MAX_OUTPUT_BYTES = 8 * 2**30


def _received(name, value):
    text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    return f"{name}={text} ({type(value).__name__})"


def fail(name, expected, received=None, hint=None, error=ValueError):
    """An error in the house style: "Expected `name` to be ..., received ...".

    `received` is the text after "received" (default: `name=value (type)`
    is written by the callers below); `hint` a sentence on what to do."""
    message = f"Expected `{name}` to be {expected}, received {received}."
    if hint:
        message += f" {hint}"
    return error(message)


def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _is_number(value):
    return _is_int(value) or isinstance(value, (float, np.floating))


def expect_int(name, value, minimum=None, maximum=None, allow_none=False):
    """`value` as a Python int in [minimum, maximum]."""
    if value is None and allow_none:
        return None
    bounds = _bounds_text(minimum, maximum)
    if not _is_int(value) or (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise fail(name, f"an int{bounds}" + (" or None" if allow_none else ""), _received(name, value))
    return int(value)


def expect_float(name, value, minimum=None, maximum=None, above=None, allow_none=False):
    """`value` as a finite Python float in [minimum, maximum] (and > `above`)."""
    if value is None and allow_none:
        return None
    bounds = _bounds_text(minimum, maximum, above)
    if (not _is_number(value) or not math.isfinite(float(value))
            or (minimum is not None and value < minimum) or (maximum is not None and value > maximum)
            or (above is not None and value <= above)):
        raise fail(name, f"a finite number{bounds}" + (" or None" if allow_none else ""), _received(name, value))
    return float(value)


def expect_bool(name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise fail(name, "True or False", _received(name, value))
    return bool(value)


def expect_choice(name, value, choices):
    choices = tuple(choices)
    try:
        ok = value in choices
    except TypeError:
        ok = False
    if not ok:
        raise fail(name, f"one of {choices}", _received(name, value))
    return value


def expect_seed(name, value):
    """A seed: None (fresh entropy) or an int in [0, 2**32 - 1]."""
    return expect_int(name, value, minimum=0, maximum=2**32 - 1, allow_none=True)


def expect_int_list(name, value, minimum=1, allow_empty=False):
    """A list/tuple of ints >= minimum (e.g. convolution filters)."""
    if (not isinstance(value, (list, tuple)) or (not value and not allow_empty)
            or not all(_is_int(v) and v >= minimum for v in value)):
        raise fail(name, f"a {'' if allow_empty else 'non-empty '}list of ints >= {minimum}", _received(name, value))
    return [int(v) for v in value]


def expect_array(name, value, shape=None, finite=True, value_range=None, dtype="float32"):
    """`value` as a float array of `shape` (None entries: any size), every
    value finite and in `value_range` when given (`dtype` None: the array's
    own numeric dtype)."""
    arr = _as_numeric(name, value, "an array of numbers")
    if shape is not None:
        expected = tuple(shape)
        if arr.ndim != len(expected) or any(e is not None and e != s for e, s in zip(expected, arr.shape)):
            raise fail(name, f"an array of shape {_shape_text(expected)}", f"shape {arr.shape}")
    if dtype is not None:
        arr = arr.astype(dtype, copy=False)
    if finite:
        bad = int(arr.size - np.count_nonzero(np.isfinite(arr)))
        if bad:
            raise fail(name, "finite values", f"{bad} NaN/Inf value(s) among {arr.size}")
    if value_range is not None and arr.size:
        lo, hi = float(np.min(arr)), float(np.max(arr))
        if lo < value_range[0] or hi > value_range[1]:
            raise fail(name, f"values in [{value_range[0]:g}, {value_range[1]:g}]", f"values in [{lo:.4g}, {hi:.4g}]")
    return arr


def expect_one_hot(name, value, num_classes, rows=None):
    """Rows of a class-conditional model's conditions: one-hot vectors of
    length `num_classes` (a single 1, zeros elsewhere)."""
    arr = expect_array(name, value, shape=(rows, num_classes))
    ones = np.count_nonzero(arr == 1, axis=1)
    zeros = np.count_nonzero(arr == 0, axis=1)
    bad = np.flatnonzero((ones != 1) | (ones + zeros != num_classes))
    if bad.size:
        i = int(bad[0])
        raise fail(name, f"one-hot rows of length {num_classes} (a single 1, zeros elsewhere)",
                   f"{bad.size} row(s) that are not, the first (row {i}) {np.round(arr[i], 4).tolist()}")
    return arr


def expect_allocation(name, count, bytes_each, limit=MAX_OUTPUT_BYTES):
    """Refuses a count whose output would need more than `limit` bytes."""
    need = int(count) * int(bytes_each)
    if need > limit:
        most = max(1, limit // max(1, int(bytes_each)))
        raise fail(name, f"at most {most} (the output would need {need / 2**30:.1f} GiB, the limit is "
                   f"{limit / 2**30:.0f} GiB)", _received(name, count),
                   hint="Ask for fewer and call again in chunks.")
    return count


def expect_count(name, value, minimum=0, bytes_each=None, limit=MAX_OUTPUT_BYTES):
    """A count of things to make (`num_samples`, `steps`): an int >= minimum,
    refused up front when its output (`bytes_each` per item) would not fit."""
    value = expect_int(name, value, minimum=minimum)
    if bytes_each is not None:
        expect_allocation(name, value, bytes_each, limit)
    return value


# How far a float image may stray outside [-1, 1] (float32 round-off of a tanh).
IMAGE_RANGE_TOLERANCE = 1e-3


def expect_images(name, value, image_shape=None, value_range=(-1.0, 1.0), allow_empty=True):
    """A batch of images `(n, h, w, c)` as float32: floats (not integers),
    finite, in `value_range` (default [-1, 1], what every model reads), of
    `image_shape` `(h, w, c)` when given. Never rescales: integer data is
    refused with the scaling to apply."""
    expected_shape = (None,) + (tuple(image_shape) if image_shape is not None else (None, None, None))
    arr = _as_numeric(name, value, f"a batch of images of shape {_shape_text(expected_shape)}")
    if arr.ndim != 4 or any(e is not None and e != s for e, s in zip(expected_shape, arr.shape)):
        raise fail(name, f"a batch of images of shape {_shape_text(expected_shape)} (batch, height, width, "
                   "channels)", f"an array of shape {arr.shape}",
                   hint="Add a batch axis with `images[None]` for a single image." if arr.ndim == 3 else None)
    if not allow_empty and arr.shape[0] == 0:
        raise fail(name, "a non-empty batch of images", f"an array of shape {arr.shape}")
    lo_text, hi_text = f"{value_range[0]:g}", f"{value_range[1]:g}"
    if arr.dtype.kind != "f":
        hint = (f"Scale uint8 images in [0, 255] with `x / 127.5 - 1` (keras_perceptual.datasets does this)."
                if tuple(value_range) == (-1.0, 1.0) else
                f"Scale them to [{lo_text}, {hi_text}] as floats.")
        raise fail(name, f"float images in [{lo_text}, {hi_text}]",
                   f"an array of dtype {arr.dtype} and shape {arr.shape}", hint=hint)
    arr = arr.astype("float32", copy=False)
    bad = int(arr.size - np.count_nonzero(np.isfinite(arr)))
    if bad:
        raise fail(name, f"finite images in [{lo_text}, {hi_text}]",
                   f"{bad} NaN/Inf value(s) among {arr.size} (shape {arr.shape})")
    if arr.size:
        lo, hi = float(arr.min()), float(arr.max())
        if lo < value_range[0] - IMAGE_RANGE_TOLERANCE or hi > value_range[1] + IMAGE_RANGE_TOLERANCE:
            hint = ("For [0, 255] data use `x / 127.5 - 1`, for [0, 1] data `2 * x - 1`."
                    if tuple(value_range) == (-1.0, 1.0) else None)
            raise fail(name, f"images with values in [{lo_text}, {hi_text}]",
                       f"values in [{lo:.4g}, {hi:.4g}]", hint=hint)
    return arr


def expect_labels(name, value, num_classes, rows=None):
    """Integer class indices `(n,)` in [0, num_classes) (integral floats pass)."""
    arr = _as_numeric(name, value, f"an array of integer class indices in [0, {num_classes})")
    if arr.ndim != 1 or (rows is not None and arr.shape[0] != rows):
        raise fail(name, f"an array of class indices of shape ({'n' if rows is None else rows},)",
                   f"an array of shape {arr.shape}")
    if arr.dtype.kind == "b":
        raise fail(name, f"integer class indices in [0, {num_classes})", f"an array of dtype {arr.dtype}")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise fail(name, f"integer class indices in [0, {num_classes})",
                       f"non-integral values, e.g. {arr[np.flatnonzero(~np.isfinite(arr) | (arr != np.round(arr)))[:3]].tolist()}")
    arr = arr.astype("int64")
    bad = arr[(arr < 0) | (arr >= num_classes)]
    if bad.size:
        raise fail(name, f"class indices in [0, {num_classes})",
                   f"{bad.size} value(s) outside, e.g. {np.unique(bad)[:5].tolist()}")
    return arr


def _as_numeric(name, value, expected):
    """`value` as a NumPy array of numbers (bool, int, uint or float), or a
    `ValueError` naming what it was (strings, objects, ragged lists)."""
    if isinstance(value, (str, bytes)):
        raise fail(name, expected, _received(name, value))
    try:
        arr = np.asarray(value)
    except Exception as e:  # ragged lists, objects NumPy cannot hold
        raise fail(name, expected, f"{type(value).__name__} ({type(e).__name__}: {e})") from e
    if arr.dtype.kind not in "biuf":
        raise fail(name, expected, f"an array of dtype {arr.dtype} and shape {arr.shape}")
    return arr


def inside(folder, relative, name="path"):
    """`folder / relative`, resolved, refused unless it stays inside `folder`
    (no absolute path, no `..` that climbs out, no link pointing out)."""
    base = Path(folder).resolve()
    text = os.fspath(relative)
    if not text or "\x00" in text or os.path.isabs(text):
        raise fail(name, f"a relative path inside {base}", _received(name, text))
    target = (base / text).resolve()
    if target != base and base not in target.parents:
        raise fail(name, f"a path inside {base}", f"{text!r}, which resolves to {target}")
    return target


def _number_text(value):
    return str(value) if _is_int(value) else f"{value:g}"


def _bounds_text(minimum=None, maximum=None, above=None):
    parts = []
    if above is not None:
        parts.append(f"> {_number_text(above)}")
    if minimum is not None:
        parts.append(f">= {_number_text(minimum)}")
    if maximum is not None:
        parts.append(f"<= {_number_text(maximum)}")
    return (" " + " and ".join(parts)) if parts else ""


def _shape_text(shape):
    return "(" + ", ".join("any" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"

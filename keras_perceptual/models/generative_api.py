"""What every image model of the zoo offers its users (`generate`,
`interpolate`, batched NumPy inference) and the input checks they share."""

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
    data (e.g. uint8) and float data outside [-1, 1] (e.g. [0, 255]); never
    rescales. Returns a float32 NumPy array.
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


class GenerativeAPI:
    """Mixin of image models with a code space: needs `latent_dim`,
    `image_shape`, `conditional`, `condition_dim`, `encode` and `decode`."""

    def sample_prior(self, n, seed=None):
        """`n` codes from the prior p(z) (standard normal here). NumPy."""
        rng = np.random.default_rng(seed)
        return rng.standard_normal((n, self.latent_dim)).astype("float32")

    def generate(self, n, conditions=None, seed=None, batch_size=256):
        """`n` images `decode(z)`, `z ~ p(z)`, values in [-1, 1]. NumPy.

        Args:
            n: int > 0.
            conditions: `(n, condition_dim)` (or one row, repeated) for a
                conditional model.
            seed: seed of the prior draw.
        """
        if not isinstance(n, (int, np.integer)) or n <= 0:
            raise ValueError(f"`n` must be a positive int. Received: n={n!r}")
        return self.decode(self.sample_prior(int(n), seed), conditions, batch_size=batch_size)

    def interpolate(self, start, end, steps=8, conditions=None):
        """Images along the straight line between two codes. `start` and
        `end` are images (encoded first) or codes. Returns `(steps, ...)`."""
        if not isinstance(steps, int) or steps < 2:
            raise ValueError(f"`steps` must be an int >= 2. Received: steps={steps!r}")
        a, b = self._as_code(start, "start"), self._as_code(end, "end")
        t = np.linspace(0.0, 1.0, steps, dtype="float32")[:, None]
        z = (1.0 - t) * a[None] + t * b[None]
        if conditions is not None:
            conditions = np.asarray(conditions, "float32").reshape(1, -1).repeat(steps, 0)
        return self.decode(z, conditions)

    def _as_code(self, value, name):
        arr = np.asarray(value, dtype="float32")
        if arr.shape == (self.latent_dim,):
            return arr
        if arr.shape == tuple(self.image_shape):
            arr = arr[None]
        return self.encode(check_images(arr, self.image_shape, name))[0]

    def check_conditions(self, conditions, n):
        if not self.conditional:
            if conditions is not None:
                raise ValueError(
                    "This model is unconditional. Received: conditions with shape "
                    f"{np.shape(conditions)}"
                )
            return None
        if conditions is None:
            raise ValueError(
                f"This model is conditional: pass `conditions` of shape (n, {self.condition_dim})."
            )
        c = np.asarray(conditions, dtype="float32")
        if c.ndim == 1:
            c = c[None]
        if c.shape[0] == 1 and n > 1:
            c = np.repeat(c, n, axis=0)
        if c.shape != (n, self.condition_dim):
            raise ValueError(
                f"`conditions` must have shape ({n}, {self.condition_dim}). "
                f"Received: conditions.shape={np.shape(conditions)}"
            )
        return c

    @staticmethod
    def predict_batches(fn, arrays, batch_size=256):
        """Applies `fn` to aligned NumPy arrays batch by batch; NumPy out."""
        n = len(arrays[0])
        outs = []
        for i in range(0, n, batch_size):
            out = fn(*[ops.convert_to_tensor(a[i : i + batch_size]) for a in arrays])
            outs.append(ops.convert_to_numpy(ops.cast(out, "float32")))
        return np.concatenate(outs, axis=0) if outs else np.zeros((0,), "float32")

    def fit(self, x=None, y=None, **kwargs):
        """`keras.Model.fit`, after checking the first batch of images is
        float data in [-1, 1] of the model's image shape."""
        self._check_first_batch(x)
        return super().fit(x, y, **kwargs)

    def _check_first_batch(self, x):
        first = None
        if isinstance(x, np.ndarray):
            first = x[:256]
        elif isinstance(x, (tuple, list)) and x and isinstance(x[0], np.ndarray):
            first = x[0][:256]
        elif hasattr(x, "element_spec") and hasattr(x, "take"):
            for batch in x.take(1):
                batch = batch[0] if isinstance(batch, (tuple, list)) else batch
                first = np.asarray(batch)
        if first is not None:
            check_images(first, self.image_shape, "x")

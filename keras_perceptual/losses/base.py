"""The base of every loss class here, built like keras's `LossFunctionWrapper`
(keras/src/losses/losses.py): a per-sample function plus its keyword
arguments, whose config is those arguments."""

import copy

import keras

import keras_perceptual.validation as validation


def check_choice(name, value, choices):
    """`validation.expect_choice` (the losses' modes)."""
    return validation.expect_choice(name, value, choices)


class LossFunctionWrapper(keras.losses.Loss):
    """A `keras.losses.Loss` that calls `fn(y_true, y_pred, **kwargs)`.

    As keras's `LossFunctionWrapper`, with two differences: `call` passes
    `y_true` and `y_pred` as they are (the targets here are features, labels
    or prior samples, whose rank may differ from `y_pred`'s), and the config
    holds the loss's name, reduction, dtype and `kwargs`, not `fn`, which each
    subclass fixes. The kwargs read back as attributes (`loss.mode`). A
    subclass checks its arguments with the same function its `fn` uses,
    before passing them here.

    Args:
        fn: the per-sample loss, `fn(y_true, y_pred, **kwargs) -> (batch,)`.
        reduction, name, dtype: as in `keras.losses.Loss`.
        **kwargs: keyword arguments of `fn`; serialisable Keras objects
            (a comparator, a discriminator) are saved by their config.
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs

    def __getattr__(self, name):
        kwargs = self.__dict__.get("_fn_kwargs", {})
        if name in kwargs:
            return kwargs[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = {**super().get_config(), "dtype": self.dtype}  # keras's Loss config omits its dtype
        config.update(keras.saving.serialize_keras_object(self._fn_kwargs))
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**keras.saving.deserialize_keras_object(copy.deepcopy(config)))

    def __repr__(self):
        return f"<{type(self).__name__}({self.fn.__name__}, kwargs={self._fn_kwargs})>"

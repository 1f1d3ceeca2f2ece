"""A fused BatchNormalization for the PyTorch training step.

Keras' BatchNormalization on torch is element-wise: the batch moments as
`mean(x)` and `mean(x**2) - mean(x)**2`, then `(x - mean) * rsqrt(var + eps)
* gamma + beta`, each op (and its backward) a pass over the feature map.
PyTorch's `native_batch_norm` computes the moments, the normalisation and,
in its backward, the whole gradient in one kernel each.

`fused_batch_normalization()` is a context manager under which
`keras.layers.BatchNormalization` layers run that kernel: the torch trainer
enters it around its training and evaluation steps, so the networks, their
configs and weights files are unchanged (the layer class is Keras' own) and
nothing outside the library's steps is touched. Same outputs, gradients and
moving statistics as Keras' path to float tolerance (tests/test_data_format.py);
cases the kernel does not cover (a mask, renorm, synchronized statistics,
several axes) take Keras' path.
"""

import contextlib
import threading

import keras
import torch

_KERAS_CALL = keras.layers.BatchNormalization.call
_LOCK = threading.Lock()
_DEPTH = [0]


def _channel_axis(layer, rank):
    axis = layer.axis
    if isinstance(axis, (list, tuple)):
        if len(axis) != 1:
            return None
        axis = axis[0]
    return axis % rank


def _fused_call(self, inputs, training=None, mask=None):
    x = inputs if isinstance(inputs, torch.Tensor) else None
    axis = None if x is None or x.dim() < 2 else _channel_axis(self, x.dim())
    if (axis is None or mask is not None or self.renorm or self.synchronized
            or x.dtype not in (torch.float32, torch.float16, torch.bfloat16)):
        return _KERAS_CALL(self, inputs, training=training, mask=mask)
    train = bool(training) and self.trainable
    x = x.float()
    if axis != 1:  # torch normalises over dim 1; a strided view, no copy
        x = x.movedim(axis, 1)
    gamma = self.gamma.value.float() if self.scale else None
    beta = self.beta.value.float() if self.center else None
    moving_mean = self.moving_mean.value.float()
    moving_variance = self.moving_variance.value.float()
    if train:
        out, mean, inv_std = torch.native_batch_norm(x, gamma, beta, None, None, True, 0.0, self.epsilon)
        with torch.no_grad():
            variance = inv_std.reciprocal().square_().sub_(self.epsilon)
            self.moving_mean.assign(moving_mean * self.momentum + mean * (1.0 - self.momentum))
            self.moving_variance.assign(moving_variance * self.momentum + variance * (1.0 - self.momentum))
    else:
        out = torch.nn.functional.batch_norm(x, moving_mean, moving_variance, gamma, beta, False, 0.0,
                                             self.epsilon)
    if axis != 1:
        out = out.movedim(1, axis)
    return out.to(getattr(torch, self.compute_dtype))


@contextlib.contextmanager
def fused_batch_normalization():
    """Inside, `keras.layers.BatchNormalization.call` runs PyTorch's fused
    batch-norm kernel (see the module docstring); Keras' own `call` is back
    when the outermost context exits."""
    with _LOCK:
        if _DEPTH[0] == 0:
            keras.layers.BatchNormalization.call = _fused_call
        _DEPTH[0] += 1
    try:
        yield
    finally:
        with _LOCK:
            _DEPTH[0] -= 1
            if _DEPTH[0] == 0:
                keras.layers.BatchNormalization.call = _KERAS_CALL

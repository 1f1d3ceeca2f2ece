"""A fused BatchNormalization for the PyTorch training step.

Keras' BatchNormalization on torch is element-wise: the batch moments as
`mean(x)` and `mean(x**2) - mean(x)**2`, then `(x - mean) * rsqrt(var + eps)
* gamma + beta`, each op (and its backward) a pass over the feature map.
PyTorch's `native_batch_norm` computes the moments, the normalisation and,
in its backward, the whole gradient in one kernel each.

`fused_batch_normalization(model)` is a context manager under which each
`keras.layers.BatchNormalization` layer of `model` (its own layers, nested
networks included) runs that kernel, through a `call` set on the layer
instance (`torch_layer_calls`): the class, every other layer (another
model's, a standalone one, another thread's), the layers' configs and
weights files are Keras' own. The torch trainer makes it once, with its
train or test function, and enters it around each step. Same outputs,
gradients and moving statistics as Keras' path to float tolerance
(tests/test_torch_layer_calls.py); cases the kernel does not cover (a mask,
renorm, synchronized statistics, several axes, integer inputs) take Keras'
path, and a subclass that defines its own `call` keeps it.
"""

import keras
import torch

from keras_perceptual.backend.torch_layer_calls import LayerCalls, has_call

_KERAS_CALL = keras.layers.BatchNormalization.call


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


def is_fused(layer):
    """Whether `layer`'s `call` is the fused kernel's."""
    return has_call(layer, _fused_call)


def fused_batch_normalization(model):
    """A re-entrant context manager under which the
    `keras.layers.BatchNormalization` layers of `model` (recursively) whose
    class keeps Keras' `call` run the fused kernel; `len()` of it is how
    many."""
    return LayerCalls(model, keras.layers.BatchNormalization, _KERAS_CALL, _fused_call)

"""A transposed convolution without the crop copies, for the PyTorch steps.

Keras' `conv_transpose` on torch computes the full ("natural") output of
`torch.nn.functional.conv_transpose2d` with `padding=0`, then slices the
rows and columns that Keras' padding keeps. The slices are views, but their
backward is a zero-filled tensor of the full size with the gradient copied
in, once per sliced axis: two `fill_` and two `copy_` of a feature map per
layer per backward pass. When the crop is the same on both sides, PyTorch computes exactly those
rows itself with `padding=crop` (a Conv2DTranspose with "same" padding and
an even kernel crops `k/2 - 1` on each side at stride 2).

`crop_free_conv_transpose(model)` gives each `keras.layers.Conv2DTranspose`
of `model` whose class keeps Keras' `call` a `call` that does that, set on
the layer instance (as `torch_batch_norm` does for BatchNormalization); the
class, other layers, configs and weights files are Keras' own. Same values
and gradients as Keras' call to float tolerance
(tests/test_torch_layer_calls.py); other crops (asymmetric or negative
ones) take Keras' path.
"""

import keras
import torch
from keras.src.backend.common.backend_utils import compute_conv_transpose_output_crops_for_torch

from keras_perceptual.backend.torch_layer_calls import has_call, set_call

_KERAS_CALL = keras.layers.Conv2DTranspose.call


def _torch_padding(layer, input_shape):
    """`padding` for `conv_transpose2d` that yields Keras' crop of the
    natural output, or None where the crop is not symmetric."""
    crops = compute_conv_transpose_output_crops_for_torch(
        input_shape=input_shape, kernel_shape=tuple(layer.kernel.shape), strides=list(layer.strides),
        padding=layer.padding, output_padding=layer.output_padding, dilation_rate=layer.dilation_rate)
    if any(left != right or left < 0 for left, right in crops):
        return None
    return [left for left, _ in crops]


def _crop_free_call(self, inputs):
    padding = None
    if isinstance(inputs, torch.Tensor) and inputs.dim() == 4:
        padding = _torch_padding(self, tuple(inputs.shape))
    if padding is None:
        return _KERAS_CALL(self, inputs)
    x = keras.ops.convert_to_tensor(inputs)
    kernel = keras.ops.convert_to_tensor(self.kernel).permute(3, 2, 0, 1)  # (h, w, out, in) -> (in, out, h, w)
    channels_last = self.data_format == "channels_last"
    if channels_last:
        x = x.permute(0, 3, 1, 2).contiguous()
    outputs = torch.nn.functional.conv_transpose2d(
        x, kernel, stride=tuple(self.strides), padding=padding,
        dilation=tuple(self.dilation_rate))
    if channels_last:
        outputs = outputs.permute(0, 2, 3, 1)
    if self.use_bias:
        shape = (1, 1, 1, self.filters) if channels_last else (1, self.filters, 1, 1)
        outputs = outputs + keras.ops.convert_to_tensor(self.bias).reshape(shape)
    if self.activation is not None:
        return self.activation(outputs)
    return outputs


def is_crop_free(layer):
    """Whether `layer`'s `call` is the crop-free one."""
    return has_call(layer, _crop_free_call)


def crop_free_conv_transpose(model):
    """Sets the crop-free `call` on every `keras.layers.Conv2DTranspose` of
    `model` (recursively) whose class keeps Keras' `call`; returns how many.
    Idempotent."""
    return set_call(model, keras.layers.Conv2DTranspose, _KERAS_CALL, _crop_free_call)

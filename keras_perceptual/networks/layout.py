"""Image layout of a network: one graph rewrite that runs a functional
network's convolutions channels-first (NCHW) or channels-last (NHWC) while
its inputs and outputs stay channels-last.

Keras' layers take `data_format`; on PyTorch channels-first is the layout
its convolution and BatchNorm kernels use natively (Keras' channels-last
convolutions transpose around every call there). `with_data_format(model,
"channels_first")` rebuilds a functional network so that every layer with a
`data_format` (convolutions, pooling, up-sampling, `Flatten`,
`UpConvolution2D`, ...) and every BatchNormalization over the channel axis
works channels-first, element-wise layers (activations, dropout) follow
whatever layout they are fed, and a transpose (`keras.layers.Permute`) is
inserted only where the layout must change: at the image inputs, before a
layer that reads the layout (`Reshape`, `Dense` on 4-D maps, ...) and before
each output. So the network's contract is unchanged (channels-last images
and feature maps in, channels-last out: a feature tap such as the VAE/GAN's
`dis_l` gives the same array in both layouts), and so is its weights file:
Keras' kernels do not depend on `data_format`, and a channels-last
`Flatten`/`Reshape` stays where it was, so a channels-last preset loads into
a channels-first network and gives the same outputs.

The default layout is `keras.config.image_data_format()`.
"""

import contextlib
import functools
import inspect

import keras

from keras_perceptual.validation import fail
from keras_perceptual.layers.up_convolution import DATA_FORMATS
from keras_perceptual.layers.up_convolution import data_format_of

# Relation of a rewritten tensor t to the original tensor s (rank 4):
# t = A^k(s), A = NHWC -> NCHW (Permute((3, 1, 2))), A^2 = A^-1 = NCHW -> NHWC
# (Permute((2, 3, 1))), A^3 = identity.
_TO_FIRST = 1
_TO_LAST = 2
_PERMUTES = {(3, 1, 2): _TO_FIRST, (2, 3, 1): _TO_LAST}

# Layers computing element by element: they run in whatever layout they get.
_ELEMENTWISE = (
    "ReLU", "LeakyReLU", "ELU", "Dropout", "GaussianNoise", "GaussianDropout", "AlphaDropout",
    "Identity", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum",
)
_ELEMENTWISE_ACTIVATIONS = (
    "linear", "relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "silu", "swish", "tanh", "sigmoid",
    "hard_sigmoid", "hard_silu", "hard_swish", "softplus", "softsign", "exponential", "mish", "log_sigmoid",
)


def _relation(source_format, target_format):
    if source_format == target_format:
        return 0
    return _TO_FIRST if target_format == "channels_first" else _TO_LAST


def _layer_format(layer, rank):
    """The layout a layer reads when fed a rank-`rank` tensor: its
    `data_format` (or BatchNorm axis), None for a layer that reads none."""
    if rank != 4:
        return None
    # Attributes, not `get_config()`: Keras's config serialisation imports
    # TensorFlow (to look for tf types), which the JAX and PyTorch backends
    # must not load.
    if isinstance(layer, keras.layers.BatchNormalization):
        axis = getattr(layer, "axis", None)
        axis = axis[0] if isinstance(axis, (list, tuple)) and len(axis) == 1 else axis
        return {-1: "channels_last", 3: "channels_last", 1: "channels_first"}.get(axis)
    data_format = getattr(layer, "data_format", None)
    return data_format if data_format in DATA_FORMATS else None


def _elementwise(layer):
    name = type(layer).__name__
    if isinstance(layer, keras.layers.Activation):
        activation = layer.get_config().get("activation")
        return isinstance(activation, str) and activation in _ELEMENTWISE_ACTIVATIONS
    if isinstance(layer, keras.layers.Dropout) and layer.get_config().get("noise_shape") is not None:
        return False
    return type(layer).__module__.startswith("keras") and name in _ELEMENTWISE


def _flattens(layer):
    """Whether its output has no layout (a flat vector in either format)."""
    if isinstance(layer, keras.layers.Flatten):
        return True
    pooling = (keras.layers.GlobalAveragePooling2D, keras.layers.GlobalMaxPooling2D)
    return isinstance(layer, pooling) and not layer.get_config().get("keepdims")


def _with_format(layer, data_format):
    config = layer.get_config()
    if isinstance(layer, keras.layers.BatchNormalization):
        config["axis"] = 1 if data_format == "channels_first" else -1
    else:
        config["data_format"] = data_format
    return type(layer).from_config(config)


def _weighted_order(model, originals=None):
    """Per layer class, the weighted layers in `model.layers` order (the order
    Keras' weights files index them by), mapped through `originals`."""
    order = {}
    for layer in model.layers:
        if layer.weights:
            order.setdefault(type(layer).__name__, []).append((originals or {}).get(id(layer), layer))
    return order


def with_data_format(model, data_format=None, channels_last_layers=()):
    """`model` rebuilt so that its convolutions run in `data_format`, with
    its inputs and outputs as before (see the module docstring).

    Args:
        model: a functional `keras.Model` (other models are returned as is).
        data_format: "channels_first", "channels_last" or None (the global
            `keras.config.image_data_format()`).
        channels_last_layers: names of layers whose outputs must be
            channels-last in the result (feature taps, e.g. a comparator's
            layers, read through `model.get_layer(name).output`). The
            model's outputs always keep their layout.

    Returns:
        `model` itself when nothing changes (every layer that reads a layout
        already reads `data_format`, and no tap is asked for), else a new
        functional model of the same name, layer names and weights (copied).
        Its weights file indexes the layers as `model`'s does (checked), so
        weights saved from either load into the other.
    """
    data_format = data_format_of(data_format)
    if not isinstance(model, keras.Model) or isinstance(model, keras.Sequential) or not hasattr(
            model, "_run_through_graph"):
        return model
    names = {layer.name for layer in model.layers}
    unknown = [n for n in channels_last_layers if n not in names]
    if unknown:
        raise fail("channels_last_layers", f"names of layers of the network '{model.name}'",
                   f"channels_last_layers={list(channels_last_layers)} ({unknown} are not among its layers)")
    formats = {
        _layer_format(layer, len(layer.input.shape)) if _has_single_input(layer) else None
        for layer in model.layers
        if not isinstance(layer, keras.layers.InputLayer)
    }
    reorders = any(isinstance(layer, keras.layers.Permute) for layer in model.layers)
    # Taps can only be channels-first where some layer reads channels-first.
    needs = bool(formats - {None, data_format}) or bool(channels_last_layers) and (
        "channels_first" in formats or reorders)
    if not needs:
        return model
    outputs = {id(_producer(t)) for t in model.outputs}
    taps = {id(model.get_layer(n)) for n in channels_last_layers} - outputs

    # Per rewritten tensor t of original tensor s: (k, i) with t = A^k(s) and
    # s = A^i(channels-last): i is the original's layout (0 channels-last,
    # 1 channels-first), as far as the layers that read one say.
    state = {}
    keep = []  # tensors stay alive while their ids are keys
    transposed = {}
    clones = {}  # id(original layer) -> its rewrite
    originals = {}  # id(rewrite) -> original layer

    def k_of(t):
        return state.get(id(t), (0, 0))[0]

    def i_of(t):
        return state.get(id(t), (0, 0))[1]

    def to(t, k, policy):
        current = k_of(t)
        if len(t.shape) != 4 or current == k:
            return t
        key = (id(t), k)
        if key not in transposed:
            dims = (3, 1, 2) if (k - current) % 3 == _TO_FIRST else (2, 3, 1)
            out = keras.layers.Permute(dims, dtype=policy)(t)
            state[id(out)] = (k, i_of(t))
            keep.extend([t, out])
            transposed[key] = out
        return transposed[key]

    def rewrite(layer, fmt):
        if id(layer) not in clones:
            clone = type(layer).from_config(layer.get_config()) if fmt is None else _with_format(layer, fmt)
            clones[id(layer)] = clone
            originals[id(clone)] = layer
        return clones[id(layer)]

    def apply(layer, fmt, k, i, args, kwargs):
        policy = getattr(layer, "dtype_policy", None)
        args, kwargs = keras.tree.map_structure(
            lambda t: to(t, k, policy) if isinstance(t, keras.KerasTensor) else t, (args, kwargs))
        result = rewrite(layer, fmt)(*args, **kwargs)
        for o in keras.tree.flatten(result):
            if isinstance(o, keras.KerasTensor):
                state[id(o)] = (k, i) if len(o.shape) == 4 else (0, 0)
                keep.append(o)
        return result

    def call(layer, *args, **kwargs):
        tensors = [t for t in keras.tree.flatten((args, kwargs)) if isinstance(t, keras.KerasTensor)]
        rank = len(tensors[0].shape) if len(tensors) == 1 else None
        source_format = _layer_format(layer, rank)
        if source_format is not None and (id(layer) not in outputs or _flattens(layer)):
            # Reads a layout: runs in data_format (a tap: channels-last).
            target = "channels_last" if id(layer) in taps else data_format
            i = int(source_format == "channels_first")
            return apply(layer, target, _relation(source_format, target), i, args, kwargs)
        if _elementwise(layer) and tensors:
            i = i_of(tensors[0])
            if id(layer) in outputs:
                k = 0
            elif id(layer) in taps:
                k = -i % 3  # A^k A^i = identity: channels-last
            else:
                k = k_of(tensors[0])
            return apply(layer, None, k, i, args, kwargs)
        # Reads its input as laid out in the original graph (Reshape, Dense,
        # a model output, ...): fed as there.
        i = 0
        if isinstance(layer, keras.layers.Permute) and rank == 4 and tuple(layer.dims) in _PERMUTES:
            i = (i_of(tensors[0]) + _PERMUTES[tuple(layer.dims)]) % 3
        elif source_format is not None:
            i = int(source_format == "channels_first")
        return apply(layer, None, 0, i, args, kwargs)

    converted = keras.models.clone_model(model, clone_function=lambda layer: layer, call_function=call)
    for layer in model.layers:
        if id(layer) in clones and layer.weights:
            clones[id(layer)].set_weights(layer.get_weights())
    converted.trainable = model.trainable
    if _weighted_order(converted, originals) != _weighted_order(model):
        raise ValueError(
            f"The network '{model.name}' cannot run in {data_format} with the same weights-file layout: "
            "the rewrite reorders its layers. Build it with data_format='channels_last'."
        )
    return converted


@contextlib.contextmanager
def channels_last_graph():
    """Builds inside are channels-last (layers that default to the global
    `image_data_format` read channels-last); the setting is restored after."""
    before = keras.config.image_data_format()
    keras.config.set_image_data_format("channels_last")
    try:
        yield
    finally:
        keras.config.set_image_data_format(before)


def network_builder(build):
    """Decorates a network builder with a `data_format=None` argument: the
    builder's graph is made channels-last (whatever the global setting, so
    layers that default to it agree) and then rewritten by
    `with_data_format` to `data_format` (None: the global
    `keras.config.image_data_format()`)."""
    signature = inspect.signature(build)

    @functools.wraps(build)
    def builder(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        data_format = data_format_of(bound.arguments.get("data_format"))
        with channels_last_graph():
            model = build(*args, **kwargs)
        return with_data_format(model, data_format)

    return builder


def _producer(tensor):
    return tensor._keras_history[0]


def _has_single_input(layer):
    try:
        return isinstance(layer.input, keras.KerasTensor)
    except (AttributeError, ValueError):
        return False


__all__ = ["DATA_FORMATS", "channels_last_graph", "data_format_of", "network_builder", "with_data_format"]

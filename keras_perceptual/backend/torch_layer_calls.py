"""Faster `call`s for some Keras layers of a model, set on the layer
instances (`torch_batch_norm`, `torch_conv_transpose`): the layer classes,
every other layer, the configs and weights files stay Keras' own.
`object.__setattr__` keeps the bound method out of Keras' attribute tracking
and torch's module registry."""

import types


def has_call(layer, function):
    """Whether `layer`'s instance `call` is `function` bound to it."""
    call = vars(layer).get("call")
    return getattr(call, "__func__", None) is function


def set_call(model, layer_class, keras_call, function):
    """Binds `function` as `call` on every `layer_class` layer of `model`
    (recursively, `model` itself included) whose class keeps `keras_call`
    (a subclass with its own `call` keeps it); returns how many layers run
    `function`. Idempotent."""
    count = 0
    for layer in model._flatten_layers(include_self=True, recursive=True):
        if not isinstance(layer, layer_class) or type(layer).call is not keras_call:
            continue
        if not has_call(layer, function):
            object.__setattr__(layer, "call", types.MethodType(function, layer))
        count += 1
    return count

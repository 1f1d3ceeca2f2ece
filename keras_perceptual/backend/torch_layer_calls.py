"""Faster `call`s for some Keras layers of a model, set on the layer
instances for the duration of the model's own training and evaluation steps
(`torch_batch_norm`): the layer classes, every other layer, the configs and
weights files stay Keras' own, and outside the steps (`predict`, direct
calls) the model's layers run Keras' call too. `object.__setattr__` keeps the
bound method out of Keras' attribute tracking and torch's module registry."""

import types


def has_call(layer, function):
    """Whether `layer`'s instance `call` is `function` bound to it."""
    call = vars(layer).get("call")
    return getattr(call, "__func__", None) is function


class LayerCalls:
    """`function` bound once to every `layer_class` layer of `model`
    (recursively, `model` itself included) whose class keeps `keras_call` (a
    subclass with its own `call` keeps it). Inside `with calls:` those layers
    run it; re-entrant. The bound methods are made once, so a
    `torch.compile`d step sees the same objects on every call."""

    def __init__(self, model, layer_class, keras_call, function):
        self.bound = [(layer, types.MethodType(function, layer))
                      for layer in model._flatten_layers(include_self=True, recursive=True)
                      if isinstance(layer, layer_class) and type(layer).call is keras_call]
        self.depth = 0

    def __len__(self):
        return len(self.bound)

    def __enter__(self):
        if self.depth == 0:
            for layer, call in self.bound:
                object.__setattr__(layer, "call", call)
        self.depth += 1
        return self

    def __exit__(self, *exc):
        self.depth -= 1
        if self.depth == 0:
            for layer, _ in self.bound:
                vars(layer).pop("call", None)
        return False

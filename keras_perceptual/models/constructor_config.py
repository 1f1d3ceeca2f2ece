"""`ConstructorConfig`: a model's config is its constructor's arguments.

A model class lists its arguments once, in its constructor's signature, and
stores each as an attribute of the same name. `get_config` records every
named parameter of the constructor chain (the class's own `__init__`, then
its parents' for as long as each forwards `**kwargs`), read back from those
attributes: Keras objects (sub-networks, priors, comparators) serialised,
tuples as lists, other values (None included) as they are. `from_config`
deserialises the Keras objects and calls the constructor: its inverse.
"""

import copy
import inspect

import keras

from keras_perceptual.networks.layout import with_data_format

NAMED = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def constructor_arguments(cls):
    """The names of the arguments `cls`'s constructor chain takes by keyword,
    the most derived class's first, each once.

    The walk goes up `cls.__mro__` through the `ConstructorConfig` classes
    that define `__init__`, and stops after one that takes no `**kwargs`:
    its parents' arguments reach it only through its own. `*args` and
    positional-only parameters are refused (`from_config` passes keywords).
    """
    names = []
    for klass in cls.__mro__:
        if not issubclass(klass, ConstructorConfig) or "__init__" not in vars(klass):
            continue
        parameters = list(inspect.signature(klass.__init__).parameters.values())[1:]  # past `self`
        for p in parameters:
            if p.kind not in NAMED + (inspect.Parameter.VAR_KEYWORD,):
                raise TypeError(
                    f"{cls.__name__}'s config is its constructor's keyword arguments: "
                    f"{klass.__name__}.__init__ cannot take `{p}` ({p.kind.description}). "
                    "Expected named parameters and `**kwargs` only."
                )
            if p.kind in NAMED and p.name not in names:
                names.append(p.name)
        if not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
            break
    return tuple(names)


def serialize_argument(value):
    """A constructor argument as `get_config` records it."""
    if value is None:
        return None
    if callable(getattr(value, "get_config", None)):  # a Keras object
        return keras.saving.serialize_keras_object(value)
    return list(value) if isinstance(value, tuple) else value


class ConstructorConfig:
    """Mixin of a `keras.Model` whose config is its constructor's arguments
    (see the module docstring). Put it before `keras.Model` in the bases."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Read once, when the class is defined; a bad signature fails here.
        cls.config_arguments = constructor_arguments(cls)

    def get_config(self):
        config = super().get_config()
        for name in self.config_arguments:
            try:
                value = getattr(self, name)
            except AttributeError:
                raise AttributeError(
                    f"{type(self).__name__}.get_config() reads the constructor argument `{name}` from "
                    f"`self.{name}`, which the constructor did not set. Expected every named argument of "
                    f"{type(self).__name__}'s constructor stored as an attribute of the same name."
                ) from None
            config[name] = serialize_argument(value)
        return config

    @classmethod
    def from_config(cls, config):
        """Rebuilds the model; constructor arguments that are serialised Keras
        objects (sub-networks, priors, comparators) are deserialised first,
        sub-networks in `keras.config.image_data_format()`."""
        config = copy.deepcopy(config)  # deserialisation consumes nested dicts
        for key, value in config.items():
            if isinstance(value, dict) and "class_name" in value and "config" in value:
                config[key] = with_data_format(keras.saving.deserialize_keras_object(value))
        return cls(**config)

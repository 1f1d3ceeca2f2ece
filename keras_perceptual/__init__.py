"""keras_perceptual: autoencoders that learn beyond pixels, for Keras 3.

The package root is a face (PEP 562): `import keras_perceptual` imports
neither Keras nor a framework (so `keras-perceptual --help` is instant), and
reading a name (`kp.VAEGAN`, `kp.losses`, `kp.from_pretrained`) imports the
one module that owns it. Nothing inside the package imports this root:
modules import each other by their full names.

Keras serialization: `keras.saving.load_model("model.keras")` finds every
class of the package in any import order. The modules that register classes
are the one tuple `SERIALIZABLE`. If Keras is already imported when the
package is, they are imported at once; otherwise a post-import hook on
`keras` imports them right after Keras (or, when Keras is imported by one
of the package's own modules, right after that outermost module finishes).

Add a public name to `_EXPORTS` (name -> defining module), not as an eager
`from ... import ...` line: tests/test_cli_help.py checks that importing the
package and its command line does not import Keras.
"""

import importlib
import importlib.abc
import sys

from keras_perceptual.models import MODEL_EXPORTS  # a lazy face: imports no model
from keras_perceptual.version import __version__

_EXPORTS = {
    **MODEL_EXPORTS,
    "from_pretrained": "keras_perceptual.preset_reader",
    "list_presets": "keras_perceptual.presets",
}
_SUBMODULES = ("comparators", "layers", "losses", "metrics", "networks", "priors")

# Every module that registers classes with Keras
# (`keras.saving.register_keras_serializable(package="keras_perceptual")`):
# imported as soon as both Keras and the package are.
SERIALIZABLE = (
    "keras_perceptual.layers",
    "keras_perceptual.losses",
    "keras_perceptual.priors",
    "keras_perceptual.comparators",
    "keras_perceptual.metrics.stateful",
    "keras_perceptual.models.adversarial_model",
    "keras_perceptual.models.image_autoencoder",
    "keras_perceptual.models.gaussian_autoencoder",
    "keras_perceptual.models.prior_autoencoder",
    "keras_perceptual.models.vae",
    "keras_perceptual.models.vaegan",
    "keras_perceptual.models.pixel_autoencoder",
    "keras_perceptual.models.deepsim",
    "keras_perceptual.models.deepsim_autoencoder",
    "keras_perceptual.models.deepsim_inverter",
    "keras_perceptual.models.deepsim_vae",
    "keras_perceptual.models.adversarial_autoencoder",
    "keras_perceptual.models.implicit_autoencoder",
    "keras_perceptual.models.classifier",
)

__all__ = sorted(_EXPORTS) + list(_SUBMODULES) + ["__version__"]


def __getattr__(name):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
    elif name.startswith("_"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    else:  # a submodule, e.g. `kp.losses`, `kp.hub`, `kp.datasets`
        try:
            value = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))


class _Registration:
    """Imports `SERIALIZABLE` once Keras is imported and no module of the
    package is half-way through its own import (a module that imports Keras
    first thing would otherwise be re-entered half-initialised)."""

    def __init__(self):
        self.depth = 0  # package modules executing right now
        self.pending = False
        self.done = False

    def keras_loaded(self):
        self.pending = True
        self.flush()

    def flush(self):
        if self.pending and not self.done and self.depth == 0:
            self.done = True
            for module in SERIALIZABLE:
                importlib.import_module(module)


_REGISTRATION = _Registration()


class _Loader(importlib.abc.Loader):
    """Wraps a loader: runs `before`/`after` around its `exec_module`."""

    def __init__(self, loader, fullname):
        self.loader = loader
        self.fullname = fullname

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        package = self.fullname.startswith(__name__ + ".")
        if package:
            _REGISTRATION.depth += 1
        try:
            self.loader.exec_module(module)
        finally:
            if package:
                _REGISTRATION.depth -= 1
        if self.fullname == "keras":
            _REGISTRATION.keras_loaded()
        elif package:
            _REGISTRATION.flush()

    def __getattr__(self, name):  # get_filename, is_package, get_resource_reader, ...
        return getattr(self.loader, name)


class _KerasHook(importlib.abc.MetaPathFinder):
    """A post-import hook on `keras` (and a depth counter on the package's
    own modules) until the package's classes are registered."""

    def find_spec(self, fullname, path=None, target=None):
        if _REGISTRATION.done or not (fullname == "keras" or fullname.startswith(__name__ + ".")):
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _Loader(spec.loader, fullname)
                return spec
        return None


if "keras" in sys.modules:  # Keras is loaded already: register every class now
    _REGISTRATION.keras_loaded()
elif not any(isinstance(f, _KerasHook) for f in sys.meta_path):
    sys.meta_path.insert(0, _KerasHook())

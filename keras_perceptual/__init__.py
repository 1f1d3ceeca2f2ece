"""keras_perceptual: autoencoders that learn beyond pixels, for Keras 3.

The package loads lazily (PEP 562): `import keras_perceptual` is instant, and
the first attribute read (`kp.VAEGAN`, `kp.losses`, ...) imports Keras, its
backend and every public module at once, registering every serializable
class. So `keras-perceptual --help` never loads TensorFlow/JAX/PyTorch.

When Keras is already imported (`import keras` first, the usual import order),
the package loads eagerly, so `keras.saving.load_model("model.keras")` finds
every class; otherwise read any attribute (or `import keras` first) before
loading a `.keras` file.

Add a public name to `_EXPORTS` (name -> defining module), not as an eager
`from ... import ...` line: tests/test_cli_help.py checks that importing the
package and its command line does not import Keras.
"""

import importlib
import sys

from keras_perceptual.version import __version__

_EXPORTS = {
    "AdversarialAutoencoder": "keras_perceptual.models",
    "AdversarialModel": "keras_perceptual.models",
    "Classifier": "keras_perceptual.models",
    "DeePSiM": "keras_perceptual.models",
    "DeePSiMAutoencoder": "keras_perceptual.models",
    "DeePSiMInverter": "keras_perceptual.models",
    "DeePSiMVAE": "keras_perceptual.models",
    "ImageAutoencoder": "keras_perceptual.models",
    "ImplicitAutoencoder": "keras_perceptual.models",
    "NoPriorError": "keras_perceptual.models",
    "PixelAutoencoder": "keras_perceptual.models",
    "VAE": "keras_perceptual.models",
    "VAEGAN": "keras_perceptual.models",
    "from_pretrained": "keras_perceptual.hub",
    "list_presets": "keras_perceptual.presets",
}
_SUBMODULES = ("comparators", "layers", "losses", "metrics", "networks", "priors")

__all__ = sorted(_EXPORTS) + list(_SUBMODULES) + ["__version__"]


def _load_all():
    """Imports every public module and binds every exported name (what an
    eager `__init__` would have done). Safe to call while one of the
    package's own modules is still importing (`from keras_perceptual import
    x` inside the package): a name whose module is half-initialised is
    bound later, on first access."""
    for name in _SUBMODULES:
        globals()[name] = importlib.import_module(f"{__name__}.{name}")
    for name, module in _EXPORTS.items():
        value = getattr(importlib.import_module(module), name, None)
        if value is not None:
            globals()[name] = value


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    _load_all()
    if name in globals():
        return globals()[name]
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    try:  # any other submodule, e.g. `kp.hub`, `kp.datasets`
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as e:
        if e.name != f"{__name__}.{name}":
            raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))


if "keras" in sys.modules:  # Keras is loaded anyway: register every class now
    _load_all()

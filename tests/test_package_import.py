"""Every module of the package imports on its own in a fresh process: the lazy
`keras_perceptual/__init__` must not turn a module's `from keras_perceptual
import x` into an import cycle."""

import pkgutil
import subprocess
import sys

import pytest

import keras_perceptual

pytestmark = pytest.mark.backend_independent

MODULES = sorted(
    info.name for info in pkgutil.iter_modules(keras_perceptual.__path__) if not info.name.startswith("_")
)


def test_modules_found():
    assert {"hub", "presets", "preset_reader", "preset_writer", "models", "training", "cli"} <= set(MODULES)


@pytest.mark.parametrize("module", MODULES)
def test_module_imports_alone(module):
    code = f"import keras_perceptual.{module}; import keras_perceptual as kp; kp.VAEGAN; kp.from_pretrained"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]

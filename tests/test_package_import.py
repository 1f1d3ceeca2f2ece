"""Every module of the package imports on its own in a fresh interpreter: the
lazy `keras_perceptual/__init__` must not turn a module's `from
keras_perceptual import x` into an import cycle.

One process imports Keras (on its PyTorch backend, the cheapest to import),
then forks a child per module, which imports that module first of the
package: a fresh package each time, without paying for Keras' import 27
times."""

import json
import pkgutil
import subprocess
import sys
import textwrap

import pytest

import keras_perceptual

pytestmark = pytest.mark.backend_independent

MODULES = sorted(
    info.name for info in pkgutil.iter_modules(keras_perceptual.__path__) if not info.name.startswith("_")
)

CHILD_PER_MODULE = textwrap.dedent("""
    import importlib, json, os, sys, traceback
    import keras  # imported once; each child below starts without any keras_perceptual module
    assert not any(m.startswith("keras_perceptual") for m in sys.modules)
    failures = {}
    for module in sys.argv[1:]:
        read, write = os.pipe()
        if os.fork() == 0:
            os.close(read)
            try:
                importlib.import_module("keras_perceptual." + module)
                import keras_perceptual as kp
                kp.VAEGAN, kp.from_pretrained
                message = ""
            except BaseException:
                message = traceback.format_exc()
            os.write(write, message.encode())
            os._exit(0)
        os.close(write)
        with os.fdopen(read, "rb") as pipe:
            message = pipe.read().decode()
        os.wait()
        if message:
            failures[module] = message
    print(json.dumps(failures))
""")


def test_modules_found():
    assert {"hub", "presets", "preset_reader", "preset_writer", "models", "training", "cli"} <= set(MODULES)


@pytest.mark.slow
def test_every_module_imports_alone():
    env = {"KERAS_BACKEND": "torch", "PATH": "/usr/bin:/bin", "PYTHONPATH": ":".join(sys.path)}
    result = subprocess.run([sys.executable, "-c", CHILD_PER_MODULE, *MODULES], capture_output=True, text=True,
                            timeout=300, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    failures = json.loads(result.stdout.strip().splitlines()[-1])
    assert failures == {}, "\n".join(f"keras_perceptual.{m}:\n{tb[-2000:]}" for m, tb in failures.items())

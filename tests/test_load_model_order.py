"""`keras.saving.load_model` finds the package's classes in every import order.

`import keras_perceptual` imports no Keras (a fast `--help`); the modules
that register classes (`keras_perceptual.SERIALIZABLE`) are imported as soon
as both Keras and the package are: at once when Keras came first, by a
post-import hook on `keras` otherwise, and after the package's own module
when that module is what imports Keras. Each order runs in a fresh process.
"""

import subprocess
import sys
import textwrap

import keras
import pytest

import keras_perceptual
from keras_perceptual.comparators import feature_extractor
from keras_perceptual.losses import DeePSiMLoss
from tests.helpers import env_on_jax

# Registration follows imports, not the backend: one backend of a multi-backend run.
pytestmark = pytest.mark.backend_independent

ORDERS = {
    "package, then keras": "import keras_perceptual\nimport keras\n",
    "keras, then package": "import keras\nimport keras_perceptual\n",
    # Keras imported by one of the package's own modules (the hook waits for it to finish).
    "a model module, then keras": "import keras_perceptual.models.vae\nimport keras\n",
    "a name read from the root, then keras": "import keras_perceptual as kp\nkp.list_presets\nkp.VAE\nimport keras\n",
}


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    """A tiny model compiled with a DeePSiMLoss (a registered loss holding a
    registered Comparator layer), saved to `.keras`."""
    inputs = keras.Input((8, 8, 1))
    c1 = keras.layers.Conv2D(2, 3, padding="same", name="c1")(inputs)
    backbone = keras.Model(inputs, keras.layers.Flatten()(c1), name="tiny")
    x_in = keras.Input((8, 8, 1))
    model = keras.Model(x_in, keras.layers.Conv2D(1, 3, padding="same", activation="tanh")(x_in))
    model.compile(optimizer="adam", loss=DeePSiMLoss(feature_extractor(backbone, ["c1"]), lambda_adv=0.0))
    path = tmp_path_factory.mktemp("order") / "deepsim_loss.keras"
    model.save(path)
    return path


def _run(code):
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env_on_jax())
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_the_saved_model_needs_the_package(saved_model):
    # Without the package the file cannot be loaded: the test below can fail.
    code = textwrap.dedent(f"""
        import keras
        try:
            keras.saving.load_model({str(saved_model)!r})
        except Exception as e:
            print("refused", type(e).__name__)
        else:
            print("loaded")
    """)
    assert _run(code).split()[0] == "refused"


@pytest.mark.parametrize("order", sorted(ORDERS))
def test_load_model_in_every_import_order(saved_model, order):
    code = ORDERS[order] + textwrap.dedent(f"""
        import sys
        model = keras.saving.load_model({str(saved_model)!r})
        print(type(model.loss).__name__, type(model.loss.comparator).__name__)
    """)
    assert _run(code).split() == ["DeePSiMLoss", "Comparator"]


def test_importing_the_package_imports_no_keras():
    code = ("import sys, keras_perceptual, keras_perceptual.presets\n"
            "print('keras' in sys.modules, keras_perceptual.SERIALIZABLE[0])")
    assert _run(code).split() == ["False", "keras_perceptual.layers"]
    # Every module that registers a class with Keras is in the one tuple.
    registering = {m for m in keras_perceptual.SERIALIZABLE}
    for module in list(sys.modules):
        source = getattr(sys.modules[module], "__file__", None) or ""
        if module.startswith("keras_perceptual.") and source.endswith(".py"):
            with open(source) as f:
                if "register_keras_serializable" in f.read():
                    parent = module.rpartition(".")[0]
                    assert module in registering or parent in registering, module


def test_importing_a_model_loads_no_driver_cli_recipe_or_dataset():
    """`import keras_perceptual.models.vae` loads the VAE's own modules and
    the classes registered with Keras (`SERIALIZABLE`), never the command
    line, the training driver, a recipe or the datasets (TensorFlow's
    tf.data)."""
    code = ("import sys, keras_perceptual.models.vae\n"
            "print(' '.join(sorted(m for m in sys.modules if m.startswith('keras_perceptual'))))")
    loaded = set(_run(code).split())
    assert "keras_perceptual.models.vae" in loaded and "keras_perceptual.models.deepsim" in loaded  # registered
    banned = {m for m in loaded if m.startswith(("keras_perceptual.recipes", "keras_perceptual.cli"))
              or m in ("keras_perceptual.training.driver", "keras_perceptual.training.pictures",
                       "keras_perceptual.datasets", "keras_perceptual.callbacks", "keras_perceptual.training.plans")}
    assert not banned, banned

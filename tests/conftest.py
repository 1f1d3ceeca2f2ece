import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# torch.compile's one test compiles in this process instead of starting a
# pool of compile workers (with a cold cache: 186 s -> 162 s of CPU time).
os.environ.setdefault("TORCHINDUCTOR_COMPILE_THREADS", "1")
# XLA (JAX's compiler, and TensorFlow's under jit_compile=True) generates CPU
# code at optimisation level 1 without LLVM's expensive passes in the tests:
# their models run a few steps each, so compiling is most of their time.
# Level 1 compiles the tiny models as fast as level 0 and runs the real-size
# networks of the smoke runs 8x faster (a small28 VAE/GAN step at batch 64:
# 1.3 s instead of 7.3 s; the default level: 1.3 s, compiling slower), so it
# is the cheapest for the suite (the JAX leg: 564 s -> 486 s). Set before
# Keras imports JAX; subprocesses of the tests inherit it.
FAST_XLA_COMPILE = "--xla_backend_optimization_level=1 --xla_llvm_disable_expensive_passes=true"
if FAST_XLA_COMPILE not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = " ".join(filter(None, [os.environ.get("XLA_FLAGS"), FAST_XLA_COMPILE]))

import keras
import numpy as np
import pytest

# The quick tier (`scripts/test.sh --quick`, or `pytest -m quick`): files of
# unit tests that train nothing longer than a step and start no subprocess
# worth mentioning, so a contributor runs them on every change. Tests marked
# `slow` in these files stay out of the tier.
QUICK_FILES = {
    "test_validation.py",
    "test_layers_losses.py",
    "test_priors.py",
    "test_multiprocess.py",
    "test_gpu_run.py",
    "test_readme.py",
    "test_import_structure.py",
    "test_suite_tiers.py",
}


# Tests marked `backend_independent` (a `pytestmark` for a whole file): their
# subject does not depend on the Keras backend of the test process: NumPy
# validation tables, the safe loader's walk over a config, names and paths,
# HTTP and cache handling against the loopback Hub, the import graph,
# packaging, argument errors of the command line, NumPy metric formulas,
# subprocesses that choose their own backend; and the smoke runs of the
# example and benchmark scripts, whose code is the same on every backend (each
# model they train trains on every backend in its own tests). A multi-backend
# run (`scripts/test.sh`) runs them on its first backend only: it sets
# KERAS_PERCEPTUAL_TEST_LEG=other for the others, which deselects them there.
# Run alone, pytest runs everything.
def is_backend_independent(item):
    return item.get_closest_marker("backend_independent") is not None


def pytest_collection_modifyitems(config, items):
    other_leg = os.environ.get("KERAS_PERCEPTUAL_TEST_LEG") == "other"
    keep, deselected = [], []
    for item in items:
        if Path(str(item.fspath)).name in QUICK_FILES and item.get_closest_marker("slow") is None:
            item.add_marker(pytest.mark.quick)
        (deselected if other_leg and is_backend_independent(item) else keep).append(item)
    if deselected:
        config.hook.pytest_deselected(items=deselected)
    # The tests marked `slow` (10 s and more) start first, each file's in
    # their order, so that two workers taking one test at a time
    # (`pytest -n 2 --dist load --maxschedchunk 1`, as scripts/test.sh runs)
    # share them and end together on short tests, instead of one worker
    # running a long test alone at the end.
    items[:] = sorted(keep, key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(autouse=True)
def _seed_and_clear():
    keras.utils.set_random_seed(0)
    yield
    # Keras' global state (layer names, the TensorFlow graph) reset after each
    # test. Without a full garbage collection each time (free_memory=False):
    # it cost 0.6 s a test, about a third of the suite's time; Python's own
    # collector still runs as it always does.
    keras.backend.clear_session(free_memory=False)


@pytest.fixture(autouse=True)
def _step_mode(request, monkeypatch):
    """Each backend runs a test's Keras steps the way that costs least for
    the few steps a test takes.

    TensorFlow traces every train/test/predict step of a new model into a
    graph (a tf.function): seconds per model of the zoo. Tests run those steps
    eagerly; tests marked `compiled` (every test with jit_compile=True, one
    training test per model family) run them as graphs, as every test's
    subprocess does (the resumed run, the CLI, the GPU run).

    JAX is the other way round: run op by op (`jit_compile=False`), each new
    operation shape is dispatched and compiled on its own, which costs more
    than XLA compiling the whole step once (test_vaegan.py and test_iae.py:
    150 s -> 100 s). Every JAX step in the tests is jitted, as in use
    (jit_compile defaults to True on JAX), whatever `jit_compile` a test
    passes for TensorFlow's sake. A test marked `eager` runs its steps as
    written: the toy-model tests of tests/test_adversarial_model.py that take
    both jit_compile=False and True, so the op-by-op mode keeps its tests."""
    backend = keras.backend.backend()
    if backend == "jax" and request.node.get_closest_marker("eager") is None:
        jit_compile = keras.Model.jit_compile  # Keras' property: the setter stays, the getter says True
        monkeypatch.setattr(keras.Model, "jit_compile", property(lambda self: True, jit_compile.fset))
    if backend != "tensorflow":
        yield
        return
    import tensorflow as tf

    eager = tf.config.functions_run_eagerly()
    tf.config.run_functions_eagerly(request.node.get_closest_marker("compiled") is None)
    yield
    tf.config.run_functions_eagerly(eager)


@pytest.fixture
def backend():
    return keras.backend.backend()


@pytest.fixture
def random_images():
    def make(n=8, size=28, channels=1, seed=0):
        rng = np.random.default_rng(seed)
        return rng.uniform(-1, 1, (n, size, size, channels)).astype("float32")

    return make

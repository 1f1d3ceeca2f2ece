import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

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
        items[:] = keep


@pytest.fixture(autouse=True)
def _seed_and_clear():
    keras.utils.set_random_seed(0)
    yield
    # Keras' global state (layer names, the TensorFlow graph) reset after each
    # test. Without a full garbage collection each time (free_memory=False):
    # it cost 0.6 s a test, about a third of the suite's time; Python's own
    # collector still runs as it always does.
    keras.backend.clear_session(free_memory=False)


@pytest.fixture
def backend():
    return keras.backend.backend()


@pytest.fixture
def random_images():
    def make(n=8, size=28, channels=1, seed=0):
        rng = np.random.default_rng(seed)
        return rng.uniform(-1, 1, (n, size, size, channels)).astype("float32")

    return make

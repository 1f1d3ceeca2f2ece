import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from pathlib import Path

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
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if Path(str(item.fspath)).name in QUICK_FILES and item.get_closest_marker("slow") is None:
            item.add_marker(pytest.mark.quick)


@pytest.fixture(autouse=True)
def _seed_and_clear():
    keras.utils.set_random_seed(0)
    yield
    keras.backend.clear_session()


@pytest.fixture
def backend():
    return keras.backend.backend()


@pytest.fixture
def random_images():
    def make(n=8, size=28, channels=1, seed=0):
        rng = np.random.default_rng(seed)
        return rng.uniform(-1, 1, (n, size, size, channels)).astype("float32")

    return make

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras
import numpy as np
import pytest


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

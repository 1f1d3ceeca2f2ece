"""benchmarks/clustering.py's k-means baseline: `n_init` restarts per seed,
several seeds, reported as the mean with the min-max spread."""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

import clustering  # noqa: E402

pytestmark = pytest.mark.backend_independent


def test_kmeans_spread_is_the_mean_min_and_max_over_seeds():
    rng = np.random.default_rng(0)
    centres = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0]])
    # Three blobs, the third far less dense: a single init may split a blob.
    x = np.concatenate([c + rng.normal(scale=s, size=(60, 2)) for c, s in zip(centres, (0.3, 0.3, 1.5))])
    y = np.repeat(np.arange(3), 60)
    x = x.reshape(-1, 1, 2, 1)
    spread = clustering.kmeans_spread(x, x, y, 3, seeds=(0, 1, 2), n_init=1)
    values = [clustering.kmeans_accuracy(x, x, y, 3, seed, 1) for seed in (0, 1, 2)]
    assert spread["values"] == pytest.approx(values)
    assert spread["mean"] == pytest.approx(np.mean(values))
    assert (spread["min"], spread["max"]) == (min(values), max(values))
    assert clustering.KMEANS_INIT == 10 and len(clustering.KMEANS_SEEDS) == 5


def test_the_baseline_alone_in_smoke_mode():
    (row,) = clustering.main(["--smoke", "--models", "--clusters", "10"])
    assert row["model"] == "k-means (pixels)" and len(row["values"]) == 5
    assert row["accuracy"] == pytest.approx(np.mean(row["values"]))
    assert row["spread"] == (min(row["values"]), max(row["values"]))

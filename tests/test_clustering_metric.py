import numpy as np
import pytest

from keras_perceptual import metrics
from keras_perceptual.metrics.clustering import cluster_to_class


def test_permutation_is_perfect():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, 500)
    perm = rng.permutation(10)
    assert metrics.clustering_accuracy(labels, perm[labels]) == 1.0


def test_hungarian_is_one_to_one():
    # Two clusters both dominated by class 0: majority vote would score 4/6,
    # the one-to-one matching can give class 0 to only one of them.
    labels = [0, 0, 0, 0, 1, 1]
    clusters = [0, 0, 1, 1, 1, 1]
    assert metrics.clustering_accuracy(labels, clusters, method="hungarian") == pytest.approx(4 / 6)
    assert metrics.clustering_accuracy(labels, clusters, method="majority") == pytest.approx(4 / 6)
    labels = [0, 0, 0, 1, 0, 1]
    clusters = [0, 0, 0, 1, 1, 1]
    assert metrics.clustering_accuracy(labels, clusters) == pytest.approx(5 / 6)
    labels, clusters = [0, 0, 0, 0, 1], [0, 0, 1, 1, 1]
    assert metrics.clustering_accuracy(labels, clusters, method="hungarian") == pytest.approx(3 / 5)
    assert metrics.clustering_accuracy(labels, clusters, method="majority") == pytest.approx(4 / 5)


def test_matches_brute_force():
    import itertools

    rng = np.random.default_rng(1)
    labels = rng.integers(0, 4, 60)
    clusters = np.where(rng.uniform(size=60) < 0.6, (labels + 1) % 4, rng.integers(0, 4, 60))
    best = max(np.mean(np.array(p)[clusters] == labels) for p in itertools.permutations(range(4)))
    assert metrics.clustering_accuracy(labels, clusters) == pytest.approx(best)


def test_majority_for_more_clusters():
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 3, 300)
    clusters = labels * 10 + rng.integers(0, 10, 300)  # 30 clusters, each pure
    assert metrics.clustering_accuracy(labels, clusters) == 1.0
    mapping = cluster_to_class(labels, clusters)
    assert len(mapping) == 30 and set(mapping.values()) == {0, 1, 2}


def test_bad_input():
    with pytest.raises(ValueError, match="2 cluster ids, one per label, received 1 ids"):
        metrics.clustering_accuracy([0, 1], [0])
    with pytest.raises(ValueError, match="method"):
        metrics.clustering_accuracy([0, 1], [0, 1], method="greedy")
    with pytest.raises(ValueError, match=r"indices in \[0, .*received 1 value\(s\) outside, e.g. \[-1\]"):
        metrics.clustering_accuracy([0, 1], [-1, 1])
    with pytest.raises(ValueError, match="majority"):
        metrics.clustering_accuracy([0, 1, 0], [0, 1, 2], method="hungarian")
    with pytest.raises(ValueError, match="1-D"):
        metrics.clustering_accuracy(np.zeros((2, 2), int), [0, 1])

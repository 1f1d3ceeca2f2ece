"""Unsupervised clustering accuracy (AAE/IAE, DEC, ClusterGAN tables)."""

import numpy as np
from scipy.optimize import linear_sum_assignment

METHODS = ("auto", "hungarian", "majority")


def _as_int_vector(values, name):
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise ValueError(f"`{name}` must be a 1-D array of integers. Received: {name}.shape={arr.shape}")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        if not np.all(np.equal(np.mod(arr, 1), 0)):
            raise ValueError(f"`{name}` must hold integers. Received: {arr[:5]}...")
    if arr.size and arr.min() < 0:
        raise ValueError(f"`{name}` must be non-negative. Received a minimum of {arr.min()}")
    return arr.astype("int64")


def contingency_matrix(labels, assignments):
    """`(num_clusters, num_classes)` counts of each (cluster, class) pair;
    cluster and class ids index the rows and columns."""
    labels = _as_int_vector(labels, "labels")
    assignments = _as_int_vector(assignments, "assignments")
    table = np.zeros((assignments.max() + 1, labels.max() + 1), dtype="int64")
    np.add.at(table, (assignments, labels), 1)
    return table


def cluster_to_class(labels, assignments, method="auto"):
    """The class each cluster stands for: `{cluster: class}`.

    - "hungarian": a one-to-one matching maximising the matched counts
      (`scipy.optimize.linear_sum_assignment`); needs at most as many
      clusters as classes (extra clusters would stay unmatched).
    - "majority": each cluster takes its most frequent class (several
      clusters may share a class): the rule for K > number of classes, as in
      the AAE paper's 16- and 30-cluster results.
    - "auto": "hungarian" when the number of clusters is at most the number
      of classes, else "majority".
    """
    if method not in METHODS:
        raise ValueError(f"`method` must be one of {METHODS}. Received: method={method!r}")
    table = contingency_matrix(labels, assignments)
    used = np.flatnonzero(table.sum(1))
    table = table[used]
    num_classes = int(np.count_nonzero(table.sum(0)))
    if method == "auto":
        method = "hungarian" if len(used) <= num_classes else "majority"
    if method == "majority":
        return {int(c): int(k) for c, k in zip(used, table.argmax(1))}
    if len(used) > table.shape[1]:
        raise ValueError(
            f"Hungarian matching needs at most as many clusters as classes. Received "
            f"{len(used)} clusters for {table.shape[1]} classes; use method='majority'."
        )
    rows, cols = linear_sum_assignment(table, maximize=True)
    return {int(used[r]): int(c) for r, c in zip(rows, cols)}


def clustering_accuracy(labels, assignments, method="auto"):
    """Accuracy of cluster assignments against class labels, after mapping
    every cluster to a class (`cluster_to_class`: Hungarian matching when
    K <= classes, majority vote when K > classes).

    Args:
        labels: `(n,)` true class ids (ints >= 0).
        assignments: `(n,)` cluster ids (ints >= 0), e.g. a model's
            `predict_clusters(images)`.
        method: "auto", "hungarian" or "majority".

    Returns:
        A float in [0, 1].

    Example:
    >>> clustering_accuracy([0, 0, 1, 1], [1, 1, 0, 0])
    1.0

    Reference:
        Xie, Girshick, Farhadi, "Unsupervised Deep Embedding for Clustering
        Analysis" (DEC), ICML 2016, eq. (10); Makhzani et al.,
        "Adversarial Autoencoders", arXiv:1511.05644, §7.
    """
    labels = _as_int_vector(labels, "labels")
    assignments = _as_int_vector(assignments, "assignments")
    if len(labels) != len(assignments):
        raise ValueError(
            "`labels` and `assignments` must have the same length. Received: "
            f"{len(labels)} and {len(assignments)}"
        )
    if not len(labels):
        raise ValueError("`labels` is empty: clustering accuracy needs at least one sample.")
    mapping = cluster_to_class(labels, assignments, method)
    predicted = np.array([mapping.get(int(a), -1) for a in assignments])
    return float(np.mean(predicted == labels))

"""Which class each cluster stands for (`cluster_to_class`): Hungarian
matching or majority vote over the cluster-by-class counts. NumPy only
(SciPy's assignment solver loads on first use), so the image grids
(`images.cluster_grid`) caption clusters without importing the metrics or
Keras; `keras_perceptual.metrics.clustering` scores with it."""

import numpy as np

import keras_perceptual.validation as validation

METHODS = ("auto", "hungarian", "majority")


def _as_int_vector(values, name):
    """Class or cluster ids: a 1-D array of ints >= 0 (integral floats pass)."""
    arr = validation.expect_array(name, values, dtype=None)
    if arr.ndim != 1:
        raise validation.fail(name, "a 1-D array of integer ids", f"an array of shape {arr.shape}")
    # ids index a table: bounded by the number of samples' worth of rows would be too strict for
    # cluster ids, so the bound is a table NumPy can allocate (2**31 - 1 ids).
    return validation.expect_labels(name, arr, 2**31 - 1)


def checked_ids(labels, assignments):
    """`(labels, assignments)` as 1-D int arrays of the same, non-zero
    length (class ids and cluster ids), or a ValueError."""
    labels = _as_int_vector(labels, "labels")
    assignments = _as_int_vector(assignments, "assignments")
    if len(labels) != len(assignments):
        raise validation.fail("assignments", f"{len(labels)} cluster ids, one per label", f"{len(assignments)} ids")
    if not len(labels):
        raise validation.fail("labels", "at least one class id", "an empty array")
    return labels, assignments


def contingency_matrix(labels, assignments):
    """`(num_clusters, num_classes)` counts of each (cluster, class) pair;
    cluster and class ids index the rows and columns."""
    labels, assignments = checked_ids(labels, assignments)
    rows, cols = int(assignments.max()) + 1, int(labels.max()) + 1
    validation.expect_allocation("max(assignments) + 1", rows, 8 * cols)
    table = np.zeros((rows, cols), dtype="int64")
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
    validation.expect_choice("method", method, METHODS)
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
    from scipy.optimize import linear_sum_assignment  # slow to import: loaded for a Hungarian matching only

    rows, cols = linear_sum_assignment(table, maximize=True)
    return {int(used[r]): int(c) for r, c in zip(rows, cols)}

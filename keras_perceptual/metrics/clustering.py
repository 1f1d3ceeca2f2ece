"""Unsupervised clustering accuracy (AAE/IAE, DEC, ClusterGAN tables)."""

import numpy as np

from keras_perceptual.cluster_matching import checked_ids
from keras_perceptual.cluster_matching import cluster_to_class


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
    labels, assignments = checked_ids(labels, assignments)
    mapping = cluster_to_class(labels, assignments, method)
    predicted = np.array([mapping.get(int(a), -1) for a in assignments])
    return float(np.mean(predicted == labels))

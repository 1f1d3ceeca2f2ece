"""How often a classifier recognises the class a conditional sample was asked
for: the attribute-classifier metric of VAE/GAN (Larsen et al. 2016, §4.2)."""

import numpy as np

from keras_perceptual.metrics.features import default_feature_model
from keras_perceptual.metrics.features import check_image_batch
from keras_perceptual.metrics.features import feature_sub_model
from keras_perceptual.metrics.features import run_model


def _labels_to_ids(labels, n, num_classes):
    labels = np.asarray(labels)
    if labels.ndim == 2:
        if labels.shape[1] != num_classes:
            raise ValueError(
                f"One-hot `labels` must have one column per class of the classifier ({num_classes}). "
                f"Received: labels.shape={labels.shape}"
            )
        ids = labels.argmax(1)
    elif labels.ndim == 1:
        if labels.size and not np.issubdtype(labels.dtype, np.integer):
            if not np.issubdtype(labels.dtype, np.number) or not np.all(np.mod(labels, 1) == 0):
                raise ValueError(f"Integer `labels` must hold integers. Received: {labels[:5]}...")
        ids = labels.astype("int64")
        if ids.size and (ids.min() < 0 or ids.max() >= num_classes):
            raise ValueError(
                f"`labels` must be class ids in [0, {num_classes}) for this classifier. "
                f"Received values from {ids.min()} to {ids.max()}"
            )
    else:
        raise ValueError(
            "`labels` must be class ids `(n,)` or one-hot rows `(n, num_classes)`. "
            f"Received: labels.shape={labels.shape}"
        )
    if len(ids) != n:
        raise ValueError(f"`images` and `labels` must have the same length. Received: {n} and {len(ids)}")
    return ids


def classifier_score(images, labels, classifier=None, batch_size=500, verbose=False):
    """Fraction of `images` that `classifier` assigns to the class in `labels`.

    For class-conditional samples (`labels` = the conditions they were
    generated with) this is the VAE/GAN paper's attribute metric; on real
    test images it is the classifier's accuracy (the ceiling to compare with).

    Args:
        images: float32 array `(n, h, w, c)` in [-1, 1].
        labels: int class ids `(n,)`, or one-hot / score rows `(n, K)`
            (their argmax is the class).
        classifier: a `keras.Model` mapping images to `(n, K)` class scores
            (logits or probabilities: only the argmax counts); None: the
            zoo's Fashion-MNIST classifier (preset
            "fashion_mnist_classifier", its `logits` layer).
        batch_size: images per forward pass.
        verbose: a progress bar over the batches.

    Returns:
        A float in [0, 1].

    Example:
    >>> y = np.arange(100) % 10
    >>> images = model.generate(100, conditions=keras.utils.to_categorical(y, 10))
    >>> classifier_score(images, y)

    Reference:
        Larsen, Sønderby, Larochelle, Winther, "Autoencoding beyond pixels
        using a learned similarity metric", ICML 2016, §4.2 (Table 1).
    """
    if classifier is None:
        classifier, layer = default_feature_model(), "logits"
    else:
        layer = None
    images = check_image_batch(images)
    labels = np.asarray(labels)
    if labels.ndim in (1, 2) and len(labels) != len(images):
        raise ValueError(
            f"`images` and `labels` must have the same length. Received: {len(images)} and {len(labels)}"
        )
    scores = run_model(feature_sub_model(classifier, layer), images, batch_size, verbose,
                       description="classifying")
    if scores.ndim != 2 or scores.shape[1] < 2:
        raise ValueError(
            "`classifier` must output one score per class, `(n, K)` with K >= 2. Received outputs "
            f"of shape {scores.shape}"
        )
    ids = _labels_to_ids(labels, len(scores), scores.shape[1])
    return float(np.mean(scores.argmax(1) == ids))

"""What a classifier (by default the zoo's evaluator, never a network a
preset trains against) says about generated images:

- `classifier_score`: how often it recognises the class a conditional
  sample was asked for, the attribute-classifier metric of VAE/GAN
  (Larsen et al. 2016, §4.2);
- `confident_fraction`: how often it is confident about a sample at all
  (a recognisable garment of some class);
- `class_agreement`: how often the variants of an input (its
  reconstructions under several decoder noises) keep its class.
"""

import numpy as np
from scipy.special import softmax

import keras_perceptual.validation as validation
from keras_perceptual.metrics.features import EVALUATOR_RANGE
from keras_perceptual.metrics.features import DEFAULT_LOGITS
from keras_perceptual.metrics.features import default_feature_model
from keras_perceptual.metrics.features import check_image_batch
from keras_perceptual.metrics.features import feature_sub_model
from keras_perceptual.metrics.features import run_model


def _labels_to_ids(labels, n, num_classes):
    """Class ids `(n,)` in [0, num_classes) from ids or one-hot / score rows."""
    labels = validation.expect_array("labels", labels, dtype=None)
    if labels.ndim == 2:
        labels = validation.expect_array("labels", labels, shape=(n, num_classes))
        ids = labels.argmax(1)
    elif labels.ndim == 1:
        ids = validation.expect_labels("labels", labels, num_classes)
    else:
        raise validation.fail("labels", f"class ids `(n,)` or one-hot rows `(n, {num_classes})`",
                              f"an array of shape {labels.shape}")
    if len(ids) != n:
        raise validation.fail("labels", f"{n} labels, one per image", f"{len(ids)} labels")
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
            zoo's Fashion-MNIST evaluator (preset "fashion_mnist_evaluator",
            its `logits` layer), which no preset trains against.
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
    images = check_image_batch(images, value_range=EVALUATOR_RANGE if classifier is None else None)
    labels = validation.expect_array("labels", labels, dtype=None)
    if labels.ndim in (1, 2) and len(labels) != len(images):
        raise validation.fail("labels", f"{len(images)} labels, one per image", f"{len(labels)} labels")
    scores = class_scores(images, classifier, batch_size, verbose)
    ids = _labels_to_ids(labels, len(scores), scores.shape[1])
    return float(np.mean(scores.argmax(1) == ids))


def class_scores(images, classifier=None, batch_size=500, verbose=False):
    """`classifier`'s class scores `(n, K)` for `images` (float64).

    Args:
        images: float32 array `(n, h, w, c)` in [-1, 1].
        classifier: a `keras.Model` mapping images to `(n, K)` class scores;
            None: the zoo's evaluator (`default_feature_model()`, its
            `logits` layer).
        batch_size: images per forward pass.
        verbose: a progress bar over the batches.
    """
    images = check_image_batch(images, value_range=EVALUATOR_RANGE if classifier is None else None)
    if classifier is None:
        classifier, layer = default_feature_model(), DEFAULT_LOGITS
    else:
        layer = None
    scores = run_model(feature_sub_model(classifier, layer), images, batch_size, verbose,
                       description="classifying")
    if scores.ndim != 2 or scores.shape[1] < 2:
        raise ValueError(
            "`classifier` must output one score per class, `(n, K)` with K >= 2. Received outputs "
            f"of shape {scores.shape}"
        )
    return scores


def confident_fraction(images, classifier=None, threshold=0.9, from_logits=True, batch_size=500,
                       verbose=False):
    """Fraction of `images` that `classifier` assigns to some class with
    probability >= `threshold`.

    A sample the judge is sure about is a recognisable instance of some
    class; a blob or a mixture of two garments is not. Compare with the
    same fraction on real test images (the ceiling).

    Args:
        images: float32 array `(n, h, w, c)` in [-1, 1].
        classifier: a `keras.Model` mapping images to `(n, K)` class scores;
            None: the zoo's evaluator (its `logits` layer).
        threshold: float in (0, 1], the confidence a sample must reach.
        from_logits: True when the scores are logits (a softmax turns them
            into probabilities); False when they are probabilities already.
        batch_size: images per forward pass.
        verbose: a progress bar over the batches.

    Returns:
        A float in [0, 1].

    Example:
    >>> confident_fraction(model.generate(1000))       # samples
    >>> confident_fraction(test_images)                # the real images' rate

    Reference:
        The "recognisable sample" reading of the Inception score's
        confident-prediction term (Salimans et al., "Improved Techniques for
        Training GANs", NIPS 2016), thresholded.
    """
    threshold = validation.expect_float("threshold", threshold, above=0, maximum=1)
    from_logits = validation.expect_bool("from_logits", from_logits)
    scores = class_scores(images, classifier, batch_size, verbose)
    probabilities = softmax(scores, axis=1) if from_logits else scores
    return float(np.mean(probabilities.max(axis=1) >= threshold))


def class_agreement(images, variants, labels=None, classifier=None, batch_size=500, verbose=False):
    """Fraction of (input, variant) pairs whose variant `classifier` assigns
    to the input's class.

    For an implicit autoencoder, `variants` are an input's reconstructions
    under several decoder-noise draws (`model.vary_noise(images,
    num_samples=8)`): the paper's claim is that the code keeps the class and
    the noise changes the details, so the agreement is close to 1.

    Args:
        images: float32 array `(n, h, w, c)` in [-1, 1], the inputs.
        variants: float32 array `(n, k, h, w, c)`: `k` variants of each input.
        labels: the inputs' classes, int ids `(n,)` or one-hot rows `(n, K)`;
            None: the class `classifier` gives each input (agreement
            between an input and its variants, whatever the true label).
        classifier: a `keras.Model` mapping images to `(n, K)` class scores;
            None: the zoo's evaluator (its `logits` layer).
        batch_size: images per forward pass.
        verbose: a progress bar over the batches.

    Returns:
        A float in [0, 1]: the mean over the `n * k` pairs.

    Example:
    >>> variants = iae.vary_noise(test_images[:500], num_samples=8, seed=0)
    >>> class_agreement(test_images[:500], variants)

    Reference:
        Makhzani, "Implicit Autoencoders", 2018 (§3: one code decoded under
        several noises keeps the content, the noise draws the details).
    """
    images = check_image_batch(images, value_range=EVALUATOR_RANGE if classifier is None else None)
    variants = validation.expect_array("variants", variants)
    if variants.ndim != 5 or len(variants) != len(images) or variants.shape[2:] != images.shape[1:] \
            or variants.shape[1] < 1:
        raise ValueError(
            "`variants` must be `(n, k, h, w, c)`: k >= 1 variants of each of the n `images` "
            f"{images.shape}. Received: variants.shape={variants.shape}"
        )
    n, k = variants.shape[:2]
    variant_scores = class_scores(variants.reshape((n * k,) + variants.shape[2:]), classifier, batch_size,
                                  verbose)
    num_classes = variant_scores.shape[1]
    if labels is None:
        ids = class_scores(images, classifier, batch_size, verbose).argmax(1)
    else:
        ids = _labels_to_ids(labels, n, num_classes)
    return float(np.mean(variant_scores.argmax(1).reshape(n, k) == ids[:, None]))

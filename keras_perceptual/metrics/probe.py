"""Linear probe: how linearly separable the classes are in a model's codes
(DeePSiM's linear SVM on autoencoder features)."""

import numpy as np

import keras_perceptual.validation as validation


def _check_codes(codes, labels, name):
    codes = validation.expect_array(f"{name}_codes", codes, dtype="float64")
    if codes.ndim < 2 or len(codes) == 0:
        raise validation.fail(f"{name}_codes", "a non-empty array `(n, ...)` with one code per row",
                              f"an array of shape {codes.shape}")
    labels = validation.expect_array(f"{name}_labels", labels, dtype=None)
    if labels.ndim != 1 or len(labels) != len(codes):
        raise validation.fail(f"{name}_labels", f"class ids of shape ({len(codes)},), one per code",
                              f"an array of shape {labels.shape}")
    labels = validation.expect_labels(f"{name}_labels", labels, 2**31 - 1)
    return codes.reshape(len(codes), -1), labels


def linear_probe_accuracy(train_codes, train_labels, test_codes, test_labels, seed=0, max_iter=1000):
    """Test accuracy of a linear classifier trained on codes.

    A scikit-learn pipeline `StandardScaler` + `LogisticRegression` (the
    paper's linear SVM's role) is fit on the training codes and scored on
    the test codes. Codes of more than one dimension per sample are
    flattened.

    Args:
        train_codes: array `(n_train, ...)`, e.g. `model.encode(x_train)`.
        train_labels: class ids `(n_train,)`, at least two classes.
        test_codes: array `(n_test, ...)`, same code size.
        test_labels: class ids `(n_test,)`.
        seed: the logistic regression's `random_state`.
        max_iter: its iteration budget.

    Returns:
        A float in [0, 1].

    Example:
    >>> acc = linear_probe_accuracy(model.encode(x_train), y_train, model.encode(x_test), y_test)

    Reference:
        Dosovitskiy & Brox, "Generating Images with Perceptual Similarity
        Metrics based on Deep Networks", NIPS 2016, autoencoder experiment.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    train_codes, train_labels = _check_codes(train_codes, train_labels, "train")
    test_codes, test_labels = _check_codes(test_codes, test_labels, "test")
    if train_codes.shape[1] != test_codes.shape[1]:
        raise ValueError(
            "Train and test codes must have the same size. Received: "
            f"{train_codes.shape[1]} and {test_codes.shape[1]} values per code"
        )
    if len(np.unique(train_labels)) < 2:
        raise ValueError("`train_labels` must hold at least two classes for a linear probe.")
    max_iter = validation.expect_int("max_iter", max_iter, minimum=1)
    seed = validation.expect_seed("seed", seed)
    probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=int(max_iter), random_state=seed))
    probe.fit(train_codes, train_labels)
    return float(probe.score(test_codes, test_labels))

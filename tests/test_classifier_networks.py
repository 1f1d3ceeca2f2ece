"""The zoo's two classifier networks: the DeePSiM comparator and the
evaluator (a different architecture, so no preset is judged by its teacher)."""

import keras
import numpy as np
import pytest

from keras_perceptual.networks import fashion_mnist_classifier
from keras_perceptual.networks import fashion_mnist_evaluator
from keras_perceptual.networks.classifier import CLASSIFIER_LAYERS
from keras_perceptual.networks.classifier import EVALUATOR_LAYERS


def test_evaluator_layers_and_shapes():
    net = fashion_mnist_evaluator(filters=(4, 8, 8), units=16)
    names = [layer.name for layer in net.layers]
    assert all(name in names for name in EVALUATOR_LAYERS)
    assert tuple(net.get_layer("features").output.shape) == (None, 16)
    assert tuple(net.get_layer("stage3_act2").output.shape) == (None, 7, 7, 8)  # two strided stages
    logits = net(np.zeros((2, 28, 28, 1), "float32"))
    assert tuple(logits.shape) == (2, 10)


def test_evaluator_is_not_the_comparator_architecture():
    evaluator, classifier = fashion_mnist_evaluator(), fashion_mnist_classifier()
    assert not set(CLASSIFIER_LAYERS) & set(EVALUATOR_LAYERS) - {"logits"}
    assert evaluator.count_params() != classifier.count_params()


@pytest.mark.parametrize("build, kwargs, message", [
    (fashion_mnist_evaluator, dict(filters=(4, 8)), r"`filters` must be 3 positive ints. Received: filters=\(4, 8\)"),
    (fashion_mnist_classifier, dict(filters=(4, 8, 8)), "`filters` must be 2 positive ints"),
    (fashion_mnist_evaluator, dict(units=0), "`units` must be a positive int. Received: units=0"),
    (fashion_mnist_evaluator, dict(image_shape=(30, 30, 1)), "divisible by 4. Received: image_shape=\\(30, 30, 1\\)"),
    (fashion_mnist_classifier, dict(dropout=1.0), r"`dropout` must be in \[0, 1\). Received: dropout=1.0"),
    (fashion_mnist_evaluator, dict(num_classes=1), "`num_classes` must be an int >= 2"),
])
def test_bad_arguments_name_what_was_received(build, kwargs, message):
    with pytest.raises(ValueError, match=message):
        build(**kwargs)
    keras.backend.clear_session()

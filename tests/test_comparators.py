import os

import keras
import numpy as np
import pytest

import keras_perceptual as kp
from keras_perceptual.comparators import Comparator
from keras_perceptual.networks.classifier import CLASSIFIER_LAYERS
from tests.helpers import assert_close


def tiny_backbone(size=28, channels=1, name="tiny"):
    """An untrained 2-conv network: a cheap comparator backbone for tests."""
    x_in = keras.Input((size, size, channels))
    h = keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="c1")(x_in)
    h = keras.layers.Conv2D(6, 3, strides=2, padding="same", activation="relu", name="c2")(h)
    h = keras.layers.Flatten(name="flat")(h)
    out = keras.layers.Dense(5, name="out")(h)
    return keras.Model(x_in, out, name=name)


def tiny_comparator(layers=("c1", "c2"), size=28, channels=1):
    return kp.comparators.feature_extractor(tiny_backbone(size, channels), list(layers))


def test_classifier_layers_and_output(random_images):
    net = kp.networks.fashion_mnist_classifier()
    names = [layer.name for layer in net.layers]
    for name in CLASSIFIER_LAYERS:
        assert name in names
    assert tuple(net(random_images(2)).shape) == (2, 10)
    with pytest.raises(ValueError, match="image_shape"):
        kp.networks.fashion_mnist_classifier(image_shape=(30, 30, 1))
    with pytest.raises(ValueError, match="dropout"):
        kp.networks.fashion_mnist_classifier(dropout=1.5)


def test_feature_extractor_outputs_and_is_frozen(random_images):
    comp = tiny_comparator()
    x = random_images(3)
    c1, c2 = comp(x)
    assert tuple(c1.shape) == (3, 28, 28, 4) and tuple(c2.shape) == (3, 14, 14, 6)
    assert comp.feature_shapes == [(28, 28, 4), (14, 14, 6)]
    # The whole backbone is tracked (and saved), all of it frozen.
    assert comp.trainable_weights == [] and len(comp.non_trainable_weights) == 6
    # The features are exactly the backbone's layer outputs.
    backbone = comp.backbone_model
    ref = keras.Model(backbone.inputs, backbone.get_layer("c2").output)(x)
    assert_close(c2, ref)


def test_unknown_layer_lists_available_layers():
    with pytest.raises(ValueError, match=r"does not have.*'c1', 'c2'"):
        tiny_comparator(["c1", "conv9"])
    with pytest.raises(ValueError, match="block1_act2"):
        kp.comparators.fashion_mnist_comparator(["nope"])


def test_bad_input():
    with pytest.raises(ValueError, match="backbone"):
        Comparator("alexnet", ["conv5"])
    with pytest.raises(ValueError, match="preprocessing"):
        Comparator(tiny_backbone(), ["c1"], preprocessing="bgr")
    with pytest.raises(ValueError, match="layer_names"):
        Comparator(tiny_backbone(), [])
    with pytest.raises(ValueError, match="image_shape"):
        Comparator(tiny_backbone(), ["c1"], image_shape=(32, 32, 1))
    with pytest.raises(ValueError, match="never a file path"):
        Comparator(tiny_backbone(), ["c1"], weights="/nonexistent/x.weights.h5")
    with pytest.raises(ValueError, match="imagenet"):
        Comparator("fashion_mnist_classifier", ["block1_act2"], weights="imagenet")


def test_image_shape_mismatch(random_images):
    comp = tiny_comparator()
    with pytest.raises(ValueError, match=r"compares images of shape \(None, 28, 28, 1\)"):
        comp(random_images(2, size=32))


def test_vgg_constructors_grey_small_images(random_images):
    for make in (kp.comparators.vgg16_comparator, kp.comparators.vgg19_comparator):
        comp = make(["block1_conv2", "block2_conv2"], image_shape=(28, 28, 1), weights=None)
        f1, f2 = comp(random_images(2))
        # Resized up to VGG's minimum of 32 pixels, tiled to RGB.
        assert tuple(f1.shape) == (2, 32, 32, 64) and tuple(f2.shape) == (2, 16, 16, 128)
        assert comp.trainable_weights == []
    with pytest.raises(ValueError, match="block5_conv3"):
        kp.comparators.vgg16_comparator(["fc1"], image_shape=(32, 32, 3), weights=None)


def test_caffe_preprocessing():
    comp = kp.comparators.vgg16_comparator(["block1_conv1"], image_shape=(32, 32, 3), weights=None)
    x = -np.ones((1, 32, 32, 3), "float32")
    x[..., 0] = 1.0  # pure red in RGB, [-1, 1]
    out = keras.ops.convert_to_numpy(comp.preprocess(x))[0, 0, 0]
    # BGR order, [0, 255] minus the ImageNet means: red lands last.
    np.testing.assert_allclose(out, [0 - 103.939, 0 - 116.779, 255 - 123.68], atol=1e-3)


def test_weights_by_preset_reference_round_trip(tmp_path, random_images):
    classifier = kp.Classifier.from_pretrained("fashion_mnist_classifier")
    comp = kp.comparators.fashion_mnist_comparator(["block1_act1", "fc1_act"], weights="fashion_mnist_classifier")
    x = random_images(2)
    ref = comp(x)
    net = classifier.network
    expected = keras.Model(net.inputs, net.get_layer("block1_act1").output)(x, training=False)
    assert_close(ref[0], expected, atol=1e-5)
    # The config holds the reference (a preset name, never a path), so the clone has the same weights.
    assert comp.get_config()["weights"] == "fashion_mnist_classifier"
    clone = Comparator.from_config(comp.get_config())
    for a, b in zip(ref, clone(x)):
        assert_close(a, b)
    again = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(comp))
    assert_close(ref[1], again(x)[1])
    # A file path is refused, with what to do instead.
    path = os.path.join(tmp_path, "clf.weights.h5")
    net.save_weights(path)
    with pytest.raises(ValueError, match="never a file path"):
        kp.comparators.fashion_mnist_comparator(weights=path)
    with pytest.raises(ValueError, match="weights='imagenet' or None"):
        kp.comparators.vgg16_comparator(weights="fashion_mnist_classifier")


def test_select_shares_weights(tmp_path, random_images):
    comp = kp.comparators.fashion_mnist_comparator(["block1_act2", "block2_act2"])
    deeper = comp.select(["fc1_act", "block2_act2"])
    x = random_images(2)
    assert_close(comp(x)[1], deeper(x)[1])
    custom = tiny_comparator()
    assert_close(custom(x)[0], custom.select(["c1"])(x)[0])

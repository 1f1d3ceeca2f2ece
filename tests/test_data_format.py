"""Networks, comparators and presets in either image layout: channels-first
networks keep channels-last inputs and outputs and compute the same values
(`keras_perceptual.networks.layout`)."""

import keras
import numpy as np
import pytest

import keras_perceptual as kp
from keras_perceptual.networks.layout import with_data_format


def _channels_first_convolution_runs():
    try:
        keras.layers.Conv2D(1, 1, data_format="channels_first")(np.zeros((1, 1, 2, 2), "float32"))
        return True
    except Exception:  # TensorFlow's UnimplementedError: NHWC only on this CPU
        return False


# TensorFlow's CPU Conv2D runs NCHW only through oneDNN, which it turns on by
# default on CPUs with AVX-512 VNNI/BF16 or AMX; elsewhere a plain Keras
# channels-first Conv2D fails there, and so do these networks.
needs_channels_first_convolutions = pytest.mark.skipif(
    not _channels_first_convolution_runs(),
    reason=f"{keras.backend.backend()} cannot run a channels-first Conv2D on this CPU (TensorFlow without oneDNN)")


@pytest.fixture
def image_data_format():
    """Sets the global image layout for one test, and restores it."""
    before = keras.config.image_data_format()
    yield keras.config.set_image_data_format
    keras.config.set_image_data_format(before)


def _numpy(outputs):
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    return [keras.ops.convert_to_numpy(o) for o in outputs]


def _inputs(net, n=4, seed=0):
    rng = np.random.default_rng(seed)
    xs = [rng.uniform(-1, 1, (n,) + tuple(t.shape[1:])).astype("float32") for t in net.inputs]
    return xs if len(xs) > 1 else xs[0]


def _assert_same(a, b, atol=1e-5):
    a, b = _numpy(a), _numpy(b)
    assert len(a) == len(b)
    for u, v in zip(a, b):
        assert u.shape == v.shape
        np.testing.assert_allclose(u, v, atol=atol, rtol=1e-5)


def _formats(net):
    """The data formats its layers read (convolutions, pooling, BatchNorm axes)."""
    found = set()
    for layer in net.layers:
        config = layer.get_config()
        if isinstance(layer, keras.layers.BatchNormalization) and len(layer.input.shape) == 4:
            found.add("channels_first" if config["axis"] in (1, [1]) else "channels_last")
        elif config.get("data_format") in ("channels_first", "channels_last"):
            found.add(config["data_format"])
    return found


NETWORKS = {
    "vaegan": lambda fmt: kp.networks.vaegan_networks("small28", channels=1, condition_dim=3,
                                                      condition_encoder=True, data_format=fmt),
    "iae": lambda fmt: kp.networks.iae_networks(kp.priors.GaussianPrior(4), conv_filters=(8, 8), units=(16,),
                                                discriminator_units=(16,), decoder_batch_norm=True,
                                                normalize_code=True, data_format=fmt),
    "deepsim": lambda fmt: kp.networks.deepsim_networks("autoencoder", "small28", data_format=fmt),
    "classifier": lambda fmt: {"network": kp.networks.fashion_mnist_classifier(filters=(4, 8), units=8,
                                                                               data_format=fmt)},
}


@needs_channels_first_convolutions
@pytest.mark.parametrize("family", sorted(NETWORKS))
def test_builders_run_channels_first_with_channels_last_inputs_and_outputs(family, image_data_format):
    last = NETWORKS[family]("channels_last")
    image_data_format("channels_first")
    default = NETWORKS[family](None)  # the global setting
    for name, net in last.items():
        first = with_data_format(net, "channels_first")  # the same weights
        assert _formats(net) <= {"channels_last"}
        assert _formats(default[name]) == _formats(first) == ({"channels_first"} if _formats(net) else set())
        assert [t.shape for t in first.inputs] == [t.shape for t in net.inputs]
        assert [t.shape for t in first.outputs] == [t.shape for t in net.outputs]
        x = _inputs(net)
        _assert_same(net(x, training=False), first(x, training=False))


def test_a_rewrite_keeps_the_weights_file_layout(tmp_path):
    last = kp.networks.vaegan_discriminator("small28", channels=1, data_format="channels_last")
    first = with_data_format(last, "channels_first")
    # At most one transpose at the image input and one before each image output.
    assert sum(isinstance(layer, keras.layers.Permute) for layer in first.layers) == 2
    path = str(tmp_path / "d.weights.h5")
    first.save_weights(path)
    fresh = kp.networks.vaegan_discriminator("small28", channels=1, data_format="channels_last")
    fresh.load_weights(path)
    x = _inputs(last)
    _assert_same(last(x, training=False), fresh(x, training=False))
    # and back: a channels-first network rewritten channels-last
    back = with_data_format(first, "channels_last")
    _assert_same(last(x, training=False), back(x, training=False))
    assert with_data_format(first, "channels_first") is first


@needs_channels_first_convolutions
def test_the_dis_l_tap_is_channels_last_in_both_layouts():
    last = kp.networks.vaegan_discriminator("small28", channels=1, data_format="channels_last")
    first = with_data_format(last, "channels_first")
    x = _inputs(last)
    dis_last = _numpy(last(x, training=True))[1]
    dis_first = _numpy(first(x, training=True))[1]
    assert dis_first.shape == (4, 7, 7, 128)
    np.testing.assert_allclose(dis_first, dis_last, atol=1e-5, rtol=1e-5)


def test_a_bad_data_format_is_refused():
    net = kp.networks.fashion_mnist_classifier(filters=(4, 8), units=8, data_format="channels_last")
    with pytest.raises(ValueError, match="Expected `data_format` to be one of"):
        with_data_format(net, "NCHW")
    with pytest.raises(ValueError, match="Expected `data_format` to be one of"):
        kp.networks.vaegan_encoder("small28", channels=1, data_format="channels-first")
    with pytest.raises(ValueError, match="Expected `channels_last_layers`"):
        with_data_format(net, "channels_first", channels_last_layers=["no_such_layer"])


@needs_channels_first_convolutions
@pytest.mark.parametrize("interpolation", ["nearest", "bilinear"])
def test_up_convolution_in_both_layouts(interpolation):
    last = kp.layers.UpConvolution2D(3, 3, interpolation=interpolation, data_format="channels_last")
    first = kp.layers.UpConvolution2D.from_config(dict(last.get_config(), data_format="channels_first"))
    x = np.random.default_rng(0).normal(size=(2, 5, 5, 4)).astype("float32")
    y = _numpy(last(x))[0]
    first.build((2, 4, 5, 5))
    first.set_weights(last.get_weights())
    y_first = _numpy(first(np.transpose(x, (0, 3, 1, 2))))[0]
    assert y.shape == (2, 10, 10, 3)
    np.testing.assert_allclose(np.transpose(y_first, (0, 2, 3, 1)), y, atol=1e-5, rtol=1e-5)
    # configs written before `data_format` existed are channels-last
    config = last.get_config()
    del config["data_format"]
    assert kp.layers.UpConvolution2D.from_config(config).data_format == "channels_last"


@needs_channels_first_convolutions
def test_comparator_features_and_feature_loss_are_the_same_in_both_layouts():
    backbone = kp.networks.fashion_mnist_classifier(filters=(4, 8), units=8, data_format="channels_last")
    layers = ["block1_act2", "block2_pool"]
    last = kp.comparators.Comparator(backbone, layers, data_format="channels_last")
    first = kp.comparators.Comparator(backbone, layers, data_format="channels_first")
    assert "channels_first" in _formats(first.backbone_model)
    assert first.feature_shapes == last.feature_shapes == [(28, 28, 4), (7, 7, 8)]
    rng = np.random.default_rng(0)
    x, y = (rng.uniform(-1, 1, (3, 28, 28, 1)).astype("float32") for _ in range(2))
    _assert_same(last(x), first(x))
    loss_last = kp.losses.DeePSiMLoss(last)(x, y)
    loss_first = kp.losses.DeePSiMLoss(first)(x, y)
    np.testing.assert_allclose(float(loss_first), float(loss_last), rtol=1e-5)
    # a comparator over another layer keeps the layout
    other = first.select(["block2_act1"])
    assert other.data_format == "channels_first"
    _assert_same(last.select(["block2_act1"])(x), other(x))


@needs_channels_first_convolutions
def test_a_preset_loads_into_channels_first_with_the_same_outputs(image_data_format):
    last = kp.from_pretrained("vaegan_fashion_mnist")
    image_data_format("channels_first")
    first = kp.from_pretrained("vaegan_fashion_mnist")
    assert _formats(first.encoder) == _formats(first.decoder) == {"channels_first"}
    assert _formats(last.encoder) == {"channels_last"}
    x = _inputs(last.encoder)
    z = _inputs(last.decoder, seed=1)
    _assert_same(last.encoder(x, training=False), first.encoder(x, training=False))
    _assert_same(last.decoder(z, training=False), first.decoder(z, training=False))
    # the discriminator is not in the preset's weights file: compare it with
    # the same weights in the two layouts
    first.discriminator.set_weights(with_data_format(last.discriminator, "channels_first").get_weights())
    _assert_same(last.discriminator(x, training=False), first.discriminator(x, training=False))


@needs_channels_first_convolutions
def test_the_classifier_preset_and_its_comparator_in_channels_first(image_data_format):
    last = kp.comparators.fashion_mnist_comparator(weights="fashion_mnist_classifier")
    image_data_format("channels_first")
    first = kp.comparators.fashion_mnist_comparator(weights="fashion_mnist_classifier")
    assert "channels_first" in _formats(first.backbone_model)
    x = np.random.default_rng(0).uniform(-1, 1, (3, 28, 28, 1)).astype("float32")
    _assert_same(last(x), first(x))


def _vaegan(nets):
    model = kp.VAEGAN(**nets, gamma=1e-3, equilibrium=False, seed=0)
    # SGD: an update proportional to the gradient, so float rounding of the
    # two layouts' kernels stays at rounding size (RMSprop scales near-zero
    # gradients up to the learning rate).
    model.compile(optimizers={p: keras.optimizers.SGD(1e-2) for p in model.players}, jit_compile=False)
    return model


@pytest.mark.slow
@needs_channels_first_convolutions
def test_one_training_step_is_the_same_in_both_layouts():
    last = kp.networks.vaegan_networks("small28", channels=1, latent_dim=4, data_format="channels_last")
    first = {name: with_data_format(net, "channels_first") for name, net in last.items()}
    before = {name: {layer.name: [w.copy() for w in layer.get_weights()] for layer in net.layers}
              for name, net in last.items()}
    x = np.random.default_rng(0).uniform(-1, 1, (8, 28, 28, 1)).astype("float32")
    for nets in (last, first):
        _vaegan(nets).fit(x, batch_size=8, epochs=1, shuffle=False, verbose=0)
    moved = 0
    for name, net in last.items():
        for layer in net.layers:
            weights = layer.get_weights()
            if not weights:
                continue
            for a, b, w0 in zip(weights, first[name].get_layer(layer.name).get_weights(), before[name][layer.name]):
                np.testing.assert_allclose(b, a, atol=1e-5, rtol=1e-4, err_msg=f"{name}/{layer.name}")
                moved += not np.allclose(a, w0)
    assert moved > 20  # the step moved most weights of the three players


@needs_channels_first_convolutions
def test_a_vgg_comparator_under_a_channels_first_setting(image_data_format):
    last = kp.comparators.vgg16_comparator(["block1_conv2", "block2_pool"], image_shape=(32, 32, 3), weights=None)
    image_data_format("channels_first")
    first = kp.comparators.vgg16_comparator(["block1_conv2", "block2_pool"], image_shape=(32, 32, 3), weights=None)
    assert first.data_format is None and "channels_first" in _formats(first.backbone_model)
    first.backbone_model.set_weights(with_data_format(last.backbone_model, "channels_first").get_weights())
    assert first.feature_shapes == last.feature_shapes == [(32, 32, 64), (8, 8, 128)]
    x = np.random.default_rng(0).uniform(-1, 1, (2, 32, 32, 3)).astype("float32")
    _assert_same(last(x), first(x), atol=1e-4)

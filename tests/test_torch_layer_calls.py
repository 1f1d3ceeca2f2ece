"""The PyTorch trainer's layer calls: the fused BatchNormalization
(`keras_perceptual.backend.torch_batch_norm`) and the crop-free
Conv2DTranspose (`keras_perceptual.backend.torch_conv_transpose`) equal
Keras' own calls, and they are set on the trained model's own layers only —
the classes, other models' and standalone layers, configs and saved files
stay Keras' own."""

import keras
import numpy as np
import pytest

import keras_perceptual as kp

pytestmark = pytest.mark.skipif(keras.backend.backend() != "torch",
                                reason="the torch trainer's layer calls")


def _torch_batch_norm():
    from keras_perceptual.backend import torch_batch_norm

    return torch_batch_norm


def _torch_conv_transpose():
    from keras_perceptual.backend import torch_conv_transpose

    return torch_conv_transpose


def _tiny_vaegan():
    nets = kp.networks.vaegan_networks("small28", channels=1, latent_dim=4)
    model = kp.VAEGAN(**nets, gamma=1e-3, equilibrium=False, seed=1)
    model.compile(optimizer=keras.optimizers.RMSprop(1e-4), jit_compile=False)
    return model


def _batch_norms(model):
    return [layer for layer in model._flatten_layers() if isinstance(layer, keras.layers.BatchNormalization)]


def _conv_transposes(model):
    return [layer for layer in model._flatten_layers() if isinstance(layer, keras.layers.Conv2DTranspose)]


def _images(n=8):
    return np.random.default_rng(0).uniform(-1, 1, (n, 28, 28, 1)).astype("float32")


@pytest.mark.parametrize("shape, axis", [((6, 5, 4, 3), -1), ((6, 3, 5, 4), 1), ((6, 7), -1)])
def test_fused_batch_normalization_equals_keras_batch_normalization(shape, axis):
    import torch

    x = np.random.default_rng(0).normal(2.0, 3.0, shape).astype("float32")
    weights = np.sin(np.arange(np.prod(shape), dtype="float32")).reshape(shape)
    results = []
    for fused in (False, True):
        layer = keras.layers.BatchNormalization(axis=axis, momentum=0.9, epsilon=1e-6)
        layer.build(shape)
        layer.gamma.assign(np.linspace(0.5, 1.5, layer.gamma.shape[0]).astype("float32"))
        layer.beta.assign(np.linspace(-1.0, 1.0, layer.beta.shape[0]).astype("float32"))
        if fused:
            assert _torch_batch_norm().fuse_batch_normalization(layer) == 1
            assert _torch_batch_norm().is_fused(layer)
        inputs = torch.tensor(x, requires_grad=True)
        train = layer(inputs, training=True)
        infer = layer(inputs, training=False)
        grads = torch.autograd.grad((train * torch.from_numpy(weights)).sum(),
                                    [inputs, layer.gamma.value, layer.beta.value])
        results.append([train.detach().numpy(), infer.detach().numpy(), *[g.numpy() for g in grads],
                        layer.moving_mean.numpy(), layer.moving_variance.numpy()])
    keras_values, fused_values = results
    assert not np.allclose(keras_values[-1], 1.0)  # the moving variance moved
    for name, a, b in zip(["train", "infer", "d_x", "d_gamma", "d_beta", "moving_mean", "moving_variance"],
                          keras_values, fused_values):
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-5, err_msg=name)
    assert keras.layers.BatchNormalization.call is _torch_batch_norm()._KERAS_CALL  # the class is untouched


def test_cases_the_kernel_does_not_cover_take_keras_path():
    import torch

    x = torch.arange(12, dtype=torch.float32).reshape(4, 3)
    layer = keras.layers.BatchNormalization(renorm=True)
    layer.build((4, 3))
    _torch_batch_norm().fuse_batch_normalization(layer)
    fused = layer(x, training=True).detach().numpy()
    reference = keras.layers.BatchNormalization(renorm=True)
    reference.build((4, 3))
    np.testing.assert_allclose(fused, reference(x, training=True).detach().numpy(), rtol=1e-6)

    class OwnCall(keras.layers.BatchNormalization):
        def call(self, inputs, training=None, mask=None):
            return inputs * 2.0

    own = OwnCall()
    own.build((4, 3))
    assert _torch_batch_norm().fuse_batch_normalization(own) == 0  # a subclass's own call is kept
    np.testing.assert_array_equal(own(x, training=True).numpy(), 2.0 * x.numpy())


@pytest.mark.parametrize("data_format", ["channels_first", "channels_last"])
@pytest.mark.parametrize("kernel, strides, padding, size, crop_free",
                         [(4, 2, "same", 7, True), (3, 1, "same", 5, True), (4, 2, "valid", 5, True),
                          (5, 2, "same", 4, False)])  # an odd kernel at stride 2 crops asymmetrically
def test_crop_free_conv_transpose_equals_keras_conv_transpose(data_format, kernel, strides, padding, size,
                                                             crop_free):
    import torch

    shape = (3, 6, size, size) if data_format == "channels_first" else (3, size, size, 6)
    rng = np.random.default_rng(0)
    x = rng.normal(size=shape).astype("float32")
    weights = None
    results = []
    for fast in (False, True):
        layer = keras.layers.Conv2DTranspose(5, kernel, strides=strides, padding=padding, activation="tanh",
                                             data_format=data_format)
        layer.build(shape)
        if weights is None:
            weights = [rng.normal(size=w.shape).astype("float32") for w in layer.get_weights()]
        layer.set_weights(weights)
        if fast:
            assert _torch_conv_transpose().crop_free_conv_transpose(layer) == 1
        inputs = torch.tensor(x, requires_grad=True)
        y = layer(inputs)
        weight = torch.sin(torch.arange(y.numel(), dtype=torch.float32)).reshape(y.shape)
        grads = torch.autograd.grad((y * weight).sum(), [inputs, layer.kernel.value, layer.bias.value])
        results.append([y.detach().numpy(), *[g.numpy() for g in grads]])
    channels_first = shape if data_format == "channels_first" else (3, 6, size, size)
    assert (_torch_conv_transpose()._torch_padding(layer, channels_first) is not None) == crop_free
    for name, a, b in zip(["outputs", "d_x", "d_kernel", "d_bias"], *results):
        assert a.shape == b.shape, name
        np.testing.assert_allclose(b, a, rtol=1e-5, atol=2e-5, err_msg=name)
    assert keras.layers.Conv2DTranspose.call is _torch_conv_transpose()._KERAS_CALL


def test_only_the_models_own_batch_norms_run_fused_during_a_step():
    """A step fuses the trained model's BatchNorms; a BatchNormalization
    outside it (standalone, or another model's), called during that step,
    runs Keras' own `call` and gives exactly Keras' result."""
    import torch

    torch_batch_norm = _torch_batch_norm()
    model, other = _tiny_vaegan(), _tiny_vaegan()
    standalone = keras.layers.BatchNormalization()
    standalone.build((5, 3))
    x = torch.from_numpy(np.random.default_rng(1).normal(2.0, 3.0, (5, 3)).astype("float32"))
    expected = standalone(x, training=False).detach().numpy()
    seen = []
    compute_losses = model.compute_losses

    def spying_compute_losses(data, training=True):
        seen.append({
            "class": keras.layers.BatchNormalization.call,
            "model": [torch_batch_norm.is_fused(b) for b in _batch_norms(model)],
            "other": [torch_batch_norm.is_fused(b) or "call" in vars(b) for b in _batch_norms(other)],
            "conv_transposes": [_torch_conv_transpose().is_crop_free(c) for c in _conv_transposes(model)],
            "other_conv_transposes": ["call" in vars(c) for c in _conv_transposes(other)],
            "standalone": "call" in vars(standalone),
            "standalone_result": standalone(x, training=False).detach().numpy(),
        })
        return compute_losses(data, training=training)

    object.__setattr__(model, "compute_losses", spying_compute_losses)
    model.fit(_images(), batch_size=8, epochs=1, verbose=0)
    model.evaluate(_images(), batch_size=8, verbose=0)
    assert len(seen) == 2  # one training step, one evaluation step
    for during in seen:
        assert during["class"] is torch_batch_norm._KERAS_CALL
        assert len(during["model"]) == 9 and all(during["model"])
        assert len(during["other"]) == 9 and not any(during["other"])
        assert len(during["conv_transposes"]) == 2 and all(during["conv_transposes"])
        assert len(during["other_conv_transposes"]) == 2 and not any(during["other_conv_transposes"])
        assert not during["standalone"]
        np.testing.assert_array_equal(during["standalone_result"], expected)


def test_fused_layers_keep_their_config_and_saved_file(tmp_path):
    model = _tiny_vaegan()
    layers = _batch_norms(model) + _conv_transposes(model)
    configs = [layer.get_config() for layer in layers]
    model.fit(_images(), batch_size=8, epochs=1, verbose=0)
    assert all(_torch_batch_norm().is_fused(b) for b in _batch_norms(model))
    assert all(_torch_conv_transpose().is_crop_free(c) for c in _conv_transposes(model))
    assert [layer.get_config() for layer in layers] == configs
    assert all("call" not in name for name, _ in model.named_parameters())
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    loaded_layers = _batch_norms(loaded) + _conv_transposes(loaded)
    assert [layer.get_config() for layer in loaded_layers] == configs
    assert not any("call" in vars(layer) for layer in loaded_layers)  # Keras' own until it trains
    z = np.random.default_rng(2).normal(size=(4, 4)).astype("float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded.decoder(z)),
                               keras.ops.convert_to_numpy(model.decoder(z)), atol=1e-5)

"""The PyTorch trainer's fused BatchNormalization
(`keras_perceptual.backend.torch_batch_norm`) equals Keras' own call, and it
is set on the trained model's own layers only, during its steps only — the
class, other models' and standalone layers, configs and saved files stay
Keras' own."""

import contextlib

import keras
import numpy as np
import pytest

import keras_perceptual as kp

pytestmark = pytest.mark.skipif(keras.backend.backend() != "torch",
                                reason="the torch trainer's layer calls")


def _torch_batch_norm():
    from keras_perceptual.backend import torch_batch_norm

    return torch_batch_norm


def _tiny_vaegan():
    nets = kp.networks.vaegan_networks("small28", channels=1, latent_dim=4)
    model = kp.VAEGAN(**nets, gamma=1e-3, equilibrium=False, seed=1)
    model.compile(optimizer=keras.optimizers.RMSprop(1e-4), jit_compile=False)
    return model


def _batch_norms(model):
    return [layer for layer in model._flatten_layers() if isinstance(layer, keras.layers.BatchNormalization)]


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
        calls = _torch_batch_norm().fused_batch_normalization(layer) if fused else contextlib.nullcontext()
        inputs = torch.tensor(x, requires_grad=True)
        with calls:
            assert _torch_batch_norm().is_fused(layer) == fused
            train = layer(inputs, training=True)
            infer = layer(inputs, training=False)
        assert not _torch_batch_norm().is_fused(layer)
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
    with _torch_batch_norm().fused_batch_normalization(layer) as calls:
        assert len(calls) == 1
        fused = layer(x, training=True).detach().numpy()
    reference = keras.layers.BatchNormalization(renorm=True)
    reference.build((4, 3))
    np.testing.assert_allclose(fused, reference(x, training=True).detach().numpy(), rtol=1e-6)

    class OwnCall(keras.layers.BatchNormalization):
        def call(self, inputs, training=None, mask=None):
            return inputs * 2.0

    own = OwnCall()
    own.build((4, 3))
    assert len(_torch_batch_norm().fused_batch_normalization(own)) == 0  # a subclass's own call is kept
    np.testing.assert_array_equal(own(x, training=True).numpy(), 2.0 * x.numpy())


def test_only_the_models_own_batch_norms_run_fused_during_a_step():
    """A step fuses the trained model's BatchNorms, for the step only; a BatchNormalization
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
        assert not during["standalone"]
        np.testing.assert_array_equal(during["standalone_result"], expected)
    assert not any("call" in vars(b) for b in _batch_norms(model))  # Keras' call again after the steps


def test_fused_layers_keep_their_config_and_saved_file(tmp_path):
    model = _tiny_vaegan()
    layers = _batch_norms(model)
    configs = [layer.get_config() for layer in layers]
    model.fit(_images(), batch_size=8, epochs=1, verbose=0)
    with _torch_batch_norm().fused_batch_normalization(model) as calls:
        assert len(calls) == 9 and all(_torch_batch_norm().is_fused(b) for b in layers)
        assert [layer.get_config() for layer in layers] == configs
        assert all("call" not in name for name, _ in model.named_parameters())
        model.save(tmp_path / "model.keras")
    loaded = keras.saving.load_model(tmp_path / "model.keras")
    loaded_layers = _batch_norms(loaded)
    assert [layer.get_config() for layer in loaded_layers] == configs
    assert not any("call" in vars(layer) for layer in loaded_layers + layers)
    z = np.random.default_rng(2).normal(size=(4, 4)).astype("float32")
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(loaded.decoder(z)),
                                  keras.ops.convert_to_numpy(model.decoder(z)))

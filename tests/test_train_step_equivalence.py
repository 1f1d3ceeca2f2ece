"""One library training step of VAE/GAN equals the hand-written step of
benchmarks/train_step.py over the same networks, losses, seed and data (on
PyTorch the library's step runs BatchNormalization as PyTorch's fused kernel,
the hand-written one as Keras' element-wise ops), and that fused kernel
equals Keras' BatchNormalization."""

import contextlib
import importlib.util
from pathlib import Path

import keras
import numpy as np
import pytest


def _benchmark():
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "train_step.py"
    spec = importlib.util.spec_from_file_location("train_step_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_library_step_equals_the_hand_written_step():
    bench = _benchmark()
    library, x = bench.build("small28", 8, seed=0)
    hand, _ = bench.build("small28", 8, seed=0)
    hand.set_weights(library.get_weights())
    before = [keras.ops.convert_to_numpy(v).copy() for v in library.trainable_variables]
    library.compile(optimizers=bench.optimizers(library), jit_compile=False)
    library.fit(x, batch_size=8, epochs=1, shuffle=False, verbose=0)
    step = bench.handwritten_step(hand, bench.optimizers(hand), jit_compile=False)
    step(x)
    after_library = [keras.ops.convert_to_numpy(v) for v in library.trainable_variables]
    after_hand = [keras.ops.convert_to_numpy(v) for v in step.trainable_values()]
    assert len(after_library) == len(after_hand) == len(before)
    moved = 0
    for b, lib, ref in zip(before, after_library, after_hand):
        np.testing.assert_allclose(lib, ref, atol=1e-5, rtol=0)
        moved += not np.allclose(b, ref)
    assert moved > len(before) // 2  # the step moved the weights (biases before a BatchNorm get no gradient)


@pytest.mark.skipif(keras.backend.backend() != "torch", reason="the torch trainer's fused BatchNormalization")
@pytest.mark.parametrize("shape, axis", [((6, 5, 4, 3), -1), ((6, 3, 5, 4), 1), ((6, 7), -1)])
def test_fused_batch_normalization_equals_keras_batch_normalization(shape, axis):
    import torch

    from keras_perceptual.backend.torch_batch_norm import fused_batch_normalization

    x = np.random.default_rng(0).normal(2.0, 3.0, shape).astype("float32")
    weights = np.sin(np.arange(np.prod(shape), dtype="float32")).reshape(shape)
    results = []
    for context in (contextlib.nullcontext, fused_batch_normalization):
        layer = keras.layers.BatchNormalization(axis=axis, momentum=0.9, epsilon=1e-6)
        layer.build(shape)
        layer.gamma.assign(np.linspace(0.5, 1.5, layer.gamma.shape[0]).astype("float32"))
        layer.beta.assign(np.linspace(-1.0, 1.0, layer.beta.shape[0]).astype("float32"))
        inputs = torch.tensor(x, requires_grad=True)
        with context():
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
    assert keras.layers.BatchNormalization.call is not _fused_call()  # Keras' own call is back


@pytest.mark.skipif(keras.backend.backend() != "torch", reason="the torch trainer's fused BatchNormalization")
def test_fused_batch_normalization_is_used_only_inside_the_context():
    import torch

    from keras_perceptual.backend import torch_batch_norm

    keras_call = keras.layers.BatchNormalization.call
    with torch_batch_norm.fused_batch_normalization():
        with torch_batch_norm.fused_batch_normalization():
            assert keras.layers.BatchNormalization.call is _fused_call()
        assert keras.layers.BatchNormalization.call is _fused_call()  # nested: still fused
        # Cases the kernel does not cover take Keras' path: a renorm layer gives Keras' result.
        layer = keras.layers.BatchNormalization(renorm=True)
        layer.build((4, 3))
        x = torch.arange(12, dtype=torch.float32).reshape(4, 3)
        fused = layer(x, training=True).detach().numpy()
    assert keras.layers.BatchNormalization.call is keras_call
    reference = keras.layers.BatchNormalization(renorm=True)
    reference.build((4, 3))
    np.testing.assert_allclose(fused, reference(x, training=True).detach().numpy(), rtol=1e-6)


def _fused_call():
    from keras_perceptual.backend import torch_batch_norm

    return torch_batch_norm._fused_call

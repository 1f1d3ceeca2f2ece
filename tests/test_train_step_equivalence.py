"""One library training step of VAE/GAN equals the hand-written step of
benchmarks/train_step.py over the same networks, losses, seed and data (on
PyTorch the library's step runs BatchNormalization as PyTorch's fused kernel,
the hand-written one as Keras' element-wise ops; tests/test_torch_layer_calls.py
compares the two kernels)."""

import importlib.util
from pathlib import Path

import keras
import numpy as np


def _benchmark():
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "train_step.py"
    spec = importlib.util.spec_from_file_location("train_step_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_library_step_equals_the_hand_written_step():
    # Both steps as each backend runs them in the tests: jitted on JAX (as in
    # use; op by op the two steps take 36 s instead of 16), eager elsewhere.
    jit = keras.backend.backend() == "jax"
    bench = _benchmark()
    library, x = bench.build("small28", 8, seed=0)
    hand, _ = bench.build("small28", 8, seed=0)
    hand.set_weights(library.get_weights())
    before = [keras.ops.convert_to_numpy(v).copy() for v in library.trainable_variables]
    library.compile(optimizers=bench.optimizers(library), jit_compile=jit)
    library.fit(x, batch_size=8, epochs=1, shuffle=False, verbose=0)
    step = bench.handwritten_step(hand, bench.optimizers(hand), jit_compile=jit)
    step(x)
    after_library = [keras.ops.convert_to_numpy(v) for v in library.trainable_variables]
    after_hand = [keras.ops.convert_to_numpy(v) for v in step.trainable_values()]
    assert len(after_library) == len(after_hand) == len(before)
    moved = 0
    for b, lib, ref in zip(before, after_library, after_hand):
        np.testing.assert_allclose(lib, ref, atol=1e-5, rtol=0)
        moved += not np.allclose(b, ref)
    assert moved > len(before) // 2  # the step moved the weights (biases before a BatchNorm get no gradient)

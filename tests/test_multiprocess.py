"""Data parallel training over two processes (JAX's distributed runtime
through `keras.distribution`, gloo collectives on CPU): both processes end
with the same weights and optimizer state, equal to one process over two
devices fed the same global batches; a run resumed from process 0's
checkpoint, in new processes, ends where the uninterrupted run ends.

The test starts this file as a script (`python tests/test_multiprocess.py
worker ...`): two processes on 127.0.0.1, each with one CPU device, beside
one process with two virtual CPU devices; then two new processes that
resume from the checkpoint.
"""

import argparse
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import keras
import numpy as np
import pytest

from tests.test_hub import tiny_vaegan

GLOBAL_BATCH = 8
STEPS = 4  # two before the checkpoint, two after
HALF = STEPS // 2


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _global_data():
    return np.random.default_rng(0).uniform(-1, 1, (STEPS * GLOBAL_BATCH, 28, 28, 1)).astype("float32")


def _worker(argv):
    """One process of the test: trains the tiny VAE/GAN and dumps its
    variables and optimizer variables to `--out`."""
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--checkpoint", required=True)
    p.add_argument("--phase", choices=["full", "resume"], required=True)
    p.add_argument("--coordinator-address")
    p.add_argument("--num-processes", type=int)
    p.add_argument("--process-id", type=int)
    p.add_argument("--data-parallel", action="store_true")
    args = p.parse_args(argv)

    from keras_perceptual.training import distributed
    from keras_perceptual.training.checkpoint import Checkpoint

    spec = distributed.initialize_from_args(args, environ=os.environ)
    assert keras.distribution.distribution() is not None
    assert len(keras.distribution.list_devices()) == 2
    keras.utils.set_random_seed(0)
    model = tiny_vaegan(seed=0)
    model.compile(optimizer=keras.optimizers.RMSprop(1e-3))
    model.optimizer.build(model.trainable_variables)
    checkpoint = Checkpoint(args.checkpoint)
    x = _global_data()

    def fit(first, last):
        kwargs = dict(x=x[first * GLOBAL_BATCH:last * GLOBAL_BATCH], batch_size=GLOBAL_BATCH, shuffle=False)
        model.fit(**distributed.shard_fit_data(kwargs), epochs=1, verbose=0)

    if args.phase == "full":
        fit(0, HALF)
        if distributed.is_writer():
            checkpoint.save(model, {"step": HALF})
    else:
        state = checkpoint.restore(model)
        assert state["step"] == HALF, state
    fit(HALF, STEPS)
    if keras.backend.backend() == "jax":
        model.jax_state_sync()
    arrays = {}
    for group, variables in (("model", model.variables), ("optimizer", model.optimizer.variables)):
        for i, v in enumerate(variables):
            arrays[f"{group}/{i:05d}"] = np.asarray(keras.ops.convert_to_numpy(v.value))
    arrays["sharded_over"] = np.array(len(model.encoder.trainable_variables[0].value.sharding.device_set))
    np.savez(args.out, **arrays)
    print("worker done", "process", distributed.process_id(), "of", distributed.num_processes(), spec, flush=True)


def _launch(args, env):
    return subprocess.Popen([sys.executable, os.path.abspath(__file__), "worker", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _wait(procs, timeout):
    deadline = time.monotonic() + timeout
    outputs = []
    for proc in procs:
        try:
            out, _ = proc.communicate(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            for other in procs:
                other.kill()
            raise
        outputs.append(out)
    for proc, out in zip(procs, outputs):
        assert proc.returncode == 0, out[-4000:]
    return outputs


def _load(path):
    with np.load(path) as data:
        return {k: data[k] for k in data.files}


def _assert_same(a, b, what, exact=False):
    assert sorted(a) == sorted(b), what
    for key in sorted(a):
        if exact:
            np.testing.assert_array_equal(a[key], b[key], err_msg=f"{what}: {key}")
        else:
            np.testing.assert_allclose(a[key], b[key], rtol=1e-4, atol=1e-5, err_msg=f"{what}: {key}")


@pytest.mark.skipif(keras.backend.backend() != "jax",
                    reason="multi-process data parallelism runs on JAX's distributed runtime (keras.distribution); "
                           "this backend is not JAX")
def test_two_processes_train_like_one_process_over_two_devices_and_resume(tmp_path):
    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu", JAX_CPU_COLLECTIVES_IMPLEMENTATION="gloo",
               PYTHONPATH=os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]),
               TF_CPP_MIN_LOG_LEVEL="3", XLA_FLAGS="--xla_force_host_platform_device_count=1")
    for key in [k for k in env if k.startswith(("SLURM_", "KERAS_DISTRIBUTION_", "JAX_COORDINATOR", "JAX_NUM_P",
                                                "JAX_PROCESS"))]:
        del env[key]
    single_env = dict(env, XLA_FLAGS="--xla_force_host_platform_device_count=2")
    checkpoint = tmp_path / "checkpoint"

    def cluster(phase):
        address = f"127.0.0.1:{_free_port()}"
        return [_launch(["--phase", phase, "--out", str(tmp_path / f"{phase}{i}.npz"), "--checkpoint",
                         str(checkpoint), "--coordinator-address", address, "--num-processes", "2",
                         "--process-id", str(i)], env) for i in range(2)]

    procs = cluster("full") + [_launch(["--phase", "full", "--out", str(tmp_path / "single.npz"), "--checkpoint",
                                        str(tmp_path / "single_checkpoint"), "--data-parallel"], single_env)]
    outputs = _wait(procs, timeout=600)
    assert "process 1 of 2" in outputs[1] and "process 0 of 1" in outputs[2], outputs
    # one writer: process 0's checkpoint, and no temporary file of process 1
    assert sorted(p.name for p in checkpoint.iterdir()) == ["checkpoint.npz"]
    _wait(cluster("resume"), timeout=600)

    full = [_load(tmp_path / f"full{i}.npz") for i in range(2)]
    single = _load(tmp_path / "single.npz")
    for state in (*full, single):
        assert int(state.pop("sharded_over")) == 2  # the weights live on both devices
    # the weights and the optimizer state moved after the checkpoint (so the
    # comparisons below see training), and both processes hold the same
    start = _checkpoint_arrays(checkpoint)
    for group in ("model/", "optimizer/"):
        assert any(not np.allclose(start[k], full[0][k]) for k in start if k.startswith(group)), group
    _assert_same(full[0], full[1], "process 0 vs process 1", exact=True)
    _assert_same(full[0], single, "two processes vs one process over two devices")
    resumed = [_load(tmp_path / f"resume{i}.npz") for i in range(2)]
    for state in resumed:
        state.pop("sharded_over")
    _assert_same(resumed[0], resumed[1], "resumed: process 0 vs process 1", exact=True)
    _assert_same(resumed[0], full[0], "resumed vs uninterrupted", exact=True)


def _checkpoint_arrays(folder):
    with np.load(Path(folder) / "checkpoint.npz") as data:
        return {k: data[k] for k in data.files if not k.startswith("__")}


if __name__ == "__main__" and sys.argv[1:2] == ["worker"]:
    _worker(sys.argv[2:])

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

from keras_perceptual.cluster import ClusterSpec
from keras_perceptual.cluster import add_cluster_arguments
from keras_perceptual.cluster import first_host
from keras_perceptual.cluster import resolve_cluster
from keras_perceptual.training import distributed
from keras_perceptual.training.checkpoint import Checkpoint
from tests.conftest import FAST_XLA_COMPILE
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
    # after the run, process 0 alone computes with a local copy (the others may have exited)
    local = distributed.local_model(model)
    if distributed.is_writer():
        arrays["local_reconstruction"] = keras.ops.convert_to_numpy(local.reconstruct(x[:2]))
        arrays["local_weights_equal"] = np.array(all(
            np.array_equal(keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b))
            for a, b in zip(local.weights, model.weights)))
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


@pytest.mark.slow
@pytest.mark.skipif(keras.backend.backend() != "jax",
                    reason="multi-process data parallelism runs on JAX's distributed runtime (keras.distribution); "
                           "this backend is not JAX")
def test_two_processes_train_like_one_process_over_two_devices_and_resume(tmp_path):
    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu", JAX_CPU_COLLECTIVES_IMPLEMENTATION="gloo",
               PYTHONPATH=os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]),
               TF_CPP_MIN_LOG_LEVEL="3", XLA_FLAGS=f"{FAST_XLA_COMPILE} --xla_force_host_platform_device_count=1")
    for key in [k for k in env if k.startswith(("SLURM_", "KERAS_DISTRIBUTION_", "JAX_COORDINATOR", "JAX_NUM_P",
                                                "JAX_PROCESS"))]:
        del env[key]
    single_env = dict(env, XLA_FLAGS=f"{FAST_XLA_COMPILE} --xla_force_host_platform_device_count=2")
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
    for state in (full[0], single):  # the writers' local copies: the trained weights, usable alone
        assert bool(state.pop("local_weights_equal"))
    np.testing.assert_allclose(full[0].pop("local_reconstruction"), single.pop("local_reconstruction"),
                               rtol=1e-4, atol=1e-5)
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
    resumed[0].pop("local_weights_equal"), resumed[0].pop("local_reconstruction")
    _assert_same(resumed[0], resumed[1], "resumed: process 0 vs process 1", exact=True)
    _assert_same(resumed[0], full[0], "resumed vs uninterrupted", exact=True)


def _checkpoint_arrays(folder):
    with np.load(Path(folder) / "checkpoint.npz") as data:
        return {k: data[k] for k in data.files if not k.startswith("__")}


# The cluster a process belongs to, from flags and launcher variables (pure functions).


@pytest.mark.backend_independent
def test_one_process_when_nothing_or_a_count_of_one_is_given():
    assert resolve_cluster() is None
    assert resolve_cluster(environ={"PATH": "/bin"}) is None
    assert resolve_cluster(num_processes=1, process_id=0) is None
    assert resolve_cluster(environ={"SLURM_PROCID": "0", "SLURM_NTASKS": "1", "SLURM_STEP_NODELIST": "gpu1"}) is None


@pytest.mark.backend_independent
def test_flags_give_the_cluster_and_win_over_the_environment():
    spec = resolve_cluster("10.0.0.1:1234", 4, 3, environ={"JAX_PROCESS_ID": "1", "SLURM_PROCID": "2"})
    assert spec == ClusterSpec("10.0.0.1:1234", 4, 3)
    assert spec.sources == {"coordinator_address": "--coordinator-address", "num_processes": "--num-processes",
                            "process_id": "--process-id"}
    assert not spec.is_writer and resolve_cluster("h:1", 2, 0).is_writer


@pytest.mark.backend_independent
def test_each_value_from_the_first_source_that_gives_it():
    env = {"KERAS_DISTRIBUTION_JOB_ADDRESSES": "a:1,b:2", "JAX_NUM_PROCESSES": "2", "JAX_PROCESS_ID": "1",
           "JAX_COORDINATOR_ADDRESS": "ignored:9"}
    spec = resolve_cluster(environ=env)
    assert (spec.coordinator_address, spec.num_processes, spec.process_id) == ("a:1", 2, 1)
    assert spec.sources["coordinator_address"] == "KERAS_DISTRIBUTION_JOB_ADDRESSES"
    assert resolve_cluster(process_id=0, environ=env).process_id == 0


@pytest.mark.backend_independent
def test_slurm_gives_rank_count_and_the_first_host_on_jaxs_port():
    env = {"SLURM_PROCID": "5", "SLURM_NTASKS": "8", "SLURM_STEP_NODELIST": "gpu[003-006,9],login1",
           "SLURM_JOB_ID": "123456"}
    spec = resolve_cluster(environ=env)
    assert spec == ClusterSpec(f"gpu003:{123456 % 4096 + 61440}", 8, 5)
    assert resolve_cluster(environ=dict(env, KERAS_PERCEPTUAL_COORDINATOR_PORT="2222")).coordinator_address == \
        "gpu003:2222"
    assert resolve_cluster(coordinator_address="head:7", environ=env).coordinator_address == "head:7"
    # without SLURM_PROCID (not inside srun), SLURM's variables are not read
    assert resolve_cluster(environ={k: v for k, v in env.items() if k != "SLURM_PROCID"}) is None


@pytest.mark.backend_independent
def test_first_host_of_slurm_host_lists():
    assert first_host("node1") == "node1"
    assert first_host("a,b") == "a"
    assert first_host("gpu[003-006,9]") == "gpu003"
    assert first_host("rack[2-3]-n[08-09],x") == "rack2-n08"
    for bad in ("", "  ", "[", "a b", None):
        with pytest.raises(ValueError, match="SLURM_STEP_NODELIST"):
            first_host(bad)


@pytest.mark.backend_independent
@pytest.mark.parametrize("kwargs, environ, message", [
    (dict(num_processes=2, process_id=0), {}, "Expected `--coordinator-address` to be process 0's HOST:PORT"),
    (dict(coordinator_address="h:1", num_processes=2), {}, "Expected `--process-id` to be this process's index"),
    (dict(coordinator_address="h:1", num_processes=2, process_id=2), {}, r"0\.\.1 \(the process count is 2\)"),
    (dict(coordinator_address="h:1", num_processes=0, process_id=0), {}, "`--num-processes` to be an int >= 1"),
    (dict(coordinator_address="h:1", num_processes=2, process_id=-1), {}, "`--process-id` to be an int >= 0"),
    (dict(num_processes=1, process_id=1), {}, "to be 0 in a one-process run"),
    (dict(coordinator_address="h", num_processes=2, process_id=0), {}, "an address HOST:PORT"),
    (dict(coordinator_address="h:70000", num_processes=2, process_id=0), {}, "port 1 to 65535"),
    (dict(coordinator_address="h:1; rm -rf /", num_processes=2, process_id=0), {}, "an address HOST:PORT"),
    (dict(), {"SLURM_PROCID": "x", "SLURM_NTASKS": "2"}, "Expected `SLURM_PROCID` to be an integer"),
    (dict(), {"JAX_NUM_PROCESSES": "2.5"}, "Expected `JAX_NUM_PROCESSES` to be an integer"),
    (dict(), {"KERAS_DISTRIBUTION_JOB_ADDRESSES": "a:1,b:2,c:3", "KERAS_DISTRIBUTION_NUM_PROCESSES": "2",
              "KERAS_DISTRIBUTION_PROCESS_ID": "0"}, "2 addresses, one per process"),
])
def test_bad_cluster_settings_are_refused_naming_the_flag_or_variable(kwargs, environ, message):
    with pytest.raises(ValueError, match=message):
        resolve_cluster(environ=environ, **kwargs)


def test_cluster_flags_parse_and_initialize_a_one_process_run():
    parser = argparse.ArgumentParser()
    add_cluster_arguments(parser)
    args = parser.parse_args(["--coordinator-address", "h:1", "--num-processes", "3", "--process-id", "2"])
    assert resolve_cluster(args.coordinator_address, args.num_processes, args.process_id) == ClusterSpec("h:1", 3, 2)
    assert not parser.parse_args([]).data_parallel
    # no cluster: nothing is initialised and this process writes
    assert distributed.initialize_from_args(parser.parse_args([])) is None
    assert distributed.is_writer() and distributed.num_processes() == 1


def test_process_shard_gives_each_process_its_slice_of_every_global_batch():
    rows = np.arange(12)
    assert distributed.process_shard(rows, 4, processes=2, index=0).tolist() == [0, 1, 4, 5, 8, 9]
    assert distributed.process_shard(rows, 4, processes=2, index=1).tolist() == [2, 3, 6, 7, 10, 11]
    shards = [distributed.process_shard(rows, 6, processes=3, index=i) for i in range(3)]
    assert sorted(np.concatenate(shards).tolist()) == rows.tolist()
    assert distributed.process_shard(rows, 4, processes=1, index=0) is rows
    with pytest.raises(ValueError, match="a multiple of the process count 2"):
        distributed.process_shard(rows, 3, processes=2, index=0)
    with pytest.raises(ValueError, match="whole batches of 5 rows"):
        distributed.process_shard(rows, 5, processes=1, index=0)
    with pytest.raises(ValueError, match="`index` to be an int >= 0 and <= 1"):
        distributed.process_shard(rows, 4, processes=2, index=2)


@pytest.mark.skipif(keras.backend.backend() == "jax", reason="checks the refusal on the other backends")
def test_data_parallel_on_another_backend_is_refused():
    with pytest.raises(ValueError, match="Expected `the Keras backend` to be 'jax'"):
        distributed.initialize(data_parallel=True)
    with pytest.raises(ValueError, match="a run of 2 processes"):
        distributed.initialize("h:1", 2, 0)


if __name__ == "__main__" and sys.argv[1:2] == ["worker"]:
    _worker(sys.argv[2:])

"""Data parallel training over several processes (hosts, or one process per
GPU) on the JAX backend, through `keras.distribution` and JAX's
distributed runtime: no collective of our own.

Every process runs the same command. `initialize` starts JAX's runtime
(`keras.distribution.initialize`) with the cluster `keras_perceptual.cluster`
reads from the flags or the launcher's environment, and sets
`keras.distribution.DataParallel` over every device of every process: the
weights are replicated, each global batch is split over the devices, and
the gradients are summed by XLA's collectives (NCCL on GPUs, gloo on CPUs).
The library's own `fit` then trains as it does on one device; each process
feeds its share of every global batch (`shard_fit_data`), and process 0
alone writes checkpoints and presets (`is_writer`); every process resumes
from the same checkpoint file.

The hooks the training driver and the command line use:

    cluster.add_cluster_arguments(parser)          # the flags (no Keras import)
    distributed.initialize_from_args(args)         # first, before any model is built
    model.fit(**distributed.shard_fit_data(data.epoch(...)), ...)
    if distributed.is_writer(): checkpoint.save(...)

`tests/test_multiprocess.py` checks that two processes end with the weights
and optimizer state of one process over two devices, and that a resumed
two-process run ends where an uninterrupted one does.
"""

import keras
import numpy as np

from keras_perceptual.cluster import resolve_cluster
from keras_perceptual.validation import expect_bool
from keras_perceptual.validation import expect_int
from keras_perceptual.validation import fail

_STATE = {"spec": None}


def initialize(coordinator_address=None, num_processes=None, process_id=None, data_parallel=False, environ=None):
    """Joins the cluster (when there is one) and sets data parallelism.

    Call it once, first: before any model or tensor is built. Values not
    given are read from `environ` (see `keras_perceptual.cluster`).

    Args:
        coordinator_address: "host:port" of process 0, or None.
        num_processes: processes in the run, or None.
        process_id: this process's index, or None.
        data_parallel: split batches over every device even in a
            one-process run (e.g. the GPUs of one host); implied by a
            cluster.
        environ: the environment to read (`os.environ` from the command
            line; default: none).

    Returns:
        The `ClusterSpec`, or None for a one-process run.
    """
    data_parallel = expect_bool("data_parallel", data_parallel)
    spec = resolve_cluster(coordinator_address, num_processes, process_id, environ)
    if (spec is not None or data_parallel) and keras.backend.backend() != "jax":
        what = f"a run of {spec.num_processes} processes" if spec is not None else "data_parallel=True"
        raise fail("the Keras backend", "'jax' for data parallel training over several devices or processes",
                   f"{keras.backend.backend()!r} ({what})",
                   hint="Set KERAS_BACKEND=jax, or run one process without --data-parallel.")
    if spec is not None:
        if _STATE["spec"] is not None:
            if _STATE["spec"] != spec:
                raise fail("the cluster", f"the one this process joined ({_STATE['spec']})", f"{spec}",
                           hint="A process joins one cluster; start a new process for another.")
        else:
            keras.distribution.initialize(job_addresses=spec.coordinator_address,
                                          num_processes=spec.num_processes, process_id=spec.process_id)
            _STATE["spec"] = spec
    if spec is not None or data_parallel:
        devices = keras.distribution.list_devices()
        if len(devices) > 1:
            # the data is sharded here (`shard_fit_data`), for arrays and tf.data alike
            keras.distribution.set_distribution(
                keras.distribution.DataParallel(devices=devices, auto_shard_dataset=False))
    return spec


def initialize_from_args(args, environ=None):
    """`initialize` from the flags of `cluster.add_cluster_arguments` (and,
    for the values not given, `environ`, e.g. `os.environ`)."""
    return initialize(getattr(args, "coordinator_address", None), getattr(args, "num_processes", None),
                      getattr(args, "process_id", None), data_parallel=bool(getattr(args, "data_parallel", False)),
                      environ=environ)


def num_processes():
    """Processes in the run (1 unless `initialize` joined a cluster)."""
    spec = _STATE["spec"]
    return 1 if spec is None else spec.num_processes


def process_id():
    """This process's index (0 unless `initialize` joined a cluster)."""
    spec = _STATE["spec"]
    return 0 if spec is None else spec.process_id


def is_writer():
    """True in the process that writes checkpoints, presets and pictures
    (process 0; the only process of a one-process run)."""
    return process_id() == 0


def device_count():
    """Devices a global batch is split over: those of the active
    `DataParallel`, else 1."""
    distribution = keras.distribution.distribution()
    if distribution is None:
        return 1
    return int(np.prod(distribution.device_mesh.shape))


def check_batch_size(batch_size):
    """The global batch size, refused unless every device gets an equal
    share (and so every process)."""
    batch_size = expect_int("batch_size", batch_size, minimum=1)
    devices = max(device_count(), num_processes())
    if batch_size % devices:
        raise fail("batch_size", f"a multiple of {devices} (the devices the batch is split over)",
                   f"batch_size={batch_size}",
                   hint=f"Pass --batch-size {max(devices, batch_size // devices * devices)}.")
    return batch_size


def process_shard(array, batch_size, processes=None, index=None):
    """This process's rows of `array`, a run of global batches of
    `batch_size`: of every global batch, the `index`-th of `processes`
    equal slices (the rows `keras.distribution` gives this process's
    devices). `array` holds whole batches.

    Args:
        array: `(steps * batch_size, ...)`.
        batch_size: the global batch size, divisible by `processes`.
        processes, index: default: this process's.
    """
    processes = num_processes() if processes is None else expect_int("processes", processes, minimum=1)
    index = process_id() if index is None else expect_int("index", index, minimum=0, maximum=processes - 1)
    batch_size = expect_int("batch_size", batch_size, minimum=1)
    if batch_size % processes:
        raise fail("batch_size", f"a multiple of the process count {processes}", f"batch_size={batch_size}")
    if len(array) % batch_size:
        raise fail("array", f"whole batches of {batch_size} rows", f"{len(array)} rows")
    if processes == 1:
        return array
    share = batch_size // processes
    steps = len(array) // batch_size
    rows = np.arange(steps)[:, None] * batch_size + index * share + np.arange(share)[None, :]
    return array[rows.reshape(-1)]


def shard_fit_data(fit_kwargs, batch_size=None):
    """The `fit` arguments of this process, from those of the global run:
    of every global batch, this process's share (`process_shard`'s rows).
    Arrays (`{"x": ..., "y": ..., "batch_size": global, ...}`) are cut and
    `batch_size` becomes the share; a batched `tf.data` pipeline
    (`{"x": dataset}`, global batches of `batch_size`) is re-batched to the
    share and every process takes its own (`rebatch`, then `shard`, as
    Keras's own auto-sharding does). Unchanged in a one-process run.

    Args:
        fit_kwargs: the `fit` arguments of the whole run.
        batch_size: the global batch size (default: `fit_kwargs["batch_size"]`;
            needed for a `tf.data` pipeline).
    """
    processes = num_processes()
    if processes == 1:
        return fit_kwargs
    batch_size = fit_kwargs.get("batch_size") if batch_size is None else batch_size
    if batch_size is None:
        raise fail("batch_size", "the global batch size of the pipeline", "None",
                   hint="Pass shard_fit_data(fit_kwargs, batch_size).")
    batch_size = check_batch_size(batch_size)
    share = batch_size // processes
    out = dict(fit_kwargs)
    x = out.get("x")
    if hasattr(x, "rebatch") and hasattr(x, "shard"):  # a tf.data pipeline
        out["x"] = x.rebatch(share, drop_remainder=True).shard(processes, process_id())
        return out
    out["batch_size"] = share
    for key in ("x", "y", "sample_weight"):
        if out.get(key) is not None:
            out[key] = keras.tree.map_structure(lambda a: process_shard(a, batch_size), out[key])
    return out


def local_model(model):
    """After a run of several processes: a copy of `model` whose weights
    live on this process alone, with the distribution cleared, so process 0
    can draw samples, measure and write the preset without the others (a
    computation on the distributed model waits for every process). Every
    process calls it; reading the replicated weights needs no collective.
    A one-process run gets `model` back unchanged.

    The copy is the model's class rebuilt from its config with the weights
    assigned (not compiled: it is for inference and writing)."""
    if num_processes() == 1:
        return model
    if keras.backend.backend() == "jax":
        model.jax_state_sync()  # after fit, the trainer holds the latest values
    values = [np.asarray(keras.ops.convert_to_numpy(v.value)) for v in model.weights]
    keras.distribution.set_distribution(None)
    clone = model.__class__.from_config(model.get_config())
    if len(clone.weights) != len(values):
        raise fail("the local copy", f"{len(values)} weights, as the trained model", f"{len(clone.weights)}")
    for variable, value in zip(clone.weights, values):
        variable.assign(value)
    return clone

"""Which process of which cluster this is: the flags and environment
variables a cluster launcher sets, read as plain data (no Keras, so the
command-line parser can add the flags without importing a framework).

    spec = resolve_cluster(environ=os.environ)   # None: one process
    spec.coordinator_address, spec.num_processes, spec.process_id

Each of the three values comes from the first place that gives it:

1. the flags `--coordinator-address HOST:PORT`, `--num-processes N`,
   `--process-id I` (`add_cluster_arguments`);
2. Keras's variables `KERAS_DISTRIBUTION_JOB_ADDRESSES` (the first of a
   comma-separated list is the coordinator), `KERAS_DISTRIBUTION_NUM_PROCESSES`,
   `KERAS_DISTRIBUTION_PROCESS_ID`;
3. JAX's `JAX_COORDINATOR_ADDRESS`, `JAX_NUM_PROCESSES`, `JAX_PROCESS_ID`;
4. SLURM inside `srun`: `SLURM_PROCID`, `SLURM_NTASKS`, and the coordinator
   is the first host of `SLURM_STEP_NODELIST` (else `SLURM_JOB_NODELIST`)
   on the port JAX's own SLURM detection uses (`SLURM_JOB_ID % 4096 + 61440`)
   unless `KERAS_PERCEPTUAL_COORDINATOR_PORT` names one.

One process (no value anywhere, or a process count of 1) resolves to None:
nothing to initialise. `keras_perceptual.training.distributed` starts JAX's
distributed runtime from the result.
"""

import dataclasses
import re

from keras_perceptual.validation import expect_int
from keras_perceptual.validation import fail

PORT_VARIABLE = "KERAS_PERCEPTUAL_COORDINATOR_PORT"

# (flag attribute, then each environment source's variable), per value
SOURCES = (
    ("flags", ("coordinator_address", "num_processes", "process_id")),
    ("KERAS_DISTRIBUTION_*", ("KERAS_DISTRIBUTION_JOB_ADDRESSES", "KERAS_DISTRIBUTION_NUM_PROCESSES",
                              "KERAS_DISTRIBUTION_PROCESS_ID")),
    ("JAX_*", ("JAX_COORDINATOR_ADDRESS", "JAX_NUM_PROCESSES", "JAX_PROCESS_ID")),
)

FLAGS = {"coordinator_address": "--coordinator-address", "num_processes": "--num-processes",
         "process_id": "--process-id"}


@dataclasses.dataclass(frozen=True)
class ClusterSpec:
    """One process of a cluster of `num_processes` (> 1) processes.

    Args:
        coordinator_address: "host:port" of process 0's coordination
            service (every process passes the same).
        num_processes: processes in the cluster (one per host, or one per
            GPU).
        process_id: this process's index in [0, num_processes - 1]; process
            0 writes the checkpoints and the preset.
        sources: where each value came from, e.g.
            `{"num_processes": "SLURM_NTASKS", ...}` (for messages).
    """

    coordinator_address: str
    num_processes: int
    process_id: int
    sources: dict = dataclasses.field(default_factory=dict, compare=False)

    @property
    def is_writer(self):
        return self.process_id == 0


def add_cluster_arguments(parser):
    """Adds the cluster flags to an `argparse` parser (read back with
    `resolve_cluster(args.coordinator_address, args.num_processes,
    args.process_id)` or `distributed.initialize_from_args(args)`)."""
    group = parser.add_argument_group(
        "several processes (data parallel over hosts or GPUs, JAX backend)",
        "Start the same command once per process. Each flag may instead come from the environment a launcher "
        "sets: KERAS_DISTRIBUTION_* or JAX_COORDINATOR_ADDRESS / JAX_NUM_PROCESSES / JAX_PROCESS_ID, or "
        "SLURM's (srun). The batch size is the global batch; each process feeds its share. Process 0 writes "
        "the checkpoints and the preset (put --output on a file system every process sees).")
    group.add_argument("--coordinator-address", metavar="HOST:PORT",
                       help="address of process 0's coordination service, the same for every process")
    group.add_argument("--num-processes", type=int, metavar="N", help="processes in the run, >= 1")
    group.add_argument("--process-id", type=int, metavar="I", help="this process's index, 0 to N - 1")
    group.add_argument("--data-parallel", action="store_true",
                       help="split every batch over all the devices JAX sees (e.g. every GPU of this host); "
                            "implied with several processes")
    return group


def first_host(nodelist):
    """The first host name of a SLURM host list, e.g.
    `"gpu[003-006,9],login1"` -> `"gpu003"`, `"r[1-2]-n[08-09]"` -> `"r1-n08"`."""
    if not isinstance(nodelist, str) or not nodelist.strip():
        raise fail("SLURM_STEP_NODELIST", "a SLURM host list such as 'gpu[001-004]'",
                   f"{nodelist!r}")
    depth, end = 0, len(nodelist)
    for i, ch in enumerate(nodelist):  # the first item: up to the first comma outside brackets
        depth += {"[": 1, "]": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            end = i
            break
    item = nodelist[:end].strip()

    def first(match):
        return match.group(1).split(",")[0].split("-")[0]

    host = re.sub(r"\[([^\]]*)\]", first, item)
    if not host or not re.fullmatch(r"[A-Za-z0-9._-]+", host):
        raise fail("SLURM_STEP_NODELIST", "a SLURM host list such as 'gpu[001-004]'", f"{nodelist!r}")
    return host


def parse_address(name, value):
    """`"host:port"` checked (a host name or IPv4/[IPv6] address, a port in
    1..65535); the first of a comma-separated list of addresses."""
    text = value.split(",")[0].strip() if isinstance(value, str) else value
    match = re.fullmatch(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+):([0-9]{1,5})", text) if isinstance(text, str) else None
    if match is None or not 1 <= int(match.group(2)) <= 65535:
        raise fail(name, "an address HOST:PORT (port 1 to 65535), e.g. 10.0.0.1:12355", f"{name}={value!r}",
                   hint="Give process 0's host and a free port, the same on every process.")
    return text


def _env_int(name, text):
    try:
        return int(str(text).strip())
    except ValueError:
        raise fail(name, "an integer", f"{name}={text!r}") from None


def resolve_cluster(coordinator_address=None, num_processes=None, process_id=None, environ=None):
    """The `ClusterSpec` of this process, or None for a one-process run.

    Args:
        coordinator_address, num_processes, process_id: the flags' values
            (None: not given).
        environ: the environment to read (default: none, flags only; pass
            `os.environ`).
    """
    environ = {} if environ is None else environ
    flags = {"coordinator_address": coordinator_address, "num_processes": num_processes, "process_id": process_id}
    values, sources = {}, {}
    for key, flag_value in flags.items():
        if flag_value is not None:
            values[key], sources[key] = flag_value, FLAGS[key]
    for _, names in SOURCES[1:]:
        for key, name in zip(flags, names):
            if key not in values and environ.get(name, "").strip():
                values[key], sources[key] = environ[name], name
    if "SLURM_PROCID" in environ:
        slurm = {"num_processes": "SLURM_NTASKS", "process_id": "SLURM_PROCID"}
        for key, name in slurm.items():
            if key not in values and environ.get(name, "").strip():
                values[key], sources[key] = environ[name], name
        nodelist = environ.get("SLURM_STEP_NODELIST") or environ.get("SLURM_JOB_NODELIST")
        if "coordinator_address" not in values and nodelist:
            if environ.get(PORT_VARIABLE, "").strip():
                port = _env_int(PORT_VARIABLE, environ[PORT_VARIABLE])
            else:
                port = _env_int("SLURM_JOB_ID", environ.get("SLURM_JOB_ID", "0")) % 4096 + 61440
            values["coordinator_address"] = f"{first_host(nodelist)}:{port}"
            sources["coordinator_address"] = "SLURM_STEP_NODELIST" if environ.get("SLURM_STEP_NODELIST") \
                else "SLURM_JOB_NODELIST"

    def number(key, **bounds):
        value, source = values[key], sources[key]
        if isinstance(value, str):
            value = _env_int(source, value)
        return expect_int(source, value, **bounds)

    count = number("num_processes", minimum=1) if "num_processes" in values else None
    index = number("process_id", minimum=0) if "process_id" in values else None
    if count is None or count == 1:
        if index not in (None, 0):
            raise fail(sources["process_id"], "0 in a one-process run", f"{sources['process_id']}={index}",
                       hint="Give the process count too (--num-processes N).")
        return None
    if index is None:
        raise fail("--process-id", f"this process's index, 0 to {count - 1}",
                   f"nothing (a run of {count} processes from {sources['num_processes']})",
                   hint="Pass --process-id I or set JAX_PROCESS_ID (srun sets SLURM_PROCID).")
    if index >= count:
        raise fail(sources["process_id"], f"an int in 0..{count - 1} (the process count is {count})",
                   f"{sources['process_id']}={index}")
    if "coordinator_address" not in values:
        raise fail("--coordinator-address", "process 0's HOST:PORT",
                   f"nothing (a run of {count} processes from {sources['num_processes']})",
                   hint="Pass --coordinator-address HOST:PORT or set JAX_COORDINATOR_ADDRESS.")
    address = parse_address(sources["coordinator_address"], values["coordinator_address"])
    if sources["coordinator_address"] == "KERAS_DISTRIBUTION_JOB_ADDRESSES":
        listed = len(values["coordinator_address"].split(","))
        if listed > 1 and listed != count:
            raise fail("KERAS_DISTRIBUTION_JOB_ADDRESSES", f"{count} addresses, one per process",
                       f"{listed} addresses ({values['coordinator_address']!r})")
    return ClusterSpec(address, count, index, sources)

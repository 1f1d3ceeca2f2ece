"""Step checkpoints that resume a run exactly.

A checkpoint is one `.npz` file written atomically (a temporary file, then
`os.replace`, so a run killed while writing leaves the previous checkpoint
intact). It holds every variable of the model (weights, BatchNorm
statistics and the state of every `SeedGenerator`, the model's random
state), every variable of the optimizer (each player's moments and
iteration count inside the one `MultiOptimizer`), the loss trackers, and a
JSON record: the global step (the data position: the data of epoch `e` is
a pure function of the seed and `e`), the options that define the run
(a checkpoint of other options is refused, naming them) and the runs so
far (command, steps, wall time) for the preset's metadata.
"""

import contextlib
import json
import os
import re
import time
import zipfile
from pathlib import Path

import keras
import numpy as np

FORMAT = 1
FILENAME = "checkpoint.npz"
# The temporary files this module and the driver write before `os.replace`
# (`.checkpoint.npz.<pid>.tmp`, `.best.npz.<pid>.tmp`): a process killed
# mid-write leaves one behind, removed by the next run in the folder.
TEMPORARY = re.compile(r"^\.(checkpoint|best)\.npz\.(\d+)\.tmp$")
# What a damaged file raises while NumPy reads it (an empty or truncated
# file, a flipped byte caught by the zip CRC, a missing entry, bad JSON).
_DAMAGED = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, UnicodeDecodeError, TypeError,
            AttributeError)


def _values(variables):
    return [np.asarray(keras.ops.convert_to_numpy(v.value)) for v in variables]


def _groups(model):
    optimizer = getattr(model, "optimizer", None)
    groups = {"model": list(model.variables)}
    if optimizer is not None:
        groups["optimizer"] = list(optimizer.variables)
    groups["metrics"] = list(model.metrics_variables)
    return groups


class CheckpointError(ValueError):
    """A checkpoint that cannot be resumed (damaged, of another model, or
    written by a run that diverged); the message names the file and
    `--restart`."""


class Checkpoint:
    """The checkpoint file of a run in `folder` (`folder/checkpoint.npz`).

    Args:
        folder: the run's output folder.
    """

    def __init__(self, folder):
        self.folder = Path(folder)
        self.path = self.folder / FILENAME

    def exists(self):
        return self.path.is_file()

    def save(self, model, state):
        """Writes the model's, optimizer's and trackers' variables and
        `state` (JSON-able dict); returns the file size in bytes."""
        if keras.backend.backend() == "jax":
            model.jax_state_sync()  # mid-fit, the JAX trainer holds the values
        arrays = {}
        for group, variables in _groups(model).items():
            for i, value in enumerate(_values(variables)):
                arrays[f"{group}/{i:05d}"] = value
        meta = dict(state, format=FORMAT,
                    paths={g: [v.path for v in vs] for g, vs in _groups(model).items()})
        arrays["__meta__"] = np.frombuffer(json.dumps(meta).encode(), dtype="uint8")
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{FILENAME}.{os.getpid()}.tmp")
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)
        return self.path.stat().st_size

    def damaged(self, what):
        """The one error of a checkpoint that cannot be resumed."""
        return CheckpointError(
            f"The checkpoint {self.path} cannot be resumed: {what}. Pass --restart (`restart=True`) to discard "
            "it and train from step 0."
        )

    @contextlib.contextmanager
    def _reading(self):
        """`np.load` of the checkpoint; any failure of a damaged file (empty,
        truncated, a flipped byte, a missing entry) becomes `damaged`."""
        try:
            with np.load(self.path, allow_pickle=False) as data:
                yield data
        except CheckpointError:
            raise
        except _DAMAGED as e:
            reason = " ".join(str(e).split()) or type(e).__name__
            if "pickle" in reason:  # NumPy's advice to unpickle a file is not for a checkpoint
                reason = "not a NumPy .npz archive"
            raise self.damaged(f"the file is damaged ({type(e).__name__}: {reason[:200]})") from None

    @staticmethod
    def _state(data):
        state = json.loads(bytes(data["__meta__"]).decode())
        if not isinstance(state, dict) or not isinstance(state.get("step"), int) or state["step"] < 0:
            raise ValueError("its record holds no step count")
        return state

    def read_state(self):
        with self._reading() as data:
            return self._state(data)

    def clean_stale(self):
        """Removes the temporary files that killed writes left in the
        folder (ours only: `TEMPORARY`, of a process no longer running)."""
        removed = []
        if not self.folder.is_dir():
            return removed
        for path in self.folder.iterdir():
            match = TEMPORARY.match(path.name)
            if match is None or not path.is_file() or _running(int(match.group(2))):
                continue
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path)
        return removed

    def check(self, fingerprint):
        """Raises `ValueError` naming the options that differ between the
        checkpoint's run and this one."""
        old = self.read_state().get("fingerprint", {})
        if not isinstance(old, dict):
            raise self.damaged("its record holds no options")
        unset = "<unset>"
        differ = sorted(k for k in set(old) | set(fingerprint) if old.get(k, unset) != fingerprint.get(k, unset))
        if differ:
            details = "; ".join(f"{k}={old.get(k, '<unset>')!r} there, {fingerprint.get(k, '<unset>')!r} here"
                                for k in differ)
            raise ValueError(
                f"The checkpoint in {self.folder} was written by a run with other options ({details}). "
                "Re-run the same command to resume it, pass --restart (`restart=True`) to discard it, or "
                "choose another --output."
            )

    def restore(self, model):
        """Assigns the checkpoint's values to the model's, optimizer's and
        trackers' variables; returns its state dict."""
        with self._reading() as data:
            state = self._state(data)
            for group, variables in _groups(model).items():
                keys = sorted(k for k in data.files if k.startswith(group + "/"))
                if group == "metrics" and len(keys) != len(variables):
                    continue  # trackers of a plain Keras model are built by its first step
                if len(keys) != len(variables):
                    raise self.damaged(f"it holds {len(keys)} {group} variables, this model has {len(variables)}")
                values = [data[key] for key in keys]
                for key, value, variable in zip(keys, values, variables):
                    if tuple(value.shape) != tuple(variable.shape):
                        raise self.damaged(f"it holds {variable.path} with shape {value.shape}, this model's has "
                                           f"{tuple(variable.shape)}")
                    if value.dtype.kind == "f" and not np.all(np.isfinite(value)):
                        bad = sum(int(np.size(v) - np.count_nonzero(np.isfinite(v))) for v in values
                                  if v.dtype.kind == "f")
                        raise self.damaged(
                            f"it holds non-finite {group} values ({bad} NaN/Inf, the first in {variable.path}): "
                            "the run that wrote it diverged"
                        )
                for value, variable in zip(values, variables):
                    variable.assign(value)
        return state

    def remove(self):
        if self.path.is_file():
            self.path.unlink()


def _running(pid):
    """Whether process `pid` (another than this one) is running."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


class StepCheckpoint(keras.callbacks.Callback):
    """Counts the run's global steps in `state["step"]` and calls `save()`
    every `every` steps, or every `seconds` of wall time when `every` is
    None.

    Args:
        save: the function that writes a checkpoint.
        state: the run's state dict.
        every: steps between checkpoints, or None.
        seconds: wall time between checkpoints when `every` is None.
    """

    def __init__(self, save, state, every=None, seconds=180.0):
        super().__init__()
        if every is not None and (not isinstance(every, int) or every <= 0):
            raise ValueError(f"`checkpoint_every` must be a positive int (steps) or None. Received: {every!r}")
        self.save = save
        self.state = state
        self.every = every
        self.seconds = seconds
        self.last = time.monotonic()

    def on_train_batch_end(self, batch, logs=None):
        self.state["step"] += 1
        if self.every:
            due = self.state["step"] % self.every == 0
        else:
            due = time.monotonic() - self.last >= self.seconds
        if due:
            self.save()
            self.last = time.monotonic()

"""Exact resume: a training run SIGKILLed mid-epoch and restarted with the
same command ends with the weights and optimizer state of an uninterrupted
run (bit-identical on TensorFlow and PyTorch, allclose on JAX)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
WORKER = ROOT / "tests" / "resume_worker.py"


def _start(output, kill_at):
    env = dict(os.environ, PYTHONPATH=str(ROOT), KERAS_BACKEND=keras.backend.backend(), TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.Popen([sys.executable, str(WORKER), str(output), str(kill_at)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _finish(process, timeout=300):
    out, _ = process.communicate(timeout=timeout)
    return process.returncode, out


@pytest.mark.slow
def test_sigkilled_run_resumes_to_identical_weights(tmp_path):
    # The uninterrupted run and the run killed at step 7 (checkpoints every
    # 3 steps and at each epoch's end: the last one is step 6) run side by side.
    full, killed = _start(tmp_path / "full", 0), _start(tmp_path / "killed", 7)
    code, out = _finish(killed)
    assert code == -9, out  # SIGKILL
    assert (tmp_path / "killed" / "training" / "checkpoint.npz").is_file()
    assert not (tmp_path / "killed" / "config.json").exists()
    code, out = _finish(full)
    assert code == 0, out
    code, out = _finish(_start(tmp_path / "killed", 0))
    assert code == 0, out
    assert "resuming from step 6 of 12" in out

    a, b = np.load(tmp_path / "full" / "final.npz"), np.load(tmp_path / "killed" / "final.npz")
    assert a.files == b.files and len(a.files) > 20
    if keras.backend.backend() == "jax":
        for k in a.files:
            np.testing.assert_allclose(a[k], b[k], rtol=1e-5, atol=1e-6, err_msg=k)
    else:
        different = [k for k in a.files if not np.array_equal(a[k], b[k])]
        assert not different, f"{len(different)} of {len(a.files)} arrays differ"
    # The checkpoint is gone once the preset is written; the metadata holds
    # both commands that produced the weights.
    assert not (tmp_path / "killed" / "training" / "checkpoint.npz").exists()
    meta = json.loads((tmp_path / "killed" / "metadata.json").read_text())
    runs = meta["training"]["runs"]
    assert [(r["from_step"], r["to_step"]) for r in runs] == [(0, 6), (6, 12)]
    assert meta["command"] == " ; ".join(r["command"] for r in runs) and meta["training"]["resumed"] is True
    assert meta["steps"] == 12

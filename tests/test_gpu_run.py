"""`benchmarks/gpu_run.sh`, the one-command GPU run: its arithmetic (the
card's peaks, the fraction of them, how many steps the training gets) and
a dry run on the CPU through every stage into one output folder."""

import json
import os
import subprocess
import tarfile
from pathlib import Path

import pytest

from tests.helpers import load_script

ROOT = Path(__file__).resolve().parents[1]


def _gpu_run():
    return load_script(ROOT / "benchmarks" / "gpu_run.py", "gpu_run_benchmark")


@pytest.mark.backend_independent
def test_peaks_match_the_card_name_most_specific_first():
    g = _gpu_run()
    assert g.peaks_for("NVIDIA H100 80GB HBM3, 81559 MiB, 580.159.04")["bfloat16"] == 989.4
    assert g.peaks_for("NVIDIA H100 PCIe")["bfloat16"] == 756.0
    assert g.peaks_for("NVIDIA H200")["tf32"] == 494.7
    assert g.peaks_for("NVIDIA A100-SXM4-40GB")["bfloat16"] == 312.0
    assert g.peaks_for("Tesla T4") is None and g.peaks_for(None) is None
    assert g.peaks_for("Tesla T4", override=65.0) == {"bfloat16": 65.0, "tf32": 65.0, "float32": 65.0}


@pytest.mark.backend_independent
def test_fraction_of_peak_uses_the_policys_own_peak():
    g = _gpu_run()
    peaks = {"bfloat16": 1000.0, "tf32": 500.0, "float32": 60.0}
    row = {"policy": "float32", "flops_per_s": {"library": 100e12, "hand-written": 125e12}}
    frac = g.fraction_of_peak(row, peaks)
    assert frac["library"] == pytest.approx({"of_bf16_peak": 0.1, "of_policy_peak": 0.2})
    assert frac["hand-written"]["of_policy_peak"] == pytest.approx(0.25)
    bf16 = g.fraction_of_peak(dict(row, policy="mixed_bfloat16"), peaks)
    assert bf16["library"]["of_policy_peak"] == pytest.approx(0.1)
    assert g.fraction_of_peak(row, None) == {} and g.fraction_of_peak(dict(row, flops_per_s=None), peaks) == {}


@pytest.mark.backend_independent
def test_training_steps_are_the_scaled_budget_or_what_the_time_affords():
    g = _gpu_run()
    args = g.argparse.Namespace(dry_run=False, preset="vaegan_fashion_mnist", budget_scale=10.0, margin=30.0)
    cpu = g.cpu_budget_steps("vaegan_fashion_mnist")
    assert cpu == json.loads((ROOT / "weights" / "vaegan_fashion_mnist" / "metadata.json").read_text())["steps"]
    clock = g.Clock(1030.0)  # 1000 s for training after the margin
    row = {"family": "small28", "batch_size": 64, "policy": "float32", "images_per_s": {"library": 6400.0}}
    plan = g.plan_training(args, [row], clock)  # 0.6 x 1000 s x 100 steps/s = 60000 > 10 x the CPU steps
    assert plan["steps"] == plan["target_steps"] == 10 * cpu and "10 x" in plan["reason"]
    slow = dict(row, images_per_s={"library": 64.0})  # 1 step/s: the time decides
    plan = g.plan_training(args, [slow], g.Clock(1030.0))
    assert plan["steps"] in (599, 600) and plan["steps"] < plan["target_steps"]
    assert g.plan_training(args, [], g.Clock(1030.0))["steps"] == 10 * cpu  # no rate: the target, under a limit


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("KERAS_BACKEND", "tensorflow") != "jax",
                    reason="the GPU run always runs on JAX: its dry run is checked once, in the JAX leg")
def test_dry_run_goes_through_every_stage_into_one_folder(tmp_path):
    out, device_out = tmp_path / "run", tmp_path / "device_out"
    device_out.mkdir()
    env = dict(os.environ, OUT=str(device_out))
    done = subprocess.run(["bash", str(ROOT / "benchmarks" / "gpu_run.sh"), "--dry-run", "--output", str(out)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["env"]["dry_run"] and summary["env"]["keras"] and summary["skipped"] == []
    (row,) = summary["benchmarks"]
    assert (row["family"], row["batch_size"], row["policy"]) == ("small28", 8, "mixed_bfloat16")
    for loop, rate in row["images_per_s"].items():  # measured: batch x steps / the median timed run
        assert rate == pytest.approx(8 * 2 / row["seconds"][loop][0])
    training = summary["training"]
    assert training["exit"] == 0 and training["record"]["steps"] == 2, training
    assert training["record"]["batch_size"] == training["batch_size"] == 8  # the plan's batch trained
    assert (out / "preset" / "config.json").is_file() and (out / "preset" / "model.weights.h5").is_file()
    assert "| small28 | 8 | mixed_bfloat16 |" in (out / "summary.md").read_text()
    # on a device machine ($OUT set): the summary and the whole folder come back
    assert (device_out / "summary.md").read_text() == (out / "summary.md").read_text()
    with tarfile.open(device_out / "gpu_run.tgz") as tar:
        assert "run/preset/config.json" in tar.getnames()

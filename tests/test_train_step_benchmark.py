"""`benchmarks/train_step.py` stays runnable (smoke mode) and its ratio and
FLOP/s are computed from the timed runs it reports, not fixed values."""

import importlib.util
import json
import statistics
from pathlib import Path

import pytest


def _benchmark():
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "train_step.py"
    spec = importlib.util.spec_from_file_location("train_step_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_train_step_benchmark_smoke_reports_a_measured_ratio_and_flops(tmp_path):
    out = tmp_path / "result.json"
    returned = _benchmark().main(["--smoke", "--json", str(out)])
    result = json.loads(out.read_text())
    assert result["ratio"] == pytest.approx(returned["ratio"])
    images = result["batch_size"] * result["steps"]
    seconds, rate = result["seconds"], result["images_per_s"]
    assert sorted(seconds) == ["hand-written", "library"]
    for name, times in seconds.items():
        # one timed run per round, each a real duration
        assert len(times) == result["rounds"] == 2
        assert all(t > 0 for t in times) and len(set(times)) == len(times)
        assert rate[name] == pytest.approx(images / statistics.median(times))
    # two distinct timed runs, and the ratio is theirs
    assert set(seconds["library"]).isdisjoint(seconds["hand-written"])
    assert result["ratio"] == pytest.approx(rate["library"] / rate["hand-written"])
    assert result["paired_ratio"] == pytest.approx(statistics.median(
        h / lib for lib, h in zip(seconds["library"], seconds["hand-written"])))
    # FLOPs counted by XLA for both steps (independently), and FLOP/s from them
    flops = result["step_flops"]
    assert flops["hand-written"] > 1e8  # small28 at batch 8 is about 4.5 GFLOP a step
    assert flops["library"] == pytest.approx(flops["hand-written"], rel=0.02)
    for name in rate:
        assert result["flops_per_s"][name] == pytest.approx(
            flops["hand-written"] * rate[name] / result["batch_size"])


@pytest.mark.backend_independent
def test_summarise_takes_medians_of_the_rounds():
    seconds = {"library": [2.0, 1.0, 4.0], "hand-written": [1.0, 1.6, 1.5]}
    rate, best, flops_per_s, ratio = _benchmark().summarise(seconds, batch_size=8, steps=10, step_flops=1e9)
    assert rate == {"library": 40.0, "hand-written": 80 / 1.5}
    assert best == {"library": 80.0, "hand-written": 80.0}
    assert ratio == pytest.approx(0.75)
    assert flops_per_s["library"] == pytest.approx(5e9)  # 1 GFLOP x 5 steps/s


@pytest.mark.backend_independent
@pytest.mark.slow
def test_matrix_runs_each_configuration_in_its_own_process(capsys, monkeypatch):
    # Its processes run on JAX, as the GPU table is made (and XLA compiles
    # the two steps sooner than TensorFlow traces them).
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    bench = _benchmark()
    bench.MATRIX = [("small28", 8, False), ("small28", 8, True)]  # the GPU table's plumbing, CPU-sized
    rows = bench.main(["--matrix", "--steps", "1", "--warmup", "1", "--repeats", "1", "--flops", "none"])
    assert [r["policy"] for r in rows] == ["float32", "mixed_bfloat16"]
    table = capsys.readouterr().out
    assert "| small28 | 8 | mixed_bfloat16 |" in table and "| small28 | 8 | float32 |" in table

import importlib.util
from pathlib import Path

import pytest


@pytest.mark.slow
def test_train_step_benchmark_smoke(tmp_path):
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "train_step.py"
    spec = importlib.util.spec_from_file_location("train_step_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    ratio = module.main(["--smoke", "--json", str(tmp_path / "result.json")])
    assert ratio > 0
    assert (tmp_path / "result.json").exists()

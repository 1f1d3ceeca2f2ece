"""`benchmarks/vaegan_kl_weight.py`: a smoke run measures one validation
curve per KL weight and names the best."""

import json
from pathlib import Path

import pytest

from tests.helpers import load_script

pytestmark = pytest.mark.backend_independent

PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "vaegan_kl_weight.py"


@pytest.mark.slow
def test_smoke_run_measures_a_curve_per_weight(tmp_path):
    bench = load_script(PATH, "vaegan_kl_weight_benchmark")
    result = bench.main(["--smoke", "--kl-weights", "1", "30", "--output", str(tmp_path)])
    assert [r["kl_weight"] for r in result["rows"]] == [1.0, 30.0]
    for row in result["rows"]:
        assert [s for s, _ in row["curve"]] == [2, 4]
        assert row["final_validation_fid"] == row["curve"][-1][1] and row["final_validation_fid"] >= 0
    # The two weights train differently: their curves differ.
    assert result["rows"][0]["curve"] != result["rows"][1]["curve"]
    assert result["best_kl_weight"] == min(result["rows"], key=lambda r: r["final_validation_fid"])["kl_weight"]
    assert json.loads((tmp_path / "results.json").read_text()) == json.loads(json.dumps(result))

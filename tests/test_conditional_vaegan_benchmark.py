"""`benchmarks/conditional_vaegan.py`: its class-effect measure, and a smoke
run that writes the comparison table."""

import json
from pathlib import Path

import numpy as np
import pytest

from tests.helpers import load_script

pytestmark = pytest.mark.backend_independent

PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "conditional_vaegan.py"


def load():
    return load_script(PATH, "conditional_vaegan_benchmark")


def test_pair_difference_separates_classes_from_codes():
    bench = load()
    codes = np.linspace(-1, 1, 4, dtype="float32")[:, None, None, None, None]
    # (4 codes, 10 classes, 2x2x1): each image is its code's value, whatever the class.
    images = np.broadcast_to(codes, (4, 10, 2, 2, 1)).copy()
    assert bench.mean_pair_difference(images, 1) == 0.0  # the class changes nothing
    expected = np.mean([abs(a - b) for i, a in enumerate(codes.ravel()) for b in codes.ravel()[i + 1:]])
    assert bench.mean_pair_difference(images, 0) == pytest.approx(expected)
    images[:, 3] += 0.5  # class 3 brightens every code's image
    assert bench.mean_pair_difference(images, 1) == pytest.approx(0.5 * 9 / 45)


@pytest.mark.slow
def test_smoke_run_writes_the_table(tmp_path):
    bench = load()
    bench.main(["--smoke", "--variants", "paper", "condition_encoder", "--output", str(tmp_path)])
    result = json.loads((tmp_path / "results.json").read_text())
    assert [r["variant"] for r in result["rows"]] == ["paper", "condition_encoder"]
    for row in result["rows"]:
        assert 0 <= row["classifier_score"] <= 1 and row["steps"] == 4
        assert row["class_to_code_ratio"] == pytest.approx(row["change_across_classes"] / row["change_across_codes"])
    assert (tmp_path / "condition_encoder.png").stat().st_size > 0

"""The suite's tiers: the quick tier's files exist, the quick marker goes on
their tests only, and the collection hook leaves the tests marked
`backend_independent` out of a multi-backend run's later legs (and only
there)."""

from pathlib import Path

import pytest

from tests import conftest
from tests.conftest import QUICK_FILES

pytestmark = pytest.mark.backend_independent

TESTS = Path(__file__).resolve().parent


def test_every_quick_file_exists():
    for file_name in QUICK_FILES:
        assert (TESTS / file_name).is_file(), file_name


class _Item:
    """What the collection hook reads of a test item."""

    def __init__(self, file_name, name, *marks):
        self.fspath = TESTS / file_name
        self.originalname = self.name = name
        self.markers = list(marks)

    def get_closest_marker(self, name):
        return next((m for m in self.markers if m.name == name), None)

    def add_marker(self, marker):
        self.markers.append(marker.mark if hasattr(marker, "mark") else marker)


class _Config:
    def __init__(self):
        self.deselected = []
        self.hook = self

    def pytest_deselected(self, items):
        self.deselected.extend(items)


def collected(leg, items, monkeypatch):
    monkeypatch.setenv("KERAS_PERCEPTUAL_TEST_LEG", leg)
    items, config = list(items), _Config()
    conftest.pytest_collection_modifyitems(config, items)
    return [i.name for i in items], [i.name for i in config.deselected]


def test_later_legs_leave_out_the_backend_independent_tests(monkeypatch):
    independent = pytest.mark.backend_independent.mark
    items = [_Item("test_train_presets.py", "claim_verdicts", independent),
             _Item("test_train_presets.py", "smoke_run"),
             _Item("test_cli_errors.py", "every_verb_refuses", independent),
             _Item("test_vaegan.py", "saving_round_trip", pytest.mark.slow.mark),
             _Item("test_validation.py", "contract_refuses", independent)]
    kept, deselected = collected("first", items, monkeypatch)
    # the slow tests first, the others in their order
    assert kept == ["saving_round_trip", "claim_verdicts", "smoke_run", "every_verb_refuses", "contract_refuses"]
    assert deselected == []
    kept, deselected = collected("other", items, monkeypatch)
    assert kept == ["saving_round_trip", "smoke_run"]
    assert deselected == ["claim_verdicts", "every_verb_refuses", "contract_refuses"]


def test_the_marker_is_on_the_collected_tests(request):
    assert conftest.is_backend_independent(request.node)


def test_the_quick_tier_is_marked_on_its_files_only(monkeypatch):
    quick, other = _Item("test_validation.py", "contract_refuses"), _Item("test_vaegan.py", "saving_round_trip")
    slow = _Item("test_multiprocess.py", "two_processes", pytest.mark.slow.mark)
    collected("first", [quick, other, slow], monkeypatch)
    assert [m.name for m in quick.markers] == ["quick"] and other.markers == []
    assert [m.name for m in slow.markers] == ["slow"]

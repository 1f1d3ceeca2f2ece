"""The suite's tiers: the quick tier's files and the backend-independent
table of tests/conftest.py name tests that exist, and the collection hook
leaves the backend-independent tests out of a multi-backend run's later legs
(and only there)."""

import re
from pathlib import Path

from tests import conftest
from tests.conftest import BACKEND_INDEPENDENT
from tests.conftest import QUICK_FILES

TESTS = Path(__file__).resolve().parent


def defined_tests(file_name):
    return set(re.findall(r"^def (test_\w+)", (TESTS / file_name).read_text(), re.M))


def test_every_listed_file_and_test_exists():
    for file_name in QUICK_FILES | set(BACKEND_INDEPENDENT):
        assert (TESTS / file_name).is_file(), file_name
    for file_name, names in BACKEND_INDEPENDENT.items():
        missing = set(names or ()) - defined_tests(file_name)
        assert not missing, f"{file_name} has no test named {sorted(missing)}"


class _Item:
    """What the collection hook reads of a test item."""

    def __init__(self, file_name, name):
        self.fspath = TESTS / file_name
        self.originalname = self.name = name
        self.markers = []

    def get_closest_marker(self, name):
        return None

    def add_marker(self, marker):
        self.markers.append(marker)


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
    return [(i.fspath.name, i.name) for i in items], [(i.fspath.name, i.name) for i in config.deselected]


def test_later_legs_leave_out_the_backend_independent_tests(monkeypatch):
    items = [_Item("test_train_presets.py", "test_claim_verdicts_separate_noise_from_a_result"),
             _Item("test_train_presets.py", "test_smoke_run_writes_verified_presets"),
             _Item("test_cli_errors.py", "test_every_verb_refuses_in_one_line"),
             _Item("test_vaegan.py", "test_saving_round_trip"),
             _Item("test_validation.py", "test_contract_refuses")]
    kept, deselected = collected("first", items, monkeypatch)
    assert kept == [(i.fspath.name, i.name) for i in items] and deselected == []
    kept, deselected = collected("other", items, monkeypatch)
    assert kept == [("test_train_presets.py", "test_smoke_run_writes_verified_presets"),
                    ("test_vaegan.py", "test_saving_round_trip")]
    assert deselected == [(i.fspath.name, i.name) for i in items if (i.fspath.name, i.name) not in kept]


def test_the_quick_tier_is_marked_on_its_files_only(monkeypatch):
    quick, other = _Item("test_validation.py", "test_contract_refuses"), _Item("test_vaegan.py", "test_saving_round_trip")
    collected("first", [quick, other], monkeypatch)
    assert [m.name for m in quick.markers] == ["quick"] and other.markers == []

"""The suite's tiers: the quick tier's files and the backend-independent
table of tests/conftest.py name tests that exist, and a multi-backend run's
later legs really leave the backend-independent tests out."""

import os
import re
import subprocess
import sys
from pathlib import Path

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


def collected(leg, *args):
    env = dict(os.environ, KERAS_PERCEPTUAL_TEST_LEG=leg)
    result = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                             "-n", "0", *args], cwd=TESTS.parent, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return {line.split("[")[0] for line in result.stdout.splitlines() if "::" in line}


def test_later_legs_leave_out_the_backend_independent_tests():
    files = ("tests/test_train_presets.py", "tests/test_cli_errors.py")
    first, other = collected("first", *files), collected("other", *files)
    independent = {"tests/test_train_presets.py::" + name for name in BACKEND_INDEPENDENT["test_train_presets.py"]}
    independent |= {test for test in first if test.startswith("tests/test_cli_errors.py::")}
    assert independent <= first
    assert other == first - independent
    assert "tests/test_train_presets.py::test_smoke_run_writes_verified_presets" in other

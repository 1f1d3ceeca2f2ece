"""Every python block of the README runs as pasted (offline, in a fresh
interpreter), and its first two commands are the ones this repo provides."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", README, re.S)


def test_the_readme_has_python_blocks():
    assert len(BLOCKS) >= 3


@pytest.mark.slow
@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_python_block_runs_as_pasted(index, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1", TF_CPP_MIN_LOG_LEVEL="3")
    if "keras.distribution" in BLOCKS[index]:
        env["KERAS_BACKEND"] = "jax"  # the README's "On JAX" block: keras.distribution is JAX's
    result = subprocess.run([sys.executable, "-c", BLOCKS[index]], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"README python block {index + 1}:\n{BLOCKS[index]}\n{result.stderr[-3000:]}"


def test_first_commands_are_the_scripts_of_this_repo():
    first = re.search(r"```bash\n(.*?)```", README, re.S).group(1)
    assert "keras-perceptual sample vaegan_fashion_mnist" in first
    assert "scripts/test.sh" in first
    ci = (ROOT / ".ci" / "run").read_text()
    assert "scripts/test.sh" in ci
    script = (ROOT / "scripts" / "test.sh").read_text()
    assert "dataset-fashion-mnist" in script and 'torch==2.13.0' in script
    assert "|| break" not in script and 'exit "$status"' in script


def test_preset_table_is_rendered_from_the_specs_and_bundled_metadata():
    """The README's preset table has one source: `quality.preset_table()`
    (written by `benchmarks/quality.py --update-readme`)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import quality

    block = README.split(quality.PRESETS_BEGIN + "\n", 1)[1].split(quality.PRESETS_END, 1)[0]
    assert block == quality.preset_table()

"""Every python block of the README and of the user docs in docs/ runs as
pasted (offline, in a fresh interpreter), the README stays a front page, and
its first two commands are the ones this repo provides."""

import os
import re
import subprocess
import sys
from pathlib import Path

import keras
import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
DOCS = {"README.md": README} | {f"docs/{p.name}": p.read_text() for p in sorted((ROOT / "docs").glob("*.md"))}
BLOCKS = [(name, block) for name, text in DOCS.items() for block in re.findall(r"```python\n(.*?)```", text, re.S)]


def test_the_readme_has_python_blocks():
    assert len([name for name, _ in BLOCKS if name == "README.md"]) >= 3


def test_the_readme_is_a_front_page():
    """At most 250 lines, a table of contents, an install section, no report
    (measurements live on docs/results.md) and no word of the project's own
    process."""
    assert len(README.splitlines()) <= 250
    assert "**Contents:**" in README and "## Install" in README and "## Tests" in README
    assert "quality:begin" not in README and "quality:begin" in DOCS["docs/results.md"]
    for name, text in DOCS.items():
        for word in ("issue 1", "issue 2", "no GPU was lent", "session"):
            assert word not in text, f"{name} speaks of the project's process: {word!r}"


@pytest.mark.slow
@pytest.mark.parametrize("index", range(len(BLOCKS)), ids=[f"{n}-{i}" for i, (n, _) in enumerate(BLOCKS)])
def test_python_block_runs_as_pasted(index, tmp_path):
    name, block = BLOCKS[index]
    # Each block runs once per CI run, in a fresh interpreter: on JAX when it is
    # JAX's (keras.distribution), else in the TensorFlow leg (the library code
    # they call is tested on every backend by the other files).
    wanted = "jax" if "keras.distribution" in block else "tensorflow"
    if keras.backend.backend() != wanted:
        pytest.skip(f"runs in the {wanted} leg")
    env = dict(os.environ, PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1", TF_CPP_MIN_LOG_LEVEL="3", KERAS_BACKEND=wanted)
    result = subprocess.run([sys.executable, "-c", block], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"python block of {name}:\n{block}\n{result.stderr[-3000:]}"


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
    (written by `benchmarks/quality.py --update-docs`)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import quality

    block = README.split(quality.PRESETS_BEGIN + "\n", 1)[1].split(quality.PRESETS_END, 1)[0]
    assert block == quality.preset_table()

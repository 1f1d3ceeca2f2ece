"""The wheel: built offline from this checkout, installed into a folder
outside it, it loads every bundled preset with no network and no source
tree in sight."""

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from keras_perceptual import presets

pytestmark = pytest.mark.backend_independent

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "keras_perceptual", "weights")

LOAD_EVERY_BUNDLED_PRESET = """
import json, sys
import numpy as np
import keras_perceptual as kp
from keras_perceptual import presets
loaded = {}
for name, info in kp.list_presets().items():
    if info["weights"] != "local":
        continue
    model = kp.from_pretrained(name)
    x = np.zeros((1, *info["input"]["shape"]), "float32")
    if isinstance(model, kp.Classifier):
        y = model.predict(x, verbose=0)
    else:
        conditions = np.eye(model.condition_dim, dtype="float32")[:1] if model.is_conditional else None
        y = model.reconstruct(x, conditions=conditions)
    loaded[name] = bool(np.all(np.isfinite(np.asarray(y, dtype="float32"))))
print(json.dumps({"file": kp.__file__, "weights": str(presets.WEIGHTS_DIR), "loaded": loaded}))
"""


def pip(*args, cwd):
    return subprocess.run([sys.executable, "-m", "pip", *args, "--no-deps", "--no-index", "-q",
                           "--disable-pip-version-check"], cwd=cwd, check=True, capture_output=True, text=True)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The wheel built from a copy of the sources, and the folder it is
    installed into."""
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    src.mkdir()
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(path, src / name)
    pip("wheel", "--no-build-isolation", "-w", str(tmp / "dist"), str(src), cwd=tmp)
    (wheel,) = (tmp / "dist").glob("keras_perceptual-*.whl")
    target = tmp / "site"
    pip("install", "--target", str(target), str(wheel), cwd=tmp)
    return wheel, target


def test_wheel_bundles_exactly_the_presets_of_weights(installed):
    wheel, _ = installed
    with zipfile.ZipFile(wheel) as z:
        bundled = {n[len("keras_perceptual/weights/"):] for n in z.namelist()
                   if n.startswith("keras_perceptual/weights/")}
    expected = {f"{p.parent.name}/{p.name}" for p in (ROOT / "weights").glob("*/*") if p.is_file()}
    assert bundled == expected
    assert {name.split("/")[0] for name in bundled} == {s.name for s in presets.all_specs()
                                                        if (ROOT / "weights" / s.name).is_dir()}
    print(f"wheel {wheel.name}: {wheel.stat().st_size / 1e6:.1f} MB")


def test_wheel_install_loads_every_bundled_preset_offline(installed, tmp_path):
    _, target = installed
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "KERAS_PERCEPTUAL_WEIGHTS")}
    env.update(PYTHONPATH=str(target), HF_HUB_OFFLINE="1", TF_CPP_MIN_LOG_LEVEL="3",
               HF_HOME=str(tmp_path / "hf"))
    result = subprocess.run([sys.executable, "-c", LOAD_EVERY_BUNDLED_PRESET], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert Path(report["file"]).resolve().is_relative_to(target.resolve()), report["file"]
    assert Path(report["weights"]).resolve() == (target / "keras_perceptual" / "weights").resolve()
    expected = {s.name for s in presets.all_specs() if (ROOT / "weights" / s.name).is_dir()}
    assert expected and set(report["loaded"]) == expected
    assert all(report["loaded"].values()), report["loaded"]

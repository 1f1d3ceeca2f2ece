#!/usr/bin/env bash
# Installs what the tests need and runs the test suite on the three Keras
# backends. Exits non-zero when any backend fails (every backend still runs).
#
#   scripts/test.sh                       # everything (what CI runs: .ci/run)
#   scripts/test.sh --quick               # the quick tier (pytest -m quick), for development
#   scripts/test.sh tests/test_cli.py     # extra arguments go to pytest
#   BACKENDS="tensorflow" scripts/test.sh # a subset of backends
#   SKIP_INSTALL=1 scripts/test.sh        # never install (otherwise only what is missing)
# The slowest tests of each backend are listed at the end (--durations).
set -uo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1 TF_CPP_MIN_LOG_LEVEL=3

if [ -z "${SKIP_INSTALL:-}" ]; then
  # Fashion-MNIST's official IDX files (Debian package dataset-fashion-mnist):
  # the recipe, example, preset and benchmark tests read them.
  if [ ! -f /usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz ]; then
    sudo=""
    if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then sudo="sudo"; fi
    $sudo apt-get install -y -q dataset-fashion-mnist >/dev/null 2>&1 \
      || { $sudo apt-get update -q >/dev/null 2>&1 && $sudo apt-get install -y -q dataset-fashion-mnist >/dev/null 2>&1; } \
      || echo "warning: could not install dataset-fashion-mnist; the tests that read it will fail" >&2
  fi
  # Only what is missing: this checkout importable as keras_perceptual, and every
  # package the tests import. torch is pinned to the CPU build in the same command,
  # so pip never pulls a CUDA build.
  if ! command -v keras-perceptual >/dev/null || ! python3 -I - <<'PY' 2>/dev/null
import importlib, importlib.util, pathlib, sys
for name in ("keras", "tensorflow", "tensorflow_datasets", "huggingface_hub", "jax", "torch", "pytest",
             "xdist", "hypothesis", "setuptools", "PIL", "skimage", "sklearn", "scipy", "tqdm", "tensorboard"):
    if importlib.util.find_spec(name) is None:
        sys.exit(1)
spec = importlib.util.find_spec("keras_perceptual")
sys.exit(0 if spec and pathlib.Path(spec.origin).resolve().parent.parent == pathlib.Path.cwd().resolve() else 1)
PY
  then
    python3 -m pip install -q "torch==2.13.0" -e ".[jax,torch,test]" || { echo "pip install failed" >&2; exit 1; }
  fi
fi

tier=()
if [ "${1:-}" = "--quick" ]; then
  shift
  tier=(-m quick)
fi

status=0
failed=""
# Tests marked backend_independent (tests/conftest.py) run on the
# first backend only. Two workers take one test at a time
# (--maxschedchunk 1) from a list that starts with the tests marked slow,
# so the long tests are shared between them; with xdist's default chunks
# (or --dist worksteal) the first worker got every slow test (PyTorch leg:
# 323 s -> 279 s).
leg=first
suite_start=$SECONDS
for backend in ${BACKENDS:-tensorflow jax torch}; do
  echo "=== KERAS_BACKEND=$backend"
  start=$SECONDS
  if ! KERAS_BACKEND=$backend KERAS_PERCEPTUAL_TEST_LEG=$leg \
      python3 -m pytest -n 2 --dist load --maxschedchunk 1 -q -p no:cacheprovider --durations=15 "${tier[@]}" "$@"; then
    status=1
    failed="$failed $backend"
  fi
  echo "=== KERAS_BACKEND=$backend took $((SECONDS - start)) s"
  leg=other
done
echo "=== the tests took $((SECONDS - suite_start)) s on all backends"
if [ "$status" != 0 ]; then
  echo "FAILED on:$failed" >&2
else
  echo "all backends passed"
fi
exit "$status"

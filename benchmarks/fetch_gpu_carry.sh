#!/usr/bin/env bash
# Fills the carry folder .whl/ (ignored by git) for benchmarks/gpu_run.sh on a GPU
# machine that has JAX with CUDA but no Keras and no internet: the wheels of Keras
# and of what it needs beside JAX (namex, optree), for that machine's Python, and a
# copy of Fashion-MNIST. Run it where pip reaches PyPI; then carry .whl/.
#
#   bash benchmarks/fetch_gpu_carry.sh            # Python 3.12 wheels (the device image's)
#   PYVER=3.11 bash benchmarks/fetch_gpu_carry.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PYVER=${PYVER:-3.12}
KERAS=${KERAS_VERSION:-$(python3 -c "import keras; print(keras.__version__)" 2>/dev/null || echo 3.15.1)}
mkdir -p .whl
for spec in "keras==$KERAS" namex "optree>=0.14"; do
  python3 -m pip download --no-deps --only-binary=:all: --python-version "$PYVER" --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
    --platform manylinux2014_x86_64 --platform manylinux1_x86_64 -d .whl "$spec"
done
src=${FASHION_MNIST:-/usr/share/datasets/fashion-mnist}
if [ -d "$src" ]; then
  mkdir -p .whl/fashion-mnist && cp "$src"/*-ubyte* .whl/fashion-mnist/
else
  echo "fetch_gpu_carry.sh: no Fashion-MNIST at $src (set FASHION_MNIST=DIR): the training stage needs it" >&2
fi
du -sh .whl

#!/usr/bin/env bash
# The GPU run as one command (see benchmarks/gpu_run.py for what it does):
#
#   bash benchmarks/gpu_run.sh                  # on a GPU machine: benchmarks + a 10x preset training
#   bash benchmarks/gpu_run.sh --dry-run        # on a CPU: the same stages, tiny sizes
#
# Extra arguments go to benchmarks/gpu_run.py (--output DIR, --time-budget S, --preset NAME, ...).
# What the machine lacks is installed from the carry folder .whl/ (filled by
# benchmarks/fetch_gpu_carry.sh where there is internet): wheels of Keras and the
# packages it needs beside JAX (namex, optree), and Fashion-MNIST in .whl/fashion-mnist/.
# Where $OUT names a folder (this project's device machines), the summary and a
# .tgz of the whole output folder are copied there too.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}

if ! "$PY" -c "import keras, optree, namex" 2>/dev/null; then
  if compgen -G ".whl/*.whl" >/dev/null; then
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/kp_site .whl/*.whl
    export PYTHONPATH=/tmp/kp_site${PYTHONPATH:+:$PYTHONPATH}
  else
    echo "gpu_run.sh: Keras (or namex, optree) is missing and .whl/ holds no wheels:" \
         "run benchmarks/fetch_gpu_carry.sh on a machine with internet and carry .whl/" >&2
    exit 2
  fi
fi
if [ -z "${KERAS_PERCEPTUAL_DATA:-}" ] && [ -d .whl/fashion-mnist ]; then
  export KERAS_PERCEPTUAL_DATA=$PWD/.whl
fi
export KERAS_BACKEND=jax PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
# JAX takes 75 % of the card by default; the benchmarks run one process at a time
export XLA_PYTHON_CLIENT_MEM_FRACTION=${XLA_PYTHON_CLIENT_MEM_FRACTION:-0.9}

output=runs/gpu_run
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    --output) output=${args[$((i + 1))]} ;;
    --output=*) output=${args[$i]#--output=} ;;
  esac
done
status=0
"$PY" benchmarks/gpu_run.py --output "$output" "$@" || status=$?
if [ -n "${OUT:-}" ] && [ -d "${OUT}" ] && [ -d "$output" ]; then
  cp "$output"/summary.md "$output"/summary.json "$OUT"/ 2>/dev/null || true
  tar -czf "$OUT/gpu_run.tgz" -C "$(dirname "$output")" "$(basename "$output")"
fi
exit $status

"""The GPU run: one command, everything under one output folder.

1. `env.json`: the card (`nvidia-smi`), Python, Keras and JAX versions.
2. `bench/*.json`: `benchmarks/train_step.py` on the larsen64 and small28
   VAE/GAN, float32 and mixed_bfloat16, batch 64 and 256, each in its own
   process (the dtype policy is global): images/s of the library's `fit`
   and of the hand-written loop, FLOPs of one step counted by XLA, achieved
   TFLOP/s and the fraction of the card's dense peak (bfloat16 tensor-core
   peak; float32 runs are also given against the TF32 peak, XLA's default
   precision for float32 convolutions and matrix products on NVIDIA cards).
3. `preset/`: one Fashion-MNIST preset (default `vaegan_fashion_mnist`)
   trained by the library's driver with its recipe options for
   `--budget-scale` (10) times the steps its CPU run took (its
   `weights/<name>/metadata.json`), or as many as the time left affords at
   the measured small28 rate (the summary says which); a killed run leaves
   its checkpoint in `preset/training/` and the same command resumes it.
4. `summary.json` and `summary.md`: the table and the training record.

Every stage has a deadline inside `--time-budget` seconds (default 540: one
10-minute call on a device machine, whose 15-minute lease includes its
start); a configuration that does not fit is skipped and listed as such.

    bash benchmarks/gpu_run.sh                     # on the GPU machine
    python benchmarks/gpu_run.py --dry-run --output /tmp/gpu_dry   # CPU, tiny sizes, under a minute

`--dry-run` runs the same stages on the CPU with tiny sizes (small28 at
batch 8 in mixed_bfloat16, 2 steps, no FLOP count; a 2-step smoke
training at batch 8): the plumbing, not the numbers.
"""

import argparse
import importlib.util
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TRAIN_STEP = ROOT / "benchmarks" / "train_step.py"

# (family, batch size, mixed_bfloat16): the order is the priority when time runs short
MATRIX = [("larsen64", 64, False), ("larsen64", 64, True), ("small28", 64, False), ("small28", 64, True),
          ("larsen64", 256, False), ("larsen64", 256, True), ("small28", 256, False), ("small28", 256, True)]
DRY_MATRIX = [("small28", 8, True)]

# Dense (no sparsity) peaks in TFLOP/s from NVIDIA's data sheets: bfloat16 and TF32 tensor cores, float32.
# Matched against the `nvidia-smi` name in this order (H200 before H100, PCIe before SXM).
PEAKS = [
    ("H200", {"bfloat16": 989.4, "tf32": 494.7, "float32": 66.9}),
    ("H100 PCIe", {"bfloat16": 756.0, "tf32": 378.0, "float32": 51.2}),
    ("H100", {"bfloat16": 989.4, "tf32": 494.7, "float32": 66.9}),
    ("A100", {"bfloat16": 312.0, "tf32": 156.0, "float32": 19.5}),
]


def peaks_for(name, override=None):
    """The card's dense peaks `{"bfloat16", "tf32", "float32"}` in TFLOP/s,
    or None for a card not in `PEAKS`; `override` (TFLOP/s) sets all three."""
    if override is not None:
        return {"bfloat16": override, "tf32": override, "float32": override}
    for key, peaks in PEAKS:
        if name and key.lower() in name.lower():
            return dict(peaks)
    return None


def fraction_of_peak(row, peaks):
    """`{"library": f, "hand-written": f}` of the bfloat16 peak, and of the
    policy's own peak (TF32 for float32), from a train_step.py result."""
    out = {}
    if not peaks or not row.get("flops_per_s"):
        return out
    own = peaks["bfloat16"] if row["policy"] == "mixed_bfloat16" else peaks["tf32"]
    for loop, flops in row["flops_per_s"].items():
        out[loop] = {"of_bf16_peak": flops / (peaks["bfloat16"] * 1e12), "of_policy_peak": flops / (own * 1e12)}
    return out


def gpu_name():
    try:
        out = subprocess.run(["nvidia-smi", "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = [line.strip() for line in out.stdout.splitlines() if line.strip()]
    return lines[0] if out.returncode == 0 and lines else None


def environment(args):
    versions = subprocess.run(
        [sys.executable, "-c", "import json, keras, jax; print(json.dumps({'keras': keras.__version__, "
         "'jax': jax.__version__, 'devices': [str(d) for d in jax.devices()], "
         "'device_kind': jax.devices()[0].device_kind}))"],
        capture_output=True, text=True, env=_env(), timeout=300)
    env = {"python": platform.python_version(), "host": f"{platform.machine()}, {os.cpu_count()} cores",
           "gpu": gpu_name(), "dry_run": args.dry_run}
    try:
        env.update(json.loads(versions.stdout.strip().splitlines()[-1]))
    except (ValueError, IndexError):
        env["versions_error"] = versions.stderr[-2000:]
    return env


def _env():
    env = dict(os.environ, KERAS_BACKEND="jax", TF_CPP_MIN_LOG_LEVEL="3", PYTHONUNBUFFERED="1")
    env["PYTHONPATH"] = os.pathsep.join(p for p in [str(ROOT), os.environ.get("PYTHONPATH")] if p)
    return env


class Clock:
    def __init__(self, budget):
        self.start = time.monotonic()
        self.budget = budget

    def left(self):
        return self.budget - (time.monotonic() - self.start)


def run_benchmarks(args, folder, clock, log):
    """Each configuration in its own `train_step.py` process, while time
    is left; returns the rows (and the skipped configurations)."""
    folder.mkdir(parents=True, exist_ok=True)
    matrix = DRY_MATRIX if args.dry_run else MATRIX
    steps, warmup, repeats = (2, 1, 1) if args.dry_run else (args.steps, args.warmup, args.repeats)
    rows, skipped = [], []
    reserve = 0 if args.dry_run else args.train_reserve
    for family, batch_size, bf16 in matrix:
        name = f"{family}_b{batch_size}_{'bf16' if bf16 else 'f32'}"
        limit = clock.left() - reserve
        if limit < (5 if args.dry_run else 60):
            skipped.append({"config": name, "reason": f"{clock.left():.0f} s left, {reserve} s kept for training"})
            continue
        out = folder / f"{name}.json"
        cmd = [sys.executable, str(TRAIN_STEP), "--family", family, "--batch-size", str(batch_size),
               "--steps", str(steps), "--warmup", str(warmup), "--repeats", str(repeats),
               "--flops", "none" if args.dry_run else "xla", "--json", str(out)]
        cmd += ["--mixed-bfloat16"] if bf16 else []
        log(f"$ {' '.join(cmd[1:])}  (limit {limit:.0f} s)")
        try:
            done = subprocess.run(cmd, env=_env(), capture_output=True, text=True, timeout=limit)
        except subprocess.TimeoutExpired:
            skipped.append({"config": name, "reason": f"did not finish in {limit:.0f} s"})
            continue
        (folder / f"{name}.log").write_text(done.stdout + done.stderr)
        if done.returncode != 0 or not out.is_file():
            skipped.append({"config": name, "reason": f"exit {done.returncode}: {done.stderr.strip()[-300:]}"})
            continue
        rows.append(json.loads(out.read_text()))
        log(done.stdout.strip().splitlines()[-1] if done.stdout.strip() else name)
    return rows, skipped


def cpu_budget_steps(name):
    """The steps the preset's own (CPU) run took, from its bundled metadata."""
    meta = ROOT / "weights" / name / "metadata.json"
    return int(json.loads(meta.read_text())["steps"]) if meta.is_file() else None


def plan_training(args, rows, clock):
    """`{"steps", "target_steps", "reason", ...}`: `--budget-scale` x the
    CPU run's steps, capped by what the time left affords at the measured
    library rate of small28 at the preset's batch size (float32)."""
    if args.dry_run:
        return {"steps": 2, "target_steps": 2, "batch_size": 8, "reason": "dry run: a 2-step smoke training"}
    cpu_steps = cpu_budget_steps(args.preset)
    batch_size = 64
    target = None if cpu_steps is None else int(round(args.budget_scale * cpu_steps))
    rate = next((r["images_per_s"]["library"] for r in rows
                 if r["family"] == "small28" and r["batch_size"] == batch_size and r["policy"] == "float32"), None)
    seconds = clock.left() - args.margin
    plan = {"cpu_steps": cpu_steps, "target_steps": target, "batch_size": batch_size,
            "measured_images_per_s": rate, "seconds_for_training": round(seconds, 1)}
    if rate is None:
        affordable = None
        plan["reason"] = "no small28 float32 batch-64 rate measured: the target, under a time limit"
    else:
        # data loading, compilation and the final preset writing take a part of the time: 60 % for steps
        affordable = max(0, int(0.6 * seconds * rate / batch_size))
    if target is None and affordable is None:
        plan.update(steps=None, reason="neither a CPU budget nor a measured rate")
        return plan
    steps = min(s for s in (target, affordable) if s is not None)
    plan["steps"] = steps
    if affordable is not None:
        plan["reason"] = (f"{args.budget_scale:g} x the CPU run's {cpu_steps} steps" if steps == target else
                          f"what {seconds:.0f} s afford at {rate:.0f} images/s (the target is {target} steps)")
    return plan


def run_training(args, folder, plan, clock, log):
    if not plan.get("steps") or clock.left() < (5 if args.dry_run else 60):
        return {"skipped": f"{clock.left():.0f} s left", **plan}
    cmd = [sys.executable, os.path.abspath(__file__), "--train-child", "--preset", args.preset,
           "--steps", str(plan["steps"]), "--batch-size", str(plan["batch_size"]), "--output", str(folder)]
    cmd += ["--dry-run"] if args.dry_run else []
    limit = max(5.0, clock.left() - 10)
    log(f"$ {' '.join(cmd[1:])}  (limit {limit:.0f} s)")
    start = time.monotonic()
    try:
        done = subprocess.run(cmd, env=_env(), capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        (folder.parent / "train.log").write_text(out)
        return {"killed_after_s": round(limit), "resume": "run the same command: it resumes from "
                f"{folder / 'training'}", **plan}
    (folder.parent / "train.log").write_text(done.stdout + done.stderr)
    result = {"exit": done.returncode, "wall_s": round(time.monotonic() - start, 1), **plan}
    record = folder.parent / "train_record.json"
    if done.returncode == 0 and record.is_file():
        result["record"] = json.loads(record.read_text())
    else:
        result["error"] = done.stderr.strip()[-1500:]
    return result


def _tensorflow_missing():
    try:
        return importlib.util.find_spec("tensorflow") is None
    except (ImportError, ValueError):
        return True


def _import_driver_without_tensorflow():
    """The driver imports `keras_perceptual.datasets`, whose module level
    imports TensorFlow for its tf.data pipelines; Fashion-MNIST itself is
    read with NumPy. On a GPU machine without TensorFlow, that module is
    imported against a placeholder (every use but `tf.data.AUTOTUNE` fails),
    which is then taken out so Keras sees no TensorFlow."""
    import types

    import keras  # noqa: F401  (Keras first, so it settles its own backend without the placeholder)

    placeholder = types.ModuleType("tensorflow")
    placeholder.data = types.SimpleNamespace(AUTOTUNE=-1)
    sys.modules["tensorflow"] = placeholder
    try:
        import keras_perceptual.datasets  # noqa: F401
        import keras_perceptual.training.driver  # noqa: F401
    finally:
        del sys.modules["tensorflow"]


def train_child(args):
    """The training process: the preset's recipe and options, `--steps`."""
    if _tensorflow_missing():
        _import_driver_without_tensorflow()
    from keras_perceptual import presets
    from keras_perceptual.training import train
    from keras_perceptual.training.plans import get_plan

    spec = presets.get_spec(args.preset)
    plan = get_plan(args.preset)
    options = dict(plan.recipe_options)
    options.pop("epochs", None)
    if args.dry_run:
        options.pop("limit", None)
    folder = Path(args.output)
    record = train(plan.recipe, folder, steps=args.steps, batch_size=args.batch_size, seed=plan.seed,
                   smoke=args.dry_run, options=options, verbose=2, checkpoint_every=None if args.dry_run else 1000,
                   command="bash benchmarks/gpu_run.sh" + (" --dry-run" if args.dry_run else ""),
                   metadata={"name": args.preset, "description": spec.description + " GPU RUN (benchmarks/gpu_run.py)."
                             + (" DRY RUN: untrained." if args.dry_run else ""), "budget": plan.budget})
    data = record.to_dict()
    (folder.parent / "train_record.json").write_text(json.dumps(data, indent=1, default=str))
    print(f"trained {args.preset}: {record.steps} steps in {record.wall_time_s} s", flush=True)


def summary_markdown(summary):
    lines = [f"# GPU run{' (dry run, CPU)' if summary['env'].get('dry_run') else ''}", "",
             f"card: {summary['env'].get('gpu')}; JAX {summary['env'].get('jax')}, "
             f"Keras {summary['env'].get('keras')}; "
             f"peaks (dense TFLOP/s): {summary['peaks']}", "",
             "| family | batch | policy | library img/s | hand-written img/s | ratio | step GFLOP | library TFLOP/s | "
             "of bf16 peak | of policy peak |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in summary["benchmarks"]:
        flops = r.get("step_flops") or {}
        fl = (r.get("flops_per_s") or {}).get("library")
        frac = r.get("fraction_of_peak", {}).get("library", {})
        pct = lambda v: "n/a" if v is None else f"{100 * v:.1f} %"  # noqa: E731
        lines.append(
            f"| {r['family']} | {r['batch_size']} | {r['policy']} | {r['images_per_s']['library']:.0f} | "
            f"{r['images_per_s']['hand-written']:.0f} | {r['ratio']:.3f} | "
            f"{'n/a' if not flops else format(flops['hand-written'] / 1e9, '.2f')} | "
            f"{'n/a' if fl is None else format(fl / 1e12, '.2f')} | {pct(frac.get('of_bf16_peak'))} | "
            f"{pct(frac.get('of_policy_peak'))} |")
    for s in summary["skipped"]:
        lines.append(f"\nskipped {s['config']}: {s['reason']}")
    t = summary["training"]
    lines += ["", f"## Training {summary['preset']}", "", "```", json.dumps(
        {k: v for k, v in t.items() if k != "record"}, indent=1), "```"]
    if t.get("record"):
        rec = t["record"]
        lines.append(f"\n{rec.get('steps')} steps in {rec.get('wall_time_s')} s; "
                     f"final losses {rec.get('final_losses')}")
    return "\n".join(lines) + "\n"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--output", default=str(ROOT / "runs" / "gpu_run"), help="the one folder everything goes to")
    p.add_argument("--dry-run", action="store_true", help="CPU, tiny sizes: checks the plumbing in under a minute")
    p.add_argument("--time-budget", type=float, default=540.0,
                   help="seconds for the whole run (default 540: one 10-minute call on a device machine, "
                        "with room for the install and the copy back)")
    p.add_argument("--train-reserve", type=float, default=200.0,
                   help="seconds the benchmarks leave for the training (default 200)")
    p.add_argument("--margin", type=float, default=30.0, help="seconds kept back at the end (default 30)")
    p.add_argument("--preset", default="vaegan_fashion_mnist", help="the Fashion-MNIST preset to train")
    p.add_argument("--budget-scale", type=float, default=10.0,
                   help="train this many times the steps of the preset's CPU run (default 10), time permitting")
    p.add_argument("--steps", type=int, default=20, help="timed steps per benchmark round")
    p.add_argument("--warmup", type=int, default=3, help="untimed steps first")
    p.add_argument("--repeats", type=int, default=3, help="benchmark rounds (medians reported)")
    p.add_argument("--peak-tflops", type=float, default=None,
                   help="the card's peak TFLOP/s, for a card not in the built-in table")
    p.add_argument("--train-child", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--batch-size", type=int, default=None, help=argparse.SUPPRESS)  # the training plan's, for the child
    args = p.parse_args(argv)
    if args.train_child:
        return train_child(args)

    clock = Clock(args.time_budget)
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    log_file = open(out / "run.log", "a")

    def log(text):
        line = f"[{time.strftime('%H:%M:%S')} {clock.left():6.0f} s left] {text}"
        print(line, flush=True)
        log_file.write(line + "\n")
        log_file.flush()

    env = environment(args)
    (out / "env.json").write_text(json.dumps(env, indent=1))
    log(f"environment: {env}")
    peaks = peaks_for(env.get("gpu") or env.get("device_kind"), args.peak_tflops)
    rows, skipped = run_benchmarks(args, out / "bench", clock, log)
    for r in rows:
        r["fraction_of_peak"] = fraction_of_peak(r, peaks)
    plan = plan_training(args, rows, clock)
    log(f"training plan: {plan}")
    preset_folder = out / "preset"
    if preset_folder.exists() and (preset_folder / "config.json").is_file():
        shutil.rmtree(preset_folder)  # a finished earlier run; an unfinished one resumes from its checkpoint
    training = run_training(args, preset_folder, plan, clock, log)
    summary = {"env": env, "peaks": peaks, "benchmarks": rows, "skipped": skipped, "preset": args.preset,
               "training": training, "seconds": round(args.time_budget - clock.left(), 1)}
    (out / "summary.json").write_text(json.dumps(summary, indent=1, default=str))
    (out / "summary.md").write_text(summary_markdown(summary))
    log(f"wrote {out / 'summary.md'}")
    log_file.close()
    return summary


if __name__ == "__main__":
    main()

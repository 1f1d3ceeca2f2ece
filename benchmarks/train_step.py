"""Training throughput: `VAEGAN.fit` against a hand-written loop.

Both train the same VAEGAN (same networks, same batch, the same per-player
losses including weight decay, RMSProp for each player, the equilibrium rule
off so both update every player every step) on the Keras backend given by
KERAS_BACKEND. The hand-written loop is what a user would write without the
library: TensorFlow, a `tf.function` with a persistent tape and one optimizer
per player; JAX, a jitted pure function with one `jax.vjp` and each
optimizer's `stateless_apply`; PyTorch, `torch.autograd.grad` per player and
each optimizer's `apply`. Both are timed in steady state: `--warmup` steps
(compilation) are not timed, and the library is timed between batch ends
inside one `fit` call. Rounds alternate (library, loop, library, ...) so
background load affects both alike; the reported images/s are the medians
over `--repeats` rounds and the ratio is library / loop of those medians.

FLOPs: one training step is counted once, by XLA
(`jax.jit(step).lower(...).compile().cost_analysis()["flops"]`) on the
hand-written JAX step over the same networks and batch (the work both loops
must do; the library's own step, also counted, adds its in-step checks: +0.06 % for small28
at batch 64).
Under TensorFlow or PyTorch the count comes from a JAX subprocess
(`--flops none` skips it). Achieved FLOP/s = that count x steps/s.

    KERAS_BACKEND=jax python benchmarks/train_step.py --family small28 --batch-size 64
    KERAS_BACKEND=jax python benchmarks/train_step.py --matrix          # the table of issue 15
    KERAS_BACKEND=jax python benchmarks/train_step.py --family larsen64 --batch-size 64 --mixed-bfloat16

`--matrix` runs larsen64 at batch 64 and 256 in float32 and mixed_bfloat16,
and small28 at batch 64, each in its own process (the dtype policy is
global), and prints one markdown table; on a GPU machine run it with the JAX
backend as is (it needs only keras, jax and this package).
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import keras
import numpy as np

import keras_perceptual as kp


def build(family, batch_size, seed=0):
    channels = 1 if family == "small28" else 3
    nets = kp.networks.vaegan_networks(family, channels=channels)
    model = kp.VAEGAN(**nets, gamma=1e-3, equilibrium=False, seed=seed)
    size = nets["encoder"].inputs[0].shape[1]
    x = np.random.default_rng(seed).uniform(-1, 1, (batch_size, size, size, channels)).astype("float32")
    return model, x


def optimizers(model):
    return {p: keras.optimizers.RMSprop(1e-4) for p in model.players}


class StepTimer(keras.callbacks.Callback):
    """Wall-clock time at the end of every training batch."""

    def __init__(self):
        super().__init__()
        self.times = []

    def on_train_batch_end(self, batch, logs=None):
        self.times.append(time.perf_counter())


def library_runner(family, batch_size, steps, warmup):
    """Steady-state seconds for `steps` steps inside one `fit` (after
    `warmup` steps), so per-call setup of `fit` is not charged to a few steps."""
    model, x = build(family, batch_size)
    model.compile(optimizers=optimizers(model), jit_compile=keras.backend.backend() != "torch")
    data = np.repeat(x, warmup + steps, axis=0)

    def run():
        timer = StepTimer()
        model.fit(data, batch_size=batch_size, epochs=1, verbose=0, shuffle=False, callbacks=[timer])
        return timer.times[-1] - timer.times[warmup - 1]

    return run


def handwritten_step(model, opts, jit_compile=True):
    """One hand-written training step `step(x) -> encoder loss` of `model`'s
    players with the optimizers `opts` (`{player: optimizer}`): the
    reference the library's step is checked against
    (tests/test_train_step_equivalence.py) and timed against (here)."""
    players = {p: [v for net in nets for v in net.trainable_variables] for p, nets in model.players.items()}
    for p, o in opts.items():
        o.build(players[p])
    backend = keras.backend.backend()
    if backend == "tensorflow":
        step = _tensorflow_step(model, opts, players, jit_compile)
    elif backend == "jax":
        step = _jax_step(model, opts, players, jit_compile)
    else:
        torch_step = _torch_step(model, opts, players)

        def step(x):
            return torch_step(keras.ops.convert_to_tensor(x))

    if not hasattr(step, "trainable_values"):  # updated in place
        step.trainable_values = lambda: [v.value for v in model.trainable_variables]
    return step


def handwritten_runner(family, batch_size, steps, warmup):
    model, x = build(family, batch_size)
    step = handwritten_step(model, optimizers(model))

    def run():
        for _ in range(warmup):
            out = step(x)
        keras.ops.convert_to_numpy(out)
        start = time.perf_counter()
        for _ in range(steps):
            out = step(x)
        keras.ops.convert_to_numpy(out)
        return time.perf_counter() - start

    return run


def _tensorflow_step(model, opts, players, jit_compile=True):
    import tensorflow as tf

    @tf.function(jit_compile=jit_compile, autograph=False)
    def step(x):
        with tf.GradientTape(persistent=True) as tape:
            losses, _ = model._player_losses(x, training=True)
        for p, variables in players.items():
            opts[p].apply(tape.gradient(losses[p], variables), variables)
        return losses["encoder"]

    return step


def _jax_step(model, opts, players, jit_compile=True):
    import jax

    all_vars = model.trainable_variables
    index = {id(v): i for i, v in enumerate(all_vars)}
    state = {
        "tv": [v.value for v in all_vars],
        "ntv": [v.value for v in model.non_trainable_variables],
        "ov": {p: [v.value for v in o.variables] for p, o in opts.items()},
    }

    def pure_step(tv, ntv, ov, x):
        def forward(tv):
            mapping = list(zip(all_vars, tv)) + list(zip(model.non_trainable_variables, ntv))
            with keras.StatelessScope(state_mapping=mapping) as scope:
                losses, _ = model._player_losses(x, training=True)
            return losses, [scope.get_current_value(v) for v in model.non_trainable_variables]

        losses, vjp_fn, ntv = jax.vjp(forward, tv, has_aux=True)
        tv = list(tv)
        new_ov = {}
        for p, variables in players.items():
            cot = {q: jax.numpy.ones_like(l) * (q == p) for q, l in losses.items()}
            (grads,) = vjp_fn(cot)
            idx = [index[id(v)] for v in variables]
            new_tv, new_ov[p] = opts[p].stateless_apply(ov[p], [grads[i] for i in idx], [tv[i] for i in idx])
            for i, value in zip(idx, new_tv):
                tv[i] = value
        return tv, ntv, new_ov, losses["encoder"]

    compiled = jax.jit(pure_step) if jit_compile else pure_step

    def step(x):
        state["tv"], state["ntv"], state["ov"], loss = compiled(state["tv"], state["ntv"], state["ov"], x)
        return loss

    step.trainable_values = lambda: state["tv"]  # a pure step: the model's variables stay as they were
    step.flops = lambda x: _xla_flops(pure_step, state["tv"], state["ntv"], state["ov"], x)
    return step


def _xla_flops(function, *args):
    """FLOPs of one call of `function(*args)` as XLA compiles it."""
    import jax

    cost = jax.jit(function).lower(*args).compile().cost_analysis()
    cost = cost[0] if isinstance(cost, (list, tuple)) else cost  # older JAX: one dict per device
    return float(cost["flops"])


def library_flops(model, x):
    """XLA's FLOP count of the library's compiled training step (JAX)."""
    state = model._get_jax_state(trainable_variables=True, non_trainable_variables=True,
                                 optimizer_variables=True, metrics_variables=True)
    return _xla_flops(model.train_step, state, (keras.ops.convert_to_tensor(x),))


def count_flops(family, batch_size):
    """`{"hand-written": flops, "library": flops}` of one training step,
    counted by XLA. On a backend other than JAX, a JAX subprocess counts them
    (the same networks and batch under the same dtype policy)."""
    if keras.backend.backend() == "jax":
        model, x = build(family, batch_size)
        step = handwritten_step(model, optimizers(model))
        flops = {"hand-written": step.flops(x)}
        model, x = build(family, batch_size)
        model.compile(optimizers=optimizers(model), jit_compile=True)
        flops["library"] = library_flops(model, x)
        return flops
    args = ["--count-flops", "--family", family, "--batch-size", str(batch_size)]
    if keras.mixed_precision.dtype_policy().name == "mixed_bfloat16":
        args.append("--mixed-bfloat16")
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu")
    out = subprocess.run([sys.executable, os.path.abspath(__file__), *args], env=env,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _torch_step(model, opts, players):
    import torch

    names = list(players)

    def step(x):
        losses, _ = model._player_losses(x, training=True)
        grads = {}
        for k, p in enumerate(names):
            grads[p] = torch.autograd.grad(losses[p], [v.value for v in players[p]],
                                           retain_graph=k < len(names) - 1, allow_unused=True)
        with torch.no_grad():
            for p in names:
                opts[p].apply([torch.zeros_like(v.value) if g is None else g for g, v in zip(grads[p], players[p])],
                              players[p])
        return losses["encoder"].detach()

    return step


def measure(family, batch_size, steps, warmup, repeats):
    """Interleaved timed rounds: `{"library": [s, ...], "hand-written": [s, ...]}`
    (seconds for `steps` steps, one entry per round)."""
    runners = {"library": library_runner(family, batch_size, steps, warmup),
               "hand-written": handwritten_runner(family, batch_size, steps, warmup)}
    seconds = {name: [] for name in runners}
    for _ in range(repeats):
        for name, run in runners.items():
            seconds[name].append(run())
    return seconds


def summarise(seconds, batch_size, steps, step_flops=None):
    """Images/s per loop: the median over rounds (reported) and the best;
    achieved FLOP/s at the median (`step_flops` x steps/s); the ratio
    library / hand-written of the median images/s."""
    images = batch_size * steps
    rate = {name: images / statistics.median(t) for name, t in seconds.items()}
    best = {name: images / min(t) for name, t in seconds.items()}
    flops_per_s = None if step_flops is None else {
        name: step_flops * r / batch_size for name, r in rate.items()}
    return rate, best, flops_per_s, rate["library"] / rate["hand-written"]


def _flops_text(value):
    if value is None:
        return "n/a"
    return f"{value / 1e12:.2f} TFLOP/s" if value >= 1e12 else f"{value / 1e9:.1f} GFLOP/s"


MATRIX = [("larsen64", 64, False), ("larsen64", 64, True), ("larsen64", 256, False),
          ("larsen64", 256, True), ("small28", 64, False)]


def run_matrix(args):
    """Runs every configuration of `MATRIX` in its own process (the dtype
    policy is global); prints one markdown table."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for family, batch_size, bf16 in MATRIX:
            out = os.path.join(tmp, f"{family}_{batch_size}_{bf16}.json")
            cmd = [sys.executable, os.path.abspath(__file__), "--family", family, "--batch-size", str(batch_size),
                   "--steps", str(args.steps), "--warmup", str(args.warmup), "--repeats", str(args.repeats),
                   "--flops", args.flops, "--json", out] + (["--mixed-bfloat16"] if bf16 else [])
            print("$ python benchmarks/train_step.py", " ".join(cmd[2:]), flush=True)
            subprocess.run(cmd, check=True)
            with open(out) as f:
                rows.append(json.load(f))
    print("\n| family | batch | policy | library img/s | hand-written img/s | ratio | step GFLOP | "
          "library | hand-written |\n|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        fl = r["flops_per_s"] or {}
        gflop = "n/a" if r["step_flops"] is None else f"{r['step_flops']['hand-written'] / 1e9:.2f}"
        print(f"| {r['family']} | {r['batch_size']} | {r['policy']} | {r['images_per_s']['library']:.1f} | "
              f"{r['images_per_s']['hand-written']:.1f} | {r['ratio']:.3f} | {gflop} | "
              f"{_flops_text(fl.get('library'))} | {_flops_text(fl.get('hand-written'))} |")
    print(f"backend {rows[0]['backend']}, device {rows[0]['device']}, host {rows[0]['host']}")
    return rows


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--family", default="small28", choices=sorted(kp.networks.vaegan.FAMILIES))
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--steps", type=int, default=20, help="training steps per timed run")
    p.add_argument("--warmup", type=int, default=3, help="untimed steps first (compilation)")
    p.add_argument("--repeats", type=int, default=5, help="interleaved rounds; medians are reported")
    p.add_argument("--mixed-bfloat16", action="store_true")
    p.add_argument("--flops", choices=["xla", "none"], default="xla",
                   help="count the step's FLOPs with XLA (a JAX subprocess on other backends), or not")
    p.add_argument("--matrix", action="store_true",
                   help="larsen64 at batch 64 and 256 in float32 and mixed_bfloat16, and small28 at batch 64")
    p.add_argument("--count-flops", action="store_true", help=argparse.SUPPRESS)  # count_flops' subprocess
    p.add_argument("--smoke", action="store_true", help="2 steps, 2 rounds, batch 8")
    p.add_argument("--json", default=None, help="also write the result here")
    args = p.parse_args(argv)
    if args.smoke:
        args.steps, args.warmup, args.repeats, args.batch_size = 2, 1, 2, 8
    if args.matrix:
        return run_matrix(args)
    if args.mixed_bfloat16:
        keras.mixed_precision.set_global_policy("mixed_bfloat16")
    if args.count_flops:
        print(json.dumps(count_flops(args.family, args.batch_size)))
        return None

    flops = count_flops(args.family, args.batch_size) if args.flops == "xla" else None
    seconds = measure(args.family, args.batch_size, args.steps, args.warmup, args.repeats)
    step_flops = None if flops is None else flops["hand-written"]
    rate, best, flops_per_s, ratio = summarise(seconds, args.batch_size, args.steps, step_flops)
    backend = keras.backend.backend()
    device = str(keras.distribution.list_devices()[0]) if backend == "jax" else "cpu"
    host = f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores"
    policy = keras.mixed_precision.dtype_policy().name
    print(f"backend={backend} family={args.family} batch={args.batch_size} steps={args.steps} "
          f"rounds={args.repeats} policy={policy} device={device} host={host}")
    if flops is not None:
        print(f"one step: {step_flops / 1e9:.2f} GFLOP (XLA count of the hand-written JAX step; "
              f"the library's step: {flops['library'] / 1e9:.2f})")
    print(f"{'loop':<14}{'images/s':>12}{'best':>10}{'achieved':>18}")
    for name in rate:
        print(f"{name:<14}{rate[name]:>12.1f}{best[name]:>10.1f}"
              f"{_flops_text(None if flops_per_s is None else flops_per_s[name]):>18}")
    paired = statistics.median(h / l for l, h in zip(seconds["library"], seconds["hand-written"]))
    print(f"ratio library / hand-written (medians over {args.repeats} rounds): {ratio:.3f}; "
          f"median of the rounds' own ratios: {paired:.3f}")
    result = {"backend": backend, "family": args.family, "batch_size": args.batch_size, "steps": args.steps,
              "rounds": args.repeats, "policy": policy, "device": device, "host": host,
              "seconds": seconds, "images_per_s": rate, "best_images_per_s": best,
              "step_flops": flops, "flops_per_s": flops_per_s, "ratio": ratio, "paired_ratio": paired}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    return result


if __name__ == "__main__":
    main()

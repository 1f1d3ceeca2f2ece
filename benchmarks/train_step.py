"""Training throughput: `VAEGAN.fit` against a hand-written loop.

Both train the same VAEGAN (same networks, same batch, the same per-player
losses including weight decay, RMSProp for each player, the equilibrium rule off so both
update every player every step) on the Keras backend given by
KERAS_BACKEND. The hand-written loop is what a user would write without the
library: TensorFlow, a `tf.function` with a persistent tape and one
optimizer per player; JAX, a jitted pure function with one `jax.vjp` and
each optimizer's `stateless_apply`; PyTorch, `torch.autograd.grad` per
player and each optimizer's `apply`. Both are timed in steady state: `--warmup`
steps (compilation) are not timed, and the library is timed between batch
ends inside one `fit` call. Runs alternate (library, loop, library, ...)
and the best of `--repeats` is kept, so background load affects both alike. Prints images/s and the ratio library / loop.

    KERAS_BACKEND=jax python benchmarks/train_step.py --family small28 --batch-size 64
    KERAS_BACKEND=jax python benchmarks/train_step.py --family larsen64 --batch-size 64 --mixed-bfloat16   # GPU
"""

import argparse
import json
import os
import platform
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

    if jit_compile:
        pure_step = jax.jit(pure_step)

    def step(x):
        state["tv"], state["ntv"], state["ov"], loss = pure_step(state["tv"], state["ntv"], state["ov"], x)
        return loss

    step.trainable_values = lambda: state["tv"]  # a pure step: the model's variables stay as they were
    return step


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


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--family", default="small28", choices=sorted(kp.networks.vaegan.FAMILIES))
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--steps", type=int, default=20, help="training steps per timed run")
    p.add_argument("--warmup", type=int, default=3, help="untimed steps first (compilation)")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--mixed-bfloat16", action="store_true")
    p.add_argument("--smoke", action="store_true", help="2 steps, 1 repeat, batch 8")
    p.add_argument("--json", default=None, help="also write the result here")
    args = p.parse_args(argv)
    if args.smoke:
        args.steps, args.warmup, args.repeats, args.batch_size = 2, 1, 1, 8
    if args.mixed_bfloat16:
        keras.mixed_precision.set_global_policy("mixed_bfloat16")

    runners = {"library": library_runner(args.family, args.batch_size, args.steps, args.warmup),
               "hand-written": handwritten_runner(args.family, args.batch_size, args.steps, args.warmup)}
    times = {name: [] for name in runners}
    for _ in range(args.repeats):
        for name, run in runners.items():
            times[name].append(run())
    images = args.batch_size * args.steps
    rate = {name: images / min(t) for name, t in times.items()}
    ratio = rate["library"] / rate["hand-written"]
    device = keras.distribution.list_devices()[0] if keras.backend.backend() == "jax" else "cpu"
    print(f"backend={keras.backend.backend()} family={args.family} batch={args.batch_size} steps={args.steps} "
          f"repeats={args.repeats} policy={keras.mixed_precision.dtype_policy().name} device={device} "
          f"host={platform.processor() or platform.machine()} cores={os.cpu_count()}")
    print(f"{'loop':<14}{'images/s':>12}")
    for name, r in rate.items():
        print(f"{name:<14}{r:>12.1f}")
    print(f"ratio library / hand-written: {ratio:.3f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "images_per_s": rate, "ratio": ratio}, f, indent=1)
    return ratio


if __name__ == "__main__":
    main()

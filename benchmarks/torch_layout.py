"""The torch step per FLOP: `VAEGAN.fit` on the torch backend against a plain
PyTorch VAE/GAN of the same architecture, channels-first against
channels-last, and `torch.compile`.

The plain model is what a PyTorch user would write: `nn.Conv2d` /
`nn.ConvTranspose2d` / `nn.BatchNorm` / `nn.Linear` modules with the layer
sizes of `kp.networks.vaegan_networks(family)` (same kernels, strides,
widths, biases, BatchNorm placement, Dis_l tap), the same three losses
(KL + feature loss, gamma x feature + minimax GAN loss, the discriminator's
BCE on real / reconstruction / prior sample), the same L2 weight decay,
one `torch.autograd.grad` per player and one `torch.optim.RMSprop` per
player. Variants:

- `library NCHW`: `VAEGAN.fit` with `vaegan_networks(data_format=
  "channels_first")` (convolutions and BatchNorms channels-first, one
  transpose at each image input and output; eager).
- `library NHWC`: the same with Keras' default channels-last layers (its
  torch convolutions transpose around every call).
- `library ... compiled`: the same with `jit_compile=True` (`torch.compile`).
- `plain NCHW` / `plain NHWC`: the plain model in PyTorch's default
  layout and in `torch.channels_last` memory format.
- `plain NCHW compiled`: the plain modules under `torch.compile`.

Rounds are interleaved and medians reported; FLOP/s use one XLA count of the
step (`train_step.count_flops`, a JAX subprocess) for every variant.

    KERAS_BACKEND=torch python benchmarks/torch_layout.py --family small28 --batch-size 64
    KERAS_BACKEND=torch python benchmarks/torch_layout.py --smoke --flops none   # seconds: a check
    KERAS_BACKEND=torch python benchmarks/torch_layout.py --profile library NCHW   # where the time goes
"""

import argparse
import contextlib
import importlib.util
import json
import os
import statistics
import time
from pathlib import Path
from unittest import mock

import keras
import numpy as np

import keras_perceptual as kp


def _train_step_module():
    path = Path(__file__).resolve().parent / "train_step.py"
    spec = importlib.util.spec_from_file_location("train_step_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def plain_vaegan(family, channels, channels_last=False, weight_decay=1e-5):
    """`(networks, step)`: plain PyTorch modules `{player: module}` of
    `kp.networks.vaegan_networks(family)`'s sizes, and `step(x)`, one
    training step of all three players (gamma=1e-3, as the benchmarks use),
    with images and modules in `torch.channels_last` memory format if
    `channels_last`."""
    import torch
    from torch import nn

    f = kp.networks.vaegan.get_family(family)
    k, size, latent = f["kernel_size"], f["image_size"], f["latent_dim"]
    eps, momentum = kp.networks.vaegan.BN_EPSILON, 1 - kp.networks.vaegan.BN_MOMENTUM

    def down(cin, cout):  # 'same' padding at stride 2, as Keras computes it
        return nn.Conv2d(cin, cout, k, stride=2, padding=(k - 1) // 2, bias=False)

    def up(cin, cout):
        return nn.ConvTranspose2d(cin, cout, k, stride=2, padding=(k - 1) // 2, output_padding=k % 2, bias=False)

    def bn2(c):
        return nn.BatchNorm2d(c, eps=eps, momentum=momentum)

    def bn1(c):
        return nn.BatchNorm1d(c, eps=eps, momentum=momentum)

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            layers, c, s = [], channels, size
            for n in f["encoder_filters"]:
                layers += [down(c, n), bn2(n), nn.ReLU()]
                c, s = n, (s + 1) // 2
            self.body = nn.Sequential(*layers, nn.Flatten(), nn.Linear(c * s * s, f["encoder_units"], bias=False),
                                      bn1(f["encoder_units"]), nn.ReLU())
            self.mean = nn.Linear(f["encoder_units"], latent)
            self.log_var = nn.Linear(f["encoder_units"], latent)

        def forward(self, x):
            h = self.body(x)
            return self.mean(h), self.log_var(h)

    class Decoder(nn.Module):
        def __init__(self):
            super().__init__()
            s, c = f["decoder_start"], f["decoder_filters"][0]
            self.dense = nn.Sequential(nn.Linear(latent, s * s * c, bias=False), bn1(s * s * c), nn.ReLU(),
                                       nn.Unflatten(1, (c, s, s)))
            layers = []
            for n in f["decoder_filters"]:
                layers += [up(c, n), bn2(n), nn.ReLU()]
                c = n
            self.body = nn.Sequential(*layers, nn.Conv2d(c, channels, k, padding="same"), nn.Tanh())

        def forward(self, z):
            return self.body(self.dense(z))

    class Discriminator(nn.Module):
        def __init__(self):
            super().__init__()
            filters = f["discriminator_filters"]
            self.first = nn.Sequential(nn.Conv2d(channels, filters[0], k, padding="same"), nn.ReLU())
            self.convs, self.bns = nn.ModuleList(), nn.ModuleList()
            c, s = filters[0], size
            for n in filters[1:]:
                self.convs.append(down(c, n))
                self.bns.append(nn.Sequential(bn2(n), nn.ReLU()))
                c, s = n, (s + 1) // 2
            self.head = nn.Sequential(nn.Flatten(), nn.Linear(c * s * s, f["discriminator_units"], bias=False),
                                      bn1(f["discriminator_units"]), nn.ReLU(), nn.Linear(f["discriminator_units"], 1))

        def forward(self, x):
            h = self.first(x)
            for conv, bn in zip(self.convs, self.bns):
                dis_l = conv(h)
                h = bn(dis_l)
            return self.head(h), dis_l

    nets = {"encoder": Encoder(), "decoder": Decoder(), "discriminator": Discriminator()}
    layout = torch.channels_last if channels_last else torch.contiguous_format
    for m in nets.values():
        m.to(memory_format=layout)
    params = {p: list(m.parameters()) for p, m in nets.items()}
    kernels = {p: [w for w in ps if w.dim() > 1] for p, ps in params.items()}
    opts = {p: torch.optim.RMSprop(ps, lr=1e-4, alpha=0.9, eps=1e-7) for p, ps in params.items()}
    bce = nn.functional.binary_cross_entropy_with_logits

    def step(x, encoder=nets["encoder"], decoder=nets["decoder"], discriminator=nets["discriminator"]):
        batch = x.shape[0]
        mean, log_var = encoder(x)
        z = mean + torch.exp(0.5 * log_var) * torch.randn_like(mean)
        x_tilde = decoder(z)
        x_p = decoder(torch.randn_like(mean))
        images = torch.cat([x, x_tilde, x_p]).contiguous(memory_format=layout)
        logits, features = discriminator(images)
        l_real, l_tilde, l_p = logits.split(batch)
        f_real, f_tilde, _ = features.split(batch)
        kl = (-0.5 * (1 + log_var - mean.square() - log_var.exp())).sum(1).mean()
        feature = 0.5 * (f_real - f_tilde).square().flatten(1).sum(1).mean()
        ones, zeros = torch.ones_like(l_real), torch.zeros_like(l_real)
        disc = bce(l_real, ones) + bce(l_p, zeros) + bce(l_tilde, zeros)
        gen = -bce(l_p, zeros) - bce(l_tilde, zeros)  # minimax: log(1 - D(G(z)))
        losses = {"encoder": kl + feature, "decoder": 1e-3 * feature + gen, "discriminator": disc}
        names = list(losses)
        for n, p in enumerate(names):
            loss = losses[p] + 0.5 * weight_decay * sum(w.square().sum() for w in kernels[p])
            grads = torch.autograd.grad(loss, params[p], retain_graph=n < len(names) - 1)
            for w, g in zip(params[p], grads):
                w.grad = g
        for opt in opts.values():
            opt.step()
        return losses["encoder"].detach()

    return nets, step


def plain_runner(family, batch_size, steps, warmup, channels_last=False, compiled=False):
    import torch

    channels = 1 if family == "small28" else 3
    nets, step = plain_vaegan(family, channels, channels_last)
    size = kp.networks.vaegan.get_family(family)["image_size"]
    x = torch.from_numpy(np.random.default_rng(0).uniform(-1, 1, (batch_size, channels, size, size))
                         .astype("float32"))
    x = x.contiguous(memory_format=torch.channels_last if channels_last else torch.contiguous_format)
    if compiled:
        compiled_nets = {p: torch.compile(m) for p, m in nets.items()}

        def run_step(x):
            return step(x, *compiled_nets.values())
    else:
        run_step = step
    return loop_runner(run_step, x, steps, warmup)


def loop_runner(step, x, steps, warmup):
    """`run() -> seconds` of `steps` calls `step(x)` after `warmup` untimed ones."""

    def run():
        for _ in range(warmup):
            step(x)
        start = time.perf_counter()
        for _ in range(steps):
            step(x)
        return time.perf_counter() - start

    return run


def interleaved_rounds(runners, repeats, images):
    """Runs `{name: run}` in `repeats` interleaved rounds: `(seconds, loads,
    rate)`, each run's seconds per name, the load average after each round,
    and images/s of the median run per name."""
    seconds = {name: [] for name in runners}
    loads = []
    for _ in range(repeats):
        for name, run in runners.items():
            seconds[name].append(run())
        loads.append(os.getloadavg()[0])
    return seconds, loads, {name: images / statistics.median(t) for name, t in seconds.items()}


def library_model(family, batch_size, data_format="channels_last", seed=0):
    """`(model, x)`: `train_step.build`'s VAEGAN with its networks' convolutions
    in `data_format` (inputs and outputs channels-last either way)."""
    channels = 1 if family == "small28" else 3
    nets = kp.networks.vaegan_networks(family, channels=channels, data_format=data_format)
    model = kp.VAEGAN(**nets, gamma=1e-3, equilibrium=False, seed=seed)
    size = nets["encoder"].inputs[0].shape[1]
    x = np.random.default_rng(seed).uniform(-1, 1, (batch_size, size, size, channels)).astype("float32")
    return model, x


def library_runner(family, batch_size, steps, warmup, compiled=False, data_format="channels_last", fused=True):
    """`run() -> seconds` of `steps` steps of `VAEGAN.fit`; with `fused=False`
    its BatchNorms take Keras' element-wise path instead of the torch
    trainer's fused kernel (`keras_perceptual.backend.torch_batch_norm`)."""
    from keras_perceptual.backend import torch_trainer

    bench = _train_step_module()
    model, x = library_model(family, batch_size, data_format)
    model.compile(optimizers=bench.optimizers(model), jit_compile=compiled)
    data = np.repeat(x, warmup + steps, axis=0)

    def run():
        timer = bench.StepTimer()
        with contextlib.ExitStack() as stack:
            if not fused:
                stack.enter_context(mock.patch.object(torch_trainer, "fused_batch_normalization",
                                                      lambda model: contextlib.nullcontext()))
            model.fit(data, batch_size=batch_size, epochs=1, verbose=0, shuffle=False, callbacks=[timer])
        return timer.times[-1] - timer.times[warmup - 1]

    return run


def profile(variants, name, steps, rows=20):
    """Runs variant `name` once (warm-up), then once under torch.profiler;
    prints the ops by self CPU time and returns their totals in ms."""
    import torch

    if name not in variants:
        raise ValueError(f"Expected `--profile` to name one of {sorted(variants)}, received {name!r}.")
    run = variants[name]()
    run()
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        run()
    averages = prof.key_averages()
    print(f"{name}: {steps} steps profiled")
    print(averages.table(sort_by="self_cpu_time_total", row_limit=rows))
    return {e.key: e.self_cpu_time_total / 1e3 for e in averages}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--family", default="small28", choices=sorted(kp.networks.vaegan.FAMILIES))
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--no-compile", action="store_true", help="skip the torch.compile variants")
    p.add_argument("--flops", choices=["xla", "none"], default="xla")
    p.add_argument("--smoke", action="store_true", help="2 steps, 1 round, batch 8, no torch.compile")
    p.add_argument("--json", default=None)
    p.add_argument("--only", nargs="+", default=None, metavar="VARIANT",
                   help="time only these variants (quoted names, e.g. 'library NCHW' 'plain NCHW')")
    p.add_argument("--profile", nargs="+", default=None, metavar="VARIANT",
                   help="instead of timing, profile one variant (e.g. `library NCHW`) with torch.profiler "
                        "and print the ops that take the most time")
    args = p.parse_args(argv)
    if keras.backend.backend() != "torch":
        raise ValueError(f"Run with KERAS_BACKEND=torch. Received: {keras.backend.backend()!r}")
    if args.smoke:
        args.steps, args.warmup, args.repeats, args.batch_size, args.no_compile = 2, 1, 1, 8, True
    a = (args.family, args.batch_size, args.steps, args.warmup)
    variants = {"library NCHW": lambda: library_runner(*a, data_format="channels_first"),
                "library NCHW Keras BN": lambda: library_runner(*a, data_format="channels_first", fused=False),
                "library NHWC": lambda: library_runner(*a),
                "plain NCHW": lambda: plain_runner(*a),
                "plain NHWC": lambda: plain_runner(*a, channels_last=True)}
    if not args.no_compile:
        variants["library NCHW compiled"] = lambda: library_runner(*a, compiled=True, data_format="channels_first")
        variants["library NHWC compiled"] = lambda: library_runner(*a, compiled=True)
        variants["plain NCHW compiled"] = lambda: plain_runner(*a, compiled=True)
    if args.only:
        unknown = sorted(set(args.only) - set(variants))
        if unknown:
            raise ValueError(f"Expected `--only` to name some of {sorted(variants)}, received {unknown}.")
        variants = {name: make for name, make in variants.items() if name in args.only}
    if args.profile:
        return profile(variants, " ".join(args.profile), args.steps)
    runners, failed = {}, {}
    for name, make in variants.items():
        try:
            runners[name] = make()
            runners[name]()  # first run: compilation, not timed
        except Exception as e:  # torch.compile may not work on a given build
            failed[name] = f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"
            runners.pop(name, None)
    seconds, loads, rate = interleaved_rounds(runners, args.repeats, args.batch_size * args.steps)
    step_flops = _train_step_module().count_flops(args.family, args.batch_size)["hand-written"] \
        if args.flops == "xla" else None
    import torch

    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, family={args.family} "
          f"batch={args.batch_size} steps={args.steps} rounds={args.repeats}, "
          f"load average {statistics.median(loads):.1f}")
    if step_flops:
        print(f"one step: {step_flops / 1e9:.2f} GFLOP (XLA count)")
    print(f"{'variant':<24}{'images/s':>10}{'GFLOP/s':>10}{'vs plain NCHW':>15}")
    for name, r in rate.items():
        gf = "n/a" if step_flops is None else f"{step_flops * r / args.batch_size / 1e9:.1f}"
        ratio = f"{r / rate['plain NCHW']:.3f}" if "plain NCHW" in rate else "n/a"
        print(f"{name:<24}{r:>10.1f}{gf:>10}{ratio:>15}")
    for name, why in failed.items():
        print(f"{name:<24} failed: {why}")
    result = {"family": args.family, "batch_size": args.batch_size, "steps": args.steps, "rounds": args.repeats,
              "torch": torch.__version__, "threads": torch.get_num_threads(), "load_average": loads, "seconds": seconds,
              "images_per_s": rate, "step_flops": step_flops, "failed": failed}
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=1)
    return result


if __name__ == "__main__":
    main()

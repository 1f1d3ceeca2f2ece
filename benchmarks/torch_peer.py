"""The 64x64 VAE/GAN on PyTorch: `VAEGAN.fit` against a peer PyTorch
implementation of the same paper, lucabergamini/VAEGAN-PYTORCH.

The peer is rewritten here as plain PyTorch (`peer_vaegan`) with that
repository's architecture and training step: encoder 3-64-128-256 strided
5x5 convolutions + BN + ReLU, dense 1024 + BN + ReLU, two 128-d heads;
decoder dense 8x8x256 + BN + ReLU, 5x5 transposed convolutions to
128-64-32 + BN + ReLU, 5x5 convolution to 3 channels and tanh;
discriminator 5x5 convolution to 32 + ReLU, strided 5x5 convolutions to
128-256-256 + BN + ReLU (the last one's pre-BN output is the feature
layer), dense 512 + BN + ReLU, one sigmoid logit. Its step: the three
sub-networks' losses (KL + feature MSE; 1e-6 x feature MSE minus the
discriminator's BCE; the discriminator's BCE on real and sampled images),
one `loss.backward(retain_graph=True)` per sub-network through the whole
graph (so each loss back-propagates into every network before it, and into
the input images, which the peer marks `requires_grad=True`) and one
`torch.optim.RMSprop(lr=1e-4)` per sub-network. Two changes: the peer's
equilibrium rule is off (every player updates every step, as the library's
benchmark runs it), and the three backward passes all run before the three
optimizer steps (current PyTorch refuses a backward through weights an
earlier optimizer step changed in place; the work is the same).

The library side is `VAEGAN.fit` with `vaegan_networks("larsen64")` in
channels-first (`benchmarks/torch_layout.py`'s `library_runner`), its
equilibrium rule off. Rounds are interleaved and medians reported.

    KERAS_BACKEND=torch python benchmarks/torch_peer.py --batch-size 64 --steps 3 --warmup 1 --repeats 3
    KERAS_BACKEND=torch python benchmarks/torch_peer.py --smoke   # seconds: a check
"""

import argparse
import importlib.util
import json
import statistics
from pathlib import Path

import keras
import numpy as np


def _torch_layout_module():
    path = Path(__file__).resolve().parent / "torch_layout.py"
    spec = importlib.util.spec_from_file_location("torch_layout_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def peer_vaegan(image_size=64, latent_dim=128):
    """`(networks, step)`: the peer's three networks `{player: module}` and
    `step(x)`, one training step of all three (see the module docstring)."""
    import torch
    from torch import nn

    def down(cin, cout):
        return [nn.Conv2d(cin, cout, 5, stride=2, padding=2, bias=False), nn.BatchNorm2d(cout, momentum=0.9)]

    def up(cin, cout):
        return [nn.ConvTranspose2d(cin, cout, 5, stride=2, padding=2, output_padding=1, bias=False),
                nn.BatchNorm2d(cout, momentum=0.9), nn.ReLU()]

    side = image_size // 8

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(*down(3, 64), nn.ReLU(), *down(64, 128), nn.ReLU(), *down(128, 256), nn.ReLU(),
                                      nn.Flatten(), nn.Linear(256 * side * side, 1024, bias=False),
                                      nn.BatchNorm1d(1024), nn.ReLU())
            self.mean = nn.Linear(1024, latent_dim)
            self.log_var = nn.Linear(1024, latent_dim)

        def forward(self, x):
            h = self.body(x)
            return self.mean(h), self.log_var(h)

    class Decoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(latent_dim, 256 * side * side, bias=False),
                                      nn.BatchNorm1d(256 * side * side), nn.ReLU(), nn.Unflatten(1, (256, side, side)),
                                      *up(256, 128), *up(128, 64), *up(64, 32),
                                      nn.Conv2d(32, 3, 5, padding=2), nn.Tanh())

        def forward(self, z):
            return self.body(z)

    class Discriminator(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Conv2d(3, 32, 5, padding=2), nn.ReLU(), *down(32, 128), nn.ReLU(),
                                      *down(128, 256), nn.ReLU())
            self.feature = nn.Conv2d(256, 256, 5, stride=2, padding=2, bias=False)
            self.head = nn.Sequential(nn.BatchNorm2d(256, momentum=0.9), nn.ReLU(), nn.Flatten(),
                                      nn.Linear(256 * side * side, 512, bias=False), nn.BatchNorm1d(512), nn.ReLU(),
                                      nn.Linear(512, 1))

        def forward(self, x):
            feature = self.feature(self.body(x))
            return torch.sigmoid(self.head(feature)), feature

    nets = {"encoder": Encoder(), "decoder": Decoder(), "discriminator": Discriminator()}
    for net in nets.values():
        for m in net.modules():
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
                nn.init.xavier_normal_(m.weight)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
    opts = {p: torch.optim.RMSprop(m.parameters(), lr=1e-4) for p, m in nets.items()}
    bce = nn.functional.binary_cross_entropy

    def step(x):
        batch = len(x)
        x = x.detach().requires_grad_(True)
        mean, log_var = nets["encoder"](x)
        noise = torch.randn_like(mean)
        x_tilde = nets["decoder"](noise * torch.exp(0.5 * log_var) + mean)
        x_p = nets["decoder"](torch.randn_like(mean))
        labels, features = nets["discriminator"](torch.cat([x, x_tilde, x_p]))
        features = features[:2 * batch].flatten(1)
        l_real, l_tilde, l_p = labels.split(batch)
        kl = torch.mean(0.5 * torch.sum(log_var.exp() + mean ** 2 - log_var - 1, 1))
        mse = torch.mean(torch.sum((features[:batch] - features[batch:]) ** 2, 1))
        ones, zeros = torch.ones_like(l_real), torch.zeros_like(l_real)
        bce_real, bce_p = bce(l_real, ones), bce(l_p, zeros)
        losses = {"encoder": kl + mse, "decoder": 1e-6 * mse - (bce_real + bce_p),
                  "discriminator": bce_real + bce_p}
        grads = {}
        for n, (p, loss) in enumerate(losses.items()):
            for net in nets.values():
                net.zero_grad()
            loss.backward(retain_graph=n < len(losses) - 1)
            grads[p] = [w.grad for w in nets[p].parameters()]
        for p, opt in opts.items():
            for w, g in zip(nets[p].parameters(), grads[p]):
                w.grad = g
            opt.step()
        return losses["encoder"].detach()

    return nets, step


def parameter_count(nets):
    return sum(w.numel() for net in nets.values() for w in net.parameters())


def peer_runner(batch_size, steps, warmup):
    import torch

    nets, step = peer_vaegan()
    x = torch.from_numpy(np.random.default_rng(0).uniform(-1, 1, (batch_size, 3, 64, 64)).astype("float32"))
    return _torch_layout_module().loop_runner(step, x, steps, warmup)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--data-format", default="channels_first", choices=["channels_first", "channels_last"],
                   help="layout of the library's networks")
    p.add_argument("--smoke", action="store_true", help="1 step, 1 round, batch 4")
    p.add_argument("--json", default=None)
    args = p.parse_args(argv)
    if keras.backend.backend() != "torch":
        raise ValueError(f"Run with KERAS_BACKEND=torch. Received: {keras.backend.backend()!r}")
    if args.smoke:
        args.steps, args.warmup, args.repeats, args.batch_size = 1, 1, 1, 4
    import torch

    layout = _torch_layout_module()
    a = (args.batch_size, args.steps, args.warmup)
    runners = {"library": layout.library_runner("larsen64", *a, data_format=args.data_format),
               "peer": peer_runner(*a)}
    params = {"library": sum(int(np.prod(w.shape)) for w in layout.library_model("larsen64", 1)[0].trainable_weights),
              "peer": parameter_count(peer_vaegan()[0])}
    seconds, loads, rate = layout.interleaved_rounds(runners, args.repeats, args.batch_size * args.steps)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, larsen64 batch={args.batch_size} "
          f"steps={args.steps} rounds={args.repeats} library={args.data_format}, "
          f"load average {statistics.median(loads):.1f}")
    print(f"parameters: library {params['library'] / 1e6:.1f}M, peer {params['peer'] / 1e6:.1f}M")
    print(f"{'variant':<10}{'images/s':>10}{'vs peer':>10}")
    for name, r in rate.items():
        print(f"{name:<10}{r:>10.2f}{r / rate['peer']:>10.3f}")
    result = {"batch_size": args.batch_size, "steps": args.steps, "rounds": args.repeats,
              "data_format": args.data_format, "torch": torch.__version__, "threads": torch.get_num_threads(),
              "load_average": loads, "parameters": params, "seconds": seconds, "images_per_s": rate}
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=1)
    return result


if __name__ == "__main__":
    main()

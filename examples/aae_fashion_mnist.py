"""
Title: Adversarial autoencoders on Fashion-MNIST: shaping the code space
Description: Match the aggregate posterior q(z) to a chosen prior with a latent GAN (or MMD).
Reference: Makhzani, Shlens, Jaitly, Goodfellow, Frey, arXiv 1511.05644; Tolstikhin et al., WAE (MMD)

An adversarial autoencoder is an autoencoder whose code distribution q(z),
aggregated over the data, is pushed onto a prior p(z) by a discriminator
that tells codes from prior samples. Any prior you can sample works: the
2-D codes below follow

- a standard Gaussian (unsupervised: the classes arrange themselves), and
- a mixture of 10 Gaussians on a circle, label-conditioned (the paper's
  Fig. 4, "supervised" mode): the image's label picks the component its
  code is pushed into, and the discriminator sees the one-hot label too.

For each prior the script writes `<prior>/code_scatter.png` (the 2-D codes
of 2000 test images coloured by class, drawn with Pillow),
`<prior>/samples.png` and `<prior>/reconstructions.png`.
`--regularizer mmd` replaces the discriminator by the MMD of WAE-MMD.

    python examples/aae_fashion_mnist.py --epochs 10 --output runs/aae_fashion_mnist
    python examples/aae_fashion_mnist.py --smoke --output /tmp/aae_smoke
"""

import argparse
from pathlib import Path

import numpy as np
from PIL import Image
from PIL import ImageDraw

from keras_perceptual.recipes import aae as recipe

# Ten distinguishable colours (Tableau 10), one per Fashion-MNIST class.
PALETTE = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
           (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]


def scatter_plot(points, labels, path, size=480, radius=2, margin=12):
    """Draws 2-D points coloured by integer label into a PNG with Pillow."""
    points = np.asarray(points, "float64")
    lo, hi = points.min(0), points.max(0)
    span = np.maximum(hi - lo, 1e-6).max()
    xy = (points - (lo + hi) / 2) / span * (size - 2 * margin) + size / 2
    image = Image.new("RGB", (size, size), "white")
    draw = ImageDraw.Draw(image)
    for (x, y), label in zip(xy, labels):
        y = size - y  # up is up
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=PALETTE[int(label) % len(PALETTE)])
    for k, colour in enumerate(PALETTE):  # legend: class ids 0-9
        draw.rectangle((4 + 14 * k, 4, 14 + 14 * k, 14), fill=colour)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--output", default="runs/aae_fashion_mnist")
    p.add_argument("--epochs", type=int, default=None, help="epochs over the 60k training images (default 10)")
    p.add_argument("--batch-size", type=int, default=100)
    p.add_argument("--priors", nargs="+", default=["gaussian", "mixture"], choices=["gaussian", "mixture", "swiss_roll"])
    p.add_argument("--regularizer", default="gan", choices=["gan", "mmd"])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--smoke", action="store_true", help="a few steps on a slice of the data (CI)")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    out = Path(args.output)
    x, y = recipe.load_images("test", 2000 if not args.smoke else 200, labels=True)
    results = {}
    for prior in args.priors:
        mode = "unsupervised" if prior == "gaussian" else "supervised"
        model = recipe.train(output=out / prior, epochs=args.epochs, batch_size=args.batch_size, smoke=args.smoke,
                             seed=args.seed, prior=prior, latent_dim=2, mode=mode, regularizer=args.regularizer,
                             conv_filters=(), units=(512, 512), verbose=0 if args.smoke else 2)
        z = model.encode(x)
        scatter_plot(z, y, out / prior / "code_scatter.png")
        results[prior] = model
        print(f"{prior} prior ({mode}): code mean {np.round(z.mean(0), 2)}, std {np.round(z.std(0), 2)}; "
              f"pictures in {out / prior}")
    return results


if __name__ == "__main__":
    main()

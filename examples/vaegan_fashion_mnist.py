"""
Title: VAE/GAN on Fashion-MNIST
Description: Autoencoding beyond pixels with a learned similarity metric.
Reference: Larsen, Sønderby, Larochelle, Winther, ICML 2016 (arXiv 1512.09300)

A VAE/GAN is a VAE whose decoder is also a GAN generator. Its reconstruction
error is measured in the discriminator's l-th layer (Dis_l) instead of
pixels, so the decoder is pushed toward images the discriminator sees as
the same, not toward the blurry pixel-wise mean. Three players train
simultaneously from one forward pass:

    encoder       <- KL + feature loss
    decoder       <- gamma * feature loss - GAN loss
    discriminator <- GAN loss

This script trains the small 28x28 networks on Fashion-MNIST (the official
IDX files on disk; see keras_perceptual.datasets), writes a sample grid and
a reconstruction grid each epoch, then an interpolation strip, and saves the
model. `--conditional` feeds the class label to the decoder and the
discriminator (paper §4.2); `--save-preset DIR` writes a preset folder
(config, weights, metadata, model card, samples.png).

    python examples/vaegan_fashion_mnist.py --epochs 10 --output runs/vaegan
    python examples/vaegan_fashion_mnist.py --smoke --output /tmp/vaegan_smoke
"""

import argparse
import json
from pathlib import Path

import numpy as np

from keras_perceptual import datasets
from keras_perceptual.callbacks import interleave_rows
from keras_perceptual.images import save_image_grid
from keras_perceptual.recipes import vaegan as recipe


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--output", default="runs/vaegan_fashion_mnist", help="folder for grids, checkpoints, model")
    p.add_argument("--epochs", type=int, default=None, help="epochs over the 60k training images (default 10)")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--gamma", type=float, default=None, help="feature-loss weight in the decoder's update")
    p.add_argument("--conditional", action="store_true", help="condition on the class label")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--save-preset", default=None, help="also write a preset folder here")
    p.add_argument("--smoke", action="store_true", help="a few steps on a slice of the data (CI)")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    out = Path(args.output)
    options = {} if args.gamma is None else {"gamma": args.gamma}
    model = recipe.train(output=out, epochs=args.epochs, batch_size=args.batch_size, smoke=args.smoke,
                         seed=args.seed, conditional=args.conditional, verbose=2 if not args.smoke else 0,
                         **options)

    # Final pictures on held-out images.
    test_x, test_y = datasets.load_fashion_mnist("test")
    x = datasets.to_unit_range(test_x[:16])[..., None]
    onehot = np.eye(10, dtype="float32")
    if args.conditional:
        samples = model.generate(100, conditions=onehot[np.repeat(np.arange(10), 10)], seed=args.seed)
        recon = model.reconstruct(x, conditions=onehot[test_y[:16]])
        strip = model.interpolate(x[0], x[1], steps=10, conditions=onehot[test_y[0]])
    else:
        samples = model.generate(100, seed=args.seed)
        recon = model.reconstruct(x)
        strip = model.interpolate(x[0], x[1], steps=10)
    save_image_grid(samples, out / "samples.png", columns=10, scale=2)
    save_image_grid(interleave_rows(x, recon), out / "reconstructions.png", columns=16, scale=2)
    save_image_grid(strip, out / "interpolation.png", columns=10, scale=2)
    model.save(out / "model.keras")
    (out / "training_record.json").write_text(json.dumps(model.training_record, indent=2))
    if args.save_preset:
        model.save_pretrained(args.save_preset, metadata={"training": model.training_record})
    print(json.dumps(model.training_record["final_losses"], indent=1))
    print(f"wrote {out}/samples.png, reconstructions.png, interpolation.png, model.keras")
    return model


if __name__ == "__main__":
    main()

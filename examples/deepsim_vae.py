"""
Title: DeePSiM VAE on Fashion-MNIST
Description: A VAE whose reconstruction term is the DeePSiM loss; the KL term is kept.
Reference: Dosovitskiy & Brox, "Generating images with perceptual similarity metrics based on deep networks", NIPS 2016 (arXiv 1602.02644)

A VAE's samples are blurry because its pixel-wise Gaussian likelihood
rewards the mean of the plausible images. Dosovitskiy & Brox replace the
reconstruction term by DeePSiM (comparator features + adversarial + a small
pixel term) and keep the KL to N(0, I): samples become sharp, with locally
sound image statistics.

    generator (encoder + decoder) <- DeePSiM(x, x~) + kl_weight * KL(q(z|x) || N(0, I))
    discriminator                 <- real vs reconstructed, paused while it is too good

The script writes reconstructions, prior samples and an interpolation strip.

    python examples/deepsim_vae.py --comparator-weights runs/classifier/classifier.weights.h5 \
        --epochs 5 --output runs/deepsim_vae
    python examples/deepsim_vae.py --smoke --output /tmp/deepsim_vae_smoke
"""

import argparse
import json
from pathlib import Path

from keras_perceptual import datasets
from keras_perceptual.callbacks import interleave_rows
from keras_perceptual.images import save_image_grid
from keras_perceptual.recipes import deepsim_vae as recipe


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--output", default="runs/deepsim_vae", help="folder for grids and the model")
    p.add_argument("--epochs", type=int, default=None, help="epochs over the 60k training images (default 10)")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--comparator-weights", default=None,
                   help="classifier .weights.h5 (default: trained first; untrained with --smoke)")
    p.add_argument("--kl-weight", type=float, default=1e-3, help="KL weight, relative to the mean distances")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--smoke", action="store_true", help="a few steps on a slice of the data (CI)")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    out = Path(args.output)
    model = recipe.train(output=out, epochs=args.epochs, batch_size=args.batch_size, smoke=args.smoke,
                         seed=args.seed, verbose=0 if args.smoke else 2,
                         comparator_weights=args.comparator_weights, kl_weight=args.kl_weight)
    x = datasets.to_unit_range(datasets.load_fashion_mnist("test")[0][:32])[..., None]
    save_image_grid(interleave_rows(x, model.reconstruct(x)), out / "reconstructions.png", columns=16, scale=2)
    save_image_grid(model.generate(100, seed=args.seed), out / "samples.png", columns=10, scale=2)
    save_image_grid(model.interpolate(x[0], x[1], steps=10), out / "interpolation.png", columns=10, scale=2)
    model.save(out / "model.keras")
    (out / "training_record.json").write_text(json.dumps(model.training_record, indent=2))
    print(json.dumps(model.training_record["final_losses"], indent=1))
    print(f"wrote {out}/reconstructions.png, samples.png, interpolation.png, model.keras")
    return model


if __name__ == "__main__":
    main()

"""
Title: Implicit autoencoders on Fashion-MNIST: what the code keeps, what the noise decides
Description: Noisy encoder and decoder; a GAN on (x, z) pairs replaces the reconstruction likelihood.
Reference: Makhzani, "Implicit Autoencoders", arXiv 1805.09804

In an implicit autoencoder the decoder takes a code z and a noise vector n.
A discriminator on joint pairs tells (x, z ~ q(z|x)) from (G(z, n), z), so
the decoder only has to produce *some* image that the encoder would map to
z; whatever z does not store is left to n. A second discriminator holds
q(z) to the prior p(z). With a categorical code of K values, z can keep
little more than the cluster, and the noise draws the rest: each row of
`same_code_different_noise.png` is one test image (first column) followed
by decodings of its code with different noises, so a row shows what the
code keeps. The script also reports the test clustering accuracy of
argmax z.

    python examples/iae_fashion_mnist.py --epochs 20 --output runs/iae_fashion_mnist
    python examples/iae_fashion_mnist.py --smoke --output /tmp/iae_smoke
"""

import argparse
from pathlib import Path

import numpy as np

from keras_perceptual.metrics import clustering_accuracy
from keras_perceptual.recipes import aae
from keras_perceptual.recipes import iae as recipe


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--output", default="runs/iae_fashion_mnist")
    p.add_argument("--epochs", type=int, default=None, help="epochs over the 60k training images (default 10)")
    p.add_argument("--batch-size", type=int, default=100)
    p.add_argument("--code", default="categorical", choices=["categorical", "continuous"])
    p.add_argument("--clusters", type=int, default=10)
    p.add_argument("--latent-dim", type=int, default=8, help="size of a continuous code")
    p.add_argument("--pixel-weight", type=float, default=None,
                   help="pixel MSE weight (default: the recipe's, 1 for a categorical code; 0 is the paper)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--smoke", action="store_true", help="a few steps on a slice of the data (CI)")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    out = Path(args.output)
    model = recipe.train(output=out, epochs=args.epochs, batch_size=args.batch_size, smoke=args.smoke, seed=args.seed,
                         code=args.code, num_clusters=args.clusters, latent_dim=args.latent_dim,
                         pixel_weight=args.pixel_weight, verbose=0 if args.smoke else 2)
    result = {"model": model, "grid": out / "same_code_different_noise.png"}
    if args.code == "categorical":
        x, y = aae.load_images("test", 500 if args.smoke else None, labels=True)
        clusters = model.predict_clusters(x)
        result["accuracy"] = clustering_accuracy(y, clusters)
        print(f"IAE K={args.clusters}: test clustering accuracy {result['accuracy']:.3f} "
              f"({len(np.unique(clusters))} clusters used)")
    print(f"same code, different noise: {result['grid']}")
    return result


if __name__ == "__main__":
    main()

"""
Title: Unsupervised clustering of Fashion-MNIST with adversarial autoencoders
Description: A categorical code of K clusters plus a Gaussian style, held to its prior by a GAN or by MMD.
Reference: Makhzani et al., arXiv 1511.05644, §7; Tolstikhin et al., WAE-MMD (ICLR 2018)

The encoder outputs a softmax y over K clusters and a continuous style z;
the decoder rebuilds the image from [y, z]. Two adversaries (or one MMD
term) make y look like one-hot samples of a uniform categorical and z like
a Gaussian: to rebuild images through a nearly one-hot y with only a few
style dimensions, the autoencoder has to put the most informative
discrete factor (mostly the class) into y. The cluster of an image is
argmax y; the clustering accuracy maps clusters to classes (Hungarian
matching for K = 10, majority vote for K = 30) and is measured on the
10k test images, next to k-means on raw pixels.

For each (regulariser, K) it writes `<reg>_k<K>/clusters.png`: row k shows
test images the model put in cluster k.

    python examples/aae_clustering.py --epochs 20 --output runs/aae_clustering
    python examples/aae_clustering.py --smoke --output /tmp/aae_clustering_smoke
"""

import argparse
from pathlib import Path

import numpy as np

from keras_perceptual.images import save_image_grid
from keras_perceptual.metrics import clustering_accuracy
from keras_perceptual.recipes import aae
from keras_perceptual.recipes import aae_clustering as recipe


def cluster_grid(images, clusters, path, per_row=10):
    """Row k: up to `per_row` images assigned to cluster k (blank if fewer)."""
    rows = []
    for c in range(int(clusters.max()) + 1):
        members = images[clusters == c][:per_row]
        row = np.full((per_row,) + images.shape[1:], -1.0, "float32")
        row[: len(members)] = members
        rows.append(row)
    return save_image_grid(np.concatenate(rows), path, columns=per_row, scale=2)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--output", default="runs/aae_clustering")
    p.add_argument("--epochs", type=int, default=None, help="epochs over the 60k training images (default 10)")
    p.add_argument("--batch-size", type=int, default=100)
    p.add_argument("--regularizers", nargs="+", default=["gan", "mmd"], choices=["gan", "mmd"])
    p.add_argument("--clusters", nargs="+", type=int, default=[10, 30])
    p.add_argument("--style-dim", type=int, default=0, help="Gaussian style size next to the category (paper: > 0; 0 clusters best in short runs)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--smoke", action="store_true", help="a few steps on a slice of the data (CI)")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    out = Path(args.output)
    x, y = aae.load_images("test", 500 if args.smoke else None, labels=True)
    results = {}
    for regularizer in args.regularizers:
        for k in args.clusters:
            model = recipe.train(epochs=args.epochs, batch_size=args.batch_size, smoke=args.smoke, seed=args.seed,
                                 num_clusters=k, style_dim=args.style_dim, regularizer=regularizer,
                                 verbose=0 if args.smoke else 2)
            clusters = model.predict_clusters(x)
            acc = clustering_accuracy(y, clusters)
            results[(regularizer, k)] = acc
            cluster_grid(x, clusters, out / f"{regularizer}_k{k}" / "clusters.png")
            print(f"AAE-{regularizer.upper()} K={k}: test clustering accuracy {acc:.3f} "
                  f"({len(np.unique(clusters))} clusters used)")
    return results


if __name__ == "__main__":
    main()

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

For each (regulariser, K) it writes `<reg>_k<K>/clusters.png` (row k shows
test images the model put in cluster k) and per-epoch grids under
`<reg>_k<K>/grids/`.

    python examples/aae_clustering.py --epochs 20 --output runs/aae_clustering
    python examples/aae_clustering.py --smoke --output /tmp/aae_clustering_smoke
"""

from pathlib import Path

import keras
import numpy as np

import keras_perceptual as kp
from keras_perceptual import datasets
from keras_perceptual.callbacks import SampleGrid
from keras_perceptual.datasets import FASHION_MNIST_CLASSES
from keras_perceptual.images import cluster_grid
from keras_perceptual.metrics import clustering_accuracy
from keras_perceptual.recipes import aae
from keras_perceptual.training.pictures import smoke_title

from example_args import example_parser
from example_args import recipe_defaults

# The defaults are the `aae_clustering` recipe's (`keras-perceptual train
# aae_clustering`), read from it: epochs, batch size, the fully connected
# networks of the paper's MNIST models, the learning rates, the style size
# and, for each regulariser, the options tuned on Fashion-MNIST clustering
# with K = 10 (benchmarks/README_clustering.md), each a departure from the paper:
# - MMD: the decoder and the MMD see one-hot codes (`straight_through=True`), so
#   the MMD of one-hot codes to one-hot prior draws penalises unequal clusters.
# - GAN: one-hot codes for the decoder only (`straight_through="decoder"`: with
#   one-hot codes on both sides the discriminator's gradient at the K vertices
#   is noise), a batch-marginal entropy term for equal cluster sizes, lambda 0.1.
# With --smoke, the recipe's tiny networks and slice of the data. Where this
# script departs from the recipe, and why:
DEPARTURES = {}  # none in a full run
SMOKE_DEPARTURES = dict(conv_filters=())  # --smoke: tiny networks, fully connected as in a full run


def settings(smoke=False, **options):
    """This script's hyper-parameters for the recipe's `options` (e.g. the
    regulariser): the recipe's, with the departures over them."""
    return recipe_defaults("aae_clustering", SMOKE_DEPARTURES if smoke else DEPARTURES, smoke=smoke, **options)


def parse_args(argv=None):
    defaults = settings()
    p = example_parser(__doc__, output="runs/aae_clustering", epochs=defaults["epochs"],
                       batch_size=defaults["batch_size"])
    # A comparison: both regularisers and the paper's two K, a model each (the
    # recipe trains one, by default the GAN with K = 10).
    p.add_argument("--regularizers", nargs="+", default=["gan", "mmd"], choices=["gan", "mmd"])
    p.add_argument("--clusters", nargs="+", type=int, default=[10, 30])
    p.add_argument("--style-dim", type=int, default=defaults["style_dim"],
                   help="Gaussian style size next to the category (paper: > 0; 0 clusters best in short runs)")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    out = Path(args.output)

    # ## Data
    # No labels for training: they only grade the clusters at the end.
    x = datasets.fashion_mnist_arrays("train", settings(args.smoke)["limit"])
    test_x, test_y = datasets.fashion_mnist_arrays("test", 500 if args.smoke else None, labels=True)

    results = {}
    for regularizer in args.regularizers:
        for k in args.clusters:
            keras.utils.set_random_seed(args.seed)
            hyper = settings(args.smoke, regularizer=regularizer, num_clusters=k, style_dim=args.style_dim)
            # ## Prior and networks
            # Codes [y, z]: a one-hot category of K values and `style_dim` Gaussian
            # coordinates. With a style part, the GAN regulariser gives it its own
            # adversary (the paper's two discriminators: `style_discriminator`).
            prior = kp.priors.CategoricalPrior(k, style_dim=args.style_dim)
            networks = kp.networks.aae_networks(prior, regularizer=regularizer, mode="clustering",
                                                style_discriminator=hyper["style_discriminator"],
                                                conv_filters=hyper["conv_filters"], units=hyper["units"],
                                                discriminator_units=hyper["discriminator_units"])

            # ## Model, with the regulariser's options (above)
            model = kp.AdversarialAutoencoder(**networks, prior=prior, regularizer=regularizer, mode="clustering",
                                              regularizer_weight=hyper["regularizer_weight"],
                                              straight_through=hyper["straight_through"],
                                              marginal_entropy_weight=hyper["marginal_entropy_weight"], seed=args.seed)

            # ## Compile: the recipe's Adam for the autoencoder, a slower one for the adversaries
            autoencoder_adam, discriminator_adam = aae.optimizers(hyper["learning_rate"],
                                                                  hyper["discriminator_learning_rate"])
            model.compile(optimizer=autoencoder_adam,
                          optimizers={player: discriminator_adam()
                                      for player in model.players if "discriminator" in player})

            # ## Fit, with prior samples (one per cluster and style draw) each epoch
            folder = out / f"{regularizer}_k{k}"
            grids = SampleGrid(folder / "grids", num_samples=min(k, 10) * 8, images=test_x[:16], seed=args.seed,
                               title=smoke_title(args.smoke))
            model.fit(x, batch_size=args.batch_size, epochs=1 if args.smoke else args.epochs, shuffle=True,
                      callbacks=[grids], verbose=0 if args.smoke else 2)

            # ## Pictures and the score
            clusters = model.predict_clusters(test_x)
            accuracy = clustering_accuracy(test_y, clusters)
            cluster_grid(test_x, clusters, folder / "clusters.png", labels=test_y, class_names=FASHION_MNIST_CLASSES,
                         title=smoke_title(args.smoke))
            print(f"AAE-{regularizer.upper()} K={k}: test clustering accuracy {accuracy:.3f} "
                  f"({len(np.unique(clusters))} clusters used)")
            results[(regularizer, k)] = accuracy
    return results


if __name__ == "__main__":
    main()

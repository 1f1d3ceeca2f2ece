"""Fashion-MNIST unsupervised clustering: AAE-GAN, AAE-MMD and IAE with a
categorical code of K clusters, next to k-means on raw pixels run in the
same script (the baseline of every ratio): scikit-learn's `KMeans` with the
standard `n_init=10`, run with 5 seeds and reported as the mean and the
min-max spread (one seed's initialisation can be lucky or unlucky by
several points).

Every model trains on the 60k training images without labels; the table
reports the clustering accuracy on the 10k test images (clusters mapped to
classes by Hungarian matching when K = 10, by majority vote when K = 30, the
mapping learned on the test set itself as in DEC/AAE tables), the ratio to
k-means mean at the same K, and the training time. k-means is fit on the
training pixels and assigns the test images.

    python benchmarks/clustering.py                      # full run (2-core CPU, JAX: about 30 min)
    python benchmarks/clustering.py --epochs 10 --clusters 10
    python benchmarks/clustering.py --smoke              # CI
    python benchmarks/clustering.py --models --clusters 10 30   # the k-means baseline alone
"""

import argparse
import json
import time

import numpy as np
from sklearn.cluster import KMeans

from keras_perceptual.metrics import clustering_accuracy
from keras_perceptual.recipes import aae
from keras_perceptual.recipes import aae_clustering
from keras_perceptual.recipes import iae

MODELS = ("aae_gan", "aae_mmd", "iae")


# Epochs per model at the defaults: each trains in well under 10 minutes on
# a 2-core CPU (JAX backend).
EPOCHS = {"aae_gan": 12, "aae_mmd": 20, "iae": 8}


def train_model(name, k, args):
    epochs = None if args.smoke else (args.epochs or EPOCHS[name])
    common = dict(epochs=epochs, batch_size=args.batch_size, smoke=args.smoke, seed=args.seed, verbose=0,
                  limit=args.limit)
    if name == "iae":
        options = {} if args.iae_pixel_weight is None else dict(pixel_weight=args.iae_pixel_weight)
        return iae.train(code="categorical", num_clusters=k, **options, **common).model
    regularizer = name.split("_")[1]
    weight = args.gan_weight if regularizer == "gan" else args.mmd_weight
    options = {} if weight is None else dict(regularizer_weight=weight)
    return aae_clustering.train(num_clusters=k, style_dim=args.style_dim, regularizer=regularizer, **options,
                                **common).model


KMEANS_SEEDS = (0, 1, 2, 3, 4)
KMEANS_INIT = 10


def kmeans_accuracy(x_train, x_test, y_test, k, seed, n_init):
    km = KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit(x_train.reshape(len(x_train), -1))
    return clustering_accuracy(y_test, km.predict(x_test.reshape(len(x_test), -1)))


def kmeans_spread(x_train, x_test, y_test, k, seeds=KMEANS_SEEDS, n_init=KMEANS_INIT):
    """k-means clustering accuracy over several seeds: `{"mean", "min",
    "max", "values"}` (one value per seed, in `seeds` order)."""
    values = [kmeans_accuracy(x_train, x_test, y_test, k, seed, n_init) for seed in seeds]
    return {"mean": float(np.mean(values)), "min": float(min(values)), "max": float(max(values)),
            "values": [float(v) for v in values]}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models", nargs="*", default=list(MODELS), choices=MODELS,
                   help="models to train (none: the k-means baseline alone)")
    p.add_argument("--clusters", nargs="+", type=int, default=[10, 30])
    p.add_argument("--epochs", type=int, default=None,
                   help=f"epochs over the training images, every model (default: per model, {EPOCHS})")
    p.add_argument("--batch-size", type=int, default=100)
    p.add_argument("--limit", type=int, default=None, help="training images (default: all 60k)")
    p.add_argument("--style-dim", type=int, default=0, help="AAE style size (0: the code is the category only)")
    p.add_argument("--gan-weight", type=float, default=None,
                   help="lambda of the AAE's GAN regulariser (default: the aae_clustering recipe's)")
    p.add_argument("--mmd-weight", type=float, default=None,
                   help="lambda of the AAE's MMD regulariser (default: the aae_clustering recipe's)")
    p.add_argument("--iae-pixel-weight", type=float, default=None,
                   help="IAE pixel MSE weight (default: the iae recipe's for a categorical code; 0 is the paper)")
    p.add_argument("--kmeans-init", type=int, default=KMEANS_INIT, help="k-means restarts per seed (n_init)")
    p.add_argument("--kmeans-seeds", type=int, nargs="+", default=list(KMEANS_SEEDS),
                   help="k-means seeds: the baseline is their mean, with the min-max spread")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", default=None, help="also write the rows as JSON here")
    p.add_argument("--smoke", action="store_true", help="tiny networks, 256 images, 1 epoch (CI)")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    n_train = 256 if args.smoke else args.limit
    n_test = 500 if args.smoke else None
    x_train = aae.load_images("train", n_train)
    x_test, y_test = aae.load_images("test", n_test, labels=True)
    rows = []
    for k in args.clusters:
        t = time.time()
        km = kmeans_spread(x_train, x_test, y_test, k, args.kmeans_seeds, 1 if args.smoke else args.kmeans_init)
        base = km["mean"]
        rows.append(dict(model="k-means (pixels)", k=k, accuracy=base, ratio=1.0, seconds=time.time() - t,
                         spread=(km["min"], km["max"]), values=km["values"]))
        print(f"k-means K={k}: {base:.4f} (min {km['min']:.4f}, max {km['max']:.4f} over seeds "
              f"{args.kmeans_seeds})", flush=True)
        for name in args.models:
            t = time.time()
            model = train_model(name, k, args)
            seconds = time.time() - t
            clusters = model.predict_clusters(x_test)
            acc = clustering_accuracy(y_test, clusters)
            rows.append(dict(model=name, k=k, accuracy=acc, ratio=acc / base, seconds=seconds,
                             used=int(len(np.unique(clusters)))))
            print(f"{name} K={k}: {acc:.4f} ({rows[-1]['used']} clusters used, {seconds:.0f} s)", flush=True)
    epochs = "1 (smoke)" if args.smoke else (args.epochs or ", ".join(f"{m} {EPOCHS[m]}" for m in args.models))
    budget = f"epochs: {epochs}; {n_train or 60000} images, batch {args.batch_size}"
    print(f"\nFashion-MNIST test clustering accuracy (training budget per model: {budget}; k-means: mean over "
          f"seeds {args.kmeans_seeds}, n_init={1 if args.smoke else args.kmeans_init}, min-max in brackets)")
    print(f"{'model':<18}{'K':>4}{'accuracy':>10}{'':>16}{'vs k-means':>12}{'train s':>9}")
    for r in rows:
        spread = f"({r['spread'][0]:.4f}-{r['spread'][1]:.4f})" if "spread" in r else ""
        print(f"{r['model']:<18}{r['k']:>4}{r['accuracy']:>10.4f}{spread:>16}{r['ratio']:>11.2f}x"
              f"{r['seconds']:>9.0f}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "rows": rows}, f, indent=1)
    return rows


if __name__ == "__main__":
    main()

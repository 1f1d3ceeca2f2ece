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
argmax z (categorical code) or the evaluator's class agreement between an
input and its decodings under 8 noises (continuous code, the paper's
picture: the `iae_fashion_mnist` preset).

    python examples/iae_fashion_mnist.py --epochs 20 --output runs/iae_fashion_mnist
    python examples/iae_fashion_mnist.py --code continuous --epochs 3 --output runs/iae_continuous
    python examples/iae_fashion_mnist.py --smoke --output /tmp/iae_smoke
"""

from pathlib import Path

import keras
import numpy as np

import keras_perceptual as kp
from keras_perceptual import datasets
from keras_perceptual.callbacks import SampleGrid
from keras_perceptual.example_args import example_parser
from keras_perceptual.images import save_image_grid
from keras_perceptual.metrics import class_agreement
from keras_perceptual.metrics import clustering_accuracy
from keras_perceptual.training.pictures import smoke_title

# Fully connected networks for clustering, convolutional ones for the
# continuous code (a fully connected decoder collapsed to one speckle
# pattern); --smoke shrinks them and the data.
FULL = dict(conv_filters=(), units=(512, 512), discriminator_units=(512, 512), train_images=None, test_images=None)
CONTINUOUS = dict(FULL, conv_filters=(32, 64), units=(256,), discriminator_units=(256, 256))
SMOKE = dict(conv_filters=(), units=(32,), discriminator_units=(32,), train_images=256, test_images=500)

# A continuous code trains the paper's IAE (stochastic encoder, decoder noise,
# no pixel loss) with the two departures of the `iae_fashion_mnist` preset,
# without which the decoder ignores the code (README, "The paper's IAE"): a
# unit-variance code (`normalize_code`, in the networks) and InfoGAN's
# code-reconstruction term ||E(G(z, n)) - z||^2, plus a BatchNorm decoder.
CONTINUOUS_OPTIONS = dict(code_reconstruction_weight=3.0)
# A categorical code (clustering)
# collapses to one cluster with the paper's settings; these, tuned on
# Fashion-MNIST with K = 10 (benchmarks/README_clustering.md), each depart from
# it: a deterministic encoder (with encoder noise, the encoder matches the
# uniform prior by drawing the category from its noise), a pixel MSE term that
# carries the reconstruction next to the joint GAN at weight 0.05, one-hot codes
# for the decoder, a batch-marginal entropy term for equal cluster sizes, and
# the autoencoder learning rate 1e-3.
CLUSTERING = dict(pixel_weight=1.0, reconstruction_weight=0.05, regularization_weight=0.1,
                  straight_through="decoder", marginal_entropy_weight=1.0)


def parse_args(argv=None):
    p = example_parser(__doc__, output="runs/iae_fashion_mnist", epochs=10, batch_size=100)
    p.add_argument("--code", default="categorical", choices=["categorical", "continuous"])
    p.add_argument("--clusters", type=int, default=10, help="K of a categorical code")
    p.add_argument("--latent-dim", type=int, default=8, help="size of a continuous code")
    p.add_argument("--pixel-weight", type=float, default=None,
                   help="pixel MSE weight (default: 1 for a categorical code; 0 is the paper)")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    out = Path(args.output)
    categorical = args.code == "categorical"
    size = SMOKE if args.smoke else FULL if categorical else CONTINUOUS
    options = dict(CLUSTERING) if categorical else dict(CONTINUOUS_OPTIONS)
    if args.pixel_weight is not None:
        options["pixel_weight"] = args.pixel_weight
    keras.utils.set_random_seed(args.seed)

    # ## Data
    x = datasets.fashion_mnist_arrays("train", size["train_images"])
    test_x, test_y = datasets.fashion_mnist_arrays("test", size["test_images"], labels=True)

    # ## Prior and networks
    # Encoder [x, noise] -> code, decoder [code, noise] -> x, a joint
    # discriminator [x, code] -> logit and a code discriminator code -> logit.
    prior = kp.priors.CategoricalPrior(args.clusters) if categorical else kp.priors.GaussianPrior(args.latent_dim)
    networks = kp.networks.iae_networks(prior, encoder_noise_dim=0 if categorical else 16, decoder_noise_dim=16,
                                        conv_filters=size["conv_filters"], units=size["units"],
                                        discriminator_units=size["discriminator_units"],
                                        normalize_code=not categorical, decoder_batch_norm=not categorical)

    # ## Model
    model = kp.ImplicitAutoencoder(**networks, prior=prior, seed=args.seed, **options)

    # ## Compile: Adam for the autoencoder, a slower one for both discriminators
    model.compile(optimizer=keras.optimizers.Adam(1e-3 if categorical else 2e-4, beta_1=0.5),
                  optimizers={player: keras.optimizers.Adam(2e-4, beta_1=0.5)
                              for player in model.players if "discriminator" in player})

    # ## Fit, with prior samples and reconstructions drawn each epoch
    grids = SampleGrid(out / "grids", num_samples=64, images=test_x[:16], seed=args.seed, title=smoke_title(args.smoke))
    model.fit(x, batch_size=args.batch_size, epochs=1 if args.smoke else args.epochs, shuffle=True,
              callbacks=[grids], verbose=0 if args.smoke else 2)

    # ## Pictures: same code, different noise
    # One row per test image (one per cluster for a categorical code): the image,
    # then its code decoded with nine decoder noises.
    result = {"model": model, "grid": out / "same_code_different_noise.png"}
    rows = test_x[:10]
    if categorical:
        clusters = model.predict_clusters(test_x)
        result["accuracy"] = clustering_accuracy(test_y, clusters)
        print(f"IAE K={args.clusters}: test clustering accuracy {result['accuracy']:.3f} "
              f"({len(np.unique(clusters))} clusters used)")
        rows = test_x[[int(np.flatnonzero(clusters == c)[0]) for c in np.unique(clusters)][:10]]
    else:
        draws = model.vary_noise(test_x, num_samples=8, seed=args.seed)
        result["agreement"] = class_agreement(test_x, draws)  # in the zoo's evaluator's classes
        print(f"IAE: the evaluator's class of a decoding under 8 decoder noises agrees with its class of the "
              f"input for {result['agreement']:.3f} of the pairs (chance about 0.1)")
    varied = model.vary_noise(rows, num_samples=9, seed=args.seed)
    save_image_grid(np.concatenate([rows[:, None], varied], axis=1).reshape((-1,) + rows.shape[1:]),
                    result["grid"], columns=10, scale=2, title=smoke_title(args.smoke))
    print(f"same code, different noise: {result['grid']}")
    return result


if __name__ == "__main__":
    main()

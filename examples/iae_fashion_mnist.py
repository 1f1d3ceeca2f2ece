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
from keras_perceptual.images import save_image_grid
from keras_perceptual.metrics import class_agreement
from keras_perceptual.metrics import clustering_accuracy
from keras_perceptual.recipes import aae
from keras_perceptual.recipes import get_recipe
from keras_perceptual.training.pictures import smoke_title
from keras_perceptual.training.plans import get_plan

from example_args import example_parser
from example_args import recipe_defaults

# The two set-ups are read from the training recipes, so a change there
# reaches this script (it departs from them in nothing):
# - A categorical code (clustering) takes the `iae_clustering` recipe's
#   defaults: fully connected networks and, since the paper's settings
#   collapse to one cluster, options tuned on Fashion-MNIST with K = 10
#   (benchmarks/README_clustering.md), each a departure from the paper: a
#   deterministic encoder (with encoder noise, the encoder matches the uniform
#   prior by drawing the category from its noise), a pixel MSE term that
#   carries the reconstruction next to the joint GAN (weighted down), one-hot
#   codes for the decoder, a batch-marginal entropy term for equal cluster
#   sizes, and the AAE's autoencoder learning rate.
# - A continuous code trains the paper's IAE (stochastic encoder, decoder
#   noise, no pixel loss) as the `iae` recipe does for the `iae_fashion_mnist`
#   preset (its training plan's options): convolutional networks (a fully
#   connected decoder collapsed to one speckle pattern) and the departures
#   without which the decoder ignores the code (README, "The paper's IAE"): a
#   unit-variance code (`normalize_code`), InfoGAN's code-reconstruction term
#   ||E(G(z, n)) - z||^2 and a BatchNorm decoder.
# --smoke takes the recipe's tiny networks and slice of the data.
PRESET = "iae_fashion_mnist"


def settings(code="categorical", smoke=False):
    """This script's hyper-parameters for a `code`: the recipe's (above)."""
    if code == "categorical":
        return recipe_defaults("iae_clustering", smoke=smoke)
    options = {k: v for k, v in get_plan(PRESET).recipe_options.items() if k != "epochs"}
    if smoke:  # the smoke run's tiny networks, not the preset's
        options = {k: v for k, v in options.items() if k not in get_recipe("iae").smoke}
    return recipe_defaults("iae", smoke=smoke, **dict(options, code=code))


def parse_args(argv=None):
    categorical, continuous = settings("categorical"), settings("continuous")
    p = example_parser(__doc__, output="runs/iae_fashion_mnist", epochs=categorical["epochs"],
                       batch_size=categorical["batch_size"])
    p.add_argument("--code", default=get_recipe("iae").defaults["code"], choices=["categorical", "continuous"])
    p.add_argument("--clusters", type=int, default=categorical["num_clusters"], help="K of a categorical code")
    p.add_argument("--latent-dim", type=int, default=continuous["latent_dim"], help="size of a continuous code")
    p.add_argument("--pixel-weight", type=float, default=None,
                   help=f"pixel MSE weight (default: {categorical['pixel_weight']:g} for a categorical code; "
                        f"{continuous['pixel_weight']:g}, the paper's, for a continuous one)")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    out = Path(args.output)
    categorical = args.code == "categorical"
    hyper = settings(args.code, args.smoke)
    if args.pixel_weight is not None:
        hyper["pixel_weight"] = args.pixel_weight
    keras.utils.set_random_seed(args.seed)

    # ## Data
    x = datasets.fashion_mnist_arrays("train", hyper["limit"])
    test_x, test_y = datasets.fashion_mnist_arrays("test", 500 if args.smoke else None, labels=True)

    # ## Prior and networks
    # Encoder [x, noise] -> code, decoder [code, noise] -> x, a joint
    # discriminator [x, code] -> logit and a code discriminator code -> logit.
    prior = kp.priors.CategoricalPrior(args.clusters) if categorical else kp.priors.GaussianPrior(args.latent_dim)
    networks = kp.networks.iae_networks(prior, encoder_noise_dim=hyper["encoder_noise_dim"],
                                        decoder_noise_dim=hyper["decoder_noise_dim"],
                                        conv_filters=hyper["conv_filters"], units=hyper["units"],
                                        discriminator_units=hyper["discriminator_units"],
                                        normalize_code=hyper["normalize_code"],
                                        decoder_batch_norm=hyper["decoder_batch_norm"])

    # ## Model, with the loss weights and options of the set-up (above)
    model = kp.ImplicitAutoencoder(**networks, prior=prior, seed=args.seed, **{name: hyper[name] for name in (
        "pixel_weight", "reconstruction_weight", "regularization_weight", "straight_through",
        "marginal_entropy_weight", "code_reconstruction_weight")})

    # ## Compile: the recipe's Adam for the autoencoder, a slower one for both discriminators
    autoencoder_adam, discriminator_adam = aae.optimizers(hyper["learning_rate"], hyper["discriminator_learning_rate"])
    model.compile(optimizer=autoencoder_adam,
                  optimizers={player: discriminator_adam() for player in model.players if "discriminator" in player})

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

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
`<prior>/samples.png`, `<prior>/reconstructions.png` and per-epoch grids
under `<prior>/grids/`. `--regularizer mmd` replaces the discriminator by
the MMD of WAE-MMD.

    python examples/aae_fashion_mnist.py --epochs 10 --output runs/aae_fashion_mnist
    python examples/aae_fashion_mnist.py --smoke --output /tmp/aae_smoke
"""

from pathlib import Path

import keras
import numpy as np

import keras_perceptual as kp
from keras_perceptual import datasets
from keras_perceptual.callbacks import SampleGrid
from keras_perceptual.callbacks import interleave_rows
from keras_perceptual.datasets import FASHION_MNIST_CLASSES
from keras_perceptual.images import code_scatter
from keras_perceptual.images import save_image_grid
from keras_perceptual.recipes import aae
from keras_perceptual.training.pictures import smoke_title

from example_args import example_parser
from example_args import recipe_defaults

# The defaults are the `aae` recipe's (`keras-perceptual train aae`), read
# from it: epochs, batch size, code size, learning rates, discriminator size,
# and with --smoke its tiny networks and slice of the data. Where this script
# departs from the recipe, and why:
DEPARTURES = dict(
    # Fully connected networks, as in the paper's MNIST models (the recipe's
    # are convolutional): an epoch takes seconds on a CPU.
    conv_filters=(), units=(512, 512),
)
SMOKE_DEPARTURES = dict(conv_filters=())  # --smoke: the recipe's tiny networks, fully connected as above


def settings(smoke=False):
    """This script's hyper-parameters: the recipe's, with `DEPARTURES` over them."""
    return recipe_defaults("aae", SMOKE_DEPARTURES if smoke else DEPARTURES, smoke=smoke)


def parse_args(argv=None):
    defaults = settings()
    p = example_parser(__doc__, output="runs/aae_fashion_mnist", epochs=defaults["epochs"],
                       batch_size=defaults["batch_size"])
    p.add_argument("--priors", nargs="+", default=["gaussian", "mixture"], choices=["gaussian", "mixture", "swiss_roll"])
    p.add_argument("--regularizer", default=defaults["regularizer"], choices=["gan", "mmd"])
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    out = Path(args.output)
    hyper = settings(args.smoke)

    # ## Data
    # Training images in [-1, 1] with their labels (the supervised mode reads
    # them), and test images for the pictures.
    x, y = datasets.fashion_mnist_arrays("train", hyper["limit"], labels=True)
    test_x, test_y = datasets.fashion_mnist_arrays("test", 200 if args.smoke else 2000, labels=True)

    results = {}
    for name in args.priors:
        keras.utils.set_random_seed(args.seed)
        # ## The prior: what the codes should look like
        # A Gaussian is matched without labels; the mixture and the swiss roll
        # give each class its own region, which the label selects.
        prior = {"gaussian": kp.priors.GaussianPrior(hyper["latent_dim"]),
                 "mixture": kp.priors.GaussianMixturePrior(hyper["num_classes"]),
                 "swiss_roll": kp.priors.SwissRollPrior(hyper["num_classes"])}[name]
        mode = "unsupervised" if name == "gaussian" else "supervised"

        # ## Networks
        # Encoder x -> z, decoder z -> x and, for the GAN regulariser, a latent
        # discriminator z (+ one-hot label) -> logit, sized for the prior.
        networks = kp.networks.aae_networks(prior, regularizer=args.regularizer, mode=mode,
                                            conv_filters=hyper["conv_filters"], units=hyper["units"],
                                            discriminator_units=hyper["discriminator_units"])

        # ## Model
        model = kp.AdversarialAutoencoder(**networks, prior=prior, regularizer=args.regularizer, mode=mode,
                                          seed=args.seed)

        # ## Compile
        # The recipe's optimizers: Adam for the autoencoder, a slower Adam for
        # the discriminator (beta_1 0.5 for both, as is usual for GANs).
        autoencoder_adam, discriminator_adam = aae.optimizers(hyper["learning_rate"],
                                                              hyper["discriminator_learning_rate"])
        model.compile(optimizer=autoencoder_adam,
                      optimizers={player: discriminator_adam() for player in model.players if "discriminator" in player})

        # ## Fit, with prior samples and reconstructions drawn each epoch
        grids = SampleGrid(out / name / "grids", num_samples=64, images=test_x[:16], seed=args.seed,
                           title=smoke_title(args.smoke))
        model.fit(x, y if mode == "supervised" else None, batch_size=args.batch_size,
                  epochs=1 if args.smoke else args.epochs, shuffle=True, callbacks=[grids],
                  verbose=0 if args.smoke else 2)

        # ## Pictures
        # The codes of the test images coloured by class: they should fill the
        # prior's shape, one region per class for the supervised priors.
        z = model.encode(test_x)
        code_scatter(z, test_y, out / name / "code_scatter.png", class_names=FASHION_MNIST_CLASSES,
                     title=smoke_title(args.smoke))
        save_image_grid(model.generate(64, seed=args.seed), out / name / "samples.png", scale=2,
                        title=smoke_title(args.smoke))
        recon = model.reconstruct(test_x[:32])
        save_image_grid(interleave_rows(test_x[:32], recon), out / name / "reconstructions.png", columns=16, scale=2,
                        row_labels=["original", "reconstruction"], title=smoke_title(args.smoke))
        print(f"{name} prior ({mode}): code mean {np.round(z.mean(0), 2)}, std {np.round(z.std(0), 2)}; "
              f"pictures in {out / name}")
        results[name] = model
    return results


if __name__ == "__main__":
    main()

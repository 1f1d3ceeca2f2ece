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

The comparator is the zoo's Fashion-MNIST classifier (the preset
`fashion_mnist_classifier`). The script writes prior samples and
reconstructions each epoch, then reconstructions, samples and an
interpolation strip.

    python examples/deepsim_vae.py --epochs 5 --output runs/deepsim_vae
    python examples/deepsim_vae.py --smoke --output /tmp/deepsim_vae_smoke
"""

from pathlib import Path

import keras

import keras_perceptual as kp
from keras_perceptual import datasets
from keras_perceptual.callbacks import SampleGrid
from keras_perceptual.callbacks import interleave_rows
from keras_perceptual.images import save_image_grid
from keras_perceptual.recipes.deepsim import CLASSIFIER_PRESET
from keras_perceptual.training.pictures import smoke_title

from example_args import example_parser
from example_args import recipe_defaults

# The defaults are the `deepsim_vae` recipe's (`keras-perceptual train
# deepsim_vae`), read from it: epochs, batch size, the KL weight, the
# comparator's layers and preset, the learning rate, and with --smoke its
# slice of the data and no XLA (compiling costs more than a few steps). The
# script departs from none of them.
DEFAULTS = recipe_defaults("deepsim_vae")
SMOKE = recipe_defaults("deepsim_vae", smoke=True)


def parse_args(argv=None):
    p = example_parser(__doc__, output="runs/deepsim_vae", epochs=DEFAULTS["epochs"], batch_size=DEFAULTS["batch_size"])
    p.add_argument("--comparator", default=CLASSIFIER_PRESET,
                   help="the classifier preset (or .weights.h5) whose features compare images; untrained with --smoke")
    p.add_argument("--kl-weight", type=float, default=DEFAULTS["kl_weight"],
                   help=f"KL weight, relative to the mean distances (default {DEFAULTS['kl_weight']})")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    out = Path(args.output)
    hyper = SMOKE if args.smoke else DEFAULTS
    keras.utils.set_random_seed(args.seed)

    # ## Data
    train = datasets.fashion_mnist_dataset("train", args.batch_size, seed=args.seed,
                                           limit=hyper["smoke_batches"] * args.batch_size if args.smoke else None)
    test_x = datasets.fashion_mnist_arrays("test", 32)

    # ## The comparator: two depths of the frozen classifier
    # A smoke run uses an untrained network (no download, no meaning).
    comparator = kp.comparators.fashion_mnist_comparator(hyper["comparator_layers"],
                                                         weights=None if args.smoke else args.comparator)

    # ## Networks
    # Encoder x -> (mean, log_var), generator z -> x, discriminator x -> logit.
    networks = kp.networks.deepsim_networks("vae", "small28", channels=1, comparator=comparator)

    # ## Model
    model = kp.DeePSiMVAE(**networks, comparator=comparator, kl_weight=args.kl_weight, seed=args.seed)

    # ## Compile: one Adam for both players, the paper's (2e-4, beta 0.9 / 0.999)
    # A smoke run skips XLA: compiling costs more than its few steps.
    model.compile(optimizer=keras.optimizers.Adam(hyper["learning_rate"], beta_1=0.9, beta_2=0.999),
                  jit_compile=hyper["jit_compile"])

    # ## Fit, with prior samples and reconstructions drawn each epoch
    grids = SampleGrid(out / "grids", num_samples=64, images=test_x[:16], seed=args.seed, title=smoke_title(args.smoke))
    model.fit(train, epochs=1 if args.smoke else args.epochs, callbacks=[grids], verbose=0 if args.smoke else 2)

    # ## Pictures
    save_image_grid(interleave_rows(test_x, model.reconstruct(test_x)), out / "reconstructions.png", columns=16,
                    scale=2, title=smoke_title(args.smoke))
    save_image_grid(model.generate(100, seed=args.seed), out / "samples.png", columns=10, scale=2,
                    title=smoke_title(args.smoke))
    save_image_grid(model.interpolate(test_x[0], test_x[1], steps=10), out / "interpolation.png", columns=10, scale=2,
                    title=smoke_title(args.smoke))
    model.save(out / "model.keras")
    print(f"wrote {out}/reconstructions.png, samples.png, interpolation.png, model.keras")
    return model


if __name__ == "__main__":
    main()

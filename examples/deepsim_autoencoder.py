"""
Title: DeePSiM autoencoder on Fashion-MNIST
Description: An autoencoder with a small spatial code, trained with a perceptual loss.
Reference: Dosovitskiy & Brox, "Generating images with perceptual similarity metrics based on deep networks", NIPS 2016 (arXiv 1602.02644)

A pixel-wise L2 loss makes an autoencoder with a small code produce the
blurry average of every image the code could stand for. DeePSiM measures the
error in the feature space of a fixed comparator network instead
(lambda_feat * ||C(G(x)) - C(x)||^2), adds an adversarial term from a
discriminator trained alongside (a natural-image prior against the
comparator's blind spots) and a small pixel term (stability):

    generator (encoder + decoder) <- lambda_feat * feature + lambda_img * pixel + lambda_adv * adversarial
    discriminator                 <- real vs reconstructed, paused while it is too good

The paper's autoencoder squeezes 64x64 images into an 8x8x8 code; here
28x28 Fashion-MNIST goes through a 7x7x2 code (the same 8x reduction per
value), with the zoo's Fashion-MNIST classifier (the preset
`fashion_mnist_classifier`) as comparator. The script writes reconstruction
grids each epoch, then an interpolation strip between two test images and
the saved model.

    python examples/deepsim_autoencoder.py --epochs 5 --output runs/deepsim_autoencoder
    python examples/deepsim_autoencoder.py --smoke --output /tmp/deepsim_ae_smoke
"""

from pathlib import Path

import keras

import keras_perceptual as kp
from keras_perceptual import datasets
from keras_perceptual.callbacks import interleave_rows
from keras_perceptual.images import save_image_grid
from keras_perceptual.recipes.deepsim import CLASSIFIER_PRESET
from keras_perceptual.training.pictures import smoke_title

from example_args import example_parser
from example_args import recipe_defaults

# The defaults are the `deepsim_autoencoder` recipe's (`keras-perceptual train
# deepsim_autoencoder`), read from it: epochs, batch size, the loss weights,
# the comparator's layers and preset, the learning rate, and with --smoke its
# slice of the data and no XLA (compiling costs more than a few steps). The
# script departs from none of them.
DEFAULTS = recipe_defaults("deepsim_autoencoder")
SMOKE = recipe_defaults("deepsim_autoencoder", smoke=True)


def parse_args(argv=None):
    p = example_parser(__doc__, output="runs/deepsim_autoencoder", epochs=DEFAULTS["epochs"],
                       batch_size=DEFAULTS["batch_size"])
    p.add_argument("--comparator", default=CLASSIFIER_PRESET,
                   help="the classifier preset (or .weights.h5) whose features compare images; untrained with --smoke")
    for weight in ("lambda_feat", "lambda_img", "lambda_adv"):
        p.add_argument("--" + weight.replace("_", "-"), type=float, default=DEFAULTS[weight],
                       help=f"default {DEFAULTS[weight]}")
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

    # ## The comparator: a frozen network whose features measure the error
    # Two depths of the classifier: an early layer (edges, strokes) and a later
    # one (parts). A smoke run uses an untrained network (no download, no meaning).
    comparator = kp.comparators.fashion_mnist_comparator(hyper["comparator_layers"],
                                                         weights=None if args.smoke else args.comparator)

    # ## Networks
    # Encoder x -> 7x7x2 code, generator code -> x (up-convolutions), and a
    # discriminator x -> logit.
    networks = kp.networks.deepsim_networks("autoencoder", "small28", channels=1, comparator=comparator)

    # ## Model
    model = kp.DeePSiMAutoencoder(**networks, comparator=comparator, lambda_feat=args.lambda_feat,
                                  lambda_img=args.lambda_img, lambda_adv=args.lambda_adv, seed=args.seed)

    # ## Compile: one Adam for both players, the paper's (2e-4, beta 0.9 / 0.999)
    # A smoke run skips XLA: compiling costs more than its few steps.
    model.compile(optimizer=keras.optimizers.Adam(hyper["learning_rate"], beta_1=0.9, beta_2=0.999),
                  jit_compile=hyper["jit_compile"])

    # ## Fit, with reconstructions of test images drawn each epoch
    # (The autoencoder has no prior to sample, so a small callback of its own.)
    def draw_reconstructions(epoch, logs):
        save_image_grid(interleave_rows(test_x[:16], model.reconstruct(test_x[:16])),
                        out / "grids" / f"reconstructions_epoch{epoch + 1:03d}.png", columns=16, scale=2,
                        title=smoke_title(args.smoke))

    model.fit(train, epochs=1 if args.smoke else args.epochs, verbose=0 if args.smoke else 2,
              callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=draw_reconstructions)])

    # ## Pictures
    # Reconstructions under their originals, and the decoded straight line
    # between two test images' codes.
    save_image_grid(interleave_rows(test_x, model.reconstruct(test_x)), out / "reconstructions.png", columns=16,
                    scale=2, title=smoke_title(args.smoke))
    save_image_grid(model.interpolate(test_x[0], test_x[1], steps=10), out / "interpolation.png", columns=10, scale=2,
                    title=smoke_title(args.smoke))
    model.save(out / "model.keras")
    print(f"wrote {out}/reconstructions.png, interpolation.png, model.keras")
    return model


if __name__ == "__main__":
    main()

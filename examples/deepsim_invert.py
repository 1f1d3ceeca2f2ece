"""
Title: Inverting a classifier's features with DeePSiM
Description: Decoders from a network's features at several depths back to the image, and iterated re-encoding.
Reference: Dosovitskiy & Brox, "Generating images with perceptual similarity metrics based on deep networks", NIPS 2016 (arXiv 1602.02644)

What does a network keep of an image at a given layer? Train a decoder (no
encoder: the network itself is the frozen encoder) that maps the layer's
features back to the image, with the DeePSiM loss. The paper inverts
AlexNet from conv5 to fc8: the earlier the layer, the more exact the
inversion, while deep layers keep only what the class needs. Feeding an
inversion back through the network and inverting again (image -> features
-> image -> ...) keeps the images semantically close.

Here the network is the zoo's Fashion-MNIST classifier (the preset
`fashion_mnist_classifier`); one inverter is trained per layer of `--layers`. The discriminator sees the image and the
features being inverted (the paper's comparator branch). Outputs:
`inversions.png` (originals, then one row per layer, shallow to deep) and
`reencoding_<layer>.png` (originals, then each re-encoding step).

    python examples/deepsim_invert.py --epochs 3 --output runs/deepsim_invert
    python examples/deepsim_invert.py --smoke --output /tmp/deepsim_invert_smoke
"""

from pathlib import Path

import keras
import numpy as np

import keras_perceptual as kp
from keras_perceptual import datasets
from keras_perceptual.callbacks import interleave_rows
from keras_perceptual.images import save_image_grid
from keras_perceptual.recipes.deepsim import CLASSIFIER_PRESET
from keras_perceptual.training.pictures import smoke_title

from example_args import example_parser
from example_args import recipe_defaults

# The defaults are the `deepsim_inverter` recipe's (`keras-perceptual train
# deepsim_inverter`), read from it: epochs, batch size, the comparator's
# layers and preset, the learning rate, and with --smoke its slice of the data
# and no XLA (compiling costs more than a few steps); the discriminator sees
# the target's features, as the recipe's inverters do. The script departs
# from none of them; it inverts several layers, a model each (the recipe:
# one, `inverted_layer`).
DEFAULTS = recipe_defaults("deepsim_inverter")
SMOKE = recipe_defaults("deepsim_inverter", smoke=True)


def parse_args(argv=None):
    p = example_parser(__doc__, output="runs/deepsim_invert", epochs=DEFAULTS["epochs"],
                       batch_size=DEFAULTS["batch_size"])
    p.add_argument("--layers", default="block1_act2,block2_act2,fc1_act",
                   help="classifier layers to invert, shallow to deep (--smoke: the first two)")
    p.add_argument("--chain-steps", type=int, default=4, help="re-encoding steps")
    p.add_argument("--comparator", default=CLASSIFIER_PRESET,
                   help="the classifier preset (or .weights.h5) to invert; untrained with --smoke")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    out = Path(args.output)
    hyper = SMOKE if args.smoke else DEFAULTS
    layers = [name.strip() for name in args.layers.split(",") if name.strip()][: 2 if args.smoke else None]

    # ## Data
    train = datasets.fashion_mnist_dataset("train", args.batch_size, seed=args.seed,
                                           limit=hyper["smoke_batches"] * args.batch_size if args.smoke else None)
    test_x = datasets.fashion_mnist_arrays("test", 10)

    # ## The network to invert, which is also the comparator
    # Its features at two depths measure the inversions' error. A smoke run
    # uses an untrained network (no download, no meaning).
    comparator = kp.comparators.fashion_mnist_comparator(hyper["comparator_layers"],
                                                         weights=None if args.smoke else args.comparator)

    rows = [test_x]
    for layer in layers:
        keras.utils.set_random_seed(args.seed)
        # ## Networks
        # The "encoder" is the frozen classifier up to `layer`; the generator maps
        # its features back to the image; the discriminator sees the image and
        # the comparator's features of the target (the paper's second branch).
        networks = kp.networks.deepsim_networks("inverter", "small28", channels=1, comparator=comparator,
                                                inverted_layer=layer, discriminator_features=True)

        # ## Model and compile (the paper's Adam)
        model = kp.DeePSiMInverter(**networks, comparator=comparator, seed=args.seed)
        model.compile(optimizer=keras.optimizers.Adam(hyper["learning_rate"], beta_1=0.9, beta_2=0.999),
                      jit_compile=hyper["jit_compile"])

        # ## Fit, with the inversions of the test images drawn each epoch
        # (An inverter has no prior to sample, so a small callback of its own.)
        def draw_inversions(epoch, logs, model=model, folder=out / layer / "grids"):
            save_image_grid(interleave_rows(test_x, model.reconstruct(test_x), columns=len(test_x)),
                            folder / f"reconstructions_epoch{epoch + 1:03d}.png", columns=len(test_x), scale=2,
                            title=smoke_title(args.smoke))

        model.fit(train, epochs=1 if args.smoke else args.epochs, verbose=0 if args.smoke else 2,
                  callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=draw_inversions)])

        # ## Pictures: one row of inversions per layer, and the re-encoding chain
        # Rows of `reencoding_<layer>.png`: the originals, then each re-encoding.
        rows.append(model.reconstruct(test_x))
        chain = model.reencode_chain(test_x, steps=args.chain_steps)
        save_image_grid(chain.reshape((-1,) + test_x.shape[1:]), out / f"reencoding_{layer}.png",
                        columns=len(test_x), scale=2, title=smoke_title(args.smoke))
        print(f"{layer}: features {model.code_shape}, pixel MSE of the inversion "
              f"{float(np.mean((rows[-1] - test_x) ** 2)):.4f}")
    save_image_grid(np.concatenate(rows), out / "inversions.png", columns=len(test_x), scale=2,
                    title=smoke_title(args.smoke))
    print(f"wrote {out}/inversions.png and reencoding_<layer>.png for {layers}")
    return rows


if __name__ == "__main__":
    main()

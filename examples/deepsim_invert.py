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

Here the network is the zoo's Fashion-MNIST classifier; one inverter is
trained per layer of `--layers`. The discriminator sees the image and the
features being inverted (the paper's comparator branch). Outputs:
`inversions.png` (originals, then one row per layer, shallow to deep) and
`reencoding_<layer>.png` (originals, then each re-encoding step).

    python examples/deepsim_invert.py --comparator-weights runs/classifier/classifier.weights.h5 \
        --epochs 3 --output runs/deepsim_invert
    python examples/deepsim_invert.py --smoke --output /tmp/deepsim_invert_smoke
"""

import argparse
import json
from pathlib import Path

import numpy as np

from keras_perceptual import datasets
from keras_perceptual.images import save_image_grid
from keras_perceptual.recipes import deepsim_inverter as recipe


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--output", default="runs/deepsim_invert", help="folder for the grids")
    p.add_argument("--layers", default="block1_act2,block2_act2,fc1_act",
                   help="classifier layers to invert, shallow to deep")
    p.add_argument("--epochs", type=int, default=None, help="epochs per inverter (default 10)")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--chain-steps", type=int, default=4, help="re-encoding steps")
    p.add_argument("--comparator-weights", default=None,
                   help="classifier .weights.h5 (default: trained first; untrained with --smoke)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--smoke", action="store_true", help="a few steps on a slice of the data (CI)")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    out = Path(args.output)
    layers = [name.strip() for name in args.layers.split(",") if name.strip()]
    if args.smoke:
        layers = layers[:2]
    x = datasets.to_unit_range(datasets.load_fashion_mnist("test")[0][:10])[..., None]
    rows, records = [x], {}
    weights = args.comparator_weights
    for layer in layers:
        model = recipe.train(output=out / layer, epochs=args.epochs, batch_size=args.batch_size,
                             smoke=args.smoke, seed=args.seed, verbose=0 if args.smoke else 2,
                             comparator_weights=weights, inverted_layer=layer)
        # Reuse the classifier trained by the first inverter, if any.
        weights = weights or model.comparator.weights_reference
        rows.append(model.reconstruct(x))
        chain = model.reencode_chain(x, steps=args.chain_steps)
        save_image_grid(chain.reshape((-1,) + x.shape[1:]), out / f"reencoding_{layer}.png", columns=len(x), scale=2)
        records[layer] = model.training_record
        print(layer, "feature shape", model.code_shape, "pixel MSE of the inversion",
              float(np.mean((rows[-1] - x) ** 2)))
    save_image_grid(np.concatenate(rows), out / "inversions.png", columns=len(x), scale=2)
    (out / "training_records.json").write_text(json.dumps(records, indent=2))
    print(f"wrote {out}/inversions.png and reencoding_<layer>.png for {layers}")
    return records


if __name__ == "__main__":
    main()

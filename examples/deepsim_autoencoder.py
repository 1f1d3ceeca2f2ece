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
value), with the zoo's Fashion-MNIST classifier as comparator. The script
writes reconstruction grids, an interpolation strip between two test images
and the saved model.

    python examples/deepsim_autoencoder.py --comparator-weights runs/classifier/classifier.weights.h5 \
        --epochs 5 --output runs/deepsim_autoencoder
    python examples/deepsim_autoencoder.py --smoke --output /tmp/deepsim_ae_smoke
"""

import argparse
import json
from pathlib import Path

from keras_perceptual import datasets
from keras_perceptual.callbacks import interleave_rows
from keras_perceptual.images import save_image_grid
from keras_perceptual.recipes import deepsim_autoencoder as recipe


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--output", default="runs/deepsim_autoencoder", help="folder for grids and the model")
    p.add_argument("--epochs", type=int, default=None, help="epochs over the 60k training images (default 10)")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--comparator-weights", default=None,
                   help="classifier .weights.h5 (default: trained first; untrained with --smoke)")
    p.add_argument("--lambda-feat", type=float, default=1.0)
    p.add_argument("--lambda-img", type=float, default=0.1)
    p.add_argument("--lambda-adv", type=float, default=0.01)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--smoke", action="store_true", help="a few steps on a slice of the data (CI)")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    out = Path(args.output)
    model = recipe.train(output=out, epochs=args.epochs, batch_size=args.batch_size, smoke=args.smoke,
                         seed=args.seed, verbose=0 if args.smoke else 2,
                         comparator_weights=args.comparator_weights, lambda_feat=args.lambda_feat,
                         lambda_img=args.lambda_img, lambda_adv=args.lambda_adv)
    x = datasets.to_unit_range(datasets.load_fashion_mnist("test")[0][:32])[..., None]
    save_image_grid(interleave_rows(x, model.reconstruct(x)), out / "reconstructions.png", columns=16, scale=2)
    save_image_grid(model.interpolate(x[0], x[1], steps=10), out / "interpolation.png", columns=10, scale=2)
    model.save(out / "model.keras")
    (out / "training_record.json").write_text(json.dumps(model.training_record, indent=2))
    print(json.dumps(model.training_record["final_losses"], indent=1))
    print(f"wrote {out}/reconstructions.png, interpolation.png, model.keras")
    return model


if __name__ == "__main__":
    main()

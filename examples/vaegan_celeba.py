"""
Title: VAE/GAN on CelebA 64x64, the authors' recipe
Description: Larsen et al.'s full CelebA experiment: networks, preprocessing, optimiser.
Reference: Larsen, Sønderby, Larochelle, Winther, ICML 2016 (arXiv 1512.09300)

The authors' 64x64 encoder / decoder / discriminator
(`keras_perceptual.networks.vaegan_networks("larsen64")`), Dis_l = the
discriminator's 4th convolution before its BatchNorm, gamma = 1e-6, the
equilibrium rule (margin 0.35 around 0.68), RMSProp from 3.9e-4 decayed by
0.75 every 250 batches, batch 64, 250 such "epochs" (62.5k steps). CelebA
goes through tensorflow_datasets (`celeb_a`) with the authors' crop
(rows 40:188, columns 15:163), Gaussian blur and bicubic resize to 64x64.

CelebA's files cannot be downloaded by tfds automatically: place them where
tfds expects them (see the tfds `celeb_a` page) or pass `--data-dir`.
`--conditional` conditions on the 40 attributes (paper §4.2). After
training, publish the result with

    model.save_pretrained("weights/celeba64")            # then
    model.push_to_hub("your-org/keras-perceptual-celeba64")

`--smoke` runs 4 steps of 4 images on `tfds.testing.mock_data` (random
images in CelebA's format), so this script is tested without the dataset
(about 25 s on TensorFlow, 60 s on JAX and PyTorch, 2-core CPU).

    python examples/vaegan_celeba.py --output runs/celeba64 --save-preset weights/celeba64
    python examples/vaegan_celeba.py --smoke --output /tmp/celeba_smoke
"""

import argparse
import contextlib
import json
from pathlib import Path

from keras_perceptual.images import save_image_grid
from keras_perceptual.recipes import vaegan as recipe
from keras_perceptual.training.pictures import smoke_title

# The smoke run checks that the recipe runs, in seconds: its usual 4 steps
# (`smoke_batches`), of 4 images instead of the recipe's batch size.
SMOKE_BATCH_SIZE = 4


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--output", default="runs/vaegan_celeba64")
    epochs = recipe.RECIPE.default_epochs("celeba")
    p.add_argument("--epochs", type=int, default=None,
                   help=f"passes over CelebA's training split (default: the recipe's, {epochs})")
    p.add_argument("--batch-size", type=int, default=None,
                   help=f"images per step (default: the recipe's, {recipe.RECIPE.batch_size}, the authors'; "
                        f"{SMOKE_BATCH_SIZE} with --smoke)")
    p.add_argument("--conditional", action="store_true", help="condition on the 40 attributes")
    p.add_argument("--data-dir", default=None, help="tensorflow_datasets data_dir holding celeb_a")
    p.add_argument("--save-preset", default=None, help="write a preset folder here after training")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--smoke", action="store_true", help="a few steps on tfds mock data (no CelebA needed)")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.batch_size is None:
        args.batch_size = SMOKE_BATCH_SIZE if args.smoke else recipe.RECIPE.batch_size
    out = Path(args.output)
    context = contextlib.nullcontext()
    if args.smoke:
        import tensorflow_datasets as tfds

        context = tfds.testing.mock_data(num_examples=recipe.RECIPE.smoke_batches * args.batch_size)
    with context:
        record = recipe.train(output=out, epochs=args.epochs, batch_size=args.batch_size, smoke=args.smoke,
                              seed=args.seed, dataset="celeba", conditional=args.conditional,
                              data_dir=args.data_dir, verbose=0 if args.smoke else 1)
    model = record.model
    if not args.conditional:
        save_image_grid(model.generate(64, seed=args.seed), out / "samples.png", columns=8,
                        title=smoke_title(args.smoke))
    model.save(out / "model.keras")
    (out / "training_record.json").write_text(json.dumps(record.to_dict(), indent=2))
    if args.save_preset:
        model.save_pretrained(args.save_preset, metadata={"training": record.to_dict()})
    print(f"wrote {out}")
    return record


if __name__ == "__main__":
    main()

"""
Title: VAE/GAN on Fashion-MNIST
Description: Autoencoding beyond pixels with a learned similarity metric.
Reference: Larsen, Sønderby, Larochelle, Winther, ICML 2016 (arXiv 1512.09300)

A VAE/GAN is a VAE whose decoder is also a GAN generator. Its reconstruction
error is measured in the discriminator's l-th layer (Dis_l) instead of
pixels, so the decoder is pushed toward images the discriminator sees as
the same, not toward the blurry pixel-wise mean. Three players train
simultaneously from one forward pass:

    encoder       <- KL + feature loss
    decoder       <- gamma * feature loss - GAN loss
    discriminator <- GAN loss

This script trains the small 28x28 networks on Fashion-MNIST, writes a sample
grid and a reconstruction grid each epoch, then a final sample grid,
reconstructions of test images and an interpolation strip, and saves the
model. `--conditional` feeds the class label to the decoder and the
discriminator (paper §4.2).

    python examples/vaegan_fashion_mnist.py --epochs 10 --output runs/vaegan
    python examples/vaegan_fashion_mnist.py --smoke --output /tmp/vaegan_smoke
"""

from pathlib import Path

import keras
import numpy as np

import keras_perceptual as kp
from keras_perceptual import datasets
from keras_perceptual.callbacks import SampleGrid
from keras_perceptual.callbacks import interleave_rows
from keras_perceptual.images import save_image_grid
from keras_perceptual.training.pictures import smoke_title

from example_args import example_parser
from example_args import recipe_defaults

# The defaults of the `vaegan` recipe on Fashion-MNIST (`keras-perceptual train
# vaegan`), read from it: epochs, batch size, gamma, the decoder's GAN loss, the
# learning rate and its decay. The script departs from none of them.
DEFAULTS = recipe_defaults("vaegan", dataset="fashion_mnist")


def parse_args(argv=None):
    p = example_parser(__doc__, output="runs/vaegan_fashion_mnist", epochs=DEFAULTS["epochs"],
                       batch_size=DEFAULTS["batch_size"])
    # The paper's gamma (1e-6) is for summed 8x8x256 CelebA features; the 7x7x128
    # feature loss here is ~450 against a GAN loss of ~1, so the recipe's is larger.
    p.add_argument("--gamma", type=float, default=DEFAULTS["gamma"],
                   help=f"feature-loss weight in the decoder's update (default {DEFAULTS['gamma']})")
    p.add_argument("--conditional", action="store_true", help="condition on the class label")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    out = Path(args.output)
    keras.utils.set_random_seed(args.seed)
    num_classes = 10 if args.conditional else 0

    # ## Data
    # Fashion-MNIST's 60k training images in [-1, 1] as a `tf.data` pipeline, with
    # one-hot labels for the conditional model; 16 test images to reconstruct.
    train = datasets.fashion_mnist_dataset("train", args.batch_size, labels=args.conditional, one_hot=True,
                                           limit=DEFAULTS["smoke_batches"] * args.batch_size if args.smoke else None,
                                           seed=args.seed)
    test_x, test_y = datasets.fashion_mnist_arrays("test", 16, labels=True)
    test_c = np.eye(10, dtype="float32")[test_y] if args.conditional else None

    # ## Networks
    # Encoder x -> (mean, log_var), decoder z (+ label) -> x, discriminator
    # x (+ label) -> (logit, Dis_l(x)): the paper's architecture scaled to 28x28.
    networks = kp.networks.vaegan_networks("small28", channels=1, latent_dim=DEFAULTS["latent_dim"],
                                           condition_dim=num_classes)

    # ## Model
    # The non-saturating decoder loss keeps the decoder's gradient alive while
    # the discriminator is ahead (the paper's saturating form stalled here).
    model = kp.VAEGAN(**networks, gamma=args.gamma, decoder_gan_loss=DEFAULTS["decoder_gan_loss"], seed=args.seed)

    # ## Compile
    # One RMSProp for every player, its learning rate decayed by 0.75 every
    # `lr_decay_steps` steps (the authors: 0.75 every 250 batches of CelebA).
    schedule = keras.optimizers.schedules.ExponentialDecay(DEFAULTS["learning_rate"],
                                                           decay_steps=DEFAULTS["lr_decay_steps"], decay_rate=0.75,
                                                           staircase=True)
    model.compile(optimizer=keras.optimizers.RMSprop(schedule))

    # ## Fit, with a callback that draws samples and reconstructions each epoch
    # Conditional samples cycle through the classes: one titled column per class.
    sample_c = np.eye(10, dtype="float32")[np.arange(60) % 10] if args.conditional else None
    grids = SampleGrid(out / "grids", num_samples=60 if args.conditional else 64, images=test_x,
                       conditions=(sample_c, test_c) if args.conditional else None, seed=args.seed,
                       class_names=datasets.FASHION_MNIST_CLASSES if args.conditional else None,
                       title=smoke_title(args.smoke))
    model.fit(train, epochs=1 if args.smoke else args.epochs, callbacks=[grids], verbose=0 if args.smoke else 2)

    # ## Pictures
    # 100 samples (for the conditional model, one row per class), reconstructions
    # under their originals, and the decoded line between two test images' codes.
    all_classes = np.eye(10, dtype="float32")[np.repeat(np.arange(10), 10)] if args.conditional else None
    samples = model.generate(100, conditions=all_classes, seed=args.seed)
    recon = model.reconstruct(test_x, conditions=test_c)
    strip = model.interpolate(test_x[0], test_x[1], steps=10, conditions=None if test_c is None else test_c[0])
    save_image_grid(samples, out / "samples.png", columns=10, scale=2,
                    row_labels=datasets.FASHION_MNIST_CLASSES if args.conditional else None,
                    title=smoke_title(args.smoke))
    save_image_grid(interleave_rows(test_x, recon), out / "reconstructions.png", columns=16, scale=2,
                    row_labels=["original", "reconstruction"], title=smoke_title(args.smoke))
    save_image_grid(strip, out / "interpolation.png", columns=10, scale=2, title=smoke_title(args.smoke))
    model.save(out / "model.keras")
    print(f"wrote {out}/samples.png, reconstructions.png, interpolation.png, model.keras")
    return model


if __name__ == "__main__":
    main()

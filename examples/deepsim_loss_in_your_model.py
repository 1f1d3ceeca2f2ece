"""
Title: The DeePSiM loss in your own Keras model
Description: A functional-API upsampler trained with plain compile()/fit() and DeePSiMLoss.
Reference: Dosovitskiy & Brox, "Generating images with perceptual similarity metrics based on deep networks", NIPS 2016 (arXiv 1602.02644)

Most users will meet this library as a loss. `kp.losses.DeePSiMLoss` is an
ordinary `keras.losses.Loss`: give it a comparator (a frozen feature
extractor: VGG16/VGG19 from keras.applications, the zoo's Fashion-MNIST
classifier, or any Keras model and layer names) and compile any model that
outputs images in [-1, 1]:

    comparator = kp.comparators.fashion_mnist_comparator(weights="fashion_mnist_classifier")
    model.compile(optimizer="adam", loss=kp.losses.DeePSiMLoss(comparator, lambda_img=0.1))
    model.fit(inputs, target_images)

It works on TensorFlow, JAX and PyTorch, takes sample weights, and saves
with the model (the comparator is stored as a reference: backbone name,
layers, weights preset). Here: 4x super-resolution of Fashion-MNIST (7x7 ->
28x28) with a small functional upsampler, trained once with MSE and once
with DeePSiMLoss for the same steps; the script prints both test MSEs and
writes `comparison.png` (targets, bicubic-like inputs, MSE, DeePSiM rows).

    python examples/deepsim_loss_in_your_model.py --epochs 3
    python examples/deepsim_loss_in_your_model.py --smoke --output /tmp/deepsim_loss_smoke
"""

from pathlib import Path

import keras
import numpy as np
from keras import layers

import keras_perceptual as kp
from keras_perceptual import datasets
from keras_perceptual.images import save_image_grid
from keras_perceptual.recipes.deepsim import CLASSIFIER_PRESET
from keras_perceptual.training.pictures import smoke_title

from example_args import example_parser
from example_args import recipe_defaults

# The loss is the `deepsim_autoencoder` recipe's, read from it: its feature and
# pixel weights and its comparator (layers and preset), and so is the batch
# size. The model is not a DeePSiM model but a plain upsampler, trained as
# such; where the script departs from the recipe, and why:
DEPARTURES = dict(
    # A plain supervised model (no discriminator to keep pace with): Adam's
    # usual learning rate, a few epochs on a third of the training set.
    learning_rate=1e-3, epochs=3, limit=20000,
)
DEFAULTS = recipe_defaults("deepsim_autoencoder", DEPARTURES)


def upsampler(name):
    """7x7 -> 28x28: two up-convolutions (upsampling + convolution)."""
    x_in = keras.Input((7, 7, 1))
    h = layers.Conv2D(64, 3, padding="same", activation="relu")(x_in)
    h = kp.layers.UpConvolution2D(64, 3, activation="relu")(h)
    h = kp.layers.UpConvolution2D(32, 3, activation="relu")(h)
    out = layers.Conv2D(1, 3, padding="same", activation="tanh")(h)
    return keras.Model(x_in, out, name=name)


def downsample(images):
    """28x28 -> 7x7 by averaging 4x4 blocks."""
    n = len(images)
    return images.reshape(n, 7, 4, 7, 4, 1).mean(axis=(2, 4))


def parse_args(argv=None):
    p = example_parser(__doc__, output="runs/deepsim_loss_in_your_model", epochs=DEFAULTS["epochs"],
                       batch_size=DEFAULTS["batch_size"])
    p.add_argument("--train-images", type=int, default=DEFAULTS["limit"])
    p.add_argument("--comparator", default=CLASSIFIER_PRESET,
                   help="the classifier preset (or .weights.h5) whose features compare images; untrained with --smoke")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    out = Path(args.output)

    # ## Data
    # Targets: Fashion-MNIST images in [-1, 1]; inputs: the same images averaged
    # down to 7x7.
    targets = datasets.fashion_mnist_arrays("train", 256 if args.smoke else args.train_images)
    test = datasets.fashion_mnist_arrays("test", 256 if args.smoke else 2000)
    inputs, test_inputs = downsample(targets), downsample(test)

    # ## The loss
    # The comparator: the zoo's Fashion-MNIST classifier (a preset), frozen,
    # compared at two depths. A smoke run uses an untrained network. DeePSiMLoss
    # adds a small pixel term (lambda_img) for stability.
    comparator = kp.comparators.fashion_mnist_comparator(DEFAULTS["comparator_layers"],
                                                         weights=None if args.smoke else args.comparator)
    losses = {"mse": "mse", "deepsim": kp.losses.DeePSiMLoss(comparator, lambda_feat=DEFAULTS["lambda_feat"],
                                                             lambda_img=DEFAULTS["lambda_img"])}

    # ## The same model, compiled with each loss
    results = {}
    rows = [test[:16], np.repeat(np.repeat(test_inputs[:16], 4, axis=1), 4, axis=2)]
    for name, loss in losses.items():
        keras.utils.set_random_seed(args.seed)
        model = upsampler(f"upsampler_{name}")
        model.compile(optimizer=keras.optimizers.Adam(DEFAULTS["learning_rate"]), loss=loss, jit_compile=False)

        # ## Fit, with a callback that draws the test predictions each epoch
        # Plain Keras: fit(x, y); DeePSiMLoss takes per-sample weights like any loss.
        def draw_predictions(epoch, logs, model=model, name=name):
            save_image_grid(model.predict(test_inputs[:16], verbose=0),
                            out / "grids" / f"{name}_epoch{epoch + 1:03d}.png", columns=16, scale=2,
                            title=smoke_title(args.smoke))

        weights = np.ones(len(targets), "float32") if name == "deepsim" else None
        model.fit(inputs, targets, sample_weight=weights, batch_size=args.batch_size,
                  epochs=1 if args.smoke else args.epochs, verbose=0 if args.smoke else 2,
                  callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=draw_predictions)])
        pred = model.predict(test_inputs, batch_size=256, verbose=0)
        results[name] = float(np.mean((pred - test) ** 2))
        rows.append(pred[:16])
        print(f"{name}: test pixel MSE {results[name]:.4f}")

    # ## Save, reload, pictures
    # The loss is saved with the model, its comparator by reference.
    model.save(out / "upsampler_deepsim.keras")
    reloaded = keras.saving.load_model(out / "upsampler_deepsim.keras")
    print("reloaded loss:", type(reloaded.loss).__name__)
    save_image_grid(np.concatenate(rows), out / "comparison.png", columns=16, scale=2, title=smoke_title(args.smoke))
    print(f"wrote {out}/comparison.png and upsampler_deepsim.keras")
    return results


if __name__ == "__main__":
    main()

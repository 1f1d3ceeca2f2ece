"""Presets of the DeePSiM family: the DeePSiM models and their L2 baseline.
Their comparator (AlexNet's role in the paper) is the
`fashion_mnist_classifier` preset (`classifier_presets.py`)."""

from keras_perceptual.presets import fashion_mnist_spec

DOSOVITSKIY_2016 = (
    "Dosovitskiy & Brox, \"Generating images with perceptual similarity metrics based on deep "
    "networks\", NIPS 2016, arXiv:1602.02644"
)
# The loss comparator of a DeePSiM preset is the classifier preset itself:
# left out with the discriminator (3.5 MB each), both only needed to train.
DEEPSIM = dict(paper=DOSOVITSKIY_2016, recipe_options={"epochs": 1, "limit": 32000},
               budget="500 steps of batch 64 (one pass over the first 32k training images)",
               needs_comparator=True, skip_networks=("comparator", "discriminator"),
               tags=("autoencoder", "deepsim", "perceptual-loss", "gan"))
L2 = "pixel_autoencoder_fashion_mnist"


PRESETS = [
    fashion_mnist_spec(
        L2, model="PixelAutoencoder",
        description="The DeePSiM autoencoder's networks trained with the pixel MSE alone: DeePSiM's "
        "baseline, same data, optimizer and steps.",
        paper=DOSOVITSKIY_2016 + " (its L2 baseline)",
        recipe="pixel_autoencoder", recipe_options=DEEPSIM["recipe_options"], budget=DEEPSIM["budget"],
        tags=("autoencoder", "l2-baseline"), baselines={"reconstruction": None},
    ),
    fashion_mnist_spec(
        "deepsim_autoencoder_fashion_mnist", model="DeePSiMAutoencoder", recipe="deepsim_autoencoder",
        description="DeePSiM autoencoder (Dosovitskiy & Brox 2016), 7x7x2 code, the zoo's classifier as "
        "comparator.",
        baselines={"reconstruction": L2}, **DEEPSIM,
    ),
    fashion_mnist_spec(
        "deepsim_vae_fashion_mnist", model="DeePSiMVAE", recipe="deepsim_vae",
        description="DeePSiM VAE (Dosovitskiy & Brox 2016): the DeePSiM loss replaces the VAE's "
        "reconstruction term.",
        baselines={"generation": "vae_fashion_mnist", "reconstruction": L2},
        **dict(DEEPSIM, tags=DEEPSIM["tags"] + ("image-generation", "variational-autoencoder")),
    ),
    fashion_mnist_spec(
        "deepsim_inverter_fashion_mnist", model="DeePSiMInverter", recipe="deepsim_inverter",
        description="DeePSiM feature inverter (Dosovitskiy & Brox 2016): decodes the zoo's classifier "
        "features back to the image.",
        baselines={"reconstruction": L2}, **dict(DEEPSIM, tags=DEEPSIM["tags"] + ("feature-inversion",)),
    ),
]

# sha256 of each bundled preset's metadata.json (which pins its other files):
# written by `python -m keras_perceptual.pin_presets`, never by hand.
PINS = {
    "pixel_autoencoder_fashion_mnist": "92705b77ff594d6addb2f9eacb33c8c8ac56995c14004ebbd79512f93ff88596",
    "deepsim_autoencoder_fashion_mnist": "e420d1f79774f58d9ace7505ef9a59e39c7cf923a1987aad0fe2a26897d1bcd2",
    "deepsim_vae_fashion_mnist": "aa2280807cfc7ea2c5e8a72caec976a99b50fa530de0fac320ddcb3ca8e4522f",
    "deepsim_inverter_fashion_mnist": "c24366350ddacf32eda77b6f40fe50e0440196a39664c7981c9734878e430d4e",
}

"""Presets of the DeePSiM family: the DeePSiM models and their L2 baseline.
Their comparator (AlexNet's role in the paper) is the
`fashion_mnist_classifier` preset (`classifier_presets.py`)."""

from keras_perceptual.preset_config import converged_budget
from keras_perceptual.preset_config import fashion_mnist_spec

DOSOVITSKIY_2016 = (
    "Dosovitskiy & Brox, \"Generating images with perceptual similarity metrics based on deep "
    "networks\", NIPS 2016, arXiv:1602.02644"
)
# The loss comparator of a DeePSiM preset is the classifier preset itself:
# left out with the discriminator (3.5 MB each), both only needed to train.
DEEPSIM = dict(paper=DOSOVITSKIY_2016, recipe_options={"epochs": 10},
               budget=converged_budget("reconstruction FID", "every 430 steps", 10, 64),
               stop_when_converged=True, validate_every=430,
               needs_comparator=True, skip_networks=("comparator", "discriminator"),
               tags=("autoencoder", "deepsim", "perceptual-loss", "gan"))
L2 = "pixel_autoencoder_fashion_mnist"


PRESETS = [
    fashion_mnist_spec(
        L2, model="PixelAutoencoder",
        description="The DeePSiM autoencoder's networks trained with the pixel MSE alone: DeePSiM's "
        "baseline, same data, optimizer and steps.",
        paper=DOSOVITSKIY_2016 + " (its L2 baseline)",
        recipe="pixel_autoencoder", recipe_options={}, same_budget_as="deepsim_autoencoder_fashion_mnist",
        validate_every=430, budget="exactly the steps of deepsim_autoencoder_fashion_mnist (same budget), batch 64",
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
    "pixel_autoencoder_fashion_mnist": "a921328328f5f256fb6ea035314d06c47e591139cc22ac4018ce8d954a3d1a6e",
    "deepsim_autoencoder_fashion_mnist": "2f993b04f7ef64caacb8a82389dc828236d290a7fc71bad908e3c3f14ba179b1",
    "deepsim_vae_fashion_mnist": "8534a674ca3947627bf647bce446d4916c4c4be719a206bce8815a823edfa61c",
    "deepsim_inverter_fashion_mnist": "30737b95f6a9a007e0080c48a22812cf694bc0a500b7189e321930235d951138",
}

"""Presets of the DeePSiM family: the DeePSiM models and their L2 baseline.
Their comparator (AlexNet's role in the paper) is the
`fashion_mnist_classifier` preset (`classifier_presets.py`)."""

from keras_perceptual.preset_config import fashion_mnist_spec

DOSOVITSKIY_2016 = (
    "Dosovitskiy & Brox, \"Generating images with perceptual similarity metrics based on deep "
    "networks\", NIPS 2016, arXiv:1602.02644"
)
TAGS = ("autoencoder", "deepsim", "perceptual-loss", "gan")
L2 = "pixel_autoencoder_fashion_mnist"


PRESETS = [
    fashion_mnist_spec(
        L2, model="PixelAutoencoder",
        description="The DeePSiM autoencoder's networks trained with the pixel MSE alone: DeePSiM's "
        "baseline, same data, optimizer and steps.",
        paper=DOSOVITSKIY_2016 + " (its L2 baseline)",
        tags=("autoencoder", "l2-baseline"),
    ),
    fashion_mnist_spec(
        "deepsim_autoencoder_fashion_mnist", model="DeePSiMAutoencoder", paper=DOSOVITSKIY_2016,
        description="DeePSiM autoencoder (Dosovitskiy & Brox 2016), 7x7x2 code, the zoo's classifier as "
        "comparator.",
        tags=TAGS,
    ),
    fashion_mnist_spec(
        "deepsim_vae_fashion_mnist", model="DeePSiMVAE", paper=DOSOVITSKIY_2016,
        description="DeePSiM VAE (Dosovitskiy & Brox 2016): the DeePSiM loss replaces the VAE's "
        "reconstruction term.",
        tags=TAGS + ("image-generation", "variational-autoencoder"),
    ),
    fashion_mnist_spec(
        "deepsim_inverter_fashion_mnist", model="DeePSiMInverter", paper=DOSOVITSKIY_2016,
        description="DeePSiM feature inverter (Dosovitskiy & Brox 2016): decodes the zoo's classifier "
        "features back to the image.",
        tags=TAGS + ("feature-inversion",),
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

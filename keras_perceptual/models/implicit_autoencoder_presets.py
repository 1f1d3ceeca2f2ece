"""Presets of the implicit autoencoder family (`ImplicitAutoencoder`)."""

from keras_perceptual.presets import fashion_mnist_spec

MAKHZANI_2018 = "Makhzani, \"Implicit autoencoders\", arXiv:1805.09804"

PRESETS = [
    fashion_mnist_spec(
        "iae_fashion_mnist", model="ImplicitAutoencoder", paper=MAKHZANI_2018,
        description="Implicit autoencoder (Makhzani 2018): categorical code of 10 clusters plus decoder "
        "noise, clustering set-up.",
        recipe="iae", recipe_options={"code": "categorical", "epochs": 8},
        budget="8 epochs, batch 100 (benchmarks/clustering.py's budget)",
        skip_networks=("reconstruction_discriminator", "regularization_discriminator"),
        tags=("autoencoder", "image-generation", "implicit-autoencoder", "gan", "clustering"),
        baselines={"clustering": None},
    ),
]

# sha256 of each bundled preset's metadata.json (which pins its other files):
# written by `python -m keras_perceptual.pin_presets`, never by hand.
PINS = {
    "iae_fashion_mnist": "602f5a858e032608a0d520b04d16404230ef6810264926546c7c65ad0a0426fe",
}

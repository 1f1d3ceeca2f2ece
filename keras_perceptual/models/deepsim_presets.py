"""Presets of the DeePSiM family: the DeePSiM models, their L2 baseline and
the Fashion-MNIST classifier that is their comparator (AlexNet's role in the
paper) and the feature network of `keras_perceptual.metrics`."""

from keras_perceptual.presets import fashion_mnist_spec

DOSOVITSKIY_2016 = (
    "Dosovitskiy & Brox, \"Generating images with perceptual similarity metrics based on deep "
    "networks\", NIPS 2016, arXiv:1602.02644"
)
# The loss comparator of a DeePSiM preset is the classifier preset itself:
# left out with the discriminator (3.5 MB each), both only needed to train.
DEEPSIM = dict(model="DeePSiM", paper=DOSOVITSKIY_2016, recipe_options={"epochs": 1, "limit": 32000},
               budget="500 steps of batch 64 (one pass over the first 32k training images)",
               needs_comparator=True, skip_networks=("comparator", "discriminator"),
               tags=("autoencoder", "image-generation", "deepsim", "perceptual-loss", "gan"))
L2 = "pixel_autoencoder_fashion_mnist"


PRESETS = [
    fashion_mnist_spec(
        "fashion_mnist_classifier", model="Functional",
        description="The zoo's Fashion-MNIST CNN classifier: DeePSiM comparator, feature network of "
        "the feature-space FID/KID, judge of class-conditional samples.",
        paper=DOSOVITSKIY_2016 + " (the comparator's role)",
        recipe="fashion_mnist_classifier", recipe_options={"epochs": 5}, budget="5 epochs, batch 128",
        tags=("image-classification", "fashion-mnist"),
    ),
    fashion_mnist_spec(
        L2, model="Functional",
        description="The DeePSiM autoencoder's networks trained with the pixel MSE alone: DeePSiM's "
        "baseline, same data, optimizer and steps; `get_layer('encoder')` gives codes.",
        paper=DOSOVITSKIY_2016 + " (its L2 baseline)",
        recipe="pixel_autoencoder", recipe_options=DEEPSIM["recipe_options"], budget=DEEPSIM["budget"],
        tags=("autoencoder", "l2-baseline"), baselines={"reconstruction": None},
    ),
    fashion_mnist_spec(
        "deepsim_autoencoder_fashion_mnist", recipe="deepsim_autoencoder",
        description="DeePSiM autoencoder (Dosovitskiy & Brox 2016), 7x7x2 code, the zoo's classifier as "
        "comparator.",
        baselines={"reconstruction": L2}, **DEEPSIM,
    ),
    fashion_mnist_spec(
        "deepsim_vae_fashion_mnist", recipe="deepsim_vae",
        description="DeePSiM VAE (Dosovitskiy & Brox 2016): the DeePSiM loss replaces the VAE's "
        "reconstruction term.",
        baselines={"generation": "vae_fashion_mnist", "reconstruction": L2}, **DEEPSIM,
    ),
    fashion_mnist_spec(
        "deepsim_inverter_fashion_mnist", recipe="deepsim_inverter",
        description="DeePSiM feature inverter (Dosovitskiy & Brox 2016): decodes the zoo's classifier "
        "features back to the image.",
        baselines={"reconstruction": L2}, **DEEPSIM,
    ),
]

# sha256 of each bundled preset's metadata.json (which pins its other files):
# written by `python -m keras_perceptual.pin_presets`, never by hand.
PINS = {
    "fashion_mnist_classifier": "d6d08bf899a011ae87d56e49ad46bdd5cf56f7a7bad5a58e2b0bc5a7c279964c",
    "pixel_autoencoder_fashion_mnist": "8448361261f3db614d6f4bfd91023ac857d2e7704162ad0116d51b5582cddb6d",
    "deepsim_autoencoder_fashion_mnist": "bd245c86bdeea027a2d88e4341c1ac88ec618a8127c93e23ebfa91617a8dddf0",
    "deepsim_vae_fashion_mnist": "0a4bafd66ca01316cde3296cec6df6268b14b5ae606814b00a19c7a286112704",
    "deepsim_inverter_fashion_mnist": "ae2f782f13cfe4b132faf4cc43f7b6ba5e18507fbcefaa79e92e9642af01b108",
}

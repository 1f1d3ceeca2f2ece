"""Presets of the implicit autoencoder family (`ImplicitAutoencoder`): the
paper's IAE and the clustering variant tuned on Fashion-MNIST, both trained
by the `iae` and `iae_clustering` recipes (`keras_perceptual/recipes/iae.py`):
one recipe that tells them apart by options only, the second judged by
clustering accuracy."""

from keras_perceptual.preset_config import fashion_mnist_spec

MAKHZANI_2018 = "Makhzani, \"Implicit autoencoders\", arXiv:1805.09804"
IAE_TAGS = ("autoencoder", "image-generation", "implicit-autoencoder", "gan")

PRESETS = [
    fashion_mnist_spec(
        "iae_fashion_mnist", model="ImplicitAutoencoder", paper=MAKHZANI_2018,
        description="Implicit autoencoder (Makhzani 2018): 8-d Gaussian code, stochastic encoder, decoder noise, "
        "no pixel loss (reconstruction learned by the (x, z) GAN), plus two departures without which the code is "
        "ignored: a unit-variance code and InfoGAN's code-reconstruction term; samples.png: one code decoded under "
        "several decoder noises.",
        tags=IAE_TAGS,
    ),
    fashion_mnist_spec(
        "iae_clustering_fashion_mnist", model="ImplicitAutoencoder", paper=MAKHZANI_2018,
        description="Implicit autoencoder (Makhzani 2018), clustering variant: categorical code of 10 "
        "clusters plus decoder noise, deterministic encoder, a pixel MSE term and InfoGAN's code-reconstruction "
        "term (departures tuned on Fashion-MNIST, see keras_perceptual/recipes/iae.py).",
        tags=IAE_TAGS + ("clustering",),
    ),
]

# sha256 of each bundled preset's metadata.json (which pins its other files):
# written by `python -m keras_perceptual.pin_presets`, never by hand.
PINS = {
    "iae_fashion_mnist": "cd1903157f7e701ed815017d3761b7817eea547b84b7fdd8d89933da463ef06f",
    "iae_clustering_fashion_mnist": "7180dc3e7581308b30b7ffd040956e70cf90141cf5a2c381ef05947248f8077a",
}

"""Presets of the adversarial autoencoder family (`AdversarialAutoencoder`,
GAN and MMD regularisers)."""

from keras_perceptual.presets import converged_budget
from keras_perceptual.presets import fashion_mnist_spec

MAKHZANI_2016 = "Makhzani, Shlens, Jaitly, Goodfellow, Frey, \"Adversarial autoencoders\", arXiv:1511.05644"
AAE = dict(model="AdversarialAutoencoder", paper=MAKHZANI_2016)
TAGS = ("autoencoder", "image-generation", "adversarial-autoencoder")
EVERY_EPOCH = "every epoch, 550 steps"

PRESETS = [
    fashion_mnist_spec(
        "aae_fashion_mnist", **AAE,
        description="Adversarial autoencoder (Makhzani et al. 2016), 8-D Gaussian prior, GAN regulariser.",
        recipe="aae", recipe_options={"epochs": 30, "prior": "gaussian", "latent_dim": 8},
        budget=converged_budget("sample FID", EVERY_EPOCH, 30, 100),
        stop_when_converged=True, skip_networks=("discriminator",), tags=TAGS,
        baselines={"generation": "vae_fashion_mnist", "reconstruction": "pixel_autoencoder_fashion_mnist"},
    ),
    fashion_mnist_spec(
        "aae_clustering_gan_fashion_mnist", **AAE,
        description="AAE unsupervised clustering (Makhzani et al. 2016 §6): categorical code of 10 "
        "clusters, GAN regulariser.",
        recipe="aae_clustering", recipe_options={"regularizer": "gan", "epochs": 30},
        budget=converged_budget("clustering accuracy", EVERY_EPOCH, 30, 100), stop_when_converged=True,
        skip_networks=("discriminator",),
        tags=TAGS + ("clustering",), baselines={"clustering": None},
    ),
    fashion_mnist_spec(
        "aae_clustering_mmd_fashion_mnist", **AAE,
        description="AAE clustering with the MMD regulariser in place of the latent discriminator "
        "(WAE-MMD style): categorical code of 10 clusters.",
        recipe="aae_clustering", recipe_options={"regularizer": "mmd", "epochs": 40},
        budget=converged_budget("clustering accuracy", EVERY_EPOCH, 40, 100), stop_when_converged=True,
        tags=TAGS + ("clustering", "wae-mmd"),
        baselines={"clustering": None},
    ),
]

# sha256 of each bundled preset's metadata.json (which pins its other files):
# written by `python -m keras_perceptual.pin_presets`, never by hand.
PINS = {
    "aae_fashion_mnist": "a77aa074b01791163e37dc074c0dda63c0163a093ff1639e5bbec9f51cd4929d",
    "aae_clustering_gan_fashion_mnist": "35a42cfd0d4af5244f922873840f4b00986c0a00a32cc86854e6565c344c97e4",
    "aae_clustering_mmd_fashion_mnist": "ff9c55166972588c08eeae5a5d3948dff8858e8b2600bacdab120fbddf1140e3",
}

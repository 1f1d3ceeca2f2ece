"""Presets of the adversarial autoencoder family (`AdversarialAutoencoder`,
GAN and MMD regularisers)."""

from keras_perceptual.presets import FASHION_MNIST_INPUT as FASHION_MNIST
from keras_perceptual.presets import HUB_ORG
from keras_perceptual.presets import TRAIN_COMMAND as TRAIN
from keras_perceptual.presets import PresetSpec

MAKHZANI_2016 = "Makhzani, Shlens, Jaitly, Goodfellow, Frey, \"Adversarial autoencoders\", arXiv:1511.05644"
COMPARED = {"generation": "vae_fashion_mnist", "reconstruction": "pixel_autoencoder_fashion_mnist"}
TAGS = ("autoencoder", "image-generation", "adversarial-autoencoder")


def _aae(name, recipe, description, options, budget, skip, baselines, tags=TAGS):
    return PresetSpec(
        name=name,
        model="AdversarialAutoencoder",
        description=description,
        paper=MAKHZANI_2016,
        dataset="fashion_mnist",
        input=FASHION_MNIST,
        recipe=recipe,
        recipe_options=options,
        budget=budget,
        skip_networks=skip,
        hub_repo=f"{HUB_ORG}/{name}",
        tags=tags,
        baselines=baselines,
        how_to_train=TRAIN.format(name),
    )


PRESETS = [
    _aae("aae_fashion_mnist", "aae",
         "Adversarial autoencoder (Makhzani et al. 2016), 8-D Gaussian prior, GAN regulariser.",
         {"epochs": 2, "prior": "gaussian", "latent_dim": 8}, "2 epochs, batch 100", ("discriminator",),
         COMPARED),
    _aae("aae_clustering_gan_fashion_mnist", "aae_clustering",
         "AAE unsupervised clustering (Makhzani et al. 2016 §6): categorical code of 10 clusters, "
         "GAN regulariser.",
         {"regularizer": "gan", "epochs": 12}, "12 epochs, batch 100 (benchmarks/clustering.py's budget)",
         ("discriminator",), {"clustering": None}, TAGS + ("clustering",)),
    _aae("aae_clustering_mmd_fashion_mnist", "aae_clustering",
         "AAE clustering with the MMD regulariser in place of the latent discriminator (WAE-MMD style): "
         "categorical code of 10 clusters.",
         {"regularizer": "mmd", "epochs": 20}, "20 epochs, batch 100 (benchmarks/clustering.py's budget)",
         (), {"clustering": None}, TAGS + ("clustering", "wae-mmd")),
]

# sha256 of each bundled preset's metadata.json (which pins its other files):
# written by `python -m keras_perceptual.pin_presets`, never by hand.
PINS = {
    "aae_fashion_mnist": "38a6e7328250601af067d02bd84b2036316d8ec1bf9a1915df529b0e47f1f48a",
    "aae_clustering_gan_fashion_mnist": "908e747ba6c3b8a7ab96133a4682a13646c4ccd3abe2c6bc536684897caf2b99",
    "aae_clustering_mmd_fashion_mnist": "f87e1950760be30a13859b5123811ac8a5371252db4adb251a1cef7f37ded17f",
}

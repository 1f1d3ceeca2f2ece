"""Presets of the adversarial autoencoder family (`AdversarialAutoencoder`,
GAN and MMD regularisers)."""

from keras_perceptual.preset_config import fashion_mnist_spec

MAKHZANI_2016 = "Makhzani, Shlens, Jaitly, Goodfellow, Frey, \"Adversarial autoencoders\", arXiv:1511.05644"
AAE = dict(model="AdversarialAutoencoder", paper=MAKHZANI_2016)
TAGS = ("autoencoder", "image-generation", "adversarial-autoencoder")

PRESETS = [
    fashion_mnist_spec(
        "aae_fashion_mnist", **AAE,
        description="Adversarial autoencoder (Makhzani et al. 2016), 8-D Gaussian prior, GAN regulariser.",
        tags=TAGS,
    ),
    fashion_mnist_spec(
        "aae_clustering_gan_fashion_mnist", **AAE,
        description="AAE unsupervised clustering (Makhzani et al. 2016 §6): categorical code of 10 "
        "clusters, GAN regulariser.",
        tags=TAGS + ("clustering",),
    ),
    fashion_mnist_spec(
        "aae_clustering_mmd_fashion_mnist", **AAE,
        description="AAE clustering with the MMD regulariser in place of the latent discriminator "
        "(WAE-MMD style): categorical code of 10 clusters.",
        tags=TAGS + ("clustering", "wae-mmd"),
    ),
]

# sha256 of each bundled preset's metadata.json (which pins its other files):
# written by `python -m keras_perceptual.pin_presets`, never by hand.
PINS = {
    "aae_fashion_mnist": "0ce1c24357591f7d5f605d9df5a3a725553eaadf93cb86b231204594d6e1a917",
    "aae_clustering_gan_fashion_mnist": "d766c887ab7a5d910975161df2f84c861099f618b357948a867f4d9dde489164",
    "aae_clustering_mmd_fashion_mnist": "c5fc05a239b759b68086a485f02dd3174559dc4ac97fa9ae9763b0ea4fb41c1a",
}

"""Presets of the VAE/GAN family (`VAEGAN`, and `VAE`, the paper's baseline)."""

from keras_perceptual.preset_config import InputContract
from keras_perceptual.preset_config import PresetSpec
from keras_perceptual.preset_config import fashion_mnist_spec

LARSEN_2016 = (
    "Larsen, Sønderby, Larochelle, Winther, \"Autoencoding beyond pixels using a "
    "learned similarity metric\", ICML 2016, arXiv:1512.09300"
)
VAEGAN_TAGS = ("autoencoder", "image-generation", "vae-gan", "variational-autoencoder", "gan", "learned-similarity")

PRESETS = [
    fashion_mnist_spec(
        "vae_fashion_mnist", model="VAE", paper=LARSEN_2016 + " (its VAE baseline)",
        description="Plain VAE (Gaussian pixel likelihood) with the VAE/GAN's encoder and decoder: "
        "the VAE/GAN paper's baseline, same data, optimizer and steps.",
        tags=("autoencoder", "image-generation", "variational-autoencoder"),
    ),
    fashion_mnist_spec(
        "vaegan_fashion_mnist", model="VAEGAN", paper=LARSEN_2016,
        description="VAE/GAN with the learned similarity metric (Larsen et al. 2016), small28 networks, the KL "
        "weighted 30.",
        tags=VAEGAN_TAGS,
    ),
    fashion_mnist_spec(
        "vaegan_conditional_fashion_mnist", model="VAEGAN", paper=LARSEN_2016,
        input=InputContract((28, 28, 1), condition_dim=10),
        description="Class-conditional VAE/GAN (Larsen et al. 2016 §4.2): decoder and discriminator see the "
        "one-hot class, the encoder sees the image only (as in the paper), the KL weighted 100.",
        tags=VAEGAN_TAGS + ("class-conditional",),
    ),
    PresetSpec(
        name="celeba64",
        model="VAEGAN",
        description="VAE/GAN of Larsen et al.: their 64x64 encoder, decoder and discriminator and "
        "their CelebA recipe (RMSProp, gamma 1e-6, equilibrium rule).",
        paper=LARSEN_2016,
        dataset="celeba",
        input=InputContract((64, 64, 3)),
        tags=VAEGAN_TAGS + ("celeba",),
        parameters=33_757_220,
        architecture={
            "networks": "vaegan_networks",
            "network_args": {"family": "larsen64", "channels": 3},
            "options": {
                "gamma": 1e-6,
                "kl_weight": 1.0,
                "reconstructions_as_fakes": True,
                "decoder_gan_loss": "minimax",
                "equilibrium": True,
                "equilibrium_center": 0.68,
                "equilibrium_margin": 0.35,
            },
        },
        how_to_train="`keras-perceptual train vaegan_celeba64 --data-dir DIR --output OUT` (hours on one GPU; "
        "DIR holds CelebA's img_align_celeba.zip)",
    ),
]

# sha256 of each bundled preset's metadata.json (which pins its other files):
# written by `python -m keras_perceptual.pin_presets`, never by hand.
PINS = {
    "vae_fashion_mnist": "78a42d6dc91d3408176a1fc5c61f0c56db838ca7b4b833fa0510da4ac4ff243e",
    "vaegan_fashion_mnist": "e09e317bd62eca683458ec01c0d3d4a4ee27a4995e04baf5b1c42829929081c0",
    "vaegan_conditional_fashion_mnist": "af3129820cadd744b6515a0dfe48bf50dbfdecb52efcb7ef743155d2344ab0aa",
}

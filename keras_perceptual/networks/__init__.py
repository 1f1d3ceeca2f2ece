from keras_perceptual.networks.autoencoder import aae_networks
from keras_perceptual.networks.autoencoder import autoencoder_decoder
from keras_perceptual.networks.autoencoder import autoencoder_encoder
from keras_perceptual.networks.autoencoder import iae_networks
from keras_perceptual.networks.autoencoder import joint_discriminator
from keras_perceptual.networks.autoencoder import latent_discriminator
from keras_perceptual.networks.classifier import fashion_mnist_classifier
from keras_perceptual.networks.classifier import fashion_mnist_evaluator
from keras_perceptual.networks.deepsim import deepsim_discriminator
from keras_perceptual.networks.deepsim import deepsim_encoder
from keras_perceptual.networks.deepsim import deepsim_generator
from keras_perceptual.networks.deepsim import deepsim_networks
from keras_perceptual.networks.layout import with_data_format
from keras_perceptual.networks.vaegan import vaegan_decoder
from keras_perceptual.networks.vaegan import vaegan_discriminator
from keras_perceptual.networks.vaegan import vaegan_encoder
from keras_perceptual.networks.vaegan import vaegan_networks

__all__ = [
    "aae_networks",
    "autoencoder_decoder",
    "autoencoder_encoder",
    "iae_networks",
    "joint_discriminator",
    "latent_discriminator",
    "fashion_mnist_classifier",
    "fashion_mnist_evaluator",
    "deepsim_discriminator",
    "deepsim_encoder",
    "deepsim_generator",
    "deepsim_networks",
    "vaegan_decoder",
    "vaegan_discriminator",
    "vaegan_encoder",
    "vaegan_networks",
    "with_data_format",
]

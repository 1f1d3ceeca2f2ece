from keras_perceptual.networks.vaegan import vaegan_decoder
from keras_perceptual.networks.vaegan import vaegan_discriminator
from keras_perceptual.networks.vaegan import vaegan_encoder
from keras_perceptual.networks.vaegan import vaegan_networks

__all__ = ["vaegan_encoder", "vaegan_decoder", "vaegan_discriminator", "vaegan_networks"]

from keras_perceptual.models.adversarial_autoencoder import AdversarialAutoencoder
from keras_perceptual.models.adversarial_model import AdversarialModel
from keras_perceptual.models.implicit_autoencoder import ImplicitAutoencoder
from keras_perceptual.models.deepsim import DeePSiM
from keras_perceptual.models.vae import VAE
from keras_perceptual.models.vaegan import VAEGAN

__all__ = ["AdversarialAutoencoder", "ImplicitAutoencoder", "AdversarialModel", "DeePSiM", "VAE", "VAEGAN"]

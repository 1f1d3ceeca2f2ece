from keras_perceptual.models.adversarial_autoencoder import AdversarialAutoencoder
from keras_perceptual.models.adversarial_model import AdversarialModel
from keras_perceptual.models.implicit_autoencoder import ImplicitAutoencoder
from keras_perceptual.models.deepsim import DeePSiM
from keras_perceptual.models.vae import VAE
from keras_perceptual.models.vaegan import VAEGAN

__all__ = ["AdversarialAutoencoder", "ImplicitAutoencoder", "AdversarialModel", "DeePSiM", "VAE", "VAEGAN"]

# Each family registers its presets (as keras-hub does in a family's __init__).
from keras_perceptual.models import adversarial_autoencoder_presets
from keras_perceptual.models import deepsim_presets
from keras_perceptual.models import implicit_autoencoder_presets
from keras_perceptual.models import vaegan_presets
from keras_perceptual.presets import register_presets

register_presets(vaegan_presets)
register_presets(deepsim_presets)
register_presets(adversarial_autoencoder_presets)
register_presets(implicit_autoencoder_presets)

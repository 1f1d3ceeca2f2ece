from keras_perceptual.models.adversarial_autoencoder import AdversarialAutoencoder
from keras_perceptual.models.adversarial_model import AdversarialModel
from keras_perceptual.models.classifier import Classifier
from keras_perceptual.models.code_space import NoPriorError
from keras_perceptual.models.deepsim import DeePSiM
from keras_perceptual.models.deepsim_autoencoder import DeePSiMAutoencoder
from keras_perceptual.models.deepsim_inverter import DeePSiMInverter
from keras_perceptual.models.deepsim_vae import DeePSiMVAE
from keras_perceptual.models.image_autoencoder import ImageAutoencoder
from keras_perceptual.models.implicit_autoencoder import ImplicitAutoencoder
from keras_perceptual.models.pixel_autoencoder import PixelAutoencoder
from keras_perceptual.models.vae import VAE
from keras_perceptual.models.vaegan import VAEGAN

__all__ = [
    "AdversarialAutoencoder", "AdversarialModel", "Classifier", "DeePSiM", "DeePSiMAutoencoder", "DeePSiMInverter",
    "DeePSiMVAE", "ImageAutoencoder", "ImplicitAutoencoder", "NoPriorError", "PixelAutoencoder", "VAE", "VAEGAN",
]

# Each family registers its presets (as keras-hub does in a family's __init__).
from keras_perceptual.models import adversarial_autoencoder_presets  # noqa: E402
from keras_perceptual.models import classifier_presets  # noqa: E402
from keras_perceptual.models import deepsim_presets  # noqa: E402
from keras_perceptual.models import implicit_autoencoder_presets  # noqa: E402
from keras_perceptual.models import vaegan_presets  # noqa: E402
from keras_perceptual.presets import register_presets  # noqa: E402

register_presets(vaegan_presets)
register_presets(classifier_presets)
register_presets(deepsim_presets)
register_presets(adversarial_autoencoder_presets)
register_presets(implicit_autoencoder_presets)

"""keras_perceptual: autoencoders that learn beyond pixels, for Keras 3."""

from keras_perceptual import comparators
from keras_perceptual import layers
from keras_perceptual import losses
from keras_perceptual import metrics
from keras_perceptual import networks
from keras_perceptual import priors
from keras_perceptual.models import AdversarialAutoencoder
from keras_perceptual.models import ImplicitAutoencoder
from keras_perceptual.models import Classifier
from keras_perceptual.models import DeePSiM
from keras_perceptual.models import DeePSiMAutoencoder
from keras_perceptual.models import DeePSiMInverter
from keras_perceptual.models import DeePSiMVAE
from keras_perceptual.models import ImageAutoencoder
from keras_perceptual.models import NoPriorError
from keras_perceptual.models import PixelAutoencoder
from keras_perceptual.models import VAE
from keras_perceptual.models import VAEGAN
from keras_perceptual.hub import from_pretrained
from keras_perceptual.presets import list_presets
from keras_perceptual.models import AdversarialModel
from keras_perceptual.version import __version__

__all__ = ["AdversarialAutoencoder", "ImplicitAutoencoder", "priors", "from_pretrained", "list_presets", "AdversarialModel", "Classifier", "DeePSiM", "DeePSiMAutoencoder", "DeePSiMInverter", "DeePSiMVAE", "ImageAutoencoder", "NoPriorError", "PixelAutoencoder", "VAE", "VAEGAN", "comparators", "layers", "losses", "metrics", "networks", "__version__"]

from keras_perceptual.models.adversarial_model import AdversarialModel
from keras_perceptual.models.vaegan import VAEGAN

__all__ = ["AdversarialModel", "VAEGAN"]

"""The model classes of the zoo (a face: each class loads with its module).

`import keras_perceptual.models.vaegan_presets` (a family's presets, plain
data) imports no model and no Keras; `from keras_perceptual.models import
VAEGAN` imports the VAE/GAN's module only. The families' presets are
registered by `keras_perceptual.presets`.
"""

import importlib

# public name -> the module that defines it (the root's face reads it too)
MODEL_EXPORTS = {
    "AdversarialAutoencoder": "keras_perceptual.models.adversarial_autoencoder",
    "AdversarialModel": "keras_perceptual.models.adversarial_model",
    "Classifier": "keras_perceptual.models.classifier",
    "NoPriorError": "keras_perceptual.models.code_space",
    "DeePSiM": "keras_perceptual.models.deepsim",
    "DeePSiMAutoencoder": "keras_perceptual.models.deepsim_autoencoder",
    "DeePSiMInverter": "keras_perceptual.models.deepsim_inverter",
    "DeePSiMVAE": "keras_perceptual.models.deepsim_vae",
    "ImageAutoencoder": "keras_perceptual.models.image_autoencoder",
    "ImplicitAutoencoder": "keras_perceptual.models.implicit_autoencoder",
    "PixelAutoencoder": "keras_perceptual.models.pixel_autoencoder",
    "VAE": "keras_perceptual.models.vae",
    "VAEGAN": "keras_perceptual.models.vaegan",
}

__all__ = sorted(MODEL_EXPORTS)


def __getattr__(name):
    if name in MODEL_EXPORTS:
        value = getattr(importlib.import_module(MODEL_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))

"""Per-backend training steps. The ONLY package that imports jax or torch
(and tensorflow beyond tf.data).

`AdversarialTrainer` is picked once, at import, from `keras.backend.backend()`,
the way `keras/src/models/model.py` picks its Trainer.
"""

import keras

_BACKEND = keras.backend.backend()

if _BACKEND == "tensorflow":
    from keras_perceptual.backend.tensorflow_trainer import AdversarialTrainer
elif _BACKEND == "jax":
    from keras_perceptual.backend.jax_trainer import AdversarialTrainer
elif _BACKEND == "torch":
    from keras_perceptual.backend.torch_trainer import AdversarialTrainer
else:
    raise ValueError(
        "keras_perceptual trains on the 'tensorflow', 'jax' and 'torch' Keras "
        f"backends. Received: KERAS_BACKEND={_BACKEND!r}"
    )

__all__ = ["AdversarialTrainer"]

"""`Classifier`: an image classifier of the zoo (the Fashion-MNIST teacher:
DeePSiM's comparator backbone, and the default feature network of
`keras_perceptual.metrics`)."""

import keras
import numpy as np

import keras_perceptual.validation as validation
from keras_perceptual.hub import PretrainedMixin
from keras_perceptual.models.constructor_config import ConstructorConfig
from keras_perceptual.models.image_autoencoder import DEFAULT_BATCH_SIZE


@keras.saving.register_keras_serializable(package="keras_perceptual")
class Classifier(ConstructorConfig, PretrainedMixin, keras.Model):
    """A functional classification network (logits out) as a zoo model:
    `predict` gives logits, `features` a named layer's activations, and
    `from_pretrained` / `save_pretrained` read and write presets.

    Args:
        network: a functional `keras.Model`, `images in [-1, 1] -> logits`.
        **kwargs: passed to `keras.Model` (e.g. `name`).

    Example:
    >>> clf = kp.Classifier.from_pretrained("fashion_mnist_classifier")
    >>> logits = clf.predict(images)
    >>> features = clf.features(images, layer="fc1_act")

    Reference:
        The zoo's teacher network (DESIGN.md, "Evaluation").
    """

    def __init__(self, network, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(network, keras.Model) or not network.inputs:
            raise ValueError(
                f"`network` must be a functional keras.Model (logits out). Received: network={network!r}"
            )
        self.network = network
        self.built = True

    @property
    def image_shape(self):
        return tuple(self.network.inputs[0].shape[1:])

    @property
    def num_classes(self):
        return int(self.network.outputs[0].shape[-1])

    def call(self, images, training=False):
        return self.network(images, training=training)

    def features(self, images, *, layer="fc1_act", batch_size=None):
        """Activations of the layer named `layer` for `images` in [-1, 1].
        NumPy `(n,) + layer output shape`."""
        images = validation.expect_images("images", images, self.image_shape)
        batch_size = validation.expect_int("batch_size", batch_size, minimum=1, allow_none=True)
        names = [sub.name for sub in self.network.layers]
        validation.expect_choice("layer", layer, names)
        tap = keras.Model(self.network.inputs, self.network.get_layer(layer).output)
        batch_size = batch_size or DEFAULT_BATCH_SIZE
        outs = [keras.ops.convert_to_numpy(tap(images[i : i + batch_size], training=False))
                for i in range(0, len(images), batch_size)]
        return np.concatenate(outs) if outs else np.zeros((0,) + tuple(tap.output.shape[1:]), "float32")

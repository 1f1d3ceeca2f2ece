"""Comparators: frozen feature extractors that measure image similarity in a
network's feature space (DeePSiM's C, perceptual losses, feature-space FID).

A `Comparator` wraps any Keras model and a list of its layer names into one
frozen layer `images in [-1, 1] -> [features of each layer]`, with the input
preprocessing the backbone expects. It serialises as a *reference*: a named
backbone (`"vgg16"`, `"vgg19"`, `"fashion_mnist_classifier"`) and its weights
(`"imagenet"`, or the name of a preset of the zoo such as
`"fashion_mnist_classifier"`, never a file path) are rebuilt on load, so a
`DeePSiMLoss` inside any model's `compile()` survives `model.save()` and a
DeePSiM preset loads with its trained comparator.

Example:
>>> import keras_perceptual as kp
>>> vgg = kp.comparators.vgg16_comparator(["block2_conv2"], image_shape=(64, 64, 3))
>>> small = kp.comparators.fashion_mnist_comparator(weights="fashion_mnist_classifier")
>>> mine = kp.comparators.Comparator(my_model, ["conv3"])
>>> features = small(images)          # a list, one tensor per layer
"""

import copy

import keras
from keras import ops

import keras_perceptual.presets as presets
from keras_perceptual.networks.classifier import fashion_mnist_classifier
from keras_perceptual.networks.layout import channels_last_graph
from keras_perceptual.networks.layout import data_format_of
from keras_perceptual.networks.layout import with_data_format
from keras_perceptual.preset_reader import from_pretrained

PREPROCESSING = ("none", "unit", "caffe")
BACKBONES = ("vgg16", "vgg19", "fashion_mnist_classifier")
_CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)
_VGG_MIN_SIZE = 32
DEFAULT_VGG_LAYERS = ("block1_conv2", "block2_conv2", "block3_conv3")
DEFAULT_CLASSIFIER_LAYERS = ("block1_act2", "block2_act2")


def _preset_network(name):
    """The functional network of the classifier preset `name` (trained weights)."""
    if name not in presets.PRESETS:
        raise ValueError(
            "`weights` must be None, 'imagenet' or the name of a classifier preset of the zoo "
            f"(e.g. 'fashion_mnist_classifier'), never a file path: to use a weights file, load it "
            f"into a keras.Model and pass that model as `backbone`. Received: weights={name!r}"
        )
    return from_pretrained(name).network


def _build_backbone(name, weights, image_shape):
    """A named backbone `(model, model_input_shape, default_preprocessing)`."""
    if name in ("vgg16", "vgg19"):
        image_shape = tuple(image_shape or (224, 224, 3))
        h, w = max(image_shape[0], _VGG_MIN_SIZE), max(image_shape[1], _VGG_MIN_SIZE)
        cls = keras.applications.VGG16 if name == "vgg16" else keras.applications.VGG19
        with channels_last_graph():  # then rewritten to the comparator's data_format
            model = cls(include_top=False, weights="imagenet" if weights == "imagenet" else None,
                        input_shape=(h, w, 3))
        return model, image_shape, "caffe"
    image_shape = tuple(image_shape or (28, 28, 1))
    if weights is not None:
        return _preset_network(weights), image_shape, "none"
    return fashion_mnist_classifier(image_shape=image_shape), image_shape, "none"


@keras.saving.register_keras_serializable(package="keras_perceptual")
class Comparator(keras.layers.Layer):
    """A frozen multi-output feature extractor for images in [-1, 1].

    Calling it on a batch `(n, h, w, c)` returns a list with the outputs of
    `layer_names`, in that order, always computed in inference mode (frozen
    BatchNorm, no dropout) and cast to float32. Its variables are never
    trainable, so a model that holds it trains only its own networks.

    Args:
        backbone: a `keras.Model` (functional or Sequential), or the name of
            a ready backbone: "vgg16", "vgg19" (`keras.applications`, without
            the classifier top) or "fashion_mnist_classifier"
            (`keras_perceptual.networks.fashion_mnist_classifier`).
        layer_names: names of the backbone layers whose outputs are the
            features (one or more).
        weights: a reference, recorded in the config and resolved again on
            load: "imagenet" (VGG only), the name of a classifier preset of
            the zoo (e.g. "fashion_mnist_classifier": its trained network),
            or None (random initialisation for a named backbone: for tests;
            a model keeps its current weights). Never a file path: load a
            weights file into a `keras.Model` and pass it as `backbone`.
        image_shape: the shape `(h, w, c)` of the images it compares. For
            VGG (default (224, 224, 3)) grey images are tiled to 3 channels
            and images smaller than 32 pixels are resized up to 32. For a
            model it defaults to the model's input shape and must equal it.
        preprocessing: how images in [-1, 1] are mapped to the backbone's
            input: "none" (as is), "unit" (to [0, 1]) or "caffe" (to
            [0, 255], RGB->BGR, ImageNet mean subtracted: VGG's). Default:
            "caffe" for VGG, "none" otherwise.
        data_format: the layout the backbone's convolutions run in,
            "channels_first" or "channels_last" (default
            `keras.config.image_data_format()`). Images and features stay
            channels-last `(n, h, w, c)` either way, so feature losses give
            the same values in both layouts.
        **kwargs: base layer arguments (e.g. `name`).

    Example:
    >>> comp = Comparator("vgg16", ["block2_conv2", "block3_conv3"],
    ...                   weights="imagenet", image_shape=(64, 64, 3))
    >>> f2, f3 = comp(images)

    Reference:
        Dosovitskiy & Brox, "Generating images with perceptual similarity
        metrics based on deep networks", NIPS 2016 (the comparator C);
        Simonyan & Zisserman, "Very deep convolutional networks for
        large-scale image recognition", ICLR 2015 (VGG).
    """

    def __init__(self, backbone, layer_names, weights=None, image_shape=None, preprocessing=None, data_format=None,
                 **kwargs):
        kwargs.setdefault("name", "comparator")
        super().__init__(**kwargs)
        if isinstance(layer_names, str):
            layer_names = [layer_names]
        layer_names = list(layer_names or [])
        if not layer_names:
            raise ValueError(
                f"`layer_names` must name at least one backbone layer. Received: layer_names={layer_names!r}"
            )
        if isinstance(backbone, str):
            if backbone not in BACKBONES:
                raise ValueError(
                    f"`backbone` must be a keras.Model or one of {BACKBONES}. Received: backbone={backbone!r}"
                )
            if weights == "imagenet" and backbone not in ("vgg16", "vgg19"):
                raise ValueError(
                    f"weights='imagenet' exists only for VGG backbones. Received: backbone={backbone!r}"
                )
            if backbone in ("vgg16", "vgg19") and weights not in (None, "imagenet"):
                raise ValueError(
                    f"A VGG backbone takes weights='imagenet' or None. Received: weights={weights!r}"
                )
            model, image_shape, default_pre = _build_backbone(backbone, weights, image_shape)
        elif isinstance(backbone, keras.Model):
            model, default_pre = backbone, "none"
            model_shape = tuple(model.inputs[0].shape[1:]) if model.inputs else None
            if model_shape is None:
                raise ValueError("`backbone` must be a built functional or Sequential model with a known input shape.")
            if image_shape is not None and tuple(image_shape) != model_shape:
                raise ValueError(
                    f"`image_shape` must match the backbone's input shape. Expected {model_shape}. "
                    f"Received: image_shape={tuple(image_shape)}"
                )
            image_shape = model_shape
        else:
            raise ValueError(
                f"`backbone` must be a keras.Model or one of {BACKBONES}. Received: backbone={backbone!r}"
            )
        preprocessing = preprocessing or default_pre
        if preprocessing not in PREPROCESSING:
            raise ValueError(
                f"`preprocessing` must be one of {PREPROCESSING}. Received: preprocessing={preprocessing!r}"
            )
        if weights not in (None, "imagenet") and isinstance(backbone, keras.Model):
            model.set_weights(_preset_network(weights).get_weights())
        available = [layer.name for layer in model.layers]
        unknown = [n for n in layer_names if n not in available]
        if unknown:
            raise ValueError(
                f"`layer_names` names layer(s) {unknown} the backbone '{model.name}' does not have. "
                f"Available layers: {available}. Received: layer_names={layer_names}"
            )
        data_format_of(data_format)
        self.data_format = data_format
        # The backbone's convolutions in `data_format`, its taps channels-last.
        model = with_data_format(model, data_format, channels_last_layers=layer_names)
        self.backbone = backbone if isinstance(backbone, str) else model
        self.backbone_model = model
        self.layer_names = layer_names
        self.weights_reference = weights
        self.image_shape = tuple(int(d) for d in image_shape)
        self.preprocessing = preprocessing
        self.model_input_shape = tuple(int(d) for d in model.inputs[0].shape[1:])
        outputs = [model.get_layer(n).output for n in layer_names]
        self.extractor = keras.Model(model.inputs, outputs, name=f"{model.name}_features")
        self.extractor.trainable = False
        self.trainable = False
        self.built = True

    def select(self, layer_names, name=None):
        """A comparator over other layers of the same backbone, with a copy of
        its weights (e.g. the one layer a DeePSiM inverter decodes from)."""
        if isinstance(self.backbone, str):
            other = Comparator(self.backbone, layer_names, weights=self.weights_reference,
                               image_shape=self.image_shape, preprocessing=self.preprocessing,
                               data_format=self.data_format, name=name or self.name)
            other.backbone_model.set_weights(self.backbone_model.get_weights())
            return other
        # A copy, not the same layers: a model holding both comparators then
        # saves and loads each one's weights on its own path.
        model = keras.models.clone_model(self.backbone_model)
        model.set_weights(self.backbone_model.get_weights())
        return Comparator(model, layer_names, weights=None, preprocessing=self.preprocessing,
                          data_format=self.data_format, name=name or self.name)

    @property
    def feature_shapes(self):
        """Shapes `(h, w, c)` (or `(d,)`) of the features, one per layer."""
        return [tuple(t.shape[1:]) for t in self.extractor.outputs]

    def preprocess(self, images):
        """Images in [-1, 1] of `image_shape` -> the backbone's input."""
        x = ops.cast(images, "float32")
        if self.preprocessing == "unit":
            x = (x + 1.0) * 0.5
        target_c = self.model_input_shape[-1]
        if x.shape[-1] == 1 and target_c == 3:
            x = ops.concatenate([x, x, x], axis=-1)
        if tuple(self.model_input_shape[:2]) != tuple(self.image_shape[:2]):
            x = ops.image.resize(x, self.model_input_shape[:2], interpolation="bilinear")
        if self.preprocessing == "caffe":
            x = (x + 1.0) * 127.5
            x = ops.flip(x, axis=-1) - ops.convert_to_tensor(_CAFFE_MEAN_BGR, "float32")
        return x

    def call(self, images):
        shape = tuple(images.shape[1:])
        if shape != self.image_shape:
            raise ValueError(
                f"The comparator '{self.name}' compares images of shape {(None,) + self.image_shape}. "
                f"Received: images of shape {tuple(images.shape)}"
            )
        outputs = self.extractor(self.preprocess(images), training=False)
        if not isinstance(outputs, (list, tuple)):
            outputs = [outputs]
        return [ops.cast(o, "float32") for o in outputs]

    def compute_output_spec(self, images):
        return [keras.KerasTensor((images.shape[0],) + s, dtype="float32") for s in self.feature_shapes]

    def get_config(self):
        config = super().get_config()
        backbone = self.backbone
        if not isinstance(backbone, str):
            backbone = keras.saving.serialize_keras_object(backbone)
        config.update(
            {
                "backbone": backbone,
                "layer_names": list(self.layer_names),
                "weights": self.weights_reference,
                "image_shape": list(self.image_shape),
                "preprocessing": self.preprocessing,
                "data_format": self.data_format,
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = copy.deepcopy(config)
        if isinstance(config["backbone"], dict):
            config["backbone"] = keras.saving.deserialize_keras_object(config["backbone"])
        return cls(**config)


def feature_extractor(model, layer_names, preprocessing="none", weights=None, name="comparator"):
    """A frozen `Comparator` over any Keras model's layers `layer_names`.

    Args:
        model: a functional or Sequential `keras.Model`.
        layer_names: one or more layer names (a bad name raises a
            `ValueError` listing the model's layers).
        preprocessing: "none", "unit" or "caffe" (see `Comparator`).
        weights: None (keep the model's weights) or a preset name whose
            network's weights are copied into `model`.
    """
    return Comparator(model, layer_names, weights=weights, preprocessing=preprocessing, name=name)


def vgg16_comparator(layer_names=DEFAULT_VGG_LAYERS, image_shape=(224, 224, 3), weights="imagenet", name="vgg16_comparator"):
    """VGG16 features (`keras.applications.VGG16`, no top) of images in
    [-1, 1], with Caffe preprocessing; grey images are tiled to RGB and
    images under 32 pixels resized up. `weights=None` for offline tests."""
    return Comparator("vgg16", layer_names, weights=weights, image_shape=image_shape, name=name)


def vgg19_comparator(layer_names=DEFAULT_VGG_LAYERS, image_shape=(224, 224, 3), weights="imagenet", name="vgg19_comparator"):
    """VGG19 features; see `vgg16_comparator`."""
    return Comparator("vgg19", layer_names, weights=weights, image_shape=image_shape, name=name)


def fashion_mnist_comparator(layer_names=DEFAULT_CLASSIFIER_LAYERS, weights=None, name="fashion_mnist_comparator"):
    """Features of the zoo's Fashion-MNIST classifier
    (`keras_perceptual.networks.fashion_mnist_classifier`) on 28x28x1 images
    in [-1, 1]. `weights`: "fashion_mnist_classifier" (the trained preset,
    resolved by name on every load); None gives an untrained network,
    meaningful only in tests."""
    return Comparator("fashion_mnist_classifier", layer_names, weights=weights, name=name)


__all__ = [
    "Comparator",
    "feature_extractor",
    "vgg16_comparator",
    "vgg19_comparator",
    "fashion_mnist_comparator",
    "BACKBONES",
]

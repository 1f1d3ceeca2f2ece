"""Features of images from a layer of a Keras model (feature-space FID/KID).

The default feature model is the zoo's Fashion-MNIST *evaluator*, the preset
`"fashion_mnist_evaluator"`: a `kp.Classifier` with its own architecture and
seed, trained on the training split only, whose `features` layer plays the
part of Inception's pool3 layer in FID and whose `logits` layer judges
class-conditional samples (`classifier_score`, `confident_fraction`,
`class_agreement`).

It is deliberately *not* the `"fashion_mnist_classifier"` preset: that
network is the DeePSiM comparator, the teacher whose features the DeePSiM
presets were trained to match. A model is never graded in the feature space
of a network it was trained against (graded by its own teacher, DeePSiM's
recon-FID looked 0.78x the L2 autoencoder's; in another network's features
it is several times worse). No preset's loss ever sees the evaluator.
"""

import weakref

import keras
import numpy as np

import keras_perceptual.validation as validation
from keras_perceptual.preset_config import EVALUATOR_PRESET
from keras_perceptual.preset_format import PresetError
from keras_perceptual.preset_reader import from_pretrained

# The feature space of every FID/KID and the judge of every classifier-based
# score of the zoo: (preset, feature layer). Never a network any preset
# trains against (the DeePSiM comparator is "fashion_mnist_classifier").
DEFAULT_FEATURES = (EVALUATOR_PRESET, "features")
DEFAULT_PRESET, DEFAULT_LAYER = DEFAULT_FEATURES
# The evaluator's class-score layer (logits), read by the classifier scores.
DEFAULT_LOGITS = "logits"

_DEFAULT_MODEL = None
_SUB_MODELS = {}  # (id(model), layer) -> (weakref to model, sub-model)


def default_feature_model():
    """The zoo's Fashion-MNIST evaluator, loaded once and cached.

    Loaded with `keras_perceptual.from_pretrained("fashion_mnist_evaluator")`
    (from `weights/fashion_mnist_evaluator/` in a source checkout, else the
    Hub). It is the judge, never the DeePSiM comparator (the
    "fashion_mnist_classifier" preset): see the module docstring.

    Returns:
        The evaluator, a `keras.Model` reading 28x28x1 images in [-1, 1];
        its layers include `features` and `logits`.

    Raises:
        keras_perceptual.hub.PresetError (a `ValueError`) naming the preset
        when it cannot be loaded.

    Example:
    >>> net = default_feature_model()
    >>> features = extract_features(images, net, "features")
    """
    global _DEFAULT_MODEL
    if _DEFAULT_MODEL is None:
        try:
            _DEFAULT_MODEL = from_pretrained(DEFAULT_PRESET)
        except PresetError as e:
            raise PresetError(
                f"The default feature model and classifier of `keras_perceptual.metrics` is the "
                f"preset {DEFAULT_PRESET!r}, which could not be loaded: {e} "
                f"Put the preset in `weights/{DEFAULT_PRESET}/` (train it with "
                f"`keras-perceptual train {DEFAULT_PRESET} --output weights/{DEFAULT_PRESET}`), "
                "or pass your own model (`feature_model=` / `classifier=`)."
            ) from e
    return _DEFAULT_MODEL


def _is_functional(model):
    try:
        return bool(getattr(model, "inputs", None)) and bool(getattr(model, "outputs", None))
    except Exception:  # a subclassed model may refuse `inputs` before it is built
        return False


def _graph_with_layer(model, layer):
    """The functional model holding layer `layer`: `model` itself, or (for a
    model class wrapping a network, e.g. a preset's model class) the first
    nested functional model that has it."""
    if _is_functional(model):
        try:
            model.get_layer(layer)
            return model
        except ValueError:
            pass
    for sub in getattr(model, "layers", []):
        if isinstance(sub, keras.Model):
            found = _graph_with_layer(sub, layer)
            if found is not None:
                return found
    return None


def feature_sub_model(model, layer=DEFAULT_LAYER):
    """`keras.Model(model.inputs, model.get_layer(layer).output)`, cached per
    (model, layer); `layer=None` gives `model` itself.

    Args:
        model: a `keras.Model`; for a named `layer`, a functional model or a
            model wrapping one (the first nested functional model holding a
            layer of that name is used).
        layer: the name of a layer, or None for the model's output.

    Returns:
        A `keras.Model` whose output is that layer's activations.

    Example:
    >>> net = keras_perceptual.networks.fashion_mnist_classifier()
    >>> feature_sub_model(net, "fc1_act").output.shape
    (None, 256)
    """
    if not isinstance(model, keras.Model):
        raise ValueError(f"`feature_model` must be a `keras.Model`. Received: feature_model={model!r}")
    if layer is None:
        return model
    if not isinstance(layer, str):
        raise ValueError(f"`layer` must be a layer name (str) or None. Received: layer={layer!r}")
    key = (id(model), layer)
    cached = _SUB_MODELS.get(key)
    if cached is not None and cached[0]() is model:
        return cached[1]
    graph = _graph_with_layer(model, layer)
    if graph is None:
        names = [l.name for l in model.layers]
        raise ValueError(
            f"`layer` must name a layer of a functional model. Received: layer={layer!r}; "
            f"the model {model.name!r} has the layers {names}."
        )
    output = graph.get_layer(layer).output
    if isinstance(output, (list, tuple, dict)):
        raise ValueError(f"Layer {layer!r} has several outputs; choose a layer with one output.")
    inputs = graph.inputs[0] if len(graph.inputs) == 1 else graph.inputs  # a single input, not a list of one
    sub = keras.Model(inputs, output, name=f"{graph.name}_{layer}_features")
    for stale in [k for k, (ref, _) in _SUB_MODELS.items() if ref() is None]:
        del _SUB_MODELS[stale]
    _SUB_MODELS[key] = (weakref.ref(model), sub)
    return sub


# The input range of the zoo's evaluator (and of every model of the zoo).
EVALUATOR_RANGE = (-1.0, 1.0)


def check_image_batch(images, name="images", dtype="float32", value_range=None):
    """`images` as a non-empty `(n, h, w, c)` array of `dtype` with finite
    values, or a ValueError. With `value_range` (the zoo's evaluator reads
    `EVALUATOR_RANGE`) the images must also be floats in that range, as the
    models' input contract; without, any real values pass (a model of the
    user's own may read [0, 255] or features)."""
    if value_range is not None:
        array = validation.expect_images(name, images, None, value_range, allow_empty=False)
        return array.astype(dtype, copy=False)
    array = validation.expect_array(name, images, dtype=dtype)
    if array.ndim != 4 or len(array) == 0:
        raise validation.fail(name, "a non-empty batch of images of shape (n, height, width, channels)",
                              f"an array of shape {array.shape}")
    return array


def _check_batch_size(batch_size):
    return validation.expect_int("batch_size", batch_size, minimum=1)


def check_input_shape(model, images, name):
    try:
        expected = tuple(model.inputs[0].shape[1:]) if _is_functional(model) else None
    except Exception:
        expected = None
    if expected is None or len(model.inputs) != 1:
        return
    got = images.shape[1:]
    if len(expected) != len(got) or any(e is not None and e != g for e, g in zip(expected, got)):
        raise validation.fail(name, f"images that fit the model {model.name!r}, which expects inputs of shape "
                              f"(n, {', '.join(str(e) for e in expected)})", f"an array of shape {images.shape}")


def run_model(model, images, batch_size=500, verbose=False, name="images", description="features"):
    """`model`'s outputs on `images`, batch by batch (inference mode), as a
    float64 array `(n, ...)`."""
    images = check_image_batch(images, name)
    batch_size = _check_batch_size(batch_size)
    check_input_shape(model, images, name)
    starts = range(0, len(images), batch_size)
    if verbose:
        from tqdm.auto import tqdm

        starts = tqdm(starts, desc=description, unit="batch")
    outputs = []
    for start in starts:
        out = model.predict_on_batch(images[start:start + batch_size])
        if isinstance(out, (list, tuple, dict)):
            raise ValueError(
                f"The model {model.name!r} has several outputs; name the layer to read with `layer`."
            )
        outputs.append(np.asarray(keras.ops.convert_to_numpy(out), dtype="float64"))
    return np.concatenate(outputs, axis=0)


def extract_features(images, feature_model=None, layer=DEFAULT_LAYER, batch_size=500, verbose=False):
    """Activations of one layer of a Keras model, one row per image.

    Args:
        images: float32 array `(n, height, width, channels)` in [-1, 1] (the
            input range of the zoo's models).
        feature_model: a `keras.Model`; None loads the zoo's Fashion-MNIST
            evaluator (`default_feature_model()`, preset
            "fashion_mnist_evaluator", 28x28x1 inputs).
        layer: name of the layer whose output is the feature (default
            "features", the evaluator's feature layer); None reads the
            model's output.
        batch_size: images per forward pass.
        verbose: show a `tqdm` progress bar over the batches.

    Returns:
        float64 array `(n, d)`; features of more than one dimension per image
        are flattened.

    Example:
    >>> feats = extract_features(images)            # the evaluator's features
    >>> logits = extract_features(images, layer="logits")
    """
    value_range = EVALUATOR_RANGE if feature_model is None else None
    images = check_image_batch(images, value_range=value_range)
    if feature_model is None:
        feature_model = default_feature_model()
    sub = feature_sub_model(feature_model, layer)
    features = run_model(sub, images, batch_size, verbose, description=f"features ({layer or 'output'})")
    return features.reshape(len(features), -1)

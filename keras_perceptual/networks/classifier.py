"""A small Fashion-MNIST CNN classifier: the zoo's own comparator (DeePSiM),
feature extractor (feature-space FID/KID) and judge of class-conditional
samples. It reads 28x28x1 images in [-1, 1] and outputs logits.

Layer names are stable, so comparator taps can name them:

| name | output (28x28 input) |
|---|---|
| `block1_act1`, `block1_act2` | 28x28x`filters[0]` (after BN + ReLU) |
| `block1_pool` | 14x14x`filters[0]` |
| `block2_act1`, `block2_act2` | 14x14x`filters[1]` |
| `block2_pool` | 7x7x`filters[1]` |
| `fc1_act` | `units` |
| `logits` | 10 |

With the defaults (filters (32, 64), 256 units, Adam 1e-3, batch 128) it
reaches about 92-93% test accuracy in 5 CPU epochs; see
`keras_perceptual.recipes.fashion_mnist_classifier`.
"""

import keras
from keras import layers

from keras_perceptual.networks.layout import network_builder

CLASSIFIER_LAYERS = (
    "block1_act1", "block1_act2", "block1_pool",
    "block2_act1", "block2_act2", "block2_pool",
    "fc1_act", "logits",
)


def _check_arguments(image_shape, filters, stages, num_classes, units, dropout):
    """The classifiers' argument checks; returns `image_shape` as a tuple."""
    image_shape = tuple(image_shape)
    if len(image_shape) != 3 or image_shape[0] % 4 or image_shape[1] % 4:
        raise ValueError(
            "`image_shape` must be (height, width, channels) with height and width "
            f"divisible by 4. Received: image_shape={image_shape}"
        )
    if len(filters) != stages or min(filters) <= 0:
        raise ValueError(f"`filters` must be {stages} positive ints. Received: filters={filters}")
    if not isinstance(num_classes, int) or num_classes < 2:
        raise ValueError(f"`num_classes` must be an int >= 2. Received: num_classes={num_classes}")
    if not isinstance(units, int) or units <= 0:
        raise ValueError(f"`units` must be a positive int. Received: units={units}")
    if not 0 <= dropout < 1:
        raise ValueError(f"`dropout` must be in [0, 1). Received: dropout={dropout}")
    return image_shape


def _conv_bn_relu(x, filters, block, index):
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=f"block{block}_conv{index}")(x)
    x = layers.BatchNormalization(name=f"block{block}_bn{index}")(x)
    return layers.ReLU(name=f"block{block}_act{index}")(x)


@network_builder
def fashion_mnist_classifier(
    image_shape=(28, 28, 1),
    num_classes=10,
    filters=(32, 64),
    units=256,
    dropout=0.3,
    name="fashion_mnist_classifier",
    data_format=None,
):
    """Builds the classifier `images in [-1, 1] -> logits`.

    Two blocks of (conv 3x3 + BN + ReLU) x 2 and 2x2 max-pooling, a dense
    layer with BN + ReLU, dropout and a dense logit layer.

    Args:
        image_shape: `(height, width, channels)`; height and width divisible by 4.
        num_classes: int > 1.
        filters: two ints, the channels of the two blocks.
        units: int > 0, the dense layer's width.
        dropout: rate in [0, 1) before the dense and the logit layer.
        name: the model's name.
        data_format: layout the convolutions run in, "channels_first" or
            "channels_last" (default: `keras.config.image_data_format()`);
            images stay channels-last at the networks' inputs and outputs.

    Returns:
        A functional `keras.Model` with the layer names of `CLASSIFIER_LAYERS`.

    Example:
    >>> net = fashion_mnist_classifier()
    >>> net.compile("adam", keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    """
    image_shape = _check_arguments(image_shape, filters, 2, num_classes, units, dropout)
    inputs = keras.Input(image_shape, name="image")
    x = inputs
    for b, f in enumerate(filters, start=1):
        x = _conv_bn_relu(x, f, b, 1)
        x = _conv_bn_relu(x, f, b, 2)
        x = layers.MaxPooling2D(2, name=f"block{b}_pool")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dropout(dropout, name="dropout1")(x)
    x = layers.Dense(units, use_bias=False, name="fc1")(x)
    x = layers.BatchNormalization(name="fc1_bn")(x)
    x = layers.ReLU(name="fc1_act")(x)
    x = layers.Dropout(dropout, name="dropout2")(x)
    logits = layers.Dense(num_classes, dtype="float32", name="logits")(x)
    return keras.Model(inputs, logits, name=name)


EVALUATOR_LAYERS = ("stage1_act2", "stage2_act2", "stage3_act2", "pool", "features", "logits")


@network_builder
def fashion_mnist_evaluator(image_shape=(28, 28, 1), num_classes=10, filters=(16, 32, 64), units=128,
                            dropout=0.3, name="fashion_mnist_evaluator", data_format=None):
    """Builds the zoo's evaluation network `images in [-1, 1] -> logits`:
    the feature space of every FID/KID, reconstruction FID and classifier
    score the zoo reports. No preset trains against it (the DeePSiM
    comparator is `fashion_mnist_classifier`), so no model is graded by its
    own teacher.

    Its architecture differs from the classifier's on purpose: three stages
    of two (conv 3x3 + BN + ReLU), the first conv of stages 2 and 3 strided
    (no max-pooling), global average pooling, a `units`-wide feature layer
    `features` (BN + ReLU) and the logits. Layer names: `EVALUATOR_LAYERS`.

    Args:
        image_shape: `(height, width, channels)`; height and width divisible by 4.
        num_classes: int > 1.
        filters: three positive ints, the channels of the three stages.
        units: int > 0, the width of `features`.
        dropout: rate in [0, 1) before the logits.
        name: the model's name.
        data_format: layout the convolutions run in, "channels_first" or
            "channels_last" (default: `keras.config.image_data_format()`);
            images stay channels-last at the networks' inputs and outputs.

    Returns:
        A functional `keras.Model`.

    Example:
    >>> net = fashion_mnist_evaluator()
    >>> net.get_layer("features").output.shape
    (None, 128)
    """
    image_shape = _check_arguments(image_shape, filters, 3, num_classes, units, dropout)
    inputs = keras.Input(image_shape, name="image")
    x = inputs
    for stage, f in enumerate(filters, start=1):
        for index in (1, 2):
            strides = 2 if stage > 1 and index == 1 else 1
            x = layers.Conv2D(f, 3, strides=strides, padding="same", use_bias=False,
                              name=f"stage{stage}_conv{index}")(x)
            x = layers.BatchNormalization(name=f"stage{stage}_bn{index}")(x)
            x = layers.ReLU(name=f"stage{stage}_act{index}")(x)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    x = layers.Dense(units, use_bias=False, name="features_dense")(x)
    x = layers.BatchNormalization(name="features_bn")(x)
    x = layers.ReLU(name="features")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    logits = layers.Dense(num_classes, dtype="float32", name="logits")(x)
    return keras.Model(inputs, logits, name=name)

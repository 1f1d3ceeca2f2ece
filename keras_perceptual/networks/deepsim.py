"""DeePSiM's networks (Dosovitskiy & Brox, NIPS 2016) as plain functional
graphs: encoders and generators with up-convolutions (upsampling followed by
a convolution) and leaky ReLU 0.3, and the paper's discriminator with its
image branch and optional comparator-feature branch.

Families: "deepsim64" (64x64 images: the paper's 8x8x8 autoencoder code and
its discriminator) and "small28" (28x28 Fashion-MNIST, sized for a CPU: a
7x7x2 code, the same 8x compression per value of a grey image).

Every builder takes `data_format` (default `keras.config.image_data_format()`),
the layout its convolutions run in; images, codes and feature maps stay
channels-last at the networks' inputs and outputs
(`keras_perceptual.networks.layout`).
"""

import math

import keras
from keras import layers

from keras_perceptual.layers import UpConvolution2D
from keras_perceptual.networks.layout import network_builder

LEAK = 0.3

FAMILIES = {
    "deepsim64": dict(
        image_size=64,
        encoder_filters=(32, 64, 128),
        code_channels=8,
        latent_dim=128,
        decoder_filters=(128, 64, 32),
        # (kernel, filters, stride): the paper's discriminator.
        discriminator_convs=((7, 32, 4), (5, 64, 1), (3, 128, 2), (3, 256, 1), (3, 256, 2)),
        discriminator_feature_units=(1024, 512),
        discriminator_units=512,
    ),
    "small28": dict(
        image_size=28,
        encoder_filters=(32, 64),
        code_channels=2,
        latent_dim=32,
        decoder_filters=(64, 32),
        discriminator_convs=((5, 32, 2), (3, 64, 1), (3, 128, 2), (3, 128, 1), (3, 128, 2)),
        discriminator_feature_units=(256, 128),
        discriminator_units=256,
    ),
}


def get_family(family):
    if family not in FAMILIES:
        raise ValueError(f"Unknown network family. Expected one of {sorted(FAMILIES)}. Received: family={family!r}")
    return dict(FAMILIES[family])


def _leaky(x, name):
    return layers.LeakyReLU(negative_slope=LEAK, name=name)(x)


def _encoder_trunk(x, filters):
    for i, f in enumerate(filters, start=1):
        x = layers.Conv2D(f, 4, strides=2, padding="same", name=f"down{i}")(x)
        x = _leaky(x, f"down{i}_act")
        x = layers.Conv2D(f, 3, padding="same", name=f"conv{i}")(x)
        x = _leaky(x, f"conv{i}_act")
    return x


@network_builder
def deepsim_encoder(family="small28", channels=1, code_channels=None, variational=False, latent_dim=None,
                    name="encoder", data_format=None):
    """Encoder of the autoencoder (`x -> flat spatial code`) or of the VAE
    (`x -> [mean, log_var]`).

    The autoencoder's code is a small feature map (paper: 8x8x8 for 64x64
    images), `code_channels` deep, flattened: shape `(s * s * code_channels,)`.
    The VAE's code is a `latent_dim` vector from two dense heads.
    """
    f = get_family(family)
    size = f["image_size"]
    x_in = keras.Input((size, size, channels), name="image")
    h = _encoder_trunk(x_in, f["encoder_filters"])
    if variational:
        latent_dim = latent_dim or f["latent_dim"]
        h = layers.Flatten(name="flatten")(h)
        mean = layers.Dense(latent_dim, dtype="float32", name="mean")(h)
        log_var = layers.Dense(latent_dim, dtype="float32", name="log_var")(h)
        return keras.Model(x_in, [mean, log_var], name=name)
    code_channels = code_channels or f["code_channels"]
    h = layers.Conv2D(code_channels, 3, padding="same", name="code_conv")(h)
    code = layers.Flatten(dtype="float32", name="code")(h)
    return keras.Model(x_in, code, name=name)


def _upsampling_tail(h, filters, channels):
    for i, f in enumerate(filters, start=1):
        h = UpConvolution2D(f, 4, name=f"upconv{i}")(h)
        h = _leaky(h, f"upconv{i}_act")
        h = layers.Conv2D(f, 3, padding="same", name=f"conv{i}")(h)
        h = _leaky(h, f"conv{i}_act")
    h = layers.Conv2D(channels, 3, padding="same", name="to_image")(h)
    return layers.Activation("tanh", dtype="float32", name="tanh")(h)


@network_builder
def deepsim_generator(family="small28", channels=1, code_shape=None, spatial_code=None, name="generator",
                      data_format=None):
    """Generator (decoder) `code -> image in [-1, 1]` with up-convolutions.

    Args:
        family: "small28" or "deepsim64".
        channels: image channels.
        code_shape: the input's shape: a flat code `(d,)`, or `(h, w, c)`
            feature maps (e.g. comparator features to invert). Default: the
            family's flat spatial autoencoder code.
        spatial_code: for a flat code, True when it is a flattened
            `(s, s, c)` map with `s = image_size / 2**len(decoder_filters)`
            (the autoencoder's code: reshaped back), False for any other
            vector (a dense layer first). Feature maps `(h, w, c)` are
            up-convolved directly when the image size is `h` times a power of
            two, and otherwise flattened and mapped by a dense layer.
    """
    f = get_family(family)
    size = f["image_size"]
    filters = f["decoder_filters"]
    start = size // 2 ** len(filters)
    if code_shape is None:
        code_shape, spatial_code = (start * start * f["code_channels"],), True
    code_shape = tuple(int(d) for d in code_shape)
    z_in = keras.Input(code_shape, name="code")
    h = z_in
    if len(code_shape) == 3 and size % code_shape[0] == 0 and _is_power_of_two(size // code_shape[0]):
        ups = int(math.log2(size // code_shape[0]))
        h = layers.Conv2D(filters[0], 3, padding="same", name="from_code")(h)
        h = _leaky(h, "from_code_act")
        tail = [filters[min(i, len(filters) - 1)] for i in range(ups)]
        model = keras.Model(z_in, _upsampling_tail(h, tail, channels), name=name)
        return model
    if spatial_code:
        if len(code_shape) != 1 or code_shape[0] % (start * start):
            raise ValueError(
                f"A spatial code must be a flattened ({start}, {start}, c) map. Received: code_shape={code_shape}"
            )
        h = layers.Reshape((start, start, code_shape[0] // (start * start)), name="reshape")(h)
    else:
        if len(code_shape) > 1:
            h = layers.Flatten(name="flatten")(h)
        h = layers.Dense(start * start * filters[0], name="dense")(h)
        h = _leaky(h, "dense_act")
        h = layers.Reshape((start, start, filters[0]), name="reshape")(h)
    h = layers.Conv2D(filters[0], 3, padding="same", name="from_code")(h)
    h = _leaky(h, "from_code_act")
    return keras.Model(z_in, _upsampling_tail(h, filters, channels), name=name)


def _is_power_of_two(n):
    return n >= 1 and (n & (n - 1)) == 0


@network_builder
def deepsim_discriminator(family="small28", channels=1, feature_dim=0, activation="relu", dropout=0.5,
                          name="discriminator", data_format=None):
    """The paper's discriminator `image (, features) -> logit`.

    Image branch: the family's convolutions (paper, 64x64: 7x7/32 stride 4,
    5x5/64, 3x3/128 stride 2, 3x3/256, 3x3/256 stride 2) and global average
    pooling. With `feature_dim > 0` a second input takes the comparator
    features of the target (flattened, `feature_dim` values) through two
    dense layers (paper: 1024 -> 512). Then concatenation, dropout, a dense
    layer, dropout, and one logit (the paper's 2-way softmax is equivalent
    to one logit with a sigmoid).
    """
    f = get_family(family)
    size = f["image_size"]
    if feature_dim < 0:
        raise ValueError(f"`feature_dim` must be >= 0. Received: feature_dim={feature_dim}")
    if not 0 <= dropout < 1:
        raise ValueError(f"`dropout` must be in [0, 1). Received: dropout={dropout}")
    x_in = keras.Input((size, size, channels), name="image")
    act = (lambda x, n: _leaky(x, n)) if activation == "leaky_relu" else \
        (lambda x, n: layers.Activation(activation, name=n)(x))
    h = x_in
    for i, (k, filters, stride) in enumerate(f["discriminator_convs"], start=1):
        h = layers.Conv2D(filters, k, strides=stride, padding="same", name=f"conv{i}")(h)
        h = act(h, f"conv{i}_act")
    h = layers.GlobalAveragePooling2D(name="pool")(h)
    inputs = x_in
    if feature_dim:
        c_in = keras.Input((feature_dim,), name="features")
        inputs = [x_in, c_in]
        c = c_in
        for j, units in enumerate(f["discriminator_feature_units"], start=1):
            c = layers.Dense(units, name=f"features_dense{j}")(c)
            c = act(c, f"features_dense{j}_act")
        h = layers.Concatenate(name="concat")([h, c])
    h = layers.Dropout(dropout, name="dropout1")(h)
    h = layers.Dense(f["discriminator_units"], name="dense")(h)
    h = act(h, "dense_act")
    h = layers.Dropout(dropout, name="dropout2")(h)
    logits = layers.Dense(1, dtype="float32", name="logits")(h)
    return keras.Model(inputs, logits, name=name)


def deepsim_networks(mode="autoencoder", family="small28", channels=1, comparator=None, inverted_layer=None,
                     code_channels=None, latent_dim=None, discriminator_features=False, data_format=None):
    """The networks of one DeePSiM set-up, as a dict of `DeePSiM` arguments.

    Args:
        mode: "autoencoder" (spatial code), "vae" or "inverter".
        family: "small28" or "deepsim64".
        channels: image channels.
        comparator: a `keras_perceptual.comparators.Comparator`; needed for
            "inverter" (its `inverted_layer` is the generator's input) and
            for `discriminator_features` (its last layer feeds the
            discriminator's second branch).
        inverted_layer: the comparator layer to invert (default: its last).
        code_channels: autoencoder code depth (default: the family's).
        latent_dim: VAE code size (default: the family's).
        discriminator_features: give the discriminator the comparator branch.
        data_format: layout the convolutions run in, "channels_first" or
            "channels_last" (default: `keras.config.image_data_format()`);
            images stay channels-last at the networks' inputs and outputs.

    Returns:
        `{"encoder": ..., "generator": ..., "discriminator": ...}`; for the
        inverter, `encoder` is a frozen `Comparator` over `inverted_layer`.
    """
    if mode not in ("autoencoder", "vae", "inverter"):
        raise ValueError(f"`mode` must be 'autoencoder', 'vae' or 'inverter'. Received: mode={mode!r}")
    if (mode == "inverter" or discriminator_features) and comparator is None:
        raise ValueError(f"mode={mode!r} with discriminator_features={discriminator_features} needs a "
                         "`comparator`. Received: comparator=None")
    if mode == "inverter":
        layer = inverted_layer or comparator.layer_names[-1]
        encoder = comparator.select([layer], name=f"invert_{layer}")
        generator = deepsim_generator(family, channels, code_shape=encoder.feature_shapes[0], data_format=data_format)
    else:
        encoder = deepsim_encoder(family, channels, code_channels, variational=mode == "vae", latent_dim=latent_dim,
                                  data_format=data_format)
        code_shape = tuple(encoder.outputs[0].shape[1:])
        generator = deepsim_generator(family, channels, code_shape=code_shape, spatial_code=mode == "autoencoder",
                                      data_format=data_format)
    feature_dim = 0
    if discriminator_features:
        feature_dim = int(math.prod(comparator.feature_shapes[-1]))
    discriminator = deepsim_discriminator(family, channels, feature_dim=feature_dim, data_format=data_format)
    return {"encoder": encoder, "generator": generator, "discriminator": discriminator}

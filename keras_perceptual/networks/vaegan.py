"""The VAE/GAN authors' encoder, decoder and discriminator (64x64 and 32x32),
and a small 28x28 family sized to train on Fashion-MNIST on a laptop CPU.

Plain functional graphs. The discriminator has two outputs,
`[logits, dis_l]`, where `dis_l` is the output of its last convolution
*before* that convolution's BatchNorm (Larsen et al.'s Dis_l: the 4th
convolution of the 64x64 network, 8x8x256).

Every builder takes `data_format` (default `keras.config.image_data_format()`):
the layout its convolutions run in. Images and `dis_l` stay channels-last at
the networks' inputs and outputs either way
(`keras_perceptual.networks.layout`).
"""

import keras
from keras import layers

from keras_perceptual.networks.layout import network_builder

FAMILIES = {
    # Larsen et al.'s CelebA networks (authors' code).
    "larsen64": dict(
        image_size=64,
        encoder_filters=(64, 128, 256),
        encoder_units=1024,
        decoder_start=8,
        decoder_filters=(256, 128, 32),
        discriminator_filters=(32, 128, 256, 256),
        discriminator_units=512,
        kernel_size=5,
        latent_dim=128,
    ),
    # Their 32x32 (CIFAR) variant.
    "larsen32": dict(
        image_size=32,
        encoder_filters=(64, 128, 256),
        encoder_units=1024,
        decoder_start=4,
        decoder_filters=(192, 128, 32),
        discriminator_filters=(32, 128, 192, 256),
        discriminator_units=512,
        kernel_size=5,
        latent_dim=128,
    ),
    # Same design, scaled to 28x28 grey images and a 2-core CPU (4x4 kernels).
    "small28": dict(
        image_size=28,
        encoder_filters=(32, 64),
        encoder_units=256,
        decoder_start=7,
        decoder_filters=(64, 32),
        discriminator_filters=(32, 64, 128),
        discriminator_units=256,
        kernel_size=4,
        latent_dim=32,
    ),
}

BN_MOMENTUM = 0.9
BN_EPSILON = 1e-6


def get_family(family):
    if family not in FAMILIES:
        raise ValueError(
            f"Unknown network family. Expected one of {sorted(FAMILIES)}. "
            f"Received: family={family!r}"
        )
    return FAMILIES[family]


def _regularizer(weight_decay):
    if weight_decay is None or weight_decay == 0:
        return None
    if weight_decay < 0:
        raise ValueError(f"`weight_decay` must be >= 0. Received: weight_decay={weight_decay}")
    # A gradient of weight_decay * w, as in the authors' code.
    return keras.regularizers.L2(0.5 * weight_decay)


def _bn_relu(x, name):
    x = layers.BatchNormalization(momentum=BN_MOMENTUM, epsilon=BN_EPSILON, name=f"{name}_bn")(x)
    return layers.ReLU(name=f"{name}_relu")(x)


@network_builder
def vaegan_encoder(family="larsen64", channels=3, latent_dim=None, condition_dim=0, weight_decay=1e-5,
                   name="encoder", data_format=None):
    """Encoder `x -> [mean, log_var]`: strided 5x5 convolutions with BN and
    ReLU, a dense layer, and two dense heads. With `condition_dim > 0` it
    takes `[x, y]` (a CVAE's q(z|x, y)) and `y` joins after the
    convolutions, as in the discriminator."""
    f = get_family(family)
    latent_dim = latent_dim or f["latent_dim"]
    reg = _regularizer(weight_decay)
    size = f["image_size"]
    x_in = keras.Input((size, size, channels), name="image")
    inputs = x_in
    x = x_in
    for i, filters in enumerate(f["encoder_filters"]):
        x = layers.Conv2D(filters, f["kernel_size"], strides=2, padding="same", use_bias=False,
                          kernel_regularizer=reg, name=f"conv{i + 1}")(x)
        x = _bn_relu(x, f"conv{i + 1}")
    x = layers.Flatten(name="flatten")(x)
    if condition_dim:
        y_in = keras.Input((condition_dim,), name="condition")
        inputs = [x_in, y_in]
        x = layers.Concatenate(name="features_condition")([x, y_in])
    x = layers.Dense(f["encoder_units"], use_bias=False, kernel_regularizer=reg, name="dense")(x)
    x = _bn_relu(x, "dense")
    mean = layers.Dense(latent_dim, kernel_regularizer=reg, dtype="float32", name="mean")(x)
    log_var = layers.Dense(latent_dim, kernel_regularizer=reg, dtype="float32", name="log_var")(x)
    return keras.Model(inputs, [mean, log_var], name=name)


@network_builder
def vaegan_decoder(family="larsen64", channels=3, latent_dim=None, condition_dim=0, weight_decay=1e-5, name="decoder",
                   data_format=None):
    """Decoder `z (, y) -> image in [-1, 1]`: dense to a small feature map,
    strided 5x5 transposed convolutions with BN and ReLU, a 5x5 convolution
    and tanh. With `condition_dim > 0` it takes `[z, y]`."""
    f = get_family(family)
    latent_dim = latent_dim or f["latent_dim"]
    reg = _regularizer(weight_decay)
    z_in = keras.Input((latent_dim,), name="z")
    inputs = z_in
    h = z_in
    if condition_dim:
        y_in = keras.Input((condition_dim,), name="condition")
        inputs = [z_in, y_in]
        h = layers.Concatenate(name="z_condition")([z_in, y_in])
    start = f["decoder_start"]
    first = f["decoder_filters"][0]
    h = layers.Dense(start * start * first, use_bias=False, kernel_regularizer=reg, name="dense")(h)
    h = _bn_relu(h, "dense")
    h = layers.Reshape((start, start, first), name="reshape")(h)
    for i, filters in enumerate(f["decoder_filters"]):
        h = layers.Conv2DTranspose(filters, f["kernel_size"], strides=2, padding="same", use_bias=False,
                                   kernel_regularizer=reg, name=f"deconv{i + 1}")(h)
        h = _bn_relu(h, f"deconv{i + 1}")
    h = layers.Conv2D(channels, f["kernel_size"], padding="same", kernel_regularizer=reg, name="to_image")(h)
    out = layers.Activation("tanh", dtype="float32", name="tanh")(h)
    return keras.Model(inputs, out, name=name)


@network_builder
def vaegan_discriminator(family="larsen64", channels=3, condition_dim=0, weight_decay=1e-5, name="discriminator",
                         data_format=None):
    """Discriminator `x (, y) -> [logits, dis_l]`. The first 5x5 convolution
    (stride 1) has ReLU and no BN; the others are strided with BN and ReLU;
    then dense + BN + ReLU and a dense logit. `dis_l` is the last
    convolution's output before its BatchNorm. With `condition_dim > 0` it
    takes `[x, y]` and `y` joins after the convolutions."""
    f = get_family(family)
    reg = _regularizer(weight_decay)
    size = f["image_size"]
    x_in = keras.Input((size, size, channels), name="image")
    inputs = x_in
    filters = f["discriminator_filters"]
    h = layers.Conv2D(filters[0], f["kernel_size"], padding="same", kernel_regularizer=reg, name="conv1")(x_in)
    h = layers.ReLU(name="conv1_relu")(h)
    dis_l = None
    for i, n in enumerate(filters[1:], start=2):
        h = layers.Conv2D(n, f["kernel_size"], strides=2, padding="same", use_bias=False,
                          kernel_regularizer=reg, name=f"conv{i}")(h)
        dis_l = h
        h = _bn_relu(h, f"conv{i}")
    h = layers.Flatten(name="flatten")(h)
    if condition_dim:
        y_in = keras.Input((condition_dim,), name="condition")
        inputs = [x_in, y_in]
        h = layers.Concatenate(name="features_condition")([h, y_in])
    h = layers.Dense(f["discriminator_units"], use_bias=False, kernel_regularizer=reg, name="dense")(h)
    h = _bn_relu(h, "dense")
    logits = layers.Dense(1, kernel_regularizer=reg, dtype="float32", name="logits")(h)
    dis_l = layers.Activation("linear", dtype="float32", name="dis_l")(dis_l)
    return keras.Model(inputs, [logits, dis_l], name=name)


def vaegan_networks(family="larsen64", channels=3, latent_dim=None, condition_dim=0, weight_decay=1e-5,
                    condition_encoder=False, data_format=None):
    """The three networks of one family, as a dict with keys `encoder`,
    `decoder`, `discriminator`.

    Args:
        family: "larsen64", "larsen32" or "small28".
        channels: image channels (3 for CelebA, 1 for Fashion-MNIST).
        latent_dim: code size (default: the family's, 128 for Larsen's).
        condition_dim: size of the label/attribute vector fed to the decoder
            and the discriminator (0: unconditional).
        weight_decay: L2 weight decay of every kernel (authors: 1e-5).
        condition_encoder: also feed the condition to the encoder, which
            then models q(z | x, y) as a conditional VAE's (a departure from
            the paper, whose encoder sees x only). The KL term then pushes
            what y already says out of z, so the decoder has to read y.
            Needs `condition_dim > 0`.
        data_format: layout the convolutions run in, "channels_first" or
            "channels_last" (default: `keras.config.image_data_format()`);
            images stay channels-last at the networks' inputs and outputs.
    """
    if condition_dim < 0:
        raise ValueError(f"`condition_dim` must be >= 0. Received: condition_dim={condition_dim}")
    if condition_encoder and not condition_dim:
        raise ValueError(
            "`condition_encoder=True` feeds the condition to the encoder and needs `condition_dim > 0`. "
            f"Received: condition_dim={condition_dim}"
        )
    return {
        "encoder": vaegan_encoder(family, channels, latent_dim, condition_dim if condition_encoder else 0,
                                  weight_decay, data_format=data_format),
        "decoder": vaegan_decoder(family, channels, latent_dim, condition_dim, weight_decay, data_format=data_format),
        "discriminator": vaegan_discriminator(family, channels, condition_dim, weight_decay,
                                              data_format=data_format),
    }

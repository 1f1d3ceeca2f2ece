"""Small 28x28 networks for adversarial (AAE) and implicit (IAE) autoencoders.

Plain functional builders. Every network is a convolutional trunk (strided
5x5 convolutions, `conv_filters`; `()` for none) followed by dense layers
(`units`), with LeakyReLU and no BatchNorm (a discriminator that sees real
and fake codes must not normalise across them; the autoencoders then need
none either), except where asked: `autoencoder_decoder(batch_norm=True)` (a
decoder trained by a GAN alone) and `autoencoder_encoder(normalize_code=True)`
(a unit-variance continuous code). Outputs are float32. Every image network
takes `data_format` (default `keras.config.image_data_format()`), the layout
its convolutions run in; images stay channels-last at its inputs and outputs.

- `autoencoder_encoder`: `x (, noise) -> code`. With `num_classes` the code
  is `[logits (num_classes), style (style_dim)]` from two dense heads (the
  model applies the softmax).
- `autoencoder_decoder`: `code (, noise) -> image` in [-1, 1] (tanh).
- `latent_discriminator`: `code -> logit` (an MLP).
- `joint_discriminator`: `[image, code] -> logit`, the IAE's reconstruction
  discriminator on (x, z) pairs.
"""

import keras
from keras import layers

import keras_perceptual.priors as kp_priors
from keras_perceptual.networks.layout import network_builder


def _check_int(name, value, minimum):
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"`{name}` must be an int >= {minimum}. Received: {name}={value!r}")


def _check_image_shape(image_shape, conv_filters):
    if len(image_shape) != 3:
        raise ValueError(f"`image_shape` must be (height, width, channels). Received: image_shape={image_shape}")
    factor = 2 ** len(conv_filters)
    if image_shape[0] % factor or image_shape[1] % factor:
        raise ValueError(
            f"`image_shape` height and width must be divisible by 2**len(conv_filters)={factor}. "
            f"Received: image_shape={image_shape}, conv_filters={conv_filters}"
        )


def _trunk(x, conv_filters, units, prefix, extra=None, dropout=0.0):
    for i, f in enumerate(conv_filters):
        x = layers.Conv2D(f, 5, strides=2, padding="same", name=f"{prefix}conv{i + 1}")(x)
        x = layers.LeakyReLU(0.2, name=f"{prefix}conv{i + 1}_lrelu")(x)
    x = layers.Flatten(name=f"{prefix}flatten")(x)
    if extra is not None:
        x = layers.Concatenate(name=f"{prefix}concat")([x] + list(extra))
    for i, u in enumerate(units):
        x = layers.Dense(u, name=f"{prefix}dense{i + 1}")(x)
        x = layers.LeakyReLU(0.2, name=f"{prefix}dense{i + 1}_lrelu")(x)
        if dropout:
            x = layers.Dropout(dropout, name=f"{prefix}dense{i + 1}_dropout")(x)
    return x


@network_builder
def autoencoder_encoder(
    image_shape=(28, 28, 1),
    latent_dim=8,
    num_classes=0,
    noise_dim=0,
    conv_filters=(32, 64),
    units=(256,),
    normalize_code=False,
    name="encoder",
    data_format=None,
):
    """Encoder `x -> code`, or `[x, noise] -> code` when `noise_dim > 0`
    (the noise joins the flattened features: an implicit `q(z|x)`).

    Args:
        image_shape: input image shape.
        latent_dim: size of the continuous code; with `num_classes` the size
            of the style part (0 for none).
        num_classes: K > 0 adds a categorical head of K logits placed before
            the style part: the output is `[logits, style]`.
        noise_dim: size of the noise input (0: deterministic encoder).
        conv_filters: filters of the strided convolutions.
        units: sizes of the dense layers.
        normalize_code: end a continuous code with a BatchNorm without
            scale or offset, so that each code unit has mean 0 and variance
            1 over a batch: the code cannot shrink to where a decoder with
            noise inputs ignores it (the regulariser still shapes its
            distribution). Needs `num_classes=0`.
    """
    _check_int("latent_dim", latent_dim, 0 if num_classes else 1)
    if normalize_code and num_classes:
        raise ValueError(
            f"`normalize_code` is for a continuous code (num_classes=0). Received: num_classes={num_classes}"
        )
    _check_int("num_classes", num_classes, 0)
    _check_int("noise_dim", noise_dim, 0)
    if num_classes == 1:
        raise ValueError(f"`num_classes` must be 0 or >= 2. Received: num_classes={num_classes}")
    _check_image_shape(image_shape, conv_filters)
    x_in = keras.Input(tuple(image_shape), name="image")
    inputs = x_in
    extra = None
    if noise_dim:
        e_in = keras.Input((noise_dim,), name="noise")
        inputs = [x_in, e_in]
        extra = [e_in]
    h = _trunk(x_in, conv_filters, units, "", extra)
    if not num_classes and normalize_code:
        h = layers.Dense(latent_dim, name="code_dense")(h)
        out = layers.BatchNormalization(center=False, scale=False, dtype="float32", name="code")(h)
    elif not num_classes:
        out = layers.Dense(latent_dim, dtype="float32", name="code")(h)
    else:
        logits = layers.Dense(num_classes, dtype="float32", name="logits")(h)
        out = logits
        if latent_dim:
            style = layers.Dense(latent_dim, dtype="float32", name="style")(h)
            out = layers.Concatenate(dtype="float32", name="code")([logits, style])
    return keras.Model(inputs, out, name=name)


@network_builder
def autoencoder_decoder(
    image_shape=(28, 28, 1),
    code_dim=8,
    noise_dim=0,
    units=(256,),
    conv_filters=(64, 32),
    batch_norm=False,
    name="decoder",
    data_format=None,
):
    """Decoder `code -> image` (or `[code, noise] -> image` with
    `noise_dim > 0`), tanh output in [-1, 1]: dense layers, a reshape to a
    `(h / 2**L, w / 2**L)` map and `L` strided 5x5 transposed convolutions;
    with `conv_filters=()` a dense layer outputs the pixels.

    Args:
        image_shape: output image shape.
        code_dim: size of the code input (K + style for a categorical code).
        noise_dim: size of the decoder noise input `n` (IAE).
        units: sizes of the dense layers.
        conv_filters: filters of the transposed convolutions.
        batch_norm: BatchNorm before each hidden activation (a DCGAN
            generator; for a decoder trained only by a GAN, the IAE's).
    """
    _check_int("code_dim", code_dim, 1)
    _check_int("noise_dim", noise_dim, 0)
    _check_image_shape(image_shape, conv_filters)
    z_in = keras.Input((code_dim,), name="code")
    inputs = z_in
    h = z_in
    if noise_dim:
        n_in = keras.Input((noise_dim,), name="noise")
        inputs = [z_in, n_in]
        h = layers.Concatenate(name="code_noise")([z_in, n_in])

    def activate(h, name):
        if batch_norm:
            h = layers.BatchNormalization(name=f"{name}_bn")(h)
        return layers.LeakyReLU(0.2, name=f"{name}_lrelu")(h)

    for i, u in enumerate(units):
        h = activate(layers.Dense(u, name=f"dense{i + 1}")(h), f"dense{i + 1}")
    height, width, channels = image_shape
    if conv_filters:
        factor = 2 ** len(conv_filters)
        hs, ws = height // factor, width // factor
        h = activate(layers.Dense(hs * ws * conv_filters[0], name="to_map")(h), "to_map")
        h = layers.Reshape((hs, ws, conv_filters[0]), name="reshape")(h)
        for i, f in enumerate(conv_filters):
            h = layers.Conv2DTranspose(f, 5, strides=2, padding="same", name=f"deconv{i + 1}")(h)
            h = activate(h, f"deconv{i + 1}")
        h = layers.Conv2D(channels, 5, padding="same", name="to_image")(h)
    else:
        h = layers.Dense(height * width * channels, name="to_pixels")(h)
        h = layers.Reshape(tuple(image_shape), name="reshape")(h)
    out = layers.Activation("tanh", dtype="float32", name="tanh")(h)
    return keras.Model(inputs, out, name=name)


def latent_discriminator(code_dim, units=(256, 256), name="latent_discriminator"):
    """Discriminator on codes, `code -> logit`: an MLP with LeakyReLU.

    Args:
        code_dim: size of its input (e.g. the code, or code + one-hot label
            for the AAE's label-conditioned regulariser).
        units: hidden layer sizes.
    """
    _check_int("code_dim", code_dim, 1)
    z_in = keras.Input((code_dim,), name="code")
    h = z_in
    for i, u in enumerate(units):
        h = layers.Dense(u, name=f"dense{i + 1}")(h)
        h = layers.LeakyReLU(0.2, name=f"dense{i + 1}_lrelu")(h)
    out = layers.Dense(1, dtype="float32", name="logits")(h)
    return keras.Model(z_in, out, name=name)


@network_builder
def joint_discriminator(
    image_shape=(28, 28, 1),
    code_dim=8,
    conv_filters=(32, 64),
    units=(256,),
    code_units=(128,),
    dropout=0.2,
    name="joint_discriminator",
    data_format=None,
):
    """The IAE's reconstruction discriminator on pairs, `[image, code] ->
    logit`: a convolutional trunk on the image and an MLP on the code,
    joined before the dense layers (with dropout).

    Args:
        image_shape: image shape.
        code_dim: code size.
        conv_filters: filters of the image trunk.
        units: dense layers after the join.
        code_units: dense layers of the code branch.
        dropout: dropout rate after each joint dense layer.
    """
    _check_int("code_dim", code_dim, 1)
    _check_image_shape(image_shape, conv_filters)
    x_in = keras.Input(tuple(image_shape), name="image")
    z_in = keras.Input((code_dim,), name="code")
    c = z_in
    for i, u in enumerate(code_units):
        c = layers.Dense(u, name=f"code_dense{i + 1}")(c)
        c = layers.LeakyReLU(0.2, name=f"code_dense{i + 1}_lrelu")(c)
    h = _trunk(x_in, conv_filters, units, "", extra=[c], dropout=dropout)
    out = layers.Dense(1, dtype="float32", name="logits")(h)
    return keras.Model([x_in, z_in], out, name=name)


def aae_networks(
    prior,
    image_shape=(28, 28, 1),
    regularizer="gan",
    mode="unsupervised",
    style_discriminator=False,
    conv_filters=(32, 64),
    units=(256,),
    discriminator_units=(256, 256),
    data_format=None,
):
    """Networks of an `AdversarialAutoencoder` sized for `prior`: a dict
    with `encoder`, `decoder` and, for `regularizer="gan"`, `discriminator`
    (and `style_discriminator` when asked, for a categorical prior with a
    style part), ready for `AdversarialAutoencoder(**nets, prior=prior, ...)`.

    Args:
        prior: a `keras_perceptual.priors.Prior`.
        image_shape: image shape.
        regularizer: "gan" or "mmd" (no discriminator).
        mode: the model's mode; "supervised" feeds the one-hot label to the
            discriminators as well.
        style_discriminator: a separate adversary for the style part.
        conv_filters: encoder filters (the decoder mirrors them).
        units: dense layers of the encoder and decoder.
        discriminator_units: hidden layers of the latent discriminators.
        data_format: layout the convolutions run in, "channels_first" or
            "channels_last" (default: `keras.config.image_data_format()`);
            images stay channels-last at the networks' inputs and outputs.
    """
    prior = kp_priors.get(prior)
    categorical = isinstance(prior, kp_priors.CategoricalPrior)
    k = prior.num_classes if categorical else 0
    nets = {
        "encoder": autoencoder_encoder(image_shape, prior.dim - k, k, 0, conv_filters, units,
                                       data_format=data_format),
        "decoder": autoencoder_decoder(image_shape, prior.dim, 0, units, tuple(reversed(conv_filters)),
                                       data_format=data_format),
    }
    if regularizer == "mmd":
        return nets
    label_dim = prior.num_classes if mode == "supervised" else 0
    if style_discriminator:
        if not categorical or not prior.style_dim:
            raise ValueError(
                "`style_discriminator=True` needs a CategoricalPrior with style_dim > 0. "
                f"Received: prior={prior!r}"
            )
        nets["discriminator"] = latent_discriminator(k + label_dim, discriminator_units, "discriminator")
        nets["style_discriminator"] = latent_discriminator(
            prior.style_dim + label_dim, discriminator_units, "style_discriminator"
        )
    else:
        nets["discriminator"] = latent_discriminator(prior.dim + label_dim, discriminator_units, "discriminator")
    return nets


def iae_networks(
    prior,
    image_shape=(28, 28, 1),
    encoder_noise_dim=8,
    decoder_noise_dim=16,
    conv_filters=(32, 64),
    units=(256,),
    discriminator_units=(256, 256),
    decoder_batch_norm=False,
    normalize_code=False,
    data_format=None,
):
    """Networks of an `ImplicitAutoencoder` sized for `prior`: `encoder`
    (`[x, noise] -> code`), `decoder` (`[code, noise] -> x`),
    `reconstruction_discriminator` (`[x, code] -> logit`) and
    `regularization_discriminator` (`code -> logit`).

    Args:
        prior: a `keras_perceptual.priors.Prior` (a `CategoricalPrior` gives a
            categorical code).
        image_shape: image shape.
        encoder_noise_dim: noise fed to the encoder (0: deterministic q(z|x)).
        decoder_noise_dim: noise n fed to the decoder.
        conv_filters, units: encoder and joint-discriminator trunk (the
            decoder mirrors them).
        discriminator_units: hidden layers of the code discriminator.
        decoder_batch_norm: BatchNorm in the decoder
            (`autoencoder_decoder(batch_norm=True)`).
        normalize_code: unit-variance code units
            (`autoencoder_encoder(normalize_code=True)`).
        data_format: layout the convolutions run in, "channels_first" or
            "channels_last" (default: `keras.config.image_data_format()`);
            images stay channels-last at the networks' inputs and outputs.
    """
    prior = kp_priors.get(prior)
    k = prior.num_classes if isinstance(prior, kp_priors.CategoricalPrior) else 0
    return {
        "encoder": autoencoder_encoder(image_shape, prior.dim - k, k, encoder_noise_dim, conv_filters, units,
                                       normalize_code=normalize_code, data_format=data_format),
        "decoder": autoencoder_decoder(image_shape, prior.dim, decoder_noise_dim, units,
                                       tuple(reversed(conv_filters)), batch_norm=decoder_batch_norm,
                                       data_format=data_format),
        "reconstruction_discriminator": joint_discriminator(image_shape, prior.dim, conv_filters, units,
                                                            name="reconstruction_discriminator",
                                                            data_format=data_format),
        "regularization_discriminator": latent_discriminator(prior.dim, discriminator_units,
                                                             "regularization_discriminator"),
    }

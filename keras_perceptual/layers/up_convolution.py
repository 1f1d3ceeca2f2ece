import keras

import keras_perceptual.validation as validation

DATA_FORMATS = ("channels_last", "channels_first")


def data_format_of(data_format):
    """`data_format`, or the global `keras.config.image_data_format()` for None."""
    if data_format is None:
        return keras.config.image_data_format()
    return validation.expect_choice("data_format", data_format, DATA_FORMATS)


@keras.saving.register_keras_serializable(package="keras_perceptual")
class UpConvolution2D(keras.layers.Layer):
    """Up-convolution: nearest-neighbour (or bilinear) upsampling followed by
    a convolution, as in Dosovitskiy & Brox's generators. Avoids the
    checkerboard artefacts of strided transposed convolutions.

    Args:
        filters: int > 0, output channels.
        kernel_size: int > 0, convolution kernel size.
        factor: int >= 1, upsampling factor.
        interpolation: "nearest" or "bilinear".
        activation: activation of the convolution (default None).
        use_bias: bool.
        kernel_initializer, kernel_regularizer: as in `keras.layers.Conv2D`.
        data_format: "channels_last" (`(n, h, w, c)` inputs) or
            "channels_first" (`(n, c, h, w)`); default
            `keras.config.image_data_format()`.
        **kwargs: base layer arguments.

    Example:
    >>> y = UpConvolution2D(32, 3)(keras.ops.zeros((1, 8, 8, 16)))  # (1, 16, 16, 32)

    Reference:
        Dosovitskiy & Brox, "Generating images with perceptual similarity
        metrics based on deep networks", NIPS 2016.
    """

    def __init__(
        self,
        filters,
        kernel_size=3,
        factor=2,
        interpolation="nearest",
        activation=None,
        use_bias=True,
        kernel_initializer="glorot_uniform",
        kernel_regularizer=None,
        data_format=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        filters = validation.expect_int("filters", filters, minimum=1)
        factor = validation.expect_int("factor", factor, minimum=1)
        validation.expect_choice("interpolation", interpolation, ("nearest", "bilinear"))
        if isinstance(kernel_size, (list, tuple)):
            kernel_size = tuple(validation.expect_int_list("kernel_size", list(kernel_size)))
        else:
            kernel_size = validation.expect_int("kernel_size", kernel_size, minimum=1)
        use_bias = validation.expect_bool("use_bias", use_bias)
        self.filters = filters
        self.kernel_size = kernel_size
        self.factor = factor
        self.interpolation = interpolation
        self.activation = keras.activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.data_format = data_format_of(data_format)
        self.upsample = keras.layers.UpSampling2D(
            factor, interpolation=interpolation, data_format=self.data_format, dtype=self.dtype_policy
        )
        self.conv = keras.layers.Conv2D(
            filters,
            kernel_size,
            padding="same",
            activation=activation,
            use_bias=use_bias,
            kernel_initializer=kernel_initializer,
            kernel_regularizer=kernel_regularizer,
            data_format=self.data_format,
            dtype=self.dtype_policy,
        )

    def build(self, input_shape):
        self.upsample.build(input_shape)
        self.conv.build(self.upsample.compute_output_shape(input_shape))

    def call(self, inputs):
        return self.conv(self.upsample(inputs))

    def compute_output_shape(self, input_shape):
        return self.conv.compute_output_shape(
            self.upsample.compute_output_shape(input_shape)
        )

    @classmethod
    def from_config(cls, config):
        # Configs written before `data_format` existed are channels-last.
        return cls(**{"data_format": "channels_last", **config})

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "kernel_size": self.kernel_size,
                "factor": self.factor,
                "interpolation": self.interpolation,
                "activation": keras.activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
                "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
                "data_format": self.data_format,
            }
        )
        return config

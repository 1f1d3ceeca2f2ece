from keras_perceptual.layers.sampling import GaussianSampling
from keras_perceptual.layers.sampling import reparameterize
from keras_perceptual.layers.up_convolution import UpConvolution2D

__all__ = ["GaussianSampling", "UpConvolution2D", "reparameterize"]

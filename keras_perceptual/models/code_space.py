"""Code spaces: what differs between the zoo's image models in their codes.

A code space says what shape a code has, how an encoder's outputs become a
code (deterministically or with posterior noise the model hands in), and
how to draw codes from the prior p(z), if there is one. The model owns every
random draw: a code space never holds a random state of its own; it reads
noise or a `keras.random.SeedGenerator` from the model (in a training step)
or a NumPy `Generator` (in inference).

- `DeterministicCode(shape)`: a code with no prior (the DeePSiM and L2
  autoencoders' spatial codes, the DeePSiM inverter's comparator features).
- `GaussianCode(dim)`: `q(z|x) = N(mean, exp(log_var))` with a standard
  normal prior (VAE/GAN, VAE, DeePSiM's VAE).
- `PriorCode(prior)`: a `keras_perceptual.priors.Prior` (AAE, IAE).
"""

import keras
import numpy as np

import keras_perceptual.validation as validation
from keras_perceptual.layers.sampling import reparameterize


class NoPriorError(ValueError):
    """The model has no prior p(z) to sample from (e.g. an autoencoder)."""


class CodeSpace:
    """Base class: a code of shape `shape` without a prior.

    Args:
        shape: the shape of one code (a tuple of ints).
    """

    has_prior = False
    stochastic = False  # whether encoding can draw posterior noise

    def __init__(self, shape):
        self.shape = tuple(int(d) for d in shape)

    @property
    def size(self):
        return int(np.prod(self.shape))

    def code(self, outputs, noise=None):
        """Encoder outputs -> codes (`keras.ops`). `noise`: posterior noise
        of a stochastic code, None for its deterministic value."""
        return outputs

    def noise_shape(self, outputs):
        """Shape of the posterior noise `code` takes for these outputs."""
        return None

    def check(self, codes, name="codes"):
        """Codes as a float32 array `(n,) + shape`; flat codes `(n, size)`
        are reshaped. Raises a `ValueError` otherwise."""
        arr = validation.expect_array(name, codes, finite=False)
        if arr.ndim == 2 and arr.shape[1] == self.size:
            arr = arr.reshape((len(arr),) + self.shape)
        if arr.ndim < 1 or tuple(arr.shape[1:]) != self.shape:
            raise validation.fail(name, f"codes of shape (n,) + {self.shape} or (n, {self.size})",
                                  f"an array of shape {np.shape(arr)}")
        return validation.expect_array(name, arr)

    def sample(self, num_samples, rng):
        """`num_samples` codes from p(z), NumPy, drawn with `rng`."""
        raise NoPriorError(self._no_prior())

    def sample_tensor(self, num_samples, seed_generator):
        """`num_samples` codes from p(z), a tensor drawn through the model's
        `seed_generator` (inside a training step)."""
        raise NoPriorError(self._no_prior())

    def _no_prior(self):
        return (
            f"This model has no prior p(z) to sample from (its code, of shape {self.shape}, "
            "is an autoencoder's): use `reconstruct`, or `interpolate` between two images."
        )

    def __repr__(self):
        return f"{type(self).__name__}(shape={self.shape})"


class DeterministicCode(CodeSpace):
    """A deterministic code without a prior."""


class GaussianCode(CodeSpace):
    """`q(z|x) = N(mean, exp(log_var))` from encoder outputs `[mean,
    log_var]`, prior `N(0, I)`.

    Args:
        dim: code size.
    """

    has_prior = True
    stochastic = True

    def __init__(self, dim):
        super().__init__((dim,))

    def code(self, outputs, noise=None):
        mean, log_var = outputs
        return mean if noise is None else reparameterize(mean, log_var, noise)

    def noise_shape(self, outputs):
        return tuple(outputs[0].shape)

    def sample(self, num_samples, rng):
        return rng.standard_normal((num_samples,) + self.shape).astype("float32")

    def sample_tensor(self, num_samples, seed_generator):
        return keras.random.normal((num_samples,) + self.shape, seed=seed_generator)


class PriorCode(CodeSpace):
    """A code matched to a `keras_perceptual.priors.Prior`: encoder outputs
    pass through `prior.activate` (a softmax on a categorical part).

    Args:
        prior: a `Prior`.
    """

    has_prior = True

    def __init__(self, prior):
        super().__init__((prior.dim,))
        self.prior = prior

    def code(self, outputs, noise=None):
        return self.prior.activate(outputs)

    def sample(self, num_samples, rng):
        return self.prior.sample(num_samples, seed=rng)

    def sample_tensor(self, num_samples, seed_generator):
        return self.prior.sample_tensor(num_samples, seed_generator)

    def __repr__(self):
        return f"PriorCode({self.prior!r})"

"""Recipe: an adversarial autoencoder (GAN or MMD regulariser) on Fashion-MNIST.

Options: `prior` ("gaussian" with `latent_dim`, "mixture" or "swiss_roll"
(2-D, `num_classes` components) or "categorical" (`num_classes` +
`style_dim`)), `regularizer` ("gan" or "mmd"), `mode` ("unsupervised",
"supervised", "semi_supervised" with `labelled` labels kept, or
"clustering"), `regularizer_weight` (lambda, 1 by default), the
`AdversarialAutoencoder` options, the networks' sizes, `learning_rate`
(autoencoder players), `discriminator_learning_rate`, `limit` (number of
training images, all 60k by default).
"""

import keras
import numpy as np

import keras_perceptual.networks as networks
import keras_perceptual.priors as kp_priors
from keras_perceptual.data_files import fashion_mnist_arrays
from keras_perceptual.models.adversarial_autoencoder import AdversarialAutoencoder
from keras_perceptual.models.checks import check_choice
from keras_perceptual.recipes import list_recipes
from keras_perceptual.recipes._fashion import fashion_pictures
from keras_perceptual.training.recipe import ArrayData
from keras_perceptual.training.recipe import Option
from keras_perceptual.training.recipe import Recipe
from keras_perceptual.training.recipe import Validation
from keras_perceptual.training.validation import sample_fid

PRIORS = ("gaussian", "mixture", "swiss_roll", "categorical")
SMOKE = dict(limit=256, conv_filters=(8,), units=(32,), discriminator_units=(32,))
OPTIONS = dict(prior="gaussian", latent_dim=2, regularizer="gan", mode="unsupervised", num_classes=10, style_dim=0,
               style_discriminator=False, labelled=1000, regularizer_weight=None, learning_rate=1e-3,
               discriminator_learning_rate=2e-4, conv_filters=(32, 64), units=(256,), discriminator_units=(256, 256),
               gumbel_temperature=None, straight_through=False, discriminator_noise=0.0,
               marginal_entropy_weight=0.0, code_reconstruction_weight=0.0, limit=None, jit_compile="auto")

# Fashion-MNIST as float32 `(n, 28, 28, 1)` in [-1, 1] (and int labels).
load_images = fashion_mnist_arrays


def make_prior(prior, latent_dim=2, num_classes=10, style_dim=0):
    check_choice("prior", prior, PRIORS)
    if prior == "gaussian":
        return kp_priors.GaussianPrior(latent_dim)
    if prior == "mixture":
        return kp_priors.GaussianMixturePrior(num_classes)
    if prior == "swiss_roll":
        return kp_priors.SwissRollPrior(num_classes)
    return kp_priors.CategoricalPrior(num_classes, style_dim=style_dim)


def semi_supervised_labels(y, labelled, num_classes=10, seed=0):
    """Keeps `labelled` labels (balanced over classes), sets the rest to -1."""
    if labelled <= 0:
        raise ValueError(f"`labelled` must be > 0 in semi-supervised mode. Received: labelled={labelled}")
    rng = np.random.default_rng(seed)
    keep = np.concatenate([rng.permutation(np.flatnonzero(y == c))[: max(1, labelled // num_classes)]
                           for c in range(num_classes)])
    out = np.full_like(y, -1)
    out[keep] = y[keep]
    return out


def optimizers(learning_rate=1e-3, discriminator_learning_rate=2e-4):
    """Adam for the autoencoder players, a slower Adam for discriminators."""
    def adam(lr):
        return keras.optimizers.Adam(lr, beta_1=0.5)

    return adam(learning_rate), (lambda: adam(discriminator_learning_rate))


def compile_players(model, options, total_steps=None, steps_per_epoch=None):
    """Adam(`learning_rate`) for the autoencoder players, a slower Adam for
    every discriminator (shared by the AAE and IAE recipes)."""
    default, disc = optimizers(options["learning_rate"], options["discriminator_learning_rate"])
    model.compile(optimizer=default, optimizers={k: disc() for k in model.players if "discriminator" in k},
                  jit_compile=options["jit_compile"])


def build(o):
    p = make_prior(o["prior"], o["latent_dim"], o["num_classes"], o["style_dim"])
    nets = networks.aae_networks(p, regularizer=o["regularizer"], mode=o["mode"],
                                 style_discriminator=o["style_discriminator"], conv_filters=tuple(o["conv_filters"]),
                                 units=tuple(o["units"]), discriminator_units=tuple(o["discriminator_units"]))
    return AdversarialAutoencoder(
        **nets, prior=p, regularizer=o["regularizer"], mode=o["mode"],
        regularizer_weight=1.0 if o["regularizer_weight"] is None else o["regularizer_weight"],
        gumbel_temperature=o["gumbel_temperature"], straight_through=o["straight_through"],
        discriminator_noise=o["discriminator_noise"], marginal_entropy_weight=o["marginal_entropy_weight"],
        code_reconstruction_weight=o["code_reconstruction_weight"], seed=o["seed"])


def load_data(o, batch_size):
    x, y = load_images("train", o["limit"], labels=True)
    targets = None
    if o["mode"] == "supervised":
        targets = y
    elif o["mode"] == "semi_supervised":
        targets = semi_supervised_labels(y, o["labelled"], o["num_classes"], o["seed"])
    return ArrayData(x, targets, batch_size=batch_size)


OPTION_TYPES = dict(prior=Option("choice", choices=PRIORS), regularizer=Option("choice", choices=("gan", "mmd")),
                    mode=Option("choice", choices=("unsupervised", "supervised", "semi_supervised", "clustering")))


def aae_recipe(name, defaults, finalize=None,
               validation=Validation("validation_fid", sample_fid, mode="min")):
    return Recipe(name=name, description=list_recipes()[name], build=build, compile=compile_players, data=load_data,
                  defaults=defaults, epochs=10, batch_size=100, smoke=SMOKE, finalize=finalize,
                  pictures=("samples", "reconstructions"), picture_data=fashion_pictures, validation=validation,
                  option_types=OPTION_TYPES)


RECIPE = aae_recipe("aae", OPTIONS)
RECIPES = (RECIPE,)
train = RECIPE.train

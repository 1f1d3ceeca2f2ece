"""Recipe: an implicit autoencoder on Fashion-MNIST, in two set-ups that
differ only in options (the model has no mode switch):

- the paper's IAE (`code="continuous"`; preset `iae_fashion_mnist`, with
  the departures named below): a Gaussian code `GaussianPrior(latent_dim)`, a stochastic encoder (noise
  input, `encoder_noise_dim=16`), decoder noise, and no pixel loss: the
  reconstruction is learned only through the (x, z) reconstruction GAN;
  judged on validation by `noise_class_agreement`;
- the clustering variant (`code="categorical"`, preset
  `iae_clustering_fashion_mnist`): `CategoricalPrior(num_clusters)` with the
  departures tuned on Fashion-MNIST listed at `CLUSTERING` below. The
  `iae_clustering` recipe is this recipe with a categorical code by default,
  judged on validation by clustering accuracy.

Options: `code`, the noise sizes `encoder_noise_dim` and
`decoder_noise_dim`, the `ImplicitAutoencoder` weights, the networks'
sizes, `learning_rate`, `discriminator_learning_rate`, `limit` and
`samples_picture` (what a preset's `samples.png` shows: "samples", prior
draws, or "noise", one code under several decoder noises, the paper's
picture), and three departures the `iae_fashion_mnist` preset needs (off
by default; README, "The paper's IAE", measures each): `normalize_code`
(a unit-variance code that cannot shrink below the decoder noise),
`code_reconstruction_weight` (InfoGAN's code-reconstruction bound on the
mutual information between the code and the decoded image) and
`decoder_batch_norm`. `encoder_noise_dim`, `pixel_weight`, `reconstruction_weight`,
`regularization_weight`, `straight_through`, `marginal_entropy_weight`,
`learning_rate` and `samples_picture` left at None take `CLUSTERING[name]`
for a categorical code and `PAPER[name]` for a continuous one; every one
of them can be set explicitly for either code."""

import dataclasses

import keras_perceptual.networks as networks
import keras_perceptual.priors as kp_priors
from keras_perceptual.models.checks import check_choice
from keras_perceptual.models.implicit_autoencoder import ImplicitAutoencoder
from keras_perceptual.recipes import aae
from keras_perceptual.recipes import list_recipes
from keras_perceptual.recipes._fashion import fashion_data
from keras_perceptual.recipes._fashion import fashion_pictures
from keras_perceptual.training.recipe import Option
from keras_perceptual.training.recipe import Recipe
from keras_perceptual.training.recipe import Validation
from keras_perceptual.training.validation import clustering_accuracy
from keras_perceptual.training.validation import noise_class_agreement

SMOKE = dict(limit=256, conv_filters=(), units=(32,), discriminator_units=(32,))

# Options left at None take these: the paper's IAE for a continuous code;
# for a categorical code (clustering) the settings tuned on Fashion-MNIST
# (K = 10; benchmarks/README_clustering.md), each a departure from the paper:
# a deterministic encoder (with encoder noise, the encoder matches the
# uniform prior by drawing the category from its noise, a code without
# information the joint GAN accepts), a pixel MSE term that carries the
# reconstruction with the joint (x, z) GAN at weight 0.05, one-hot codes for
# the decoder (`straight_through="decoder"`), and a batch-marginal entropy
# term for equal cluster sizes; the autoencoder learning rate 1e-3 of the
# AAE recipe (2e-4 stayed below k-means in 8 epochs). Without them the categorical IAE collapses
# to one cluster.
PAPER = dict(encoder_noise_dim=16, pixel_weight=0.0, reconstruction_weight=1.0, regularization_weight=1.0,
             straight_through=False, marginal_entropy_weight=0.0, learning_rate=2e-4, samples_picture="noise")
CLUSTERING = dict(encoder_noise_dim=0, pixel_weight=1.0, reconstruction_weight=0.05, regularization_weight=0.1,
                  straight_through="decoder", marginal_entropy_weight=1.0, learning_rate=1e-3,
                  samples_picture="samples")


OPTIONS = dict(code="categorical", num_clusters=10, latent_dim=8, encoder_noise_dim=None, decoder_noise_dim=16,
               pixel_weight=None, regularization_weight=None, learning_rate=None, discriminator_learning_rate=2e-4,
               conv_filters=(), units=(512, 512), discriminator_units=(512, 512), reconstruction_weight=None,
               gumbel_temperature=None, straight_through=None, discriminator_noise=0.0, marginal_entropy_weight=None,
               decoder_batch_norm=False, normalize_code=False,
               code_reconstruction_weight=0.0, samples_picture=None, limit=None, jit_compile="auto")


def finalize(o):
    check_choice("code", o["code"], ("categorical", "continuous"))
    base = CLUSTERING if o["code"] == "categorical" else PAPER
    return {k: base[k] if v is None and k in base else v for k, v in o.items()}


def build(o):
    prior = kp_priors.CategoricalPrior(o["num_clusters"]) if o["code"] == "categorical" else \
        kp_priors.GaussianPrior(o["latent_dim"])
    nets = networks.iae_networks(prior, encoder_noise_dim=o["encoder_noise_dim"],
                                 decoder_noise_dim=o["decoder_noise_dim"], conv_filters=tuple(o["conv_filters"]),
                                 units=tuple(o["units"]), discriminator_units=tuple(o["discriminator_units"]),
                                 decoder_batch_norm=o["decoder_batch_norm"],
                                 normalize_code=o["normalize_code"])
    return ImplicitAutoencoder(
        **nets, prior=prior, pixel_weight=o["pixel_weight"], regularization_weight=o["regularization_weight"],
        reconstruction_weight=o["reconstruction_weight"], gumbel_temperature=o["gumbel_temperature"],
        straight_through=o["straight_through"], discriminator_noise=o["discriminator_noise"],
        marginal_entropy_weight=o["marginal_entropy_weight"], code_reconstruction_weight=o["code_reconstruction_weight"],
        seed=o["seed"])


RECIPE = Recipe(
    name="iae",
    description=list_recipes()["iae"],
    build=build, compile=aae.compile_players, data=lambda o, batch_size: fashion_data(o, batch_size),
    defaults=OPTIONS, epochs=10, batch_size=100, smoke=SMOKE, finalize=finalize, pictures=("samples", "noise"),
    picture_data=fashion_pictures,
    option_types=dict(code=Option("choice", choices=("categorical", "continuous")),
                      straight_through=Option("choice", choices=(False, True, "decoder"))),
    # The paper's claim as the learning curve: the code keeps the class under
    # decoder noise (a run whose decoder learns to ignore its code drops to
    # chance, and restore_best keeps the point before).
    # The curve swings by up to 0.2 between measurements (README, "The
    # paper's IAE"): the convergence rule waits for 10 of them.
    validation=Validation("validation_noise_class_agreement", noise_class_agreement, mode="max", min_points=10),
)
# The same recipe judged as a clustering model: the categorical code, and
# the validation clustering accuracy as its learning curve (noisy: the
# convergence rule waits for 10 measurements, as for the AAE's clustering).
CLUSTERING_RECIPE = dataclasses.replace(
    RECIPE, name="iae_clustering", description=list_recipes()["iae_clustering"],
    defaults=dict(OPTIONS, code="categorical"),
    validation=Validation("validation_clustering_accuracy", clustering_accuracy, mode="max", min_points=10),
)
RECIPES = (RECIPE, CLUSTERING_RECIPE)
train = RECIPE.train

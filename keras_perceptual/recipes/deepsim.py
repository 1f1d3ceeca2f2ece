"""The three DeePSiM recipes (Dosovitskiy & Brox 2016), one `DeePSiM` mode
each: autoencoder (a small spatial code), VAE (DeePSiM replaces the
reconstruction term, KL kept) and feature inverter (decodes comparator
features back to the image). Fashion-MNIST, the small 28x28 networks, the
zoo's classifier as comparator, Adam 2e-4 (beta 0.9, 0.999) as in the paper.

Options: `comparator_weights` (a classifier preset, by name: default
"fashion_mnist_classifier"; untrained in smoke runs), `comparator_layers`,
`inverted_layer` (inverter), `discriminator_features`, `learning_rate`,
`limit` (training images), `jit_compile`, and any `DeePSiM` argument
(`lambda_feat`, `lambda_img`, `lambda_adv`, `pause_threshold`, ...) and
of its set-up (`DeePSiMAutoencoder`, `DeePSiMVAE`: `kl_weight`,
`DeePSiMInverter`).
"""

import keras

from keras_perceptual.comparators import fashion_mnist_comparator
from keras_perceptual.models.deepsim import DeePSiM
from keras_perceptual.models.deepsim_autoencoder import DeePSiMAutoencoder
from keras_perceptual.models.deepsim_inverter import DeePSiMInverter
from keras_perceptual.models.deepsim_vae import DeePSiMVAE
from keras_perceptual.networks.deepsim import deepsim_networks
from keras_perceptual.recipes import list_recipes
from keras_perceptual.recipes._fashion import fashion_data
from keras_perceptual.recipes._fashion import fashion_pictures
from keras_perceptual.training.recipe import Option
from keras_perceptual.training.recipe import Recipe
from keras_perceptual.training.recipe import Validation
from keras_perceptual.training.validation import reconstruction_fid

SETUPS = {"autoencoder": DeePSiMAutoencoder, "vae": DeePSiMVAE, "inverter": DeePSiMInverter}
COMPARATOR_LAYERS = ("block1_act2", "block2_act2")
CLASSIFIER_PRESET = "fashion_mnist_classifier"
OPTIONS = dict(comparator_weights=None, comparator_layers=COMPARATOR_LAYERS, inverted_layer=None,
               discriminator_features=None, learning_rate=2e-4, limit=None, jit_compile="auto")
OPTION_TYPES = dict(comparator_weights=Option("text"), comparator_layers=Option("texts"), inverted_layer=Option("text"),
                    discriminator_features=Option("bool"))
# Networks and the seed: built here, not options.
NOT_OPTIONS = ("generator", "discriminator", "comparator", "encoder")


def build_comparator(options):
    """The Fashion-MNIST classifier comparator, named by reference: the
    preset `comparator_weights` (default "fashion_mnist_classifier"), or an
    untrained network in smoke runs."""
    weights = options["comparator_weights"]
    if weights is None and not options["smoke"]:
        weights = CLASSIFIER_PRESET
    return fashion_mnist_comparator(tuple(options["comparator_layers"]), weights=weights)


def deepsim_recipe(mode):
    model_class = SETUPS[mode]
    recipe = None

    def build(options):
        comparator = build_comparator(options)
        features = options["discriminator_features"]
        nets = deepsim_networks(mode, "small28", channels=1, comparator=comparator,
                                inverted_layer=options["inverted_layer"],
                                discriminator_features=mode == "inverter" if features is None else features)
        return model_class(**nets, comparator=comparator, **recipe.model_options(options, exclude=NOT_OPTIONS))

    recipe = Recipe(
        name=f"deepsim_{mode}", description=list_recipes()[f"deepsim_{mode}"], build=build, compile=compile_model,
        data=lambda options, batch_size: fashion_data(options, batch_size), defaults=OPTIONS, epochs=10,
        batch_size=64, smoke=dict(jit_compile=False), smoke_batches=4, model_class=(model_class, DeePSiM),
        pictures=("reconstructions", "samples") if mode == "vae" else ("reconstructions",),
        picture_data=fashion_pictures, option_types=OPTION_TYPES,
        validation=Validation("validation_reconstruction_fid", reconstruction_fid, mode="min"),
    )
    return recipe


def compile_model(model, options, total_steps, steps_per_epoch):
    model.compile(optimizer=keras.optimizers.Adam(options["learning_rate"], beta_1=0.9, beta_2=0.999),
                  jit_compile=options["jit_compile"])


RECIPES = tuple(deepsim_recipe(mode) for mode in ("autoencoder", "vae", "inverter"))

"""Recipe: unsupervised clustering with an adversarial autoencoder: a
categorical code of K clusters (`num_clusters`) plus a Gaussian style
(`style_dim`), GAN or MMD regulariser. The paper's two adversaries
(categorical and style) are used with the GAN regulariser unless
`style_discriminator=False`. Unset options take `DEFAULTS` and
`REGULARIZER_DEFAULTS[regularizer]` (departures from the paper, see there);
the others are the `aae` recipe's."""

from keras_perceptual.recipes import aae
from keras_perceptual.training.recipe import Validation
from keras_perceptual.training.validation import clustering_accuracy

# Fully connected networks (as in the AAE paper's MNIST models): on a CPU
# they train an epoch of Fashion-MNIST in seconds.
DEFAULTS = dict(conv_filters=(), units=(512, 512), discriminator_units=(512, 512))

# Per-regulariser defaults, tuned on Fashion-MNIST clustering (K = 10;
# benchmarks/README_clustering.md). Departures from the paper, each an
# `AdversarialAutoencoder` option:
# - MMD: `straight_through=True`, the decoder and the MMD see one-hot codes
#   (the MMD of one-hot codes to one-hot prior draws is then a penalty on
#   unequal cluster sizes), lambda 1.
# - GAN: `straight_through="decoder"` (one-hot codes for the decoder, the
#   softmax for the discriminator, as in the paper: with one-hot codes on
#   both sides the discriminator's gradient at the K vertices is noise), and
#   `marginal_entropy_weight=1` for equal cluster sizes, lambda 0.1.
REGULARIZER_DEFAULTS = {
    "mmd": dict(regularizer_weight=1.0, straight_through=True),
    "gan": dict(regularizer_weight=0.1, straight_through="decoder", marginal_entropy_weight=1.0),
}
# Options whose default depends on the regulariser (None until `finalize`).
LATE = ("regularizer_weight", "straight_through", "marginal_entropy_weight", "style_discriminator")

OPTIONS = {k: v for k, v in aae.OPTIONS.items() if k not in ("prior", "mode", "num_classes")}
OPTIONS.update(DEFAULTS, num_clusters=10, regularizer="gan", **{k: None for k in LATE})


def finalize(o):
    o = dict(o)
    base = {**aae.OPTIONS, **REGULARIZER_DEFAULTS.get(o["regularizer"], {}),
            "style_discriminator": o["regularizer"] == "gan" and o["style_dim"] > 0}
    for k in LATE:
        if o[k] is None:
            o[k] = base[k]
    o.update(prior="categorical", mode="clustering", num_classes=o.pop("num_clusters"))
    return o


RECIPE = aae.aae_recipe("aae_clustering", OPTIONS, finalize=finalize,
                        validation=Validation("validation_clustering_accuracy", clustering_accuracy, mode="max"))
RECIPES = (RECIPE,)
train = RECIPE.train

"""Recipe: unsupervised clustering with an adversarial autoencoder: a
categorical code of K clusters plus a Gaussian style, GAN or MMD regulariser."""

from keras_perceptual.recipes import aae

DESCRIPTION = "AAE clustering on Fashion-MNIST: categorical code (K clusters) + style, GAN or MMD regulariser"

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


def train(output=None, epochs=None, batch_size=100, smoke=False, seed=0, dataset="fashion_mnist", verbose=1,
          num_clusters=10, style_dim=0, regularizer="gan", style_discriminator=None, **options):
    """Trains `AdversarialAutoencoder(mode="clustering")` with a
    `CategoricalPrior(num_clusters, style_dim)`; returns it. The paper's two
    adversaries (categorical and style) are used with the GAN regulariser
    unless `style_discriminator=False`. Other options go to `aae.train`;
    unset ones take `DEFAULTS` and `REGULARIZER_DEFAULTS[regularizer]`
    (departures from the paper, see there)."""
    if style_discriminator is None:
        style_discriminator = regularizer == "gan" and style_dim > 0
    for k, v in {**DEFAULTS, **REGULARIZER_DEFAULTS.get(regularizer, {})}.items():
        options.setdefault(k, v)
    return aae.train(output=output, epochs=epochs, batch_size=batch_size, smoke=smoke, seed=seed, dataset=dataset,
                     verbose=verbose, prior="categorical", mode="clustering", num_classes=num_clusters,
                     style_dim=style_dim, regularizer=regularizer, style_discriminator=style_discriminator,
                     **options)

"""Recipe: an adversarial autoencoder (GAN or MMD regulariser) on Fashion-MNIST."""

from pathlib import Path

import keras
import numpy as np

from keras_perceptual import networks
from keras_perceptual import priors as kp_priors
from keras_perceptual.datasets import fashion_mnist_arrays
from keras_perceptual.models.adversarial_autoencoder import AdversarialAutoencoder
from keras_perceptual.models.checks import check_choice

DESCRIPTION = "Adversarial autoencoder (GAN or MMD regulariser; Gaussian, mixture, swiss-roll or categorical prior) on Fashion-MNIST"

PRIORS = ("gaussian", "mixture", "swiss_roll", "categorical")
SMOKE = dict(limit=256, epochs=1, conv_filters=(8,), units=(32,), discriminator_units=(32,))


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


def train(
    output=None,
    epochs=None,
    batch_size=100,
    smoke=False,
    seed=0,
    dataset="fashion_mnist",
    verbose=1,
    prior="gaussian",
    latent_dim=2,
    regularizer="gan",
    mode="unsupervised",
    num_classes=10,
    style_dim=0,
    style_discriminator=False,
    labelled=1000,
    regularizer_weight=None,
    learning_rate=1e-3,
    discriminator_learning_rate=2e-4,
    conv_filters=(32, 64),
    units=(256,),
    discriminator_units=(256, 256),
    gumbel_temperature=None,
    straight_through=False,
    discriminator_noise=0.0,
    marginal_entropy_weight=0.0,
    callbacks=None,
    limit=None,
    jit_compile="auto",
):
    """Builds and trains an `AdversarialAutoencoder`; returns it.

    Args:
        prior: "gaussian" (`latent_dim`), "mixture" or "swiss_roll" (2-D,
            `num_classes` components) or "categorical" (`num_classes` +
            `style_dim`).
        regularizer: "gan" or "mmd".
        mode: "unsupervised", "supervised", "semi_supervised" (with
            `labelled` labels kept) or "clustering".
        regularizer_weight: lambda (default: 1 for GAN, 1 for MMD with
            the per-pixel MSE, see `AdversarialAutoencoder`).
        limit: number of training images (all 60k by default).
    """
    check_choice("dataset", dataset, ("fashion_mnist",))
    keras.utils.set_random_seed(seed)
    if smoke:
        limit = min(limit or SMOKE["limit"], SMOKE["limit"])
        epochs = epochs or SMOKE["epochs"]
        conv_filters, units, discriminator_units = SMOKE["conv_filters"], SMOKE["units"], SMOKE["discriminator_units"]
    epochs = epochs or 10
    p = make_prior(prior, latent_dim, num_classes, style_dim)
    nets = networks.aae_networks(p, regularizer=regularizer, mode=mode, style_discriminator=style_discriminator,
                                 conv_filters=tuple(conv_filters), units=tuple(units),
                                 discriminator_units=tuple(discriminator_units))
    model = AdversarialAutoencoder(**nets, prior=p, regularizer=regularizer, mode=mode,
                                   regularizer_weight=1.0 if regularizer_weight is None else regularizer_weight,
                                   gumbel_temperature=gumbel_temperature, straight_through=straight_through,
                                   discriminator_noise=discriminator_noise,
                                   marginal_entropy_weight=marginal_entropy_weight, seed=seed)
    default, disc = optimizers(learning_rate, discriminator_learning_rate)
    model.compile(optimizer=default,
                  optimizers={k: disc() for k in model.players if "discriminator" in k},
                  jit_compile=jit_compile)
    x, y = load_images("train", limit, labels=True)
    targets = None
    if mode == "supervised":
        targets = y
    elif mode == "semi_supervised":
        targets = semi_supervised_labels(y, labelled, num_classes, seed)
    model.fit(x, targets, batch_size=batch_size, epochs=epochs, shuffle=True, verbose=verbose,
              callbacks=callbacks)
    if output is not None:
        save_samples(model, output)
    return model


def save_samples(model, output, n=64):
    """Writes `samples.png` (prior draws) and `reconstructions.png`."""
    from keras_perceptual.callbacks import interleave_rows
    from keras_perceptual.images import save_image_grid

    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    save_image_grid(model.generate(n, seed=0), output / "samples.png", scale=2)
    x = load_images("test", 32)
    save_image_grid(interleave_rows(x, model.reconstruct(x)), output / "reconstructions.png", columns=16, scale=2)

"""Recipe: an implicit autoencoder on Fashion-MNIST, with a continuous or a
categorical (clustering) code."""

from pathlib import Path

import keras

from keras_perceptual import networks
from keras_perceptual import priors as kp_priors
from keras_perceptual.models.checks import check_choice
from keras_perceptual.models.implicit_autoencoder import ImplicitAutoencoder
from keras_perceptual.recipes import aae

DESCRIPTION = "Implicit autoencoder on Fashion-MNIST: noisy encoder and decoder, (x, z) reconstruction GAN, code GAN"

SMOKE = dict(limit=256, epochs=1, conv_filters=(), units=(32,), discriminator_units=(32,))

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
             straight_through=False, marginal_entropy_weight=0.0, learning_rate=2e-4)
CLUSTERING = dict(encoder_noise_dim=0, pixel_weight=1.0, reconstruction_weight=0.05, regularization_weight=0.1,
                  straight_through="decoder", marginal_entropy_weight=1.0, learning_rate=1e-3)


def train(
    output=None,
    epochs=None,
    batch_size=100,
    smoke=False,
    seed=0,
    dataset="fashion_mnist",
    verbose=1,
    code="categorical",
    num_clusters=10,
    latent_dim=8,
    encoder_noise_dim=None,
    decoder_noise_dim=16,
    pixel_weight=None,
    regularization_weight=None,
    learning_rate=None,
    discriminator_learning_rate=2e-4,
    conv_filters=(),
    units=(512, 512),
    discriminator_units=(512, 512),
    reconstruction_weight=None,
    gumbel_temperature=None,
    straight_through=None,
    discriminator_noise=0.0,
    marginal_entropy_weight=None,
    callbacks=None,
    limit=None,
    jit_compile="auto",
):
    """Builds and trains an `ImplicitAutoencoder`; returns it.

    Args:
        code: "categorical" (`CategoricalPrior(num_clusters)`: clustering)
            or "continuous" (`GaussianPrior(latent_dim)`).
        encoder_noise_dim, decoder_noise_dim: noise sizes.
        pixel_weight: optional pixel MSE weight (0 in the paper).
        encoder_noise_dim, pixel_weight, reconstruction_weight,
        regularization_weight, straight_through, marginal_entropy_weight,
        learning_rate:
            None takes `CLUSTERING[name]` for a categorical code and
            `PAPER[name]` for a continuous one.
    """
    check_choice("dataset", dataset, ("fashion_mnist",))
    check_choice("code", code, ("categorical", "continuous"))
    chosen = dict(encoder_noise_dim=encoder_noise_dim, pixel_weight=pixel_weight,
                  reconstruction_weight=reconstruction_weight, regularization_weight=regularization_weight,
                  straight_through=straight_through, marginal_entropy_weight=marginal_entropy_weight,
                  learning_rate=learning_rate)
    base = CLUSTERING if code == "categorical" else PAPER
    chosen = {k: base[k] if v is None else v for k, v in chosen.items()}
    encoder_noise_dim, pixel_weight = chosen["encoder_noise_dim"], chosen["pixel_weight"]
    reconstruction_weight, regularization_weight = chosen["reconstruction_weight"], chosen["regularization_weight"]
    straight_through, marginal_entropy_weight = chosen["straight_through"], chosen["marginal_entropy_weight"]
    learning_rate = chosen["learning_rate"]
    keras.utils.set_random_seed(seed)
    if smoke:
        limit = min(limit or SMOKE["limit"], SMOKE["limit"])
        epochs = epochs or SMOKE["epochs"]
        conv_filters, units, discriminator_units = SMOKE["conv_filters"], SMOKE["units"], SMOKE["discriminator_units"]
    epochs = epochs or 10
    prior = kp_priors.CategoricalPrior(num_clusters) if code == "categorical" else kp_priors.GaussianPrior(latent_dim)
    nets = networks.iae_networks(prior, encoder_noise_dim=encoder_noise_dim, decoder_noise_dim=decoder_noise_dim,
                                 conv_filters=tuple(conv_filters), units=tuple(units),
                                 discriminator_units=tuple(discriminator_units))
    model = ImplicitAutoencoder(**nets, prior=prior, pixel_weight=pixel_weight,
                                regularization_weight=regularization_weight,
                                reconstruction_weight=reconstruction_weight, gumbel_temperature=gumbel_temperature,
                                straight_through=straight_through, discriminator_noise=discriminator_noise,
                                marginal_entropy_weight=marginal_entropy_weight,
                                seed=seed)
    default, disc = aae.optimizers(learning_rate, discriminator_learning_rate)
    model.compile(optimizer=default, optimizers={k: disc() for k in model.players if "discriminator" in k},
                  jit_compile=jit_compile)
    model.fit(aae.load_images("train", limit), batch_size=batch_size, epochs=epochs, shuffle=True, verbose=verbose,
              callbacks=callbacks)
    if output is not None:
        save_noise_grid(model, output)
    return model


def save_noise_grid(model, output, rows=10, columns=10):
    """`same_code_different_noise.png`: row i decodes one test image's code
    with `columns` decoder noises (first column: the image itself)."""
    import numpy as np

    from keras_perceptual.images import save_image_grid

    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    x = aae.load_images("test", 500)
    if isinstance(model.prior, kp_priors.CategoricalPrior):
        clusters = model.predict_clusters(x)
        picks = [int(np.flatnonzero(clusters == c)[0]) for c in np.unique(clusters)][:rows]
        x = x[picks]
    else:
        x = x[:rows]
    grid = model.vary_noise(x, num_samples=columns - 1, seed=0)
    images = np.concatenate([x[:, None], grid], axis=1).reshape((-1,) + model.image_shape)
    return save_image_grid(images, output / "same_code_different_noise.png", columns=columns, scale=2)

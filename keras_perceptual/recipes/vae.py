"""Recipe: the plain VAE baseline of the VAE/GAN paper: the VAE/GAN's own
encoder and decoder, the same data, optimizer, schedule and budget (see
`keras_perceptual.recipes.vaegan`), a Gaussian pixel likelihood in place of
the learned similarity and no discriminator."""

import keras

from keras_perceptual.models.vae import VAE
from keras_perceptual.networks.vaegan import vaegan_networks
from keras_perceptual.recipes import vaegan

DESCRIPTION = "Plain VAE (Gaussian pixel likelihood) with the VAE/GAN networks: the VAE/GAN paper's baseline"


def build(dataset="fashion_mnist", conditional=False, latent_dim=None, seed=0, **options):
    """A `VAE` with the encoder and decoder the `vaegan` recipe builds."""
    if dataset not in vaegan.DATASETS:
        raise ValueError(f"`dataset` must be one of {sorted(vaegan.DATASETS)}. Received: dataset={dataset!r}")
    family, channels, n_cond = vaegan.DATASETS[dataset]
    nets = vaegan_networks(family, channels=channels, latent_dim=latent_dim,
                           condition_dim=n_cond if conditional else 0)
    return VAE(nets["encoder"], nets["decoder"], seed=seed, **options)


def train(output=None, epochs=None, batch_size=64, smoke=False, seed=0, dataset="fashion_mnist",
          verbose=1, conditional=False, learning_rate=None, lr_decay_steps=None, data_dir=None,
          jit_compile="auto", **options):
    """Trains a `VAE` exactly as `vaegan.train` trains a `VAEGAN` (same
    arguments; `options` go to the `VAE` constructor: `pixel_sigma`,
    `kl_weight`). Returns the model with its `training_record`."""
    keras.utils.set_random_seed(seed)
    model = build(dataset, conditional=conditional, seed=seed, **options)
    return vaegan.fit(model, "vae", output=output, epochs=epochs, batch_size=batch_size, smoke=smoke, seed=seed,
                      dataset=dataset, verbose=verbose, conditional=conditional, learning_rate=learning_rate,
                      lr_decay_steps=lr_decay_steps, data_dir=data_dir, jit_compile=jit_compile)

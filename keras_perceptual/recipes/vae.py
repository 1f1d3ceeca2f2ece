"""Recipe: the plain VAE baseline of the VAE/GAN paper: the VAE/GAN's own
encoder and decoder, the same data, optimizer, schedule and budget (see
`keras_perceptual.recipes.vaegan`), a Gaussian pixel likelihood in place of
the learned similarity and no discriminator."""

from keras_perceptual.models.vae import VAE
from keras_perceptual.recipes import vaegan

# The VAE/GAN's optimizer defaults; its model options (gamma, ...) are not the VAE's.
DEFAULTS = {dataset: {k: d[k] for k in ("learning_rate", "lr_decay_steps")} for dataset, d in vaegan.DEFAULTS.items()}

RECIPE = vaegan.family_recipe("vae", VAE, DEFAULTS)
RECIPES = (RECIPE,)
train = RECIPE.train

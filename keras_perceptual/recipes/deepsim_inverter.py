"""Recipe: DeePSiM inverter (Dosovitskiy & Brox 2016): decodes comparator features back to the image, on fashion_mnist."""

from keras_perceptual.recipes._deepsim_common import train_deepsim

DESCRIPTION = "DeePSiM inverter (Dosovitskiy & Brox 2016): decodes comparator features back to the image, on fashion_mnist"


def train(output=None, epochs=None, batch_size=64, smoke=False, seed=0, dataset="fashion_mnist", verbose=1,
          **options):
    """Trains a `DeePSiMInverter`; returns the model.

    Options: `comparator_weights` (a classifier preset, by name:
    default "fashion_mnist_classifier"; untrained in smoke runs), `comparator_layers`,
    `inverted_layer` (inverter), `discriminator_features`,
    `learning_rate` (2e-4), `limit` (training images), `jit_compile`, and
    any `DeePSiM` argument (`lambda_feat`, `lambda_img`, `lambda_adv`,
    `pause_threshold`, ...). With `output`, reconstruction grids are
    written each epoch under `output/grids/`.
    """
    return train_deepsim("inverter", "deepsim_inverter", output=output, epochs=epochs, batch_size=batch_size,
                         smoke=smoke, seed=seed, dataset=dataset, verbose=verbose, **options)

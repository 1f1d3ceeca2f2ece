"""CelebA data and picture inputs of the recipes that train on it (the
VAE/GAN's): a tf.data pipeline, so this module (and TensorFlow) loads only
when a run trains on CelebA, through `recipes.data_source("celeba")`; a
Fashion-MNIST run on JAX or PyTorch never imports TensorFlow."""

import numpy as np

import keras_perceptual.datasets as datasets
from keras_perceptual.training.recipe import DatasetData


def celeba_data(options, batch_size):
    """`DatasetData` of the CelebA training split (`options["data_dir"]`,
    the first `options["limit"]` images; attributes with `conditional`)."""

    def make(seed):
        return datasets.celeba_dataset("train", batch_size, attributes=options["conditional"],
                                       data_dir=options["data_dir"], seed=seed, limit=options["limit"])

    steps = int(make(0).cardinality())
    if steps < 1:
        raise ValueError(f"The CelebA training split in {options['data_dir']!r} has fewer images than one batch "
                         f"of {batch_size}: pass a smaller --batch-size or more images.")
    return DatasetData(make, steps)


def celeba_pictures(options):
    """16 CelebA images for the pictures (and, with `conditional`, the
    attributes: those of the first 8 images, each repeated 8 times, for the
    samples; the images' own)."""
    # The validation images; a folder without CelebA's split (all "train") shows training images.
    split = "validation"
    if options["data_dir"] is not None:
        files = datasets.find_celeba(options["data_dir"])
        if files.kind != "tfds" and not files.split("validation"):
            split = "train"
    real = next(iter(datasets.celeba_dataset(split, 16, attributes=options["conditional"],
                                             data_dir=options["data_dir"], shuffle=False, limit=16,
                                             drop_remainder=False)))
    if not options["conditional"]:
        return np.asarray(real), None
    images, labels = (np.asarray(a) for a in real)
    return images, (np.repeat(labels[:8], 8, axis=0), labels)

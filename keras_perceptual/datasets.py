"""tf.data input pipelines; images come out as float32 in [-1, 1].

tf.data serves every Keras backend (as in Keras itself), so this module is
the one place outside `backend/` that imports TensorFlow.

- Fashion-MNIST from its official IDX files (no download when a copy is on
  disk), `fashion_mnist_dataset` / `load_fashion_mnist`.
- CelebA through `tensorflow_datasets` with Larsen et al.'s crop, blur and
  resize recipe and the 40 attributes, `celeba_dataset`.
- Any folder of images, `image_folder_dataset`.
"""

import gzip
import math
import os
from pathlib import Path

import numpy as np
import tensorflow as tf

import keras_perceptual.validation as validation
from keras_perceptual.images import check_image_file

FASHION_MNIST_CLASSES = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)


def class_names(num_classes, dataset="fashion_mnist"):
    """Captions for `num_classes` classes: Fashion-MNIST's ten names, else
    the class numbers ("0", "1", ...)."""
    if dataset == "fashion_mnist" and num_classes == len(FASHION_MNIST_CLASSES):
        return list(FASHION_MNIST_CLASSES)
    return [str(i) for i in range(num_classes)]


_FASHION_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
# The zoo's splits of Fashion-MNIST. The official training file (60,000
# images) is cut in two: "train", its first 55,000 images, which every
# recipe trains on, and "validation", its last 5,000 (1/12 of the file),
# on which budgets, stopping points and every tuning choice are picked.
# "test" (the official 10,000) is used once, for the final tables.
FASHION_MNIST_SPLITS = ("train", "validation", "test", "train+validation")
VALIDATION_FRACTION = 12  # validation = the last len(file) // 12 images: 5,000 of 60,000
FASHION_MNIST_SEARCH_PATH = (
    "$KERAS_PERCEPTUAL_DATA",
    "/usr/share/datasets/fashion-mnist",
    "~/.keras/datasets/fashion-mnist",
)
AUTOTUNE = tf.data.AUTOTUNE
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")


def _check_split(split, splits):
    validation.expect_choice("split", split, splits)


def _read_idx(path):
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], "big")
    ndim = magic & 0xFF
    if magic >> 8 != 0x08:
        raise ValueError(f"{path} is not an IDX file of unsigned bytes (magic {magic:#x}).")
    dims = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def _find_idx(folder, stem):
    for name in (stem + ".gz", stem):
        if (folder / name).exists():
            return folder / name
    return None


def find_fashion_mnist(path=None):
    """The folder holding Fashion-MNIST's IDX files: `path`, then
    `$KERAS_PERCEPTUAL_DATA` (or its `fashion-mnist/`),
    `/usr/share/datasets/fashion-mnist/` (Debian's `dataset-fashion-mnist`),
    `~/.keras/datasets/fashion-mnist/`. None when no copy is found."""
    if path:
        candidates = [path]
    else:
        env = os.environ.get("KERAS_PERCEPTUAL_DATA")
        candidates = [env, os.path.join(env, "fashion-mnist")] if env else []
        candidates += list(FASHION_MNIST_SEARCH_PATH[1:])
    for c in candidates:
        folder = Path(os.path.expanduser(c))
        if all(_find_idx(folder, stem) for stem in _FASHION_FILES["train"] + _FASHION_FILES["test"]):
            return folder
    if path:
        raise ValueError(
            f"No Fashion-MNIST IDX files (train-images-idx3-ubyte[.gz], ...) in {path}."
        )
    return None


def load_fashion_mnist(split="train", path=None):
    """Fashion-MNIST as NumPy: `(images uint8 (n, 28, 28), labels uint8 (n,))`.

    Reads the official IDX files from the first folder `find_fashion_mnist`
    finds; downloads through `keras.datasets.fashion_mnist` only when there
    is none.

    Args:
        split: "train" (the first 55,000 images of the official training
            file), "validation" (its last 5,000), "test" (the official
            10,000) or "train+validation" (the whole training file).
        path: folder of the IDX files (see `find_fashion_mnist`).
    """
    _check_split(split, FASHION_MNIST_SPLITS)
    folder = find_fashion_mnist(path)
    source = "test" if split == "test" else "train"
    if folder is None:
        import keras

        (xtr, ytr), (xte, yte) = keras.datasets.fashion_mnist.load_data()
        x, y = (xte, yte) if source == "test" else (xtr, ytr)
    else:
        images_stem, labels_stem = _FASHION_FILES[source]
        x, y = _read_idx(_find_idx(folder, images_stem)), _read_idx(_find_idx(folder, labels_stem))
    if split in ("train", "validation"):
        cut = len(x) - len(x) // VALIDATION_FRACTION
        x, y = (x[:cut], y[:cut]) if split == "train" else (x[cut:], y[cut:])
    return x, y


def to_unit_range(images):
    """uint8 [0, 255] -> float32 [-1, 1] (NumPy or tf)."""
    if isinstance(images, np.ndarray):
        return images.astype("float32") / 127.5 - 1.0
    return tf.cast(images, tf.float32) / 127.5 - 1.0


def fashion_mnist_arrays(split="train", limit=None, labels=False, path=None):
    """Fashion-MNIST as a NumPy float32 array `(n, 28, 28, 1)` in [-1, 1]
    (and int64 labels `(n,)` when `labels=True`); the first `limit` images
    of `split` (see `load_fashion_mnist`: "train", "validation", "test",
    "train+validation") when given."""
    limit = validation.expect_int("limit", limit, minimum=1, allow_none=True)
    validation.expect_bool("labels", labels)
    x, y = load_fashion_mnist(split, path)
    if limit is not None:
        x, y = x[:limit], y[:limit]
    x = to_unit_range(x)[..., None]
    return (x, y.astype("int64")) if labels else x


def fashion_mnist_dataset(
    split="train",
    batch_size=64,
    labels=False,
    one_hot=False,
    shuffle=None,
    drop_remainder=True,
    limit=None,
    path=None,
    seed=0,
):
    """Fashion-MNIST as a batched `tf.data.Dataset` of `(28, 28, 1)` images
    in [-1, 1], or `(images, labels)` when `labels=True` (one-hot float32 when
    `one_hot=True`, else int32).

    Args:
        split: "train" (the first 55k training images), "validation" (the
            last 5k), "test" (10k) or "train+validation" (60k).
        batch_size: int > 0.
        shuffle: shuffle each epoch (default: True for "train").
        drop_remainder: drop the last partial batch (fixed shapes for jit).
        limit: use only the first `limit` images (smoke runs, tests).
        path: folder of the IDX files (see `find_fashion_mnist`).
    """
    validation.expect_bool("one_hot", one_hot)
    validation.expect_bool("labels", labels)
    images, targets = fashion_mnist_arrays(split, limit, labels=True, path=path)
    targets = np.eye(10, dtype="float32")[targets] if one_hot else targets.astype("int32")
    ds = tf.data.Dataset.from_tensor_slices((images, targets) if labels else images)
    return _batch(ds, len(images), batch_size, split.startswith("train") if shuffle is None else shuffle,
                  drop_remainder, seed)


def _batch(ds, n, batch_size, shuffle, drop_remainder, seed):
    batch_size = validation.expect_int("batch_size", batch_size, minimum=1)
    shuffle = validation.expect_bool("shuffle", shuffle)
    drop_remainder = validation.expect_bool("drop_remainder", drop_remainder)
    seed = validation.expect_seed("seed", seed)
    if shuffle:
        ds = ds.shuffle(min(n, 20000), seed=seed, reshuffle_each_iteration=True)
    return ds.batch(batch_size, drop_remainder=drop_remainder).prefetch(AUTOTUNE)


# -- CelebA --------------------------------------------------------------------
CELEBA_CROP = (40, 188, 15, 163)  # rows 40:188, columns 15:163 -> 148x148


def _gaussian_kernel(sigma):
    radius = max(1, int(math.ceil(3 * sigma)))
    x = np.arange(-radius, radius + 1, dtype="float32")
    k = np.exp(-0.5 * (x / sigma) ** 2)
    return k / k.sum()


def larsen_celeba_preprocess(image, image_size=64):
    """Larsen et al.'s recipe on one aligned 218x178 CelebA image (uint8):
    crop rows 40:188 and columns 15:163, Gaussian blur with
    sigma = sqrt(148 / image_size) / 2, bicubic resize to `image_size`,
    scale to [-1, 1]."""
    r0, r1, c0, c1 = CELEBA_CROP
    image = tf.cast(image[r0:r1, c0:c1, :], tf.float32)
    sigma = math.sqrt((r1 - r0) / image_size) / 2.0
    k = tf.constant(_gaussian_kernel(sigma))
    channels = 3
    kx = tf.tile(tf.reshape(k, (1, -1, 1, 1)), (1, 1, channels, 1))
    ky = tf.tile(tf.reshape(k, (-1, 1, 1, 1)), (1, 1, channels, 1))
    x = image[None]
    x = tf.nn.depthwise_conv2d(x, kx, (1, 1, 1, 1), "SAME")
    x = tf.nn.depthwise_conv2d(x, ky, (1, 1, 1, 1), "SAME")
    x = tf.image.resize(x, (image_size, image_size), method="bicubic")[0]
    x = tf.clip_by_value(x, 0.0, 255.0)
    return x / 127.5 - 1.0


def celeba_attribute_names(builder_info):
    return sorted(builder_info.features["attributes"].keys())


def celeba_dataset(split="train", batch_size=64, attributes=False, image_size=64, shuffle=None,
                   drop_remainder=True, data_dir=None, download=False, seed=0):
    """CelebA (tfds `celeb_a`) with Larsen et al.'s preprocessing.

    Yields images `(image_size, image_size, 3)` in [-1, 1], or
    `(images, attributes)` with the 40 binary attributes as float32 0/1 in
    alphabetical order of their names when `attributes=True`.

    CelebA must be prepared for tfds (`tfds.builder("celeb_a").download_and_prepare()`
    needs the files from the CelebA site); `download=True` tries that.
    """
    import tensorflow_datasets as tfds

    _check_split(split, ("train", "validation", "test"))
    builder = tfds.builder("celeb_a", data_dir=data_dir)
    if download:
        builder.download_and_prepare()
    names = celeba_attribute_names(builder.info)
    ds = builder.as_dataset(split=split, shuffle_files=bool(shuffle))

    def prepare(example):
        image = larsen_celeba_preprocess(example["image"], image_size)
        if not attributes:
            return image
        attrs = tf.stack([tf.cast(example["attributes"][n], tf.float32) for n in names])
        return image, attrs

    ds = ds.map(prepare, num_parallel_calls=AUTOTUNE)
    return _batch(ds, 10000, batch_size, split == "train" if shuffle is None else shuffle,
                  drop_remainder, seed)


# -- any folder of images ------------------------------------------------------
def image_folder_dataset(directory, image_size=64, channels=3, batch_size=64, shuffle=True,
                         drop_remainder=True, seed=0):
    """Every image under `directory` (recursively), resized to
    `image_size` x `image_size`, as a batched dataset of floats in [-1, 1]."""
    if not isinstance(directory, (str, os.PathLike)) or not Path(directory).is_dir():
        raise validation.fail("directory", "an existing folder of images",
                              f"directory={str(directory)!r}, which is not a folder")
    directory = Path(directory)
    validation.expect_choice("channels", channels, (1, 3))
    image_size = validation.expect_int("image_size", image_size, minimum=1, maximum=8192)
    files = sorted(
        str(p) for p in directory.rglob("*")
        if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
    )
    if not files:
        raise validation.fail("directory", f"a folder holding {'/'.join(IMAGE_SUFFIXES)} images",
                              f"{str(directory)!r}, which holds none")
    for path in files:  # a broken file is named here, not deep inside a tf.data iterator
        check_image_file(path)

    def load(path):
        # dtype float32: scaled to [0, 1] by the file's bit depth (255 for 8-bit, 65535 for 16-bit PNGs).
        image = tf.io.decode_image(tf.io.read_file(path), channels=channels, dtype=tf.float32,
                                   expand_animations=False)
        image = tf.image.resize(image, (image_size, image_size), antialias=True)
        return tf.clip_by_value(image, 0.0, 1.0) * 2.0 - 1.0

    ds = tf.data.Dataset.from_tensor_slices(files).map(load, num_parallel_calls=AUTOTUNE)
    return _batch(ds, len(files), batch_size, shuffle, drop_remainder, seed)

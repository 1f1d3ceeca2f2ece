"""tf.data input pipelines; images come out as float32 in [-1, 1].

tf.data serves every Keras backend (as in Keras itself), so this module is
the one place outside `backend/` that imports TensorFlow; importing it is
what loads TensorFlow on JAX and PyTorch, so code that needs only arrays,
file lists or class names imports `keras_perceptual.data_files` (NumPy and
Pillow), whose names this module re-exports.

- Fashion-MNIST from its official IDX files (no download when a copy is on
  disk), `fashion_mnist_dataset` / `load_fashion_mnist`.
- CelebA with Larsen et al.'s crop, blur and resize recipe and the 40
  attributes, `celeba_dataset`: from a prepared `tensorflow_datasets`
  folder, the official `img_align_celeba.zip` (+ `list_attr_celeba.txt`),
  or a folder of the aligned images (see `data_files.find_celeba`).
- Any folder of images, `image_folder_dataset`.
"""

import math

import numpy as np
import tensorflow as tf

import keras_perceptual.validation as validation
from keras_perceptual.data_files import CELEBA_SHAPE
from keras_perceptual.data_files import FASHION_MNIST_CLASSES  # noqa: F401 (re-exported)
from keras_perceptual.data_files import FASHION_MNIST_SEARCH_PATH  # noqa: F401
from keras_perceptual.data_files import FASHION_MNIST_SPLITS  # noqa: F401
from keras_perceptual.data_files import IMAGE_SUFFIXES  # noqa: F401
from keras_perceptual.data_files import VALIDATION_FRACTION  # noqa: F401
from keras_perceptual.data_files import class_names  # noqa: F401
from keras_perceptual.data_files import fashion_mnist_arrays
from keras_perceptual.data_files import find_celeba
from keras_perceptual.data_files import find_fashion_mnist  # noqa: F401
from keras_perceptual.data_files import list_image_files
from keras_perceptual.data_files import load_fashion_mnist  # noqa: F401
from keras_perceptual.data_files import unit_range
from keras_perceptual.images import check_image_file

AUTOTUNE = tf.data.AUTOTUNE


def start_runtime():
    """Starts TensorFlow's runtime now (one tiny tf.data pass): it writes its
    start-up lines to stderr on its first op, which a command line can then
    silence (`keras-perceptual` does) rather than print mid-run."""
    return int(next(iter(tf.data.Dataset.range(1).map(lambda x: x + 1))))


def to_unit_range(images):
    """uint8 [0, 255] -> float32 [-1, 1] (NumPy or tf)."""
    if isinstance(images, np.ndarray):
        return unit_range(images)
    return tf.cast(images, tf.float32) / 127.5 - 1.0


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
                   drop_remainder=True, data_dir=None, download=False, seed=0, limit=None):
    """CelebA with Larsen et al.'s preprocessing (`larsen_celeba_preprocess`).

    Yields images `(image_size, image_size, 3)` in [-1, 1], or
    `(images, attributes)` with the 40 binary attributes as float32 0/1 in
    alphabetical order of their names when `attributes=True`. The dataset's
    cardinality (batches) is known.

    Args:
        split: "train", "validation" or "test" (the official split).
        data_dir: a folder holding CelebA in one of three layouts (see
            `keras_perceptual.data_files.find_celeba`): a prepared
            `tensorflow_datasets` folder (`DIR/celeb_a/`), the official
            `DIR/img_align_celeba.zip` (with `DIR/list_attr_celeba.txt` for
            `attributes=True`, `DIR/list_eval_partition.txt` optionally), or
            a folder of the aligned 178x218 images. None: tensorflow_datasets'
            default folder.
        download: tensorflow_datasets only: try `download_and_prepare()`.
        shuffle: shuffle (default: True for "train"); the files' order is
            a pure function of `seed`.
        limit: only the first `limit` images of the split (smoke runs).
    """
    validation.expect_choice("split", split, ("train", "validation", "test"))
    validation.expect_bool("attributes", attributes)
    limit = validation.expect_int("limit", limit, minimum=1, allow_none=True)
    image_size = validation.expect_int("image_size", image_size, minimum=1, maximum=8192)
    shuffle = split == "train" if shuffle is None else shuffle
    source = None if data_dir is None else find_celeba(data_dir)
    if source is None or source.kind == "tfds":
        return _celeba_tfds(split, batch_size, attributes, image_size, shuffle, drop_remainder,
                            None if source is None else str(source.root), download, seed, limit)
    names = source.split(split)[:limit]
    if not names:
        raise validation.fail("split", f"a split of the CelebA images in {str(source.root)!r} that holds images",
                              f"split={split!r}, which holds none (the official split numbers the images "
                              f"000001.jpg ...; {CELEBA_SHAPE[1]}x{CELEBA_SHAPE[0]} aligned images)")
    seed = validation.expect_seed("seed", seed)
    order = np.random.default_rng(seed).permutation(len(names)) if shuffle else np.arange(len(names))
    names = [names[i] for i in order]
    labels = source.attributes(names)[1] if attributes else None

    def generate():
        with source.reader() as read:
            for i, name in enumerate(names):
                yield (read(name), labels[i]) if attributes else read(name)

    signature = tf.TensorSpec((), tf.string)
    if attributes:
        signature = (signature, tf.TensorSpec((labels.shape[1],), tf.float32))
    ds = tf.data.Dataset.from_generator(generate, output_signature=signature)
    ds = ds.apply(tf.data.experimental.assert_cardinality(len(names)))

    def prepare(data, attrs=None):
        image = tf.io.decode_image(data, channels=3, expand_animations=False)
        image = tf.ensure_shape(image, CELEBA_SHAPE)
        image = larsen_celeba_preprocess(image, image_size)
        return image if attrs is None else (image, attrs)

    ds = ds.map(prepare, num_parallel_calls=AUTOTUNE)
    return _batch(ds, len(names), batch_size, False, drop_remainder, seed)


def _celeba_tfds(split, batch_size, attributes, image_size, shuffle, drop_remainder, data_dir, download, seed,
                 limit):
    import tensorflow_datasets as tfds  # an optional dependency: only this source needs it

    builder = tfds.builder("celeb_a", data_dir=data_dir)
    if download:
        builder.download_and_prepare()
    names = celeba_attribute_names(builder.info)
    ds = builder.as_dataset(split=split, shuffle_files=bool(shuffle))
    if limit is not None:
        ds = ds.take(limit)

    def prepare(example):
        image = larsen_celeba_preprocess(example["image"], image_size)
        if not attributes:
            return image
        attrs = tf.stack([tf.cast(example["attributes"][n], tf.float32) for n in names])
        return image, attrs

    ds = ds.map(prepare, num_parallel_calls=AUTOTUNE)
    return _batch(ds, 10000, batch_size, shuffle, drop_remainder, seed)


# -- any folder of images ------------------------------------------------------
def image_folder_dataset(directory, image_size=64, channels=3, batch_size=64, shuffle=True,
                         drop_remainder=True, seed=0):
    """Every image under `directory` (recursively), resized to
    `image_size` x `image_size`, as a batched dataset of floats in [-1, 1]."""
    files = list_image_files(directory)
    validation.expect_choice("channels", channels, (1, 3))
    image_size = validation.expect_int("image_size", image_size, minimum=1, maximum=8192)
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

import gzip
import struct

import numpy as np
import pytest

from keras_perceptual import datasets


def write_idx(path, array):
    array = np.asarray(array, dtype=np.uint8)
    header = struct.pack(">I", 0x0800 | array.ndim) + b"".join(struct.pack(">I", d) for d in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.tobytes())


@pytest.fixture
def fake_fashion(tmp_path):
    rng = np.random.default_rng(0)
    for split, n in (("train", 40), ("t10k", 20)):
        write_idx(tmp_path / f"{split}-images-idx3-ubyte.gz", rng.integers(0, 256, (n, 28, 28)))
        write_idx(tmp_path / f"{split}-labels-idx1-ubyte.gz", rng.integers(0, 10, n))
    return tmp_path


def test_reads_idx_files_from_a_folder_and_env(fake_fashion, monkeypatch):
    x, y = datasets.load_fashion_mnist("test", path=fake_fashion)
    assert x.shape == (20, 28, 28) and x.dtype == np.uint8 and y.shape == (20,)
    monkeypatch.setenv("KERAS_PERCEPTUAL_DATA", str(fake_fashion))
    assert datasets.find_fashion_mnist() == fake_fashion
    ds = datasets.fashion_mnist_dataset("train", batch_size=8, labels=True, one_hot=True)
    images, labels = next(iter(ds))
    images = np.asarray(images)
    assert images.shape == (8, 28, 28, 1) and images.dtype == np.float32
    assert images.min() >= -1 and images.max() <= 1
    assert np.asarray(labels).shape == (8, 10)
    assert sum(1 for _ in ds) == 4  # "train" is 40 - 40 // 12 = 37 images: 4 batches of 8, remainder dropped
    np.testing.assert_allclose(datasets.to_unit_range(np.array([0, 255], np.uint8)), [-1, 1])


def test_dataset_holds_the_arrays(fake_fashion):
    """The tf.data pipeline and the array loader give the same images and labels."""
    images, labels = datasets.fashion_mnist_arrays("train", 12, labels=True, path=fake_fashion)
    ds = datasets.fashion_mnist_dataset("train", batch_size=4, labels=True, shuffle=False, limit=12,
                                        path=fake_fashion)
    got = list(ds)
    assert len(got) == 3
    np.testing.assert_array_equal(np.concatenate([np.asarray(x) for x, _ in got]), images)
    np.testing.assert_array_equal(np.concatenate([np.asarray(y) for _, y in got]), labels)
    assert got[0][1].dtype == "int32"


def test_bad_arguments(fake_fashion, tmp_path):
    with pytest.raises(ValueError, match="Expected `split` to be one of .*received split='valid'"):
        datasets.load_fashion_mnist("valid", path=fake_fashion)
    with pytest.raises(ValueError, match="No Fashion-MNIST IDX files"):
        datasets.load_fashion_mnist("train", path=tmp_path / "nowhere")
    with pytest.raises(ValueError, match="Expected `batch_size` to be an int >= 1, received batch_size=0"):
        datasets.fashion_mnist_dataset("train", batch_size=0, path=fake_fashion)


@pytest.mark.skipif(datasets.find_fashion_mnist() is None, reason="the dataset-fashion-mnist package is not installed")
def test_official_files():
    x, y = datasets.load_fashion_mnist("test")
    assert x.shape == (10000, 28, 28) and set(np.unique(y)) == set(range(10))
    images, labels = datasets.fashion_mnist_arrays("test", 5, labels=True)
    assert images.shape == (5, 28, 28, 1) and images.dtype == np.float32 and labels.dtype == np.int64
    np.testing.assert_allclose(images[..., 0], x[:5] / 127.5 - 1.0, atol=1e-6)
    np.testing.assert_array_equal(labels, y[:5])
    assert datasets.fashion_mnist_arrays("test").shape == (10000, 28, 28, 1)


def test_celeba_recipe_on_mock_data():
    import tensorflow_datasets as tfds

    with tfds.testing.mock_data(num_examples=6):
        ds = datasets.celeba_dataset("train", batch_size=3, attributes=True)
        images, attributes = next(iter(ds))
    images, attributes = np.asarray(images), np.asarray(attributes)
    assert images.shape == (3, 64, 64, 3) and images.dtype == np.float32
    assert images.min() >= -1 and images.max() <= 1
    assert attributes.shape == (3, 40) and set(np.unique(attributes)) <= {0.0, 1.0}


def test_celeba_crop_blur_resize():
    image = np.zeros((218, 178, 3), np.uint8)
    image[40:188, 15:163] = 255  # exactly the crop window is white
    out = np.asarray(datasets.larsen_celeba_preprocess(image, 64))
    assert out.shape == (64, 64, 3)
    np.testing.assert_allclose(out[20:44, 20:44], 1.0, atol=1e-3)  # inside the crop: white
    assert out[0, 0].mean() < 1.0  # the blur brings in the black border


def test_image_folder(tmp_path):
    from PIL import Image

    for i in range(5):
        Image.fromarray(np.full((40, 30, 3), i * 50, np.uint8)).save(tmp_path / f"{i}.png")
    ds = datasets.image_folder_dataset(tmp_path, image_size=16, batch_size=2, shuffle=False)
    batches = [np.asarray(b) for b in ds]
    assert len(batches) == 2 and batches[0].shape == (2, 16, 16, 3)
    np.testing.assert_allclose(batches[0][0], -1.0, atol=1e-5)
    with pytest.raises(ValueError, match="holds none"):
        datasets.image_folder_dataset(tmp_path / "empty" if (tmp_path / "empty").mkdir() is None else None)


def test_validation_split_is_the_end_of_the_training_file(fake_fashion):
    """"train" and "validation" partition the official training file (the
    last 1/12 held out: 5,000 of 60,000); "train+validation" is all of it."""
    full_x, full_y = datasets.load_fashion_mnist("train+validation", path=fake_fashion)
    train_x, train_y = datasets.load_fashion_mnist("train", path=fake_fashion)
    val_x, val_y = datasets.load_fashion_mnist("validation", path=fake_fashion)
    assert len(full_x) == 40 and len(train_x) == 37 and len(val_x) == 3
    np.testing.assert_array_equal(np.concatenate([train_x, val_x]), full_x)
    np.testing.assert_array_equal(np.concatenate([train_y, val_y]), full_y)
    x = datasets.fashion_mnist_arrays("validation", path=fake_fashion)
    np.testing.assert_array_equal(x, datasets.to_unit_range(val_x)[..., None])


def test_official_split_sizes():
    if datasets.find_fashion_mnist() is None:
        pytest.skip("Fashion-MNIST is not installed")
    sizes = {s: len(datasets.load_fashion_mnist(s)[0]) for s in datasets.FASHION_MNIST_SPLITS}
    assert sizes == {"train": 55000, "validation": 5000, "test": 10000, "train+validation": 60000}

"""Captioned grids (images.py) and the SampleGrid callback's PNGs and
TensorBoard images."""

import numpy as np
from PIL import Image

from keras_perceptual.callbacks import SampleGrid
from keras_perceptual.datasets import FASHION_MNIST_CLASSES
from keras_perceptual.images import save_image_grid
from tests.test_vaegan import images
from tests.test_vaegan import onehot
from tests.test_vaegan import tiny_vaegan


def test_captions_add_margins_with_text(tmp_path):
    x = images(20)
    plain = Image.open(save_image_grid(x, tmp_path / "plain.png", columns=10, scale=2))
    captioned = Image.open(save_image_grid(x, tmp_path / "cap.png", columns=10, scale=2,
                                           row_labels=["original", "reconstruction"],
                                           column_labels=FASHION_MNIST_CLASSES))
    assert captioned.width > plain.width and captioned.height > plain.height
    left = captioned.width - plain.width
    top = captioned.height - plain.height
    pixels = np.asarray(captioned.convert("L"))
    assert pixels[top:, :left].min() < 128  # row captions: dark text in the left margin
    assert pixels[:top, left:].min() < 128  # column titles above the grid
    np.testing.assert_array_equal(pixels[top:, left:], np.asarray(plain.convert("L")))  # the images untouched


def test_sample_grid_writes_captioned_pngs_and_tensorboard_images(tmp_path):
    model = tiny_vaegan(conditional=True)
    model.compile(optimizer="rmsprop")
    x, c = images(20), onehot(20)
    grids = SampleGrid(tmp_path / "grids", num_samples=20, images=x[:4], conditions=(c, c[:4]),
                       class_names=FASHION_MNIST_CLASSES, log_dir=tmp_path / "logs")
    model.fit(x, c, batch_size=10, epochs=1, verbose=0, callbacks=[grids])
    assert [p.name for p in grids.written] == ["samples_epoch001.png", "reconstructions_epoch001.png"]
    samples = Image.open(grids.written[0])
    assert samples.width > 10 * 30 * 2  # ten class columns, and a label margin on top
    events = list((tmp_path / "logs" / "images").glob("events.out.tfevents.*"))
    assert events and events[0].stat().st_size > 1000  # two PNG-encoded image summaries

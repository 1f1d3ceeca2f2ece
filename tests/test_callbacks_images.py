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
    titled = SampleGrid(tmp_path / "titled", num_samples=20, images=x[:4], conditions=(c, c[:4]),
                        class_names=FASHION_MNIST_CLASSES, title="SMOKE RUN")
    titled.set_model(model)
    titled.on_epoch_end(0)
    for plain, smoke in zip(grids.written, titled.written):
        assert Image.open(smoke).height > Image.open(plain).height  # the title's band on top
    samples = Image.open(grids.written[0])
    assert samples.width > 10 * 30 * 2  # ten class columns, and a label margin on top
    events = list((tmp_path / "logs" / "images").glob("events.out.tfevents.*"))
    assert events and events[0].stat().st_size > 1000  # two PNG-encoded image summaries


class _FakeNoiseModel:
    """Stands in for an IAE: `vary_noise` returns each image `num_samples` times."""

    def vary_noise(self, x, num_samples, seed=0):
        return np.repeat(np.asarray(x)[:, None], num_samples, axis=1)


class _FakeClassifier:
    """Predicts class i % 10 for image i (logits)."""

    def predict(self, x, verbose=0):
        return np.eye(10, dtype="float32")[np.arange(len(x)) % 10]


def test_training_pictures_are_captioned(tmp_path):
    """The driver's pictures (the presets' samples.png) name what they show:
    a conditional model's class columns, input/reconstruction rows, the
    noise columns of one code, the predicted-class rows."""
    from keras_perceptual.training.pictures import picture
    from keras_perceptual.training.pictures import write_pictures

    model = tiny_vaegan(conditional=True)
    x, c = images(20), onehot(20)
    samples = picture(model, "samples", x, (c, c), num_samples=64)
    assert samples.columns == 10 and samples.column_labels == list(FASHION_MNIST_CLASSES)
    assert len(samples.images) == 60  # six whole rows, one column per class
    assert picture(model, "samples", x, (c, c), dataset="celeba").column_labels == [str(i) for i in range(10)]
    unconditional = picture(tiny_vaegan(), "samples", x, num_samples=16)
    assert len(unconditional.images) == 16 and unconditional.column_labels is None
    recon = picture(model, "reconstructions", x, (c, c))
    assert recon.row_labels == ["input", "reconstruction"] and len(recon.images) == 40
    noise = picture(_FakeNoiseModel(), "noise", x)
    assert noise.columns == 10 and noise.column_labels[:2] == ["input", "noise 1"] and len(noise.images) == 100
    classes = picture(_FakeClassifier(), "classes", images(80))
    assert classes.row_labels == list(FASHION_MNIST_CLASSES) and len(classes.images) == 80
    assert picture(_FakeClassifier(), "classes", images(40)).row_labels is None  # rows of 4: unnamed
    plain, = write_pictures(_FakeNoiseModel(), ["noise"], tmp_path / "plain", x)
    assert Image.open(plain).height > 10 * 30 * 2  # the column titles' margin on top of 10 rows


def test_smoke_pictures_carry_the_smoke_caption(tmp_path):
    """A smoke run's pictures are titled SMOKE_CAPTION above the untouched
    grid (narrow grids widened to fit it), and its description says so once."""
    from keras_perceptual.training.pictures import SMOKE_CAPTION
    from keras_perceptual.training.pictures import mark_smoke
    from keras_perceptual.training.pictures import smoke_title
    from keras_perceptual.training.pictures import write_pictures

    x = images(20)
    plain = np.asarray(Image.open(save_image_grid(x, tmp_path / "plain.png", columns=10, scale=2)).convert("L"))
    titled = np.asarray(Image.open(save_image_grid(x, tmp_path / "titled.png", columns=10, scale=2,
                                                   title=SMOKE_CAPTION)).convert("L"))
    band = titled.shape[0] - plain.shape[0]
    assert band >= 21 and titled.shape[1] == plain.shape[1]
    assert titled[:band].min() < 128  # the caption's text
    np.testing.assert_array_equal(titled[band:], plain)  # the images untouched
    # A grid narrower than the text: widened, the text wrapped onto more lines.
    narrow = Image.open(save_image_grid(x[:1], tmp_path / "narrow.png", title=SMOKE_CAPTION))
    assert narrow.width >= 200 and narrow.height - 32 >= 2 * 15
    assert smoke_title(True) == SMOKE_CAPTION and smoke_title(False) is None
    smoke_grid, = write_pictures(_FakeNoiseModel(), ["noise"], tmp_path / "smoke", x, title=smoke_title(True))
    plain_grid, = write_pictures(_FakeNoiseModel(), ["noise"], tmp_path / "plain_run", x)
    assert Image.open(smoke_grid).height > Image.open(plain_grid).height
    assert mark_smoke("A VAE/GAN.") == f"A VAE/GAN. {SMOKE_CAPTION}."
    assert mark_smoke(mark_smoke("A VAE/GAN.")) == mark_smoke("A VAE/GAN.")
    assert mark_smoke(None) == f"{SMOKE_CAPTION}."
    # The examples' own writers take the title too.
    from keras_perceptual.images import cluster_grid
    from keras_perceptual.images import code_scatter

    clusters = np.arange(20) % 2
    bare = Image.open(cluster_grid(x, clusters, tmp_path / "c.png"))
    assert Image.open(cluster_grid(x, clusters, tmp_path / "ct.png", title=SMOKE_CAPTION)).height > bare.height
    points, labels = np.random.default_rng(0).normal(size=(20, 2)), np.arange(20) % 3
    bare = Image.open(code_scatter(points, labels, tmp_path / "s.png"))
    assert Image.open(code_scatter(points, labels, tmp_path / "st.png", title=SMOKE_CAPTION)).height > bare.height

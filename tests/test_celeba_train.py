"""`keras-perceptual train vaegan_celeba64 --data-dir DIR` end to end on a
small fake CelebA in the official layout (img_align_celeba.zip of 178x218
JPEGs, list_attr_celeba.txt), and the CelebA sources of `datasets`."""

import io
import json
import zipfile

import keras
import numpy as np
import pytest
from PIL import Image

from keras_perceptual import cli
from keras_perceptual import data_files
from keras_perceptual import datasets
from keras_perceptual.training.pictures import SMOKE_CAPTION

ATTRIBUTES = ("5_o_Clock_Shadow Arched_Eyebrows Attractive Bags_Under_Eyes Bald Bangs Big_Lips Big_Nose "
              "Black_Hair Blond_Hair Blurry Brown_Hair Bushy_Eyebrows Chubby Double_Chin Eyeglasses Goatee "
              "Gray_Hair Heavy_Makeup High_Cheekbones Male Mouth_Slightly_Open Mustache Narrow_Eyes No_Beard "
              "Oval_Face Pale_Skin Pointy_Nose Receding_Hairline Rosy_Cheeks Sideburns Smiling Straight_Hair "
              "Wavy_Hair Wearing_Earrings Wearing_Hat Wearing_Lipstick Wearing_Necklace Wearing_Necktie "
              "Young").split()


def _jpeg(rng):
    # A face-sized blob on a background: something the crop keeps.
    image = np.full((218, 178, 3), rng.integers(0, 255, 3), np.uint8)
    image[60:170, 40:140] = rng.integers(0, 255, 3)
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG")
    return buffer.getvalue()


def make_fake_celeba(folder, n=12, seed=0):
    """The official files: img_align_celeba.zip holding
    img_align_celeba/000001.jpg ... (178x218 JPEGs) and
    list_attr_celeba.txt (a count, the 40 names, a row of -1/1 per image)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    names = [f"{i:06d}.jpg" for i in range(1, n + 1)]
    with zipfile.ZipFile(folder / "img_align_celeba.zip", "w") as z:
        z.writestr("img_align_celeba/", "")
        for name in names:
            z.writestr(f"img_align_celeba/{name}", _jpeg(rng))
    rows = [f"{name} " + " ".join(str(v) for v in rng.choice([-1, 1], len(ATTRIBUTES))) for name in names]
    (folder / "list_attr_celeba.txt").write_text("\n".join([str(n), " ".join(ATTRIBUTES)] + rows) + "\n")
    return folder


def test_zip_source_reads_the_official_layout(tmp_path):
    root = make_fake_celeba(tmp_path / "celeba", n=6)
    files = data_files.find_celeba(root)
    assert files.kind == "zip" and len(files.names) == 6
    assert files.split("train") == list(files.names) and files.split("validation") == []
    names, values = files.attributes(files.names[:2])
    assert names == sorted(ATTRIBUTES) and values.shape == (2, 40)
    assert set(np.unique(values)) <= {0.0, 1.0}
    # Alphabetical order: the row's -1/1 moved with its name.
    header, table = data_files.read_celeba_attributes(root / "list_attr_celeba.txt")
    raw = table["000001.jpg"]
    assert values[0, names.index("Young")] == (raw[header.index("Young")] > 0)
    images, attrs = next(iter(datasets.celeba_dataset("train", 4, attributes=True, data_dir=root, seed=1)))
    assert images.shape == (4, 64, 64, 3) and attrs.shape == (4, 40)
    assert -1.0 <= float(np.min(images)) and float(np.max(images)) <= 1.0
    # The file order is a function of the seed.
    again = next(iter(datasets.celeba_dataset("train", 4, data_dir=root, seed=1)))
    np.testing.assert_allclose(np.asarray(again), np.asarray(images))


def test_plain_folder_and_bad_folders(tmp_path):
    root = make_fake_celeba(tmp_path / "zip", n=3)
    with zipfile.ZipFile(root / "img_align_celeba.zip") as z:
        z.extractall(tmp_path / "plain")
    files = data_files.find_celeba(tmp_path / "plain")
    assert files.kind == "folder" and len(files.names) == 3
    with pytest.raises(ValueError, match="list_attr_celeba.txt"):
        files.attributes(files.names)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="img_align_celeba.zip"):
        data_files.find_celeba(tmp_path / "empty")
    Image.new("RGB", (64, 64)).save(tmp_path / "empty" / "small.png")
    with pytest.raises(ValueError, match="178 wide and 218 high"):
        data_files.find_celeba(tmp_path / "empty")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "img_align_celeba.zip").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="readable img_align_celeba.zip"):
        data_files.find_celeba(tmp_path / "broken")


@pytest.mark.skipif(keras.backend.backend() == "jax",
                    reason="XLA compiling the 33M-parameter 64x64 networks takes over a minute on a CPU; the data "
                           "path (tf.data) is the same on every backend, run here on TensorFlow and PyTorch")
@pytest.mark.slow
def test_train_vaegan_celeba64_from_the_official_zip(tmp_path, capsys):
    """The celeba64 preset's recipe, from the files CelebA's site ships, to a
    preset folder `from_pretrained` loads; a second run of the same command
    is refused (finished), and the smoke pictures say they are a smoke run."""
    import keras_perceptual as kp

    data = make_fake_celeba(tmp_path / "celeba", n=8)
    out = tmp_path / "out"
    argv = ["train", "vaegan_celeba64", "--data-dir", str(data), "--output", str(out), "--smoke",
            "--batch-size", "4", "--steps", "1", "--verbose", "0"]
    assert cli.main(argv) == 0, capsys.readouterr().err
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["recipe"] == "keras_perceptual.recipes.vaegan_celeba64"
    assert meta["dataset"] == "celeba" and meta["recipe_options"]["data_dir"] == str(data)
    assert SMOKE_CAPTION in meta["description"]
    assert SMOKE_CAPTION in (out / "README.md").read_text()
    # samples.png is titled: 64 samples, 8x8 at scale 2 with 4 pixels of padding, are 1060 pixels high
    # untitled; above them, a white band with dark text.
    with Image.open(out / "samples.png") as samples:
        pixels = np.asarray(samples.convert("L"))
    band = pixels.shape[0] - 1060
    assert band >= 21 and pixels[:band].min() < 100 and np.all(pixels[:2] == 255)
    model = kp.from_pretrained(str(out))
    assert type(model) is kp.VAEGAN and model.image_shape == (64, 64, 3)
    assert np.asarray(model.generate(2, seed=0)).shape == (2, 64, 64, 3)
    assert cli.main(argv) == 2
    assert "finished preset" in capsys.readouterr().err

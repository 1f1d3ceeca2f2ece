"""The preset registry: names, plain data, `list_presets`, `Model.presets`,
resolution of registered names to `weights/<name>/`, and `celeba64`."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

import keras_perceptual as kp
from keras_perceptual import hub
from keras_perceptual import presets
from keras_perceptual.hub import PresetError
from tests.test_hub import images
from tests.test_hub import tiny_vaegan

REQUIRED = ("model", "description", "dataset", "input", "paper", "license", "recipe", "hub", "sha256",
            "parameters", "how_to_train")


def test_unknown_name_raises_and_lists_known_presets():
    with pytest.raises(PresetError, match="Unknown preset 'no_such_preset'.*celeba64.*vaegan_fashion_mnist"):
        kp.VAEGAN.from_pretrained("no_such_preset")
    with pytest.raises(PresetError, match="Unknown preset.*celeba64"):
        kp.from_pretrained("no_such_preset")
    with pytest.raises(PresetError, match="and no such folder"):
        kp.from_pretrained("./missing/folder")
    with pytest.raises(ValueError, match="name_or_path"):
        kp.VAEGAN.from_pretrained(42)
    with pytest.raises(ValueError, match="hf://org/repo"):
        kp.from_pretrained("hf://just-a-name")


def test_registry_is_plain_data_with_every_field():
    json.dumps(presets.PRESETS)  # nothing but JSON-able data
    for name, entry in presets.PRESETS.items():
        missing = [k for k in REQUIRED if k not in entry]
        assert not missing, (name, missing)
        assert presets.model_class(entry) is not None, name
        assert entry["input"]["value_range"] == [-1.0, 1.0]
        assert entry["input"]["channels"] == entry["input"]["shape"][-1]
        if entry["hub"]:
            assert len(entry["hub"]["revision"]) == 40, "a published preset pins a commit"
        for file, digest in entry["sha256"].items():
            assert file in hub.PRESET_FILES and len(digest) == 64


def test_list_presets_and_model_presets():
    every = kp.list_presets()
    assert set(every) == set(presets.PRESETS)
    assert {"vaegan_fashion_mnist", "celeba64"} <= set(every)
    for name, info in every.items():
        assert info["name"] == name
        assert info["weights"] in ("local", "hub", "none")
        assert info["weights_available"] == (info["weights"] != "none")
    assert kp.VAEGAN.presets == kp.list_presets(kp.VAEGAN) == kp.list_presets("VAEGAN")
    assert all(p["model"] == "VAEGAN" for p in kp.VAEGAN.presets.values())
    # No preset is a bare Keras model: every one is a zoo class.
    assert not {n for n, e in presets.PRESETS.items() if e["model"] in presets.KERAS_MODELS}
    assert set(kp.Classifier.presets) == {"fashion_mnist_classifier"}
    assert set(kp.ImageAutoencoder.presets) == set(kp.AdversarialModel.presets) == set(every) - {
        "fashion_mnist_classifier"}
    with pytest.raises(ValueError, match="Received: model='NoSuchModel'"):
        kp.list_presets("NoSuchModel")
    with pytest.raises(ValueError, match="model"):
        kp.list_presets(3)
    # A copy: editing it does not change the registry.
    every["celeba64"]["input"]["shape"][0] = 1
    assert presets.PRESETS["celeba64"]["input"]["shape"][0] == 64


def test_celeba64_explains_how_to_get_weights(monkeypatch, tmp_path):
    monkeypatch.setattr(presets, "WEIGHTS_DIR", tmp_path)
    assert kp.list_presets()["celeba64"]["weights"] == "none"
    with pytest.raises(PresetError) as info:
        kp.VAEGAN.from_pretrained("celeba64")
    message = str(info.value)
    for needed in ("No weights are published", "examples/vaegan_celeba.py", "save_pretrained",
                   "push_to_hub", "load_weights=False"):
        assert needed in message, needed


def test_celeba64_architecture_is_the_authors():
    entry = presets.PRESETS["celeba64"]
    model = kp.VAEGAN.from_pretrained("celeba64", load_weights=False)
    assert type(model) is kp.VAEGAN
    assert model.image_shape == (64, 64, 3) and model.latent_dim == 128
    assert model.count_params() == entry["parameters"]
    assert model.gamma == 1e-6 and model.decoder_gan_loss == "minimax"
    assert model.equilibrium and model.reconstructions_as_fakes
    assert (model.equilibrium_center, model.equilibrium_margin) == (0.68, 0.35)
    # Dis_l: the 4th convolution, 8x8x256.
    assert tuple(model.discriminator.outputs[1].shape[1:]) == (8, 8, 256)


@pytest.fixture
def weights_dir(monkeypatch, tmp_path):
    """A `weights/` folder holding a trained-looking tiny preset under a
    registered name."""
    model = tiny_vaegan()
    root = tmp_path / "weights"
    folder = model.save_pretrained(root / "vaegan_fashion_mnist", metadata={"dataset": "fashion_mnist"},
                                   samples=4)
    monkeypatch.setattr(presets, "WEIGHTS_DIR", root)
    return folder, model.reconstruct(images())


def test_registered_name_resolves_to_weights_folder(weights_dir):
    folder, ref = weights_dir
    info = kp.list_presets()["vaegan_fashion_mnist"]
    assert info["weights"] == "local" and info["folder"] == str(folder)
    assert info["parameters"] == json.loads((folder / "metadata.json").read_text())["parameters"]
    for load in (lambda: kp.VAEGAN.from_pretrained("vaegan_fashion_mnist"),
                 lambda: kp.VAEGAN.from_pretrained("fashion_mnist"),  # without the class prefix
                 lambda: kp.from_pretrained("vaegan_fashion_mnist")):
        np.testing.assert_array_equal(load().reconstruct(images()), ref)
    with pytest.raises(PresetError, match="Unknown preset 'fashion_mnist'"):
        kp.DeePSiM.from_pretrained("fashion_mnist")
    with pytest.raises(PresetError, match="is a VAEGAN, not a DeePSiM"):
        kp.DeePSiM.from_pretrained("vaegan_fashion_mnist")


def test_registry_pins_are_checked_against_the_folder(monkeypatch, weights_dir):
    folder, ref = weights_dir
    meta = json.loads((folder / "metadata.json").read_text())
    entry = presets.PRESETS["vaegan_fashion_mnist"]
    monkeypatch.setitem(entry, "sha256", {"model.weights.h5": meta["files"]["model.weights.h5"]})
    np.testing.assert_array_equal(kp.VAEGAN.from_pretrained("fashion_mnist").reconstruct(images()), ref)
    monkeypatch.setitem(entry, "sha256", {"model.weights.h5": "0" * 64})
    with pytest.raises(PresetError, match="disagrees with the registry's pinned sha256 for model.weights.h5"):
        kp.VAEGAN.from_pretrained("fashion_mnist")


def test_ambiguous_short_name(monkeypatch):
    monkeypatch.setitem(presets.PRESETS, "vaegan_shared", dict(presets.PRESETS["vaegan_fashion_mnist"]))
    monkeypatch.setitem(presets.PRESETS, "deepsim_shared",
                        dict(presets.PRESETS["vaegan_fashion_mnist"], model="DeePSiM"))
    with pytest.raises(ValueError, match="ambiguous.*deepsim_shared.*vaegan_shared"):
        kp.AdversarialModel.from_pretrained("shared")
    # For one class the short name is unambiguous.
    with pytest.raises(PresetError, match="No weights are published for preset 'vaegan_shared'"):
        kp.VAEGAN.from_pretrained("shared")


def test_load_weights_false_without_architecture_or_weights(monkeypatch, tmp_path):
    monkeypatch.setattr(presets, "WEIGHTS_DIR", tmp_path)
    with pytest.raises(PresetError, match="keras-perceptual train vaegan"):
        kp.VAEGAN.from_pretrained("vaegan_fashion_mnist", load_weights=False)


@pytest.mark.parametrize("name", sorted(n for n in presets.PRESETS if presets.preset_folder(n)))
def test_presets_in_weights_folder_are_complete(name):
    """Every preset shipped in `weights/` verifies, loads and generates."""
    folder = presets.preset_folder(name)
    meta = hub.verify_folder(folder)
    assert set(meta["files"]) >= {"config.json", "model.weights.h5", "README.md", "samples.png"}
    model = kp.from_pretrained(name)
    entry = presets.PRESETS[name]
    assert type(model).__name__ == entry["model"]
    assert list(model.image_shape) == entry["input"]["shape"] == meta["input"]["shape"]
    if entry["parameters"] is not None:
        assert model.count_params() == entry["parameters"]
    x = np.random.default_rng(0).uniform(-1, 1, (2, *entry["input"]["shape"])).astype("float32")
    if isinstance(model, kp.Classifier):
        assert np.all(np.isfinite(model.predict(x, verbose=0)))
        return
    conditions = np.eye(model.condition_dim, dtype="float32")[:2] if model.is_conditional else None
    assert model.reconstruct(x, conditions=conditions).shape == x.shape
    if model.has_prior:
        assert model.generate(2, conditions=conditions, seed=0).shape == x.shape


def test_weights_folder_copy_is_a_local_folder(weights_dir, tmp_path):
    folder, ref = weights_dir
    copy = Path(shutil.copytree(folder, tmp_path / "elsewhere"))
    np.testing.assert_array_equal(kp.VAEGAN.from_pretrained(str(copy)).reconstruct(images()), ref)

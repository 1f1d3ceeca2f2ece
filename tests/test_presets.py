"""The preset registry: names, plain data, `list_presets`, `Model.presets`,
resolution of registered names to `weights/<name>/`, and `celeba64`."""

import dataclasses
import hashlib
import json
import shutil
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

import keras_perceptual as kp
from keras_perceptual import hub
from keras_perceptual import preset_reader
from keras_perceptual import presets
from keras_perceptual.training.plans import TrainingPlan
from keras_perceptual.training.plans import get_plan
from keras_perceptual.hub import PresetError
from tests.test_hub import images
from tests.test_hub import tiny_vaegan

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import quality  # noqa: E402 (benchmarks/quality.py: the quality tables' baselines)

def spec(name):
    return presets.get_spec(name)


def register(monkeypatch, name, **changes):
    """Registers a variant of a spec for one test (no Hub repo unless given)."""
    changes.setdefault("hub_repo", None)
    variant = dataclasses.replace(spec(changes.pop("like", name)), name=name, **changes)
    monkeypatch.setitem(presets.PRESETS, name, variant)
    return variant


@pytest.mark.backend_independent
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


@pytest.mark.backend_independent
def test_unknown_name_says_did_you_mean():
    with pytest.raises(PresetError, match="Did you mean 'vaegan_fashion_mnist'"):
        kp.from_pretrained("vaegan_fashon_mnist")
    with pytest.raises(PresetError, match="Did you mean 'fashion_mnist'"):
        kp.VAEGAN.from_pretrained("fashon_mnist")
    with pytest.raises(ValueError, match="Unknown preset 'vaegan_fashion'.*Did you mean 'vaegan_fashion_mnist'"):
        presets.get_spec("vaegan_fashion")


@pytest.mark.backend_independent
def test_every_spec_is_typed_and_consistent():
    specs = presets.all_specs()
    assert [s.name for s in specs] == list(presets.PRESETS) and len(specs) >= 13
    for s in specs:
        assert isinstance(s, presets.PresetSpec) and isinstance(s.input, presets.InputContract)
        assert preset_reader.model_class(s) is not None, s.name
        assert s.input.value_range == (-1.0, 1.0) and s.input.channels == s.input.shape[-1]
        assert s.description and s.paper and s.dataset and s.license and s.tags, s.name
        json.dumps(s.to_dict())  # nothing but JSON-able data
        plan = get_plan(s.name)  # every preset has a training plan
        for baseline in quality.BASELINES.get(s.name, {}).values():
            assert baseline is None or baseline in presets.PRESETS, (s.name, baseline)
        if s.hub_repo:
            assert s.hub_repo.count("/") == 1
        if presets.preset_folder(s.name) is not None:
            # The spec agrees with the metadata of the folder it pins.
            meta = json.loads((presets.preset_folder(s.name) / "metadata.json").read_text())
            assert meta["recipe"] == plan.recipe_module, s.name
            assert sorted(meta["skipped_networks"]) == sorted(plan.skip_networks), s.name
            assert meta["input"] == s.input.to_dict() and meta["dataset"] == s.dataset, s.name
            # Its recipe options are those the shipped weights were trained
            # with (a spec edited without retraining describes other weights);
            # "epochs" is the cap, the record holds the steps taken.
            for key, value in dict(plan.recipe_options).items():
                if key != "epochs":
                    assert key in meta["recipe_options"], f"{s.name}: option {key!r} is not in its metadata"
                    assert json.loads(json.dumps(meta["recipe_options"][key])) == json.loads(json.dumps(value)), (
                        f"{s.name}: the spec says {key}={value!r}, its weights were trained with "
                        f"{meta['recipe_options'][key]!r}")
    with pytest.raises(ValueError, match="metadata_sha256"):
        dataclasses.replace(spec("vae_fashion_mnist"), metadata_sha256="abc")
    with pytest.raises(ValueError, match="table"):
        quality.quality_rows("speed")
    assert set(quality.BASELINES) <= set(presets.PRESETS)
    assert all(set(tables) <= set(quality.QUALITY_TABLES) for tables in quality.BASELINES.values())
    # The load-time config holds no training field: those live in the training plans.
    fields = {f.name for f in dataclasses.fields(presets.PresetSpec)}
    assert not fields & {f.name for f in dataclasses.fields(TrainingPlan)} - {"name"}
    assert not fields & {"baselines", "recipe", "budget"}
    with pytest.raises(ValueError, match="Unknown preset 'no_such'"):
        TrainingPlan("no_such", recipe="vae")
    with pytest.raises(ValueError, match="Unknown preset 'celeba6'.*Did you mean 'celeba64'"):
        get_plan("celeba6")
    with pytest.raises(ValueError, match="hub_repo"):
        dataclasses.replace(spec("vae_fashion_mnist"), hub_repo="no-slash")


@pytest.mark.backend_independent
def test_quality_tables_read_the_baselines():
    generation = quality.quality_rows("generation")
    assert generation[0] == ("vae_fashion_mnist", None)
    assert ("vaegan_fashion_mnist", "vae_fashion_mnist") in generation
    reconstruction = dict(quality.quality_rows("reconstruction"))
    assert reconstruction["deepsim_autoencoder_fashion_mnist"] == "pixel_autoencoder_fashion_mnist"
    assert quality.quality_rows("reconstruction")[0] == ("pixel_autoencoder_fashion_mnist", None)
    assert {n for n, _ in quality.quality_rows("clustering")} == {
        "aae_clustering_gan_fashion_mnist", "aae_clustering_mmd_fashion_mnist", "iae_clustering_fashion_mnist"}
    with pytest.raises(ValueError, match="table"):
        quality.quality_rows("speed")


@pytest.mark.backend_independent
def test_registering_a_name_twice_differently_is_refused(monkeypatch):
    import types

    family = types.SimpleNamespace(__name__="fam", PRESETS=[dataclasses.replace(spec("vae_fashion_mnist"),
                                                                                description="other")])
    with pytest.raises(ValueError, match="registered twice"):
        presets.register_presets(family)
    family = types.SimpleNamespace(__name__="fam", PRESETS=[], PINS={"ghost": "0" * 64})
    with pytest.raises(ValueError, match="does not define"):
        presets.register_presets(family)


@pytest.mark.backend_independent
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
    assert not {n for n, e in presets.PRESETS.items() if e.model in presets.KERAS_MODELS}
    classifiers = {"fashion_mnist_classifier", "fashion_mnist_evaluator"}
    assert set(kp.Classifier.presets) == classifiers
    assert set(kp.ImageAutoencoder.presets) == set(kp.AdversarialModel.presets) == set(every) - classifiers
    with pytest.raises(ValueError, match="Received: model='NoSuchModel'"):
        kp.list_presets("NoSuchModel")
    with pytest.raises(ValueError, match="model"):
        kp.list_presets(3)
    # A copy: editing it does not change the registry.
    every["celeba64"]["input"]["shape"][0] = 1
    assert presets.PRESETS["celeba64"].input.shape[0] == 64


@pytest.mark.backend_independent
def test_model_classes_name_the_real_ancestry():
    """`list_presets(model=cls)` compares class names: the ancestry the
    registry stores as names must be the classes' real one."""
    import keras

    for name, ancestry in presets.MODEL_CLASSES.items():
        cls = preset_reader.model_class(name) if name not in presets.KERAS_MODELS else getattr(keras, name, None)
        cls = cls or getattr(keras.models, name, None) or keras.Model
        real = [c.__name__ for c in cls.__mro__ if isinstance(c, type) and issubclass(c, keras.Model)
                and (c.__module__.startswith("keras_perceptual") or c is keras.Model)]
        if name in presets.KERAS_MODELS:
            assert ancestry == (name, "Model")
        else:
            assert list(ancestry) == real, (name, real)
    # A subclass filter: the DeePSiM family, not the VAE/GAN.
    deepsim = kp.list_presets("DeePSiM")
    assert set(deepsim) == {"deepsim_autoencoder_fashion_mnist", "deepsim_vae_fashion_mnist",
                            "deepsim_inverter_fashion_mnist"}
    assert kp.list_presets(kp.DeePSiM) == deepsim
    # A user's own subclass has no registered presets.
    assert kp.list_presets(type("MyVAE", (kp.VAE,), {})) == {}


@pytest.mark.backend_independent
def test_families_and_tasks_come_from_the_specs():
    every = kp.list_presets()
    assert every["vaegan_fashion_mnist"]["family"] == "vaegan"
    assert every["fashion_mnist_evaluator"]["family"] == "classifier"
    assert every["fashion_mnist_evaluator"]["tasks"] == ["classification"]
    assert every["iae_clustering_fashion_mnist"]["tasks"] == ["generation", "reconstruction", "clustering"]
    assert every["pixel_autoencoder_fashion_mnist"]["tasks"] == ["reconstruction"]
    assert set(presets.TASKS) == {"generation", "reconstruction", "clustering", "classification"}


@pytest.mark.backend_independent
def test_celeba64_explains_how_to_get_weights(monkeypatch, tmp_path):
    monkeypatch.setattr(presets, "WEIGHTS_DIR", tmp_path)
    assert kp.list_presets()["celeba64"]["weights"] == "none"
    with pytest.raises(PresetError) as info:
        kp.VAEGAN.from_pretrained("celeba64")
    message = str(info.value)
    # Short, and a command the installed package has (no repository path such as examples/).
    for needed in ("No weights are published", "keras-perceptual train vaegan_celeba64 --data-dir DIR",
                   "load_weights=False"):
        assert needed in message, needed
    assert len(message) < 300 and "examples/" not in message


def test_celeba64_architecture_is_the_authors():
    entry = spec("celeba64")
    model = kp.VAEGAN.from_pretrained("celeba64", load_weights=False)
    assert type(model) is kp.VAEGAN
    assert model.image_shape == (64, 64, 3) and model.latent_dim == 128
    assert model.count_params() == entry.parameters
    assert model.gamma == 1e-6 and model.decoder_gan_loss == "minimax"
    assert model.equilibrium and model.reconstructions_as_fakes
    assert (model.equilibrium_center, model.equilibrium_margin) == (0.68, 0.35)
    # Dis_l: the 4th convolution, 8x8x256.
    assert tuple(model.discriminator.outputs[1].shape[1:]) == (8, 8, 256)


@pytest.fixture
def weights_dir(monkeypatch, tmp_path):
    """A `weights/` folder holding a trained-looking tiny preset under a
    registered name, pinned by the registry."""
    model = tiny_vaegan()
    root = tmp_path / "weights"
    folder = model.save_pretrained(root / "vaegan_fashion_mnist", metadata={"dataset": "fashion_mnist"},
                                   samples=4)
    monkeypatch.setattr(presets, "WEIGHTS_DIR", root)
    register(monkeypatch, "vaegan_fashion_mnist", metadata_sha256=hub.sha256_file(folder / "metadata.json"))
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


@pytest.mark.backend_independent
def test_resealed_altered_folder_is_refused_under_its_registered_name(weights_dir):
    folder, ref = weights_dir
    # Someone alters the weights and re-seals the folder's own metadata.json.
    with h5py.File(folder / "model.weights.h5", "r+") as f:
        kernel = f["decoder/layers/dense/vars/0"]
        kernel[...] = kernel[...] + 1.0
    meta = json.loads((folder / "metadata.json").read_text())
    meta["files"]["model.weights.h5"] = hub.sha256_file(folder / "model.weights.h5")
    (folder / "metadata.json").write_text(json.dumps(meta))
    hub.verify_folder(folder)  # consistent in itself
    with pytest.raises(PresetError, match="sha256 mismatch for metadata.json"):
        kp.VAEGAN.from_pretrained("vaegan_fashion_mnist")
    with pytest.raises(PresetError, match="sha256 mismatch for metadata.json"):
        kp.from_pretrained("vaegan_fashion_mnist")
    # By path it is the user's own folder: its own metadata.json vouches for it.
    altered = kp.VAEGAN.from_pretrained(folder).reconstruct(images())
    assert not np.allclose(altered, ref)


@pytest.mark.backend_independent
def test_unpinned_bundled_folder_is_refused(monkeypatch, weights_dir):
    register(monkeypatch, "vaegan_fashion_mnist", metadata_sha256=None)
    with pytest.raises(PresetError, match="pins no sha256.*pin_presets"):
        kp.VAEGAN.from_pretrained("vaegan_fashion_mnist")


@pytest.mark.backend_independent
def test_committed_pins_match_the_bundled_folders():
    from keras_perceptual import pin_presets

    bundled = [s.name for s in presets.all_specs() if presets.preset_folder(s.name)]
    assert bundled, "no bundled preset found"
    assert pin_presets.stale_pins() == {}, "run `python -m keras_perceptual.pin_presets`"
    for name in bundled:
        digest = hashlib.sha256((presets.preset_folder(name) / "metadata.json").read_bytes()).hexdigest()
        assert spec(name).metadata_sha256 == digest


@pytest.mark.backend_independent
def test_pin_command_rewrites_the_family_pins(monkeypatch, tmp_path, capsys):
    from keras_perceptual import pin_presets

    family = tmp_path / "fam_presets.py"
    family.write_text('PRESETS = []\n\n# pins\nPINS = {\n    "vae_fashion_mnist": "' + "0" * 64 + '",\n}\n')
    monkeypatch.setitem(presets.SPEC_FILES, "vae_fashion_mnist", str(family))
    register(monkeypatch, "vae_fashion_mnist", metadata_sha256="0" * 64, hub_repo=spec("vae_fashion_mnist").hub_repo)
    assert pin_presets.main(["--check"]) == 1
    assert "1 stale pin" in capsys.readouterr().out
    assert pin_presets.main([]) == 0
    digest = hub.sha256_file(presets.preset_folder("vae_fashion_mnist") / "metadata.json")
    assert family.read_text() == 'PRESETS = []\n\n# pins\nPINS = {\n    "vae_fashion_mnist": "' + digest + '",\n}\n'
    assert spec("vae_fashion_mnist").metadata_sha256 == digest
    assert pin_presets.main(["--check"]) == 0
    # Scripts that write presets re-pin only the bundled folder.
    register(monkeypatch, "vae_fashion_mnist", metadata_sha256="1" * 64, hub_repo=spec("vae_fashion_mnist").hub_repo)
    assert pin_presets.repin_bundled(tmp_path) == {}
    assert pin_presets.repin_bundled(presets.WEIGHTS_DIR) == {"vae_fashion_mnist": ("1" * 64, digest)}
    assert digest in family.read_text()


@pytest.mark.backend_independent
def test_ambiguous_short_name(monkeypatch):
    register(monkeypatch, "vaegan_shared", like="vaegan_fashion_mnist")
    register(monkeypatch, "deepsim_shared", like="vaegan_fashion_mnist", model="DeePSiM")
    with pytest.raises(ValueError, match="ambiguous.*deepsim_shared.*vaegan_shared"):
        kp.AdversarialModel.from_pretrained("shared")
    # For one class the short name is unambiguous.
    with pytest.raises(PresetError, match="No weights are published for preset 'vaegan_shared'"):
        kp.VAEGAN.from_pretrained("shared")


def test_load_weights_false_without_architecture_or_weights(monkeypatch, tmp_path):
    monkeypatch.setattr(presets, "WEIGHTS_DIR", tmp_path)
    register(monkeypatch, "vaegan_fashion_mnist")
    with pytest.raises(PresetError, match="train_presets.py --only vaegan_fashion_mnist"):
        kp.VAEGAN.from_pretrained("vaegan_fashion_mnist", load_weights=False)


@pytest.mark.parametrize("name", sorted(s.name for s in presets.all_specs() if presets.preset_folder(s.name)))
def test_presets_in_weights_folder_are_complete(name):
    """Every preset shipped in `weights/` verifies, loads and generates."""
    folder = presets.preset_folder(name)
    meta = hub.verify_folder(folder)
    assert set(meta["files"]) >= {"config.json", "model.weights.h5", "README.md", "samples.png"}
    model = kp.from_pretrained(name)
    entry = spec(name)
    assert type(model).__name__ == entry.model
    assert list(model.image_shape) == list(entry.input.shape) == meta["input"]["shape"]
    if entry.parameters is not None:
        assert model.count_params() == entry.parameters
    x = np.random.default_rng(0).uniform(-1, 1, (2, *entry.input.shape)).astype("float32")
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

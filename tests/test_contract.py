"""The one contract of the zoo's image models (`ImageAutoencoder`), the one
randomness owner, and every CLI verb on every preset."""

import inspect

import keras
import numpy as np
import pytest
from PIL import Image

import keras_perceptual as kp
from keras_perceptual import cli
from keras_perceptual import presets
from keras_perceptual import priors
from keras_perceptual.layers import GaussianSampling
from tests.test_comparators import tiny_comparator
from tests.test_hub import RecordingApi
from tests.test_hub import tiny_vaegan
from tests.test_preset_regressions import DrawRecorder

SIGNATURES = {
    "encode": "(self, images, *, conditions=None, sample=False, seed=None, batch_size=None)",
    "decode": "(self, codes, *, conditions=None, seed=None, batch_size=None)",
    "reconstruct": "(self, images, *, conditions=None, sample=False, seed=None, batch_size=None)",
    "generate": "(self, num_samples, *, conditions=None, seed=None, batch_size=None)",
    "interpolate": "(self, start, end, *, steps=8, conditions=None, seed=None, batch_size=None)",
    "sample_prior": "(self, num_samples, *, seed=None)",
}
MODEL_CLASSES = [kp.VAEGAN, kp.VAE, kp.AdversarialAutoencoder, kp.ImplicitAutoencoder, kp.DeePSiMAutoencoder,
                 kp.DeePSiMVAE, kp.DeePSiMInverter, kp.PixelAutoencoder]
SMALL = dict(conv_filters=(8,), units=(16,), discriminator_units=(16,))


def tiny_vae(seed):
    nets = kp.networks.vaegan_networks("small28", channels=1)
    return kp.VAE(nets["encoder"], nets["decoder"], seed=seed)


def tiny_aae(seed):
    prior = priors.CategoricalPrior(4, style_dim=2)
    nets = kp.networks.aae_networks(prior, regularizer="gan", mode="clustering", **SMALL)
    return kp.AdversarialAutoencoder(**nets, prior=prior, mode="clustering", gumbel_temperature=0.5,
                                     discriminator_noise=0.1, seed=seed)


def tiny_iae(seed):
    prior = priors.CategoricalPrior(4, style_dim=2)
    nets = kp.networks.iae_networks(prior, encoder_noise_dim=3, decoder_noise_dim=3, **SMALL)
    return kp.ImplicitAutoencoder(**nets, prior=prior, gumbel_temperature=0.5, discriminator_noise=0.1, seed=seed)


def tiny_deepsim(setup, seed):
    comp = tiny_comparator()
    mode = {kp.DeePSiMAutoencoder: "autoencoder", kp.DeePSiMVAE: "vae", kp.DeePSiMInverter: "inverter"}[setup]
    nets = kp.networks.deepsim_networks(mode, "small28", comparator=comp, inverted_layer="c2")
    return setup(**nets, comparator=comp, seed=seed)


def tiny_pixel(seed):
    nets = kp.networks.deepsim_networks("autoencoder", "small28")
    return kp.PixelAutoencoder(nets["encoder"], nets["generator"], seed=seed)


BUILDERS = {
    "VAEGAN": lambda seed: tiny_vaegan(seed=seed),
    "VAE": tiny_vae,
    "AdversarialAutoencoder": tiny_aae,
    "ImplicitAutoencoder": tiny_iae,
    "DeePSiMAutoencoder": lambda seed: tiny_deepsim(kp.DeePSiMAutoencoder, seed),
    "DeePSiMVAE": lambda seed: tiny_deepsim(kp.DeePSiMVAE, seed),
    "DeePSiMInverter": lambda seed: tiny_deepsim(kp.DeePSiMInverter, seed),
    "PixelAutoencoder": tiny_pixel,
}


@pytest.mark.parametrize("cls", MODEL_CLASSES, ids=lambda c: c.__name__)
def test_every_model_has_the_contract(cls):
    assert issubclass(cls, kp.ImageAutoencoder)
    for name, signature in SIGNATURES.items():
        assert str(inspect.signature(getattr(cls, name))) == signature, (cls.__name__, name)


@pytest.mark.parametrize("name", sorted(BUILDERS))
@pytest.mark.parametrize("seed", [0, 3])
def test_one_randomness_owner(name, seed, monkeypatch, random_images):
    model = BUILDERS[name](seed)
    # No layer of the model keeps a random stream of its own for the step.
    assert not [layer for layer in model._flatten_layers() if isinstance(layer, GaussianSampling)]
    recorder = DrawRecorder(monkeypatch)
    model.compute_losses(random_images(4), training=True)
    draws = {"VAEGAN": 2, "VAE": 1, "DeePSiMVAE": 1, "AdversarialAutoencoder": 4, "ImplicitAutoencoder": 4}
    assert len(recorder.draws) >= draws.get(name, 0)
    assert recorder.coinciding_pairs() == []


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_contract_behaviour(name, random_images):
    model = BUILDERS[name](0)
    x = random_images(5)
    codes = model.encode(x, batch_size=2)
    assert codes.shape == (5,) + model.code_shape
    recon = model.reconstruct(x, batch_size=2)
    assert recon.shape == x.shape
    np.testing.assert_allclose(model.decode(codes, seed=0), model.reconstruct(x, seed=0), atol=1e-5) \
        if name != "ImplicitAutoencoder" else None
    assert model.interpolate(x[0], x[1], steps=3).shape == (3,) + x.shape[1:]
    assert not model.is_conditional and model.num_classes == 0
    if model.has_prior:
        assert model.sample_prior(3, seed=1).shape == (3,) + model.code_shape
        np.testing.assert_array_equal(model.generate(3, seed=1), model.generate(3, seed=1))
    else:
        for call in (lambda: model.sample_prior(3), lambda: model.generate(3)):
            with pytest.raises(kp.NoPriorError, match="no prior"):
                call()
    with pytest.raises(ValueError, match="num_samples"):
        model.sample_prior(0)
    with pytest.raises(ValueError, match="unconditional"):
        model.reconstruct(x, conditions=np.zeros((5, 3)))


@pytest.mark.compiled
def test_pixel_autoencoder_trains_and_round_trips(tmp_path, random_images):
    model = tiny_pixel(0)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=False)
    x = random_images(16)
    history = model.fit(x, batch_size=8, epochs=3, verbose=0)
    losses = history.history["autoencoder_loss"]
    assert losses[-1] < losses[0]
    np.testing.assert_allclose(losses[-1], np.mean((model.reconstruct(x) - x) ** 2), rtol=0.5)
    folder = model.save_pretrained(tmp_path / "pixel")
    loaded = kp.PixelAutoencoder.from_pretrained(folder)
    np.testing.assert_allclose(loaded.reconstruct(x), model.reconstruct(x), atol=1e-6)
    assert not (folder / "samples.png").exists()


def test_classifier_zoo_class(tmp_path, random_images):
    clf = kp.Classifier(kp.networks.fashion_mnist_classifier(), name="clf")
    x = random_images(3)
    logits = clf.predict(x, verbose=0)
    assert logits.shape == (3, 10) and clf.num_classes == 10 and clf.image_shape == (28, 28, 1)
    net = clf.network
    expected = keras.Model(net.inputs, net.get_layer("fc1_act").output)(x, training=False)
    np.testing.assert_allclose(clf.features(x, layer="fc1_act"), keras.ops.convert_to_numpy(expected), atol=1e-6)
    with pytest.raises(ValueError, match="Expected `layer` to be one of .*received layer='nope'"):
        clf.features(x, layer="nope")
    folder = clf.save_pretrained(tmp_path / "clf")
    loaded = kp.Classifier.from_pretrained(folder)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), logits, atol=1e-6)
    assert "model.predict(x)" in (folder / "README.md").read_text()


# -- every CLI verb on every preset -------------------------------------------
PRESETS = sorted(s.name for s in presets.all_specs())
VERBS = ["sample", "reconstruct", "interpolate", "evaluate", "push"]


def _argv(verb, preset, tmp_path):
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    Image.new("L", (28, 28), 40).save(a)
    Image.new("L", (28, 28), 220).save(b)
    out = str(tmp_path / "out.png")
    return {
        "sample": ["sample", preset, "-n", "4", "-o", out],
        "reconstruct": ["reconstruct", preset, str(a), str(b), "-o", out],
        "interpolate": ["interpolate", preset, "--start", str(a), "--end", str(b), "--steps", "3", "-o", out],
        "evaluate": ["evaluate", preset, "--limit", "8", "--batch-size", "8"],
        "push": ["push", str(presets.WEIGHTS_DIR / preset), "--repo", f"org/{preset}"],
    }[verb]


def expected_outcome(verb, preset):
    """"ok" or the words of the one-line refusal."""
    if presets.preset_folder(preset) is None:
        return "No weights are published" if verb != "push" else "no metadata.json"
    model = presets.get_spec(preset).model
    if verb == "push":
        return "ok"
    if model == "Classifier":
        return "works on image models"
    if verb == "sample" and model in ("PixelAutoencoder", "DeePSiMAutoencoder", "DeePSiMInverter"):
        return "no prior"
    return "ok"


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("verb", VERBS)
def test_every_cli_verb_on_every_preset_works_or_refuses_in_one_line(verb, preset, tmp_path, capsys, monkeypatch):
    import huggingface_hub

    monkeypatch.setattr(huggingface_hub, "HfApi", RecordingApi)
    code = cli.main(_argv(verb, preset, tmp_path))
    out, err = capsys.readouterr()
    expected = expected_outcome(verb, preset)
    if expected == "ok":
        assert code == 0, err
    else:
        assert code == 2
        lines = err.strip().splitlines()
        assert len(lines) == 1 and expected in lines[0], err


def test_cli_list(capsys):
    assert cli.main(["list"]) == 0
    out, _ = capsys.readouterr()
    assert all(name in out for name in PRESETS)


def test_each_paper_in_its_own_file():
    import ast
    from pathlib import Path

    models = Path(kp.models.__file__).parent

    def imports(name):
        tree = ast.parse((models / f"{name}.py").read_text())
        return {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}

    # Categorical-code training lives in the prior: the IAE does not import the AAE.
    assert "keras_perceptual.models.adversarial_autoencoder" not in imports("implicit_autoencoder")
    for name in ("deepsim_autoencoder", "deepsim_vae", "deepsim_inverter", "deepsim"):
        source = (models / f"{name}.py").read_text()
        assert "mode ==" not in source and len(source.splitlines()) < 200, name

"""Regression tests of four defects of the presets and the command line; each failed on the code
before its fix.

1. VAE/GAN's prior sample was its posterior noise (`z_p == eps`: twin SeedGenerators).
2. `keras-perceptual reconstruct aae_fashion_mnist a.png` crashed (a positional `conditions`).
3. The L2 autoencoder and classifier presets were bare `Functional` models (CLI verbs crashed).
4. DeePSiM presets loaded with an untrained comparator.
"""

import keras
import numpy as np
import pytest
from keras import ops
from PIL import Image

import keras_perceptual as kp
from keras_perceptual import cli
from tests.test_hub import tiny_vaegan

RANDOM_FUNCTIONS = ("normal", "uniform", "randint", "truncated_normal")


class DrawRecorder:
    """Records every `keras.random` draw made through the module's functions."""

    def __init__(self, monkeypatch):
        self.draws = []
        for name in RANDOM_FUNCTIONS:
            monkeypatch.setattr(keras.random, name, self._wrap(getattr(keras.random, name)))

    def _wrap(self, fn):
        def draw(*args, **kwargs):
            out = fn(*args, **kwargs)
            self.draws.append(np.asarray(ops.convert_to_numpy(out), "float64").ravel())
            return out

        return draw

    def coinciding_pairs(self):
        """Index pairs of continuous draws whose first values are equal."""
        continuous = [(i, d) for i, d in enumerate(self.draws) if np.any(d != np.round(d))]
        pairs = []
        for a in range(len(continuous)):
            for b in range(a + 1, len(continuous)):
                (i, x), (j, y) = continuous[a], continuous[b]
                n = min(len(x), len(y))
                if np.allclose(x[:n], y[:n]):
                    pairs.append((i, j))
        return pairs


@pytest.mark.parametrize("seed", [0, 7])
def test_vaegan_prior_sample_is_not_its_posterior_noise(seed, monkeypatch, random_images):
    model = tiny_vaegan(seed=seed)
    recorder = DrawRecorder(monkeypatch)
    model.compute_losses(random_images(4), training=True)
    assert len(recorder.draws) >= 2  # eps of q(z|x) and z_p ~ p(z)
    assert recorder.coinciding_pairs() == []


def _png(path, value=128):
    Image.new("L", (28, 28), value).save(path)
    return path


def test_reconstruct_aae_preset_from_the_cli(tmp_path, capsys):
    a = _png(tmp_path / "a.png")
    code = cli.main(["reconstruct", "aae_fashion_mnist", str(a), "-o", str(tmp_path / "r.png")])
    _, err = capsys.readouterr()
    assert code == 0, err
    assert (tmp_path / "r.png").is_file()


@pytest.mark.parametrize("preset", ["pixel_autoencoder_fashion_mnist", "fashion_mnist_classifier"])
def test_l2_autoencoder_and_classifier_presets_are_zoo_models(preset):
    model = kp.from_pretrained(preset)
    assert type(model).__name__ != "Functional"
    assert callable(getattr(type(model), "save_pretrained", None))


def test_pixel_autoencoder_preset_reconstructs_from_the_cli(tmp_path, capsys):
    a = _png(tmp_path / "a.png")
    code = cli.main(["reconstruct", "pixel_autoencoder_fashion_mnist", str(a), "-o", str(tmp_path / "r.png")])
    _, err = capsys.readouterr()
    assert code == 0, err


@pytest.mark.parametrize(
    "preset", ["deepsim_autoencoder_fashion_mnist", "deepsim_vae_fashion_mnist", "deepsim_inverter_fashion_mnist"]
)
def test_deepsim_preset_comparator_has_the_trained_classifier_weights(preset, random_images):
    model = kp.from_pretrained(preset)
    classifier = kp.from_pretrained("fashion_mnist_classifier")
    x = random_images(4)
    layers = list(model.comparator.layer_names)
    network = classifier.network if hasattr(classifier, "network") else classifier
    reference = keras.Model(network.inputs, [network.get_layer(n).output for n in layers])(x, training=False)
    for got, want in zip(model.comparator(x), keras.tree.flatten(reference)):
        np.testing.assert_allclose(ops.convert_to_numpy(got), ops.convert_to_numpy(want), atol=1e-5)

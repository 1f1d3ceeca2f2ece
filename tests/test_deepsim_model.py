import keras
import numpy as np
import pytest

import keras_perceptual as kp
from keras_perceptual.networks.deepsim import deepsim_discriminator
from keras_perceptual.networks.deepsim import deepsim_generator
from tests.helpers import optimizer_state
from tests.helpers import player_weights
from tests.helpers import run_model_saving_test
from tests.test_comparators import tiny_comparator


SETUPS = {"autoencoder": kp.DeePSiMAutoencoder, "vae": kp.DeePSiMVAE, "inverter": kp.DeePSiMInverter}


def _model(mode="autoencoder", discriminator_features=False, **kwargs):
    comp = tiny_comparator()
    nets = kp.networks.deepsim_networks(mode, "small28", channels=1, comparator=comp, inverted_layer="c2",
                                        discriminator_features=discriminator_features)
    model = SETUPS[mode](**nets, comparator=comp, seed=0, **kwargs)
    model.compile(optimizer=keras.optimizers.Adam(2e-4), jit_compile=False)
    return model


@pytest.mark.parametrize("mode,features", [("autoencoder", False), ("vae", False), ("inverter", True)])
def test_modes_train(mode, features, random_images):
    model = _model(mode, discriminator_features=features)
    x = random_images(16)
    generator_before = player_weights(model, "generator")
    history = model.fit(x, batch_size=8, epochs=1, verbose=0)
    logs = history.history
    for name in ("generator_loss", "discriminator_loss", "feature_loss", "pixel_loss", "adversarial_loss",
                 "discriminator_update_rate"):
        assert np.isfinite(logs[name][-1]), name
    assert ("kl" in logs) == (mode == "vae")
    assert any(not np.allclose(a, b) for a, b in zip(generator_before, player_weights(model, "generator")))
    # The comparator (and the inverter's encoder) belong to no player.
    owned = {id(v) for vs in model._player_variables.values() for v in vs}
    assert not any(id(v) in owned for v in model.comparator.weights)
    if mode == "inverter":
        assert model.players["generator"] == [model.generator]


def test_pause_gate_keeps_discriminator_and_optimizer_state(random_images):
    x = random_images(16)
    paused = _model(pause_threshold=1e9)
    weights, state = player_weights(paused, "discriminator"), optimizer_state(paused, "discriminator")
    gen_state = optimizer_state(paused, "generator")
    history = paused.fit(x, batch_size=8, epochs=1, verbose=0)
    assert history.history["discriminator_update_rate"][-1] == 0.0
    for a, b in zip(weights, player_weights(paused, "discriminator")):
        np.testing.assert_array_equal(a, b)
    for a, b in zip(state, optimizer_state(paused, "discriminator")):
        np.testing.assert_array_equal(a, b)
    assert int(optimizer_state(paused, "generator")[0]) == int(gen_state[0]) + 2
    always = _model(pause_threshold=0.0)
    weights = player_weights(always, "discriminator")
    history = always.fit(x, batch_size=8, epochs=1, verbose=0)
    assert history.history["discriminator_update_rate"][-1] == 1.0
    assert any(not np.allclose(a, b) for a, b in zip(weights, player_weights(always, "discriminator")))
    assert _model(pause_discriminator=False).gated_players == ()


def test_user_api(random_images):
    model = _model("autoencoder")
    x = random_images(5)
    codes = model.encode(x)
    assert codes.shape == (5, 98) and model.code_shape == (98,)
    recon = model.reconstruct(x)
    assert recon.shape == x.shape
    np.testing.assert_allclose(model.decode(codes), recon, atol=1e-5)
    np.testing.assert_allclose(model.predict(x, verbose=0), recon, atol=1e-5)
    chain = model.reencode_chain(x, steps=3)
    assert chain.shape == (4,) + x.shape
    np.testing.assert_array_equal(chain[0], x)
    np.testing.assert_allclose(chain[1], np.clip(recon, -1, 1), atol=1e-5)
    strip = model.interpolate(x[0], x[1], steps=5)
    assert strip.shape == (5, 28, 28, 1)
    np.testing.assert_allclose(strip[0], recon[0], atol=1e-5)
    np.testing.assert_allclose(strip[-1], recon[1], atol=1e-5)
    with pytest.raises(kp.NoPriorError, match="no prior"):
        model.generate(4)
    with pytest.raises(kp.NoPriorError, match="no prior"):
        model.sample_prior(4)
    with pytest.raises(ValueError, match="steps"):
        model.reencode_chain(x, steps=0)
    with pytest.raises(ValueError, match=r"Expected `codes` to be codes of shape .*received an array of shape \(2, 7\)"):
        model.decode(np.zeros((2, 7), "float32"))
    assert _model("vae").generate(3, seed=1).shape == (3, 28, 28, 1)
    inverter = _model("inverter")
    assert inverter.encode(x).shape == (5, 14, 14, 6)
    assert inverter.interpolate(x[0], x[1], steps=3).shape == (3, 28, 28, 1)


def test_bad_input(random_images):
    comp = tiny_comparator()
    nets = kp.networks.deepsim_networks("autoencoder", "small28", comparator=comp)
    with pytest.raises(ValueError, match="adversarial_mode"):
        kp.DeePSiMAutoencoder(**nets, comparator=comp, adversarial_mode="wasserstein")
    with pytest.raises(ValueError, match="lambda_adv"):
        kp.DeePSiMAutoencoder(**nets, comparator=comp, lambda_adv=-1.0)
    with pytest.raises(ValueError, match="pause_threshold"):
        kp.DeePSiMAutoencoder(**nets, comparator=comp, pause_threshold=-0.1)
    with pytest.raises(ValueError, match="kl_weight"):
        kp.DeePSiMVAE(**kp.networks.deepsim_networks("vae", "small28", comparator=comp), comparator=comp,
                      kl_weight=-1.0)
    with pytest.raises(ValueError, match=r"\[mean, log_var\]"):
        kp.DeePSiMVAE(**nets, comparator=comp)
    with pytest.raises(ValueError, match="comparator's input shape"):
        kp.DeePSiMAutoencoder(**nets, comparator=tiny_comparator(size=32))
    bad_gen = deepsim_generator("small28", 1, code_shape=(32,), spatial_code=False)
    with pytest.raises(ValueError, match="generator's input"):
        kp.DeePSiMAutoencoder(generator=bad_gen, discriminator=nets["discriminator"], comparator=comp,
                              encoder=nets["encoder"])
    with pytest.raises(ValueError, match="Expected 1176 features"):
        kp.DeePSiMAutoencoder(**dict(nets, discriminator=deepsim_discriminator("small28", 1, feature_dim=10)),
                              comparator=comp)
    with pytest.raises(ValueError, match="one layer to invert"):
        kp.DeePSiMInverter(**nets, comparator=comp)
    with pytest.raises(ValueError, match="Comparator"):
        kp.DeePSiMAutoencoder(**nets, comparator=nets["encoder"])
    with pytest.raises(ValueError, match=r"shape \(any, 28, 28, 1\).*received an array of shape \(8, 32, 32, 1\)"):
        _model().fit(random_images(8, size=32), batch_size=8, verbose=0)


@pytest.mark.parametrize("mode", ["autoencoder", "inverter"])
def test_saving_round_trip(mode, tmp_path, random_images):
    model = _model(mode, discriminator_features=mode == "inverter")
    x = random_images(8)
    model.fit(x, batch_size=8, epochs=1, verbose=0)
    loaded = run_model_saving_test(model, x, tmp_path)
    assert type(loaded) is SETUPS[mode] and loaded.pause_threshold == model.pause_threshold
    # The trained game goes on after loading (optimizer state restored).
    loaded.fit(x, batch_size=8, epochs=1, verbose=0)


@pytest.mark.compiled
def test_jit_compiled_training(random_images):
    if keras.backend.backend() == "torch":
        pytest.skip("torch.compile takes minutes on the shared 2-core CPU; TF and JAX cover jit here")
    model = _model("vae")
    model.compile(optimizer=keras.optimizers.Adam(2e-4), jit_compile=True)
    history = model.fit(random_images(16), batch_size=8, epochs=1, verbose=0)
    assert np.isfinite(history.history["generator_loss"][-1])

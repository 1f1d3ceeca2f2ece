"""The plain VAE baseline: its loss, training on every backend, saving,
and the recipe that shares the VAE/GAN's budget."""

import keras
import numpy as np
import pytest

import keras_perceptual as kp
from tests.helpers import run_model_saving_test


def tiny_vae(conditional=False, **options):
    nets = kp.networks.vaegan_networks("small28", channels=1, latent_dim=4, condition_dim=10 if conditional else 0)
    return kp.VAE(nets["encoder"], nets["decoder"], seed=1, **options)


def images(n=16, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, 28, 28, 1)).astype("float32")


def test_loss_is_the_gaussian_negative_elbo():
    model = tiny_vae(pixel_sigma=0.5, kl_weight=2.0)
    x = images(8)
    losses, logs = model.compute_losses(x, training=False)
    np.testing.assert_allclose(float(losses["vae"]), float(logs["reconstruction"]) + 2.0 * float(logs["kl"]),
                               rtol=1e-5)
    # The reconstruction term of a sample z ~ q(z|x): check its scale against
    # a direct computation with the posterior mean on a model with no spread.
    recon = model.reconstruct(x)
    direct = np.mean(np.sum((x - recon) ** 2, axis=(1, 2, 3))) / (2 * 0.5**2)
    assert 0.5 * direct < float(logs["reconstruction"]) < 2.0 * direct


@pytest.mark.compiled
@pytest.mark.parametrize("conditional", [False, True])
def test_trains_and_generates(conditional):
    model = tiny_vae(conditional)
    model.compile(optimizer=keras.optimizers.RMSprop(1e-3), jit_compile=False)
    before = [np.array(v) for v in model.trainable_variables]
    data = (images(), np.eye(10, dtype="float32")[np.arange(16) % 10]) if conditional else (images(),)
    history = model.fit(*data, batch_size=8, epochs=2, verbose=0)
    assert history.history["vae_loss"][1] < history.history["vae_loss"][0]
    assert all(np.isfinite(history.history[k][-1]) for k in ("reconstruction", "kl"))
    assert any(not np.array_equal(a, np.array(b)) for a, b in zip(before, model.trainable_variables))
    conditions = np.eye(10, dtype="float32")[:3] if conditional else None
    out = model.generate(3, conditions=conditions, seed=0)
    assert out.shape == (3, 28, 28, 1) and np.abs(out).max() <= 1.0


def test_saving_round_trips(tmp_path):
    model = tiny_vae()
    run_model_saving_test(model, images(4), tmp_path)
    folder = model.save_pretrained(tmp_path / "preset", samples=4)
    loaded = kp.VAE.from_pretrained(folder)
    np.testing.assert_allclose(loaded.reconstruct(images(3)), model.reconstruct(images(3)), atol=1e-5)


def test_bad_arguments():
    nets = kp.networks.vaegan_networks("small28", channels=1, latent_dim=4)
    with pytest.raises(ValueError, match="pixel_sigma"):
        kp.VAE(nets["encoder"], nets["decoder"], pixel_sigma=0)
    with pytest.raises(ValueError, match="kl_weight"):
        kp.VAE(nets["encoder"], nets["decoder"], kl_weight=-1)
    other = kp.networks.vaegan_networks("small28", channels=1, latent_dim=6)
    with pytest.raises(ValueError, match="code size"):
        kp.VAE(nets["encoder"], other["decoder"])
    with pytest.raises(ValueError, match=r"\[mean, log_var\]"):
        kp.VAE(nets["decoder"], nets["decoder"])


@pytest.mark.slow
def test_recipe_matches_the_vaegan_budget():
    from keras_perceptual.recipes import vae

    record = vae.train(smoke=True, verbose=0, jit_compile=False).to_dict()
    assert record["recipe"] == "keras_perceptual.recipes.vae" and record["steps"] == 4
    assert record["optimizer"].startswith("RMSprop(0.0003")

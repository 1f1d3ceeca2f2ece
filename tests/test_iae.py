import keras
import numpy as np
import pytest

import keras_perceptual as kp
from keras_perceptual import priors
from tests.helpers import optimizer_state
from tests.helpers import player_weights
from tests.helpers import run_model_saving_test

SMALL = dict(conv_filters=(8,), units=(16,), discriminator_units=(16,), encoder_noise_dim=3, decoder_noise_dim=4)


def make(prior, jit_compile=False, **kwargs):
    model = kp.ImplicitAutoencoder(**kp.networks.iae_networks(prior, **SMALL), prior=prior, seed=1, **kwargs)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=jit_compile)
    return model


@pytest.mark.parametrize("prior", [priors.GaussianPrior(4), priors.CategoricalPrior(5)], ids=["continuous", "categorical"])
def test_trains_every_player(prior, random_images):
    model = make(prior, pixel_weight=0.1)
    before = {p: player_weights(model, p) for p in model.players}
    history = model.fit(random_images(16), batch_size=8, epochs=1, verbose=0)
    for p in model.players:
        assert any(not np.allclose(a, b) for a, b in zip(before[p], player_weights(model, p))), p
        assert int(optimizer_state(model, p)[0]) == 2
    expected = {"encoder_loss", "decoder_loss", "reconstruction_discriminator_loss",
                "regularization_discriminator_loss", "reconstruction_gan", "regularization_gan", "pixel_mse"}
    assert expected <= set(history.history)
    assert all(np.isfinite(v[-1]) for v in history.history.values())


@pytest.mark.compiled
def test_jit_compiled_step(random_images):
    if keras.backend.backend() == "torch":
        pytest.skip("torch.compile of the four-player step takes minutes on a shared 2-core CPU")
    model = make(priors.CategoricalPrior(3), jit_compile=True)
    history = model.fit(random_images(16), batch_size=8, epochs=1, verbose=0)
    assert np.isfinite(history.history["encoder_loss"][-1])


def test_noise_matters_and_reconstruction_modes(random_images):
    prior = priors.GaussianPrior(4)
    model = make(prior)
    x = random_images(4)
    det1, det2 = model.reconstruct(x), model.reconstruct(x)
    np.testing.assert_array_equal(det1, det2)
    np.testing.assert_allclose(det1, keras.ops.convert_to_numpy(model(x)), atol=1e-5)
    sto1 = model.reconstruct(x, sample=True, seed=1)
    np.testing.assert_array_equal(sto1, model.reconstruct(x, sample=True, seed=1))
    assert not np.allclose(sto1, model.reconstruct(x, sample=True, seed=2))
    assert not np.allclose(model.encode(x, sample=True, seed=0), model.encode(x))
    grid = model.vary_noise(x[:2], num_samples=3, seed=0)
    assert grid.shape == (2, 3, 28, 28, 1)
    assert not np.allclose(grid[0, 0], grid[0, 1])  # different noise, different image
    codes = model.encode(x[:2])
    np.testing.assert_allclose(model.vary_noise(codes, num_samples=3, seed=0), grid, atol=1e-5)  # codes or images
    assert model.generate(3, seed=0).shape == (3, 28, 28, 1)
    assert model.encoder_noise_dim == 3 and model.decoder_noise_dim == 4


def test_categorical_code_and_clusters(random_images):
    model = make(priors.CategoricalPrior(5))
    z = model.encode(random_images(6))
    np.testing.assert_allclose(z.sum(1), 1.0, rtol=1e-5)
    assert model.predict_clusters(random_images(6)).max() < 5


def test_deterministic_encoder_is_allowed(random_images):
    prior = priors.GaussianPrior(2)
    nets = kp.networks.iae_networks(prior, **dict(SMALL, encoder_noise_dim=0))
    model = kp.ImplicitAutoencoder(**nets, prior=prior)
    model.compile(optimizer="adam", jit_compile=False)
    model.fit(random_images(8), batch_size=8, verbose=0)
    assert model.encoder_noise_dim == 0


def test_saving_round_trip(tmp_path, random_images):
    model = make(priors.CategoricalPrior(3, style_dim=2), pixel_weight=0.5, noise_stddev=0.5)
    loaded = run_model_saving_test(model, random_images(4), tmp_path)
    assert loaded.prior == model.prior and loaded.pixel_weight == 0.5 and loaded.noise_stddev == 0.5
    np.testing.assert_allclose(loaded.vary_noise(random_images(2), num_samples=2, seed=0),
                               model.vary_noise(random_images(2), num_samples=2, seed=0), atol=1e-5)


def test_bad_input(random_images):
    prior = priors.GaussianPrior(4)
    nets = kp.networks.iae_networks(priors.GaussianPrior(3), **SMALL)
    with pytest.raises(ValueError, match="prior's code size 4"):
        kp.ImplicitAutoencoder(**nets, prior=prior)
    nets = kp.networks.iae_networks(prior, **SMALL)
    nets["decoder"] = kp.networks.autoencoder_decoder(code_dim=4, units=(8,), conv_filters=(8,))
    with pytest.raises(ValueError, match="not an IAE"):
        kp.ImplicitAutoencoder(**nets, prior=prior)
    model = make(prior)
    with pytest.raises(ValueError, match=r"shape \(n,\) \+ \(4,\) or \(n, 4\), received an array of shape \(2, 5\)"):
        model.vary_noise(np.zeros((2, 5), "float32"))
    with pytest.raises(ValueError, match="num_samples"):
        model.vary_noise(random_images(2), num_samples=0)
    with pytest.raises(ValueError, match="categorical code"):
        model.predict_clusters(random_images(2))
    with pytest.raises(ValueError, match="pixel_weight"):
        kp.ImplicitAutoencoder(**kp.networks.iae_networks(prior, **SMALL), prior=prior, pixel_weight=-1.0)


def test_straight_through_regulariser_sees_one_hot_codes(random_images):
    """The regularisation discriminator here is sum(z**2): 1 for a one-hot
    code, below 1 for a softmax. With straight-through codes it cannot tell
    encoder codes from prior draws (the softness that made the IAE collapse
    to one cluster)."""
    prior = priors.CategoricalPrior(5)
    x = random_images(8)
    for straight_through in (False, True):
        nets = kp.networks.iae_networks(prior, **SMALL)
        z_in = keras.Input((5,))
        squares = keras.layers.Lambda(lambda z: keras.ops.square(z))(z_in)
        logit = keras.layers.Dense(1, kernel_initializer="ones", bias_initializer="zeros")(squares)
        nets["regularization_discriminator"] = keras.Model(z_in, logit)
        model = kp.ImplicitAutoencoder(**nets, prior=prior, seed=1, straight_through=straight_through)
        _, logs = model.compute_losses(x, training=True)
        reg = float(keras.ops.convert_to_numpy(logs["regularization_gan"]))
        one_hot = float(np.log1p(np.exp(-1.0)))  # -log sigmoid(1)
        assert np.isclose(reg, one_hot, rtol=1e-5) == straight_through, (straight_through, reg)


def test_code_options_round_trip(tmp_path, random_images):
    model = make(priors.CategoricalPrior(3), straight_through=True, marginal_entropy_weight=0.5,
                 gumbel_temperature=1.0)
    history = model.fit(random_images(8), batch_size=8, epochs=1, verbose=0)
    assert "marginal_entropy_gap" in history.history
    loaded = run_model_saving_test(model, random_images(4), tmp_path)
    assert loaded.straight_through and loaded.marginal_entropy_weight == 0.5 and loaded.gumbel_temperature == 1.0
    with pytest.raises(ValueError, match="categorical code"):
        make(priors.GaussianPrior(2), marginal_entropy_weight=1.0)


def test_recipe_expresses_the_paper_and_the_clustering_variant():
    """One recipe, two set-ups told apart by options only: the paper's IAE
    (stochastic encoder, decoder noise, no pixel loss) and the clustering
    variant; the presets name them."""
    from keras_perceptual.recipes import get_recipe
    from keras_perceptual.training.plans import get_plan

    recipe = get_recipe("iae")
    options = get_plan("iae_fashion_mnist").recipe_options
    paper = recipe.resolve({k: v for k, v in options.items() if k != "epochs"})
    assert paper["code"] == "continuous" and paper["encoder_noise_dim"] > 0 and paper["decoder_noise_dim"] > 0
    assert paper["pixel_weight"] == 0.0 and paper["marginal_entropy_weight"] == 0.0
    assert paper["straight_through"] is False and recipe.preset_picture(paper) == "noise"
    model = recipe.build(dict(paper, conv_filters=(), units=(16,), discriminator_units=(16,)))
    assert isinstance(model.prior, priors.GaussianPrior) and model.encoder_noise_dim == 16
    assert model.pixel_weight == 0.0
    # The preset's departures are options of its spec; the recipe's
    # continuous code alone is the paper's set-up, without them.
    assert model.code_reconstruction_weight > 0 and model.encoder.get_layer("code").__class__.__name__ == \
        "BatchNormalization"
    plain = recipe.build(dict(recipe.resolve({"code": "continuous"}), conv_filters=(), units=(16,),
                              discriminator_units=(16,)))
    assert plain.code_reconstruction_weight == 0.0 and "code_mse" not in plain.log_names
    assert not any(isinstance(layer, keras.layers.BatchNormalization)
                   for net in (plain.encoder, plain.decoder) for layer in net.layers)
    clustering = recipe.resolve({"code": "categorical"})
    assert clustering["pixel_weight"] > 0 and clustering["encoder_noise_dim"] == 0
    assert recipe.preset_picture(clustering) == "samples"
    # Each departure is an option of its own, for either code.
    mixed = recipe.resolve({"code": "continuous", "pixel_weight": 0.5, "samples_picture": "samples"})
    assert mixed["pixel_weight"] == 0.5 and mixed["encoder_noise_dim"] == 16 and recipe.preset_picture(mixed) == "samples"
    with pytest.raises(ValueError, match="`samples_picture` must be one of the 'iae' recipe's pictures"):
        recipe.preset_picture(recipe.resolve({"samples_picture": "classes"}))


def test_presets_faithful_and_clustering():
    import sys
    from pathlib import Path

    from keras_perceptual import presets

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    from quality import BASELINES
    from keras_perceptual.training.plans import get_plan

    faithful, clustering = presets.get_spec("iae_fashion_mnist"), presets.get_spec("iae_clustering_fashion_mnist")
    faithful_plan, clustering_plan = get_plan(faithful.name), get_plan(clustering.name)
    assert faithful_plan.recipe_options["code"] == "continuous"
    assert clustering_plan.recipe_options["code"] == "categorical"
    # Each is judged on validation by what it is for: sample FID, clustering accuracy.
    assert (faithful_plan.recipe, clustering_plan.recipe) == ("iae", "iae_clustering")
    assert clustering_plan.stop_when_converged
    assert presets.preset_folder("iae_clustering_fashion_mnist") is not None
    assert clustering.metadata_sha256 is not None and "clustering" in BASELINES[clustering.name]
    # Both are bundled; the faithful one loads with its departures.
    assert presets.preset_folder("iae_fashion_mnist") is not None and faithful.metadata_sha256 is not None
    faithful_model = kp.ImplicitAutoencoder.from_pretrained("iae_fashion_mnist")
    assert faithful_model.encoder_noise_dim == 16 and faithful_model.pixel_weight == 0.0
    assert faithful_model.code_reconstruction_weight == faithful_plan.recipe_options["code_reconstruction_weight"] > 0
    assert faithful_model.skipped_networks == ("reconstruction_discriminator", "regularization_discriminator")
    model = kp.ImplicitAutoencoder.from_pretrained("iae_clustering_fashion_mnist")
    assert isinstance(model.prior, priors.CategoricalPrior)


@pytest.mark.slow
def test_faithful_preset_picture_is_one_code_under_several_noises(tmp_path):
    """A preset written by the driver from the paper's set-up shows the
    noise picture as its samples.png."""
    from keras_perceptual.training import train
    from keras_perceptual.training.pictures import DESCRIPTIONS

    folder = tmp_path / "iae"
    train("iae", folder, smoke=True, verbose=0, options={"code": "continuous", "jit_compile": False})
    meta = kp.hub.verify_folder(folder)
    assert meta["samples_description"] == DESCRIPTIONS["noise"] and "samples.png" in meta["files"]
    assert meta["recipe_options"]["samples_picture"] == "noise"
    assert f"*samples.png: {DESCRIPTIONS['noise']}.*" in (folder / "README.md").read_text()  # the card's caption
    train("iae", tmp_path / "clustering", smoke=True, verbose=0, options={"jit_compile": False})
    # Prior samples: no special picture's description (a smoke run redraws them with its caption).
    assert not kp.hub.verify_folder(tmp_path / "clustering").get("samples_description")
    assert "*samples.png: prior samples (seed 0).*" in (tmp_path / "clustering" / "README.md").read_text()


def test_noise_class_agreement_measure_tells_a_kept_class_from_an_ignored_code():
    """The faithful IAE's learning curve: 1.0 when every noise draw keeps the
    input's class, near chance when the decoder draws the same images
    whatever the code (the collapse restore_best guards against)."""
    from keras_perceptual.training.validation import _validation_set
    from keras_perceptual.training.validation import noise_class_agreement

    options = {"dataset": "fashion_mnist", "smoke": True}
    others = _validation_set(256, None)[0][-8:]

    class KeepsTheInput:
        def vary_noise(self, x, num_samples, seed):
            return np.repeat(np.asarray(x)[:, None], num_samples, axis=1)

    class IgnoresTheCode:
        def vary_noise(self, x, num_samples, seed):
            return np.repeat(others[None, :num_samples], len(x), axis=0)

    assert noise_class_agreement(KeepsTheInput(), options) == 1.0
    assert noise_class_agreement(IgnoresTheCode(), options) < 0.35
    assert noise_class_agreement(KeepsTheInput(), {"dataset": "celeba"}) is None


def test_normalized_code_has_unit_variance_per_unit(random_images):
    encoder = kp.networks.autoencoder_encoder(latent_dim=3, noise_dim=2, conv_filters=(8,), units=(16,),
                                              normalize_code=True)
    x = random_images(64)
    noise = np.random.default_rng(0).standard_normal((64, 2)).astype("float32")
    # Scale the code's dense layer up 100x: a BatchNorm without scale or
    # offset still gives mean 0 and variance 1 per unit over the batch.
    dense = encoder.get_layer("code_dense")
    dense.set_weights([100.0 * w for w in dense.get_weights()])
    z = keras.ops.convert_to_numpy(encoder([x, noise], training=True))
    np.testing.assert_allclose(z.mean(0), 0.0, atol=1e-3)
    np.testing.assert_allclose(z.var(0), 1.0, atol=1e-2)
    with pytest.raises(ValueError, match="continuous code .*num_classes=10"):
        kp.networks.autoencoder_encoder(latent_dim=0, num_classes=10, normalize_code=True)
    decoder = kp.networks.autoencoder_decoder(code_dim=3, noise_dim=2, units=(16,), conv_filters=(8,), batch_norm=True)
    assert sum(isinstance(layer, keras.layers.BatchNormalization) for layer in decoder.layers) == 3


def test_code_reconstruction_term(tmp_path, random_images):
    """`code_mse = ||E(G(z, n), e') - z||^2` is logged, enters the encoder's
    and decoder's losses with its weight, and round-trips."""
    prior = priors.GaussianPrior(4)
    x = random_images(8)
    base = make(prior)
    model = make(prior, code_reconstruction_weight=2.0)
    model.set_weights(base.get_weights())
    losses0, logs0 = base.compute_losses(x, training=False)
    losses, logs = model.compute_losses(x, training=False)
    assert "code_mse" not in logs0 and "code_mse" in model.log_names
    code_mse = float(keras.ops.convert_to_numpy(logs["code_mse"]))
    assert code_mse > 0
    for player in ("encoder", "decoder"):
        added = float(keras.ops.convert_to_numpy(losses[player] - losses0[player]))
        assert np.isclose(added, 2.0 * code_mse, rtol=1e-4), player
    history = model.fit(x, batch_size=8, epochs=1, verbose=0)
    assert np.isfinite(history.history["code_mse"][-1])
    loaded = run_model_saving_test(model, random_images(4), tmp_path)
    assert loaded.code_reconstruction_weight == 2.0
    with pytest.raises(ValueError, match="code_reconstruction_weight"):
        make(prior, code_reconstruction_weight=-1.0)

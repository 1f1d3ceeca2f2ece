import keras
import numpy as np
import pytest

import keras_perceptual as kp
from keras_perceptual import priors
from tests.helpers import optimizer_state
from tests.helpers import player_weights
from tests.helpers import run_model_saving_test

SMALL = dict(conv_filters=(8,), units=(16,), discriminator_units=(16,))


def make(prior, regularizer="gan", mode="unsupervised", style_discriminator=False, **kwargs):
    nets = kp.networks.aae_networks(prior, regularizer=regularizer, mode=mode,
                                    style_discriminator=style_discriminator, **SMALL)
    model = kp.AdversarialAutoencoder(**nets, prior=prior, regularizer=regularizer, mode=mode, seed=1, **kwargs)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=False)
    return model


CASES = [
    ("gan", "unsupervised", priors.GaussianPrior(2), False),
    ("mmd", "unsupervised", priors.SwissRollPrior(10), False),
    ("gan", "supervised", priors.GaussianMixturePrior(10), False),
    ("mmd", "supervised", priors.GaussianMixturePrior(10), False),
    pytest.param("gan", "semi_supervised", priors.CategoricalPrior(10, 2), True,
                 marks=pytest.mark.compiled, id="gan-semi_supervised"),  # every player, traced as in use
    ("mmd", "clustering", priors.CategoricalPrior(4, 2), False),
]


@pytest.mark.parametrize("regularizer,mode,prior,style", CASES,
                         ids=[None if hasattr(c, "marks") else f"{c[0]}-{c[1]}" for c in CASES])
def test_trains_every_player(regularizer, mode, prior, style, random_images):
    model = make(prior, regularizer, mode, style)
    x = random_images(16)
    y = np.arange(16) % 10
    if mode == "semi_supervised":
        y = np.where(np.arange(16) < 4, y, -1)
    before = {p: player_weights(model, p) for p in model.players}
    history = model.fit(x, y if model.uses_labels else None, batch_size=8, epochs=1, verbose=0)
    for p in model.players:
        after = player_weights(model, p)
        assert any(not np.allclose(a, b) for a, b in zip(before[p], after)), f"{p} did not move"
        assert int(optimizer_state(model, p)[0]) == 2
    logs = history.history
    assert all(np.isfinite(v[-1]) for v in logs.values())
    expected = {"encoder_loss", "decoder_loss", "reconstruction", "regularizer"}
    if regularizer == "gan":
        expected.add("discriminator_loss")
    if style:
        expected.add("style_discriminator_loss")
    if mode == "semi_supervised":
        expected.add("cross_entropy")
    assert expected <= set(logs), set(logs)
    if regularizer == "mmd":
        assert "discriminator_loss" not in logs


def test_mmd_regulariser_pulls_codes_to_prior(random_images):
    prior = priors.GaussianPrior(2)
    model = make(prior, "mmd", regularizer_weight=50.0, reconstruction_weight=0.0)
    x = random_images(64)
    start = kp.losses.mmd(model.encode(x), prior.sample(64, seed=0))
    model.fit(x, batch_size=32, epochs=15, verbose=0)
    end = kp.losses.mmd(model.encode(x), prior.sample(64, seed=0))
    assert float(keras.ops.convert_to_numpy(end)) < 0.5 * float(keras.ops.convert_to_numpy(start))


def test_user_api(random_images):
    prior = priors.CategoricalPrior(5, style_dim=3)
    model = make(prior, "gan", "clustering")
    x = random_images(6)
    z = model.encode(x)
    assert z.shape == (6, 8)
    np.testing.assert_allclose(z[:, :5].sum(1), 1.0, rtol=1e-5)  # softmax part
    assert model.reconstruct(x).shape == x.shape
    assert model.generate(3, seed=0).shape == (3, 28, 28, 1)
    # At chosen categories: decode prior draws at labels.
    assert model.decode(prior.sample(2, seed=0, labels=[1, 4])).shape == (2, 28, 28, 1)
    clusters = model.predict_clusters(x)
    assert clusters.shape == (6,) and clusters.max() < 5
    np.testing.assert_allclose(model.reconstruct(x), keras.ops.convert_to_numpy(model(x)), atol=1e-5)
    assert model.interpolate(x[0], x[1], steps=3).shape == (3, 28, 28, 1)


def test_saving_round_trip(tmp_path, random_images):
    model = make(priors.CategoricalPrior(3, style_dim=2), "gan", "semi_supervised", style_discriminator=True,
                 regularizer_weight=0.5, supervised_weight=2.0)
    loaded = run_model_saving_test(model, random_images(4), tmp_path)
    assert loaded.prior == model.prior
    assert loaded.mode == "semi_supervised" and loaded.supervised_weight == 2.0
    assert set(loaded.players) == {"encoder", "decoder", "discriminator", "style_discriminator"}
    mmd = make(priors.GaussianMixturePrior(4), "mmd", "supervised", mmd_kernel="rbf", mmd_scales=(1.0,))
    loaded = run_model_saving_test(mmd, random_images(4), tmp_path)
    assert loaded.discriminator is None and loaded.mmd_scales == (1.0,) and loaded.mmd_kernel == "rbf"


def test_bad_input(random_images):
    gauss = priors.GaussianPrior(3)
    nets = kp.networks.aae_networks(priors.GaussianPrior(2), **SMALL)
    with pytest.raises(ValueError, match="prior's code size 3"):
        kp.AdversarialAutoencoder(**nets, prior=gauss)
    with pytest.raises(ValueError, match="categorical code"):
        kp.AdversarialAutoencoder(**kp.networks.aae_networks(gauss, **SMALL), prior=gauss, mode="clustering")
    with pytest.raises(ValueError, match="label-conditioned prior"):
        kp.AdversarialAutoencoder(**kp.networks.aae_networks(gauss, **SMALL), prior=gauss, mode="supervised")
    with pytest.raises(ValueError, match="needs no discriminator"):
        kp.AdversarialAutoencoder(**kp.networks.aae_networks(gauss, **SMALL), prior=gauss, regularizer="mmd")
    with pytest.raises(ValueError, match="regularizer"):
        kp.AdversarialAutoencoder(**kp.networks.aae_networks(gauss, **SMALL), prior=gauss, regularizer="wgan")
    with pytest.raises(ValueError, match="num_classes"):
        priors.CategoricalPrior(1)  # K < 2
    semi = make(priors.CategoricalPrior(4, 1), "mmd", "semi_supervised")
    x = random_images(8)
    with pytest.raises(ValueError, match="needs labels"):
        semi.fit(x, batch_size=8, verbose=0)
    with pytest.raises(ValueError, match="at least one labelled"):
        semi.fit(x, np.full(8, -1), batch_size=8, verbose=0)
    with pytest.raises(ValueError, match=r"in \[0, 4\)"):
        semi.fit(x, np.array([0, 1, 2, 4, -1, -1, -1, -1]), batch_size=8, verbose=0)
    sup = make(priors.GaussianMixturePrior(10), "gan", "supervised")
    with pytest.raises(ValueError, match=r"in \[0, 10\)"):
        sup.fit(x, np.array([0, 1, 2, 3, 4, 5, 6, -1]), batch_size=8, verbose=0)
    with pytest.raises(ValueError, match=r"shape \(n,\) \+ \(2,\) or \(n, 2\)"):
        sup.decode(np.zeros((2, 3), "float32"))
    with pytest.raises(ValueError, match="categorical code"):
        sup.predict_clusters(x)


def test_straight_through_codes(random_images):
    """True: decoder and regulariser see one-hot codes; "decoder": only the
    decoder. The discriminator here is sum(z**2): 1 on a one-hot code, below
    1 on a softmax, so the regulariser's value tells what it saw."""
    prior = priors.CategoricalPrior(4)
    x = random_images(8)
    one_hot_value = float(np.log1p(np.exp(-1.0)))  # -log sigmoid(1)
    for straight_through in (False, True, "decoder"):
        nets = kp.networks.aae_networks(prior, mode="clustering", **SMALL)
        z_in = keras.Input((4,))
        squares = keras.layers.Lambda(lambda z: keras.ops.square(z))(z_in)
        logit = keras.layers.Dense(1, kernel_initializer="ones", bias_initializer="zeros")(squares)
        nets["discriminator"] = keras.Model(z_in, logit)
        model = kp.AdversarialAutoencoder(**nets, prior=prior, mode="clustering", seed=1,
                                          straight_through=straight_through)
        _, logs = model.compute_losses(x, training=True)
        out = keras.ops.convert_to_numpy(model.encoder(x))
        hard = np.mean(np.square(x - keras.ops.convert_to_numpy(model.decoder(np.eye(4, dtype="float32")[out.argmax(1)]))))
        rec = float(keras.ops.convert_to_numpy(logs["reconstruction"]))
        assert np.isclose(rec, hard, rtol=1e-4) == bool(straight_through), (straight_through, rec, hard)
        reg = float(keras.ops.convert_to_numpy(logs["regularizer"]))
        assert np.isclose(reg, one_hot_value, rtol=1e-5) == (straight_through is True), (straight_through, reg)


def test_marginal_entropy_term_spreads_clusters(random_images):
    prior = priors.CategoricalPrior(4)
    model = make(prior, "mmd", "clustering", regularizer_weight=0.0, reconstruction_weight=0.0,
                 marginal_entropy_weight=1.0)
    x = random_images(32)

    def gap():
        return float(keras.ops.convert_to_numpy(priors.marginal_entropy_gap(model.encode(x))))

    # Start from a collapsed code: every image to cluster 0.
    bias = model.encoder.get_layer("logits").bias
    bias.assign(np.array([4.0, 0.0, 0.0, 0.0], "float32"))
    start = gap()
    history = model.fit(x, batch_size=32, epochs=20, verbose=0)
    assert "marginal_entropy_gap" in history.history
    assert gap() < 0.5 * start, (start, gap())


def test_code_options_round_trip_and_bad_input(tmp_path, random_images):
    model = make(priors.CategoricalPrior(3, style_dim=1), "gan", "clustering", gumbel_temperature=0.5,
                 straight_through=True, marginal_entropy_weight=0.3)
    loaded = run_model_saving_test(model, random_images(4), tmp_path)
    assert loaded.gumbel_temperature == 0.5 and loaded.straight_through and loaded.marginal_entropy_weight == 0.3
    gauss = priors.GaussianPrior(2)
    nets = kp.networks.aae_networks(gauss, **SMALL)
    with pytest.raises(ValueError, match="categorical code"):
        kp.AdversarialAutoencoder(**nets, prior=gauss, straight_through=True)
    with pytest.raises(ValueError, match="gumbel_temperature"):
        make(priors.CategoricalPrior(3), "gan", "clustering", gumbel_temperature=0.0)


@pytest.mark.parametrize("regularizer", ["gan", "mmd"])
def test_code_reconstruction_term(regularizer, tmp_path, random_images):
    """`code_mse = ||activate(E(G(z))) - z||^2` is logged and enters the
    encoder's and decoder's losses with its weight (the IAE's term, one
    helper), and round-trips."""
    prior = priors.CategoricalPrior(3)
    x = random_images(8)
    base = make(prior, regularizer, straight_through="decoder")
    model = make(prior, regularizer, straight_through="decoder", code_reconstruction_weight=2.0)
    model.set_weights(base.get_weights())
    losses0, logs0 = base.compute_losses(x, training=False)
    losses, logs = model.compute_losses(x, training=False)
    assert "code_mse" not in logs0 and "code_mse" in model.log_names and "code_mse" not in base.log_names
    z = model.prior.activate(model.encoder(x))
    expected = np.mean((keras.ops.convert_to_numpy(model.prior.activate(model.encoder(model.decoder(z))))
                        - keras.ops.convert_to_numpy(z)) ** 2)
    code_mse = float(keras.ops.convert_to_numpy(logs["code_mse"]))
    assert code_mse == pytest.approx(expected, rel=1e-4)
    for player in ("encoder", "decoder"):
        added = float(keras.ops.convert_to_numpy(losses[player] - losses0[player]))
        assert added == pytest.approx(2.0 * code_mse, rel=1e-4), player
    history = model.fit(x, batch_size=8, epochs=1, verbose=0)
    assert np.isfinite(history.history["code_mse"][-1])
    assert run_model_saving_test(model, random_images(4), tmp_path).code_reconstruction_weight == 2.0
    with pytest.raises(ValueError, match="code_reconstruction_weight"):
        make(prior, regularizer, code_reconstruction_weight=-1.0)


def test_mode_is_a_strategy_and_adds_the_classification_phase(random_images):
    """Each mode is one strategy object (`model.supervision`); the config
    keeps the mode's name. In "semi_supervised" the encoder's loss adds
    `supervised_weight` times the cross-entropy of the labelled images
    (label -1, or an all-zero one-hot row: unlabelled)."""
    from keras_perceptual.models import aae_modes

    assert tuple(aae_modes.MODES) == ("unsupervised", "supervised", "semi_supervised", "clustering")
    nets = kp.networks.aae_networks(priors.GaussianPrior(2), **SMALL)
    with pytest.raises(ValueError, match=r"Expected `mode` to be one of \('unsupervised', 'supervised', "
                                         r"'semi_supervised', 'clustering'\).*'paired'"):
        kp.AdversarialAutoencoder(**nets, prior=priors.GaussianPrior(2), mode="paired")
    prior = priors.CategoricalPrior(3, 2)
    semi = make(prior, "mmd", "semi_supervised", supervised_weight=2.0)
    assert type(semi.supervision) is aae_modes.SemiSupervisedMode and semi.uses_labels
    assert semi.get_config()["mode"] == "semi_supervised" and "cross_entropy" in semi.log_names
    x = random_images(4)
    logits = keras.ops.convert_to_numpy(semi.encoder(x))[:, :3].astype("float64")
    log_softmax = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    expected = -(log_softmax[0, 0] + log_softmax[1, 2]) / 2  # rows 2 and 3 unlabelled
    one_hot = np.eye(3, dtype="float32")[[0, 2, 0, 0]]
    one_hot[2:] = 0
    for labels in (np.array([0, 2, -1, -1]), one_hot):
        losses, logs = semi.compute_losses((x, labels), training=False)
        ce, rec, reg = (float(keras.ops.convert_to_numpy(logs[k])) for k in ("cross_entropy", "reconstruction",
                                                                             "regularizer"))
        assert ce == pytest.approx(expected, rel=1e-4)
        assert float(keras.ops.convert_to_numpy(losses["encoder"])) == pytest.approx(rec + reg + 2.0 * ce, rel=1e-4)
    clustering = make(prior, "mmd", "clustering")
    assert type(clustering.supervision) is aae_modes.ClusteringMode and not clustering.uses_labels
    _, logs = clustering.compute_losses(x, training=False)
    assert "cross_entropy" not in logs and "cross_entropy" not in clustering.log_names

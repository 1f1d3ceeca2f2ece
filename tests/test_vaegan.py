import keras
import numpy as np
import pytest

import keras_perceptual as kp
from tests.helpers import assert_close
from tests.helpers import run_model_saving_test


def tiny_vaegan(conditional=False, **options):
    nets = kp.networks.vaegan_networks("small28", channels=1, latent_dim=4, condition_dim=10 if conditional else 0)
    options.setdefault("gamma", 1e-3)
    return kp.VAEGAN(**nets, seed=1, **options)


def images(n=16, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, 28, 28, 1)).astype("float32")


def onehot(n):
    return np.eye(10, dtype="float32")[np.arange(n) % 10]


def test_networks_shapes_and_dis_l():
    built = {}
    for family, size, channels, dis_l in [("larsen64", 64, 3, (8, 8, 256)), ("larsen32", 32, 3, (4, 4, 256)),
                                          ("small28", 28, 1, (7, 7, 128))]:
        nets = built[family] = kp.networks.vaegan_networks(family, channels=channels)
        x = np.zeros((2, size, size, channels), "float32")
        mean, log_var = nets["encoder"](x)
        assert mean.shape == log_var.shape
        assert tuple(nets["decoder"](mean).shape) == (2, size, size, channels)
        logits, features = nets["discriminator"](x)
        assert tuple(logits.shape) == (2, 1) and tuple(features.shape[1:]) == dis_l
    # Dis_l is the last convolution's output *before* its BatchNorm.
    disc = built["larsen64"]["discriminator"]
    assert disc.outputs[1]._keras_history.operation.name == "dis_l"
    assert disc.get_layer("conv4_bn").input is disc.get_layer("conv4").output
    with pytest.raises(ValueError, match="Unknown network family"):
        kp.networks.vaegan_networks("larsen128")


@pytest.mark.parametrize("conditional", [False, True])
def test_trains_and_every_player_updates(conditional):
    model = tiny_vaegan(conditional, equilibrium=False)
    model.compile(optimizer=keras.optimizers.RMSprop(1e-4), jit_compile=False)
    data = (images(), onehot(16)) if conditional else images()
    before = {p: [np.array(v) for v in model._player_variables[p]] for p in model.players}
    history = model.fit(*(data if conditional else (data,)), batch_size=8, epochs=1, verbose=0)
    for name in ("encoder_loss", "decoder_loss", "discriminator_loss", "kl", "feature_loss", "real_bce", "fake_bce"):
        assert np.isfinite(history.history[name][0]), name
    for p in model.players:
        assert int(keras.ops.convert_to_numpy(model.player_optimizers[p].iterations)) == 2
        assert any(not np.array_equal(a, np.array(b)) for a, b in zip(before[p], model._player_variables[p])), p


def test_loss_wiring_matches_the_paper():
    """Encoder: kl + feature; decoder: gamma * feature + GAN; discriminator:
    GAN only (never the feature loss)."""
    model = tiny_vaegan(gamma=0.5, kl_weight=2.0, reconstructions_as_fakes=False, decoder_gan_loss="minimax")
    losses, logs = model.compute_losses(images(8), training=False)
    np.testing.assert_allclose(float(losses["encoder"]), 2.0 * float(logs["kl"]) + float(logs["feature_loss"]), rtol=1e-5)
    np.testing.assert_allclose(float(losses["discriminator"]), float(logs["real_bce"]) + float(logs["fake_bce"]), rtol=1e-5)
    # minimax decoder term = -(fake BCE); so decoder = gamma * feature - fake_bce.
    np.testing.assert_allclose(float(losses["decoder"]), 0.5 * float(logs["feature_loss"]) - float(logs["fake_bce"]),
                               rtol=1e-4, atol=1e-5)


def test_equilibrium_rule():
    model = tiny_vaegan()
    t = keras.ops.convert_to_tensor

    def gates(real, fake):
        g = model.gates({}, {"real_bce": t(real), "fake_bce": t(fake)})
        return bool(g["discriminator"]), bool(g["decoder"])

    assert gates(0.7, 0.7) == (True, True)
    assert gates(0.2, 0.7) == (False, True)  # discriminator too good: pause it
    assert gates(1.2, 0.7) == (True, False)  # discriminator losing: pause the decoder
    assert gates(0.2, 1.2) == (True, True)  # both would pause: train both
    assert model.gated_players == ("decoder", "discriminator")
    assert tiny_vaegan(equilibrium=False).gated_players == ()


def test_user_api_and_attribute_vectors():
    model = tiny_vaegan()
    x = images(12)
    assert model.encode(x).shape == (12, 4)
    assert model.reconstruct(x).shape == x.shape
    g = model.generate(5, seed=3)
    assert g.shape == (5, 28, 28, 1) and g.min() >= -1 and g.max() <= 1
    np.testing.assert_array_equal(g, model.generate(5, seed=3))
    strip = model.interpolate(x[0], x[1], steps=5)
    assert strip.shape == (5, 28, 28, 1)
    assert_close(strip[0], model.reconstruct(x[:1])[0], atol=1e-5)
    attrs = np.stack([np.arange(12) % 2, np.arange(12) < 4], axis=1).astype("float32")
    vectors = model.attribute_vectors(x, attrs)
    z = model.encode(x)
    np.testing.assert_allclose(vectors[0], z[1::2].mean(0) - z[0::2].mean(0), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match=r"present in some images and absent from others.*received it present in 12 of 12"):
        model.attribute_vectors(x, np.ones((12, 1)))


def test_conditional_api():
    model = tiny_vaegan(conditional=True)
    x = images(4)
    assert model.generate(3, conditions=onehot(1)).shape == (3, 28, 28, 1)
    assert model.reconstruct(x, conditions=onehot(4)).shape == x.shape
    with pytest.raises(ValueError, match="this model is conditional"):
        model.generate(3)
    with pytest.raises(ValueError, match=r"Expected `conditions` to be an array of shape \(3, 10\).*received shape \(3, 4\)"):
        model.generate(3, conditions=np.zeros((3, 4)))
    with pytest.raises(ValueError, match="Expected `data` to be `\\(images, conditions\\)`"):
        model.compile(optimizer="rmsprop", jit_compile=False)
        model.fit(x, batch_size=4, verbose=0)


def test_bad_input_is_refused():
    model = tiny_vaegan()
    model.compile(optimizer="rmsprop", jit_compile=False)
    cases = [
        (np.zeros((4, 28, 28), "float32"), r"batch of images of shape \(any, 28, 28, 1\).*received an array of shape \(4, 28, 28\)"),  # rank 3
        (np.zeros((4, 32, 32, 1), "float32"), r"shape \(any, 28, 28, 1\).*received .*shape \(4, 32, 32, 1\)"),
        (np.zeros((4, 28, 28, 3), "float32"), r"shape \(any, 28, 28, 1\).*received .*shape \(4, 28, 28, 3\)"),
        (np.zeros((4, 28, 28, 1), "uint8"), "float images in \\[-1, 1\\].*dtype uint8.*x / 127.5 - 1"),
        (np.full((4, 28, 28, 1), 255.0, "float32"), "received values in \\[255, 255\\]"),
    ]
    for x, message in cases:
        with pytest.raises(ValueError, match=message):
            model.fit(x, batch_size=4, verbose=0)
        with pytest.raises(ValueError, match=message):
            model.reconstruct(x)
    with pytest.raises(ValueError, match="Expected `decoder_gan_loss` to be one of"):
        tiny_vaegan(decoder_gan_loss="wasserstein")
    with pytest.raises(ValueError, match=r"Expected `gamma` to be a finite number >= 0, received gamma=-1.0"):
        tiny_vaegan(gamma=-1.0)
    with pytest.raises(ValueError, match="`feature_layer` must name a layer"):
        tiny_vaegan(feature_layer="conv9")
    with pytest.raises(ValueError, match=r"`codes` to be codes of shape \(n,\) \+ \(4,\) or \(n, 4\), received an array of shape \(2, 5\)"):
        model.decode(np.zeros((2, 5)))


def test_feature_layer_option_taps_another_layer():
    model = tiny_vaegan(feature_layer="conv2")
    _, logs = model.compute_losses(images(8), training=False)
    assert np.isfinite(float(logs["feature_loss"]))
    assert tuple(model._critic.outputs[1].shape[1:]) == (14, 14, 64)


def test_saving_round_trip(tmp_path):
    model = tiny_vaegan(reconstructions_as_fakes=False, decoder_gan_loss="non_saturating")
    model.compile(optimizer=keras.optimizers.RMSprop(1e-4), jit_compile=False)
    model.fit(images(), batch_size=8, epochs=1, verbose=0)
    loaded = run_model_saving_test(model, images(4), tmp_path)
    assert loaded.decoder_gan_loss == "non_saturating" and loaded.reconstructions_as_fakes is False
    assert sorted(loaded.player_optimizers) == ["decoder", "discriminator", "encoder"]
    np.testing.assert_array_equal(loaded.generate(3, seed=1), model.generate(3, seed=1))


@pytest.mark.compiled
def test_jit_compiled_training_step():
    if keras.backend.backend() == "torch":
        pytest.skip("torch.compile is covered by test_torch_compile")
    model = tiny_vaegan()
    model.compile(optimizer=keras.optimizers.RMSprop(1e-4), jit_compile=True)
    history = model.fit(images(), batch_size=8, epochs=1, verbose=0)
    assert np.isfinite(history.history["encoder_loss"][0])


@pytest.mark.skipif(keras.backend.backend() != "torch", reason="torch.compile is PyTorch only")
@pytest.mark.slow
def test_torch_compile():
    model = tiny_vaegan()
    model.compile(optimizer=keras.optimizers.RMSprop(1e-4), jit_compile=True)
    history = model.fit(images(), batch_size=8, epochs=1, verbose=0)
    assert np.isfinite(history.history["encoder_loss"][0])
    assert int(keras.ops.convert_to_numpy(model.optimizer.iterations)) == 2


def test_condition_encoder_feeds_the_class_to_the_encoder(tmp_path):
    """`condition_encoder=True`: q(z|x, y); the model reads it from the
    encoder's inputs, needs conditions to encode and saves it."""
    nets = kp.networks.vaegan_networks("small28", channels=1, latent_dim=4, condition_dim=10, condition_encoder=True)
    assert [tuple(i.shape[1:]) for i in nets["encoder"].inputs] == [(28, 28, 1), (10,)]
    model = kp.VAEGAN(**nets, gamma=1e-3, seed=1)
    assert model.encoder_is_conditional and not tiny_vaegan(conditional=True).encoder_is_conditional
    x = images(10)
    # The class reaches the code: one image encoded under two classes differs.
    z0 = model.encode(x, conditions=onehot(10))
    z1 = model.encode(x, conditions=np.roll(onehot(10), 1, axis=0))
    assert np.abs(z0 - z1).max() > 1e-4
    with pytest.raises(ValueError, match="encoder reads the condition: pass `conditions`"):
        model.encode(x)
    assert model.reconstruct(x, conditions=onehot(10)).shape == x.shape
    strip = model.interpolate(x[0], x[1], steps=3, conditions=onehot(1)[0])
    assert_close(strip[0], model.reconstruct(x[:1], conditions=onehot(1))[0], atol=1e-5)
    model.compile(optimizer=keras.optimizers.RMSprop(1e-4), jit_compile=False)
    history = model.fit(images(16), onehot(16), batch_size=8, epochs=1, verbose=0)
    assert np.isfinite(history.history["encoder_loss"][0])
    loaded = run_model_saving_test(model, [x, onehot(10)], tmp_path)
    assert loaded.encoder_is_conditional
    np.testing.assert_allclose(loaded.encode(x, conditions=onehot(10)), model.encode(x, conditions=onehot(10)),
                               atol=1e-5)


def test_condition_encoder_is_refused_without_a_conditional_decoder():
    with pytest.raises(ValueError, match="`condition_encoder=True` .* needs `condition_dim > 0`"):
        kp.networks.vaegan_networks("small28", channels=1, condition_encoder=True)
    conditional = kp.networks.vaegan_networks("small28", channels=1, latent_dim=4, condition_dim=10,
                                              condition_encoder=True)
    plain = kp.networks.vaegan_networks("small28", channels=1, latent_dim=4)
    with pytest.raises(ValueError, match="encoder that reads the condition needs a decoder"):
        kp.VAE(conditional["encoder"], plain["decoder"])


def test_recipe_condition_encoder_option():
    from keras_perceptual.recipes import get_recipe

    recipe = get_recipe("vaegan")
    assert recipe.resolve()["condition_encoder"] is False
    model = recipe.build(recipe.resolve({"conditional": True, "condition_encoder": True}))
    assert model.encoder_is_conditional and model.condition_dim == 10
    assert not recipe.build(recipe.resolve({"conditional": True})).encoder_is_conditional
    with pytest.raises(ValueError, match="`condition_encoder=True` .* needs `conditional=True`"):
        recipe.build(recipe.resolve({"condition_encoder": True}))
    record = recipe.train(smoke=True, verbose=0, conditional=True, condition_encoder=True, jit_compile=False,
                          batch_size=8, limit=32)
    assert record.steps == 4 and record.model.encoder_is_conditional


def test_mismatched_conditions_as_fakes():
    """The matching-aware discriminator: real images with a wrong (rolled)
    condition are one more fake term of the discriminator's loss only."""
    model = tiny_vaegan(conditional=True, mismatched_conditions_as_fakes=True, reconstructions_as_fakes=False)
    x, y = images(8), onehot(8)
    losses, logs = model.compute_losses((x, y), training=False)
    logits, _ = model.discriminator([x, np.roll(y, 1, axis=0)], training=False)
    expected = np.mean(np.logaddexp(0.0, keras.ops.convert_to_numpy(logits)))  # BCE against 0
    np.testing.assert_allclose(float(logs["mismatch_bce"]), expected, rtol=1e-4)
    np.testing.assert_allclose(float(losses["discriminator"]),
                               float(logs["real_bce"]) + float(logs["fake_bce"]) + expected, rtol=1e-4)
    plain = tiny_vaegan(conditional=True, reconstructions_as_fakes=False)
    assert "mismatch_bce" not in plain.compute_losses((x, y), training=False)[1]
    assert "mismatch_bce" in model.log_names
    assert model.get_config()["mismatched_conditions_as_fakes"] is True
    with pytest.raises(ValueError, match="`mismatched_conditions_as_fakes=True` .* needs a conditional model"):
        tiny_vaegan(mismatched_conditions_as_fakes=True)

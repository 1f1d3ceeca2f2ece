"""The multi-player training step: optimizers, gates, callbacks, precision,
data parallelism — on whichever backend KERAS_BACKEND selects."""

import os
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
from keras import ops

import keras_perceptual as kp
from tests.conftest import FAST_XLA_COMPILE
from tests.helpers import optimizer_state
from tests.helpers import xfail_bfloat16_on_torch_cpu_without_kernels
from tests.helpers import player_weights


@keras.saving.register_keras_serializable(package="keras_perceptual_tests")
class TwoPlayerToy(kp.AdversarialModel):
    """Player "a" fits y = 2x with a Dense layer; player "b" fits the same
    target through its own Dense layer fed a's output. `gate_b` fixes b's
    gate (None: not gated)."""

    def __init__(self, gate_b=None, **kwargs):
        super().__init__(**kwargs)
        self.gate_b = gate_b
        self.a = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3)], name="a")
        self.b = keras.Sequential(
            [keras.Input((3,)), keras.layers.Dense(3), keras.layers.BatchNormalization()], name="b"
        )
        self.built = True

    @property
    def players(self):
        return {"a": [self.a], "b": [self.b]}

    @property
    def gated_players(self):
        return ("b",) if self.gate_b is not None else ()

    @property
    def log_names(self):
        return ("noise",)

    def compute_losses(self, data, training=True):
        x = data
        ha = self.a(x, training=training)
        hb = self.b(ha, training=training)
        noise = keras.random.normal((), seed=self.seed_generator)
        return (
            {"a": ops.mean(ops.square(ha - 2 * x)), "b": ops.mean(ops.square(hb - 2 * x))},
            {"noise": noise},
        )

    def gates(self, losses, logs):
        return {"b": ops.convert_to_tensor(bool(self.gate_b))}

    def call(self, x, training=False):
        return self.b(self.a(x, training=training), training=training)


def toy_data(n=32):
    return np.random.default_rng(0).normal(size=(n, 3)).astype("float32")


def jit_modes():
    if keras.backend.backend() == "torch":
        return [False]
    return [False, True]


@pytest.mark.compiled
@pytest.mark.eager
@pytest.mark.parametrize("jit", jit_modes())
def test_every_player_optimizer_advances(jit):
    model = TwoPlayerToy()
    model.compile(optimizer=keras.optimizers.Adam(1e-2), jit_compile=jit)
    assert model.jit_compile == jit  # marked eager: on JAX too, the mode the test names
    before = {p: player_weights(model, p) for p in model.players}
    history = model.fit(toy_data(), batch_size=8, epochs=1, verbose=0)
    assert int(ops.convert_to_numpy(model.optimizer.iterations)) == 4
    for player in model.players:
        assert int(ops.convert_to_numpy(model.player_optimizers[player].iterations)) == 4
        after = player_weights(model, player)
        assert any(not np.array_equal(x, y) for x, y in zip(before[player], after)), player
    assert {"a_loss", "b_loss", "noise"} <= set(history.history)
    assert history.history["a_loss"][0] > 0


@pytest.mark.compiled
@pytest.mark.eager
@pytest.mark.parametrize("jit", jit_modes())
def test_skipped_step_leaves_player_bit_identical(jit):
    model = TwoPlayerToy(gate_b=False)
    model.compile(optimizer=keras.optimizers.Adam(1e-2), jit_compile=jit)
    # Warm up b's optimizer state with a real update first, so the check
    # covers non-zero moments and iterations, then freeze b by its gate.
    model.gate_b = True
    model.fit(toy_data(16), batch_size=8, epochs=1, verbose=0)
    model.gate_b = False
    model.make_train_function(force=True)
    w_b, s_b = player_weights(model, "b"), optimizer_state(model, "b")
    w_a, s_a = player_weights(model, "a"), optimizer_state(model, "a")
    assert int(s_b[0]) == 2
    history = model.fit(toy_data(16), batch_size=8, epochs=1, verbose=0)
    for x, y in zip(w_b, player_weights(model, "b")):
        np.testing.assert_array_equal(x, y)
    for x, y in zip(s_b, optimizer_state(model, "b")):
        np.testing.assert_array_equal(x, y)
    # The other player did move, and its optimizer counted two more steps.
    assert any(not np.array_equal(x, y) for x, y in zip(w_a, player_weights(model, "a")))
    assert int(optimizer_state(model, "a")[0]) == int(s_a[0]) + 2
    assert history.history["b_update_rate"] == [0.0]


def test_compile_errors():
    model = TwoPlayerToy()
    with pytest.raises(ValueError, match=r"No optimizer for player\(s\) \['b'\]"):
        model.compile(optimizers={"a": "adam"})
    with pytest.raises(ValueError, match="names players the model does not have"):
        model.compile(optimizer="adam", optimizers={"c": "adam"})
    with pytest.raises(ValueError, match="does not take `loss`"):
        model.compile(optimizer="adam", loss="mse")
    shared = keras.optimizers.Adam()
    with pytest.raises(ValueError, match="its own optimizer instance"):
        model.compile(optimizers={"a": shared, "b": shared})
    # Several steps per execution would let the steps after a bad one update
    # (TF named "step 5" of 17 and trained on past it); refused on every backend.
    with pytest.raises(ValueError, match=r"needs `steps_per_execution=1`.*Received: steps_per_execution=4"):
        model.compile(optimizer="adam", steps_per_execution=4)
    model.compile(optimizer="adam", steps_per_execution=1)


def test_player_without_variables_is_an_error():
    class Empty(TwoPlayerToy):
        @property
        def players(self):
            return {"a": [self.a], "b": [self.b], "c": [keras.layers.Identity()]}

    with pytest.raises(ValueError, match="Player 'c' has no trainable variables"):
        Empty().compile(optimizer="adam")


def test_orphan_variables_are_an_error():
    class Orphan(TwoPlayerToy):
        @property
        def players(self):
            return {"a": [self.a]}

    with pytest.raises(ValueError, match="belong to no player"):
        Orphan().compile(optimizer="adam")


def test_config_is_the_constructor_chains_arguments():
    # TwoPlayerToy writes no get_config: its own `gate_b`, then AdversarialModel's `seed`.
    assert TwoPlayerToy.config_arguments == ("gate_b", "seed")
    model = TwoPlayerToy(gate_b=True, seed=3, name="toy")
    config = model.get_config()
    assert (config["gate_b"], config["seed"], config["name"]) == (True, 3, "toy")
    clone = TwoPlayerToy.from_config(config)
    assert clone.get_config() == config and clone.gate_b is True and clone.seed == 3

    class WithNetwork(TwoPlayerToy):
        def __init__(self, scales=(1.0, 2.0), head=None, **kwargs):
            super().__init__(**kwargs)
            self.scales = tuple(scales)
            self.head = head

    assert WithNetwork.config_arguments == ("scales", "head", "gate_b", "seed")
    assert WithNetwork().get_config()["head"] is None  # None stays None
    head = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="logits")], name="head")
    config = WithNetwork(scales=(0.5,), head=head).get_config()
    assert config["scales"] == [0.5]  # tuples as lists (JSON)
    assert config["head"]["class_name"] == "Sequential"  # Keras objects serialised
    clone = WithNetwork.from_config(config)
    assert clone.scales == (0.5,) and clone.head.get_layer("logits").units == 2

    class FixedSeed(TwoPlayerToy):
        def __init__(self, depth=2):  # no **kwargs: the parents' arguments are not its own
            super().__init__(seed=0)
            self.depth = depth

    assert FixedSeed.config_arguments == ("depth",)


def test_constructor_argument_without_attribute_is_a_clear_error():
    class Forgetful(TwoPlayerToy):
        def __init__(self, width=3, **kwargs):
            super().__init__(**kwargs)  # `width` never stored

    with pytest.raises(AttributeError, match=r"Forgetful.get_config\(\) reads the constructor argument `width` "
                                             r"from `self.width`, which the constructor did not set"):
        Forgetful().get_config()
    # A constructor from_config could not call by keywords is refused when the class is defined.
    with pytest.raises(TypeError, match=r"Starred.__init__ cannot take `\*layers`"):
        class Starred(TwoPlayerToy):
            def __init__(self, *layers, **kwargs):
                super().__init__(**kwargs)
    with pytest.raises(TypeError, match=r"cannot take `width` \(positional-only\)"):
        class PositionalOnly(TwoPlayerToy):
            def __init__(self, width, /, **kwargs):
                super().__init__(**kwargs)


def test_evaluate_and_callbacks(tmp_path):
    model = TwoPlayerToy(seed=3)
    model.compile(optimizer=keras.optimizers.SGD(0.1), optimizers={"b": keras.optimizers.Adam(1e-2)})
    callbacks = [
        keras.callbacks.ModelCheckpoint(str(tmp_path / "ckpt.weights.h5"), save_weights_only=True),
        keras.callbacks.BackupAndRestore(str(tmp_path / "backup")),
        keras.callbacks.TensorBoard(str(tmp_path / "tb")),
        keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.5),
    ]
    model.fit(toy_data(), batch_size=8, epochs=2, verbose=0, callbacks=callbacks)
    assert (tmp_path / "ckpt.weights.h5").exists()
    assert any((tmp_path / "tb").rglob("*tfevents*"))
    # The schedule reached every sub-optimizer: 0.1 halved twice.
    np.testing.assert_allclose(ops.convert_to_numpy(model.player_optimizers["a"].learning_rate), 0.025, rtol=1e-6)
    np.testing.assert_allclose(ops.convert_to_numpy(model.player_optimizers["b"].learning_rate), 0.0025, rtol=1e-6)
    logs = model.evaluate(toy_data(), batch_size=8, verbose=0, return_dict=True)
    assert set(logs) >= {"a_loss", "b_loss"} and all(np.isfinite(v) for v in logs.values())
    # Restoring the checkpoint into a fresh model reproduces outputs.
    fresh = TwoPlayerToy(seed=3)
    fresh.load_weights(str(tmp_path / "ckpt.weights.h5"))
    np.testing.assert_allclose(ops.convert_to_numpy(fresh(toy_data(4))), ops.convert_to_numpy(model(toy_data(4))), atol=1e-6)


def test_backup_and_restore_resumes(tmp_path):
    class Interrupt(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                raise RuntimeError("interrupted")

    model = TwoPlayerToy()
    model.compile(optimizer="adam")
    backup = keras.callbacks.BackupAndRestore(str(tmp_path / "backup"))
    with pytest.raises(RuntimeError):
        model.fit(toy_data(), batch_size=8, epochs=4, verbose=0, callbacks=[backup, Interrupt()])
    resumed = TwoPlayerToy()
    resumed.compile(optimizer="adam")
    history = resumed.fit(toy_data(), batch_size=8, epochs=4, verbose=0,
                          callbacks=[keras.callbacks.BackupAndRestore(str(tmp_path / "backup"))])
    assert len(history.history["a_loss"]) == 2  # epochs 3 and 4 only
    assert int(ops.convert_to_numpy(resumed.player_optimizers["a"].iterations)) == 16


@xfail_bfloat16_on_torch_cpu_without_kernels
def test_mixed_bfloat16_losses_in_float32():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        nets = kp.networks.vaegan_networks("small28", channels=1, latent_dim=4)
        model = kp.VAEGAN(**nets, gamma=1e-3, seed=0)
        assert nets["decoder"].layers[-1].dtype_policy.compute_dtype == "float32"
        model.compile(optimizer=keras.optimizers.RMSprop(1e-4))
        x = np.random.default_rng(0).uniform(-1, 1, (16, 28, 28, 1)).astype("float32")
        history = model.fit(x, batch_size=8, epochs=1, verbose=0)
        assert all(np.isfinite(v[0]) for v in history.history.values())
        assert model.reconstruct(x[:2]).dtype == np.float32
    finally:
        keras.mixed_precision.set_global_policy("float32")


@pytest.mark.skipif(keras.backend.backend() != "jax", reason="keras.distribution data parallelism runs on JAX")
@pytest.mark.slow
def test_jax_data_parallel_two_devices():
    script = textwrap.dedent(
        """
        import jax, keras, numpy as np
        import keras_perceptual as kp
        devices = keras.distribution.list_devices("cpu")
        assert len(devices) == 2, devices
        keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))
        nets = kp.networks.vaegan_networks("small28", channels=1, latent_dim=4)
        model = kp.VAEGAN(**nets, gamma=1e-3, seed=0)
        model.compile(optimizer=keras.optimizers.RMSprop(1e-4))
        x = np.random.default_rng(0).uniform(-1, 1, (32, 28, 28, 1)).astype("float32")
        h = model.fit(x, batch_size=16, epochs=1, verbose=0)
        assert all(np.isfinite(v[0]) for v in h.history.values()), h.history
        w = model.encoder.trainable_variables[0].value
        assert len(w.sharding.device_set) == 2, w.sharding
        print("ok", {p: int(o.iterations) for p, o in model.player_optimizers.items()})
        """
    )
    env = dict(os.environ, KERAS_BACKEND="jax", XLA_FLAGS=f"{FAST_XLA_COMPILE} --xla_force_host_platform_device_count=2")
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "ok {'encoder': 2, 'decoder'" in out.stdout


def test_fit_on_tf_data_prints_no_shuffle_warning():
    """A tf.data pipeline shuffles itself; fit must not print Keras's
    "`shuffle=True` was passed, but will be ignored" warning every time."""
    import warnings

    import tensorflow as tf

    model = TwoPlayerToy(seed=0)
    model.compile(optimizer=keras.optimizers.SGD(0.01))
    data = tf.data.Dataset.from_tensor_slices(toy_data()).batch(8)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(data, epochs=1, verbose=0)
    assert not [w for w in caught if "shuffle" in str(w.message)], [str(w.message) for w in caught]

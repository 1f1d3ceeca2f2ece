"""Never a non-finite model: a bad batch (a NaN pixel, a [0, 255] batch) or
a non-finite loss stops training at that step with a message naming it,
and the rejected step changes nothing (checked inside the step)."""

import dataclasses

import keras
import numpy as np
import pytest

from keras_perceptual import cli
from keras_perceptual.recipes import get_recipe
from keras_perceptual.training import ArrayData
from keras_perceptual.training import NonFiniteError
from keras_perceptual.training import train


def _values(variables):
    return [np.array(keras.ops.convert_to_numpy(v.value)) for v in variables]


def _tiny_aae():
    recipe = get_recipe("aae")
    options = recipe.resolve(smoke=True, seed=1)
    keras.utils.set_random_seed(1)  # the same initial weights every call
    model = recipe.build(options)
    recipe.compile(model, dict(options, jit_compile=False), None, None)
    return model


@pytest.mark.compiled  # the skip is a branch of the traced step
@pytest.mark.parametrize("poison", ["nan", "inf", "0_255"])
def test_bad_batch_skips_the_whole_step_and_stops_fit(random_images, poison):
    # `fit` checks the first 256 images on the host; batch 17 is checked
    # inside the step only.
    x = random_images(256 + 16)
    if poison == "0_255":
        x[256:] = (x[256:] + 1) * 127.5
    else:
        x[256 + 3, 5, 5, 0] = np.nan if poison == "nan" else np.inf
    model = _tiny_aae()
    with pytest.raises(NonFiniteError, match="step 17: non-finite loss for player"):
        model.fit(x, batch_size=16, epochs=1, verbose=0, shuffle=False)
    reference = _tiny_aae()
    reference.fit(x[:256], batch_size=16, epochs=1, verbose=0, shuffle=False)
    # The rejected step changed nothing: weights, BatchNorm statistics, the
    # seed generator's state and every player's optimizer state are those
    # after the 16 good steps.
    for a, b in zip(_values(model.variables), _values(reference.variables)):
        np.testing.assert_array_equal(a, b)
    for player, optimizer in model.player_optimizers.items():
        for a, b in zip(_values(optimizer.variables), _values(reference.player_optimizers[player].variables)):
            np.testing.assert_array_equal(a, b)


def _bad_recipe(make_bad):
    aae = get_recipe("aae")

    def data(options, batch_size):
        x = aae.data(options, batch_size).x.copy()
        make_bad(x)
        return ArrayData(x, batch_size=batch_size, shuffle=False)

    return dataclasses.replace(aae, name="aae", data=data)


def test_driver_names_the_step_and_counts_bad_values(tmp_path):
    # Batch 38 of 40 (past the 256 images `fit` checks on the host).
    def nan_in_batch_38(x):
        x[37 * 8 + 1, 4, 4, 0] = np.nan
        x[37 * 8 + 2, 4, 4, 0] = np.inf

    with pytest.raises(NonFiniteError, match=r"step 38 of 40.*holds 2 NaN/Inf value\(s\) and 0 value\(s\) outside"):
        train(_bad_recipe(nan_in_batch_38), tmp_path / "a", batch_size=8, smoke=True, options=dict(limit=320),
              verbose=0)
    assert not (tmp_path / "a" / "config.json").exists()

    def scaled_batch_39(x):
        x[38 * 8 : 39 * 8] = (x[38 * 8 : 39 * 8] + 1) * 127.5

    with pytest.raises(NonFiniteError, match=r"step 39 of 40.*0 NaN/Inf value\(s\) and \d+ value\(s\) outside"):
        train(_bad_recipe(scaled_batch_39), tmp_path / "b", batch_size=8, smoke=True, options=dict(limit=320),
              verbose=0)
    assert not (tmp_path / "b" / "config.json").exists()


def test_diverging_run_exits_nonzero_without_a_preset(tmp_path, capsys):
    code = cli.main(["train", "aae", "--smoke", "--output", str(tmp_path / "p"), "--verbose", "0",
                     "--option", "learning_rate=1e30", "--option", "limit=64", "--batch-size", "16"])
    err = capsys.readouterr().err
    assert code == 1, err
    assert "Training stopped at step" in err and "non-finite loss for player" in err
    assert not (tmp_path / "p" / "model.weights.h5").exists()


def test_image_checks_count_nan_and_inf(random_images):
    from keras_perceptual.validation import expect_images

    x = random_images(4)
    x[0, 1, 1, 0], x[2, 3, 3, 0], x[3, 0, 0, 0] = np.nan, np.inf, -np.inf
    with pytest.raises(ValueError, match=r"received 3 NaN/Inf value\(s\) among 3136"):
        expect_images("images", x, (28, 28, 1))
    model = _tiny_aae()
    with pytest.raises(ValueError, match="1 NaN/Inf"):
        model.reconstruct(np.where(np.isinf(x), 0.0, x)[:1])
    with pytest.raises(ValueError, match=r"`x` to be finite images.*1 NaN/Inf"):
        model.fit(np.where(np.isinf(x), 0.0, x)[:1], batch_size=1, epochs=1, verbose=0)

"""The training driver: recipes as data, checkpoints refused when the
options differ, positive budgets, the record and the preset it writes."""

import json

import keras
import numpy as np
import pytest

import keras_perceptual as kp
from keras_perceptual import cli
from keras_perceptual.recipes import get_recipe
from keras_perceptual.recipes import list_recipes
from keras_perceptual.training import Checkpoint
from keras_perceptual.training import Recipe
from keras_perceptual.training import TrainingRecord
from keras_perceptual.training import train
from tests.helpers import Interrupt

TINY = dict(limit=32)


def test_registry_holds_every_recipe_as_data():
    recipes = list_recipes()
    assert {"vaegan", "vae", "deepsim_autoencoder", "deepsim_vae", "deepsim_inverter", "pixel_autoencoder",
            "fashion_mnist_classifier", "fashion_mnist_evaluator", "aae", "aae_clustering", "iae",
            "iae_clustering", "vaegan_celeba64"} == set(recipes)
    assert get_recipe("vaegan_celeba64").datasets == ("celeba",)
    assert all(isinstance(get_recipe(n), Recipe) and recipes[n] for n in recipes)
    with pytest.raises(ValueError, match="Unknown recipe"):
        get_recipe("nope")
    with pytest.raises(ValueError, match="Unknown option.*'gama'"):
        get_recipe("vaegan").resolve({"gama": 1.0})
    with pytest.raises(ValueError, match="trains on .*fashion_mnist.*Received: dataset='celeba'"):
        get_recipe("deepsim_autoencoder").resolve(dataset="celeba")
    # Defaults that depend on other options are filled by the recipe.
    mmd = get_recipe("aae_clustering").resolve({"regularizer": "mmd"})
    assert mmd["straight_through"] is True and mmd["marginal_entropy_weight"] == 0.0 and mmd["num_classes"] == 10
    assert get_recipe("iae").resolve({"code": "continuous"})["encoder_noise_dim"] == 16
    # The clustering IAE is the same recipe with a categorical code, judged by clustering accuracy.
    clustering = get_recipe("iae_clustering")
    assert clustering.resolve({})["code"] == "categorical" and clustering.resolve({})["encoder_noise_dim"] == 0
    assert (clustering.validation.metric, clustering.validation.mode) == ("validation_clustering_accuracy", "max")
    faithful = get_recipe("iae").validation
    assert (faithful.metric, faithful.mode) == ("validation_noise_class_agreement", "max")


@pytest.mark.parametrize("bad", [dict(epochs=0), dict(steps=-1), dict(batch_size=0), dict(epochs=1.5)])
def test_budgets_must_be_positive(bad):
    name = next(iter(bad))
    with pytest.raises(ValueError, match=f"Expected `{name}` to be an int >= 1 or None, received {name}="):
        train("aae", None, smoke=True, verbose=0, **bad)


def test_cli_refuses_zero_epochs(capsys):
    assert cli.main(["train", "vae", "--epochs", "0", "--smoke"]) == 2
    assert "Expected `--epochs` to be an int >= 1, received --epochs=0" in capsys.readouterr().err


def test_steps_budget_and_record(tmp_path):
    record = train("aae", tmp_path / "p", steps=3, batch_size=8, smoke=True, seed=1, options=TINY, verbose=0,
                   command="test-command")
    assert isinstance(record, TrainingRecord) and record.steps == 3 and record.epochs == 1
    assert int(keras.ops.convert_to_numpy(record.model.optimizer.iterations)) == 3
    assert record.options["limit"] == 32 and record.runs[0]["command"] == "test-command"
    assert set(record.final_losses) >= {"decoder_loss", "discriminator_loss"}
    meta = json.loads((tmp_path / "p" / "metadata.json").read_text())
    assert meta["command"] == "test-command" and meta["steps"] == 3
    assert meta["training"]["recipe"] == "keras_perceptual.recipes.aae" and meta["training"]["resumed"] is False
    assert (tmp_path / "p" / "training" / "grids" / "samples_epoch001.png").is_file()
    assert not Checkpoint(tmp_path / "p" / "training").exists()


def test_checkpoint_of_other_options_is_refused_or_restarted(tmp_path):
    out = tmp_path / "p"
    with pytest.raises(KeyboardInterrupt):
        train("aae", out, epochs=2, batch_size=8, smoke=True, options=TINY, checkpoint_every=2, verbose=0,
              callbacks=[Interrupt(5)])
    checkpoint = Checkpoint(out / "training")
    assert checkpoint.exists() and checkpoint.read_state()["step"] == 4
    with pytest.raises(ValueError, match=r"learning_rate=0.001 there, 0.01 here.*--restart"):
        train("aae", out, epochs=2, batch_size=8, smoke=True, options=dict(TINY, learning_rate=0.01), verbose=0)
    with pytest.raises(ValueError, match=r"steps=8 there, 12 here"):
        train("aae", out, epochs=3, batch_size=8, smoke=True, options=TINY, verbose=0)
    record = train("aae", out, epochs=1, batch_size=8, smoke=True, options=TINY, restart=True, verbose=0)
    assert record.steps == 4 and len(record.runs) == 1 and record.runs[0]["from_step"] == 0


def test_resume_prints_and_continues(tmp_path, capsys):
    out = tmp_path / "p"
    with pytest.raises(KeyboardInterrupt):
        train("aae", out, epochs=2, batch_size=8, smoke=True, options=TINY, checkpoint_every=3, verbose=0,
              callbacks=[Interrupt(7)])
    capsys.readouterr()
    record = train("aae", out, epochs=2, batch_size=8, smoke=True, options=TINY, verbose=0)
    assert "resuming from step 6 of 8" in capsys.readouterr().out
    assert record.steps == 8 and [(r["from_step"], r["to_step"]) for r in record.runs] == [(0, 6), (6, 8)]
    assert int(keras.ops.convert_to_numpy(record.model.optimizer.iterations)) == 8


def test_recipe_call_returns_the_training_record(tmp_path):
    record = get_recipe("fashion_mnist_classifier")(output=tmp_path, smoke=True, verbose=0, jit_compile=False)
    assert isinstance(record, TrainingRecord) and isinstance(record.model, kp.Classifier)
    assert not hasattr(record.model, "training_record")  # nothing stuck on the model
    assert 0.0 <= record.extra["test_accuracy"] <= 1.0 and record.steps == 4
    assert (tmp_path / "classifier.weights.h5").is_file() and (tmp_path / "classes.png").is_file()
    assert np.isfinite(record.final_losses["loss"])


def test_has_converged_is_the_last_fifth_rule():
    from keras_perceptual.training import has_converged

    falling = [(s, 100.0 / s) for s in range(1, 11)]  # still improving 10%+ in the last fifth
    assert not has_converged(falling)
    flat = [(s, 10.0 - s) for s in range(1, 6)] + [(s, 5.0 - 0.01 * s) for s in range(6, 11)]
    assert has_converged(flat)  # the last fifth (steps 9, 10) gains 0.4% on the best before
    assert not has_converged(flat[:4])  # fewer than 5 measurements
    rising = [(s, 0.5 + 0.1 * s) for s in range(1, 6)]
    assert not has_converged(rising, mode="max") and has_converged(rising, mode="min")
    with pytest.raises(ValueError, match="`mode` must be 'min' or 'max'"):
        has_converged(flat, mode="best")


def test_validation_curve_and_convergence_stop(tmp_path, monkeypatch):
    """The curve is measured every `validate_every` steps into the record and
    the metadata; `stop_when_converged` stops at the first converged point,
    the budget being only a cap."""
    import dataclasses

    from keras_perceptual.training import Validation

    values = iter([5.0, 4.0, 3.9, 3.89, 3.889, 3.8889, 3.88889, 3.888889])
    seen = []

    def measure(model, options):
        seen.append(int(keras.ops.convert_to_numpy(model.optimizer.iterations)))
        return next(values)

    recipe = dataclasses.replace(get_recipe("aae"), validation=Validation("validation_fake", measure))
    record = train(recipe, tmp_path / "p", epochs=4, batch_size=8, smoke=True, options=TINY, verbose=0,
                   validate_every=2, stop_when_converged=True)
    # 4 batches a run epoch; measured at steps 2, 4, ...; converged at the 5th point (step 10: 3.889 vs 3.89).
    assert seen == [2, 4, 6, 8, 10] and record.steps == 10
    v = record.validation
    assert v["curve"] == [[2, 5.0], [4, 4.0], [6, 3.9], [8, 3.89], [10, 3.889]]
    assert v["converged"] is True and v["cap_steps"] == 16 and v["every"] == 2 and "last fifth" in v["rule"]
    meta = json.loads((tmp_path / "p" / "metadata.json").read_text())
    assert meta["training"]["validation"]["curve"] == v["curve"] and meta["steps"] == 10
    # Without the stop, the budget is spent and the curve ends at the last step.
    values = iter([5.0, 4.0, 3.0, 2.0])
    seen.clear()
    record = train(recipe, None, epochs=2, batch_size=8, smoke=True, options=TINY, verbose=0, validate=True)
    assert seen == [4, 8] and record.steps == 8 and record.validation["converged"] is False
    # No validation unless asked for; a recipe without a measure refuses it.
    assert train(recipe, None, steps=2, batch_size=8, smoke=True, options=TINY, verbose=0).validation is None
    bare = dataclasses.replace(recipe, validation=None)
    with pytest.raises(ValueError, match="has no validation measure"):
        train(bare, None, steps=2, batch_size=8, smoke=True, options=TINY, verbose=0, stop_when_converged=True)


def test_validation_curve_survives_a_resume(tmp_path):
    import dataclasses

    from keras_perceptual.training import Validation

    recipe = dataclasses.replace(get_recipe("aae"), validation=Validation(
        "validation_step", lambda model, options: float(keras.ops.convert_to_numpy(model.optimizer.iterations))))
    out = tmp_path / "p"
    with pytest.raises(KeyboardInterrupt):
        train(recipe, out, epochs=2, batch_size=8, smoke=True, options=TINY, verbose=0, validate_every=2,
              checkpoint_every=2, callbacks=[Interrupt(5)])
    record = train(recipe, out, epochs=2, batch_size=8, smoke=True, options=TINY, verbose=0, validate_every=2,
                   checkpoint_every=2)
    assert record.validation["curve"] == [[2, 2.0], [4, 4.0], [6, 6.0], [8, 8.0]]


def test_restore_best_ends_with_the_best_measured_weights_even_after_a_resume(tmp_path):
    import dataclasses

    from keras_perceptual.training import Validation

    snapshots = {}

    def measure(model, options):
        step = int(keras.ops.convert_to_numpy(model.optimizer.iterations))
        snapshots[step] = [np.array(keras.ops.convert_to_numpy(v)) for v in model.weights]
        return {2: 3.0, 4: 1.0, 6: 2.0, 8: 2.5}[step]  # the best (min) is step 4

    recipe = dataclasses.replace(get_recipe("aae"), validation=Validation("validation_fake", measure))
    out = tmp_path / "p"
    with pytest.raises(KeyboardInterrupt):  # killed after the best measurement, checkpoint at step 6
        train(recipe, out, epochs=2, batch_size=8, smoke=True, options=TINY, verbose=0, validate_every=2,
              checkpoint_every=2, restore_best=True, callbacks=[Interrupt(7)])
    assert (out / "training" / "best.npz").is_file()
    record = train(recipe, out, epochs=2, batch_size=8, smoke=True, options=TINY, verbose=0, validate_every=2,
                   checkpoint_every=2, restore_best=True)
    v = record.validation
    assert v["best_step"] == 4 and v["best_value"] == 1.0 and v["restored_best"] is True and record.steps == 8
    final = [np.array(keras.ops.convert_to_numpy(w)) for w in record.model.weights]
    assert all(np.array_equal(a, b) for a, b in zip(final, snapshots[4]))
    assert not any(np.array_equal(a, b) for a, b in zip(final, snapshots[8]) if a.size > 100)
    assert not (out / "training" / "best.npz").exists()  # removed with the checkpoint

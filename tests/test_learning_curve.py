"""A preset whose training record holds a validation curve gets
`learning_curve.png` (metric vs step, axis labels, the stopping rule and
whether it converged), hashed in `metadata.json` like `samples.png` and shown
in its model card; a record without one gets neither."""

import json

import numpy as np
import pytest
from PIL import Image

import keras_perceptual as kp
from keras_perceptual import model_card
from keras_perceptual.images import line_plot
from keras_perceptual.preset_format import PresetError
from keras_perceptual.preset_format import sha256_file
from keras_perceptual.preset_writer import update_preset
from tests.test_hub import tiny_vaegan

VALIDATION = {"metric": "FID", "mode": "min", "every": 100, "curve": [[100, 50.0], [200, 31.5], [300, 30.9]],
              "converged": True, "rule": "improves by less than 2 % over the last fifth of the run, cap 5000 steps"}


def save(folder, validation=VALIDATION):
    training = {"steps": 300} if validation is None else {"steps": 300, "validation": validation}
    return tiny_vaegan().save_pretrained(folder, metadata={"training": training}, samples=4)


def test_learning_curve_written_hashed_and_shown_in_the_card(tmp_path):
    folder = save(tmp_path / "p")
    meta = json.loads((folder / "metadata.json").read_text())
    png = folder / "learning_curve.png"
    assert meta["files"]["learning_curve.png"] == sha256_file(png)
    kp.hub.verify_folder(folder)
    image = np.asarray(Image.open(png).convert("RGB"))
    assert image.shape[1] == 64 + 480 + 16 and image.shape[0] > 240
    # The curve is drawn in the first palette colour (and nothing else is).
    assert np.all(image == (31, 119, 180), axis=-1).sum() > 100
    card = (folder / "README.md").read_text()
    caption = ("*Validation FID every 100 steps; best 30.9; stopping rule: improves by less than 2 % over the "
               "last fifth of the run, cap 5000 steps; converged.*")
    assert "![learning curve](learning_curve.png)\n\n" + caption in card
    # Pinned: the same record draws the same bytes, and a changed file is refused.
    again = save(tmp_path / "other" / "p")  # the title names the folder
    assert sha256_file(again / "learning_curve.png") == sha256_file(png)
    Image.new("RGB", (4, 4)).save(png)
    with pytest.raises(PresetError, match="sha256 mismatch for learning_curve.png"):
        kp.hub.verify_folder(folder)


def test_a_record_without_a_curve_has_no_learning_curve(tmp_path):
    folder = save(tmp_path / "p", validation=None)
    assert not (folder / "learning_curve.png").exists()
    assert "learning_curve.png" not in json.loads((folder / "metadata.json").read_text())["files"]
    assert "learning curve" not in (folder / "README.md").read_text()
    # update_preset draws it when the record gains a curve, and removes a stale one.
    update_preset(folder, training={"steps": 300, "validation": dict(VALIDATION, converged=False)})
    assert (folder / "learning_curve.png").is_file()
    assert "did not converge (stopped at the cap)" in (folder / "README.md").read_text()
    meta = update_preset(folder, training={"steps": 300})
    assert not (folder / "learning_curve.png").exists() and "learning_curve.png" not in meta["files"]
    kp.hub.verify_folder(folder)


def test_resaved_preset_redraws_its_curve(tmp_path):
    folder = save(tmp_path / "p")
    model = kp.from_pretrained(folder)
    copy = model.save_pretrained(tmp_path / "copy" / "p", samples=0)
    assert sha256_file(copy / "learning_curve.png") == sha256_file(folder / "learning_curve.png")


def test_caption_and_bad_curves(tmp_path):
    maximised = dict(VALIDATION, metric="accuracy", mode="max", curve=[[1, 0.5], [2, float("nan")], [3, 0.6]])
    assert "best 0.6;" in model_card.learning_curve_caption(maximised)
    # A fixed budget (the driver records no rule then) is not called converged or not.
    fixed = {"metric": "validation_accuracy", "mode": "max", "every": 429, "curve": [[429, 0.8], [858, 0.9]],
             "converged": False, "rule": None, "cap_steps": 858, "stop_when_converged": False}
    assert model_card.learning_curve_caption(fixed) == (
        "Validation accuracy every 429 steps; best 0.9; fixed budget of 858 steps, no stopping rule: "
        "convergence not judged.")
    assert "did not converge (stopped at the cap of 858 steps)" in model_card.learning_curve_caption(
        dict(fixed, rule="the rule", stop_when_converged=True))
    assert model_card.validation_record({"training": {"validation": dict(VALIDATION, curve=[])}}) is None
    assert model_card.validation_record({"training": None}) is None
    with pytest.raises(ValueError, match=r"\[step, value\] pairs"):
        model_card.validation_record({"training": {"validation": dict(VALIDATION, curve=[1, 2])}})
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        line_plot(np.zeros((0, 2)), tmp_path / "x.png", "x", "y")
    # A non-finite value is left out and said so; one point still draws.
    path = model_card.draw_learning_curve({"name": "m", "training": {"validation": maximised}}, tmp_path / "lc.png")
    assert Image.open(path).size[0] == 560
    assert line_plot([[0, 1.0]], tmp_path / "one.png", "x", "y").is_file()


def test_classifier_cards_name_their_own_feature_layer():
    evaluator = model_card.render({"name": "fashion_mnist_evaluator", "model": "Classifier"}, has_samples=False)
    classifier = model_card.render({"name": "fashion_mnist_classifier", "model": "Classifier"}, has_samples=False)
    assert 'model.features(x, layer="features")' in evaluator and "fc1_act" not in evaluator
    assert 'model.features(x, layer="fc1_act")' in classifier

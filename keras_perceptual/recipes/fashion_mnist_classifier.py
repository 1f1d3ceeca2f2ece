"""Recipes of the zoo's two Fashion-MNIST classifiers, both Adam with the
learning rate divided by 10 for the last epoch of the budget:

- `fashion_mnist_classifier`: the DeePSiM comparator (the network the
  DeePSiM presets are trained against);
- `fashion_mnist_evaluator`: the feature space of every FID/KID,
  reconstruction FID and classifier score the zoo reports. Its own
  architecture (`networks.fashion_mnist_evaluator`) and seed; no preset's
  loss ever sees it.

Both train on the "train" split (the first 55,000 images); their
validation accuracy (the last 5,000) is the curve their budget is judged
on, and their test accuracy is measured once, at the end."""

from pathlib import Path

import keras

from keras_perceptual.datasets import fashion_mnist_dataset
from keras_perceptual.models.classifier import Classifier
from keras_perceptual.networks.classifier import fashion_mnist_classifier
from keras_perceptual.networks.classifier import fashion_mnist_evaluator
from keras_perceptual.recipes import list_recipes
from keras_perceptual.recipes._fashion import fashion_data
from keras_perceptual.recipes._fashion import fashion_pictures
from keras_perceptual.training.recipe import Option
from keras_perceptual.training.recipe import Recipe
from keras_perceptual.training.recipe import Validation


def build(options):
    network = fashion_mnist_classifier(filters=tuple(options["filters"]), units=options["units"])
    return Classifier(network, name="fashion_mnist_classifier")


def build_evaluator(options):
    network = fashion_mnist_evaluator(filters=tuple(options["filters"]), units=options["units"])
    return Classifier(network, name="fashion_mnist_evaluator")


def compile_model(model, options, total_steps, steps_per_epoch):
    schedule = keras.optimizers.schedules.PiecewiseConstantDecay(
        [max(1, total_steps - steps_per_epoch)], [options["learning_rate"], options["learning_rate"] / 10]
    )
    model.compile(optimizer=keras.optimizers.Adam(schedule),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"],
                  jit_compile=options["jit_compile"])


def accuracy(model, split, smoke=False):
    """Accuracy on `split` (on its first 512 images in a smoke run)."""
    data = fashion_mnist_dataset(split, 128 if smoke else 500, labels=True, limit=512 if smoke else None,
                                 drop_remainder=False)
    return float(model.evaluate(data, verbose=0)[1])


def evaluate(model, options):
    """Accuracy on the test split, measured once the budget is spent."""
    return {"test_accuracy": accuracy(model, "test", options["smoke"])}


VALIDATION = Validation(
    metric="validation_accuracy", mode="max",
    measure=lambda model, options: accuracy(model, "validation", options["smoke"]),
)


def save(model, folder, options, record):
    """`classifier.weights.h5` (the file `fashion_mnist_comparator(weights=...)`
    reads) and `metrics.txt`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_weights(folder / "classifier.weights.h5")
    (folder / "metrics.txt").write_text(f"test_accuracy {record.extra['test_accuracy']:.4f}\n"
                                        f"epochs {record.epochs}\n")


# `units`: the one dense layer's width (an int, not the AAE's list).
OPTION_TYPES = dict(units=Option("int", minimum=1))

RECIPE = Recipe(
    name="fashion_mnist_classifier",
    description=list_recipes()["fashion_mnist_classifier"],
    build=build, compile=compile_model,
    data=lambda options, batch_size: fashion_data(options, batch_size, targets="labels"),
    defaults=dict(learning_rate=1e-3, filters=(32, 64), units=256, limit=None, jit_compile="auto"),
    epochs=5, batch_size=128, smoke=dict(limit=512), pictures=("classes",), picture_data=fashion_pictures,
    evaluate=evaluate, save=save, validation=VALIDATION, option_types=OPTION_TYPES,
)
EVALUATOR = Recipe(
    name="fashion_mnist_evaluator",
    description=list_recipes()["fashion_mnist_evaluator"],
    build=build_evaluator, compile=compile_model,
    data=lambda options, batch_size: fashion_data(options, batch_size, targets="labels"),
    defaults=dict(learning_rate=1e-3, filters=(16, 32, 64), units=128, limit=None, jit_compile="auto"),
    epochs=8, batch_size=128, smoke=dict(limit=512, filters=(4, 8, 8), units=8), pictures=("classes",),
    picture_data=fashion_pictures, evaluate=evaluate, validation=VALIDATION, option_types=OPTION_TYPES,
)
RECIPES = (RECIPE, EVALUATOR)
train = RECIPE.train

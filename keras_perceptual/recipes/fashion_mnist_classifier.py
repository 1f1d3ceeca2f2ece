"""Recipe: the zoo's Fashion-MNIST classifier (DeePSiM comparator, feature
extractor of feature-space FID/KID, judge of class-conditional samples):
Adam, the learning rate divided by 10 for the last epoch."""

from pathlib import Path

import keras

from keras_perceptual.datasets import fashion_mnist_dataset
from keras_perceptual.models.classifier import Classifier
from keras_perceptual.networks.classifier import fashion_mnist_classifier
from keras_perceptual.recipes import list_recipes
from keras_perceptual.recipes._fashion import fashion_data
from keras_perceptual.recipes._fashion import fashion_pictures
from keras_perceptual.training.recipe import Recipe


def build(options):
    network = fashion_mnist_classifier(filters=tuple(options["filters"]), units=options["units"])
    return Classifier(network, name="fashion_mnist_classifier")


def compile_model(model, options, total_steps, steps_per_epoch):
    schedule = keras.optimizers.schedules.PiecewiseConstantDecay(
        [max(1, total_steps - steps_per_epoch)], [options["learning_rate"], options["learning_rate"] / 10]
    )
    model.compile(optimizer=keras.optimizers.Adam(schedule),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"],
                  jit_compile=options["jit_compile"])


def evaluate(model, options):
    """Accuracy on the test split (on 512 test images in a smoke run)."""
    smoke = options["smoke"]
    test = fashion_mnist_dataset("test", 128 if smoke else 500, labels=True, limit=512 if smoke else None,
                                 drop_remainder=False)
    _, accuracy = model.evaluate(test, verbose=0)
    return {"test_accuracy": float(accuracy)}


def save(model, folder, options, record):
    """`classifier.weights.h5` (the file `fashion_mnist_comparator(weights=...)`
    reads) and `metrics.txt`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_weights(folder / "classifier.weights.h5")
    (folder / "metrics.txt").write_text(f"test_accuracy {record.extra['test_accuracy']:.4f}\n"
                                        f"epochs {record.epochs}\n")


RECIPE = Recipe(
    name="fashion_mnist_classifier",
    description=list_recipes()["fashion_mnist_classifier"],
    build=build, compile=compile_model,
    data=lambda options, batch_size: fashion_data(options, batch_size, targets="labels"),
    defaults=dict(learning_rate=1e-3, filters=(32, 64), units=256, limit=None, jit_compile="auto"),
    epochs=5, batch_size=128, smoke=dict(limit=512), pictures=("classes",), picture_data=fashion_pictures,
    evaluate=evaluate, save=save,
)
RECIPES = (RECIPE,)
train = RECIPE.train

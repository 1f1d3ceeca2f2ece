"""Recipe: the zoo's Fashion-MNIST classifier (DeePSiM comparator, feature
extractor of feature-space FID/KID, judge of class-conditional samples)."""

from pathlib import Path

import keras

from keras_perceptual.datasets import fashion_mnist_dataset
from keras_perceptual.models.classifier import Classifier
from keras_perceptual.networks.classifier import fashion_mnist_classifier

DESCRIPTION = "Fashion-MNIST CNN classifier (>= 92% test accuracy in a few CPU epochs), the zoo's comparator"


def train(output=None, epochs=None, batch_size=128, smoke=False, seed=0, dataset="fashion_mnist",
          verbose=1, learning_rate=1e-3, filters=(32, 64), units=256, jit_compile="auto", **options):
    """Trains `keras_perceptual.networks.fashion_mnist_classifier`.

    Args:
        output: folder; when given, `classifier.weights.h5` (the file a
            `fashion_mnist_comparator(weights=...)` reads) and `metrics.txt`
            are written there.
        epochs: default 5 (1 with `smoke`).
        batch_size: int > 0.
        smoke: a few steps on 512 images.
        seed: seed of the initialisation and the shuffling.
        dataset: only "fashion_mnist".
        learning_rate: Adam's learning rate, divided by 10 for the last epoch.
        filters, units: passed to the network builder.

    Returns:
        The trained `Classifier` (logits out); `model.test_accuracy` holds
        the accuracy on the test split (on 512 test images with `smoke`).
    """
    if dataset != "fashion_mnist":
        raise ValueError(f"`dataset` must be 'fashion_mnist'. Received: dataset={dataset!r}")
    if options:
        raise ValueError(f"Unknown options for the classifier recipe: {sorted(options)}")
    keras.utils.set_random_seed(seed)
    epochs = epochs or (1 if smoke else 5)
    limit = 512 if smoke else None
    train_ds = fashion_mnist_dataset("train", batch_size, labels=True, limit=limit, seed=seed)
    test_ds = fashion_mnist_dataset("test", 500 if not smoke else 128, labels=True, limit=limit,
                                    drop_remainder=False)
    model = Classifier(fashion_mnist_classifier(filters=filters, units=units), name="fashion_mnist_classifier")
    steps = epochs * sum(1 for _ in train_ds)
    schedule = keras.optimizers.schedules.PiecewiseConstantDecay(
        [max(1, steps - steps // max(epochs, 1))], [learning_rate, learning_rate / 10]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
        jit_compile=jit_compile,
    )
    model.fit(train_ds, epochs=epochs, verbose=verbose)
    _, accuracy = model.evaluate(test_ds, verbose=0)
    model.test_accuracy = float(accuracy)
    if output is not None:
        out = Path(output)
        out.mkdir(parents=True, exist_ok=True)
        model.save_weights(out / "classifier.weights.h5")
        (out / "metrics.txt").write_text(f"test_accuracy {accuracy:.4f}\nepochs {epochs}\n")
    return model

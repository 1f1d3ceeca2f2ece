"""Re-saves shipped presets whose config changed with issue 10 (one contract),
keeping their trained weights, metadata, metrics and `samples.png`.

    python benchmarks/resave_presets.py [--weights weights] [--only NAME ...]

- `fashion_mnist_classifier`: a bare `Functional` -> `kp.Classifier(network)`.
- `pixel_autoencoder_fashion_mnist`: a bare `Functional` -> `kp.PixelAutoencoder(encoder, generator)`.
- `deepsim_*_fashion_mnist`: `DeePSiM(mode=...)` -> `DeePSiMAutoencoder` / `DeePSiMVAE` /
  `DeePSiMInverter`; the comparator (and the inverter's encoder) names its weights by
  reference, the preset "fashion_mnist_classifier", instead of an untrained network.

Each old preset is read from its files (config JSON edited, weights loaded into the
same sub-networks), the new model is written with `save_preset` into a temporary
folder, and its config and weights replace the old ones; the card and metadata are
re-rendered from the old metadata (metrics, recipe, command, samples description).
"""

import argparse
import copy
import json
import shutil
import tempfile
import warnings
from pathlib import Path

import keras

import keras_perceptual as kp
from keras_perceptual.hub import CONFIG
from keras_perceptual.hub import METADATA
from keras_perceptual.hub import WEIGHTS
from keras_perceptual.preset_writer import _write_card_and_metadata
from keras_perceptual.preset_writer import save_preset

CLASSIFIER = "fashion_mnist_classifier"
SETUPS = {"autoencoder": "DeePSiMAutoencoder", "vae": "DeePSiMVAE", "inverter": "DeePSiMInverter"}
PRESETS = (CLASSIFIER, "pixel_autoencoder_fashion_mnist", "deepsim_autoencoder_fashion_mnist",
           "deepsim_vae_fashion_mnist", "deepsim_inverter_fashion_mnist")
# Fields save_preset computes for the new model; everything else is kept.
RECOMPUTED = ("files", "format_version", "versions", "input", "parameters", "skipped_networks", "model")


def load_weights(model, path, skipped):
    """Loads an old weights file; refuses one that does not fill the model."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.load_weights(path, objects_to_skip=[getattr(model, n) for n in skipped] or None)
    problems = [str(w.message) for w in caught if "saving" in str(w.filename)]
    if problems:
        raise ValueError(f"{path} does not fill the new model: {problems[0]}")


def deepsim_config(config):
    """`DeePSiM(mode=...)` config -> the config of its set-up's class."""
    config = copy.deepcopy(config)
    inner = config["config"]
    mode = inner.pop("mode")
    if mode != "vae":
        inner.pop("kl_weight")
    for key in ("comparator", "encoder"):
        if inner[key]["class_name"] == "Comparator":
            inner[key]["config"]["weights"] = CLASSIFIER
    name = SETUPS[mode]
    module = "keras_perceptual.models." + {"autoencoder": "deepsim_autoencoder", "vae": "deepsim_vae",
                                           "inverter": "deepsim_inverter"}[mode]
    config.update(class_name=name, registered_name=f"keras_perceptual>{name}", module=module)
    return config


def convert(name, folder):
    """The old preset in `folder` rebuilt as its new class, trained weights loaded."""
    document = json.loads((folder / CONFIG).read_text())
    config, skipped = document["model"], document.get("skipped_networks") or []
    if config["class_name"] == "Functional":
        network = keras.saving.deserialize_keras_object(config)
        network.load_weights(folder / WEIGHTS)
        if name == CLASSIFIER:
            return kp.Classifier(network, name=name), skipped
        return kp.PixelAutoencoder(network.get_layer("encoder"), network.get_layer("generator"), seed=0,
                                   name="pixel_autoencoder"), skipped
    if config["class_name"] == "DeePSiM":
        config = deepsim_config(config)
    model = keras.saving.deserialize_keras_object(config)
    load_weights(model, folder / WEIGHTS, skipped)
    return model, skipped


def resave(name, folder):
    meta = json.loads((folder / METADATA).read_text())
    model, skipped = convert(name, folder)
    kept = {k: v for k, v in meta.items() if k not in RECOMPUTED}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / name
        save_preset(model, out, kept, samples=0, skip_networks=skipped)
        for filename in (CONFIG, WEIGHTS):
            shutil.copy(out / filename, folder / filename)
        new_meta = json.loads((out / METADATA).read_text())
    new_meta.pop("files")
    # The old samples.png stays (same networks, same pictures); the card is
    # re-rendered from the metadata, with it.
    _write_card_and_metadata(folder, new_meta)
    print(f"re-saved {name} as {type(model).__name__}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--weights", default=str(Path(__file__).resolve().parents[1] / "weights"))
    p.add_argument("--only", nargs="*", default=list(PRESETS))
    args = p.parse_args(argv)
    # The classifier first: the DeePSiM comparators load it by name.
    for name in sorted(args.only, key=lambda n: n != CLASSIFIER):
        resave(name, Path(args.weights) / name)


if __name__ == "__main__":
    main()

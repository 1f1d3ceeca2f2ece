"""The preset registry: plain data about every published model of the zoo.

A preset is a folder (`config.json`, `model.weights.h5`, `metadata.json`,
`README.md`, `samples.png`, see `keras_perceptual.hub`). `weights/<name>/`
in this repository is the source of truth; a preset whose folder is not
there is downloaded from its Hub repo at the pinned revision.

Each entry records what the model is and what it expects (timm style):

- `model`: the class name (registered as `keras_perceptual>{model}`).
- `description`, `dataset`, `paper`, `license`, `recipe` (the module of
  `keras_perceptual.recipes` that trains it) and `how_to_train`.
- `input`: the input contract, `shape`, `channels` and `value_range`.
- `hub`: `{"repo_id": ..., "revision": <40-hex commit>}` once published,
  else None.
- `sha256`: `{file: sha256}` pinned at publication ({} until then: the
  hashes are then read from the folder's `metadata.json`, never invented).
- `parameters`: parameter count of the architecture (None when it is
  decided by the recipe and read from `metadata.json`).
- `architecture` (optional): how to build the untrained model without any
  file, `{"networks": <builder in keras_perceptual.networks>,
  "network_args": {...}, "options": {<constructor arguments>}}`.
"""

import copy
import json
import os
from pathlib import Path

import keras

# `weights/` beside the package in a source checkout (absent in a wheel);
# `$KERAS_PERCEPTUAL_WEIGHTS` points elsewhere (e.g. a copy of that folder).
WEIGHTS_DIR = Path(os.environ.get("KERAS_PERCEPTUAL_WEIGHTS") or Path(__file__).resolve().parents[1] / "weights")

LARSEN_2016 = (
    "Larsen, Sønderby, Larochelle, Winther, \"Autoencoding beyond pixels using a "
    "learned similarity metric\", ICML 2016, arXiv:1512.09300"
)

DOSOVITSKIY_2016 = (
    "Dosovitskiy & Brox, \"Generating images with perceptual similarity metrics based on deep "
    "networks\", NIPS 2016, arXiv:1602.02644"
)
MAKHZANI_2016 = "Makhzani, Shlens, Jaitly, Goodfellow, Frey, \"Adversarial autoencoders\", arXiv:1511.05644"
MAKHZANI_2018 = "Makhzani, \"Implicit autoencoders\", arXiv:1805.09804"

# The paper behind each recipe.
PAPERS = {
    "vaegan": LARSEN_2016,
    "vae": LARSEN_2016 + " (its VAE baseline)",
    "deepsim_autoencoder": DOSOVITSKIY_2016,
    "deepsim_vae": DOSOVITSKIY_2016,
    "deepsim_inverter": DOSOVITSKIY_2016,
    "pixel_autoencoder": DOSOVITSKIY_2016 + " (its L2 baseline)",
    "aae": MAKHZANI_2016,
    "aae_clustering": MAKHZANI_2016,
    "iae": MAKHZANI_2018,
}


def _fashion_mnist_preset(model, recipe, description, paper=None):
    """A registry entry of a Fashion-MNIST preset trained by
    `benchmarks/train_presets.py` (its weights live in `weights/<name>/`)."""
    return {
        "model": model,
        "description": description,
        "dataset": "fashion_mnist",
        "input": {"shape": [28, 28, 1], "channels": 1, "value_range": [-1.0, 1.0]},
        "paper": paper or PAPERS.get(recipe),
        "license": "Apache-2.0",
        "recipe": recipe,
        "how_to_train": "python benchmarks/train_presets.py --only <name> --force",
        "hub": None,
        "sha256": {},
        "parameters": None,
    }


PRESETS = {
    "fashion_mnist_classifier": _fashion_mnist_preset(
        "Classifier", "fashion_mnist_classifier",
        "Fashion-MNIST CNN classifier (logits out): DeePSiM comparator and the feature network of "
        "keras_perceptual.metrics."),
    "vaegan_conditional_fashion_mnist": _fashion_mnist_preset(
        "VAEGAN", "vaegan", "Class-conditional VAE/GAN, small28 networks, one-hot class input."),
    "vae_fashion_mnist": _fashion_mnist_preset(
        "VAE", "vae", "Plain VAE with the VAE/GAN's small28 encoder and decoder (the paper's baseline)."),
    "deepsim_autoencoder_fashion_mnist": _fashion_mnist_preset(
        "DeePSiMAutoencoder", "deepsim_autoencoder", "DeePSiM autoencoder, 7x7x2 spatial code, classifier comparator."),
    "pixel_autoencoder_fashion_mnist": _fashion_mnist_preset(
        "PixelAutoencoder", "pixel_autoencoder", "The DeePSiM autoencoder's networks trained with pixel MSE "
        "(DeePSiM's baseline)."),
    "deepsim_vae_fashion_mnist": _fashion_mnist_preset(
        "DeePSiMVAE", "deepsim_vae", "DeePSiM VAE, classifier comparator."),
    "deepsim_inverter_fashion_mnist": _fashion_mnist_preset(
        "DeePSiMInverter", "deepsim_inverter", "DeePSiM inverter of the classifier's features."),
    "aae_fashion_mnist": _fashion_mnist_preset(
        "AdversarialAutoencoder", "aae", "Adversarial autoencoder, 8-D Gaussian prior, GAN regulariser."),
    "aae_clustering_gan_fashion_mnist": _fashion_mnist_preset(
        "AdversarialAutoencoder", "aae_clustering", "AAE clustering, 10 clusters, GAN regulariser."),
    "aae_clustering_mmd_fashion_mnist": _fashion_mnist_preset(
        "AdversarialAutoencoder", "aae_clustering", "AAE clustering, 10 clusters, MMD regulariser."),
    "iae_fashion_mnist": _fashion_mnist_preset(
        "ImplicitAutoencoder", "iae", "Implicit autoencoder, 10-cluster categorical code plus noise."),
    "vaegan_fashion_mnist": {
        "model": "VAEGAN",
        "description": "VAE/GAN with the learned similarity metric, small28 networks, "
        "trained on Fashion-MNIST (28x28 grey images).",
        "dataset": "fashion_mnist",
        "input": {"shape": [28, 28, 1], "channels": 1, "value_range": [-1.0, 1.0]},
        "paper": LARSEN_2016,
        "license": "Apache-2.0",
        "recipe": "vaegan",
        "how_to_train": "keras-perceptual train vaegan --dataset fashion_mnist "
        "--output weights/vaegan_fashion_mnist",
        "hub": None,
        "sha256": {},
        "parameters": None,
    },
    "celeba64": {
        "model": "VAEGAN",
        "description": "VAE/GAN of Larsen et al.: their 64x64 encoder, decoder and "
        "discriminator and their CelebA recipe (RMSProp, gamma 1e-6, equilibrium rule).",
        "dataset": "celeba",
        "input": {"shape": [64, 64, 3], "channels": 3, "value_range": [-1.0, 1.0]},
        "paper": LARSEN_2016,
        "license": "Apache-2.0",
        "recipe": "vaegan",
        "how_to_train": "on a machine with CelebA (tensorflow_datasets 'celeb_a'), run "
        "`python examples/vaegan_celeba.py` (or `keras-perceptual train vaegan --dataset "
        "celeba --output weights/celeba64`; about 62.5k steps of batch 64), save the model "
        "with `model.save_pretrained('weights/celeba64')`, publish it with "
        "`model.push_to_hub('ORG/NAME')` or `keras-perceptual push weights/celeba64 --repo "
        "ORG/NAME` and pin its repo and revision in keras_perceptual/presets.py",
        "hub": None,
        "sha256": {},
        "parameters": 33_757_220,
        "architecture": {
            "networks": "vaegan_networks",
            "network_args": {"family": "larsen64", "channels": 3},
            "options": {
                "gamma": 1e-6,
                "kl_weight": 1.0,
                "reconstructions_as_fakes": True,
                "decoder_gan_loss": "minimax",
                "equilibrium": True,
                "equilibrium_center": 0.68,
                "equilibrium_margin": 0.35,
            },
        },
    },
}


KERAS_MODELS = ("Functional", "Sequential")


def preset_folder(name):
    """`weights/<name>/` when it holds a preset (its `config.json`), else None."""
    folder = Path(WEIGHTS_DIR) / name
    return folder if (folder / "config.json").is_file() else None


def weights_status(name):
    """Where the weights of preset `name` come from: "local" (the repo's
    `weights/<name>/`), "hub" (its pinned Hub repo) or "none" (not published)."""
    if preset_folder(name) is not None:
        return "local"
    if PRESETS[name].get("hub"):
        return "hub"
    return "none"


def model_class(entry_or_name):
    """The registered class of a preset entry's `model`."""
    name = entry_or_name["model"] if isinstance(entry_or_name, dict) else entry_or_name
    if name in KERAS_MODELS:
        return keras.Model  # a plain Keras model (the classifier, the L2 autoencoder)
    cls = keras.saving.get_registered_object(f"keras_perceptual>{name}")
    if cls is None:
        # Importing the package registers every model class.
        import keras_perceptual  # noqa: F401

        cls = keras.saving.get_registered_object(f"keras_perceptual>{name}")
    return cls


def _describe(name):
    entry = copy.deepcopy(PRESETS[name])
    entry["name"] = name
    entry["weights"] = weights_status(name)
    entry["weights_available"] = entry["weights"] != "none"
    folder = preset_folder(name)
    entry["folder"] = str(folder) if folder else None
    if folder is not None and entry.get("parameters") is None:
        try:
            meta = json.loads((folder / "metadata.json").read_text())
            entry["parameters"] = meta.get("parameters")
        except (OSError, ValueError):
            pass
    return entry


def list_presets(model=None):
    """The registered presets, `{name: description dict}`.

    Each description is a copy of the registry entry plus `name`, `weights`
    ("local", "hub" or "none"), `weights_available` and `folder`.

    Args:
        model: None (every preset), a model class (its presets and those of
            its subclasses) or a class name such as "VAEGAN".

    Example:
    >>> kp.list_presets("VAEGAN")["celeba64"]["input"]
    {'shape': [64, 64, 3], 'channels': 3, 'value_range': [-1.0, 1.0]}
    """
    if model is None:
        return {name: _describe(name) for name in PRESETS}
    if isinstance(model, str):
        cls = model_class(model)
        if cls is None:
            known = sorted({e["model"] for e in PRESETS.values()})
            raise ValueError(
                f"`model` must be a keras_perceptual model class or its name, e.g. one of "
                f"{known}. Received: model={model!r}"
            )
    elif isinstance(model, type):
        cls = model
    else:
        raise ValueError(
            f"`model` must be None, a model class or a class name. Received: model={model!r}"
        )
    out = {}
    for name, entry in PRESETS.items():
        entry_cls = model_class(entry)
        if entry_cls is not None and issubclass(entry_cls, cls):
            out[name] = _describe(name)
    return out


def short_names(name, entry):
    """The names a class's `from_pretrained` also accepts for a preset: the
    global name without its model-class prefix ("vaegan_fashion_mnist" ->
    "fashion_mnist")."""
    prefix = entry["model"].lower() + "_"
    return [name[len(prefix):]] if name.startswith(prefix) and len(name) > len(prefix) else []


def find_preset(name, cls=None):
    """The registered preset `name` for class `cls` (None: any class):
    its exact global name, or a short name that is unambiguous. Returns
    `(global_name, entry)` or None when nothing matches."""
    candidates = list_presets(cls) if cls is not None else {n: None for n in PRESETS}
    if name in candidates:
        return name, PRESETS[name]
    matches = [n for n in candidates if name in short_names(n, PRESETS[n])]
    if len(matches) > 1:
        raise ValueError(
            f"Preset name {name!r} is ambiguous: it may mean any of {sorted(matches)}. "
            "Pass the full preset name."
        )
    if matches:
        return matches[0], PRESETS[matches[0]]
    return None


def build_architecture(name):
    """The untrained model of preset `name` from its `architecture` entry."""
    entry = PRESETS[name]
    arch = entry.get("architecture")
    if not arch:
        return None
    from keras_perceptual import networks

    builder = getattr(networks, arch["networks"])
    nets = builder(**arch["network_args"])
    return model_class(entry)(**nets, **arch.get("options", {}), name=name)

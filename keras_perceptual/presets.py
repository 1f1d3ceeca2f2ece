"""The preset registry: one typed `PresetSpec` per published model.

Specs live beside the model family that owns them
(`keras_perceptual/models/<family>_presets.py`, plain data built from
`keras_perceptual.preset_config`) and are registered here with
`register_presets`, as keras-hub registers a family's presets. The registry
imports no model, no Keras and no framework: listing and looking up presets
is instant (`keras-perceptual list`). Everything that needs to know the
presets reads it: `from_pretrained`, `list_presets`, the model cards' tags,
`benchmarks/train_presets.py` and `benchmarks/quality.py`. How a preset is
trained (recipe, options, budget) is its training plan
(`keras_perceptual.training.plans`); the quality tables' baselines are in
`benchmarks/quality.py`.

A model class is named, never imported: `MODEL_CLASSES` holds each class's
ancestry as names (tests/test_presets.py checks it against the real
classes), so `list_presets(model=cls)` filters by subclass without an
import.

A bundled preset's folder ships inside the package (`keras_perceptual/
weights/<name>/` in a wheel; `weights/<name>/` of a source checkout, the
source of truth). A preset that is not bundled is downloaded from its Hub
repo. Either way its `metadata.json` must match the spec's
`metadata_sha256` pin, and `metadata.json` pins every other file.
`python -m keras_perceptual.pin_presets` recomputes the pins.
"""

import dataclasses
import difflib
import os
from pathlib import Path

import keras_perceptual.models.adversarial_autoencoder_presets as adversarial_autoencoder_presets
import keras_perceptual.models.classifier_presets as classifier_presets
import keras_perceptual.models.deepsim_presets as deepsim_presets
import keras_perceptual.models.implicit_autoencoder_presets as implicit_autoencoder_presets
import keras_perceptual.models.vaegan_presets as vaegan_presets
from keras_perceptual.preset_config import FASHION_MNIST_INPUT  # noqa: F401 (the config, for callers)
from keras_perceptual.preset_config import HUB_ORG  # noqa: F401
from keras_perceptual.preset_config import KERAS_MODELS  # noqa: F401
from keras_perceptual.preset_config import PRESET_NAME  # noqa: F401
from keras_perceptual.preset_config import TRAIN_COMMAND  # noqa: F401
from keras_perceptual.preset_config import InputContract  # noqa: F401
from keras_perceptual.preset_config import PresetSpec
from keras_perceptual.preset_config import fashion_mnist_spec  # noqa: F401
from keras_perceptual.preset_format import METADATA
from keras_perceptual.preset_format import read_json


def _weights_dir():
    """`$KERAS_PERCEPTUAL_WEIGHTS`, else the folder bundled in the installed
    package, else `weights/` of the source checkout."""
    if os.environ.get("KERAS_PERCEPTUAL_WEIGHTS"):
        return Path(os.environ["KERAS_PERCEPTUAL_WEIGHTS"])
    here = Path(__file__).resolve().parent
    bundled = here / "weights"
    return bundled if bundled.is_dir() else here.parent / "weights"


WEIGHTS_DIR = _weights_dir()

# Each model class a preset may name -> its ancestry, as class names (the
# class itself first; "Model" is `keras.Model`).
MODEL_CLASSES = {
    "AdversarialModel": ("AdversarialModel", "Model"),
    "ImageAutoencoder": ("ImageAutoencoder", "AdversarialModel", "Model"),
    "GaussianAutoencoder": ("GaussianAutoencoder", "ImageAutoencoder", "AdversarialModel", "Model"),
    "PriorAutoencoder": ("PriorAutoencoder", "ImageAutoencoder", "AdversarialModel", "Model"),
    "VAE": ("VAE", "GaussianAutoencoder", "ImageAutoencoder", "AdversarialModel", "Model"),
    "VAEGAN": ("VAEGAN", "GaussianAutoencoder", "ImageAutoencoder", "AdversarialModel", "Model"),
    "PixelAutoencoder": ("PixelAutoencoder", "ImageAutoencoder", "AdversarialModel", "Model"),
    "DeePSiM": ("DeePSiM", "ImageAutoencoder", "AdversarialModel", "Model"),
    "DeePSiMAutoencoder": ("DeePSiMAutoencoder", "DeePSiM", "ImageAutoencoder", "AdversarialModel", "Model"),
    "DeePSiMInverter": ("DeePSiMInverter", "DeePSiM", "ImageAutoencoder", "AdversarialModel", "Model"),
    "DeePSiMVAE": ("DeePSiMVAE", "DeePSiM", "ImageAutoencoder", "AdversarialModel", "Model"),
    "AdversarialAutoencoder": ("AdversarialAutoencoder", "PriorAutoencoder", "ImageAutoencoder",
                               "AdversarialModel", "Model"),
    "ImplicitAutoencoder": ("ImplicitAutoencoder", "PriorAutoencoder", "ImageAutoencoder", "AdversarialModel",
                            "Model"),
    "Classifier": ("Classifier", "Model"),
    "Functional": ("Functional", "Model"),
    "Sequential": ("Sequential", "Model"),
}

# What a preset can be used for (`keras-perceptual list --task`), read
# from its tags.
TASK_TAGS = {
    "generation": "image-generation",
    "reconstruction": "autoencoder",
    "clustering": "clustering",
    "classification": "image-classification",
}
TASKS = tuple(TASK_TAGS)

# name -> PresetSpec, in registration order.
PRESETS = {}


# name -> the file of the family module that registered it (its `PINS`).
SPEC_FILES = {}

# name -> the family that registered it ("vaegan", "deepsim", ...).
FAMILIES = {}


def family_name(family):
    """"vaegan" for `keras_perceptual.models.vaegan_presets`."""
    return family.__name__.rpartition(".")[2].removesuffix("_presets")


def register_presets(family):
    """Registers a model family's presets: `family` is its presets module,
    holding `PRESETS` (a list of `PresetSpec`s) and `PINS` (`{name: sha256
    of metadata.json}`, applied to the specs). A name registered twice with
    a different spec is an error."""
    pins = dict(getattr(family, "PINS", {}))
    unknown = set(pins) - {s.name for s in family.PRESETS}
    if unknown:
        raise ValueError(f"{family.__name__}.PINS names presets it does not define: {sorted(unknown)}")
    for spec in family.PRESETS:
        if not isinstance(spec, PresetSpec):
            raise ValueError(f"{family.__name__}.PRESETS must hold PresetSpecs. Received: {spec!r}")
        if spec.model not in MODEL_CLASSES:
            raise ValueError(f"Expected the `model` of preset {spec.name!r} to be one of {sorted(MODEL_CLASSES)}, "
                             f"received model={spec.model!r}. Add a new class to presets.MODEL_CLASSES.")
        if spec.name in pins:
            spec = dataclasses.replace(spec, metadata_sha256=pins[spec.name])
        if PRESETS.get(spec.name, spec) != spec:
            raise ValueError(f"Preset {spec.name!r} is registered twice with different specs.")
        PRESETS[spec.name] = spec
        SPEC_FILES[spec.name] = getattr(family, "__file__", None)
        FAMILIES[spec.name] = family_name(family)


# Each family registers its presets (as keras-hub does for a family).
for _family in (vaegan_presets, classifier_presets, deepsim_presets, adversarial_autoencoder_presets,
                implicit_autoencoder_presets):
    register_presets(_family)


def all_specs():
    """Every registered `PresetSpec`, in registration order."""
    return list(PRESETS.values())


def get_spec(name):
    """The `PresetSpec` of preset `name`; a ValueError with the closest
    names otherwise."""
    if name not in PRESETS:
        raise ValueError(f"Unknown preset {name!r}.{did_you_mean(name)} Known presets: {sorted(PRESETS)}")
    return PRESETS[name]


def did_you_mean(name, candidates=None):
    """" Did you mean 'x'?" for the registered names closest to `name`, or ""."""
    names = list(candidates if candidates is not None else PRESETS)
    for known in list(names):
        names += short_names(PRESETS[known]) if known in PRESETS else []
    close = difflib.get_close_matches(str(name), sorted(set(names)), n=3, cutoff=0.6)
    return f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def tags_for(name, model):
    """Model-card tags of preset `name`; for an unregistered one, those of
    the registered presets of the same model class."""
    if name in PRESETS:
        return list(PRESETS[name].tags)
    for spec in PRESETS.values():
        if spec.model == model:
            return list(spec.tags)
    return []


def tasks_of(spec):
    """What preset `spec` can be used for, among `TASKS` (from its tags)."""
    return [task for task, tag in TASK_TAGS.items() if tag in spec.tags]


def preset_folder(name):
    """The bundled folder of preset `name` (its `config.json` present), else None."""
    folder = Path(WEIGHTS_DIR) / name
    return folder if (folder / "config.json").is_file() else None


def weights_status(name):
    """Where the weights of preset `name` come from: "local" (bundled),
    "hub" (its Hub repo) or "none" (not published)."""
    if preset_folder(name) is not None:
        return "local"
    return "hub" if get_spec(name).hub_repo else "none"


def _describe(spec):
    entry = spec.to_dict()
    entry["family"] = FAMILIES.get(spec.name)
    entry["tasks"] = tasks_of(spec)
    entry["weights"] = weights_status(spec.name)
    entry["weights_available"] = entry["weights"] != "none"
    folder = preset_folder(spec.name)
    entry["folder"] = str(folder) if folder else None
    if folder is not None and entry.get("parameters") is None:
        try:
            entry["parameters"] = read_json(folder / METADATA, METADATA).get("parameters")
        except (OSError, ValueError):
            pass
    return entry


def _class_name(model):
    """The class name `list_presets(model=...)` filters on: a class of the
    zoo or Keras (or its name); a ValueError otherwise."""
    known = sorted(MODEL_CLASSES)
    if isinstance(model, str):
        if model in MODEL_CLASSES or model == "Model":
            return model
        raise ValueError(f"`model` must be a keras_perceptual model class or its name, e.g. one of "
                         f"{known}. Received: model={model!r}")
    if isinstance(model, type):
        module = getattr(model, "__module__", "") or ""
        if module.split(".")[0] in ("keras_perceptual", "keras") and (
                model.__name__ in MODEL_CLASSES or model.__name__ == "Model"):
            return model.__name__
        # A class of the user's: the presets of the zoo classes it derives from.
        return None
    raise ValueError(f"`model` must be None, a model class or a class name. Received: model={model!r}")


def list_presets(model=None):
    """The registered presets, `{name: description dict}`.

    Each description is `PresetSpec.to_dict()` plus `family`, `tasks`,
    `weights` ("local", "hub" or "none"), `weights_available` and `folder`.
    Nothing is imported: classes are compared by name.

    Args:
        model: None (every preset), a model class (its presets and those of
            its subclasses) or a class name such as "VAEGAN".

    Example:
    >>> kp.list_presets("VAEGAN")["celeba64"]["input"]
    {'shape': [64, 64, 3], 'channels': 3, 'value_range': [-1.0, 1.0]}
    """
    specs = all_specs()
    if model is None:
        return {s.name: _describe(s) for s in specs}
    name = _class_name(model)
    if name is None:
        return {}
    return {s.name: _describe(s) for s in specs if name in MODEL_CLASSES[s.model]}


def short_names(spec):
    """The names a class's `from_pretrained` also accepts for a preset: the
    global name without its model-class prefix ("vaegan_fashion_mnist" ->
    "fashion_mnist")."""
    prefix = spec.model.lower() + "_"
    name = spec.name
    return [name[len(prefix):]] if name.startswith(prefix) and len(name) > len(prefix) else []


def find_preset(name, cls=None):
    """The registered `PresetSpec` called `name` for class `cls` (None: any
    class): its exact global name, or a short name that is unambiguous.
    None when nothing matches."""
    candidates = list_presets(cls) if cls is not None else {s.name: None for s in all_specs()}
    if name in candidates:
        return PRESETS[name]
    matches = [n for n in candidates if name in short_names(PRESETS[n])]
    if len(matches) > 1:
        raise ValueError(
            f"Preset name {name!r} is ambiguous: it may mean any of {sorted(matches)}. Pass the full preset name."
        )
    return PRESETS[matches[0]] if matches else None

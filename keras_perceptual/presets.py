"""The preset registry: one typed `PresetSpec` per published model.

Specs live beside the model family that owns them
(`keras_perceptual/models/<family>_presets.py`) and are registered by
`keras_perceptual/models/__init__.py` with `register_presets`, as keras-hub
registers a family's presets in its `__init__`. Everything that needs to
know the presets reads this registry: `from_pretrained`, `list_presets`,
the model cards' tags, `benchmarks/train_presets.py` (recipe, options,
budget, networks left out) and `benchmarks/quality.py` (baselines).

A bundled preset's folder ships inside the package (`keras_perceptual/
weights/<name>/` in a wheel; `weights/<name>/` of a source checkout, the
source of truth). A preset that is not bundled is downloaded from its Hub
repo. Either way its `metadata.json` must match the spec's
`metadata_sha256` pin, and `metadata.json` pins every other file.
`python -m keras_perceptual.pin_presets` recomputes the pins.
"""

import copy
import dataclasses
import difflib
import importlib
import os
import re
from pathlib import Path
from typing import Mapping
from typing import Optional

import keras

from keras_perceptual.preset_format import METADATA
from keras_perceptual.preset_format import check_repo_id
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
KERAS_MODELS = ("Functional", "Sequential")
# The Hub organisation the presets are published under.
HUB_ORG = "keras-perceptual"
# The command that (re)trains a Fashion-MNIST preset.
TRAIN_COMMAND = "python benchmarks/train_presets.py --only {} --force"
QUALITY_TABLES = ("generation", "reconstruction", "clustering")
# A registered preset's name: also the name of its bundled folder.
PRESET_NAME = re.compile(r"[a-z0-9][a-z0-9_]{0,99}")


@dataclasses.dataclass(frozen=True)
class InputContract:
    """What a preset's model expects (timm's `input_size`, `mean`/`std`)."""

    shape: tuple
    value_range: tuple = (-1.0, 1.0)
    # A conditional model's condition size: `generate`/`reconstruct` take
    # `conditions` of shape (n, condition_dim). None: unconditional.
    condition_dim: Optional[int] = None

    @property
    def channels(self):
        return self.shape[-1]

    def to_dict(self):
        out = {"shape": list(self.shape), "channels": self.channels, "value_range": list(self.value_range)}
        if self.condition_dim:
            out["condition_dim"] = self.condition_dim
        return out


@dataclasses.dataclass(frozen=True)
class PresetSpec:
    """Everything about one preset, as plain data (like timm's `PretrainedCfg`).

    Args:
        name: the global preset name.
        model: the model class name (registered as `keras_perceptual>{model}`),
            or "Functional" for a plain Keras model.
        description: one line for listings and the model card.
        paper: the paper the model reproduces.
        dataset: the training data.
        input: the `InputContract`.
        license: of the weights.
        recipe: the module of `keras_perceptual.recipes` that trains it.
        recipe_options: keyword arguments of that recipe (epochs included).
        budget: the training budget in words (steps, epochs, batch).
        needs_comparator: the recipe takes the classifier preset's weights.
        skip_networks: sub-networks left out of the weights file.
        hub_repo: the Hub repo id it is published under (fetched from there
            when it is not bundled).
        hub_revision: the pinned Hub commit (None: the repo's main branch;
            the `metadata_sha256` pin still vouches for the files).
        metadata_sha256: sha256 of the preset's `metadata.json`.
        tags: model-card tags.
        baselines: `{quality table: baseline preset}` of
            `benchmarks/quality.py` (tables "generation", "reconstruction",
            "clustering"; None: the row is itself the baseline, or for
            clustering compared with k-means).
        parameters: parameter count when it is fixed by the architecture.
        architecture: how to build the untrained model without any file,
            `{"networks": <builder in keras_perceptual.networks>,
            "network_args": {...}, "options": {<constructor arguments>}}`.
        how_to_train: a command or instructions that produce the weights.
        seed: the seed of its training run (initialisation, data order,
            the model's random draws).
        stop_when_converged: the budget (`recipe_options["epochs"]`) is a
            cap: training stops once the recipe's validation curve has
            converged (`keras_perceptual.training.has_converged`).
        validate_every: steps between validation measurements (None: the
            recipe's default).
        same_budget_as: a baseline trained for exactly the steps the named
            preset's recorded training took (the same budget as what it
            is compared with), read from that preset's metadata.
    """

    name: str
    model: str
    description: str
    paper: str
    dataset: str
    input: InputContract
    license: str = "Apache-2.0"
    recipe: Optional[str] = None
    recipe_options: Mapping = dataclasses.field(default_factory=dict)
    budget: Optional[str] = None
    needs_comparator: bool = False
    skip_networks: tuple = ()
    hub_repo: Optional[str] = None
    hub_revision: Optional[str] = None
    metadata_sha256: Optional[str] = None
    tags: tuple = ()
    baselines: Mapping = dataclasses.field(default_factory=dict)
    parameters: Optional[int] = None
    architecture: Optional[Mapping] = None
    how_to_train: Optional[str] = None
    seed: int = 0
    stop_when_converged: bool = False
    validate_every: Optional[int] = None
    same_budget_as: Optional[str] = None

    def __post_init__(self):
        if not isinstance(self.input, InputContract):
            raise ValueError(f"`input` must be an InputContract. Received: input={self.input!r}")
        if not isinstance(self.name, str) or not PRESET_NAME.fullmatch(self.name):
            raise ValueError(f"Expected `name` to be a preset name of lowercase letters, digits and '_' (a "
                             f"folder name, never a path), received name={self.name!r}.")
        if self.hub_repo is not None:
            check_repo_id(self.hub_repo, "hub_repo")
        for key, value in (("hub_revision", self.hub_revision), ("metadata_sha256", self.metadata_sha256)):
            size = 40 if key == "hub_revision" else 64
            if value is not None and (len(value) != size or any(c not in "0123456789abcdef" for c in value)):
                raise ValueError(f"`{key}` must be {size} lowercase hex digits. Received: {key}={value!r}")
        unknown = set(self.baselines) - set(QUALITY_TABLES)
        if unknown:
            raise ValueError(f"`baselines` keys must be among {QUALITY_TABLES}. Received: {sorted(unknown)}")

    @property
    def recipe_module(self):
        return f"keras_perceptual.recipes.{self.recipe}" if self.recipe else None

    def to_dict(self):
        """A JSON-able copy (what `list_presets` describes)."""
        out = {f.name: copy.deepcopy(getattr(self, f.name)) for f in dataclasses.fields(self)}
        out["input"] = self.input.to_dict()
        out["skip_networks"] = list(self.skip_networks)
        out["tags"] = list(self.tags)
        out["recipe_options"] = dict(self.recipe_options)
        out["baselines"] = dict(self.baselines)
        out["hub"] = {"repo_id": self.hub_repo, "revision": self.hub_revision} if self.hub_repo else None
        return out


FASHION_MNIST_INPUT = InputContract((28, 28, 1))

def fashion_mnist_spec(name, **fields):
    """A `PresetSpec` of a Fashion-MNIST preset trained by
    `benchmarks/train_presets.py`: dataset, input contract, Hub repo and
    training command filled in."""
    fields = {**dict(dataset="fashion_mnist", input=FASHION_MNIST_INPUT, hub_repo=f"{HUB_ORG}/{name}",
                     how_to_train=TRAIN_COMMAND.format(name)), **fields}
    return PresetSpec(name=name, **fields)


def converged_budget(metric, every, cap_epochs, batch_size):
    """The `budget` text of a Fashion-MNIST preset trained with
    `stop_when_converged` (the best point restored), e.g.
    `converged_budget("sample FID", "every epoch, 550 steps", 30, 100)`."""
    return (f"until the validation {metric} ({every}) improves by less than 2% over the last fifth of the run, "
            f"best point restored; cap {cap_epochs} epochs of the 55k training images, batch {batch_size}")


# name -> PresetSpec, in registration order.
PRESETS = {}


# name -> the file of the family module that registered it (its `PINS`).
SPEC_FILES = {}


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
        if spec.name in pins:
            spec = dataclasses.replace(spec, metadata_sha256=pins[spec.name])
        if PRESETS.get(spec.name, spec) != spec:
            raise ValueError(f"Preset {spec.name!r} is registered twice with different specs.")
        PRESETS[spec.name] = spec
        SPEC_FILES[spec.name] = getattr(family, "__file__", None)


def all_specs():
    """Every registered `PresetSpec`, in registration order."""
    if not PRESETS:
        importlib.import_module("keras_perceptual.models")  # registers the families' presets
    return list(PRESETS.values())


def get_spec(name):
    """The `PresetSpec` of preset `name`; a ValueError with the closest
    names otherwise."""
    all_specs()
    if name not in PRESETS:
        raise ValueError(f"Unknown preset {name!r}.{did_you_mean(name)} Known presets: {sorted(PRESETS)}")
    return PRESETS[name]


def did_you_mean(name, candidates=None):
    """" Did you mean 'x'?" for the registered names closest to `name`, or ""."""
    all_specs()
    names = list(candidates if candidates is not None else PRESETS)
    for known in list(names):
        names += short_names(PRESETS[known]) if known in PRESETS else []
    close = difflib.get_close_matches(str(name), sorted(set(names)), n=3, cutoff=0.6)
    return f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def quality_rows(table):
    """`[(preset, baseline)]` of a `benchmarks/quality.py` table: the
    baselines' own rows first, then registration order."""
    if table not in QUALITY_TABLES:
        raise ValueError(f"`table` must be one of {QUALITY_TABLES}. Received: table={table!r}")
    rows = [(s.name, s.baselines[table]) for s in all_specs() if table in s.baselines]
    return [r for r in rows if r[1] is None] + [r for r in rows if r[1] is not None]


def tags_for(name, model):
    """Model-card tags of preset `name`; for an unregistered one, those of
    the registered presets of the same model class."""
    all_specs()
    if name in PRESETS:
        return list(PRESETS[name].tags)
    for spec in PRESETS.values():
        if spec.model == model:
            return list(spec.tags)
    return []


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


def model_class(spec_or_name):
    """The registered class of a spec's `model` (or of a class name)."""
    name = spec_or_name.model if isinstance(spec_or_name, PresetSpec) else spec_or_name
    if name in KERAS_MODELS:
        return keras.Model  # a plain Keras model (the classifier, the L2 autoencoder)
    cls = keras.saving.get_registered_object(f"keras_perceptual>{name}")
    if cls is None:
        importlib.import_module("keras_perceptual.models")  # registers every model class
        cls = keras.saving.get_registered_object(f"keras_perceptual>{name}")
    return cls


def _describe(spec):
    entry = spec.to_dict()
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


def list_presets(model=None):
    """The registered presets, `{name: description dict}`.

    Each description is `PresetSpec.to_dict()` plus `weights` ("local",
    "hub" or "none"), `weights_available` and `folder`.

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
    if isinstance(model, str):
        cls = model_class(model)
        if cls is None:
            known = sorted({s.model for s in specs})
            raise ValueError(
                f"`model` must be a keras_perceptual model class or its name, e.g. one of "
                f"{known}. Received: model={model!r}"
            )
    elif isinstance(model, type):
        cls = model
    else:
        raise ValueError(f"`model` must be None, a model class or a class name. Received: model={model!r}")
    out = {}
    for spec in specs:
        spec_cls = model_class(spec)
        if spec_cls is not None and issubclass(spec_cls, cls):
            out[spec.name] = _describe(spec)
    return out


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


def build_architecture(name):
    """The untrained model of preset `name` from its `architecture`, or None."""
    spec = get_spec(name)
    if not spec.architecture:
        return None
    from keras_perceptual import networks

    arch = spec.architecture
    nets = getattr(networks, arch["networks"])(**arch["network_args"])
    return model_class(spec)(**nets, **arch.get("options", {}), name=name)

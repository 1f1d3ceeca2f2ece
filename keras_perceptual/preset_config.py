"""The load-time preset config: plain data, imported by everything above it.

`PresetSpec` (like timm's `PretrainedCfg`) and `InputContract` describe a
published model without importing it: no model, no Keras, no framework is
imported here, so the registry (`keras_perceptual.presets`) and
`keras-perceptual list` read every preset instantly. The families' spec
modules (`keras_perceptual/models/<family>_presets.py`) build their specs
from this module.
"""

import copy
import dataclasses
import re
from typing import Mapping
from typing import Optional

from keras_perceptual.preset_format import check_repo_id

KERAS_MODELS = ("Functional", "Sequential")
# The Hub organisation the presets are published under.
HUB_ORG = "keras-perceptual"
# The command that (re)trains a Fashion-MNIST preset.
TRAIN_COMMAND = "python benchmarks/train_presets.py --only {} --force"
# The preset whose features every FID/KID, reconstruction FID and classifier
# score is measured in (`keras_perceptual.metrics`' default feature model).
EVALUATOR_PRESET = "fashion_mnist_evaluator"
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
    """What one preset is, as plain data (like timm's `PretrainedCfg`):
    how it is trained is its `keras_perceptual.training.plans.TrainingPlan`.

    Args:
        name: the global preset name.
        model: the model class name (registered as `keras_perceptual>{model}`),
            or "Functional" for a plain Keras model.
        description: one line for listings and the model card.
        paper: the paper the model reproduces.
        dataset: the training data.
        input: the `InputContract`.
        license: of the weights.
        hub_repo: the Hub repo id it is published under (fetched from there
            when it is not bundled).
        hub_revision: the pinned Hub commit (None: the repo's main branch;
            the `metadata_sha256` pin still vouches for the files).
        metadata_sha256: sha256 of the preset's `metadata.json`.
        tags: model-card tags.
        parameters: parameter count when it is fixed by the architecture.
        architecture: how to build the untrained model without any file,
            `{"networks": <builder in keras_perceptual.networks>,
            "network_args": {...}, "options": {<constructor arguments>}}`.
        how_to_train: a command or instructions that produce the weights.
    """

    name: str
    model: str
    description: str
    paper: str
    dataset: str
    input: InputContract
    license: str = "Apache-2.0"
    hub_repo: Optional[str] = None
    hub_revision: Optional[str] = None
    metadata_sha256: Optional[str] = None
    tags: tuple = ()
    parameters: Optional[int] = None
    architecture: Optional[Mapping] = None
    how_to_train: Optional[str] = None

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

    def to_dict(self):
        """A JSON-able copy (what `list_presets` describes)."""
        out = {f.name: copy.deepcopy(getattr(self, f.name)) for f in dataclasses.fields(self)}
        out["input"] = self.input.to_dict()
        out["tags"] = list(self.tags)
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

"""`PretrainedMixin`: `from_pretrained`, `save_pretrained`, `push_to_hub` and
`presets` for every model class of the zoo.

It sits on top of the preset code: `preset_format` (file names, hashing,
verification) at the bottom, `presets` (the registry), then
`preset_reader` and `preset_writer`, none of which imports this module.
`huggingface_hub.ModelHubMixin` is not used as a base: its constructor
capture and `config.json` would compete with Keras's own `get_config`
serialization, and it verifies nothing; its `ModelCardData` renders the
card header and `HfApi` publishes.
"""

import tempfile
from pathlib import Path

import keras_perceptual.preset_reader as preset_reader
import keras_perceptual.preset_writer as preset_writer
import keras_perceptual.presets as presets
from keras_perceptual.preset_format import CARD  # noqa: F401 (the format, for callers of this module)
from keras_perceptual.preset_format import CONFIG  # noqa: F401
from keras_perceptual.preset_format import FORMAT_VERSION  # noqa: F401
from keras_perceptual.preset_format import METADATA  # noqa: F401
from keras_perceptual.preset_format import PRESET_FILES  # noqa: F401
from keras_perceptual.preset_format import SAMPLES  # noqa: F401
from keras_perceptual.preset_format import WEIGHTS  # noqa: F401
from keras_perceptual.preset_format import PresetError  # noqa: F401
from keras_perceptual.preset_format import check_repo_id
from keras_perceptual.preset_format import sha256_file  # noqa: F401
from keras_perceptual.preset_format import verify_folder  # noqa: F401
from keras_perceptual.preset_reader import from_pretrained  # noqa: F401


class _Presets:
    """`Model.presets`: the registered presets of that class and its subclasses."""

    def __get__(self, instance, owner):
        return presets.list_presets(owner)


class PretrainedMixin:
    """`from_pretrained`, `save_pretrained`, `push_to_hub` and `presets`
    for every model class of the zoo."""

    presets = _Presets()

    @classmethod
    def from_pretrained(cls, name_or_path, *, revision=None, cache_dir=None, local_files_only=False,
                        token=None, load_weights=True, endpoint=None, dtype=None, force_download=False):
        """Loads a pretrained model.

        `name_or_path` is resolved in this order: a local preset folder; a
        registered preset name (the global name such as
        "vaegan_fashion_mnist", or for this class the name without its
        prefix, "fashion_mnist"), read from the folder bundled with the
        package when present, else downloaded from its Hub repo;
        `"hf://org/repo[@revision]"`. Every file is checked against its
        sha256 before it is read, and a registered preset's
        `metadata.json` against the registry's pin. A model loaded this
        way remembers its provenance (`model.preset_metadata`), which
        `save_pretrained` keeps.

        Args:
            name_or_path: preset name, folder, or "hf://org/repo[@revision]".
            revision: Hub branch, tag or commit (default: the pinned one).
            cache_dir: download cache (default: huggingface_hub's).
            local_files_only: never touch the network; use the cache.
            token: Hub token for private repos.
            load_weights: False builds the architecture only.
            endpoint: Hub endpoint (default: huggingface_hub's `HF_ENDPOINT`).
            dtype: dtype policy of every layer, e.g. "bfloat16" or
                "mixed_bfloat16" (default: the global policy when it is
                not "float32", else the preset's own).
            force_download: download again even when the files are cached.

        Example:
        >>> model = kp.VAEGAN.from_pretrained("fashion_mnist")
        >>> model = kp.VAEGAN.from_pretrained("celeba64", load_weights=False)
        """
        return preset_reader.resolve(
            name_or_path, cls, revision=revision, cache_dir=cache_dir, local_files_only=local_files_only,
            token=token, endpoint=endpoint, load_weights=load_weights, dtype=dtype, force_download=force_download,
        )

    def save_pretrained(self, folder, *, metadata=None, samples=16, skip_networks=None, overwrite=False):
        """Writes the model as a preset folder (`config.json`,
        `model.weights.h5`, `metadata.json`, `README.md`, `samples.png`).

        A model loaded with `from_pretrained` keeps its provenance: the
        dataset, recipe, training record, hardware and (weights unchanged)
        metrics of its preset, which is named as `parent`. Weights holding
        NaN or Inf are refused.

        Args:
            folder: where to write: a new or empty folder, or a preset
                folder written by `save_pretrained` (with `overwrite=True`,
                or the folder this model was loaded from). A folder holding
                any other file is refused: nothing of yours is replaced.
            metadata: dict merged into `metadata.json` and the model card:
                e.g. `name`, `description`, `dataset`, `recipe`, `command`,
                `steps`, `wall_time_s`, `metrics` ({name: value}),
                `hardware`, `limitations`, `input` (the input contract).
            samples: number of `generate` samples in `samples.png` (0: none).
            skip_networks: names of sub-networks left out of the weights
                file, e.g. `["discriminator"]`: an inference preset a
                fraction of the size. They are listed in `config.json` and
                `metadata.json`; `from_pretrained` gives them their fresh
                initialisation (`model.skipped_networks` names them), so
                further adversarial training restarts those players.
            overwrite: True replaces the preset already in `folder`. Files
                are written atomically (a temporary file, then renamed).

        Returns the folder as a `Path`.
        """
        return preset_writer.save_preset(self, folder, metadata, samples, skip_networks, overwrite=overwrite)

    def push_to_hub(self, repo_id, *, metadata=None, token=None, private=None, revision=None,
                    commit_message=None, endpoint=None, samples=16, skip_networks=None):
        """`save_pretrained` (with `metadata`, `samples`, `skip_networks`)
        into a temporary folder, then upload it to Hub repo `repo_id`
        ("org/name"). Returns the CommitInfo (pin its `oid`)."""
        check_repo_id(repo_id)
        with tempfile.TemporaryDirectory() as tmp:
            folder = preset_writer.save_preset(self, Path(tmp) / repo_id.split("/")[-1], metadata, samples,
                                               skip_networks)
            return preset_writer.push_folder(folder, repo_id, token=token, private=private, revision=revision,
                                             commit_message=commit_message, endpoint=endpoint)

"""The preset format: file names, format version, hashing and verification.

The bottom of the preset code: the registry (`presets`), the reader
(`preset_reader`) and the writer (`preset_writer`) build on it, and it
imports none of them (nor Keras, until weights are checked: the command
line imports `PresetError` before any backend). A preset folder holds

- `config.json`: `{"format_version", "keras_perceptual_version", "model":
  keras.saving.serialize_keras_object(model), "skipped_networks"}`;
- `model.weights.h5`: the sub-networks' weights (no optimizer state);
- `metadata.json`: `{"files": {name: sha256}, ...provenance}`; its own
  sha256 is what the registry pins, so it vouches for every other file;
- `README.md` (a Hub model card), `samples.png` and, when the training
  record holds a validation curve, `learning_curve.png`.
"""

import hashlib
import json
from pathlib import Path

import numpy as np

FORMAT_VERSION = 1
CONFIG = "config.json"
WEIGHTS = "model.weights.h5"
METADATA = "metadata.json"
CARD = "README.md"
SAMPLES = "samples.png"
LEARNING_CURVE = "learning_curve.png"
PRESET_FILES = (CONFIG, WEIGHTS, METADATA, CARD, SAMPLES)
# Files a person may edit before publishing: `push` re-hashes them.
EDITABLE_FILES = (CARD, SAMPLES)


class PresetError(ValueError):
    """A preset could not be found, downloaded, verified or loaded. The
    message says what went wrong and what to do."""


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_json(path, what):
    """The JSON object in `path`; a `PresetError` naming `what` otherwise."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise PresetError(f"{what} is not valid JSON ({e}). Re-save the preset with `save_pretrained`.") from e
    if not isinstance(data, dict):
        raise PresetError(f"{what} must hold a JSON object. Received: {type(data).__name__}")
    return data


class LocalSource:
    """A preset folder on disk."""

    def __init__(self, folder):
        self.folder = Path(folder)

    def __str__(self):
        return f"folder {self.folder}"

    def fetch(self, filename):
        path = self.folder / filename
        if not path.is_file():
            raise PresetError(
                f"{self} has no {filename}: it is not a complete preset folder "
                f"(expected {', '.join(PRESET_FILES[:3])}). Write one with "
                "`model.save_pretrained(folder)`."
            )
        return path

    def discard(self, path):
        """Never deletes a user's file."""


def verified(source, filename, expected):
    """Fetches `filename` from `source` and checks its sha256 before anyone
    reads it. A mismatch is an error (the file is dropped from a cache)."""
    path = source.fetch(filename)
    if expected is None:
        raise PresetError(
            f"{METADATA} of {source} records no sha256 for {filename}, so it cannot be "
            "verified. Re-save the preset with `save_pretrained`, which records every file."
        )
    actual = sha256_file(path)
    if actual != expected:
        source.discard(path)
        raise PresetError(
            f"sha256 mismatch for {filename} of {source}: expected {expected}, got {actual}. "
            "The file is corrupt or was tampered with and was not read. "
            + (source.refetch_hint if hasattr(source, "refetch_hint")
               else "Restore the folder or re-save it with `save_pretrained`.")
        )
    return path


def file_table(metadata, source):
    """The `{file: sha256}` table of a preset's metadata, checked: names
    inside the folder, config and weights listed."""
    files = metadata.get("files")
    if not isinstance(files, dict):
        raise PresetError(f"{METADATA} of {source} lacks its `files` table of sha256s. Re-save with `save_pretrained`.")
    odd = [n for n in files if not isinstance(n, str) or Path(n).name != n or n in (".", "..")]
    if odd:
        raise PresetError(f"{METADATA} of {source} lists files outside the folder: {odd}.")
    return dict(files)


def verify_folder(folder, skip=()):
    """Checks a preset folder: every file its `metadata.json` lists exists
    and matches its sha256 (files in `skip` are not checked), and config and
    weights are listed. Returns the metadata."""
    source = LocalSource(folder)
    metadata = read_json(source.fetch(METADATA), f"{METADATA} of {source}")
    files = file_table(metadata, source)
    for name in (CONFIG, WEIGHTS):
        if name not in files:
            raise PresetError(f"{METADATA} of {source} lists no sha256 for {name}. Re-save with `save_pretrained`.")
    for name, digest in files.items():
        if name not in skip:
            verified(source, name, digest)
    return metadata


def weights_report(model):
    """`(digest, nonfinite)`: the sha256 of every variable's values in order
    (equal digests: the same weights) and the paths of the variables that
    hold NaN or Inf."""
    from keras import ops

    digest = hashlib.sha256()
    nonfinite = []
    for path, variable in _named_variables(model):
        value = np.asarray(ops.convert_to_numpy(variable))
        digest.update(path.encode() + str(value.dtype).encode() + value.tobytes())
        if (value.dtype.kind == "f" or str(value.dtype) == "bfloat16") and not np.all(
                np.isfinite(value.astype("float32"))):
            nonfinite.append(path)
    return digest.hexdigest(), nonfinite


def _named_variables(model):
    """`(path, variable)` of every weight, paths prefixed with the
    sub-network that owns them ("decoder/dense/kernel")."""
    seen = set()
    for layer in getattr(model, "layers", ()):
        for variable in layer.weights:
            if id(variable) not in seen:
                seen.add(id(variable))
                prefix = "" if variable.path.startswith(layer.name + "/") else layer.name + "/"
                yield prefix + variable.path, variable
    for variable in model.weights:
        if id(variable) not in seen:
            seen.add(id(variable))
            yield variable.path, variable


def describe_nonfinite(paths, limit=8):
    shown = ", ".join(paths[:limit]) + (f" and {len(paths) - limit} more" if len(paths) > limit else "")
    return f"{len(paths)} variable(s) hold NaN or Inf: {shown}"

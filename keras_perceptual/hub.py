"""Presets and the Hub: `from_pretrained`, `save_pretrained`, `push_to_hub`.

A preset folder holds

- `config.json`: `{"format_version", "keras_perceptual_version", "model":
  keras.saving.serialize_keras_object(model)}` (the class and its
  constructor arguments, sub-networks nested; no compile state);
- `model.weights.h5`: the sub-networks' weights (no optimizer state);
- `metadata.json`: `{"files": {name: sha256}, dataset, recipe, command,
  steps, wall time, hardware, metrics, versions, input contract, ...}`;
- `README.md`: a Hub model card; `samples.png`: `model.generate` samples.

Only JSON and `.weights.h5` files are read, each after its sha256 has been
checked; configs are deserialized with `safe_mode=True` and any serialized
Python code is refused before deserialization. This module reads presets;
`keras_perceptual.preset_writer` writes and publishes them.
"""

import hashlib
import json
import os
import tempfile
import warnings
from pathlib import Path

import keras

FORMAT_VERSION = 1
CONFIG = "config.json"
WEIGHTS = "model.weights.h5"
METADATA = "metadata.json"
CARD = "README.md"
SAMPLES = "samples.png"
PRESET_FILES = (CONFIG, WEIGHTS, METADATA, CARD, SAMPLES)


class PresetError(ValueError):
    """A preset could not be found, downloaded, verified or loaded. The
    message says what went wrong and what to do."""


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# -- where the files come from ------------------------------------------------
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


class HubSource:
    """A Hub repo at a revision, through `huggingface_hub.hf_hub_download`
    (downloads are cached in `cache_dir` and atomic: a failed one leaves no
    partial file)."""

    def __init__(self, repo_id, revision=None, cache_dir=None, local_files_only=False,
                 token=None, endpoint=None):
        self.repo_id = repo_id
        self.revision = revision or "main"
        self.cache_dir = cache_dir
        self.local_files_only = local_files_only
        self.token = token
        self.endpoint = endpoint

    def __str__(self):
        return f"Hub repo {self.repo_id}@{self.revision}"

    def fetch(self, filename):
        import huggingface_hub
        from huggingface_hub import errors

        from keras_perceptual.version import __version__

        try:
            return Path(
                huggingface_hub.hf_hub_download(
                    self.repo_id,
                    filename,
                    revision=self.revision,
                    cache_dir=self.cache_dir,
                    local_files_only=self.local_files_only,
                    token=self.token,
                    endpoint=self.endpoint,
                    library_name="keras_perceptual",
                    library_version=__version__,
                )
            )
        except (errors.LocalEntryNotFoundError, errors.OfflineModeIsEnabled) as e:
            where = f"cache_dir={self.cache_dir!r}" if self.cache_dir else "the Hugging Face cache"
            raise PresetError(
                f"Cannot get {filename} of {self}: it is not in {where} and the Hub "
                f"could not be reached{' (local_files_only=True)' if self.local_files_only else ''}. "
                "Connect to the network and load once (later loads work offline), or "
                "copy the preset folder to this machine and pass its path. "
                f"Cause: {type(e).__name__}: {e}"
            ) from e
        except errors.EntryNotFoundError as e:
            raise PresetError(
                f"{self} has no file {filename}. A preset repo holds "
                f"{', '.join(PRESET_FILES)}; publish it with `model.push_to_hub(repo_id)` "
                "or `keras-perceptual push FOLDER --repo ID`."
            ) from e
        except errors.RevisionNotFoundError as e:
            raise PresetError(
                f"Revision {self.revision!r} does not exist in Hub repo {self.repo_id}. "
                "Pass an existing branch, tag or commit as `revision=` (or none for the "
                "registry's pinned revision)."
            ) from e
        except errors.RepositoryNotFoundError as e:
            raise PresetError(
                f"Hub repo {self.repo_id} does not exist or is private/gated. Check the "
                "name; for a private repo pass `token=` (or log in with `hf auth login`)."
            ) from e
        except (errors.HfHubHTTPError, OSError) as e:
            raise PresetError(
                f"Downloading {filename} of {self} failed: {type(e).__name__}: {e}. "
                "Nothing partial was kept in the cache; check the network and try again."
            ) from e

    def discard(self, path):
        """Removes a cached file that failed verification (the pointer and
        its blob), so the next load downloads it again."""
        path = Path(path)
        blob = path.resolve()
        for p in {path, blob}:
            try:
                p.unlink()
            except OSError:
                pass


def _verified(source, filename, expected):
    """Fetches `filename` and checks its sha256 before anyone reads it."""
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
            + ("It was removed from the cache: load again to download it afresh; if this "
               "repeats, the repo's files do not match its metadata."
               if isinstance(source, HubSource)
               else "Restore the folder or re-save it with `save_pretrained`.")
        )
    return path


def _read_json(path, what):
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise PresetError(f"{what} is not valid JSON ({e}). Re-save the preset with `save_pretrained`.") from e
    if not isinstance(data, dict):
        raise PresetError(f"{what} must hold a JSON object. Received: {type(data).__name__}")
    return data


def _refuse_code(obj, where):
    """Refuses serialized Python code (a lambda's bytecode) anywhere in a
    config, whatever the global safe-mode setting."""
    if isinstance(obj, dict):
        if obj.get("class_name") == "__lambda__":
            raise PresetError(
                f"{where} contains serialized Python code (a lambda). Presets are "
                "never allowed to run code: refusing to load it."
            )
        for v in obj.values():
            _refuse_code(v, where)
    elif isinstance(obj, list):
        for v in obj:
            _refuse_code(v, where)


def _check_class(config, cls, where):
    registered = config.get("registered_name") or config.get("class_name")
    found = keras.saving.get_registered_object(registered) if registered else None
    if found is None and config.get("module", "").startswith("keras"):
        return
    if found is None:
        raise PresetError(
            f"{where} names class {registered!r}, which is not registered. Import the "
            "package that defines it before loading."
        )
    if cls is not None and not issubclass(found, cls):
        raise PresetError(
            f"{where} holds a {found.__name__}, not a {cls.__name__}. Load it with "
            f"`{found.__name__}.from_pretrained(...)` or `keras_perceptual.from_pretrained(...)`."
        )


def load_from_source(source, cls=None, pins=None, load_weights=True):
    """Builds the model of a preset folder from `source`, verifying every
    file against `metadata.json` (itself checked against `pins`, the
    registry's `{file: sha256}`, when given)."""
    pins = dict(pins or {})
    meta_path = _verified(source, METADATA, pins[METADATA]) if METADATA in pins else source.fetch(METADATA)
    metadata = _read_json(meta_path, f"{METADATA} of {source}")
    files = metadata.get("files")
    if not isinstance(files, dict):
        raise PresetError(f"{METADATA} of {source} lacks its `files` table of sha256s. Re-save with `save_pretrained`.")
    for name, digest in pins.items():
        if name != METADATA and files.get(name) != digest:
            raise PresetError(
                f"{METADATA} of {source} disagrees with the registry's pinned sha256 for {name} "
                f"(registry {digest}, metadata {files.get(name)}). The folder is not the "
                "published preset: restore it, or load it by path to use it anyway."
            )
    files.update(pins)

    where = f"{CONFIG} of {source}"
    document = _read_json(_verified(source, CONFIG, files.get(CONFIG)), where)
    version = document.get("format_version")
    if version != FORMAT_VERSION or not isinstance(document.get("model"), dict):
        raise PresetError(
            f"{where} is not a keras_perceptual preset config of format {FORMAT_VERSION} "
            f"(format_version={version!r}, model entry "
            f"{'present' if isinstance(document.get('model'), dict) else 'missing'}). "
            "Re-save it with `save_pretrained` (or upgrade keras_perceptual)."
        )
    config = document["model"]
    _refuse_code(config, where)
    _check_class(config, cls, where)
    try:
        model = keras.saving.deserialize_keras_object(config, safe_mode=True)
    except PresetError:
        raise
    except Exception as e:
        raise PresetError(f"{where} could not be deserialized: {type(e).__name__}: {e}") from e
    if cls is not None and not isinstance(model, cls):
        raise PresetError(f"{where} holds a {type(model).__name__}, not a {cls.__name__}.")
    skip_names = document.get("skipped_networks") or []
    if not isinstance(skip_names, list) or not all(
        isinstance(n, str) and isinstance(getattr(model, n, None), keras.layers.Layer) for n in skip_names
    ):
        raise PresetError(f"{where} lists `skipped_networks` {skip_names!r} that are not sub-networks of the model.")
    # Networks left out of the weights file (a GAN's discriminator: not
    # needed to encode, decode or sample) keep their fresh initialisation.
    object.__setattr__(model, "skipped_networks", tuple(skip_names))
    if load_weights:
        path = _verified(source, WEIGHTS, files.get(WEIGHTS))
        problem = None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                model.load_weights(path, objects_to_skip=[getattr(model, n) for n in skip_names] or None)
            except Exception as e:
                problem = e
        # Keras only warns about parts of the file it skipped: a preset whose
        # weights do not all load is refused, never half-loaded.
        skipped = [w for w in caught if f"{os.sep}saving{os.sep}" in str(w.filename)]
        for w in caught:
            if w not in skipped:
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        if problem is not None or skipped:
            cause = problem if problem is not None else skipped[0].message
            raise PresetError(
                f"The weights {WEIGHTS} of {source} do not fit the architecture of its "
                f"{CONFIG}: {type(cause).__name__}: {cause}. The folder mixes files of "
                "different models; re-save it with `save_pretrained`."
            ) from problem
    return model


def resolve(name_or_path, cls=None, revision=None, cache_dir=None, local_files_only=False,
            token=None, endpoint=None, load_weights=True):
    """Finds and loads a preset: a local folder, a registered name, or
    `hf://org/repo[@revision]`, in that order."""
    from keras_perceptual import presets

    if not isinstance(name_or_path, (str, os.PathLike)):
        raise ValueError(
            "`name_or_path` must be a preset name, a folder or 'hf://org/repo[@revision]'. "
            f"Received: name_or_path={name_or_path!r}"
        )
    text = os.fspath(name_or_path)
    if os.path.isdir(text):
        return load_from_source(LocalSource(text), cls, load_weights=load_weights)

    hub = dict(cache_dir=cache_dir, local_files_only=local_files_only, token=token, endpoint=endpoint)
    if text.startswith("hf://"):
        repo, _, rev = text[len("hf://"):].partition("@")
        if repo.count("/") != 1 or not all(repo.split("/")):
            raise ValueError(
                f"A Hub preset is 'hf://org/repo[@revision]'. Received: name_or_path={text!r}"
            )
        if rev and revision and rev != revision:
            raise ValueError(
                f"Two different revisions given: {rev!r} in the name and revision={revision!r}."
            )
        source = HubSource(repo, rev or revision, **hub)
        return load_from_source(source, cls, load_weights=load_weights)

    found = presets.find_preset(text, cls)
    if found is None and text in presets.PRESETS:
        other = presets.PRESETS[text]["model"]
        raise PresetError(
            f"Preset {text!r} is a {other}, not a {cls.__name__}. Load it with "
            f"`keras_perceptual.{other}.from_pretrained({text!r})` or `keras_perceptual.from_pretrained`."
        )
    if found is None:
        available = presets.list_presets(cls) if cls is not None else presets.list_presets()
        looks_like_path = os.sep in text or text.startswith((".", "~"))
        raise PresetError(
            f"Unknown preset {text!r}"
            + (" (and no such folder)" if looks_like_path else "")
            + f". Known presets{' of ' + cls.__name__ if cls is not None else ''}: "
            f"{sorted(available) or 'none'}. Also accepted: a preset folder written by "
            "`save_pretrained`, or 'hf://org/repo[@revision]'."
        )
    name, entry = found
    if cls is None:
        cls = presets.model_class(entry)
    folder = presets.preset_folder(name)
    pins = entry.get("sha256") or {}
    if folder is not None:
        return load_from_source(LocalSource(folder), cls, pins, load_weights)
    if entry.get("hub"):
        pinned = entry["hub"].get("revision")
        if revision is not None and revision != pinned:
            pins = {}  # another revision: its own metadata.json vouches for it
        source = HubSource(entry["hub"]["repo_id"], revision or pinned, **hub)
        return load_from_source(source, cls, pins, load_weights)
    if not load_weights:
        model = presets.build_architecture(name)
        if model is not None:
            return model
    raise PresetError(
        f"No weights are published for preset {name!r} ({entry['description']}) and "
        f"{presets.WEIGHTS_DIR / name} does not exist. "
        + (f"To produce them: {entry['how_to_train']}. " if entry.get("how_to_train") else "")
        + "Then load the folder by path, or from the Hub with 'hf://ORG/NAME'. "
        + ("`load_weights=False` gives the untrained architecture."
           if entry.get("architecture") else "")
    )


def from_pretrained(name_or_path, *, revision=None, cache_dir=None, local_files_only=False,
                    token=None, load_weights=True, endpoint=None):
    """Loads any model of the zoo, its class taken from the preset's config.

    See `PretrainedMixin.from_pretrained` for the arguments.

    Example:
    >>> model = kp.from_pretrained("vaegan_fashion_mnist")
    >>> images = model.generate(16)
    """
    return resolve(name_or_path, None, revision, cache_dir, local_files_only, token, endpoint, load_weights)


def verify_folder(folder):
    """Checks a preset folder: every file its `metadata.json` lists exists
    and matches its sha256, and config and weights are listed. Returns the
    metadata."""
    source = LocalSource(folder)
    metadata = _read_json(source.fetch(METADATA), f"{METADATA} of {source}")
    files = metadata.get("files") or {}
    odd = [n for n in files if not isinstance(n, str) or Path(n).name != n or n in (".", "..")]
    if odd:
        raise PresetError(f"{METADATA} of {source} lists files outside the folder: {odd}.")
    for name in (CONFIG, WEIGHTS):
        if name not in files:
            raise PresetError(f"{METADATA} of {source} lists no sha256 for {name}. Re-save with `save_pretrained`.")
    for name, digest in files.items():
        _verified(source, name, digest)
    return metadata


class _Presets:
    """`Model.presets`: the registered presets of that class and its subclasses."""

    def __get__(self, instance, owner):
        from keras_perceptual.presets import list_presets

        return list_presets(owner)


class PretrainedMixin:
    """`from_pretrained`, `save_pretrained`, `push_to_hub` and `presets`
    for every model class of the zoo."""

    presets = _Presets()

    @classmethod
    def from_pretrained(cls, name_or_path, *, revision=None, cache_dir=None, local_files_only=False,
                        token=None, load_weights=True, endpoint=None):
        """Loads a pretrained model.

        `name_or_path` is resolved in this order: a local preset folder; a
        registered preset name (the global name such as
        "vaegan_fashion_mnist", or for this class the name without its
        prefix, "fashion_mnist"), read from the repo's `weights/<name>/`
        when present, else downloaded from its Hub repo at the pinned
        revision; `"hf://org/repo[@revision]"`. Every file is checked
        against its sha256 before it is read.

        Args:
            name_or_path: preset name, folder, or "hf://org/repo[@revision]".
            revision: Hub branch, tag or commit (default: the pinned one).
            cache_dir: download cache (default: huggingface_hub's).
            local_files_only: never touch the network; use the cache.
            token: Hub token for private repos.
            load_weights: False builds the architecture only.
            endpoint: Hub endpoint (default: huggingface_hub's `HF_ENDPOINT`).

        Example:
        >>> model = kp.VAEGAN.from_pretrained("fashion_mnist")
        >>> model = kp.VAEGAN.from_pretrained("celeba64", load_weights=False)
        """
        return resolve(name_or_path, cls, revision, cache_dir, local_files_only, token, endpoint, load_weights)

    def save_pretrained(self, folder, *, metadata=None, samples=16, skip_networks=None):
        """Writes the model as a preset folder (`config.json`,
        `model.weights.h5`, `metadata.json`, `README.md`, `samples.png`).

        Args:
            folder: where to write (created if needed; files overwritten).
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

        Returns the folder as a `Path`.
        """
        from keras_perceptual.preset_writer import save_preset

        return save_preset(self, folder, metadata, samples, skip_networks)

    def push_to_hub(self, repo_id, *, metadata=None, token=None, private=None, revision=None,
                    commit_message=None, endpoint=None, samples=16, skip_networks=None):
        """`save_pretrained` (with `metadata`, `samples`, `skip_networks`)
        into a temporary folder, then upload it to Hub repo `repo_id`
        ("org/name"). Returns the CommitInfo (pin its `oid`)."""
        from keras_perceptual.preset_writer import push_folder
        from keras_perceptual.preset_writer import save_preset

        with tempfile.TemporaryDirectory() as tmp:
            folder = save_preset(self, Path(tmp) / repo_id.split("/")[-1], metadata, samples, skip_networks)
            return push_folder(folder, repo_id, token=token, private=private, revision=revision,
                               commit_message=commit_message, endpoint=endpoint)

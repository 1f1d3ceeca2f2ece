"""Reading presets: `from_pretrained` of a folder, a registered name or
`hf://org/repo[@revision]`.

Only the known preset files are read (plain names, proven inside their
folder or the Hub cache), each after its sha256 has been checked. Before
a config is deserialized (with `safe_mode=True`), every class and function
it names is resolved against an allowlist by lookups only (`check_config`):
nothing is imported because a file named it. Hub repo ids and revisions
are checked by the Hub's and git's rules before any request. A registered preset's
`metadata.json` must match the registry's pin. The format is
`keras_perceptual.preset_format`.
"""

import os
import sys
import warnings
from pathlib import Path

import huggingface_hub
import keras
from huggingface_hub import constants as hf_constants
from huggingface_hub import errors

import keras_perceptual.networks as networks
import keras_perceptual.presets as presets
from keras_perceptual.preset_config import KERAS_MODELS
from keras_perceptual.preset_config import PresetSpec
from keras_perceptual.preset_format import CONFIG
from keras_perceptual.preset_format import FORMAT_VERSION
from keras_perceptual.preset_format import METADATA
from keras_perceptual.preset_format import PRESET_FILES
from keras_perceptual.preset_format import WEIGHTS
from keras_perceptual.preset_format import LocalSource
from keras_perceptual.preset_format import PresetError
from keras_perceptual.preset_format import check_file_name
from keras_perceptual.preset_format import check_repo_id
from keras_perceptual.preset_format import check_revision
from keras_perceptual.preset_format import describe_nonfinite
from keras_perceptual.preset_format import file_table
from keras_perceptual.preset_format import hub_unreachable
from keras_perceptual.preset_format import read_json
from keras_perceptual.preset_format import sha256_file
from keras_perceptual.preset_format import verified
from keras_perceptual.preset_format import weights_report
from keras_perceptual.version import __version__


class HubSource:
    """A Hub repo at a revision, through `huggingface_hub.hf_hub_download`
    (downloads are cached in `cache_dir` and atomic: a failed one leaves no
    partial file). Repo id and revision are checked by the Hub's and git's
    rules first, and every downloaded path is proven inside the cache.
    When the Hub cannot be reached (checked once, in at most
    `preset_format.PROBE_TIMEOUT_S` seconds, instead of huggingface_hub's retries) the
    cache is used, and a file not cached fails at once. Every failure is a
    `PresetError` naming file and repo."""

    refetch_hint = ("It was removed from the cache: load again to download it afresh; if this "
                    "repeats, the repo's files do not match its metadata.")

    def __init__(self, repo_id, revision=None, cache_dir=None, local_files_only=False, token=None,
                 endpoint=None, force_download=False):
        self.repo_id = check_repo_id(repo_id)
        self.revision = check_revision(revision or "main")
        self.cache_dir = cache_dir
        self.local_files_only = local_files_only
        self.token = token
        self.endpoint = endpoint
        self.force_download = force_download
        self.unreachable = None  # the error of the reachability check, once made

    def __str__(self):
        return f"Hub repo {self.repo_id}@{self.revision}"

    def _offline_error(self):
        """The reason the Hub cannot be reached now, or None (checked once)."""
        if self.local_files_only or hf_constants.HF_HUB_OFFLINE:
            return None
        if self.unreachable is None:
            self.unreachable = hub_unreachable(self.endpoint or hf_constants.ENDPOINT) or False
        return self.unreachable or None

    def fetch(self, filename):
        check_file_name(filename, f"file of {self}")
        offline = self._offline_error()
        local_only = self.local_files_only or bool(offline)
        try:
            path = Path(huggingface_hub.hf_hub_download(
                self.repo_id, filename, revision=self.revision, cache_dir=self.cache_dir,
                local_files_only=local_only, token=self.token, endpoint=self.endpoint,
                force_download=self.force_download and not offline, library_name="keras_perceptual",
                library_version=__version__,
            ))
        except (errors.LocalEntryNotFoundError, errors.OfflineModeIsEnabled) as e:
            where = f"cache_dir={self.cache_dir!r}" if self.cache_dir else "the Hugging Face cache"
            cause = f"{offline}" if offline else f"{type(e).__name__}: {_one_line(e)}"
            raise PresetError(
                f"Cannot get {filename} of {self}: it is not in {where} and the Hub "
                f"could not be reached{' (local_files_only=True)' if self.local_files_only else ''}. "
                "Connect to the network and load once (later loads work offline), or "
                "copy the preset folder to this machine and pass its path. "
                f"Cause: {cause}"
            ) from e
        except errors.EntryNotFoundError as e:
            raise PresetError(
                f"{self} has no file {filename}. A preset repo holds "
                f"{', '.join(PRESET_FILES)}; publish it with `model.push_to_hub(repo_id)` "
                "or `keras-perceptual push FOLDER --repo ID`."
            ) from e
        except errors.RevisionNotFoundError as e:
            raise PresetError(
                f"Revision {self.revision!r} does not exist in Hub repo {self.repo_id} (fetching "
                f"{filename}). Pass an existing branch, tag or commit as `revision=` (or none for "
                "the registry's pinned revision)."
            ) from e
        except errors.RepositoryNotFoundError as e:
            raise PresetError(
                f"Hub repo {self.repo_id} does not exist or is private/gated (fetching {filename}). "
                "Check the name; for a private repo pass `token=` (or log in with `hf auth login`)."
            ) from e
        except (KeyboardInterrupt, SystemExit, MemoryError):
            raise
        except Exception as e:  # httpx/requests/OS errors of an interrupted transfer, HTTP errors
            raise PresetError(
                f"Downloading {filename} of {self} failed: {type(e).__name__}: {_one_line(e)}. "
                "Nothing partial was kept in the cache; check the network and try again."
            ) from e
        cache = Path(self.cache_dir if self.cache_dir is not None else hf_constants.HF_HUB_CACHE).resolve()
        if cache not in path.resolve().parents:
            raise PresetError(
                f"The download of {filename} of {self} resolved to {path.resolve()}, outside the cache "
                f"{cache}: refusing to read it."
            )
        return path

    def discard(self, path):
        """Removes a cached file that failed verification (the pointer and
        its blob), so the next load downloads it again."""
        path = Path(path)
        for p in {path, path.resolve()}:
            try:
                p.unlink()
            except OSError:
                pass


def _short_repr(value, limit=120):
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _one_line(error):
    return " ".join(str(error).split())


# -- what a config may name ---------------------------------------------------
# A config names classes and functions by strings (`module`, `class_name`,
# `registered_name`, a function's name); Keras would import `module` to find
# one it does not know. Before any deserialization, `check_config` walks the
# whole config as plain data and resolves every name the way Keras would, by
# lookups only (nothing is imported): against Keras's public API, already
# imported, and the classes this package registers as "keras_perceptual>Name".
# Anything else is refused, so no file can make Python import a module.
KERAS_NAMESPACES = {
    "keras": keras,
    "keras.layers": keras.layers,
    "keras.initializers": keras.initializers,
    "keras.regularizers": keras.regularizers,
    "keras.constraints": keras.constraints,
    "keras.activations": keras.activations,
    "keras.dtype_policies": keras.dtype_policies,
    "keras.losses": keras.losses,
    "keras.metrics": keras.metrics,
    "keras.optimizers": keras.optimizers,
    "keras.optimizers.schedules": keras.optimizers.schedules,
    "keras.models": keras.models,
}
# The only namespaces a function may come from (modeling functions: an
# activation, a loss, a metric), also for one saved with module "builtins".
FUNCTION_NAMESPACES = ("keras.activations", "keras.losses", "keras.metrics")
# Functions of those namespaces that are not modeling functions.
REFUSED_FUNCTIONS = {"get", "serialize", "deserialize"}
# Public Keras classes that run code or read files named by their config.
REFUSED_KERAS = {"Lambda", "TFSMLayer", "TorchModuleWrapper", "JaxLayer", "FlaxLayer", "TextVectorization",
                 "StringLookup", "IntegerLookup"}
# Keras's own markers for plain data (their payload is walked as well).
DATA_MARKERS = {"__keras_tensor__", "__numpy__", "__tensor__", "__bytes__", "__ellipsis__", "__slice__"}
PACKAGE = "keras_perceptual"
MAX_CONFIG_DEPTH = 64


def _allowed_object(obj, name):
    """Whether `obj` (found under `name`) is one a preset may build: a class
    this package registers, or a public Keras class (or function) other than
    those that run code."""
    if obj is None:
        return False
    module = getattr(obj, "__module__", "") or ""
    if module == PACKAGE or module.startswith(PACKAGE + "."):
        registered = keras.saving.get_registered_name(obj)
        return registered.startswith(PACKAGE + ">")
    if getattr(obj, "__name__", name) in REFUSED_KERAS:
        return False
    if module == "keras" or module.startswith("keras."):
        return hasattr(obj, "from_config") if isinstance(obj, type) else callable(obj)
    return False


def _keras_public(module, name, function=False):
    """What `module.name` is in Keras's public API (or, for a class saved
    under `keras.src...`, the same module already imported by Keras: a
    Functional or Sequential model), looked up, never imported; else None."""
    if function and (module not in FUNCTION_NAMESPACES or name in REFUSED_FUNCTIONS):
        return None
    if module in KERAS_NAMESPACES:
        obj = vars(KERAS_NAMESPACES[module]).get(name)
    elif module.startswith("keras.src.") and not function:
        loaded = sys.modules.get(module)
        obj = vars(loaded).get(name) if loaded is not None else None
        if not (isinstance(obj, type) and issubclass(obj, keras.Model) and name in KERAS_MODELS):
            obj = None
    else:
        return None
    if obj is None or (function and isinstance(obj, type)) or (not function and not isinstance(obj, type)):
        return None
    return obj


def _resolve(node):
    """`(object, description)`: what Keras's `deserialize_keras_object`
    would build for the dict `node` with a `class_name`, found by lookups
    only; object None when Keras would import a module (or fail)."""
    class_name = node.get("class_name")
    module = node.get("module")
    if class_name == "function":
        fn_name = node.get("config")
        described = f"function {fn_name!r} (module {module!r})"
        if not isinstance(fn_name, str) or not (module is None or isinstance(module, str)):
            return None, described
        found = keras.saving.get_registered_object(fn_name)
        if found is not None:
            return found, described
        if module == "builtins":
            for namespace in FUNCTION_NAMESPACES:
                found = _keras_public(namespace, fn_name, function=True)
                if found is not None:
                    return found, described
            return None, described
        return (_keras_public(module, fn_name, function=True) if isinstance(module, str) else None), described
    registered = node["registered_name"] if "registered_name" in node else class_name
    described = f"class {class_name!r} (module {module!r}, registered_name {registered!r})"
    if not isinstance(registered, (str, type(None))) or not isinstance(module, (str, type(None))):
        return None, described
    found = keras.saving.get_registered_object(registered) if registered else None
    if found is not None:
        return found, described
    if registered not in (None, class_name):  # a registered name nothing registers: refused
        return None, described
    return (_keras_public(module, class_name) if module else None), described


def check_config(config, where):
    """Refuses, before anything is deserialized, every class or function
    named anywhere in `config` that is not a registered class of this
    package or a public Keras one (nested layers, initializers,
    regularizers, constraints, activations, dtype policies, optimizers,
    build configs, shared objects), serialized Python code (`__lambda__`)
    and registered objects of other packages named by a plain string.
    A pure walk over the data: it imports nothing. Returns the class of
    the top-level object."""
    custom = keras.saving.get_custom_objects()

    def refuse(what, path, why):
        return PresetError(
            f"{where} names {what} at `{path}`, {why}. A preset may only build the classes this "
            f"package registers (\"{PACKAGE}>Name\") and Keras's own public layers and objects: "
            "refusing to load it (nothing it names was imported)."
        )

    def walk(node, path, depth):
        if depth > MAX_CONFIG_DEPTH:
            raise PresetError(f"{where} is nested more than {MAX_CONFIG_DEPTH} levels deep at `{path}`: "
                              "not a preset config. Re-save it with `save_pretrained`.")
        if isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{path}[{i}]", depth + 1)
            return None
        if isinstance(node, str):
            if node in custom and not node.startswith(PACKAGE + ">"):
                raise refuse(f"the registered object {node!r}", path, "which another package registers")
            return None
        if not isinstance(node, dict):
            return None
        found = None
        if "class_name" in node:
            class_name = node["class_name"]
            if not isinstance(class_name, str):
                raise refuse(f"class_name {class_name!r}", path, "which is not a name")
            if class_name == "__lambda__":
                raise refuse("serialized Python code (a lambda)", path, "and presets never run code")
            if class_name in DATA_MARKERS:
                pass
            elif class_name.startswith("__"):
                raise refuse(f"{class_name!r}", path, "which is not plain data")
            else:
                found, described = _resolve(node)
                if not _allowed_object(found, class_name):
                    raise refuse(described, path, "which is not allowed")
        for key, value in node.items():
            walk(value, f"{path}.{key}", depth + 1)
        return found

    def find_code(node, path, depth):
        if depth > MAX_CONFIG_DEPTH:
            return
        if isinstance(node, dict):
            if node.get("class_name") == "__lambda__":
                raise refuse("serialized Python code (a lambda)", path, "and presets never run code")
            for key, value in node.items():
                find_code(value, f"{path}.{key}", depth + 1)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                find_code(value, f"{path}[{i}]", depth + 1)

    if not isinstance(config, dict) or "class_name" not in config:
        raise PresetError(f"{where} holds no model config (a dict with a `class_name`) under `model`. "
                          "Re-save it with `save_pretrained`.")
    find_code(config, "model", 0)
    presets.all_specs()  # registers this package's classes (a fixed import of our own modules)
    return walk(config, "model", 0)


def _check_class(found, cls, where):
    if cls is not None and not (isinstance(found, type) and issubclass(found, cls)):
        name = getattr(found, "__name__", repr(found))
        raise PresetError(
            f"{where} holds a {name}, not a {cls.__name__}. Load it with "
            f"`{name}.from_pretrained(...)` or `keras_perceptual.from_pretrained(...)`."
        )


def _with_dtype(config, policy):
    """`config` with every layer's dtype policy replaced by `policy` (input
    layers keep their tensor dtype)."""
    if isinstance(config, list):
        return [_with_dtype(v, policy) for v in config]
    if not isinstance(config, dict):
        return config
    if config.get("class_name") in ("DTypePolicy", "FloatDTypePolicy") and config.get("module") == "keras":
        return keras.dtype_policies.serialize(policy)
    return {k: _with_dtype(v, policy) for k, v in config.items()}


def _dtype_policy(dtype):
    """The policy to load with: `dtype` when given, else the global policy
    when it is not the default "float32" (e.g. `mixed_bfloat16`), else None
    (the preset's own)."""
    if dtype is None:
        policy = keras.config.dtype_policy()
        return policy if policy.name != "float32" else None
    try:
        return keras.dtype_policies.get(dtype)
    except ValueError as e:
        raise ValueError(
            f"`dtype` must be a dtype or dtype policy such as 'bfloat16' or 'mixed_bfloat16'. "
            f"Received: dtype={dtype!r}"
        ) from e


def load_from_source(source, cls=None, metadata_sha256=None, load_weights=True, dtype=None, preset=None):
    """Builds the model of a preset folder from `source`, verifying every
    file against `metadata.json` (itself checked against `metadata_sha256`,
    the registry's pin, when given). `preset` names the registered preset."""
    meta_path = verified(source, METADATA, metadata_sha256) if metadata_sha256 else source.fetch(METADATA)
    metadata = read_json(meta_path, f"{METADATA} of {source}")
    files = file_table(metadata, source)

    where = f"{CONFIG} of {source}"
    document = read_json(verified(source, CONFIG, files.get(CONFIG)), where)
    version = document.get("format_version")
    if version != FORMAT_VERSION or not isinstance(document.get("model"), dict):
        raise PresetError(
            f"{where} is not a keras_perceptual preset config of format {FORMAT_VERSION} "
            f"(format_version={version!r}, model entry "
            f"{'present' if isinstance(document.get('model'), dict) else 'missing'}). "
            "Re-save it with `save_pretrained` (or upgrade keras_perceptual)."
        )
    config = document["model"]
    _check_class(check_config(config, where), cls, where)
    policy = _dtype_policy(dtype)
    if policy is not None:
        config = _with_dtype(config, policy)
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
    digest = None
    if load_weights:
        _load_weights(model, verified(source, WEIGHTS, files.get(WEIGHTS)), skip_names, source)
        digest, nonfinite = weights_report(model)
        if nonfinite:
            raise PresetError(
                f"The weights {WEIGHTS} of {source} are not finite: {describe_nonfinite(nonfinite)}. "
                "The preset is broken (a diverged training run); it was not loaded."
            )
    # Provenance, kept by `save_pretrained` of this model: its metadata and
    # a digest of the weights it was loaded with.
    provenance = dict(metadata, source=str(source), weights_digest=digest, metadata_sha256=sha256_file(meta_path))
    if preset is not None:
        provenance["preset"] = preset
    if isinstance(source, LocalSource):
        provenance["folder"] = str(source.folder)
    object.__setattr__(model, "preset_metadata", provenance)
    return model


def _load_weights(model, path, skip_names, source):
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


def resolve(name_or_path, cls=None, *, revision=None, cache_dir=None, local_files_only=False, token=None,
            endpoint=None, load_weights=True, dtype=None, force_download=False):
    """Finds and loads a preset: a local folder, a registered name, or
    `hf://org/repo[@revision]`, in that order."""
    if not isinstance(name_or_path, (str, os.PathLike)):
        raise ValueError(
            "`name_or_path` must be a preset name, a folder or 'hf://org/repo[@revision]'. "
            f"Received: name_or_path={name_or_path!r}"
        )
    text = os.fspath(name_or_path)
    if not text or "\x00" in text:
        raise PresetError(f"Expected `name_or_path` to be a preset name, a folder or 'hf://org/repo[@revision]', "
                          f"received name_or_path={text!r}.")
    if revision is not None:
        check_revision(revision)
    load = dict(load_weights=load_weights, dtype=dtype)
    if os.path.isdir(text):
        return load_from_source(LocalSource(text), cls, **load)

    hub = dict(cache_dir=cache_dir, local_files_only=local_files_only, token=token, endpoint=endpoint,
               force_download=force_download)
    if text.startswith("hf://"):
        repo, at, rev = text[len("hf://"):].partition("@")
        form = f"A Hub preset is 'hf://org/repo[@revision]'; received name_or_path={_short_repr(text)}."
        check_repo_id(repo, "repo_id", hint=form)
        if at:
            check_revision(rev, "revision", hint=form)
        if rev and revision and rev != revision:
            raise PresetError(f"Two different revisions given: {rev!r} in the name and revision={revision!r}. "
                              "Pass one of them.")
        return load_from_source(HubSource(repo, rev or revision, **hub), cls, **load)

    spec = presets.find_preset(text, cls)
    if spec is None and text in presets.PRESETS:
        other = presets.PRESETS[text].model
        raise PresetError(
            f"Preset {text!r} is a {other}, not a {cls.__name__}. Load it with "
            f"`keras_perceptual.{other}.from_pretrained({text!r})` or `keras_perceptual.from_pretrained`."
        )
    if spec is None:
        available = presets.list_presets(cls) if cls is not None else presets.list_presets()
        looks_like_path = os.sep in text or text.startswith((".", "~"))
        raise PresetError(
            f"Unknown preset {text!r}" + (" (and no such folder)" if looks_like_path else "") + "."
            + presets.did_you_mean(text, available)
            + f" Known presets{' of ' + cls.__name__ if cls is not None else ''}: "
            f"{sorted(available) or 'none'}. Also accepted: a preset folder written by "
            "`save_pretrained`, or 'hf://org/repo[@revision]'."
        )
    if cls is None:
        cls = model_class(spec)
    load["preset"] = spec.name
    folder = presets.preset_folder(spec.name)
    if folder is not None:
        if spec.metadata_sha256 is None:
            raise PresetError(
                f"Preset {spec.name!r} is bundled in {folder} but the registry pins no sha256 of "
                f"its {METADATA}, so it cannot be trusted under that name. Load the folder by path, or "
                "record the pin with `python -m keras_perceptual.pin_presets`."
            )
        return load_from_source(LocalSource(folder), cls, spec.metadata_sha256, **load)
    if spec.hub_repo:
        pinned = spec.metadata_sha256
        if revision is not None and revision != spec.hub_revision:
            pinned = None  # another revision: its own metadata.json vouches for it
        return load_from_source(HubSource(spec.hub_repo, revision or spec.hub_revision, **hub), cls, pinned, **load)
    if not load_weights:
        model = build_architecture(spec.name)
        if model is not None:
            return model
    # Short, and true from a pip install: a command of the installed package, no repository path.
    steps = ([f"train them with {spec.how_to_train}"] if spec.how_to_train else []) + (
        ["load the untrained architecture with `load_weights=False`"] if spec.architecture else [])
    raise PresetError(f"No weights are published for preset {spec.name!r} yet"
                      + (f"; {', or '.join(steps)}." if steps else "."))


def model_class(spec_or_name):
    """The registered class of a spec's `model` (or of a class name), None
    when no such class is registered. The package's classes are registered
    with Keras as soon as both are imported (`keras_perceptual.SERIALIZABLE`)."""
    name = spec_or_name.model if isinstance(spec_or_name, PresetSpec) else spec_or_name
    if name in KERAS_MODELS:
        return keras.Model  # a plain Keras model (the classifier, the L2 autoencoder)
    return keras.saving.get_registered_object(f"keras_perceptual>{name}")


def build_architecture(name):
    """The untrained model of preset `name` from its `architecture`, or None."""
    spec = presets.get_spec(name)
    if not spec.architecture:
        return None
    arch = spec.architecture
    nets = getattr(networks, arch["networks"])(**arch["network_args"])
    return model_class(spec)(**nets, **arch.get("options", {}), name=name)


def from_pretrained(name_or_path, *, revision=None, cache_dir=None, local_files_only=False, token=None,
                    load_weights=True, endpoint=None, dtype=None, force_download=False):
    """Loads any model of the zoo, its class taken from the preset's config.

    See `PretrainedMixin.from_pretrained` for the arguments.

    Example:
    >>> model = kp.from_pretrained("vaegan_fashion_mnist")
    >>> images = model.generate(16)
    """
    return resolve(name_or_path, None, revision=revision, cache_dir=cache_dir, local_files_only=local_files_only,
                   token=token, endpoint=endpoint, load_weights=load_weights, dtype=dtype,
                   force_download=force_download)

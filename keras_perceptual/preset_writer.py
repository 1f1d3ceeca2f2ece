"""Writing preset folders (`save_pretrained`, `update_preset`) and
publishing them (`push_to_hub`). The format is
`keras_perceptual.preset_format`; this module does not read presets
beyond verifying a folder."""

import contextlib
import json
import os
import platform
import shutil
import tempfile
import warnings
from pathlib import Path

import huggingface_hub
import keras
import numpy as np

import keras_perceptual.model_card as model_card
import keras_perceptual.presets as presets
from keras_perceptual.images import save_image_grid
from keras_perceptual.model_pictures import picture
from keras_perceptual.preset_format import CARD
from keras_perceptual.preset_format import CONFIG
from keras_perceptual.preset_format import EDITABLE_FILES
from keras_perceptual.preset_format import FORMAT_VERSION
from keras_perceptual.preset_format import KNOWN_FILES
from keras_perceptual.preset_format import LEARNING_CURVE
from keras_perceptual.preset_format import METADATA
from keras_perceptual.preset_format import SAMPLES
from keras_perceptual.preset_format import WEIGHTS
from keras_perceptual.preset_format import PresetError
from keras_perceptual.preset_format import check_repo_id
from keras_perceptual.preset_format import check_revision
from keras_perceptual.preset_format import describe_nonfinite
from keras_perceptual.preset_format import file_in
from keras_perceptual.preset_format import file_table
from keras_perceptual.preset_format import read_json
from keras_perceptual.preset_format import sha256_file
from keras_perceptual.preset_format import verify_folder
from keras_perceptual.preset_format import weights_report
from keras_perceptual.preset_format import write_atomic
from keras_perceptual.version import __version__

# The training driver's checkpoints beside the preset it writes (`keras-perceptual
# train --output DIR`): allowed in a preset folder, never read or written here.
TRAINING_FOLDER = "training"
# What a re-saved preset inherits from the preset it was loaded from.
PROVENANCE = ("description", "dataset", "recipe", "recipe_options", "budget", "command", "steps",
              "wall_time_s", "training", "hardware", "paper", "license", "metrics", "metrics_command",
              "limitations", "parent")


def _versions():
    out = {
        "keras_perceptual": __version__,
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "numpy": np.__version__,
        "python": platform.python_version(),
    }
    out["huggingface_hub"] = huggingface_hub.__version__
    return out


def _hardware():
    try:
        devices = [str(d) for d in keras.distribution.list_devices()]
    except AttributeError:  # backends without keras.distribution (PyTorch)
        devices = []
    return {"platform": platform.platform(), "machine": platform.machine(),
            "cpu_count": os.cpu_count(), "devices": devices}


def _input_contract(model):
    """The model's `presets.InputContract`, as the metadata stores it."""
    shape = tuple(int(s) if s is not None else None for s in model.image_shape)
    condition_dim = int(model.condition_dim) if getattr(model, "is_conditional", False) else None
    return presets.InputContract(shape, condition_dim=condition_dim).to_dict()


def _fresh_copy(model):
    """An uncompiled twin of `model` with its layers' weights: what is saved
    is then exactly what a fresh `from_config` model loads (no optimizer,
    no metric trackers)."""
    fresh = model.__class__.from_config(model.get_config())
    if len(fresh.layers) != len(model.layers):
        raise ValueError(
            f"{type(model).__name__}.from_config(get_config()) does not rebuild the same "
            f"sub-networks ({len(model.layers)} vs {len(fresh.layers)}): fix its get_config."
        )
    for mine, theirs in zip(model.layers, fresh.layers):
        theirs.set_weights(mine.get_weights())
    return fresh


def _samples_picture(model, n, dataset):
    """The `model_pictures.Picture` of `n` prior samples (seed 0) that
    `samples.png` shows, or None for a model without a prior (an
    autoencoder, a classifier). A conditional model's come one column per
    class, laid out and titled by `model_pictures.picture`."""
    if not n or not getattr(model, "has_prior", False):  # asks the model, whatever its family
        return None
    conditions = None
    if model.is_conditional:
        # Every condition value once per row; `picture` keeps whole rows.
        n = model.condition_dim * max(1, n // model.condition_dim)
        conditions = (np.eye(model.condition_dim, dtype="float32")[np.arange(n) % model.condition_dim], None)
    return picture(model, "samples", None, conditions, num_samples=n, seed=0, dataset=dataset)


def _plain_json(value, where):
    """A JSON-only copy of `value` (NumPy scalars and arrays converted)."""

    def default(obj):
        if hasattr(obj, "tolist"):
            return obj.tolist()
        raise ValueError(
            f"`{where}` must hold JSON data (numbers, strings, lists, dicts). "
            f"Received a {type(obj).__name__}: {obj!r}"
        )

    return json.loads(json.dumps(value, default=default))


def check_skipped_networks(model, skip_networks):
    """The names in `skip_networks`, each an attribute of `model` holding a
    sub-network (a `keras.layers.Layer`), as a sorted list."""
    if skip_networks is None:
        return []
    if isinstance(skip_networks, str) or not all(isinstance(n, str) for n in skip_networks):
        raise ValueError(
            "`skip_networks` must be a list of sub-network attribute names, e.g. "
            f"['discriminator']. Received: skip_networks={skip_networks!r}"
        )
    bad = [n for n in skip_networks if not isinstance(getattr(model, n, None), keras.layers.Layer)]
    if bad:
        raise ValueError(
            f"`skip_networks` names {bad}, which are not sub-networks of this "
            f"{type(model).__name__}. Received: skip_networks={list(skip_networks)!r}"
        )
    return sorted(set(skip_networks))


@contextlib.contextmanager
def _atomic(path):
    """Yields a temporary path beside `path` (same suffixes, so writers that
    go by the extension work); on success it replaces `path` (a link there
    is replaced, never followed), on failure it is removed."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp" + "".join(path.suffixes), dir=path.parent)
    os.close(fd)
    os.unlink(tmp)
    try:
        yield Path(tmp)
        if os.path.exists(tmp):
            os.replace(tmp, path)
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)


def _remove(path):
    """Removes a stale preset file (a link is removed, never followed)."""
    if os.path.lexists(path):
        os.unlink(path)


def _loaded_from(model, folder):
    origin = (getattr(model, "preset_metadata", None) or {}).get("folder")
    return bool(origin) and Path(origin).resolve() == Path(folder).resolve()


def check_destination(folder, model=None, overwrite=False):
    """Refuses to write a preset into `folder` unless it is absent, empty, or
    a preset folder written by `save_pretrained` (its `metadata.json` valid,
    only preset files, no links or sub-folders but the training driver's
    checkpoint folder `training/`, which is never touched), and for an
    existing preset unless `overwrite=True` or `model` was loaded from that
    very folder. A user's own files are never replaced or removed."""
    folder = Path(folder)
    if not os.path.lexists(folder):
        return folder
    if not folder.is_dir():
        raise PresetError(
            f"Expected `folder` to be a folder to write a preset into, received {str(folder)!r}, which "
            "is a file. Nothing was written; pass a new or empty folder."
        )
    entries = sorted(n for n in os.listdir(folder)
                     if not (n == TRAINING_FOLDER and not os.path.islink(folder / n) and (folder / n).is_dir()))
    other = [n for n in entries if n not in KNOWN_FILES or os.path.islink(folder / n) or not (folder / n).is_file()]
    if entries and METADATA not in other:
        try:  # a folder without a valid metadata.json is not a preset: every file in it is the user's
            file_table(read_json(folder / METADATA, f"{METADATA} of {folder}"), folder)
        except (PresetError, OSError):
            other = list(entries)
    if other:
        shown = ", ".join(other[:8]) + (f" and {len(other) - 8} more" if len(other) > 8 else "")
        raise PresetError(
            f"Expected an empty folder or a preset folder written by save_pretrained, received a folder "
            f"with {len(other)} other file(s): {shown}. Nothing was written; save into a new folder "
            f"(preset folders hold only {', '.join(KNOWN_FILES)}, with a valid {METADATA})."
        )
    if entries and not overwrite and not _loaded_from(model, folder):
        raise PresetError(
            f"Expected `overwrite=True` to replace the preset already in {folder}, received "
            "overwrite=False. Nothing was written; pass overwrite=True to replace it, or save into "
            "a new folder."
        )
    return folder


def save_preset(model, folder, metadata=None, samples=16, skip_networks=None, overwrite=False):
    """Writes `model` as a preset folder. See `PretrainedMixin.save_pretrained`."""
    if metadata is not None and not isinstance(metadata, dict):
        raise ValueError(f"`metadata` must be a dict. Received: metadata={metadata!r}")
    if not isinstance(overwrite, bool):
        raise ValueError(f"Expected `overwrite` to be True or False, received overwrite={overwrite!r} "
                         f"({type(overwrite).__name__}).")
    skipped = check_skipped_networks(model, skip_networks)
    digest, nonfinite = weights_report(model)
    if nonfinite:
        raise ValueError(
            f"Refusing to save {type(model).__name__}: {describe_nonfinite(nonfinite)}. A preset "
            "never holds non-finite weights; save a checkpoint from before the loss diverged."
        )
    folder = check_destination(folder, model, overwrite)
    # Everything is checked and computed before the first byte is written.
    meta = {
        "name": folder.resolve().name,
        "model": type(model).__name__,
        "description": None,
        "dataset": None,
        "recipe": None,
        "command": None,
        "steps": None,
        "wall_time_s": None,
        "metrics": {},
        "hardware": _hardware(),
        "input": _input_contract(model),
        "parameters": int(model.count_params()),
        "versions": _versions(),
        "license": "Apache-2.0",
        "paper": None,
        "skipped_networks": skipped,
    }
    meta.update(_provenance(model, digest, folder))
    for key, value in (metadata or {}).items():
        if key in ("files", "format_version"):
            raise ValueError(f"`metadata` must not set {key!r}: save_pretrained writes it.")
        meta[key] = _plain_json(value, f"metadata[{key!r}]")
    meta["format_version"] = FORMAT_VERSION

    config = keras.saving.serialize_keras_object(model)
    config.pop("compile_config", None)
    config.pop("build_config", None)
    document = {"format_version": FORMAT_VERSION, "keras_perceptual_version": __version__, "model": config}
    if skipped:
        document["skipped_networks"] = skipped
    document = json.dumps(document, indent=2, sort_keys=True) + "\n"
    fresh = _fresh_copy(model)
    shown = _samples_picture(model, samples, meta.get("dataset"))

    # Every file is written into a staging folder inside `folder`, then
    # moved into place (metadata.json last): a failure leaves `folder` as it
    # was, and no temporary file behind.
    created = not os.path.lexists(folder)
    folder.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".saving-", dir=folder))
    try:
        keras.saving.save_weights(fresh, staging / WEIGHTS, objects_to_skip=[getattr(fresh, n) for n in skipped])
        (staging / CONFIG).write_text(document, encoding="utf-8")
        if shown is not None:
            if shown.description:  # what the card's caption says, when not plain prior samples
                meta.setdefault("samples_description", shown.description)
            save_image_grid(shown.images, staging / SAMPLES, scale=max(1, 128 // shown.images.shape[1]),
                            **shown.captions())
        _write_card_and_metadata(staging, meta)
        for name in sorted(KNOWN_FILES, key=lambda n: n == METADATA):
            if (staging / name).is_file():
                os.replace(staging / name, folder / name)  # a link at `folder / name` is replaced, not followed
            else:
                _remove(folder / name)  # a stale grid or curve of another model
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if created:
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    shutil.rmtree(staging, ignore_errors=True)
    return folder


def _provenance(model, digest, folder):
    """What a model loaded by `from_pretrained` brings from its preset: the
    training record and, when its weights are unchanged, its metrics; and
    `parent`, the preset it came from (a folder re-saved in place keeps its
    own parent)."""
    parent = getattr(model, "preset_metadata", None)
    if not parent:
        return {}
    out = {k: parent[k] for k in PROVENANCE if k in parent}
    unchanged = parent.get("weights_digest") == digest
    if not unchanged:
        out.pop("metrics", None)  # measured on other weights
    if parent.get("folder") and Path(parent["folder"]).resolve() == Path(folder).resolve() and unchanged:
        return out
    out["parent"] = {
        "name": parent.get("preset") or parent.get("name"),
        "source": parent.get("source"),
        "metadata_sha256": parent.get("metadata_sha256"),
        "weights": "unchanged" if unchanged else "changed since loading (fine-tuned): metrics not carried over",
    }
    return out


def _write_card_and_metadata(folder, meta):
    """Draws `learning_curve.png` from the training record's validation
    curve (removing a stale one when there is none), renders the model card
    from `meta`, then writes `metadata.json` with the sha256 of every other
    file of the folder."""
    try:
        with _atomic(folder / LEARNING_CURVE) as tmp:
            drawn = model_card.draw_learning_curve(meta, tmp)
        if drawn is None:
            _remove(folder / LEARNING_CURVE)  # a stale curve of another run
        card = model_card.render(meta, (folder / SAMPLES).is_file(), (folder / LEARNING_CURVE).is_file())
    except (TypeError, KeyError, AttributeError, IndexError, ValueError) as e:
        if isinstance(e, PresetError):
            raise
        raise PresetError(
            f"The metadata of {folder} cannot be rendered as a model card: {type(e).__name__}: {e}. A field "
            f"of {METADATA} (or of `metadata=`) has the wrong type; fix it or re-save with `save_pretrained`."
        ) from e
    write_atomic(folder / CARD, card)
    meta["files"] = {
        name: sha256_file(folder / name) for name in (CONFIG, WEIGHTS, CARD, SAMPLES, LEARNING_CURVE)
        if (folder / name).is_file() and not (folder / name).is_symlink()
    }
    write_atomic(folder / METADATA, json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return meta


def update_preset(folder, metrics=None, pictures=None, columns=None, row_labels=None, column_labels=None,
                  title=None, **updates):
    """Rewrites the metadata, model card and `samples.png` of the verified
    preset folder `folder` (config and weights untouched) and refreshes the
    sha256 table.

    Args:
        metrics: `{name: value}` merged into `metadata["metrics"]`.
        pictures: images in [-1, 1] `(n, h, w, c)` for `samples.png` (e.g.
            originals above reconstructions for a model without a prior).
        columns: grid columns of `pictures`.
        row_labels, column_labels: captions of the grid's rows and
            columns (`images.save_image_grid`).
        title: text above `pictures` (a smoke run's `SMOKE_CAPTION`).
        **updates: other metadata fields to set (JSON data).

    Returns the new metadata.
    """
    folder = Path(folder)
    meta = verify_folder(folder)
    for key, value in updates.items():
        if key in ("files", "format_version"):
            raise ValueError(f"`{key}` is written by update_preset itself.")
        meta[key] = _plain_json(value, key)
    if metrics:
        meta["metrics"] = dict(meta.get("metrics") or {}, **_plain_json(metrics, "metrics"))
    if pictures is not None:
        pictures = np.asarray(pictures)
        with _atomic(folder / SAMPLES) as tmp:
            save_image_grid(pictures, tmp, columns=columns, scale=max(1, 128 // pictures.shape[1]),
                            row_labels=row_labels, column_labels=column_labels, title=title)
    return _write_card_and_metadata(folder, meta)


def push_folder(folder, repo_id, *, token=None, private=None, revision=None, commit_message=None,
                endpoint=None):
    """Uploads a preset folder (after verifying it) to Hub repo `repo_id`,
    creating the repo if needed. Returns the `huggingface_hub` CommitInfo;
    pin its `oid` as the preset's revision."""
    check_repo_id(repo_id)
    if revision is not None:
        check_revision(revision)
    metadata = _rehash_edited(Path(folder))
    if huggingface_hub.constants.HF_HUB_OFFLINE:
        raise PresetError(f"Cannot push {folder} to Hub repo {repo_id}: HF_HUB_OFFLINE is set. Unset it and "
                          "connect to the network.")
    # `create_repo` comes first and does not retry: without a network the
    # push fails within seconds, before anything is uploaded.
    files = [METADATA] + sorted(metadata["files"])
    try:
        api = huggingface_hub.HfApi(endpoint=endpoint, token=token)
        api.create_repo(repo_id, repo_type="model", private=private, exist_ok=True)
        return api.upload_folder(
            repo_id=repo_id,
            folder_path=str(folder),
            repo_type="model",
            revision=revision,
            commit_message=commit_message or f"Upload {metadata.get('name') or repo_id} (keras_perceptual preset)",
            allow_patterns=files,
        )
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except Exception as e:  # HTTP, authentication and transport errors of the Hub client
        text = " ".join(str(e).split())
        raise PresetError(
            f"Pushing {folder} to Hub repo {repo_id} failed: {type(e).__name__}: {text[:300]}. Check the "
            "network, the repo name and your token (`hf auth login`), then push again."
        ) from e


def _rehash_edited(folder):
    """Verifies a folder before publishing: config and weights must match
    `metadata.json`; a model card or `samples.png` edited by hand since
    saving is re-hashed into `metadata.json`, with a notice."""
    metadata = verify_folder(folder, skip=EDITABLE_FILES)
    files = metadata["files"]
    edited = []
    for name in EDITABLE_FILES:
        path = file_in(folder, name, f"file of {folder}")
        digest = sha256_file(path) if path.is_file() else None
        if digest != files.get(name):
            edited.append(name)
            if digest is None:
                files.pop(name)
            else:
                files[name] = digest
    if edited:
        write_atomic(folder / METADATA, json.dumps(metadata, indent=2, sort_keys=True) + "\n")
        bundled = folder.resolve().parent == Path(presets.WEIGHTS_DIR).resolve() and folder.name in presets.PRESETS
        warnings.warn(
            f"{', '.join(edited)} of {folder} changed since it was saved: re-hashed into {METADATA} "
            "(config and weights still match it)."
            + (" The registry's pin of this bundled preset must follow: run "
               "`python -m keras_perceptual.pin_presets`." if bundled else ""),
            stacklevel=3,
        )
    return metadata

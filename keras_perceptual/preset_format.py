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
import os
import re
import socket
import tempfile
import urllib.parse
from pathlib import Path

import numpy as np

from keras_perceptual.validation import fail
from keras_perceptual.validation import inside

FORMAT_VERSION = 1
CONFIG = "config.json"
WEIGHTS = "model.weights.h5"
METADATA = "metadata.json"
CARD = "README.md"
SAMPLES = "samples.png"
LEARNING_CURVE = "learning_curve.png"
PRESET_FILES = (CONFIG, WEIGHTS, METADATA, CARD, SAMPLES)
# Every file name a preset folder may hold: nothing else is read or written.
KNOWN_FILES = PRESET_FILES + (LEARNING_CURVE,)
# A JSON file of a preset larger than this is refused unread (the bundled
# configs are well under 1 MiB).
MAX_JSON_BYTES = 16 * 2**20
# Hub names, as the Hub and git accept them (`huggingface_hub.utils.
# validate_repo_id`; `git check-ref-format`).
_REPO_PART = re.compile(r"^[A-Za-z0-9_.\-]+$")
_REF_FORBIDDEN = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]")
MAX_REPO_ID = 96
MAX_REVISION = 255
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


def _no_constant(name):
    raise ValueError(f"{name} is not a JSON number")


def read_json(path, what):
    """The JSON object in `path`; a `PresetError` naming `what` otherwise
    (not JSON, NaN/Infinity, nested too deep, larger than MAX_JSON_BYTES)."""
    try:
        size = os.path.getsize(path)
        if size > MAX_JSON_BYTES:
            raise PresetError(
                f"{what} is {size} bytes, more than the {MAX_JSON_BYTES} a preset's JSON file may be: "
                "refusing to read it. Re-save the preset with `save_pretrained`."
            )
        data = json.loads(Path(path).read_text(encoding="utf-8"), parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError, RecursionError) as e:
        if isinstance(e, PresetError):
            raise
        raise PresetError(
            f"{what} is not valid JSON ({type(e).__name__}: {_short(e)}). Re-save the preset with `save_pretrained`."
        ) from e
    except OSError as e:
        raise PresetError(f"{what} could not be read: {type(e).__name__}: {_short(e)}.") from e
    if not isinstance(data, dict):
        raise PresetError(f"{what} must hold a JSON object. Received: {type(data).__name__}")
    return data


def _short(error, limit=200):
    text = " ".join(str(error).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_file_name(filename, where="file name"):
    """`filename` when it is one of the plain names of a preset folder
    (`KNOWN_FILES`); a `PresetError` otherwise (a path, `..`, anything else)."""
    if not isinstance(filename, str) or filename not in KNOWN_FILES:
        raise fail(where, f"one of the preset file names {list(KNOWN_FILES)}",
                   f"{_short(repr(filename), 80)} ({type(filename).__name__})",
                   hint="A preset folder holds these files only, never paths.", error=PresetError)
    return filename


def file_in(folder, filename, where="file name"):
    """`folder / filename` for a known preset file name, proven inside
    `folder` after resolving links (a link pointing out of it is refused)."""
    check_file_name(filename, where)
    try:
        return inside(folder, filename, name=where)
    except PresetError:
        raise
    except ValueError as e:
        raise PresetError(f"{e} A preset file that is a link out of its folder is never read or written.") from e


def check_repo_id(repo_id, name="repo_id", hint=None):
    """`repo_id` when it is a Hub model repo id 'org/name' by the Hub's own
    rules (letters, digits, `-`, `_`, `.`; no `--` or `..`; at most 96
    characters; no leading or trailing `-`/`.`); a `PresetError` otherwise."""
    ok = isinstance(repo_id, str) and len(repo_id) <= MAX_REPO_ID and repo_id.count("/") == 1
    if ok:
        parts = repo_id.split("/")
        ok = (all(_REPO_PART.match(p) and p[0] not in "-." and p[-1] not in "-." for p in parts)
              and "--" not in repo_id and ".." not in repo_id and not repo_id.endswith(".git"))
    if not ok:
        raise fail(name, f"a Hub repo id 'org/name' (letters, digits, '-', '_', '.'; no '..' or '--'; "
                   f"at most {MAX_REPO_ID} characters)",
                   f"{name}={_short(repr(repo_id), 80)} ({type(repo_id).__name__})", hint=hint, error=PresetError)
    return repo_id


def check_revision(revision, name="revision", hint=None):
    """`revision` when it is a git branch or tag name (`git check-ref-format`
    rules, `refs/pr/1` style slashes allowed) or a commit hash; a
    `PresetError` otherwise: `..`, a component starting with `.` or ending
    in `.lock`, `//`, a leading or trailing `/`, `@{`, backslashes, spaces,
    control characters, `~^:?*[` and names over 255 characters are refused."""
    ok = isinstance(revision, str) and 0 < len(revision) <= MAX_REVISION
    if ok:
        parts = revision.split("/")
        ok = (not _REF_FORBIDDEN.search(revision) and ".." not in revision and "@{" not in revision
              and revision != "@" and not revision.startswith("-") and not revision.endswith(".")
              and all(p and not p.startswith(".") and not p.endswith(".lock") for p in parts))
    if not ok:
        raise fail(name, f"a Hub branch, tag or commit hash (git ref-name rules: no '..', no leading '/' "
                   f"or '.', no spaces, control characters or any of ~^:?*[\\; at most {MAX_REVISION} "
                   "characters)", f"{name}={_short(repr(revision), 80)} ({type(revision).__name__})",
                   hint=hint, error=PresetError)
    return revision


# How long the one check that the Hub answers may take before a load falls
# back to the cache (huggingface_hub itself retries for about 30 s).
PROBE_TIMEOUT_S = 3.0
PROXY_VARIABLES = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")


def hub_unreachable(endpoint, timeout=PROBE_TIMEOUT_S):
    """None when a TCP connection to `endpoint`'s host opens within
    `timeout` seconds (or a proxy is configured: the proxy decides), else
    one line saying why not (refused, timed out, no such host)."""
    if any(os.environ.get(v) for v in PROXY_VARIABLES):
        return None
    url = urllib.parse.urlparse(str(endpoint))
    try:
        if not url.hostname:
            raise ValueError("no host in the endpoint URL")
        port = url.port or (443 if url.scheme == "https" else 80)
        with socket.create_connection((url.hostname, port), timeout=timeout):
            return None
    except (OSError, ValueError) as e:
        return f"{endpoint}: {type(e).__name__}: {_short(e)}"


class LocalSource:
    """A preset folder on disk. Only the known preset file names are read,
    each proven inside the folder (links out of it are refused)."""

    def __init__(self, folder):
        self.folder = Path(folder)

    def __str__(self):
        return f"folder {self.folder}"

    def fetch(self, filename):
        path = file_in(self.folder, filename, f"file of {self}")
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
    odd = [n for n in files if n not in KNOWN_FILES or n == METADATA]
    if odd:
        raise PresetError(
            f"{METADATA} of {source} lists names that are not preset files (paths outside the folder "
            f"are never read): {_short(repr(odd[:5]))}. "
            f"Expected names among {[n for n in KNOWN_FILES if n != METADATA]}, never paths. "
            "Re-save the preset with `save_pretrained`."
        )
    bad = [n for n, d in files.items() if not (isinstance(d, str) and re.fullmatch(r"[0-9a-f]{64}", d))]
    if bad:
        raise PresetError(
            f"{METADATA} of {source} records no valid sha256 (64 hex digits) for {bad}: received "
            f"{_short(repr(files[bad[0]]), 80)}. Re-save the preset with `save_pretrained`."
        )
    return dict(files)


def write_atomic(path, data):
    """Writes `data` (bytes or str) to `path` through a temporary file in the
    same folder and `os.replace`: readers see the old file or the new one,
    a link at `path` is replaced (never followed), and a failure leaves no
    temporary file behind."""
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    return path


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

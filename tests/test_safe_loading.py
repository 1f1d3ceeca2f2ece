"""Loading presets from strangers is safe: nothing a preset folder, a Hub
name or a revision says makes Python import a module, read or write outside
its folder or cache, or replace a user's files; an unreachable Hub fails in
seconds with one line."""

import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import keras
import pytest

import keras_perceptual as kp
from keras_perceptual import model_card
from keras_perceptual import preset_format
from keras_perceptual import preset_reader
from keras_perceptual import preset_writer
from keras_perceptual.preset_format import PresetError
from tests.test_hub import FakeHub
from tests.test_hub import folder_files

pytestmark = pytest.mark.backend_independent

REPO_ROOT = Path(__file__).resolve().parents[1]


def tiny_classifier(name="tiny"):
    """The smallest zoo model: a Classifier over Flatten -> Dense(2)."""
    x = keras.Input((4, 4, 1))
    y = keras.layers.Dense(2)(keras.layers.Flatten()(x))
    return kp.Classifier(keras.Model(x, y, name="net"), name=name)


@pytest.fixture(scope="module")
def preset(tmp_path_factory):
    """A tiny saved preset folder (copy it before changing it)."""
    folder = tiny_classifier().save_pretrained(tmp_path_factory.mktemp("preset") / "tiny", samples=0)
    keras.backend.clear_session()
    return folder


def reseal(folder, name, data):
    """Writes `name` and records its sha256 in metadata.json, as a
    consistent (but hostile) folder would."""
    data = data if isinstance(data, bytes) else data.encode()
    (folder / name).write_bytes(data)
    meta = json.loads((folder / "metadata.json").read_text())
    meta["files"][name] = hashlib.sha256(data).hexdigest()
    (folder / "metadata.json").write_text(json.dumps(meta))


def copy_of(preset, tmp_path, name="copy"):
    return Path(shutil.copytree(preset, tmp_path / name))


def with_config(folder, change):
    """Rewrites the folder's config.json through `change(document)`."""
    document = json.loads((folder / "config.json").read_text())
    change(document)
    reseal(folder, "config.json", json.dumps(document))
    return folder


def layer(document, class_name):
    layers = document["model"]["config"]["network"]["config"]["layers"]
    return next(entry for entry in layers if entry["class_name"] == class_name)


# -- a config never makes Python import a module --------------------------------------
# Modules planted on sys.path; importing any of them writes a marker file.
PLANTED = ("keras_x", "keras_perceptual_x", "keras_evil", "keras_hub", "keras_hub.evil", "keras_cv",
           "keras_cv.evil", "keras_nlp")
# Module strings a config names (some planted, some not importable at all).
MODULES = ("keras_x", "keras_perceptual_x", "keras_evil", "keras_hub.evil", "keras_cv.evil", "keras_nlp",
           "keras.x", "keras.src.evil", "keras_perceptual.evil", "os.path", "builtins", "subprocess")
PLACES = ("top-level model", "nested layer", "initializer", "activation", "dtype policy",
          "registered name", "typespec")
MARKER_CODE = textwrap.dedent("""
    import os
    with open(os.path.join(os.environ["KP_MARKERS"], __name__), "w") as f:
        f.write("imported")

    class Evil:
        @classmethod
        def from_config(cls, config):
            return cls()

    def fn(x):
        return x
""")


def hostile_config(document, module, place):
    """Names `module` in `place` of a saved classifier's config; returns the
    class or function name used."""
    name = {"os.path": "join", "builtins": "eval", "subprocess": "Popen"}.get(module, "Evil")
    entry = {"module": module, "class_name": name, "config": {}, "registered_name": None}
    if place == "top-level model":
        document["model"].update(module=module, class_name=name, registered_name=None)
    elif place == "nested layer":
        layer(document, "Dense").update(module=module, class_name=name, registered_name=None)
    elif place == "initializer":
        layer(document, "Dense")["config"]["kernel_initializer"] = entry
    elif place == "activation":
        name = "system" if module == "os.path" else ("eval" if module == "builtins" else "fn")
        layer(document, "Dense")["config"]["activation"] = {"module": module, "class_name": "function",
                                                             "config": name, "registered_name": name}
    elif place == "dtype policy":
        layer(document, "Flatten")["config"]["dtype"] = entry
    elif place == "registered name":
        layer(document, "Dense").update(registered_name=f"{module}>{name}")
        return f"{module}>{name}"
    elif place == "typespec":
        layer(document, "Dense")["config"]["kernel_initializer"] = {
            "class_name": "__typespec__", "spec_name": name, "module": module, "registered_name": None,
            "config": []}
        return "__typespec__"
    return name


CASES = [(m, p) for m in MODULES for p in PLACES]


@pytest.fixture(scope="module")
def planted_results(preset, tmp_path_factory):
    """Loads every hostile folder in ONE fresh interpreter whose sys.path
    starts with the planted modules; returns `{case: (error type, message)}`
    and what was imported."""
    root = tmp_path_factory.mktemp("planted")
    plant, markers = root / "plant", root / "markers"
    markers.mkdir()
    for module in PLANTED:
        parts = module.split(".")
        package = plant.joinpath(*parts[:-1]) if len(parts) > 1 else plant
        package.mkdir(parents=True, exist_ok=True)
        target = package / f"{parts[-1]}.py"
        if module in {"keras_hub", "keras_cv"}:
            target = plant / module / "__init__.py"
            target.parent.mkdir(exist_ok=True)
        target.write_text(MARKER_CODE)
    cases = {}
    for i, (module, place) in enumerate(CASES):
        folder = copy_of(preset, root, f"case{i}")
        names = []
        with_config(folder, lambda d: names.append(hostile_config(d, module, place)))
        cases[f"{module}|{place}"] = (str(folder), names[0])
    script = textwrap.dedent("""
        import json, sys
        import keras_perceptual as kp
        out = {}
        for key, (folder, _) in json.loads(sys.argv[1]).items():
            loader = kp.Classifier.from_pretrained if len(out) % 2 else kp.from_pretrained
            try:
                loader(folder)
                out[key] = ["loaded", ""]
            except Exception as e:
                out[key] = [type(e).__name__, str(e)]
        planted = [m for m in sys.modules if m.split(".")[0] in ("keras_x", "keras_perceptual_x", "keras_evil",
                                                               "keras_hub", "keras_cv", "keras_nlp")
                   or m in ("keras.x", "keras.src.evil", "keras_perceptual.evil")]
        print("RESULT" + json.dumps({"cases": out, "imported": planted}))
    """)
    env = dict(os.environ, KP_MARKERS=str(markers),
               PYTHONPATH=os.pathsep.join([str(plant), str(REPO_ROOT), os.environ.get("PYTHONPATH", "")]))
    run = subprocess.run([sys.executable, "-c", script, json.dumps(cases)], env=env, capture_output=True,
                         text=True, timeout=600)
    line = [x for x in run.stdout.splitlines() if x.startswith("RESULT")]
    assert run.returncode == 0 and line, run.stderr[-3000:]
    result = json.loads(line[0][len("RESULT"):])
    return result, cases, sorted(os.listdir(markers))


def test_no_planted_module_was_imported(planted_results):
    result, _, markers = planted_results
    assert markers == []
    assert result["imported"] == []


@pytest.mark.parametrize("place", PLACES)
def test_a_config_naming_a_module_is_refused_before_any_import(planted_results, place):
    """Every module of MODULES named in `place`: a PresetError naming the
    class (or function) and the module, before anything was imported."""
    result, cases, _ = planted_results
    for module in MODULES:
        kind, message = result["cases"][f"{module}|{place}"]
        name = cases[f"{module}|{place}"][1]
        assert kind == "PresetError", (module, message)
        assert repr(name) in message, (module, message)
        if place != "typespec":
            assert module in message, (module, message)
        assert "config.json" in message and "nothing it names was imported" in message, (module, message)


# -- bad names: refused with what was received, before any network or file access -----
@pytest.mark.parametrize("call,received", [
    (lambda: kp.from_pretrained("hf://org/repo@../../outside"), "revision='../../outside'"),
    (lambda: kp.from_pretrained("hf://org/repo@refs/../../x"), "revision='refs/../../x'"),
    (lambda: kp.from_pretrained("hf://org/repo@/etc"), "revision='/etc'"),
    (lambda: kp.from_pretrained("hf://org/repo@a\\b"), "revision='a\\\\b'"),
    (lambda: kp.from_pretrained("hf://org/repo@a//b"), "revision='a//b'"),
    (lambda: kp.from_pretrained("hf://org/repo@ma in"), "revision='ma in'"),
    (lambda: kp.from_pretrained("hf://org/repo@x\x01"), "revision='x\\x01'"),
    (lambda: kp.from_pretrained("hf://org/repo@.hidden"), "revision='.hidden'"),
    (lambda: kp.from_pretrained("hf://org/repo@"), "revision=''"),
    (lambda: kp.from_pretrained("hf://org/repo@" + "a" * 300), "revision='aaaa"),
    (lambda: kp.from_pretrained("hf://org/repo", revision="../x"), "revision='../x'"),
    (lambda: kp.from_pretrained("hf://org/repo", revision=7), "revision=7 (int)"),
    (lambda: kp.VAEGAN.from_pretrained("fashion_mnist", revision="main/../../x"), "revision='main/../../x'"),
    (lambda: kp.from_pretrained("hf://../outside"), "repo_id='../outside'"),
    (lambda: kp.from_pretrained("hf://org/.."), "repo_id='org/..'"),
    (lambda: kp.from_pretrained("hf://org/a/b"), "repo_id='org/a/b'"),
    (lambda: kp.from_pretrained("hf://just-a-name"), "repo_id='just-a-name'"),
    (lambda: kp.from_pretrained("hf://org--x/y"), "repo_id='org--x/y'"),
    (lambda: kp.from_pretrained("hf:///etc/passwd"), "repo_id='/etc/passwd'"),
    (lambda: kp.from_pretrained("no_such_preset"), "Unknown preset 'no_such_preset'"),
    (lambda: kp.from_pretrained("bad\x00name"), "name_or_path='bad\\x00name'"),
    (lambda: preset_reader.HubSource("org/repo", "..").fetch("config.json"), "revision='..'"),
    (lambda: preset_writer.push_folder(".", "../x"), "repo_id='../x'"),
    (lambda: preset_writer.push_folder(".", "org/x", revision="../main"), "revision='../main'"),
    (lambda: tiny_classifier().push_to_hub("org/../x"), "repo_id='org/../x'"),
])
def test_bad_names_are_refused_saying_what_was_received(call, received):
    with pytest.raises(PresetError) as caught:
        call()
    assert received in str(caught.value)


def test_name_checks_agree_with_huggingface_hub():
    from huggingface_hub.utils import HFValidationError
    from huggingface_hub.utils import validate_repo_id

    for repo_id in ("org/name", "a-b/c.d_e", "../x", "org/..", "a--b/c", "a/b.", "-a/b", "a/b c"):
        try:
            validate_repo_id(repo_id)
            hub_ok = True
        except HFValidationError:
            hub_ok = False
        try:
            preset_format.check_repo_id(repo_id)
            ours = True
        except PresetError:
            ours = False
        assert ours == hub_ok or (hub_ok and not ours), repo_id  # never laxer than the Hub
    for revision in ("main", "v1.0", "refs/pr/1", "a" * 40, "release-2024_01"):
        assert preset_format.check_revision(revision) == revision


# -- bad preset folders ---------------------------------------------------------------
def _meta(change):
    def apply(folder):
        meta = json.loads((folder / "metadata.json").read_text())
        meta = change(meta)
        (folder / "metadata.json").write_text(json.dumps(meta))
    return apply


def _config(change):
    return lambda folder: with_config(folder, change)


def _raw(name, data):
    return lambda folder: (folder / name).write_bytes(data)


def _deep(document):
    node = document["model"]["config"]
    for _ in range(80):
        node["x"] = {}
        node = node["x"]


BAD_FOLDERS = [
    ("metadata is a list", _raw("metadata.json", b"[1, 2]"), "metadata.json of folder .* must hold a JSON object"),
    ("metadata is not JSON", _raw("metadata.json", b"{nope"), "metadata.json of folder .* is not valid JSON"),
    ("metadata holds NaN", _raw("metadata.json", b'{"files": {}, "x": NaN}'), "not valid JSON.*NaN"),
    ("metadata nested deep", _raw("metadata.json", b"[" * 100000 + b"]" * 100000), "not valid JSON"),
    ("files is a list", _meta(lambda m: dict(m, files=[])), "lacks its `files` table"),
    ("files names a path", _meta(lambda m: dict(m, files=dict(m["files"], **{"../x": "0" * 64}))),
     r"not preset files .*'\.\./x'"),
    ("files names an absolute path", _meta(lambda m: dict(m, files={"/etc/passwd": "0" * 64})),
     "not preset files .*'/etc/passwd'"),
    ("files names metadata", _meta(lambda m: dict(m, files=dict(m["files"], **{"metadata.json": "0" * 64}))),
     "not preset files .*'metadata.json'"),
    ("sha256 not a string", _meta(lambda m: dict(m, files=dict(m["files"], **{"config.json": 5}))),
     "no valid sha256 .*config.json.*received 5"),
    ("config tampered", _raw("config.json", b"{}"), "sha256 mismatch for config.json"),
    ("config is a list", lambda f: reseal(f, "config.json", "[]"), "config.json of folder .* must hold a JSON object"),
    ("config model is a string", _config(lambda d: d.update(model="Evil")),
     "not a keras_perceptual preset config.*model entry missing"),
    ("config format version", _config(lambda d: d.update(format_version=99)), "format_version=99"),
    ("class_name not a string", _config(lambda d: d["model"].update(class_name=5)), "class_name 5"),
    ("no class_name", _config(lambda d: d["model"].pop("class_name")), "holds no model config"),
    ("lambda anywhere", _config(lambda d: layer(d, "Dense")["config"].update(
        activation={"class_name": "__lambda__", "config": {"value": "ZZZ"}})), "serialized Python code"),
    ("Lambda layer", _config(lambda d: layer(d, "Dense").update(class_name="Lambda")), "class 'Lambda'"),
    ("TFSMLayer", _config(lambda d: layer(d, "Dense").update(class_name="TFSMLayer")), "class 'TFSMLayer'"),
    ("keras utility", _config(lambda d: layer(d, "Dense").update(module="keras.utils", class_name="get_file")),
     "class 'get_file' .*module 'keras.utils'"),
    ("non-modeling function", _config(lambda d: layer(d, "Dense")["config"].update(activation={
        "module": "keras.models", "class_name": "function", "config": "load_model", "registered_name": None})),
     "function 'load_model' .*module 'keras.models'"),
    ("getter as a function", _config(lambda d: layer(d, "Dense")["config"].update(activation={
        "module": "builtins", "class_name": "function", "config": "deserialize", "registered_name": None})),
     "function 'deserialize'"),
    ("layer reading a file", _config(lambda d: layer(d, "Dense").update(class_name="StringLookup")),
     "class 'StringLookup'"),
    ("legacy config without module", _config(lambda d: layer(d, "Dense").update(
        module=None, class_name="Evil")), "class 'Evil'"),
    ("nested too deep", _config(_deep), "nested more than 64 levels"),
    ("skipped networks", _config(lambda d: d.update(skipped_networks="network")), "skipped_networks"),
    ("weights truncated", lambda f: reseal(f, "model.weights.h5", (f / "model.weights.h5").read_bytes()[:100]),
     "model.weights.h5"),
]


@pytest.mark.parametrize("change,match", [c[1:] for c in BAD_FOLDERS], ids=[c[0] for c in BAD_FOLDERS])
def test_bad_preset_folders_are_refused_naming_the_file(preset, tmp_path, change, match):
    folder = copy_of(preset, tmp_path)
    change(folder)
    with pytest.raises(PresetError, match=match):
        kp.from_pretrained(folder)


def test_a_json_file_over_the_size_limit_is_not_read(preset, tmp_path, monkeypatch):
    folder = copy_of(preset, tmp_path)
    monkeypatch.setattr(preset_format, "MAX_JSON_BYTES", 100)
    with pytest.raises(PresetError, match=r"metadata.json of folder .* is \d+ bytes, more than the 100"):
        kp.from_pretrained(folder)


def test_a_link_out_of_the_folder_is_refused(preset, tmp_path):
    folder = copy_of(preset, tmp_path)
    outside = tmp_path / "outside.json"
    shutil.copy(folder / "config.json", outside)
    (folder / "config.json").unlink()
    (folder / "config.json").symlink_to(outside)
    with pytest.raises(PresetError, match=r"config.json.*outside\.json.*link out of its folder"):
        kp.from_pretrained(folder)
    # A link inside the folder is fine.
    (folder / "config.json").unlink()
    shutil.copy(outside, folder / "real.json")
    (folder / "config.json").symlink_to("real.json")
    assert isinstance(kp.from_pretrained(folder), kp.Classifier)


def test_a_registered_object_of_another_package_named_by_a_string_is_refused(preset, tmp_path):
    @keras.saving.register_keras_serializable(package="someone_else")
    def helper(x):
        return x

    try:
        folder = with_config(copy_of(preset, tmp_path),
                             lambda d: layer(d, "Dense")["config"].update(activation="someone_else>helper"))
        with pytest.raises(PresetError, match="registered object 'someone_else>helper'"):
            kp.from_pretrained(folder)
    finally:
        keras.saving.get_custom_objects().pop("someone_else>helper", None)


# -- the Hub: names checked, paths inside the cache, fail fast offline -------------------
def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_revision_with_dots_writes_nothing_outside_the_cache(preset, tmp_path):
    hub = FakeHub()
    try:
        hub.add("org/repo", "a" * 40, folder_files(preset), refs=("main",))
        cache = tmp_path / "cache"
        with pytest.raises(PresetError, match="revision='../../../escaped'"):
            kp.from_pretrained("hf://org/repo@../../../escaped", cache_dir=cache, endpoint=hub.endpoint)
        assert hub.requests == []
        assert sorted(p.name for p in tmp_path.iterdir()) == []
        model = kp.from_pretrained("hf://org/repo@main", cache_dir=cache, endpoint=hub.endpoint)
        assert isinstance(model, kp.Classifier)
        assert all(cache.resolve() in p.resolve().parents for p in tmp_path.rglob("*") if p.is_file())
    finally:
        hub.stop()


def test_a_download_resolving_outside_the_cache_is_refused(preset, tmp_path, monkeypatch):
    import huggingface_hub

    outside = tmp_path / "elsewhere" / "metadata.json"
    outside.parent.mkdir()
    shutil.copy(preset / "metadata.json", outside)
    monkeypatch.setattr(huggingface_hub, "hf_hub_download", lambda *a, **k: str(outside))
    monkeypatch.setattr(preset_reader, "hub_unreachable", lambda endpoint: None)
    with pytest.raises(PresetError, match="resolved to .*elsewhere.*outside the cache"):
        kp.from_pretrained("hf://org/repo", cache_dir=tmp_path / "cache")


def test_unreachable_hub_fails_fast_in_one_line(tmp_path):
    endpoint = f"http://127.0.0.1:{closed_port()}"
    start = time.monotonic()
    with pytest.raises(PresetError) as caught:
        kp.from_pretrained("hf://org/repo", cache_dir=tmp_path / "cache", endpoint=endpoint)
    elapsed = time.monotonic() - start
    message = str(caught.value)
    assert elapsed < 5, elapsed
    assert "\n" not in message
    assert "metadata.json of Hub repo org/repo@main" in message and "could not be reached" in message
    assert "127.0.0.1" in message and "ConnectionRefusedError" in message


def test_unreachable_hub_still_loads_from_the_cache(preset, tmp_path):
    hub = FakeHub()
    hub.add("org/repo", "a" * 40, folder_files(preset), refs=("main",))
    cache = tmp_path / "cache"
    kp.from_pretrained("hf://org/repo", cache_dir=cache, endpoint=hub.endpoint)
    hub.stop()
    start = time.monotonic()
    model = kp.from_pretrained("hf://org/repo", cache_dir=cache, endpoint=hub.endpoint)
    assert isinstance(model, kp.Classifier) and time.monotonic() - start < 5


def test_push_without_network_fails_fast_in_one_line(preset, tmp_path):
    folder = copy_of(preset, tmp_path)
    start = time.monotonic()
    with pytest.raises(PresetError) as caught:
        preset_writer.push_folder(folder, "org/repo", endpoint=f"http://127.0.0.1:{closed_port()}", token="x")
    assert time.monotonic() - start < 5
    message = str(caught.value)
    assert "\n" not in message and "Pushing" in message and "org/repo" in message


# -- the writer never destroys a user's files --------------------------------------------
def test_save_pretrained_refuses_a_folder_of_user_files(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "a.txt").write_text("mine")
    (folder / "README.md").write_text("my readme")
    (folder / "notes").mkdir()
    with pytest.raises(PresetError, match=r"Expected an empty folder or a preset folder written by "
                                          r"save_pretrained, received a folder with 3 other file\(s\): "
                                          r"README.md, a.txt, notes"):
        tiny_classifier().save_pretrained(folder)
    assert (folder / "a.txt").read_text() == "mine" and (folder / "README.md").read_text() == "my readme"
    assert sorted(os.listdir(folder)) == ["README.md", "a.txt", "notes"]
    with pytest.raises(PresetError, match="is a file"):
        tiny_classifier().save_pretrained(folder / "a.txt")


def test_save_pretrained_replaces_a_preset_only_with_overwrite(preset, tmp_path):
    folder = copy_of(preset, tmp_path)
    before = folder_files(folder)
    with pytest.raises(PresetError, match="Expected `overwrite=True` to replace the preset already in"):
        tiny_classifier("other").save_pretrained(folder, samples=0)
    assert folder_files(folder) == before
    tiny_classifier("other").save_pretrained(folder, samples=0, overwrite=True)
    assert json.loads((folder / "metadata.json").read_text())["files"] != json.loads(before["metadata.json"])["files"]
    # A model re-saved into the folder it was loaded from needs no option.
    kp.from_pretrained(folder).save_pretrained(folder, samples=0)
    preset_format.verify_folder(folder)
    with pytest.raises(ValueError, match="overwrite"):
        tiny_classifier().save_pretrained(tmp_path / "x", overwrite="yes")


def test_save_pretrained_never_follows_a_link(preset, tmp_path):
    folder = copy_of(preset, tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (folder / "README.md").unlink()
    (folder / "README.md").symlink_to(victim)
    with pytest.raises(PresetError, match="1 other file.*README.md"):
        tiny_classifier().save_pretrained(folder, overwrite=True)
    assert victim.read_text() == "precious"


def test_a_failed_save_leaves_no_partial_files(preset, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(model_card, "render", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        tiny_classifier().save_pretrained(tmp_path / "new", samples=0)
    assert not (tmp_path / "new").exists()
    folder = copy_of(preset, tmp_path)
    before = folder_files(folder)
    with pytest.raises(RuntimeError, match="disk full"):
        tiny_classifier().save_pretrained(folder, samples=0, overwrite=True)
    assert sorted(os.listdir(folder)) == sorted(before)  # no temporary file or folder left
    assert folder_files(folder) == before  # the old preset intact


def test_every_bundled_preset_passes_the_allowlist():
    for config in sorted((REPO_ROOT / "weights").glob("*/config.json")):
        document = json.loads(config.read_text())
        found = preset_reader.check_config(document["model"], str(config))
        assert isinstance(found, type) and issubclass(found, keras.Model), config


@pytest.mark.parametrize("field,value,received", [
    ("name", "../escape", "name='../escape'"),
    ("name", "Vaegan/x", "name='Vaegan/x'"),
    ("hub_repo", "org/../x", "hub_repo='org/../x'"),
])
def test_registry_entries_are_plain_names(field, value, received):
    import dataclasses

    from keras_perceptual import presets

    with pytest.raises(ValueError) as caught:
        dataclasses.replace(presets.get_spec("vaegan_fashion_mnist"), **{field: value})
    assert received in str(caught.value)

"""from_pretrained / save_pretrained / push_to_hub against a small hub server
on 127.0.0.1 (the real `huggingface_hub` download path, no network)."""

import dataclasses
import hashlib
import http.server
import json
import shutil
import threading
import urllib.parse
from pathlib import Path

import keras
import numpy as np
import pytest

import keras_perceptual as kp
from keras_perceptual import hub
from keras_perceptual import preset_writer
from keras_perceptual import presets
from keras_perceptual.hub import PresetError

COMMIT_A = "a" * 40
COMMIT_B = "b" * 40
REPO = "kp-test/tiny-vaegan"


def tiny_vaegan(latent_dim=4, seed=1):
    """A VAE/GAN with networks a few hundred weights big (BatchNorm included,
    so non-trainable statistics are saved too)."""
    L = keras.layers
    x = keras.Input((28, 28, 1))
    h = L.Flatten()(L.BatchNormalization()(L.Conv2D(4, 3, strides=4)(x)))
    encoder = keras.Model(x, [L.Dense(latent_dim)(h), L.Dense(latent_dim)(h)], name="encoder")
    z = keras.Input((latent_dim,))
    h = L.Reshape((7, 7, 2))(L.Dense(7 * 7 * 2)(z))
    decoder = keras.Model(z, L.Conv2DTranspose(1, 3, strides=4, padding="same", activation="tanh")(h),
                          name="decoder")
    x = keras.Input((28, 28, 1))
    features = L.Conv2D(4, 3, strides=4)(x)
    logits = L.Dense(1)(L.Flatten()(L.BatchNormalization()(features)))
    discriminator = keras.Model(x, [logits, features], name="discriminator")
    return kp.VAEGAN(encoder, decoder, discriminator, gamma=1e-3, seed=seed)


def images(n=8, seed=0):
    return np.random.default_rng(seed).uniform(-1, 1, (n, 28, 28, 1)).astype("float32")


def folder_files(folder):
    return {p.name: p.read_bytes() for p in Path(folder).iterdir() if p.is_file()}


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """Two tiny presets (A and B: different weights) and their outputs."""
    root = tmp_path_factory.mktemp("presets")
    out = {}
    for key, seed in (("A", 1), ("B", 2)):
        keras.utils.set_random_seed(seed)
        model = tiny_vaegan(seed=seed)
        folder = model.save_pretrained(root / key, metadata={"dataset": "fashion_mnist"}, samples=4)
        out[key] = (folder, model.reconstruct(images()))
    keras.backend.clear_session()
    return out


# -- the hub server -----------------------------------------------------------
class FakeHub:
    """Answers HEAD/GET /{repo}/resolve/{revision}/{file} like the Hub."""

    def __init__(self):
        self.repos = {}  # repo -> {"refs": {name: commit}, "commits": {commit: {file: bytes}}}
        self.truncate = set()  # files whose GET body is cut short
        self.requests = []
        hub_ = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_HEAD(self):
                hub_.answer(self, body=False)

            def do_GET(self):
                hub_.answer(self, body=True)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.running = True

    def add(self, repo, commit, files, refs=("main",)):
        entry = self.repos.setdefault(repo, {"refs": {}, "commits": {}})
        entry["commits"][commit] = dict(files)
        for ref in refs:
            entry["refs"][ref] = commit

    def answer(self, handler, body):
        path = urllib.parse.unquote(urllib.parse.urlparse(handler.path).path)
        self.requests.append((handler.command, path))
        parts = path.strip("/").split("/")
        if len(parts) < 5 or parts[2] != "resolve":
            return self.error(handler, "RepoNotFound", "")
        repo, revision, filename = "/".join(parts[:2]), parts[3], "/".join(parts[4:])
        if repo not in self.repos:
            return self.error(handler, "RepoNotFound", "")
        entry = self.repos[repo]
        commit = entry["refs"].get(revision, revision)
        if commit not in entry["commits"]:
            return self.error(handler, "RevisionNotFound", "")
        files = entry["commits"][commit]
        if filename not in files:
            return self.error(handler, "EntryNotFound", commit)
        data = files[filename]
        sent = data[: len(data) // 2] if body and filename in self.truncate else data
        handler.send_response(200)
        handler.send_header("X-Repo-Commit", commit)
        handler.send_header("ETag", '"' + hashlib.sha256(data).hexdigest() + '"')
        handler.send_header("Content-Length", str(len(sent)))
        handler.end_headers()
        if body:
            handler.wfile.write(sent)

    def error(self, handler, code, commit):
        handler.send_response(404)
        handler.send_header("X-Error-Code", code)
        if commit:
            handler.send_header("X-Repo-Commit", commit)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    def stop(self):
        if self.running:
            self.server.shutdown()
            self.server.server_close()
            self.running = False


@pytest.fixture
def fake_hub():
    server = FakeHub()
    yield server
    server.stop()


@pytest.fixture
def registered(monkeypatch, tmp_path, saved):
    """A registered preset "vaegan_tiny" published at COMMIT_A of REPO, its
    metadata.json pinned, and no local `weights/` folder."""
    folder, _ = saved["A"]
    spec = dataclasses.replace(presets.get_spec("vaegan_fashion_mnist"), name="vaegan_tiny", hub_repo=REPO,
                               hub_revision=COMMIT_A, metadata_sha256=hub.sha256_file(folder / "metadata.json"),
                               description="tiny test preset")
    monkeypatch.setitem(presets.PRESETS, "vaegan_tiny", spec)
    monkeypatch.setattr(presets, "WEIGHTS_DIR", tmp_path / "no_weights_here")
    return spec


def load(name, fake, cache, **kwargs):
    return kp.VAEGAN.from_pretrained(name, cache_dir=cache, endpoint=fake.endpoint, **kwargs)


def cached_files(cache):
    return sorted(str(p.relative_to(cache)) for p in Path(cache).rglob("*") if p.is_file())


# -- save_pretrained ----------------------------------------------------------
def test_save_pretrained_writes_a_verified_preset_folder(saved):
    folder, _ = saved["A"]
    names = {p.name for p in folder.iterdir()}
    assert names == {"config.json", "model.weights.h5", "metadata.json", "README.md", "samples.png"}
    meta = json.loads((folder / "metadata.json").read_text())
    for name, digest in meta["files"].items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest
    assert set(meta["files"]) == names - {"metadata.json"}
    assert meta["input"] == {"shape": [28, 28, 1], "channels": 1, "value_range": [-1.0, 1.0]}
    assert meta["dataset"] == "fashion_mnist" and meta["model"] == "VAEGAN"
    assert meta["versions"]["keras"] == keras.__version__
    assert meta["parameters"] == tiny_vaegan().count_params()
    config = json.loads((folder / "config.json").read_text())
    assert config["format_version"] == hub.FORMAT_VERSION
    assert config["model"]["registered_name"] == "keras_perceptual>VAEGAN"
    assert "compile_config" not in config["model"]
    card = (folder / "README.md").read_text()
    header = card.split("---")[1]
    assert "library_name: keras" in header and "tags:" in header and "fashion_mnist" in header
    for section in ("## Usage", "## Training recipe", "## Measured metrics", "## Limitations"):
        assert section in card
    assert hub.verify_folder(folder)["files"] == meta["files"]


def test_compiled_model_round_trip_gives_identical_outputs(tmp_path):
    import h5py

    model = tiny_vaegan()
    model.compile(optimizer=keras.optimizers.RMSprop(1e-3), jit_compile=False)
    x = images(16)
    model.fit(x, epochs=1, batch_size=8, verbose=0)
    folder = model.save_pretrained(tmp_path / "trained", metadata={"metrics": {"mse": 0.5}, "steps": 2})
    with h5py.File(folder / "model.weights.h5", "r") as f:
        groups = []
        f.visit(groups.append)
    assert not [g for g in groups if "optimizer" in g or "rm_sprop" in g], groups
    loaded = kp.VAEGAN.from_pretrained(folder)
    assert type(loaded) is kp.VAEGAN and getattr(loaded, "optimizer", None) is None
    np.testing.assert_array_equal(loaded.reconstruct(x), model.reconstruct(x))
    np.testing.assert_array_equal(loaded.generate(4, seed=3), model.generate(4, seed=3))
    # The module-level loader picks the class from config.json.
    again = kp.from_pretrained(str(folder))
    assert type(again) is kp.VAEGAN
    np.testing.assert_array_equal(again.reconstruct(x), model.reconstruct(x))
    assert "| mse | 0.5 |" in (folder / "README.md").read_text()


def test_from_pretrained_checks_the_class(saved):
    @keras.saving.register_keras_serializable(package="kp_test_hub")
    class Unrelated(hub.PretrainedMixin, keras.Model):
        pass

    folder, ref = saved["A"]
    with pytest.raises(PresetError, match="holds a VAEGAN, not a Unrelated"):
        Unrelated.from_pretrained(folder)
    base = kp.AdversarialModel.from_pretrained(folder)  # a subclass is fine
    np.testing.assert_array_equal(base.reconstruct(images()), ref)


@pytest.mark.backend_independent
def test_save_pretrained_rejects_bad_metadata(tmp_path):
    model = tiny_vaegan()
    with pytest.raises(ValueError, match="metadata"):
        model.save_pretrained(tmp_path / "x", metadata=["not", "a", "dict"])
    with pytest.raises(ValueError, match="files"):
        model.save_pretrained(tmp_path / "x", metadata={"files": {}})
    with pytest.raises(ValueError, match=r"metadata\['hardware'\].*JSON"):
        model.save_pretrained(tmp_path / "x", metadata={"hardware": {"gpu": object()}})
    folder = model.save_pretrained(tmp_path / "y", samples=0, metadata={"metrics": {"fid": np.float32(1.5)}})
    meta = json.loads((folder / "metadata.json").read_text())
    assert meta["metrics"] == {"fid": 1.5} and "samples.png" not in meta["files"]


# -- the download path ----------------------------------------------------------
@pytest.mark.backend_independent
def test_download_then_cache_with_server_stopped_then_offline(fake_hub, registered, saved, tmp_path):
    folder, ref = saved["A"]
    fake_hub.add(REPO, COMMIT_A, folder_files(folder))
    cache = tmp_path / "cache"
    model = load("vaegan_tiny", fake_hub, cache)
    np.testing.assert_array_equal(model.reconstruct(images()), ref)
    fetched = {p.split("/")[-1] for m, p in fake_hub.requests if m == "GET"}
    assert fetched == {"metadata.json", "config.json", "model.weights.h5"}
    fake_hub.stop()
    # Served from the cache: the pinned revision is a commit.
    again = load("vaegan_tiny", fake_hub, cache)
    np.testing.assert_array_equal(again.reconstruct(images()), ref)
    offline = load("tiny", fake_hub, cache, local_files_only=True)  # short name
    np.testing.assert_array_equal(offline.reconstruct(images()), ref)
    # A branch name also resolves from the cache once downloaded.


@pytest.mark.backend_independent
def test_local_files_only_without_cache_says_what_to_do(fake_hub, registered, saved, tmp_path):
    fake_hub.add(REPO, COMMIT_A, folder_files(saved["A"][0]))
    with pytest.raises(PresetError, match="not in cache_dir.*local_files_only=True.*Connect"):
        load("vaegan_tiny", fake_hub, tmp_path / "empty", local_files_only=True)
    assert fake_hub.requests == []


@pytest.mark.backend_independent
def test_no_network_and_no_cache(monkeypatch, registered, tmp_path):
    import huggingface_hub.utils._http as hf_http

    # huggingface_hub retries with back-off (about 24 s) before giving up.
    monkeypatch.setattr(hf_http.time, "sleep", lambda seconds: None)
    down = FakeHub()
    down.stop()
    with pytest.raises(PresetError, match="could not be reached"):
        load("vaegan_tiny", down, tmp_path / "cache")


@pytest.mark.backend_independent
def test_pinned_revision(fake_hub, registered, saved, tmp_path):
    (folder_a, ref_a), (folder_b, ref_b) = saved["A"], saved["B"]
    fake_hub.add(REPO, COMMIT_A, folder_files(folder_a), refs=())
    fake_hub.add(REPO, COMMIT_B, folder_files(folder_b), refs=("main",))
    assert not np.array_equal(ref_a, ref_b)
    cache = tmp_path / "cache"
    # The registry pins COMMIT_A although main has moved on.
    np.testing.assert_array_equal(load("vaegan_tiny", fake_hub, cache).reconstruct(images()), ref_a)
    assert all(COMMIT_A in p for _, p in fake_hub.requests)
    np.testing.assert_array_equal(load(f"hf://{REPO}", fake_hub, cache).reconstruct(images()), ref_b)
    np.testing.assert_array_equal(load(f"hf://{REPO}@{COMMIT_A}", fake_hub, cache).reconstruct(images()), ref_a)
    # Another revision of a registered preset: its own metadata vouches for it.
    np.testing.assert_array_equal(load("vaegan_tiny", fake_hub, cache, revision="main").reconstruct(images()), ref_b)
    with pytest.raises(PresetError, match="Revision 'v9' does not exist"):
        load(f"hf://{REPO}@v9", fake_hub, cache)
    with pytest.raises(PresetError, match="does not exist or is private"):
        load("hf://kp-test/nothing", fake_hub, cache)
    with pytest.raises(ValueError, match="Two different revisions"):
        load(f"hf://{REPO}@main", fake_hub, cache, revision=COMMIT_A)


@pytest.mark.backend_independent
def test_tampered_download_is_refused_and_dropped_from_cache(fake_hub, registered, saved, tmp_path):
    folder, ref = saved["A"]
    files = folder_files(folder)
    original = files["config.json"]
    files["config.json"] = original.replace(b'"gamma": 0.001', b'"gamma": 0.5')
    assert files["config.json"] != original
    fake_hub.add(REPO, COMMIT_A, files)
    cache = tmp_path / "cache"
    with pytest.raises(PresetError, match="sha256 mismatch for config.json.*removed from the cache"):
        load(f"hf://{REPO}", fake_hub, cache)
    assert not [f for f in cached_files(cache) if f.endswith("config.json")]
    # The registry's pin catches a metadata.json rewritten to match.
    meta = json.loads(files["metadata.json"])
    meta["files"]["config.json"] = hashlib.sha256(files["config.json"]).hexdigest()
    files["metadata.json"] = json.dumps(meta).encode()
    fake_hub.add(REPO, COMMIT_A, files)
    with pytest.raises(PresetError, match="sha256 mismatch for metadata.json"):
        load("vaegan_tiny", fake_hub, tmp_path / "cache2")
    # Fixed upstream: the next load downloads afresh and works.
    fake_hub.add(REPO, COMMIT_B, folder_files(folder))
    np.testing.assert_array_equal(load(f"hf://{REPO}", fake_hub, cache).reconstruct(images()), ref)


@pytest.mark.backend_independent
def test_tampered_local_file_is_refused_and_kept(saved, tmp_path):
    folder = Path(shutil.copytree(saved["A"][0], tmp_path / "copy"))
    weights = folder / "model.weights.h5"
    data = bytearray(weights.read_bytes())
    data[-100] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(PresetError, match="sha256 mismatch for model.weights.h5.*was not read"):
        kp.VAEGAN.from_pretrained(folder)
    assert weights.read_bytes() == bytes(data)
    with pytest.raises(PresetError, match="sha256 mismatch"):
        hub.verify_folder(folder)
    # load_weights=False reads only config.json, which is intact.
    assert isinstance(kp.VAEGAN.from_pretrained(folder, load_weights=False), kp.VAEGAN)


@pytest.mark.backend_independent
def test_missing_file(fake_hub, registered, saved, tmp_path):
    files = folder_files(saved["A"][0])
    del files["model.weights.h5"]
    fake_hub.add(REPO, COMMIT_A, files)
    with pytest.raises(PresetError, match="has no file model.weights.h5"):
        load(f"hf://{REPO}", fake_hub, tmp_path / "cache")
    model = load(f"hf://{REPO}", fake_hub, tmp_path / "cache", load_weights=False)
    assert model.latent_dim == 4
    local = Path(shutil.copytree(saved["A"][0], tmp_path / "local"))
    (local / "metadata.json").unlink()
    with pytest.raises(PresetError, match="has no metadata.json"):
        kp.VAEGAN.from_pretrained(local)


@pytest.mark.backend_independent
def test_failed_download_leaves_no_partial_file(fake_hub, registered, saved, tmp_path):
    folder, ref = saved["A"]
    fake_hub.add(REPO, COMMIT_A, folder_files(folder))
    fake_hub.truncate = {"model.weights.h5"}
    cache = tmp_path / "cache"
    with pytest.raises(PresetError, match="(?s)Downloading model.weights.h5 .* failed.*Nothing partial"):
        load("vaegan_tiny", fake_hub, cache)
    leftovers = [f for f in cached_files(cache) if "incomplete" in f]
    assert leftovers == []
    size = len(folder_files(folder)["model.weights.h5"])
    blobs = [p for p in Path(cache).rglob("blobs/*") if p.is_file()]
    assert all(p.stat().st_size != size // 2 for p in blobs)
    fake_hub.truncate = set()
    np.testing.assert_array_equal(load("vaegan_tiny", fake_hub, cache).reconstruct(images()), ref)


# -- what is read, and only that ------------------------------------------------
def _rewrite(folder, name, data):
    """Replaces a file and records its sha256, as a consistent folder would."""
    (folder / name).write_bytes(data)
    meta = json.loads((folder / "metadata.json").read_text())
    meta["files"][name] = hashlib.sha256(data).hexdigest()
    (folder / "metadata.json").write_text(json.dumps(meta))


@pytest.mark.backend_independent
def test_corrupt_config_json(saved, tmp_path):
    folder = Path(shutil.copytree(saved["A"][0], tmp_path / "copy"))
    _rewrite(folder, "config.json", b'{"format_version": 1, "model": {"class_name": ')
    with pytest.raises(PresetError, match="config.json of .* is not valid JSON"):
        kp.VAEGAN.from_pretrained(folder)
    _rewrite(folder, "config.json", b'{"model": {}}')
    with pytest.raises(PresetError, match="not a keras_perceptual preset config"):
        kp.VAEGAN.from_pretrained(folder)
    (folder / "metadata.json").write_bytes(b"[1, 2]")
    with pytest.raises(PresetError, match="must hold a JSON object"):
        kp.VAEGAN.from_pretrained(folder)


@pytest.mark.backend_independent
def test_serialized_code_is_refused(saved, tmp_path):
    folder = Path(shutil.copytree(saved["A"][0], tmp_path / "copy"))
    config = json.loads((folder / "config.json").read_text())
    lam = keras.layers.Lambda(lambda t: t * 2)
    layers = config["model"]["config"]["encoder"]["config"]["layers"]
    layers.append({"class_name": "Lambda", "config": {"function": {"class_name": "__lambda__",
                   "config": keras.saving.serialize_keras_object(lam)["config"]["function"]["config"]}}})
    _rewrite(folder, "config.json", json.dumps(config).encode())
    with pytest.raises(PresetError, match="serialized Python code"):
        kp.VAEGAN.from_pretrained(folder)


def test_weight_shapes_that_do_not_match(saved, tmp_path):
    folder = Path(shutil.copytree(saved["A"][0], tmp_path / "copy"))
    other = tiny_vaegan(latent_dim=3).save_pretrained(tmp_path / "other", samples=0)
    _rewrite(folder, "model.weights.h5", (other / "model.weights.h5").read_bytes())
    with pytest.raises(PresetError, match="do not fit the architecture"):
        kp.VAEGAN.from_pretrained(folder)


def test_weights_file_missing_a_sub_network_is_refused(saved, tmp_path):
    import h5py

    folder = Path(shutil.copytree(saved["A"][0], tmp_path / "copy"))
    with h5py.File(folder / "model.weights.h5", "r+") as f:
        del f["discriminator"]
    _rewrite(folder, "model.weights.h5", (folder / "model.weights.h5").read_bytes())
    with pytest.raises(PresetError, match="do not fit the architecture"):
        kp.VAEGAN.from_pretrained(folder)


# -- push -------------------------------------------------------------------------
class RecordingApi:
    calls = []

    def __init__(self, endpoint=None, token=None):
        self.calls.append(("init", endpoint, token))

    def create_repo(self, repo_id, **kwargs):
        self.calls.append(("create_repo", repo_id, kwargs))

    def upload_folder(self, **kwargs):
        self.calls.append(("upload_folder", sorted(p.name for p in Path(kwargs["folder_path"]).iterdir()), kwargs))

        class Info:
            oid = COMMIT_A

        return Info()


@pytest.mark.backend_independent
def test_push_to_hub_uploads_a_verified_folder(monkeypatch, saved, tmp_path):
    import huggingface_hub

    RecordingApi.calls = []
    monkeypatch.setattr(huggingface_hub, "HfApi", RecordingApi)
    info = tiny_vaegan().push_to_hub("org/tiny", token="t0k", samples=2)
    assert info.oid == COMMIT_A
    kinds = [c[0] for c in RecordingApi.calls]
    assert kinds == ["init", "create_repo", "upload_folder"]
    _, uploaded, kwargs = RecordingApi.calls[-1]
    assert set(uploaded) == {"config.json", "model.weights.h5", "metadata.json", "README.md", "samples.png"}
    assert kwargs["repo_id"] == "org/tiny" and set(kwargs["allow_patterns"]) == set(uploaded)
    with pytest.raises(ValueError, match="repo_id"):
        preset_writer.push_folder(saved["A"][0], "no-slash")
    broken = Path(shutil.copytree(saved["A"][0], tmp_path / "broken"))
    meta = json.loads((broken / "metadata.json").read_text())
    meta["files"]["../outside.txt"] = "0" * 64
    (broken / "metadata.json").write_text(json.dumps(meta))
    with pytest.raises(PresetError, match="outside the folder"):
        hub.verify_folder(broken)


@pytest.mark.backend_independent
def test_push_after_editing_the_card_rehashes_it(monkeypatch, saved, tmp_path):
    import huggingface_hub

    RecordingApi.calls = []
    monkeypatch.setattr(huggingface_hub, "HfApi", RecordingApi)
    folder = Path(shutil.copytree(saved["A"][0], tmp_path / "edited"))
    card = (folder / "README.md").read_text().replace("## Limitations", "## Notes\n\nEdited by hand.\n\n## Limitations")
    (folder / "README.md").write_text(card)
    with pytest.warns(UserWarning, match="README.md of .* changed since it was saved: re-hashed"):
        preset_writer.push_folder(folder, "org/tiny")
    assert [c[0] for c in RecordingApi.calls][-1] == "upload_folder"
    meta = hub.verify_folder(folder)  # consistent again, the edit kept
    assert "Edited by hand." in (folder / "README.md").read_text()
    assert meta["files"]["README.md"] == hub.sha256_file(folder / "README.md")
    # Weights and config must still match: an edited weights file is refused.
    weights = folder / "model.weights.h5"
    data = bytearray(weights.read_bytes())
    data[-100] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(PresetError, match="sha256 mismatch for model.weights.h5"):
        preset_writer.push_folder(folder, "org/tiny")
    broken = Path(shutil.copytree(saved["A"][0], tmp_path / "broken"))
    (broken / "config.json").write_text((broken / "config.json").read_text().replace('"gamma": 0.001', '"gamma": 0.5'))
    with pytest.raises(PresetError, match="sha256 mismatch for config.json"):
        preset_writer.push_folder(broken, "org/tiny")


# -- every model class of the zoo, through the loopback hub ------------------------
def _vaegan():
    return tiny_vaegan()


def _vae():
    nets = kp.networks.vaegan_networks("small28", channels=1, latent_dim=4)
    return kp.VAE(nets["encoder"], nets["decoder"], seed=1)


def _aae():
    prior = kp.priors.GaussianPrior(2)
    nets = kp.networks.aae_networks(prior, conv_filters=(4,), units=(8,), discriminator_units=(8,))
    return kp.AdversarialAutoencoder(**nets, prior=prior)


def _iae():
    prior = kp.priors.CategoricalPrior(10, style_dim=0)
    nets = kp.networks.iae_networks(prior, conv_filters=(4,), units=(8,), discriminator_units=(8,))
    return kp.ImplicitAutoencoder(**nets, prior=prior)


def _deepsim(cls=None, mode="autoencoder"):
    from tests.test_comparators import tiny_comparator

    comparator = tiny_comparator()
    nets = kp.networks.deepsim_networks(mode, "small28", comparator=comparator, inverted_layer="c2")
    return (cls or kp.DeePSiMAutoencoder)(**nets, comparator=comparator)


def _pixel():
    nets = kp.networks.deepsim_networks("autoencoder", "small28")
    return kp.PixelAutoencoder(nets["encoder"], nets["generator"], seed=1)


def _classifier():
    x = keras.Input((28, 28, 1))
    h = keras.layers.Dense(3)(keras.layers.Flatten()(keras.layers.Conv2D(2, 3, strides=4)(x)))
    return kp.Classifier(keras.Model(x, h, name="plain"))


def _outputs(model, x):
    if isinstance(model, kp.Classifier):
        return model.predict(x, verbose=0)
    return keras.ops.convert_to_numpy(model(x))


BUILDERS = {
    "VAEGAN": _vaegan, "VAE": _vae, "AdversarialAutoencoder": _aae, "ImplicitAutoencoder": _iae,
    "DeePSiMAutoencoder": _deepsim, "DeePSiMVAE": lambda: _deepsim(kp.DeePSiMVAE, "vae"),
    "DeePSiMInverter": lambda: _deepsim(kp.DeePSiMInverter, "inverter"), "PixelAutoencoder": _pixel,
    "Classifier": _classifier,
}


def test_the_round_trip_covers_every_model_class_of_the_presets():
    assert set(BUILDERS) >= {s.model for s in presets.all_specs()}


@pytest.mark.parametrize("build", list(BUILDERS.values()), ids=list(BUILDERS))
def test_every_model_class_round_trips_through_the_hub(build, fake_hub, tmp_path):
    model = build()
    folder = model.save_pretrained(tmp_path / "preset", samples=4)
    fake_hub.add("kp-test/any", COMMIT_A, folder_files(folder))
    x = images(4)
    for loaded in (kp.from_pretrained(str(folder)),
                   kp.from_pretrained("hf://kp-test/any", endpoint=fake_hub.endpoint, cache_dir=tmp_path / "c")):
        assert type(loaded) is type(model)
        as_json = lambda m: json.loads(json.dumps(m.get_config()))  # noqa: E731 (tuples become lists)
        assert as_json(loaded) == as_json(model)
        mine, theirs = model.get_weights(), loaded.get_weights()
        assert len(mine) == len(theirs) and all(np.array_equal(a, b) for a, b in zip(mine, theirs))
        np.testing.assert_array_equal(_outputs(loaded, x), _outputs(model, x))
    assert {p.split("/")[-1] for m, p in fake_hub.requests if m == "GET"} == {
        "metadata.json", "config.json", "model.weights.h5"}
    assert type(model).from_pretrained(folder, load_weights=False).count_params() == model.count_params()


# -- habits: dtype, force_download, provenance, failures -----------------------------
def test_dtype_argument_and_global_mixed_policy(saved):
    folder, ref = saved["A"]
    z = np.zeros((2, 4), "float32")
    model = kp.VAEGAN.from_pretrained(folder, dtype="bfloat16")
    assert model.decoder.layers[-1].compute_dtype == "bfloat16"
    assert keras.backend.standardize_dtype(model.decoder(z).dtype) == "bfloat16"
    assert keras.backend.standardize_dtype(model.decoder.weights[0].dtype) == "bfloat16"
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        mixed = kp.VAEGAN.from_pretrained(folder)
    finally:
        keras.config.set_dtype_policy(previous)
    assert mixed.decoder.layers[-1].dtype_policy.name == "mixed_bfloat16"
    assert keras.backend.standardize_dtype(mixed.decoder(z).dtype) == "bfloat16"
    assert keras.backend.standardize_dtype(mixed.decoder.weights[0].dtype) == "float32"
    plain = kp.VAEGAN.from_pretrained(folder)  # default policy: the preset's own float32
    assert keras.backend.standardize_dtype(plain.decoder(z).dtype) == "float32"
    np.testing.assert_array_equal(plain.reconstruct(images()), ref)
    with pytest.raises(ValueError, match="Received: dtype='float33'"):
        kp.VAEGAN.from_pretrained(folder, dtype="float33")


@pytest.mark.backend_independent
def test_force_download(fake_hub, registered, saved, tmp_path):
    fake_hub.add(REPO, COMMIT_A, folder_files(saved["A"][0]))
    cache = tmp_path / "cache"
    load("vaegan_tiny", fake_hub, cache)
    gets = lambda: sum(m == "GET" for m, _ in fake_hub.requests)  # noqa: E731
    assert gets() == 3
    load("vaegan_tiny", fake_hub, cache)
    assert gets() == 3  # cached
    np.testing.assert_array_equal(load("vaegan_tiny", fake_hub, cache, force_download=True).reconstruct(images()),
                                  saved["A"][1])
    assert gets() == 6


def test_save_pretrained_of_a_loaded_preset_keeps_its_provenance(fake_hub, registered, saved, tmp_path):
    folder = tiny_vaegan().save_pretrained(tmp_path / "trained", samples=0, metadata={
        "dataset": "fashion_mnist", "recipe": "keras_perceptual.recipes.vaegan", "steps": 937,
        "metrics": {"sample_fid": 12.5}, "training": {"batch_size": 64}, "description": "trained here"})
    loaded = kp.VAEGAN.from_pretrained(folder)
    again = loaded.save_pretrained(tmp_path / "again", samples=0)
    meta = json.loads((again / "metadata.json").read_text())
    assert meta["dataset"] == "fashion_mnist" and meta["recipe"] == "keras_perceptual.recipes.vaegan"
    assert meta["steps"] == 937 and meta["training"] == {"batch_size": 64}
    assert meta["metrics"] == {"sample_fid": 12.5} and meta["description"] == "trained here"
    assert meta["parent"]["name"] == "trained" and meta["parent"]["weights"] == "unchanged"
    assert meta["parent"]["metadata_sha256"] == hub.sha256_file(folder / "metadata.json")
    card = (again / "README.md").read_text()
    assert "| sample_fid | 12.5 |" in card and "None measured yet" not in card
    # A registered preset from the Hub names itself as the parent.
    fake_hub.add(REPO, COMMIT_A, folder_files(saved["A"][0]))
    hub_meta = json.loads((load("vaegan_tiny", fake_hub, tmp_path / "c").save_pretrained(
        tmp_path / "from_hub", samples=0) / "metadata.json").read_text())
    assert hub_meta["parent"]["name"] == "vaegan_tiny" and REPO in hub_meta["parent"]["source"]
    # Changed weights: the parent's metrics no longer describe them.
    loaded.decoder.weights[0].assign(loaded.decoder.weights[0] + 1.0)
    tuned = json.loads((loaded.save_pretrained(tmp_path / "tuned", samples=0) / "metadata.json").read_text())
    assert tuned["metrics"] == {} and tuned["dataset"] == "fashion_mnist"
    assert tuned["parent"]["weights"].startswith("changed")
    # Re-saved in place (new card, same weights): no parent of its own, the earlier one kept.
    resaved = json.loads((kp.VAEGAN.from_pretrained(again).save_pretrained(again, samples=0)
                          / "metadata.json").read_text())
    assert resaved["parent"] == meta["parent"] and resaved["metrics"] == {"sample_fid": 12.5}
    in_place = json.loads((kp.VAEGAN.from_pretrained(folder).save_pretrained(folder, samples=0)
                           / "metadata.json").read_text())
    assert "parent" not in in_place and in_place["steps"] == 937
    # What the caller passes wins.
    mine = kp.VAEGAN.from_pretrained(folder).save_pretrained(tmp_path / "mine", samples=0,
                                                             metadata={"dataset": "mine"})
    assert json.loads((mine / "metadata.json").read_text())["dataset"] == "mine"


def test_nonfinite_weights_are_refused_on_save_and_on_load(saved, tmp_path):
    import h5py

    model = tiny_vaegan()
    kernel = model.decoder.layers[1].kernel
    value = keras.ops.convert_to_numpy(kernel).copy()
    value[..., 0] = np.nan
    kernel.assign(value)
    with pytest.raises(ValueError, match=f"Refusing to save VAEGAN: 1 variable.*NaN or Inf: decoder/{kernel.path}"):
        model.save_pretrained(tmp_path / "nan")
    assert not (tmp_path / "nan").exists()
    folder = Path(shutil.copytree(saved["A"][0], tmp_path / "inf"))
    with h5py.File(folder / "model.weights.h5", "r+") as f:
        dense = f["encoder/layers/dense/vars/0"]
        dense[0, 0] = np.inf
    _rewrite(folder, "model.weights.h5", (folder / "model.weights.h5").read_bytes())
    with pytest.raises(PresetError, match="not finite: 1 variable.*NaN or Inf: encoder/dense/kernel"):
        kp.VAEGAN.from_pretrained(folder)


@pytest.mark.backend_independent
def test_every_download_failure_is_a_preset_error_and_one_cli_line(monkeypatch, tmp_path, capsys):
    import huggingface_hub

    from keras_perceptual import cli

    class RemoteProtocolError(Exception):
        """Stands for the transport errors (httpx, requests, urllib3) an
        interrupted transfer raises inside `hf_hub_download`."""

    def broken(repo_id, filename, **kwargs):
        raise RemoteProtocolError("peer closed connection without sending complete message body")

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", broken)
    with pytest.raises(PresetError, match="Downloading metadata.json of Hub repo kp-test/x@main failed: "
                                          "RemoteProtocolError"):
        kp.from_pretrained("hf://kp-test/x", cache_dir=tmp_path)
    code = cli.main(["sample", "hf://kp-test/x", "-o", str(tmp_path / "x.png"), "--cache-dir", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "metadata.json" in err and "kp-test/x" in err


def test_conditional_save_lays_out_one_titled_column_per_class(tmp_path):
    """save_pretrained draws a conditional model's samples.png with the
    training driver's layout (training.pictures.picture): whole rows of one
    sample per class, the columns titled with the class names, and the card
    captions it as such."""
    from PIL import Image

    from keras_perceptual.training.pictures import DESCRIPTIONS
    from keras_perceptual.training.pictures import picture
    from tests.test_vaegan import tiny_vaegan as tiny_conditional

    model = tiny_conditional(conditional=True)
    folder = model.save_pretrained(tmp_path / "cond", metadata={"dataset": "fashion_mnist"}, samples=25)
    meta = json.loads((folder / "metadata.json").read_text())
    assert meta["samples_description"] == DESCRIPTIONS["class_samples"]
    assert DESCRIPTIONS["class_samples"] in (folder / "README.md").read_text()
    c = np.eye(10, dtype="float32")[np.arange(20) % 10]
    expected = picture(model, "samples", None, (c, None), num_samples=20, dataset="fashion_mnist")
    assert len(expected.images) == 20 and expected.columns == 10  # 25 rounded down to 2 whole rows
    drawn = preset_writer.save_image_grid(expected.images, tmp_path / "expected.png", scale=4,
                                          **expected.captions())
    np.testing.assert_array_equal(np.asarray(Image.open(folder / "samples.png")), np.asarray(Image.open(drawn)))
    plain = tiny_vaegan().save_pretrained(tmp_path / "plain", samples=16)
    assert "samples_description" not in json.loads((plain / "metadata.json").read_text())
    assert "condition_dim" not in json.loads((plain / "metadata.json").read_text())["input"]


def test_conditional_card_usage_runs_with_conditions(tmp_path):
    """A conditional model's card states its condition size and its usage
    snippet passes `conditions` (a plain `generate(16)` raises for it)."""
    import re

    from tests.test_vaegan import tiny_vaegan as tiny_conditional

    folder = tiny_conditional(conditional=True).save_pretrained(tmp_path / "cond", samples=10)
    assert json.loads((folder / "metadata.json").read_text())["input"]["condition_dim"] == 10
    card = (folder / "README.md").read_text()
    assert "- conditions: 10 values per image" in card
    snippet = re.search(r"```python\n(.*?)```", card, re.S).group(1)
    snippet = re.sub(r"from_pretrained\([^)]*\)", f"from_pretrained({str(folder)!r})", snippet)
    scope = {"x": images(4), "c": np.eye(10, dtype="float32")[[1, 2, 3, 4]]}
    exec(snippet, scope)
    assert scope["images"].shape == (4, 28, 28, 1) and scope["recon"].shape == (4, 28, 28, 1)

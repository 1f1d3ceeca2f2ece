"""`benchmarks/train_presets.py` in smoke mode writes loadable, verified
preset folders with their discriminators left out; skipped networks in
general."""

import json
import sys
from pathlib import Path

import keras
import numpy as np
import pytest

import keras_perceptual as kp
from keras_perceptual import datasets
from keras_perceptual.hub import PresetError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import quality  # noqa: E402
import train_presets  # noqa: E402


def fake_evaluator(folder):
    """A tiny untrained stand-in for the evaluator preset: a `kp.Classifier`
    whose network has the evaluator's `features` and `logits` layers."""
    L = keras.layers
    x = keras.Input((28, 28, 1), name="image")
    h = L.Dense(16, activation="relu", name="features")(L.Flatten()(L.Conv2D(4, 3, strides=4)(x)))
    network = keras.Model(x, L.Dense(10, name="logits")(h), name="evaluator")
    kp.Classifier(network, name=quality.EVALUATOR).save_pretrained(folder / quality.EVALUATOR, samples=0)


@pytest.fixture
def splits(monkeypatch):
    """The train / validation / test splits of `fashion_mnist_arrays` (the
    first 55,000 training images, the last 5,000, the test set), emulated
    where datasets.py does not have them yet."""
    try:
        datasets.fashion_mnist_arrays("validation", 1)
        return
    except Exception:
        pass
    real = datasets.fashion_mnist_arrays

    def split(name, limit=None, labels=False, path=None):
        if name == "test":
            return real("test", limit, labels, path)
        x, y = real("train", None, True, path)
        x, y = (x[:55000], y[:55000]) if name == "train" else (x[55000:], y[55000:])
        x, y = (x[:limit], y[:limit]) if limit is not None else (x, y)
        return (x, y) if labels else x

    monkeypatch.setattr(quality, "fashion_mnist_arrays", split)


# The script's code is the same on every backend; each recipe it runs trains on
# every backend in its own tests (and `keras-perceptual train` writes a preset on
# every backend in tests/test_cli.py).
@pytest.mark.slow
@pytest.mark.backend_independent
def test_smoke_run_writes_verified_presets(tmp_path, splits):
    names = ["fashion_mnist_classifier", "vae_fashion_mnist", "pixel_autoencoder_fashion_mnist",
             "vaegan_conditional_fashion_mnist", "iae_fashion_mnist"]
    train_presets.main(["--smoke", "--weights", str(tmp_path / "w"), "--runs", str(tmp_path / "r"),
                        "--only", ",".join(names)])
    for name in names:
        folder = tmp_path / "w" / name
        meta = kp.hub.verify_folder(folder)
        assert meta["command"].endswith(f"--only {name} --smoke") and meta["steps"] >= 2
        assert "samples.png" in meta["files"], name
        assert meta["recipe"] == "keras_perceptual.recipes." + train_presets.PLAN[name]["recipe"]
        model = kp.from_pretrained(folder)
        assert model(np.zeros((1, 28, 28, 1), "float32")) is not None if name.startswith("pixel") else True
    cond = kp.from_pretrained(tmp_path / "w" / "vaegan_conditional_fashion_mnist")
    assert cond.skipped_networks == ("discriminator",) and cond.is_conditional
    card = (tmp_path / "w" / "vaegan_conditional_fashion_mnist" / "README.md").read_text()
    assert "## Not in this preset" in card and "`discriminator`" in card
    assert "## Not in this preset" not in (tmp_path / "w" / "vae_fashion_mnist" / "README.md").read_text()
    assert json.loads((tmp_path / "w" / "vae_fashion_mnist" / "metadata.json").read_text())["skipped_networks"] == []
    # An existing folder is skipped, not retrained.
    before = (tmp_path / "w" / "vae_fashion_mnist" / "metadata.json").read_text()
    train_presets.main(["--smoke", "--weights", str(tmp_path / "w"), "--runs", str(tmp_path / "r"),
                        "--only", "vae_fashion_mnist"])
    assert (tmp_path / "w" / "vae_fashion_mnist" / "metadata.json").read_text() == before
    with pytest.raises(SystemExit, match="Unknown preset"):
        train_presets.main(["--only", "nope"])

    # benchmarks/quality.py needs the evaluator: every number is in its
    # features or its judgement.
    with pytest.raises(SystemExit, match="fashion_mnist_evaluator is missing"):
        quality.main(["--smoke", "--weights", str(tmp_path / "w")])
    fake_evaluator(tmp_path / "w")
    # It measures them, writes the cards and the README, then finds the same
    # numbers on a second run.
    readme = tmp_path / "README.md"
    readme.write_text(f"# intro\n\n{quality.BEGIN}\nold table\n{quality.END}\n\n{quality.PRESETS_BEGIN}\nold rows\n"
                      f"{quality.PRESETS_END}\n## after\n")
    report = quality.main(["--smoke", "--weights", str(tmp_path / "w"), "--update-cards", "--update-docs",
                           "--readme", str(readme), "--results", str(readme)])
    evaluator = kp.from_pretrained(tmp_path / "w" / quality.EVALUATOR)
    x, y = quality.fashion_mnist_arrays("test", 256, labels=True)
    assert report["evaluator_accuracy"] == pytest.approx(kp.metrics.classifier_score(x, y, evaluator))
    vae = next(r for r in report["generation"] if r["model"] == "vae_fashion_mnist")
    assert np.isfinite(vae["fid"]) and vae["fid"] > 0
    samples = kp.from_pretrained(tmp_path / "w" / "vae_fashion_mnist").generate(256, seed=0)
    # FID in the evaluator's `features` layer, not the classifier's.
    feats = [kp.metrics.extract_features(a, evaluator, "features") for a in (samples, x)]
    assert vae["fid"] == pytest.approx(kp.metrics.frechet_distance(*feats), rel=1e-4)
    assert vae["confident"] == pytest.approx(kp.metrics.confident_fraction(samples, evaluator, 0.9))
    assert [r["model"] for r in report["generation"] if r.get("missing")] == [
        "vaegan_fashion_mnist", "deepsim_vae_fashion_mnist", "aae_fashion_mnist"]
    (noise,) = report["noise"]
    assert noise["model"] == "iae_fashion_mnist" and 0 <= noise["agreement"] <= 1
    iae = kp.from_pretrained(tmp_path / "w" / "iae_fashion_mnist")
    assert noise["agreement"] == pytest.approx(kp.metrics.class_agreement(
        x[:32], iae.vary_noise(x[:32], num_samples=8, seed=0), classifier=evaluator))
    kmeans = report["clustering"][0]["kmeans"]
    assert len(kmeans["values"]) == 5 and kmeans["min"] <= kmeans["mean"] <= kmeans["max"]
    assert report["clustering"][0]["accuracy"] == pytest.approx(np.mean(kmeans["values"]))
    meta = kp.hub.verify_folder(tmp_path / "w" / "vae_fashion_mnist")
    assert meta["metrics"]["sample_fid"] == pytest.approx(vae["fid"])
    assert meta["metrics_command"] == "python benchmarks/quality.py"
    assert "sample_fid" in (tmp_path / "w" / "vae_fashion_mnist" / "README.md").read_text()
    # The DeePSiM comparator's card reports its own test accuracy.
    comparator = kp.from_pretrained(tmp_path / "w" / quality.COMPARATOR)
    assert kp.hub.verify_folder(tmp_path / "w" / quality.COMPARATOR)["metrics"]["test_accuracy"] == pytest.approx(
        kp.metrics.classifier_score(x, y, comparator))
    # A conditional preset's samples.png: one titled column per class.
    card = (tmp_path / "w" / "vaegan_conditional_fashion_mnist" / "README.md").read_text()
    assert "*samples.png: prior samples (seed 0), one column per class, titled with its name.*" in card
    assert "*samples.png: prior samples (seed 0).*" in (tmp_path / "w" / "vae_fashion_mnist" / "README.md").read_text()
    # The README holds the printed report between its markers, nothing else changed.
    text = readme.read_text()
    table = quality.preset_table(tmp_path / "w")
    assert text == (f"# intro\n\n{quality.BEGIN}\n{report['markdown']}{quality.END}\n\n{quality.PRESETS_BEGIN}\n"
                    f"{table}{quality.PRESETS_END}\n## after\n")
    # The preset table: a row per Fashion-MNIST spec, with the steps of the
    # weights in the folder, or the command that trains a preset without.
    steps = kp.hub.verify_folder(tmp_path / "w" / "vae_fashion_mnist")["steps"]
    assert (f"| [`vae_fashion_mnist`](weights/vae_fashion_mnist/README.md) | "
            f"{kp.presets.get_spec('vae_fashion_mnist').description} | {steps} steps, ") in table
    assert "| `deepsim_vae_fashion_mnist` |" in table and \
        "not trained yet (`python benchmarks/train_presets.py --only deepsim_vae_fashion_mnist`)" in table
    assert "| claim | evidence | verdict |" in text and "`vae_fashion_mnist`" in text
    assert "k-means on pixels (baseline, n_init=1, 5 seeds)" in text
    quality.main(["--smoke", "--weights", str(tmp_path / "w"), "--check-cards"])
    # The validation split: other images, and never written into cards or the README.
    val = quality.main(["--smoke", "--weights", str(tmp_path / "w"), "--split", "validation",
                        "--sections", "generation"])
    assert val["split"] == "validation" and val["generation"][1]["fid"] != report["generation"][1]["fid"]
    for flag in ("--update-cards", "--update-docs", "--check-cards"):
        with pytest.raises(SystemExit):
            quality.parse_args(["--split", "validation", flag])
    readme.write_text("no markers")
    with pytest.raises(SystemExit, match="must hold one"):
        quality.write_between_markers(readme, "x")


def test_skipped_networks_keep_their_init_and_shrink_the_file(tmp_path):
    nets = kp.networks.vaegan_networks("small28", channels=1, latent_dim=4)
    model = kp.VAEGAN(**nets, seed=1)
    full = model.save_pretrained(tmp_path / "full", samples=0)
    small = model.save_pretrained(tmp_path / "small", samples=0, skip_networks=["discriminator"])
    assert (small / "model.weights.h5").stat().st_size < 0.6 * (full / "model.weights.h5").stat().st_size
    loaded = kp.VAEGAN.from_pretrained(small)
    assert loaded.skipped_networks == ("discriminator",)
    x = np.random.default_rng(0).uniform(-1, 1, (2, 28, 28, 1)).astype("float32")
    np.testing.assert_allclose(loaded.reconstruct(x), model.reconstruct(x), atol=1e-5)
    assert not all(np.allclose(a, b) for a, b in zip(loaded.discriminator.get_weights(),
                                                    model.discriminator.get_weights()))
    assert kp.VAEGAN.from_pretrained(full).skipped_networks == ()
    with pytest.raises(ValueError, match="not sub-networks"):
        model.save_pretrained(tmp_path / "bad", skip_networks=["critic"])
    with pytest.raises(ValueError, match="list of sub-network attribute names"):
        model.save_pretrained(tmp_path / "bad", skip_networks="discriminator")
    # A config naming a network the model lacks is refused.
    config = json.loads((small / "config.json").read_text())
    config["skipped_networks"] = ["critic"]
    (small / "config.json").write_text(json.dumps(config))
    meta = json.loads((small / "metadata.json").read_text())
    meta["files"]["config.json"] = kp.hub.sha256_file(small / "config.json")
    (small / "metadata.json").write_text(json.dumps(meta))
    with pytest.raises(PresetError, match="skipped_networks"):
        kp.VAEGAN.from_pretrained(small)


@pytest.mark.backend_independent
def test_claim_verdicts_separate_noise_from_a_result():
    assert quality.claim("a", 0.2, "x")["verdict"] == "holds"
    assert quality.claim("a", -0.2, "x")["verdict"] == "does not hold"
    assert quality.claim("a", 0.003, "x", noise=0.005)["verdict"] == "within noise"
    assert quality.claim("a", -0.003, "x", noise=0.005)["verdict"] == "within noise"
    assert quality.claim("a", -0.02, "x", noise=0.005)["verdict"] == "does not hold"
    tables = quality.Tables(generation=[{"model": "vaegan_fashion_mnist", "fid": 20.0, "confident": 0.85},
                                        {"model": "vae_fashion_mnist", "fid": 50.0}],
                            reconstruction=[{"model": "deepsim_autoencoder_fashion_mnist", "fid": 9.0,
                                             "sharpness": 0.7},
                                            {"model": "pixel_autoencoder_fashion_mnist", "fid": 8.0,
                                             "sharpness": 0.6}],
                            clustering=[{"model": "iae_clustering_fashion_mnist", "accuracy": 0.55}])
    assert quality.targets_table(tables)[4:] == [
        "| VAE/GAN sample FID at most 1/3 of the previous preset's (21.49) | 20 (bar 7.163) | **missed** |",
        "| VAE/GAN sample FID at most 0.5× the same-budget VAE's | 20 vs 50 (×0.40) | met |",
        "| ≥ 80 % of VAE/GAN samples classified with confidence ≥ 0.9 | 0.8500 | met |",
        "| DeePSiM autoencoder sharper than the L2 autoencoder | 0.7 vs 0.6 (×1.17) | met |",
        "| DeePSiM autoencoder recon FID not worse than the L2 autoencoder's | 9 vs 8 (×1.12) | **missed** |",
        "| IAE clustering accuracy ≥ 0.60 | 0.5500 | **missed** |", ""]
    assert quality.targets_table(quality.Tables()) == []
    table = quality.claims_table([quality.claim("c", 0.003, "0.83 vs 0.82", noise=0.005)])
    assert table[2:] == ["| claim | evidence | verdict |", "|---|---|---|", "| c | 0.83 vs 0.82 | **within noise** |",
                         ""]


@pytest.mark.backend_independent
def test_probe_claim_is_decided_by_the_seeds_file_when_there_is_one(tmp_path):
    seeds = tmp_path / "seeds.json"
    seeds.write_text(json.dumps({"probe_claim": {"verdict": "does not hold", "holds": False, "seeds": [0, 1, 2],
                                                 "evidence": "probe accuracy difference -0.0100 ± 0.0010"}}))
    seeded = quality.probe_claim(str(seeds), 0.02, "0.85 vs 0.83")
    assert seeded["verdict"] == "does not hold" and "--seeds 3" in seeded["evidence"]
    assert seeded["evidence"].endswith("the presets, one seed: 0.85 vs 0.83")
    # Without it, the presets' single seed: a gap below PROBE_NOISE is within noise.
    assert quality.probe_claim("", quality.PROBE_NOISE / 2, "x")["verdict"] == "within noise"
    assert quality.probe_claim(str(tmp_path / "missing.json"), 0.02, "x")["verdict"] == "holds"
    # The bundled file is the 3-seed run the README's verdict comes from.
    bundled = json.loads(quality.PROBE_SEEDS.read_text())["probe_claim"]
    assert len(bundled["seeds"]) == 3 and bundled["verdict"] in quality.VERDICTS

"""`benchmarks/train_presets.py` in smoke mode writes loadable, verified
preset folders with their discriminators left out; skipped networks in
general."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

import keras_perceptual as kp
from keras_perceptual.hub import PresetError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import quality  # noqa: E402
import train_presets  # noqa: E402


def test_smoke_run_writes_verified_presets(tmp_path):
    names = ["fashion_mnist_classifier", "vae_fashion_mnist", "pixel_autoencoder_fashion_mnist",
             "vaegan_conditional_fashion_mnist"]
    train_presets.main(["--smoke", "--weights", str(tmp_path / "w"), "--runs", str(tmp_path / "r"),
                        "--only", ",".join(names)])
    for name in names:
        folder = tmp_path / "w" / name
        meta = kp.hub.verify_folder(folder)
        assert meta["command"].endswith(f"--only {name} --smoke") and meta["steps"] >= 4
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

    # benchmarks/quality.py measures them, writes the cards, then finds the
    # same numbers on a second run.
    report = quality.main(["--smoke", "--weights", str(tmp_path / "w"), "--update-cards"])
    vae = next(r for r in report["generation"] if r["model"] == "vae_fashion_mnist")
    assert np.isfinite(vae["fid"]) and vae["fid"] > 0
    assert [r["model"] for r in report["generation"] if r.get("missing")] == [
        "vaegan_fashion_mnist", "deepsim_vae_fashion_mnist", "aae_fashion_mnist"]
    meta = kp.hub.verify_folder(tmp_path / "w" / "vae_fashion_mnist")
    assert meta["metrics"]["sample_fid"] == pytest.approx(vae["fid"])
    assert meta["metrics_command"] == "python benchmarks/quality.py"
    assert "sample_fid" in (tmp_path / "w" / "vae_fashion_mnist" / "README.md").read_text()
    quality.main(["--smoke", "--weights", str(tmp_path / "w"), "--check-cards"])


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


def test_claim_verdicts_separate_noise_from_a_result(capsys):
    assert quality.claim("a", 0.2, "x")["verdict"] == "holds"
    assert quality.claim("a", -0.2, "x")["verdict"] == "DOES NOT HOLD"
    assert quality.claim("a", 0.003, "x", noise=0.005)["verdict"] == "within noise"
    assert quality.claim("a", -0.003, "x", noise=0.005)["verdict"] == "within noise"
    assert quality.claim("a", -0.02, "x", noise=0.005)["verdict"] == "DOES NOT HOLD"
    assert "**within noise**" in capsys.readouterr().out

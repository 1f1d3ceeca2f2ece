"""The `keras-perceptual` command line, run in-process through `main(argv)`."""

import json
import subprocess
import sys

import keras
import numpy as np
import pytest
from PIL import Image

import keras_perceptual as kp
from keras_perceptual import cli
from keras_perceptual import presets
from keras_perceptual.images import save_image_grid
from tests.test_hub import RecordingApi
from tests.test_hub import images
from tests.test_hub import tiny_vaegan


@pytest.fixture(scope="module")
def preset(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli") / "tiny"
    tiny_vaegan().save_pretrained(folder, metadata={"dataset": "fashion_mnist"}, samples=4)
    return folder


def run(argv, capsys):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def grid_size(n, columns, size=28, scale=3, padding=2):
    rows = -(-n // columns)
    return ((columns * (size + padding) + padding) * scale, (rows * (size + padding) + padding) * scale)


def test_list(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr(presets, "WEIGHTS_DIR", tmp_path)
    code, out, _ = run(["list"], capsys)
    assert code == 0
    for name in presets.PRESETS:
        assert name in out
    assert "not published" in out and "64x64x3" in out
    code, out, _ = run(["list", "--json", "--model", "VAEGAN"], capsys)
    listed = json.loads(out)
    assert set(listed) == set(kp.VAEGAN.presets) and listed["celeba64"]["weights"] == "none"


def test_sample(preset, tmp_path, capsys, monkeypatch):
    out = tmp_path / "grid.png"
    argv = ["sample", preset, "-n", 6, "--columns", 3, "-o", out, "--batch-size", 4]
    code, stdout, err = run(argv, capsys)
    assert code == 0 and "6 images" in stdout and err == ""  # redirected stderr: no progress bar
    monkeypatch.setattr(cli, "_isatty", lambda stream: True)  # on a terminal
    code, stdout, err = run(argv, capsys)
    assert code == 0 and "6 images" in stdout
    assert "sampling" in err and "6/6" in err  # two batches: a progress bar
    assert Image.open(out).size == grid_size(6, 3)
    expected = kp.from_pretrained(preset).generate(6, seed=0)
    save_image_grid(expected, tmp_path / "expected.png", columns=3, scale=3)
    np.testing.assert_array_equal(np.asarray(Image.open(out)), np.asarray(Image.open(tmp_path / "expected.png")))


def test_reconstruct_reads_and_resizes_images(preset, tmp_path, capsys):
    x = images(2)
    grey = tmp_path / "grey.png"
    Image.fromarray(((x[0, ..., 0] + 1) * 127.5).astype("uint8")).save(grey)
    colour = tmp_path / "colour.png"
    Image.new("RGB", (40, 30), (200, 10, 10)).save(colour)
    out = tmp_path / "recon.png"
    code, _, _ = run(["reconstruct", preset, grey, colour, "-o", out], capsys)
    assert code == 0
    width, height = Image.open(out).size
    assert height == grid_size(4, 2)[1] and width > grid_size(4, 2)[0]  # rows captioned on the left
    read = cli.read_images([grey, colour], (28, 28, 1))
    assert read.shape == (2, 28, 28, 1) and read.min() >= -1 and read.max() <= 1
    np.testing.assert_allclose(read[0], x[0], atol=1 / 127.5)
    code, _, err = run(["reconstruct", preset, tmp_path / "missing.png", "-o", out], capsys)
    assert code == 2 and "readable image" in err and "missing.png" in err


def test_interpolate(preset, tmp_path, capsys):
    out = tmp_path / "line.png"
    code, _, _ = run(["interpolate", preset, "--steps", 5, "--rows", 2, "-o", out], capsys)
    assert code == 0 and Image.open(out).size == grid_size(10, 5)
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    Image.new("L", (28, 28), 0).save(a)
    Image.new("L", (28, 28), 255).save(b)
    code, _, _ = run(["interpolate", preset, "--start", a, "--end", b, "--steps", 4, "-o", out], capsys)
    assert code == 0 and Image.open(out).size == grid_size(4, 4)
    code, _, err = run(["interpolate", preset, "--start", a, "-o", out], capsys)
    assert code == 2 and "--start and --end" in err


def test_evaluate(preset, capsys):
    code, out, _ = run(["evaluate", preset, "--limit", 32, "--batch-size", 16], capsys)
    assert code == 0
    result = json.loads(out)
    from keras_perceptual.datasets import load_fashion_mnist
    from keras_perceptual.datasets import to_unit_range

    x = to_unit_range(load_fashion_mnist("test")[0][:32])[..., None]
    mse = float(np.mean((kp.from_pretrained(preset).reconstruct(x) - x) ** 2))
    assert result["images"] == 32
    np.testing.assert_allclose(result["reconstruction_mse"], mse, rtol=1e-5)


def test_bad_input_exits_2_with_a_message(preset, capsys):
    code, _, err = run(["sample", "no_such_preset"], capsys)
    assert code == 2 and "Unknown preset 'no_such_preset'" in err and "celeba64" in err
    code, _, err = run(["sample", preset, "-n", 0], capsys)
    assert code == 2 and "n=0" in err
    code, _, err = run(["train", "no_such_recipe"], capsys)
    assert code == 2 and "Unknown recipe" in err
    code, _, err = run(["train", "vaegan", "--option", "oops"], capsys)
    assert code == 2 and "KEY=VALUE" in err
    code, _, err = run(["train", "vaegan", "--smoke", "--validate-every", 0], capsys)
    assert code == 2 and "Expected `--validate-every` to be an int >= 1, received --validate-every=0" in err
    with pytest.raises(SystemExit):
        cli.main(["no_such_command"])


@pytest.mark.slow
def test_train_smoke_writes_a_loadable_preset(tmp_path, capsys):
    out = tmp_path / "trained"
    # Eager JAX steps are several times slower than one compilation.
    jit = "true" if keras.backend.backend() == "jax" else "false"
    code, stdout, _ = run(["train", "vaegan", "--smoke", "--epochs", 1, "--batch-size", 8, "--output", out,
                           "--verbose", 0, "--option", f"jit_compile={jit}", "--validate-every", 2], capsys)
    assert code == 0, stdout
    meta = json.loads((out / "metadata.json").read_text())
    # The validation FID (evaluator features, validation split) after steps 2 and 4 of the 4-batch smoke run.
    curve = meta["training"]["validation"]["curve"]
    assert [step for step, _ in curve] == [2, 4] and all(np.isfinite(v) and v > 0 for _, v in curve)
    assert meta["training"]["validation"]["metric"] == "validation_fid"
    assert meta["command"].startswith("keras-perceptual train vaegan --smoke")
    assert meta["dataset"] == "fashion_mnist" and meta["steps"] > 0
    model = kp.VAEGAN.from_pretrained(out)
    assert model.image_shape == (28, 28, 1)
    assert (out / "training").is_dir() and (out / "samples.png").is_file()


def test_push(monkeypatch, preset, capsys):
    import huggingface_hub

    RecordingApi.calls = []
    monkeypatch.setattr(huggingface_hub, "HfApi", RecordingApi)
    code, out, _ = run(["push", preset, "--repo", "org/tiny", "--token", "t0k"], capsys)
    assert code == 0 and "a" * 40 in out
    assert RecordingApi.calls[0] == ("init", None, "t0k")
    assert RecordingApi.calls[-1][2]["repo_id"] == "org/tiny"


def test_module_entry_point():
    result = subprocess.run([sys.executable, "-m", "keras_perceptual.cli", "list"], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "celeba64" in result.stdout

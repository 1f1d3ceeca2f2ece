"""Every `keras-perceptual` verb refuses bad input or a failing environment
in one line on stderr (no traceback unless `--debug`), with a non-zero exit
status: 2 for bad input, 1 for failures, 130 when interrupted."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from keras_perceptual import cli
from tests.test_hub import tiny_vaegan

pytestmark = pytest.mark.backend_independent

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """A tiny preset folder, an image, a text file named .png, a plain file."""
    root = tmp_path_factory.mktemp("cli_errors")
    tiny_vaegan().save_pretrained(root / "tiny", metadata={"dataset": "fashion_mnist"}, samples=0)
    Image.new("L", (28, 28), 128).save(root / "image.png")
    (root / "text.png").write_text("not an image")
    (root / "plain_file").write_text("a file, not a folder")
    return root


def run(argv, capsys):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, err


# (argv with {root} for the fixture's folder, exit status, texts the line must hold: what was received)
CASES = [
    (["list", "--model", "Nope"], 2, ["'Nope'"]),
    (["sample", "no_such_preset"], 2, ["no_such_preset"]),
    (["sample", "{root}/no/such/folder"], 2, ["no/such/folder"]),
    (["sample", "{root}/tiny", "-n", "0", "-o", "{root}/s.png"], 2, ["n=0"]),
    (["sample", "{root}/tiny", "-n", "-3", "-o", "{root}/s.png"], 2, ["-3"]),
    (["sample", "{root}/tiny", "--batch-size", "0", "-o", "{root}/s.png"], 2, ["batch_size=0"]),
    (["sample", "{root}/tiny", "--label", "3", "-o", "{root}/s.png"], 2, ["--label 3"]),
    (["sample", "{root}/tiny", "-o", "{root}/plain_file/s.png"], 1, ["plain_file"]),
    (["reconstruct", "{root}/tiny", "{root}/missing.png", "-o", "{root}/r.png"], 2, ["missing.png"]),
    (["reconstruct", "{root}/tiny", "{root}/text.png", "-o", "{root}/r.png"], 2, ["text.png"]),
    (["reconstruct", "no_such_preset", "{root}/image.png"], 2, ["no_such_preset"]),
    (["interpolate", "{root}/tiny", "--steps", "1", "-o", "{root}/i.png"], 2, ["--steps 1"]),
    (["interpolate", "{root}/tiny", "--rows", "0", "-o", "{root}/i.png"], 2, ["rows=0"]),
    (["interpolate", "{root}/tiny", "--start", "{root}/image.png", "-o", "{root}/i.png"], 2, ["--start", "--end"]),
    (["interpolate", "{root}/tiny", "--start", "{root}/text.png", "--end", "{root}/image.png", "-o", "{root}/i.png"],
     2, ["text.png"]),
    (["evaluate", "{root}/tiny", "--limit", "-5"], 2, ["limit=-5"]),
    (["evaluate", "{root}/tiny", "--dataset", "mnist"], 2, ["mnist"]),
    (["train", "nope"], 2, ["'nope'"]),
    (["train", "aae", "--smoke", "--option", "conv_filters=[8,"], 2, ["conv_filters", "'[8,'"]),
    (["train", "aae", "--smoke", "--option", "conv_filters=8"], 2, ["`conv_filters`", "conv_filters=8"]),
    (["train", "aae", "--smoke", "--option", "learning_rate=-0.1"], 2, ["`learning_rate`", "-0.1"]),
    (["train", "aae", "--smoke", "--option", "limit=-1"], 2, ["`limit`", "limit=-1"]),
    (["train", "aae", "--smoke", "--option", "lerning_rate=0.1"], 2, ["'lerning_rate'", "'learning_rate'"]),
    (["train", "aae", "--smoke", "--option", "novalue"], 2, ["KEY=VALUE", "'novalue'"]),
    (["train", "aae", "--smoke", "--epochs", "0"], 2, ["--epochs=0"]),
    (["train", "aae", "--smoke", "--seed", "-1"], 2, ["seed=-1"]),
    (["train", "aae", "--smoke", "--dataset", "celeba"], 2, ["dataset='celeba'"]),
    (["train", "aae", "--smoke", "--output", "{root}/plain_file"], 2, ["plain_file", "not a folder"]),
    (["train", "aae", "--smoke", "--output", "{root}/tiny"], 2, ["finished preset", "--overwrite"]),
    (["push", "{root}/no_such_folder", "--repo", "org/name"], 2, ["no_such_folder"]),
    (["push", "{root}/tiny", "--repo", "not a repo"], 2, ["not a repo"]),
]


@pytest.mark.parametrize("argv, status, expected", CASES, ids=[" ".join(c[0][:1] + c[0][2:])[:60] for c in CASES])
def test_every_verb_refuses_in_one_line(argv, status, expected, files, capsys):
    argv = [a.format(root=files) for a in argv]
    code, err = run(argv, capsys)
    lines = err.strip().splitlines()
    assert code == status, err
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith(f"keras-perceptual {argv[0]}: error: "), err
    assert all(text in lines[0] for text in expected), err


class NoNetwork(Exception):
    """Stands for a transport error that is not an `OSError` (httpx's)."""


@pytest.mark.parametrize("error", [ConnectionError("Failed to resolve 'huggingface.co'"),
                                   NoNetwork("Failed to resolve 'huggingface.co'"),
                                   TimeoutError("timed out reaching huggingface.co")])
def test_push_without_a_network_is_one_line(error, files, capsys, monkeypatch):
    import huggingface_hub

    class OfflineApi:
        def __init__(self, endpoint=None, token=None):
            pass

        def create_repo(self, repo_id, **kwargs):
            raise error

        upload_folder = create_repo

    monkeypatch.setattr(huggingface_hub, "HfApi", OfflineApi)
    code, err = run(["push", files / "tiny", "--repo", "org/name"], capsys)
    lines = err.strip().splitlines()
    assert code in (1, 2) and len(lines) == 1 and "Traceback" not in err, err
    assert "huggingface.co" in lines[0] and lines[0].startswith("keras-perceptual push: error: "), err


def test_interrupt_and_unexpected_errors_are_one_line_and_debug_shows_the_traceback(capsys, monkeypatch):
    def interrupted(args):
        raise KeyboardInterrupt

    def broken(args):
        raise RuntimeError("boom")

    monkeypatch.setattr(cli, "cmd_list", interrupted)
    code, err = run(["list"], capsys)
    assert code == 130 and err.strip() == "keras-perceptual list: interrupted", err
    monkeypatch.setattr(cli, "cmd_list", broken)
    code, err = run(["list"], capsys)
    assert code == 1 and len(err.strip().splitlines()) == 1 and "RuntimeError: boom" in err, err
    assert "--debug" in err
    for argv in (["--debug", "list"], ["list", "--debug"]):
        with pytest.raises(RuntimeError, match="boom"):
            cli.main(argv)
    monkeypatch.setenv("KERAS_PERCEPTUAL_DEBUG", "1")
    with pytest.raises(RuntimeError, match="boom"):
        cli.main(["list"])


def test_usage_errors_exit_2_without_a_traceback(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["sample"])
    err = capsys.readouterr().err
    assert info.value.code == 2 and "Traceback" not in err and "preset" in err


def test_console_script_refuses_in_one_line(tmp_path):
    """The real process: no start-up log line of the backend, no traceback."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    result = subprocess.run([sys.executable, "-m", "keras_perceptual.cli", "train", "aae", "--smoke",
                             "--option", "learning_rate=-1", "--output", str(tmp_path / "p")],
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines() == [
        "keras-perceptual train: error: Expected `learning_rate` to be a finite number > 0, received "
        "learning_rate=-1 (int)."], result.stderr
    assert not (tmp_path / "p").exists()

"""Quiet by default: a command prints nothing on stderr but what was asked
for, JAX and PyTorch runs do not load TensorFlow unless tf.data is used,
and progress bars are drawn only on a terminal."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from keras_perceptual import cli

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import json, sys
from keras_perceptual import cli
status = cli.main(["sample", "vaegan_fashion_mnist", "-n", "4", "-o", sys.argv[1]])
after_cli = "tensorflow" in sys.modules
import keras_perceptual as kp
images = kp.from_pretrained("vaegan_fashion_mnist").generate(4, seed=0)
from keras_perceptual import data_files
data_files.class_names(10)
print(json.dumps({"status": status, "shape": list(images.shape), "tf_after_cli": after_cli,
                  "tf_after_generate": "tensorflow" in sys.modules}))
"""


@pytest.mark.backend_independent  # the subprocess is on JAX whatever the test process runs
def test_jax_sample_is_quiet_and_does_not_load_tensorflow(tmp_path):
    """One process on the JAX backend, with none of the user's log settings:
    `keras-perceptual sample` writes its PNG and nothing on stderr, and
    neither it nor `from_pretrained(...).generate` imports TensorFlow."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("TF_CPP_MIN_LOG_LEVEL", "ABSL_MIN_LOG_LEVEL", "GRPC_VERBOSITY")}
    env.update(KERAS_BACKEND="jax", PYTHONPATH=str(ROOT), JAX_PLATFORMS="cpu")
    out = tmp_path / "s.png"
    run = subprocess.run([sys.executable, "-c", SCRIPT, str(out)], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stderr == ""
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result == {"status": 0, "shape": [4, 28, 28, 1], "tf_after_cli": False, "tf_after_generate": False}
    assert out.stat().st_size > 100


def test_progress_bars_only_on_a_terminal(monkeypatch):
    class Terminal:
        def __init__(self, tty):
            self.tty = tty

        def isatty(self):
            return self.tty

        def write(self, text):
            return len(text)

        def flush(self):
            pass

    monkeypatch.setattr(sys, "stderr", Terminal(False))
    assert cli._progress(range(3)).disable
    monkeypatch.setattr(sys, "stderr", Terminal(True))
    assert not cli._progress(range(3)).disable
    assert cli._progress(range(3), disable=True).disable


def test_train_logs_one_line_per_epoch_when_redirected(monkeypatch):
    """`train` without --verbose: Keras's progress bar (1) on a terminal,
    one line per epoch (2) in a redirected log."""
    seen = {}

    def fake_train(recipe, output, **kwargs):
        seen["verbose"] = kwargs["verbose"]
        raise KeyboardInterrupt

    import keras_perceptual.training as training

    monkeypatch.setattr(training, "train", fake_train)
    for tty, expected in ((False, 2), (True, 1)):
        monkeypatch.setattr(cli, "_isatty", lambda stream, tty=tty: tty)
        assert cli.main(["train", "vae", "--smoke"]) == cli.INTERRUPTED
        assert seen.pop("verbose") == expected
    assert cli.main(["train", "vae", "--smoke", "--verbose", "0"]) == cli.INTERRUPTED
    assert seen.pop("verbose") == 0

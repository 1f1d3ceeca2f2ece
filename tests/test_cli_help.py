"""`keras-perceptual --help` is fast and quiet: building the parser imports no
framework, every option has help text, `train --help` lists the recipes."""

import argparse
import subprocess
import sys
import time

import pytest

from keras_perceptual import cli
from tests.helpers import env_on_jax

COMMANDS = ["list", "sample", "reconstruct", "interpolate", "train", "evaluate", "push"]
FRAMEWORKS = ("keras", "tensorflow", "jax", "torch")


def run_help(args):
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "keras_perceptual.cli", *args, "--help"],
                            capture_output=True, text=True, timeout=60)
    return time.perf_counter() - start, result


def seconds(code):
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60, check=True)
    return time.perf_counter() - start


@pytest.fixture(scope="module")
def budget():
    """1 s on an idle machine. The tests may share a busy CPU (xdist workers,
    other jobs): then the budget is twice a bare `import numpy` (which the
    CLI needs anyway, ~0.1 s idle), so a slow machine cannot fail it but a
    Keras import (seconds even idle) still does."""
    calibration = min(seconds("import numpy") for _ in range(3))
    return max(1.0, 2 * calibration + 0.5)


@pytest.mark.backend_independent
@pytest.mark.parametrize("command", [None] + COMMANDS)
def test_help_is_under_one_second_and_quiet(command, budget):
    args = [] if command is None else [command]
    # Best of three: the machine running the tests may be busy.
    elapsed, result = min((run_help(args) for _ in range(3)), key=lambda r: r[0])
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no TensorFlow / CUDA / absl log lines
    assert result.stdout.startswith("usage: keras-perceptual")
    assert elapsed < budget, f"`keras-perceptual {command or ''} --help` took {elapsed:.2f} s (budget {budget:.2f} s)"


@pytest.mark.backend_independent
def test_parser_and_package_import_no_framework():
    code = (
        "import sys, keras_perceptual, keras_perceptual.cli as c; c.build_parser(); "
        f"print(sorted(m for m in {FRAMEWORKS!r} if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def subparsers(parser):
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return action.choices


@pytest.mark.backend_independent
def test_every_option_has_help_text():
    sub = subparsers(cli.build_parser())
    assert sorted(sub) == sorted(COMMANDS)
    for name, parser in sub.items():
        for action in parser._actions:
            assert action.help, f"`{name} {'/'.join(action.option_strings) or action.dest}` has no help text"


@pytest.mark.backend_independent
def test_train_help_lists_every_recipe_with_its_description():
    from keras_perceptual.recipes import RECIPES

    expected = {name: description for name, (_, description) in RECIPES.items()}
    assert cli.recipe_descriptions() == expected and len(expected) >= 10
    text = subparsers(cli.build_parser())["train"].format_help()
    for name, description in expected.items():
        assert name in text and description.split()[0] in text
    assert "vaegan" in text and "Larsen" in text


def test_a_command_runs_without_framework_log_lines():
    result = subprocess.run([sys.executable, "-m", "keras_perceptual.cli", "list", "--model", "VAEGAN"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "celeba64" in result.stdout
    assert result.stderr == ""


@pytest.mark.backend_independent
def test_keras_first_then_package_registers_classes_for_load_model(tmp_path):
    """The usual import order (`import keras` first) loads the package eagerly,
    so a fresh process can `keras.saving.load_model` a file holding zoo
    classes without touching any `kp.` attribute first."""
    path = tmp_path / "upconv.keras"
    save = (
        "import keras, keras_perceptual as kp\n"
        "inp = keras.Input((4, 4, 2))\n"
        "m = keras.Model(inp, kp.layers.UpConvolution2D(3)(inp))\n"
        f"m.save({str(path)!r})\n"
    )
    load = (
        "import keras\nimport keras_perceptual\n"
        f"m = keras.saving.load_model({str(path)!r})\n"
        "print(type(m.layers[-1]).__name__)\n"
    )
    for code in (save, load):
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                                env=env_on_jax())
        assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("UpConvolution2D")


@pytest.mark.backend_independent
def test_list_is_fast_and_imports_no_framework(budget):
    """`keras-perceptual list` reads the registry without Keras."""
    code = ("import sys, time; t = time.perf_counter(); from keras_perceptual import cli; cli.main(['list']); "
            "print('SECONDS', time.perf_counter() - t, sorted(m for m in %r if m in sys.modules))" % (FRAMEWORKS,))
    result = min((subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
                  for _ in range(2)), key=lambda r: float(r.stdout.split("SECONDS")[1].split()[0]))
    assert result.returncode == 0, result.stderr
    assert "celeba64" in result.stdout and result.stdout.rstrip().endswith("[]")
    start = time.perf_counter()
    listed = subprocess.run([sys.executable, "-m", "keras_perceptual.cli", "list"], capture_output=True, text=True,
                            timeout=60)
    elapsed = time.perf_counter() - start
    assert listed.returncode == 0 and listed.stderr == ""
    assert elapsed < budget, f"`keras-perceptual list` took {elapsed:.2f} s (budget {budget:.2f} s)"


def _names(capsys, *args):
    assert cli.main(["list", *args]) == 0
    out = capsys.readouterr().out.splitlines()[1:]  # the header first
    return {line.split()[0] for line in out}


@pytest.mark.backend_independent
def test_list_filters(capsys):
    deepsim = _names(capsys, "--model", "DeePSiM")  # the class and its subclasses
    assert deepsim == {"deepsim_autoencoder_fashion_mnist", "deepsim_vae_fashion_mnist",
                       "deepsim_inverter_fashion_mnist"}
    assert _names(capsys, "--family", "deepsim") == deepsim | {"pixel_autoencoder_fashion_mnist"}  # its baseline
    assert _names(capsys, "--task", "clustering") == {
        "aae_clustering_gan_fashion_mnist", "aae_clustering_mmd_fashion_mnist", "iae_clustering_fashion_mnist"}
    assert _names(capsys, "--task", "classification") == {"fashion_mnist_classifier", "fashion_mnist_evaluator"}
    assert _names(capsys, "vaegan", "--task", "generation") == {
        "vaegan_fashion_mnist", "vaegan_conditional_fashion_mnist"}
    assert _names(capsys, "CELEBA") == {"celeba64"}
    assert cli.main(["list", "no_such_text"]) == 0
    assert "no preset matches" in capsys.readouterr().err
    assert cli.main(["list", "--family", "nope"]) == 2
    assert "Expected `family` to be one of" in capsys.readouterr().err
    assert cli.main(["list", "--model", "NoSuchModel"]) == 2
    assert "NoSuchModel" in capsys.readouterr().err

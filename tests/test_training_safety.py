"""The training driver refuses to destroy work: recipe options checked by
type and range before anything is built, a finished preset folder never
overwritten without `overwrite=True`, a folder of other files or an
unwritable output refused before the first step, damaged checkpoints
named with the way out (`--restart`), stale temporary files removed."""

import os
import shutil

import keras
import numpy as np
import pytest

from keras_perceptual.recipes import get_recipe
from keras_perceptual.training import Checkpoint
from keras_perceptual.training import train
from tests.helpers import Interrupt

TINY = dict(limit=32)
RUN = dict(batch_size=8, smoke=True, options=TINY, verbose=0)


# -- recipe options -----------------------------------------------------------
# (recipe, options, the text the message must hold: the option, what is
# expected, and the value received)
BAD_OPTIONS = [
    ("aae", dict(learning_rate=-1e-3), ["`learning_rate`", "> 0", "learning_rate=-0.001"]),
    ("aae", dict(learning_rate=0), ["`learning_rate`", "> 0", "learning_rate=0"]),
    ("aae", dict(learning_rate=float("nan")), ["`learning_rate`", "finite", "nan"]),
    ("aae", dict(discriminator_learning_rate="fast"), ["`discriminator_learning_rate`", "'fast'"]),
    ("aae", dict(limit=-1), ["`limit`", ">= 1", "limit=-1"]),
    ("aae", dict(limit=0), ["`limit`", ">= 1", "limit=0"]),
    ("aae", dict(limit=2.5), ["`limit`", "an int", "limit=2.5"]),
    ("aae", dict(conv_filters=8), ["`conv_filters`", "list of ints", "conv_filters=8"]),
    ("aae", dict(conv_filters="[8,"), ["`conv_filters`", "list of ints", "'[8,'"]),
    ("aae", dict(conv_filters=[8, -2]), ["`conv_filters`", ">= 1", "[8, -2]"]),
    ("aae", dict(units=[]), ["`units`", "non-empty list", "units=[]"]),
    ("aae", dict(units=[32.5]), ["`units`", "list of ints", "[32.5]"]),
    ("aae", dict(style_discriminator="yes"), ["`style_discriminator`", "True or False", "'yes'"]),
    ("aae", dict(prior="gauss"), ["`prior`", "'gaussian'", "prior='gauss'"]),
    ("aae", dict(regularizer_weight=-1.0), ["`regularizer_weight`", ">= 0", "regularizer_weight=-1.0"]),
    ("aae", dict(jit_compile=1), ["`jit_compile`", "'auto'", "jit_compile=1 (int)"]),
    ("aae", dict(straight_through="both"), ["`straight_through`", "'decoder'", "'both'"]),
    ("aae", dict(latent_dim=0), ["`latent_dim`", ">= 1", "latent_dim=0"]),
    ("aae", dict(lerning_rate=1e-3), ["Unknown option 'lerning_rate'", "Did you mean 'learning_rate'"]),
    ("iae", dict(code="spherical"), ["`code`", "'continuous'", "code='spherical'"]),
    ("iae", dict(pixel_weight=-0.5), ["`pixel_weight`", ">= 0", "pixel_weight=-0.5"]),
    ("vaegan", dict(gamma="abc"), ["`gamma`", "number", "gamma='abc'"]),
    ("vaegan", dict(gamma=True), ["`gamma`", "number", "gamma=True"]),
    ("vaegan", dict(learning_rate=None), ["`learning_rate`", "learning_rate=None"]),
    ("vaegan", dict(conditional=1), ["`conditional`", "True or False", "conditional=1"]),
    ("vaegan", dict(lr_decay_steps=0), ["`lr_decay_steps`", ">= 1", "lr_decay_steps=0"]),
    ("fashion_mnist_classifier", dict(units=[256]), ["`units`", "an int", "units=[256]"]),
    ("fashion_mnist_classifier", dict(filters=[]), ["`filters`", "non-empty list", "filters=[]"]),
    ("deepsim_autoencoder", dict(lambda_adv=-1.0), ["`lambda_adv`", ">= 0", "lambda_adv=-1.0"]),
    ("deepsim_autoencoder", dict(comparator_layers="block1_act2"), ["`comparator_layers`", "list of strings"]),
    ("deepsim_autoencoder", dict(generator="x"), ["Unknown option 'generator'"]),
]


@pytest.mark.parametrize("recipe, options, expected", BAD_OPTIONS,
                         ids=[f"{r}-{next(iter(o))}-{i}" for i, (r, o, _) in enumerate(BAD_OPTIONS)])
def test_bad_recipe_options_are_refused_naming_what_was_received(recipe, options, expected):
    with pytest.raises(ValueError) as info:
        get_recipe(recipe).resolve(options)
    message = str(info.value)
    assert all(text in message for text in expected), message
    assert "\n" not in message


def test_options_are_normalised_and_numbers_given_as_strings_read_as_numbers():
    vaegan = get_recipe("vaegan").resolve(dict(gamma="0.01", kl_weight=2))
    assert vaegan["gamma"] == 0.01 and isinstance(vaegan["gamma"], float) and vaegan["kl_weight"] == 2.0
    aae = get_recipe("aae").resolve(dict(conv_filters=[8], limit="64", straight_through="decoder"))
    assert aae["conv_filters"] == (8,) and aae["limit"] == 64 and aae["straight_through"] == "decoder"
    # An option whose default is None accepts None (it means: the default of the other options).
    assert get_recipe("iae").resolve(dict(learning_rate=None, code="continuous"))["learning_rate"] == 2e-4


def test_the_driver_checks_options_and_arguments_before_writing_anything(tmp_path):
    out = tmp_path / "p"
    with pytest.raises(ValueError, match=r"Expected `learning_rate` to be a finite number > 0, received "
                                         r"learning_rate=-1.0"):
        train("aae", out, steps=1, **dict(RUN, options=dict(TINY, learning_rate=-1.0)))
    for bad, match in [(dict(seed=-1), "`seed`"), (dict(seed=2**40), "`seed`"), (dict(steps=0), "`steps`"),
                       (dict(batch_size=2.0), "`batch_size`"), (dict(overwrite="yes"), "`overwrite`")]:
        with pytest.raises(ValueError, match=match):
            train("aae", out, **{"steps": 1, **RUN, **bad})
    assert not out.exists()


# -- the output folder --------------------------------------------------------
def _stale_pid():
    pid = 999_999
    while True:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid
        except PermissionError:
            pass
        pid -= 1


def test_finished_folder_is_never_overwritten_without_overwrite(tmp_path):
    out = tmp_path / "p"
    # A kill mid-write left a temporary file of ours; a file of the user's beside it stays.
    (out / "training").mkdir(parents=True)
    stale = out / "training" / f".checkpoint.npz.{_stale_pid()}.tmp"
    stale.write_bytes(b"half a checkpoint")
    mine = out / "training" / "my_notes.tmp"
    mine.write_text("keep me")
    train("aae", out, steps=2, **RUN)
    assert not stale.exists() and mine.read_text() == "keep me"
    weights = (out / "model.weights.h5").read_bytes()
    for other in (dict(RUN, options=dict(TINY, learning_rate=0.01)), RUN):  # other options, and the same
        with pytest.raises(ValueError) as info:
            train("aae", out, steps=2, **other)
        message = str(info.value)
        assert "finished preset" in message and str(out) in message and "--overwrite" in message, message
        assert "aae, 2 steps" in message
    assert (out / "model.weights.h5").read_bytes() == weights
    record = train("aae", out, steps=3, **RUN, overwrite=True)
    assert record.steps == 3 and (out / "model.weights.h5").read_bytes() != weights


def test_folder_of_other_files_is_refused(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("years of work")
    with pytest.raises(ValueError, match=r"holds files that are not a preset's \(thesis.tex\).*another --output"):
        train("aae", out, steps=1, **RUN, overwrite=True)
    assert sorted(p.name for p in out.iterdir()) == ["thesis.tex"]


def test_output_that_is_a_file_is_refused_before_the_first_step(tmp_path):
    target = tmp_path / "preset"
    target.write_text("a file")
    steps = []

    class Count(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            steps.append(batch)

    with pytest.raises(ValueError, match=r"The output .*preset is a file, not a folder"):
        train("aae", target, steps=1, **RUN, callbacks=[Count()])
    with pytest.raises(ValueError, match=r"Cannot write into the output folder .*preset/sub"):
        train("aae", target / "sub", steps=1, **RUN, callbacks=[Count()])
    assert steps == [] and target.read_text() == "a file"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root writes into read-only folders: chmod cannot make one unwritable")
def test_read_only_output_is_refused_before_the_first_step(tmp_path):
    folder = tmp_path / "read_only"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(ValueError, match=r"Cannot write into the output folder .*read_only"):
            train("aae", folder, steps=1, **RUN)
    finally:
        folder.chmod(0o700)


# -- damaged checkpoints ------------------------------------------------------
@pytest.fixture(scope="module")
def interrupted(tmp_path_factory):
    """A run killed after step 3 of 8: its folder holds the checkpoint of step 2."""
    out = tmp_path_factory.mktemp("interrupted") / "p"
    with pytest.raises(KeyboardInterrupt):
        train("aae", out, epochs=2, checkpoint_every=2, **RUN, callbacks=[Interrupt(3)])
    assert Checkpoint(out / "training").read_state()["step"] == 2
    return out


def _rewrite(path, change):
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    change(arrays)
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def _nan(arrays):
    key = next(k for k in sorted(arrays) if k.startswith("model/") and arrays[k].dtype.kind == "f")
    arrays[key] = np.full_like(arrays[key], np.nan)


def _flip(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


DAMAGE = {
    "empty": (lambda p: p.write_bytes(b""), "damaged"),
    "truncated": (lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]), "damaged"),
    "flipped byte": (_flip, "cannot be resumed"),
    "not a zip": (lambda p: p.write_text("hello"), "damaged"),
    "no record": (lambda p: _rewrite(p, lambda a: a.pop("__meta__")), "damaged"),
    "missing variables": (lambda p: _rewrite(p, lambda a: a.pop(sorted(k for k in a if k.startswith("model/"))[3])),
                          "model variables, this model has"),
    "non-finite weights": (lambda p: _rewrite(p, _nan), "non-finite model values"),
}


@pytest.mark.parametrize("case", list(DAMAGE))
def test_damaged_checkpoint_names_the_file_and_restart(case, interrupted, tmp_path):
    out = tmp_path / "p"
    shutil.copytree(interrupted, out)
    path = out / "training" / "checkpoint.npz"
    damage, expected = DAMAGE[case]
    damage(path)
    with pytest.raises(ValueError) as info:
        train("aae", out, epochs=2, checkpoint_every=2, **RUN)
    message = str(info.value)
    assert str(path) in message and "--restart" in message and expected in message, message
    assert "\n" not in message and not (out / "config.json").exists()
    if case == "non-finite weights":  # the way out the message names works
        record = train("aae", out, epochs=2, checkpoint_every=2, **RUN, restart=True)
        assert record.steps == 8 and record.runs[0]["from_step"] == 0


def test_checkpoint_of_other_options_names_them_and_overwrite_discards_it(interrupted, tmp_path):
    out = tmp_path / "p"
    shutil.copytree(interrupted, out)
    other = dict(RUN, options=dict(TINY, learning_rate=0.01))
    with pytest.raises(ValueError, match=r"learning_rate=0.001 there, 0.01 here.*--restart"):
        train("aae", out, epochs=2, **other)
    record = train("aae", out, epochs=1, **other, overwrite=True)
    assert record.steps == 4 and record.runs[0]["from_step"] == 0

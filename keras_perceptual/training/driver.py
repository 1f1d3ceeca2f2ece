"""`train(recipe, output, ...)`: the one training driver of the zoo.

Seeding, compile, fit, step checkpoints (exact resume), the non-finite
stop, sample grids, and the preset written with `save_pretrained`'s
writer; returns a `TrainingRecord`.
"""

import dataclasses
import json
import math
import os
import shlex
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import keras
import numpy as np

import keras_perceptual.validation as check
from keras_perceptual.preset_format import CONFIG
from keras_perceptual.preset_format import LEARNING_CURVE
from keras_perceptual.preset_format import METADATA
from keras_perceptual.preset_format import PRESET_FILES
from keras_perceptual.preset_format import WEIGHTS
from keras_perceptual.preset_writer import save_preset
from keras_perceptual.preset_writer import update_preset
from keras_perceptual.recipes import get_recipe
from keras_perceptual.training import distributed
from keras_perceptual.training.checkpoint import Checkpoint
from keras_perceptual.training.checkpoint import CheckpointError
from keras_perceptual.training.checkpoint import StepCheckpoint
from keras_perceptual.training.guards import StopOnNonFinite
from keras_perceptual.training.pictures import EpochPictures
from keras_perceptual.training.pictures import mark_smoke
from keras_perceptual.training.pictures import smoke_title
from keras_perceptual.training.pictures import preset_samples_picture
from keras_perceptual.training.pictures import write_pictures
from keras_perceptual.training.record import TrainingRecord
from keras_perceptual.training.record import describe_optimizer
from keras_perceptual.training.validation import CONVERGENCE_TOLERANCE
from keras_perceptual.training.validation import RULE
from keras_perceptual.training.validation import has_converged

BEST = "best.npz"  # the weights of the best validation measurement, beside the checkpoint


WORKDIR = "training"  # the grids and the checkpoint of a run, inside its preset folder
PROBE = ".keras_perceptual_write_probe"


def _check_positive(**values):
    for name, value in values.items():
        check.expect_int(name, value, minimum=1, allow_none=True)


def _finished(folder):
    """Whether `folder` holds a preset (a finished run's)."""
    return any((folder / name).is_file() for name in (CONFIG, WEIGHTS, METADATA))


def _describe_preset(folder):
    """" (recipe, N steps, written by COMMAND)" of a preset folder's metadata, or ""."""
    try:
        meta = json.loads((folder / METADATA).read_text(encoding="utf-8"))
        parts = [str(meta["recipe"]).rsplit(".", 1)[-1] if meta.get("recipe") else "",
                 f"{meta['steps']} steps" if meta.get("steps") is not None else "",
                 f"written by `{meta['command']}`" if meta.get("command") else ""]
        text = ", ".join(p for p in parts if p)
        return f" ({text[:300]})" if text else ""
    except (OSError, ValueError, TypeError, AttributeError, KeyError):
        return ""


def check_output(output, workdir=None, save=True, overwrite=False):
    """Refuses, before any training step, an output that would destroy work
    or cannot be written: a file, a folder of other files, a finished preset
    without `overwrite`; then creates the folders and proves them writable
    (a probe file written and removed)."""
    folders = []
    if output is not None:
        output = Path(output)
        if output.exists() and not output.is_dir():
            raise ValueError(f"The output {output} is a file, not a folder. Pass another --output (a new folder).")
        if save and output.is_dir():
            if _finished(output) and not overwrite:
                raise ValueError(
                    f"The output folder {output} holds a finished preset{_describe_preset(output)}. Refusing to "
                    "overwrite it: pass --overwrite (`overwrite=True`) to replace it, or another --output."
                )
            ours = set(PRESET_FILES) | {LEARNING_CURVE, WORKDIR}
            foreign = sorted(p.name for p in output.iterdir() if p.name not in ours and not p.name.startswith("."))
            if foreign:
                shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
                raise ValueError(
                    f"The output folder {output} holds files that are not a preset's ({shown}). Refusing to write a "
                    "preset among them: pass another --output (a new or empty folder)."
                )
        folders.append(output)
    if workdir is not None:
        workdir = Path(workdir)
        if workdir.exists() and not workdir.is_dir():
            raise ValueError(f"The training folder {workdir} is a file, not a folder. Pass another --output.")
        folders.append(workdir)
    for folder in folders:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            probe = folder / f"{PROBE}.{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as e:
            reason = e.strerror or type(e).__name__
            raise ValueError(
                f"Cannot write into the output folder {folder} ({reason}). Pass an --output you can write to."
            ) from None


def _jsonable(value):
    return json.loads(json.dumps(value, default=lambda o: o.tolist() if hasattr(o, "tolist") else repr(o)))


class _EndEpoch(keras.callbacks.Callback):
    """Ends `fit` after one epoch: the driver feeds it an epoch at a time
    (so a resumed epoch starts at its own batch) while the progress bar
    still counts the run's epochs."""

    def on_epoch_end(self, epoch, logs=None):
        self.model.stop_training = True


def _diagnose(data, seed, steps_per_epoch):
    def diagnose(step):
        if not hasattr(data, "batch"):
            return None
        epoch, index = divmod(step - 1, steps_per_epoch)
        batch = np.asarray(data.batch(seed, epoch, index), "float64")
        nonfinite = int(np.sum(~np.isfinite(batch)))
        outside = int(np.sum(np.abs(batch[np.isfinite(batch)]) > 1.001))
        if not (nonfinite or outside):
            return None
        return (f"Its batch (epoch {epoch + 1}, batch {index + 1}) holds {nonfinite} NaN/Inf value(s) and "
                f"{outside} value(s) outside [-1, 1] (scale [0, 255] images with x / 127.5 - 1).")
    return diagnose


def train(recipe, output=None, *, epochs=None, steps=None, batch_size=None, seed=0, smoke=False, dataset=None,
          options=None, checkpoint_every=None, checkpoint_seconds=180.0, restart=False, verbose=1, command=None,
          save=True, metadata=None, skip_networks=None, callbacks=(), workdir=None, validate=False,
          validate_every=None, stop_when_converged=False, restore_best=False, overwrite=False):
    """Trains `recipe` and (with `output` and `save`) writes a preset.

    A run with `output` keeps its grids and a checkpoint in `workdir`
    (default `output/training/`, `output/` when `save=False`) every `checkpoint_every` steps (every
    `checkpoint_seconds` of wall time by default) and at each epoch's end:
    the same call after a crash or a kill resumes from it ("resuming from
    step k of n") and ends with the weights an uninterrupted run gives. A
    checkpoint of a run with other options is refused, naming them, unless
    `restart=True`. The checkpoint is removed once the run has finished
    (and its preset is written).

    No work is destroyed silently: an `output` that holds a finished preset
    is refused unless `overwrite=True`, one that holds other files is
    refused, and an output that is a file or cannot be written is refused
    before the first step. A damaged checkpoint (or one holding NaN/Inf) is
    refused naming the file and `restart`.

    With `validate` (implied by `validate_every`, `stop_when_converged` and
    `restore_best`)
    the recipe's `Validation` is measured on the validation split every
    `validate_every` steps (default: the recipe's, else once per epoch) and
    at the end: the learning curve goes into the record (and the preset's
    card). With `stop_when_converged`, the budget (`epochs` / `steps`) is a
    cap and the run stops at the first measurement where the curve has
    converged (`keras_perceptual.training.has_converged`: less than 2 %
    improvement over the last fifth of the run).

    Training stops with `NonFiniteError` at the first non-finite loss or
    bad batch (NaN/Inf, or values outside [-1, 1]), naming the step and the
    player; nothing is saved then.

    Args:
        recipe: a `Recipe` or a registered recipe name.
        output: folder of the preset (and of the run's grids and
            checkpoint), or None (nothing written, no checkpoint).
        epochs: budget in epochs (default: the recipe's; 1 with `smoke`).
        steps: budget in optimizer steps instead of epochs.
        batch_size: default: the recipe's.
        seed: seed of the initialisation, the data order and the model's
            random draws.
        smoke: the recipe's smoke settings (tiny data and networks).
        dataset: default: the recipe's first.
        options: `{option: value}` over the recipe's defaults.
        checkpoint_every: steps between checkpoints, or None.
        checkpoint_seconds: wall time between checkpoints when
            `checkpoint_every` is None.
        restart: discard an existing checkpoint instead of resuming it.
        verbose: `fit` verbosity.
        command: the command line recorded in the metadata (default:
            `sys.argv`).
        save: write the preset into `output` (else only grids and the
            final pictures).
        metadata: extra preset metadata (description, budget, ...).
        skip_networks: sub-networks left out of the preset (default: the
            recipe's), or `model -> list`.
        callbacks: extra Keras callbacks.
        workdir: folder of the grids and the checkpoint.
        validate: measure the recipe's validation curve (needs a recipe
            with a `validation`).
        validate_every: steps between validation measurements.
        stop_when_converged: stop when the validation curve has converged
            (the budget is then a cap).
        restore_best: end with the weights of the best validation
            measurement (kept in `best.npz` beside the checkpoint, so a
            resumed run keeps it too) instead of the last step's.
        overwrite: replace the preset of a finished run in `output` (and
            discard a checkpoint of other options).

    Returns:
        A `TrainingRecord` (the model in `record.model`).
    """
    settings = _resolve_settings(
        recipe, output, epochs=epochs, steps=steps, batch_size=batch_size, seed=seed, smoke=smoke, dataset=dataset,
        options=options, checkpoint_every=checkpoint_every, checkpoint_seconds=checkpoint_seconds, restart=restart,
        verbose=verbose, command=command, save=save, metadata=metadata, skip_networks=skip_networks,
        callbacks=callbacks, workdir=workdir, validate=validate, validate_every=validate_every,
        stop_when_converged=stop_when_converged, restore_best=restore_best, overwrite=overwrite)
    run = _Run(settings)
    run.prepare_output()
    run.build_model_and_data()
    run.restore_checkpoint()
    run.fit()
    run.restore_best_weights()
    return run.write_files(run.make_record())


@dataclasses.dataclass(frozen=True)
class _Settings:
    """Every setting of a run, checked and resolved (`_resolve_settings`)."""

    recipe: Any
    output: Any
    work: Any  # the folder of the grids and the checkpoint, or None
    options: dict  # the recipe's resolved options
    epochs: Any
    steps: Any
    batch_size: int
    seed: int
    smoke: bool
    checkpoint_every: Any
    checkpoint_seconds: float
    restart: bool
    verbose: Any
    command: str
    save: bool
    metadata: Any
    skip_networks: Any
    callbacks: Any
    validation: Any  # the recipe's `Validation` when validating, else None
    validate_every: Any
    stop_when_converged: bool
    restore_best: bool
    overwrite: bool


def _resolve_settings(recipe, output, *, epochs, steps, batch_size, seed, smoke, dataset, options, checkpoint_every,
                      checkpoint_seconds, restart, verbose, command, save, metadata, skip_networks, callbacks, workdir,
                      validate, validate_every, stop_when_converged, restore_best, overwrite):
    """The run's `_Settings`: the recipe (by name too), every argument
    checked, the recipe's options resolved, the command line and the
    working folder."""
    if isinstance(recipe, str):
        recipe = get_recipe(recipe)
    _check_positive(epochs=epochs, steps=steps, batch_size=batch_size, checkpoint_every=checkpoint_every,
                    validate_every=validate_every)
    seed = check.expect_int("seed", seed, minimum=0, maximum=2**32 - 1)
    check.expect_float("checkpoint_seconds", checkpoint_seconds, above=0)
    smoke, restart, overwrite, save = (check.expect_bool(n, v) for n, v in
                                       (("smoke", smoke), ("restart", restart), ("overwrite", overwrite),
                                        ("save", save)))
    validate = bool(validate or validate_every or stop_when_converged or restore_best)
    validation = recipe.validation if validate else None
    if validate and validation is None:
        raise ValueError(
            f"The {recipe.name!r} recipe has no validation measure, so it cannot be validated or stopped when it "
            f"converges. Received: validate_every={validate_every}, stop_when_converged={stop_when_converged}"
        )
    if epochs is not None and steps is not None:
        raise ValueError(f"Pass `epochs` or `steps`, not both. Received: epochs={epochs}, steps={steps}")
    batch_size = distributed.check_batch_size(batch_size or recipe.batch_size)
    opts = recipe.resolve(options, dataset=dataset, smoke=smoke, seed=seed)
    if smoke and recipe.smoke_batches and (options or {}).get("limit") is None:
        opts["limit"] = recipe.smoke_batches * batch_size
    if workdir is not None:
        work = Path(workdir)
    else:
        work = None if output is None else (Path(output) / WORKDIR if save else Path(output))
    return _Settings(
        recipe=recipe, output=output, work=work, options=opts, epochs=epochs, steps=steps, batch_size=batch_size,
        seed=seed, smoke=smoke, checkpoint_every=checkpoint_every, checkpoint_seconds=checkpoint_seconds,
        restart=restart, verbose=verbose, command=command or " ".join(shlex.quote(a) for a in sys.argv),
        save=save, metadata=metadata, skip_networks=skip_networks, callbacks=callbacks,
        validation=validation, validate_every=validate_every, stop_when_converged=bool(stop_when_converged),
        restore_best=bool(restore_best), overwrite=overwrite)


class _Run:
    """One training run, step by step (`train` calls the steps in order):
    its model, data, budget, checkpoint and the state a checkpoint keeps
    (`state`: step, options fingerprint, runs, last losses, validation
    curve)."""

    def __init__(self, settings):
        self.settings = settings
        self.recipe = settings.recipe
        self.options = settings.options
        self.validation = settings.validation
        self.checkpoint = None
        self.best = {}  # the weights of the best validation measurement (restore_best)
        self.restored_best = False

    def prepare_output(self):
        """Refuses an output that would destroy work or cannot be written
        (`check_output`), then drops a crashed run's half-written
        checkpoint files."""
        s = self.settings
        check_output(s.output, s.work, save=s.save, overwrite=s.overwrite)
        if s.work is not None:
            self.checkpoint = Checkpoint(s.work)
            self.checkpoint.clean_stale()

    def build_model_and_data(self):
        """Seeds Keras, builds the model and the data, sets the budget
        (`total` steps, `epochs`) and compiles the model with built
        optimizers."""
        s, recipe = self.settings, self.recipe
        keras.utils.set_random_seed(s.seed)
        self.model = recipe.build(self.options)
        self.data = recipe.data(self.options, s.batch_size)
        self.per_epoch = self.data.steps_per_epoch
        epochs = s.epochs or (1 if s.smoke else None)
        if not s.steps and epochs is None:
            epochs = recipe.default_epochs(self.options["dataset"])
        self.total = s.steps or epochs * self.per_epoch
        self.epochs = math.ceil(self.total / self.per_epoch)
        recipe.compile(self.model, self.options, self.total, self.per_epoch)
        if not self.model.optimizer.built:
            self.model.optimizer.build(self.model.trainable_variables)
        self.every = None  # steps between validation measurements
        if self.validation is not None:
            self.every = s.validate_every or self.validation.every or self.per_epoch
        self.rule = None if self.validation is None else RULE.format(tolerance=CONVERGENCE_TOLERANCE,
                                                                     min_points=self.validation.min_points)

    def restore_checkpoint(self):
        """The run's `state`: a fresh one, or the checkpoint's (its model
        weights and optimizer restored) when one of the same options
        exists and `restart` is not asked; a checkpoint of other options is
        refused, or discarded with `overwrite`."""
        s, checkpoint = self.settings, self.checkpoint
        fingerprint = {**_jsonable(self.options), "recipe": self.recipe.name, "batch_size": s.batch_size,
                       "steps": self.total, "smoke": bool(s.smoke), "backend": keras.backend.backend(),
                       "validate_every": self.every, "stop_when_converged": s.stop_when_converged,
                       "restore_best": s.restore_best}
        self.state = {"step": 0, "fingerprint": fingerprint, "runs": [], "last_logs": {}, "curve": [],
                      "converged": False}
        restart = s.restart
        if checkpoint is not None and checkpoint.exists() and not restart:
            try:
                checkpoint.check(fingerprint)
            except CheckpointError:
                raise
            except ValueError as e:
                if not s.overwrite:
                    raise
                restart = True  # --overwrite replaces the run in the folder, its checkpoint included
                if s.verbose:
                    print(f"discarding the checkpoint of a run with other options: {e}", flush=True)
        if checkpoint is not None and checkpoint.exists():
            if restart:
                if distributed.is_writer():
                    self._remove_checkpoint()
            else:
                self.state = checkpoint.restore(self.model)
                self.state["fingerprint"] = fingerprint
                self.state.setdefault("curve", [])
                self.state.setdefault("converged", False)
                if self.state.get("best_step") is not None:
                    self._load_best_weights()
                print(f"resuming from step {self.state['step']} of {self.total} ({checkpoint.path})", flush=True)
        self.run_entry = {"command": s.command, "from_step": self.state["step"], "to_step": self.state["step"],
                    "wall_time_s": 0.0}
        self.state["runs"].append(self.run_entry)
        self.start = time.monotonic()
        self.stats = {"written": 0, "bytes": 0, "every": s.checkpoint_every or f"{s.checkpoint_seconds:g} s",
                      "saved_step": None}

    def _load_best_weights(self):
        best_file = self.checkpoint.folder / BEST
        if not best_file.is_file():
            return
        try:
            with np.load(best_file, allow_pickle=False) as saved:
                self.best["weights"] = [saved[k] for k in sorted(saved.files)]
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as e:
            raise CheckpointError(
                f"The best-weights file {best_file} of the checkpoint cannot be read ({type(e).__name__}: "
                f"{' '.join(str(e).split())[:200]}). Pass --restart (`restart=True`) to discard the "
                "checkpoint and train from step 0."
            ) from None

    def _remove_checkpoint(self):
        self.checkpoint.remove()
        if (self.checkpoint.folder / BEST).is_file():
            (self.checkpoint.folder / BEST).unlink()

    def _save_checkpoint(self):
        state, run = self.state, self.run_entry
        run["to_step"] = state["step"]
        run["wall_time_s"] = round(time.monotonic() - self.start, 1)
        if self.checkpoint is not None and distributed.is_writer() and self.stats["saved_step"] != state["step"]:
            self.stats["bytes"] = self.checkpoint.save(self.model, {k: v for k, v in state.items()})
            self.stats["written"] += 1
            self.stats["saved_step"] = state["step"]

    def _fit_callbacks(self):
        """The step checkpoints, the non-finite stop, the epoch grids, the
        caller's callbacks and the end of `fit` after one epoch."""
        s, recipe, images, conditions = self.settings, self.recipe, self.images, self.conditions
        fit_callbacks = [StepCheckpoint(self._save_checkpoint, self.state, s.checkpoint_every, s.checkpoint_seconds),
                         StopOnNonFinite(self.state["step"], self.total, _diagnose(self.data, s.seed, self.per_epoch))]
        if s.work is not None and recipe.pictures and images is not None and distributed.is_writer():
            fit_callbacks.append(EpochPictures(s.work / "grids", recipe.pictures, images[:16],
                                               _first(conditions, 16), seed=s.seed, dataset=self.options["dataset"],
                                               title=smoke_title(s.smoke)))
        return fit_callbacks + list(s.callbacks) + [_EndEpoch()]

    def _validate(self):
        """Measures the validation metric at the current step: a point of
        the curve, the best weights kept (`restore_best`), convergence
        judged (`stop_when_converged`)."""
        s, state, validation, model = self.settings, self.state, self.validation, self.model
        value = validation.measure(model, self.options)
        if value is None:
            return
        state["curve"].append([state["step"], float(value)])
        if s.verbose:
            print(f"step {state['step']}: {validation.metric} {value:.5g}", flush=True)
        previous = state.get("best_value")
        better = previous is None or (value < previous if validation.mode == "min" else value > previous)
        if s.restore_best and better:
            state["best_step"], state["best_value"] = state["step"], float(value)
            self.best["weights"] = [np.array(keras.ops.convert_to_numpy(v)) for v in model.weights]
            if self.checkpoint is not None:  # written like the checkpoint: a kill mid-write leaves the old file
                folder = self.checkpoint.folder
                folder.mkdir(parents=True, exist_ok=True)
                tmp = folder / f".{BEST}.{os.getpid()}.tmp"
                with open(tmp, "wb") as f:
                    np.savez(f, **{f"{i:05d}": w for i, w in enumerate(self.best["weights"])})
                os.replace(tmp, folder / BEST)
        if s.stop_when_converged and has_converged(state["curve"], validation.mode,
                                                   min_points=validation.min_points):
            state["converged"] = True
            if s.verbose:
                print(f"converged at step {state['step']} of {self.total} ({self.rule})", flush=True)

    def _validation_due(self):
        step, curve = self.state["step"], self.state["curve"]
        measured = curve and curve[-1][0] == step
        return bool(self.every) and step > 0 and (step % self.every == 0 or step == self.total) and not measured

    def fit(self):
        """Trains to the budget (or convergence) one epoch (or validation
        interval) at a time, from the restored step: a measurement when one
        is due, a checkpoint after every chunk."""
        s, state, every = self.settings, self.state, self.every
        recipe = self.recipe
        self.images, self.conditions = recipe.picture_data(self.options) if recipe.picture_data else (None, None)
        fit_callbacks = self._fit_callbacks()
        if self._validation_due():  # a checkpoint written mid-fit at a validation step, before its measurement
            self._validate()
        while state["step"] < self.total and not state["converged"]:
            epoch, first = divmod(state["step"], self.per_epoch)
            last = min(self.per_epoch, self.total - epoch * self.per_epoch)
            if every:  # stop the chunk at the next validation step
                last = min(last, first + every - state["step"] % every)
            history = self.model.fit(**distributed.shard_fit_data(self.data.epoch(s.seed, epoch, first, last),
                                                                  s.batch_size),
                                     epochs=self.epochs, initial_epoch=epoch, verbose=s.verbose,
                                     callbacks=fit_callbacks)
            state["last_logs"] = {k: float(v[-1]) for k, v in history.history.items() if v}
            if self._validation_due():
                self._validate()
            self._save_checkpoint()
        self.run_entry["to_step"] = state["step"]
        self.run_entry["wall_time_s"] = round(time.monotonic() - self.start, 1)

    def restore_best_weights(self):
        """With `restore_best`, the weights of the best measurement in
        place of the last step's (when they differ)."""
        state = self.state
        self.restored_best = bool(self.settings.restore_best and self.best.get("weights") is not None
                                  and state.get("best_step") != state["step"])
        if self.restored_best:
            for variable, value in zip(self.model.weights, self.best["weights"]):
                variable.assign(value)
            if self.settings.verbose:
                print(f"restored the weights of step {state['best_step']} ({self.validation.metric} "
                      f"{state['best_value']:.5g}, the best measured)", flush=True)

    def make_record(self):
        """The run's `TrainingRecord` (the recipe's evaluation included)."""
        s, state, validation, model = self.settings, self.state, self.validation, self.model
        return TrainingRecord(
            recipe=self.recipe.name, dataset=self.options["dataset"], options=_jsonable(self.options),
            epochs=self.epochs, steps=state["step"], batch_size=s.batch_size, seed=s.seed,
            optimizer=describe_optimizer(model), backend=keras.backend.backend(),
            wall_time_s=round(sum(r["wall_time_s"] for r in state["runs"]), 1), final_losses=state["last_logs"],
            runs=state["runs"], checkpoints={k: v for k, v in self.stats.items() if k != "saved_step"},
            validation=None if validation is None else {
                "metric": validation.metric, "mode": validation.mode, "every": self.every, "curve": state["curve"],
                "converged": state["converged"], "stop_when_converged": s.stop_when_converged,
                "cap_steps": self.total, "rule": self.rule if s.stop_when_converged else None,
                "split": "validation", "best_step": state.get("best_step"), "best_value": state.get("best_value"),
                "restored_best": self.restored_best},
            extra=self.recipe.evaluate(model, self.options) if self.recipe.evaluate else {}, model=model,
        )

    def write_files(self, record):
        """Process 0 writes the run's files: the recipe's own, the preset
        (or the final pictures), then removes the checkpoint. Returns
        `record`, its model a local copy in each process."""
        s, recipe = self.settings, self.recipe
        record.model = model = distributed.local_model(self.model)  # several processes: a local copy each
        if not distributed.is_writer():  # process 0 writes the run's files, alone
            return record
        if s.work is not None and recipe.save is not None:
            recipe.save(model, s.work, self.options, record)
        if s.output is not None and s.save:
            write_preset(recipe, model, Path(s.output), record, self.images, self.conditions, s.metadata,
                         s.skip_networks, s.overwrite)
        elif s.work is not None and recipe.pictures and self.images is not None:
            write_pictures(model, recipe.pictures, s.work, self.images, self.conditions, seed=s.seed,
                           dataset=self.options["dataset"], title=smoke_title(s.smoke))
        if self.checkpoint is not None:
            self._remove_checkpoint()
        return record


def _first(conditions, n):
    """The sample conditions and those of the first `n` images."""
    if conditions is None:
        return None
    return conditions[0], conditions[1][:n]


def write_preset(recipe, model, folder, record, images=None, conditions=None, metadata=None, skip_networks=None,
                 overwrite=False):
    """The preset folder of a finished run: config, weights, card,
    `metadata.json` (with the commands that produced the weights) and
    `samples.png` (`recipe.preset_picture`: prior samples, or the picture
    the options name, else the recipe's first picture)."""
    meta = {
        "dataset": record.dataset,
        "recipe": f"keras_perceptual.recipes.{recipe.name}",
        "recipe_options": {k: v for k, v in record.options.items() if k != "comparator_weights"},
        "steps": record.steps,
        "wall_time_s": record.wall_time_s,
        "command": record.command,
        "training": record.to_dict(),
        **(metadata or {}),
    }
    smoke = bool(record.options.get("smoke"))
    if smoke:  # said in the description (and so the model card) and above samples.png
        meta["description"] = mark_smoke(meta.get("description"))
    if callable(skip_networks):
        skip_networks = skip_networks(model)
    skip = list(recipe.skip_networks if skip_networks is None else skip_networks)
    kind = recipe.preset_picture(record.options)
    save_preset(model, folder, meta, samples=64 if kind == "samples" else 0, skip_networks=skip, overwrite=overwrite)
    shown = preset_samples_picture(model, kind, images, conditions, dataset=record.dataset, smoke=smoke)
    if shown is not None:
        update_preset(folder, pictures=shown.images, samples_description=shown.description,
                      title=smoke_title(smoke), **shown.captions())
    return folder

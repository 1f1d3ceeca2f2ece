"""`train(recipe, output, ...)`: the one training driver of the zoo.

Seeding, compile, fit, step checkpoints (exact resume), the non-finite
stop, sample grids, and the preset written with `save_pretrained`'s
writer; returns a `TrainingRecord`.
"""

import json
import math
import os
import shlex
import sys
import time
import zipfile
from pathlib import Path

import keras
import numpy as np

import keras_perceptual.validation as check
from keras_perceptual.preset_format import CONFIG
from keras_perceptual.preset_format import LEARNING_CURVE
from keras_perceptual.preset_format import METADATA
from keras_perceptual.preset_format import PRESET_FILES
from keras_perceptual.preset_format import WEIGHTS
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
    if isinstance(recipe, str):
        from keras_perceptual.recipes import get_recipe

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
    command = command or " ".join(shlex.quote(a) for a in sys.argv)
    if workdir is not None:
        work = Path(workdir)
    else:
        work = None if output is None else (Path(output) / WORKDIR if save else Path(output))
    check_output(output, work, save=save, overwrite=overwrite)
    checkpoint = Checkpoint(work) if work is not None else None
    if checkpoint is not None:
        checkpoint.clean_stale()

    keras.utils.set_random_seed(seed)
    model = recipe.build(opts)
    data = recipe.data(opts, batch_size)
    per_epoch = data.steps_per_epoch
    total = steps or (epochs or (1 if smoke else recipe.default_epochs(opts["dataset"]))) * per_epoch
    epochs = math.ceil(total / per_epoch)
    recipe.compile(model, opts, total, per_epoch)
    if not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)

    every = None
    if validation is not None:
        every = validate_every or validation.every or per_epoch
    fingerprint = {**_jsonable(opts), "recipe": recipe.name, "batch_size": batch_size, "steps": total,
                   "smoke": bool(smoke), "backend": keras.backend.backend(), "validate_every": every,
                   "stop_when_converged": bool(stop_when_converged), "restore_best": bool(restore_best)}
    state = {"step": 0, "fingerprint": fingerprint, "runs": [], "last_logs": {}, "curve": [], "converged": False}
    best = {}  # the weights of the best validation measurement (restore_best)
    rule = None if validation is None else RULE.format(tolerance=CONVERGENCE_TOLERANCE,
                                                       min_points=validation.min_points)
    if checkpoint is not None and checkpoint.exists() and not restart:
        try:
            checkpoint.check(fingerprint)
        except CheckpointError:
            raise
        except ValueError as e:
            if not overwrite:
                raise
            restart = True  # --overwrite replaces the run in the folder, its checkpoint included
            if verbose:
                print(f"discarding the checkpoint of a run with other options: {e}", flush=True)
    if checkpoint is not None and checkpoint.exists():
        if restart:
            if distributed.is_writer():
                checkpoint.remove()
                if (checkpoint.folder / BEST).is_file():
                    (checkpoint.folder / BEST).unlink()
        else:
            state = checkpoint.restore(model)
            state["fingerprint"] = fingerprint
            state.setdefault("curve", [])
            state.setdefault("converged", False)
            best_file = checkpoint.folder / BEST
            if state.get("best_step") is not None and best_file.is_file():
                try:
                    with np.load(best_file, allow_pickle=False) as saved:
                        best["weights"] = [saved[k] for k in sorted(saved.files)]
                except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as e:
                    raise CheckpointError(
                        f"The best-weights file {best_file} of the checkpoint cannot be read ({type(e).__name__}: "
                        f"{' '.join(str(e).split())[:200]}). Pass --restart (`restart=True`) to discard the "
                        "checkpoint and train from step 0."
                    ) from None
            print(f"resuming from step {state['step']} of {total} ({checkpoint.path})", flush=True)
    run = {"command": command, "from_step": state["step"], "to_step": state["step"], "wall_time_s": 0.0}
    state["runs"].append(run)
    start = time.monotonic()
    stats = {"written": 0, "bytes": 0, "every": checkpoint_every or f"{checkpoint_seconds:g} s", "saved_step": None}

    def save_checkpoint():
        run["to_step"] = state["step"]
        run["wall_time_s"] = round(time.monotonic() - start, 1)
        if checkpoint is not None and distributed.is_writer() and stats["saved_step"] != state["step"]:
            stats["bytes"] = checkpoint.save(model, {k: v for k, v in state.items()})
            stats["written"] += 1
            stats["saved_step"] = state["step"]

    fit_callbacks = [StepCheckpoint(save_checkpoint, state, checkpoint_every, checkpoint_seconds),
                     StopOnNonFinite(state["step"], total, _diagnose(data, seed, per_epoch))]
    images, conditions = recipe.picture_data(opts) if recipe.picture_data else (None, None)
    if work is not None and recipe.pictures and images is not None and distributed.is_writer():
        fit_callbacks.append(EpochPictures(work / "grids", recipe.pictures, images[:16],
                                           _first(conditions, 16), seed=seed, dataset=opts["dataset"],
                                           title=smoke_title(smoke)))
    fit_callbacks += list(callbacks) + [_EndEpoch()]

    def validate():
        value = validation.measure(model, opts)
        if value is None:
            return
        state["curve"].append([state["step"], float(value)])
        if verbose:
            print(f"step {state['step']}: {validation.metric} {value:.5g}", flush=True)
        previous = state.get("best_value")
        if restore_best and (previous is None or (value < previous if validation.mode == "min" else value > previous)):
            state["best_step"], state["best_value"] = state["step"], float(value)
            best["weights"] = [np.array(keras.ops.convert_to_numpy(v)) for v in model.weights]
            if checkpoint is not None:  # written like the checkpoint: a kill mid-write leaves the old file
                checkpoint.folder.mkdir(parents=True, exist_ok=True)
                tmp = checkpoint.folder / f".{BEST}.{os.getpid()}.tmp"
                with open(tmp, "wb") as f:
                    np.savez(f, **{f"{i:05d}": w for i, w in enumerate(best["weights"])})
                os.replace(tmp, checkpoint.folder / BEST)
        if stop_when_converged and has_converged(state["curve"], validation.mode, min_points=validation.min_points):
            state["converged"] = True
            if verbose:
                print(f"converged at step {state['step']} of {total} ({rule})", flush=True)

    def due():
        step = state["step"]
        measured = state["curve"] and state["curve"][-1][0] == step
        return bool(every) and step > 0 and (step % every == 0 or step == total) and not measured

    if due():  # a checkpoint written mid-fit at a validation step, before its measurement
        validate()
    while state["step"] < total and not state["converged"]:
        epoch, first = divmod(state["step"], per_epoch)
        last = min(per_epoch, total - epoch * per_epoch)
        if every:  # stop the chunk at the next validation step
            last = min(last, first + every - state["step"] % every)
        history = model.fit(**distributed.shard_fit_data(data.epoch(seed, epoch, first, last), batch_size),
                            epochs=epochs, initial_epoch=epoch,
                            verbose=verbose, callbacks=fit_callbacks)
        state["last_logs"] = {k: float(v[-1]) for k, v in history.history.items() if v}
        if due():
            validate()
        save_checkpoint()
    run["to_step"] = state["step"]
    run["wall_time_s"] = round(time.monotonic() - start, 1)
    restored = bool(restore_best and best.get("weights") is not None and state.get("best_step") != state["step"])
    if restored:
        for variable, value in zip(model.weights, best["weights"]):
            variable.assign(value)
        if verbose:
            print(f"restored the weights of step {state['best_step']} ({validation.metric} "
                  f"{state['best_value']:.5g}, the best measured)", flush=True)

    record = TrainingRecord(
        recipe=recipe.name, dataset=opts["dataset"], options=_jsonable(opts), epochs=epochs, steps=state["step"],
        batch_size=batch_size, seed=seed, optimizer=describe_optimizer(model), backend=keras.backend.backend(),
        wall_time_s=round(sum(r["wall_time_s"] for r in state["runs"]), 1), final_losses=state["last_logs"],
        runs=state["runs"], checkpoints={k: v for k, v in stats.items() if k != "saved_step"},
        validation=None if validation is None else {
            "metric": validation.metric, "mode": validation.mode, "every": every, "curve": state["curve"],
            "converged": state["converged"], "stop_when_converged": bool(stop_when_converged), "cap_steps": total,
            "rule": rule if stop_when_converged else None, "split": "validation",
            "best_step": state.get("best_step"), "best_value": state.get("best_value"),
            "restored_best": restored},
        extra=recipe.evaluate(model, opts) if recipe.evaluate else {}, model=model,
    )
    record.model = model = distributed.local_model(model)  # several processes: a local copy each
    if not distributed.is_writer():  # process 0 writes the run's files, alone
        return record
    if work is not None and recipe.save is not None:
        recipe.save(model, work, opts, record)
    if output is not None and save:
        write_preset(recipe, model, Path(output), record, images, conditions, metadata, skip_networks, overwrite)
    elif work is not None and recipe.pictures and images is not None:
        write_pictures(model, recipe.pictures, work, images, conditions, seed=seed, dataset=opts["dataset"],
                       title=smoke_title(smoke))
    if checkpoint is not None:
        checkpoint.remove()
        if (checkpoint.folder / BEST).is_file():
            (checkpoint.folder / BEST).unlink()
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
    from keras_perceptual.preset_writer import save_preset
    from keras_perceptual.preset_writer import update_preset

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

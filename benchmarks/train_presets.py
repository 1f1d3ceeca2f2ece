"""Trains the zoo's Fashion-MNIST presets and writes each as `weights/<name>/`.

Every preset is trained by its recipe (`keras_perceptual/recipes/`) with the
budget below, then saved with `save_pretrained`: config, weights (the
discriminators left out: inference presets, a fraction of the size), a
model card, `samples.png` and `metadata.json` with this command, the steps,
wall time, hardware, training record and sha256s. Metrics are added to the
cards by `benchmarks/quality.py --update-cards`, so that the numbers on a
card are the ones that script reproduces.

A preset whose folder already exists is skipped (`--force` retrains it).
The recipes keep a `BackupAndRestore` checkpoint under `--runs` where they
support one, so an interrupted run resumes.

    python benchmarks/train_presets.py --list
    python benchmarks/train_presets.py                         # every missing preset
    python benchmarks/train_presets.py --only vae_fashion_mnist --force
    python benchmarks/train_presets.py --smoke --weights /tmp/presets   # seconds, for tests
"""

import argparse
import json
import os
import platform
import shlex
import sys
import time
from pathlib import Path

import keras
import numpy as np

import keras_perceptual as kp
from keras_perceptual import hub as kp_hub
from keras_perceptual import presets as kp_presets
from keras_perceptual.preset_writer import save_preset
from keras_perceptual.preset_writer import update_preset
from keras_perceptual.recipes import get_recipe

ROOT = Path(__file__).resolve().parents[1]
CLASSIFIER = "fashion_mnist_classifier"

# name: recipe, its options, what it is, networks left out of the preset:
# read from the preset specs (keras_perceptual/models/*_presets.py).
PLAN = {
    s.name: dict(recipe=s.recipe, options=dict(s.recipe_options), description=s.description, budget=s.budget,
                 skip=list(s.skip_networks), comparator=s.needs_comparator)
    for s in kp_presets.all_specs() if s.dataset == "fashion_mnist"
}


def discriminator_names(model):
    """Attribute names of a model's discriminator sub-networks."""
    return [n for n in vars(model) if "discriminator" in n and isinstance(getattr(model, n), keras.layers.Layer)
            and not n.startswith("_")]


def skipped_networks(name, model):
    plan = PLAN[name]
    return discriminator_names(model) if plan.get("skip_discriminators") else list(plan.get("skip", []))


def resave(name, folder):
    """Re-writes an existing preset with the plan's current list of skipped
    networks, its metadata kept (no training)."""
    model = kp_hub.from_pretrained(folder)
    meta = json.loads((folder / "metadata.json").read_text())
    for key in ("files", "format_version", "versions", "input", "parameters", "skipped_networks", "model"):
        meta.pop(key, None)
    samples = meta.pop("samples_description", None)
    save_preset(model, folder, meta, samples=64, skip_networks=skipped_networks(name, model))
    if samples:
        write_pictures(name, model, folder)


def hardware():
    return {
        "cpu": f"{os.cpu_count()}-core {platform.machine()}",
        "accelerator": os.environ.get("KP_ACCELERATOR", "none"),
        "backend": keras.backend.backend(),
        "platform": platform.platform(),
    }


def train_one(name, args):
    plan = PLAN[name]
    options = dict(plan["options"])
    run_dir = Path(args.runs) / name
    if plan.get("comparator") and not args.smoke:
        # The comparator names the classifier preset by reference (its config
        # holds the name, never a file path), so the preset loads with it.
        if kp_presets.preset_folder(CLASSIFIER) is None:
            raise SystemExit(f"{name} needs the {CLASSIFIER} preset first (weights/{CLASSIFIER} is missing).")
        options["comparator_weights"] = CLASSIFIER
    if args.smoke:
        options.pop("epochs", None)
        options.pop("limit", None)
    earlier = earlier_run(name, args)
    if name == CLASSIFIER and args.classifier_weights:
        model, record = reuse_classifier(args.classifier_weights, args.smoke)
    else:
        start = time.time()
        model = get_recipe(plan["recipe"])(output=str(run_dir), smoke=args.smoke, seed=args.seed, verbose=2,
                                           **options)
        record = dict(getattr(model, "training_record", {}))
        if record.get("steps") is None and getattr(model, "optimizer", None) is not None:
            record["steps"] = int(keras.ops.convert_to_numpy(model.optimizer.iterations))
        record["wall_time_s"] = round(time.time() - start, 1)
        if earlier:
            # BackupAndRestore continued the earlier run: count its time too.
            record["resumed"] = earlier
            record["wall_time_s"] = round(record["wall_time_s"] + earlier["wall_time_s"], 1)
        if name == CLASSIFIER:
            record.update(steps=int(keras.ops.convert_to_numpy(model.optimizer.iterations)),
                          test_accuracy=model.test_accuracy)
    skip = skipped_networks(name, model)
    command = "python benchmarks/train_presets.py --only " + name + (" --smoke" if args.smoke else "")
    if name == CLASSIFIER and args.classifier_weights:
        command = record.pop("command")
    metadata = {
        "name": name,
        "description": plan["description"] + (" SMOKE RUN: untrained." if args.smoke else ""),
        "dataset": "fashion_mnist",
        "recipe": f"keras_perceptual.recipes.{plan['recipe']}",
        "recipe_options": {k: v for k, v in options.items() if k != "comparator_weights"},
        "budget": plan["budget"],
        "command": command,
        "steps": record.get("steps"),
        "wall_time_s": record.get("wall_time_s"),
        "hardware": hardware(),
        "training": record,
        "paper": kp_presets.get_spec(name).paper,
    }
    folder = Path(args.weights) / name
    save_preset(model, folder, metadata, samples=64, skip_networks=skip)
    write_pictures(name, model, folder)
    print(f"[{name}] wrote {folder} ({sum(f.stat().st_size for f in folder.iterdir()) / 1e6:.1f} MB), "
          f"{record.get('steps')} steps in {record.get('wall_time_s')} s", flush=True)


def earlier_run(name, args):
    """Steps and wall time of the existing preset when its recipe's
    checkpoint in `--runs` lets this run continue it (the recipes with a
    `BackupAndRestore` resume from their last finished epoch), else None."""
    meta = Path(args.weights) / name / "metadata.json"
    if args.smoke or not meta.is_file() or not (Path(args.runs) / name / "backup").is_dir():
        return None
    old = json.loads(meta.read_text())
    if not old.get("wall_time_s"):
        return None
    return {"steps": old.get("steps"), "wall_time_s": old["wall_time_s"],
            "note": "continued from the checkpoint of the earlier run of this preset"}


def pictures(name, model):
    """`(images, columns)` for `samples.png` of a preset without a prior to
    sample from, else None: the classifier's test images in rows by
    predicted class; test images above their reconstructions (or feature
    inversions) for the autoencoders."""
    from keras_perceptual.callbacks import interleave_rows
    from keras_perceptual.datasets import fashion_mnist_arrays

    x = fashion_mnist_arrays("test", 500)
    if name == CLASSIFIER:
        # Up to 8 images per predicted class, one row per class in class order.
        predicted = np.argmax(model.predict(x, verbose=0), axis=-1)
        picks = np.concatenate([np.flatnonzero(predicted == c)[:8] for c in range(10)])
        return x[picks], 8
    x = x[:32]
    recon = model.reconstruct(x)
    return interleave_rows(x, recon), 16


def write_pictures(name, model, folder):
    """Gives a preset that `save_pretrained` could not sample from (no
    prior) its `samples.png`."""
    if name != CLASSIFIER and (folder / "samples.png").is_file():
        return
    out = pictures(name, model)
    if out is not None:
        update_preset(folder, pictures=out[0], columns=out[1],
                      samples_description="test images in rows by predicted class (classes 0-9)" if name == CLASSIFIER
                      else "test images (odd rows) above their reconstructions (even rows)")


def reuse_classifier(weights, smoke):
    """The classifier trained earlier by the same recipe (`keras-perceptual
    train fashion_mnist_classifier --output runs/classifier`): load its
    weights and re-measure its test accuracy here."""
    from keras_perceptual.datasets import fashion_mnist_dataset
    from keras_perceptual.networks.classifier import fashion_mnist_classifier

    network = fashion_mnist_classifier()
    network.load_weights(weights)
    model = kp.Classifier(network, name=CLASSIFIER)
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    test = fashion_mnist_dataset("test", 500, labels=True, drop_remainder=False, limit=512 if smoke else None)
    _, accuracy = model.evaluate(test, verbose=0)
    log = Path(weights).parent.parent / "classifier_train.log"
    record = {"test_accuracy": float(accuracy), "epochs": 5, "steps": 5 * 468, "batch_size": 128,
              "optimizer": "Adam(1e-3, /10 for the last epoch)",
              "command": "keras-perceptual train fashion_mnist_classifier --output runs/classifier",
              "note": f"weights {weights} trained by that command; converted to a preset with "
                      "`python benchmarks/train_presets.py --only fashion_mnist_classifier "
                      f"--classifier-weights {weights}`"}
    if log.is_file():
        import re

        seconds = [int(s) for s in re.findall(r"(\d+)s - \d+ms/step", log.read_text())]
        record["wall_time_s"] = float(sum(seconds)) if seconds else None
    return model, record


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--only", default=None, help=f"comma-separated names among {list(PLAN)}")
    p.add_argument("--weights", default=str(ROOT / "weights"), help="where the preset folders go")
    p.add_argument("--runs", default=str(ROOT / "runs" / "presets"), help="grids and checkpoints")
    p.add_argument("--force", action="store_true", help="retrain presets whose folder exists")
    p.add_argument("--smoke", action="store_true", help="a few steps each (tests)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--classifier-weights", default=None,
                   help="make the classifier preset from these recipe-trained weights instead of training")
    p.add_argument("--list", action="store_true", help="print the plan and exit")
    p.add_argument("--resave", action="store_true",
                   help="only re-save existing presets with the plan's skipped networks (no training)")
    p.add_argument("--pictures", action="store_true",
                   help="only rewrite samples.png of existing presets without a prior (no training)")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    names = list(PLAN) if not args.only else [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in PLAN]
    if unknown:
        raise SystemExit(f"Unknown preset(s) {unknown}. Known: {list(PLAN)}")
    if args.list:
        for n in names:
            print(f"{n:36s} {PLAN[n]['recipe']:22s} {PLAN[n]['budget']}")
        return
    print("command:", " ".join(shlex.quote(a) for a in [sys.executable, *sys.argv]), flush=True)
    for name in names:
        folder = Path(args.weights) / name
        if args.resave:
            if (folder / "config.json").is_file():
                resave(name, folder)
            continue
        if args.pictures:
            if (folder / "config.json").is_file():
                write_pictures(name, kp_hub.from_pretrained(folder), folder)
            continue
        if (folder / "config.json").is_file() and not args.force:
            print(f"[{name}] exists, skipped (--force retrains it)", flush=True)
            continue
        train_one(name, args)


if __name__ == "__main__":
    main()

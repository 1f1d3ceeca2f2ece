"""Trains the zoo's Fashion-MNIST presets and writes each as `weights/<name>/`.

Every preset is trained by its recipe (`keras_perceptual/recipes/`) with the
budget below, then saved with `save_pretrained`: config, weights (the
discriminators left out: inference presets, a fraction of the size), a
model card, `samples.png` and `metadata.json` with this command, the steps,
wall time, hardware, training record and sha256s. Metrics are added to the
cards by `benchmarks/quality.py --update-cards`, so that the numbers on a
card are the ones that script reproduces.

Every preset is trained by `keras_perceptual.training.train`, which keeps
grids and a step checkpoint under `--runs/<name>/`: an interrupted or
killed run resumes from it when the same command is run again (the
metadata then records every command that produced the weights), and stops
at the first non-finite loss. A preset whose folder already exists is
skipped (`--force` retrains it).

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
from pathlib import Path

import keras

import keras_perceptual as kp
from keras_perceptual import hub as kp_hub
from keras_perceptual import presets as kp_presets
from keras_perceptual.pin_presets import repin_bundled
from keras_perceptual.preset_writer import save_preset
from keras_perceptual.preset_writer import update_preset
from keras_perceptual.recipes import get_recipe
from keras_perceptual.training import train
from keras_perceptual.training.pictures import mark_smoke
from keras_perceptual.training.plans import get_plan
from keras_perceptual.training.pictures import preset_samples_picture

ROOT = Path(__file__).resolve().parents[1]
CLASSIFIER = "fashion_mnist_classifier"

# name: recipe, its options, what it is, networks left out of the preset:
# read from the training plans (keras_perceptual/training/plans.py) and the
# preset specs (keras_perceptual/models/*_presets.py).
PLAN = {
    s.name: dict(recipe=p.recipe, options=dict(p.recipe_options), description=s.description, budget=p.budget,
                 skip=list(p.skip_networks), comparator=p.needs_comparator, seed=p.seed,
                 stop_when_converged=p.stop_when_converged, validate_every=p.validate_every,
                 same_budget_as=p.same_budget_as)
    for s in kp_presets.all_specs() if s.dataset == "fashion_mnist" for p in [get_plan(s.name)]
}


def skipped_networks(name, model=None):
    """The sub-networks its spec leaves out of preset `name`."""
    return list(PLAN[name]["skip"])


def resave(name, folder):
    """Re-writes an existing preset with the plan's current list of skipped
    networks, its metadata kept (no training)."""
    model = kp_hub.from_pretrained(folder)
    meta = json.loads((folder / "metadata.json").read_text())
    for key in ("files", "format_version", "versions", "input", "parameters", "skipped_networks", "model"):
        meta.pop(key, None)
    samples = meta.pop("samples_description", None)
    save_preset(model, folder, meta, samples=64, skip_networks=skipped_networks(name, model), overwrite=True)
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
    epochs = options.pop("epochs", None)
    if plan.get("comparator") and not args.smoke:
        # The comparator names the classifier preset by reference (its config
        # holds the name, never a file path), so the preset loads with it.
        if kp_presets.preset_folder(CLASSIFIER) is None:
            raise SystemExit(f"{name} needs the {CLASSIFIER} preset first (weights/{CLASSIFIER} is missing).")
        options["comparator_weights"] = CLASSIFIER
    steps = None
    if plan["same_budget_as"] and not args.smoke:
        # A baseline trains for exactly the steps its comparison took.
        other = Path(args.weights) / plan["same_budget_as"] / "metadata.json"
        if not other.is_file():
            raise SystemExit(f"{name} trains with the budget of {plan['same_budget_as']}: train that first "
                             f"({other} is missing).")
        steps, epochs = json.loads(other.read_text())["steps"], None
    if args.smoke:
        epochs = None
        options.pop("limit", None)
    seed = plan["seed"] if args.seed is None else args.seed
    folder = Path(args.weights) / name
    command = "python benchmarks/train_presets.py --only " + name + (" --smoke" if args.smoke else "")
    metadata = {
        "name": name,
        "description": mark_smoke(plan["description"]) if args.smoke else plan["description"],
        "budget": plan["budget"],
        "hardware": hardware(),
        "paper": kp_presets.get_spec(name).paper,
    }
    if name == CLASSIFIER and args.classifier_weights:
        model, record = reuse_classifier(args.classifier_weights, args.smoke)
        metadata.update(dataset="fashion_mnist", recipe=f"keras_perceptual.recipes.{plan['recipe']}",
                        recipe_options=options, command=record.pop("command"), steps=record["steps"],
                        wall_time_s=record.get("wall_time_s"), training=record)
        save_preset(model, folder, metadata, samples=64, skip_networks=skipped_networks(name, model),
                    overwrite=args.force)
        write_pictures(name, model, folder)
        steps, wall = record["steps"], record.get("wall_time_s")
    else:
        recipe = get_recipe(plan["recipe"])
        record = train(recipe, folder, epochs=epochs, steps=steps, smoke=args.smoke, seed=seed,
                       options=options, verbose=2, command=command, metadata=metadata,
                       skip_networks=skipped_networks(name), workdir=Path(args.runs) / name,
                       validate=recipe.validation is not None,
                       validate_every=None if args.smoke else plan["validate_every"],
                       stop_when_converged=plan["stop_when_converged"] and not args.smoke,
                       restore_best=plan["stop_when_converged"] and not args.smoke,
                       overwrite=args.force)  # --force: replace the preset folder of an earlier run
        steps, wall = record.steps, record.wall_time_s
    print(f"[{name}] wrote {folder} ({sum(f.stat().st_size for f in folder.iterdir() if f.is_file()) / 1e6:.1f} MB), "
          f"{steps} steps in {wall} s", flush=True)


def write_pictures(name, model, folder):
    """Gives a preset whose `samples.png` is not unconditional prior samples
    (no prior, a conditional model, or recipe options that name another
    picture) that picture, captioned (`Recipe.preset_picture`: the
    classifier's test images by predicted class, test images above their
    reconstructions or inversions, one code under several decoder noises,
    a conditional model's samples in one named column per class)."""
    recipe = get_recipe(PLAN[name]["recipe"])
    options = recipe.resolve({k: v for k, v in PLAN[name]["options"].items() if k != "epochs"})
    images, conditions = recipe.picture_data(options) if recipe.picture_data else (None, None)
    shown = preset_samples_picture(model, recipe.preset_picture(options), images, conditions)
    if shown is not None:
        update_preset(folder, pictures=shown.images, samples_description=shown.description, **shown.captions())


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
    p.add_argument("--runs", default=str(ROOT / "runs" / "presets"),
                   help="grids and the checkpoint a killed run resumes from")
    p.add_argument("--force", action="store_true", help="retrain presets whose folder exists")
    p.add_argument("--smoke", action="store_true", help="a few steps each (tests)")
    p.add_argument("--seed", type=int, default=None, help="override the specs' seeds")
    p.add_argument("--classifier-weights", default=None,
                   help="make the classifier preset from these recipe-trained weights instead of training")
    p.add_argument("--list", action="store_true", help="print the plan and exit")
    p.add_argument("--resave", action="store_true",
                   help="only re-save existing presets with the plan's skipped networks (no training)")
    p.add_argument("--pictures", action="store_true",
                   help="only rewrite samples.png of existing presets that show something other than "
                   "unconditional prior samples, with its captions (no training)")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    names = list(PLAN) if not args.only else [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in PLAN]
    if unknown:
        raise SystemExit(f"Unknown preset(s) {unknown}. Known: {list(PLAN)}")
    if args.list:
        for n in names:
            print(f"{n:36s} {PLAN[n]['recipe']:24s} {PLAN[n]['budget']}")
        return
    print("command:", " ".join(shlex.quote(a) for a in [sys.executable, *sys.argv]), flush=True)
    for name in names:
        folder = Path(args.weights) / name
        exists = (folder / "config.json").is_file()
        if args.resave or args.pictures:
            if exists and args.resave:
                resave(name, folder)
            elif exists:
                write_pictures(name, kp_hub.from_pretrained(folder), folder)
        elif exists and not args.force:
            print(f"[{name}] exists, skipped (--force retrains it)", flush=True)
            continue
        else:
            train_one(name, args)
        # The registry pins what was written into the bundled weights/ at
        # once: a later preset may load this one (the DeePSiM presets load
        # the classifier by name, through its pin).
        repin_bundled(args.weights)


if __name__ == "__main__":
    main()

"""`keras-perceptual`: the model zoo from the command line.

    keras-perceptual list [TEXT] [--model VAEGAN] [--family vaegan] [--task generation] [--json]
    keras-perceptual sample PRESET -n 16 -o samples.png
    keras-perceptual reconstruct PRESET IMAGE [IMAGE ...] -o recon.png
    keras-perceptual interpolate PRESET -o interpolation.png [--start IMG --end IMG]
    keras-perceptual train RECIPE --dataset fashion_mnist --epochs 10 --output DIR [--smoke]
    keras-perceptual evaluate PRESET [--limit 1000]
    keras-perceptual push FOLDER --repo ORG/NAME

PRESET is a registered preset name, a preset folder or "hf://org/repo[@rev]".
`train` runs the recipe of `keras_perceptual.recipes` (the same code as the
examples) and writes a preset folder with `save_pretrained`.

Building the parser imports neither Keras nor a backend, so `--help` is
instant; a command imports Keras when it runs, with TensorFlow's start-up
log lines silenced (`TF_CPP_MIN_LOG_LEVEL=3` unless set).

Every command refuses in one line on stderr, never a traceback (unless
`--debug` or `KERAS_PERCEPTUAL_DEBUG=1`). Exit status:

    0    done
    1    it failed: training diverged, a file or the network could not be
         read or written, or an unexpected error
    2    bad input: a wrong option or value, an unknown preset or recipe,
         a preset or image that cannot be read (and argparse's usage errors)
    130  interrupted (Ctrl-C)
"""

import argparse
import contextlib
import json
import logging
import os
import shlex
import sys

import numpy as np

import keras_perceptual.presets as presets  # the registry: no Keras import
import keras_perceptual.validation as validation
from keras_perceptual.cluster import add_cluster_arguments  # no Keras import
from keras_perceptual.images import read_images  # Pillow only: 16-bit files scaled by their depth

# Before anything loads TensorFlow (a user's own setting wins): its C++ logs
# and absl's ("All log messages before absl::InitializeLog()...").
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("ABSL_MIN_LOG_LEVEL", "3")
os.environ.setdefault("GRPC_VERBOSITY", "ERROR")


@contextlib.contextmanager
def _quiet_stderr():
    """Sends file descriptor 2 to /dev/null: TensorFlow's C++ start-up lines
    (oneDNN, CUDA stubs) are written before its log level is read. Python
    exceptions raised inside still propagate (and print once restored)."""
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _import_backend():
    """Imports Keras and its backend once, quietly, before a command runs
    (importing Keras registers every class of the package: see
    `keras_perceptual.SERIALIZABLE`)."""
    if "keras" in sys.modules:
        return
    with _quiet_stderr():
        import keras

        keras.ops.zeros(1)  # the backend's device initialisation logs too
    # TensorFlow is not loaded here on JAX and PyTorch: only a command that
    # streams tf.data (`train` of a recipe that reads CelebA, `evaluate
    # --images`) imports `keras_perceptual.datasets`, quietly (`_start_tf_data`).


def _start_tf_data():
    """Starts TensorFlow's runtime when tf.data was loaded (call it quietly)."""
    tf_data = sys.modules.get("keras_perceptual.datasets")
    if tf_data is not None:
        tf_data.start_runtime()


def recipe_descriptions():
    """`{recipe: one-line description}`, read without importing Keras (so
    `train --help` stays fast)."""
    from keras_perceptual.recipes import list_recipes

    return list_recipes()


def _progress(iterable=None, **kwargs):
    """A tqdm progress bar on stderr, only when stderr is a terminal (a
    redirected log gets no bar)."""
    from tqdm.auto import tqdm

    kwargs["disable"] = kwargs.get("disable", False) or not _isatty(sys.stderr)
    return tqdm(iterable, file=sys.stderr, dynamic_ncols=True, **kwargs)


def _isatty(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or replaced stream
        return False


def _load(args):
    from keras_perceptual.hub import from_pretrained

    return from_pretrained(args.preset, revision=args.revision, cache_dir=args.cache_dir,
                           local_files_only=args.offline, token=args.token)


def _load_image_model(args):
    """The preset as an `ImageAutoencoder`; any other model is refused in one line."""
    from keras_perceptual.models import ImageAutoencoder

    model = _load(args)
    if not isinstance(model, ImageAutoencoder):
        raise ValueError(
            f"`{args.command}` works on image models (encode/decode); {args.preset} is a "
            f"{type(model).__name__}. benchmarks/quality.py measures every preset."
        )
    return model


def _batched(fn, n, batch_size, desc):
    """Runs `fn(start, stop)` over `n` items in batches under a progress bar."""
    validation.expect_int("batch_size", batch_size, minimum=1)
    outs = []
    with _progress(total=n, desc=desc, unit="img", disable=n <= batch_size) as bar:
        for start in range(0, n, batch_size):
            stop = min(n, start + batch_size)
            outs.append(fn(start, stop))
            bar.update(stop - start)
    return np.concatenate(outs, axis=0)


def _conditions(model, n, label):
    if not model.is_conditional:
        if label is not None:
            raise ValueError(f"This model is unconditional: drop --label. Received: --label {label}")
        return None
    dim = model.condition_dim
    labels = np.arange(n) % dim if label is None else np.full(n, label)
    if labels.max() >= dim or labels.min() < 0:
        raise ValueError(f"--label must be in [0, {dim}). Received: --label {label}")
    return np.eye(dim, dtype="float32")[labels]


def _save_grid(images, path, columns=None, **captions):
    from keras_perceptual.images import save_image_grid

    scale = max(1, 96 // images.shape[1])
    out = save_image_grid(images, path, columns=columns, scale=scale, **captions)
    print(f"wrote {out} ({len(images)} images)")
    return out


# -- subcommands --------------------------------------------------------------
def cmd_list(args):
    """The registry, read without importing Keras: filtered by model class
    (subclasses included), family, task and a substring of the name."""
    found = presets.list_presets(args.model)
    if args.family is not None:
        families = sorted(set(presets.FAMILIES.values()))
        validation.expect_choice("family", args.family, families)
        found = {n: p for n, p in found.items() if p["family"] == args.family}
    if args.task is not None:
        found = {n: p for n, p in found.items() if args.task in p["tasks"]}
    if args.filter:
        found = {n: p for n, p in found.items() if args.filter.lower() in n}
    if args.json:
        print(json.dumps(found, indent=2, sort_keys=True))
        return 0
    if not found:
        print("no preset matches", file=sys.stderr)
        return 0
    if args.json:
        print(json.dumps(presets, indent=2, sort_keys=True))
        return 0
    rows = [("name", "model", "dataset", "weights", "input", "description")]
    for name, p in found.items():
        where = {"local": "present (weights/)", "hub": f"Hub {p['hub']['repo_id']}" if p.get("hub") else "",
                 "none": "not published"}[p["weights"]]
        shape = "x".join(str(s) for s in p["input"]["shape"])
        rows.append((name, p["model"], p["dataset"], where, shape, p["description"]))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)) + "  " + row[-1])
    return 0


def cmd_sample(args):
    validation.expect_int("n", args.n, minimum=1)
    model = _load_image_model(args)
    conditions = _conditions(model, args.n, args.label)
    # generate(n), batch by batch under a progress bar: decode(z), z ~ p(z)
    # (NoPriorError, one line, for a model without a prior).
    codes = model.sample_prior(args.n, seed=args.seed)
    images = _batched(lambda a, b: model.decode(codes[a:b], conditions=None if conditions is None else
                                                conditions[a:b], seed=args.seed, batch_size=args.batch_size),
                      args.n, args.batch_size, "sampling")
    captions = {}
    if conditions is not None and args.label is None and args.columns is None:
        # One column per class, titled with its name.
        from keras_perceptual.data_files import class_names

        captions = {"columns": model.condition_dim, "column_labels": class_names(model.condition_dim)}
    _save_grid(images, args.output, **({"columns": args.columns} | captions))
    return 0


def cmd_reconstruct(args):
    model = _load_image_model(args)
    images = read_images(args.images, model.image_shape)
    conditions = _conditions(model, len(images), args.label)
    recon = _batched(lambda a, b: model.reconstruct(images[a:b], conditions=None if conditions is None else
                                                    conditions[a:b], batch_size=args.batch_size),
                     len(images), args.batch_size, "reconstructing")
    # Originals on one row, their reconstructions below.
    from keras_perceptual.callbacks import interleave_rows

    columns = min(len(images), 16)
    pad = -len(images) % columns  # white images complete the last row
    if pad:
        blank = np.ones((pad,) + images.shape[1:], "float32")
        images, recon = np.concatenate([images, blank]), np.concatenate([recon, blank])
    _save_grid(interleave_rows(images, recon, columns=columns), args.output, columns=columns,
               row_labels=["original", "reconstruction"])
    return 0


def cmd_interpolate(args):
    if args.steps < 2:
        raise ValueError(f"--steps must be >= 2. Received: --steps {args.steps}")
    validation.expect_int("rows", args.rows, minimum=1)
    if (args.start is None) != (args.end is None):
        raise ValueError("Pass both --start and --end images, or neither (random codes).")
    model = _load_image_model(args)
    if args.start is not None:
        pairs = [tuple(read_images([args.start, args.end], model.image_shape))]
    else:
        z = model.sample_prior(2 * args.rows, seed=args.seed)
        pairs = [(z[2 * i], z[2 * i + 1]) for i in range(args.rows)]
    condition = None if not model.is_conditional else _conditions(model, 1, args.label or 0)[0]
    rows = [model.interpolate(a, b, steps=args.steps, conditions=condition, seed=args.seed,
                              batch_size=args.batch_size)
            for a, b in _progress(pairs, desc="interpolating", disable=len(pairs) < 2)]
    _save_grid(np.concatenate(rows), args.output, columns=args.steps)
    return 0


def parse_option(item):
    """`KEY=VALUE` of `--option`: VALUE read as JSON when it is JSON (a
    number, a list, true/false/null, a quoted string), else as the plain
    string; a VALUE that starts as JSON (`[`, `{`, `"`) but is not is
    refused, naming the option."""
    key, sep, value = item.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ValueError(f"--option must be KEY=VALUE. Received: --option {item!r}")
    try:
        return key, json.loads(value)
    except ValueError as e:
        if value.strip()[:1] in ("[", "{", '"') or value.strip()[-1:] in ("]", "}"):
            raise ValueError(
                f"--option {key}: the value {value!r} is not valid JSON ({getattr(e, 'msg', e)}); write a list "
                f"as [8, 16] and a string plainly. Received: --option {item!r}"
            ) from None
        return key, value


def cmd_train(args):
    from keras_perceptual.training import NonFiniteError
    from keras_perceptual.training import train

    for flag in ("epochs", "steps", "batch_size", "checkpoint_every", "validate_every"):
        value = getattr(args, flag)
        if value is not None:
            validation.expect_int("--" + flag.replace("_", "-"), value, minimum=1)
    options = dict(parse_option(item) for item in args.option or ())
    if args.data_dir is not None:
        if "data_dir" in options and options["data_dir"] != args.data_dir:
            raise ValueError(f"--data-dir {args.data_dir!r} and --option data_dir={options['data_dir']!r} "
                             "disagree: give the folder once.")
        options["data_dir"] = args.data_dir
    # The recipe's module imported quietly: one that streams tf.data loads TensorFlow.
    with _quiet_stderr():
        from keras_perceptual.recipes import get_recipe

        recipe = get_recipe(args.recipe)
        _start_tf_data()
    # Keras's progress bar only on a terminal: a redirected log gets one line per epoch.
    verbose = args.verbose if args.verbose is not None else (1 if _isatty(sys.stdout) else 2)
    try:
        record = train(recipe, args.output, epochs=args.epochs, steps=args.steps, batch_size=args.batch_size,
                       seed=args.seed, smoke=args.smoke, dataset=args.dataset, options=options,
                       checkpoint_every=args.checkpoint_every, restart=args.restart, verbose=verbose,
                       validate=args.validate, validate_every=args.validate_every,
                       stop_when_converged=args.stop_when_converged, restore_best=args.restore_best,
                       overwrite=args.overwrite,
                       command="keras-perceptual " + " ".join(shlex.quote(a) for a in args.argv))
    except NonFiniteError as e:
        print(f"keras-perceptual train: {e}", file=sys.stderr)
        return 1
    if args.output is None:
        print(f"trained {type(record.model).__name__}: {record.steps} steps in {record.wall_time_s} s "
              "(no --output: nothing saved)")
        return 0
    print(f"wrote preset folder {args.output} (load it with keras_perceptual.from_pretrained({str(args.output)!r}))")
    return 0


def cmd_evaluate(args):
    validation.expect_int("limit", args.limit, minimum=1)
    model = _load_image_model(args)
    labels = None
    if args.images:
        size, _, channels = model.image_shape
        with _quiet_stderr():
            from keras_perceptual.datasets import image_folder_dataset

            _start_tf_data()
        ds = image_folder_dataset(args.images, image_size=size, channels=channels,
                                  batch_size=args.batch_size, shuffle=False, drop_remainder=False)
        images = np.concatenate([np.asarray(b) for b in ds])[: args.limit]
        source = args.images
    else:
        from keras_perceptual.data_files import fashion_mnist_arrays

        if args.dataset != "fashion_mnist":
            raise ValueError(
                "`evaluate` reads --dataset fashion_mnist or a folder given with --images. "
                f"Received: --dataset {args.dataset}"
            )
        images, labels = fashion_mnist_arrays("test", args.limit, labels=True)
        source = "fashion_mnist test"
    if tuple(images.shape[1:]) != tuple(model.image_shape):
        raise ValueError(
            f"The model reads images of shape {tuple(model.image_shape)}; {source} has "
            f"{tuple(images.shape[1:])}. Pass --images with a folder of matching images."
        )
    import keras_perceptual.metrics as metrics

    conditions = None
    if model.is_conditional:
        if labels is None:
            raise ValueError("A conditional model is evaluated on --dataset fashion_mnist (its labels "
                             "are the conditions); --images has no labels.")
        conditions = np.eye(model.condition_dim, dtype="float32")[labels]
    recon = _batched(lambda a, b: model.reconstruct(images[a:b], conditions=None if conditions is None else
                                                    conditions[a:b]), len(images), args.batch_size, "evaluating")
    result = {"preset": args.preset, "data": source, "images": int(len(images)),
              "reconstruction_mse": metrics.mse(recon, images),
              # PSNR and SSIM of [-1, 1] images: data range 2.
              "reconstruction_psnr_db": metrics.psnr(recon, images),
              "reconstruction_ssim": metrics.ssim(recon, images)}
    if tuple(model.image_shape) == (28, 28, 1) and len(images) >= 2:
        # Feature-space distances need the zoo's Fashion-MNIST evaluator preset;
        # without it the pixel metrics are still reported, with the reason.
        from keras_perceptual.hub import PresetError

        try:
            metrics.default_feature_model()
        except PresetError as e:
            result["feature_metrics_skipped"] = str(e)
        else:
            result["reconstruction_fid"] = metrics.fid(images, recon, batch_size=args.batch_size, verbose=True)
            if model.has_prior:
                samples = model.generate(len(images), conditions=conditions, seed=0, batch_size=args.batch_size)
                result["sample_fid"] = metrics.fid(images, samples, batch_size=args.batch_size, verbose=True)
    print(json.dumps(result, indent=2))
    return 0


def cmd_push(args):
    from keras_perceptual.preset_writer import push_folder

    info = push_folder(args.folder, args.repo, token=args.token, private=args.private,
                       revision=args.revision, commit_message=args.message)
    commit = getattr(info, "oid", None)
    print(f"pushed {args.folder} to {args.repo}" + (f" at commit {commit} (pin this revision)" if commit else ""))
    return 0


# -- parser -------------------------------------------------------------------
def _hub_options(p, batch_size=256):
    p.add_argument("preset", help="preset name (see `keras-perceptual list`), preset folder or hf://org/repo[@revision]")
    p.add_argument("--revision", help="Hub branch, tag or commit (default: the preset's pinned revision)")
    p.add_argument("--cache-dir", help="download cache folder (default: huggingface_hub's)")
    p.add_argument("--offline", action="store_true", help="use local files and the cache only, never the network")
    p.add_argument("--token", help="Hugging Face token, for private repos")
    p.add_argument("--batch-size", type=int, default=batch_size,
                   help=f"images per forward pass (default: {batch_size})")


def _label_option(p, what):
    p.add_argument("--label", type=int,
                   help=f"class index of a conditional model's {what} (conditional presets only)")


DEBUG_HELP = "print the traceback of an error (default: one line; or set KERAS_PERCEPTUAL_DEBUG=1)"


def build_parser():
    """The argument parser. Builds without importing Keras (instant `--help`)."""
    parser = argparse.ArgumentParser(
        prog="keras-perceptual",
        description="Keras 3 autoencoders that learn beyond pixels: the model zoo. "
                    "`keras-perceptual COMMAND --help` describes each command.")
    parser.add_argument("--debug", action="store_true", help=DEBUG_HELP)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = argparse.ArgumentParser(add_help=False)  # every command takes --debug too, after its name
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP)

    def command(name, **kwargs):
        return sub.add_parser(name, parents=[common], **kwargs)

    p = command("list", help="list the presets and whether their weights are present",
                       description="List the registered presets: model, dataset, where the weights are, input shape.")
    p.add_argument("filter", nargs="?", metavar="TEXT", help="only the presets whose name contains TEXT")
    p.add_argument("--model", help="only the presets of this model class and its subclasses, e.g. VAEGAN")
    p.add_argument("--family", help="only the presets of this model family, e.g. vaegan, deepsim")
    p.add_argument("--task", choices=presets.TASKS, help="only the presets made for this task")
    p.add_argument("--json", action="store_true", help="print JSON (every field of every preset)")
    p.set_defaults(func=cmd_list)

    p = command("sample", help="a grid of samples decoder(z), z ~ p(z)",
                       description="Decode prior samples into one PNG grid (a conditional model cycles through "
                                   "its classes, one per column, each column titled with its class name).")
    _hub_options(p)
    p.add_argument("-n", type=int, default=16, help="number of samples (default: 16)")
    p.add_argument("-o", "--output", default="samples.png", help="PNG file to write (default: samples.png)")
    p.add_argument("--seed", type=int, default=0, help="seed of the prior draws (default: 0)")
    p.add_argument("--columns", type=int, help="grid columns (default: a square grid; a conditional "
                                               "model: one column per class)")
    _label_option(p, "samples (default: cycle through the classes)")
    p.set_defaults(func=cmd_sample)

    p = command("reconstruct", help="images and their reconstructions, in captioned rows",
                       description="Reconstruct image files: a row of originals, the row of their "
                                   "reconstructions below, each row captioned.")
    _hub_options(p)
    p.add_argument("images", nargs="+", help="image files (converted and resized to the model's input)")
    p.add_argument("-o", "--output", default="reconstructions.png",
                   help="PNG file to write (default: reconstructions.png)")
    _label_option(p, "images")
    p.set_defaults(func=cmd_reconstruct)

    p = command("interpolate", help="decoded straight lines between codes",
                       description="Decode straight lines between pairs of codes: random prior draws, or "
                                   "the codes of --start and --end images.")
    _hub_options(p)
    p.add_argument("-o", "--output", default="interpolation.png",
                   help="PNG file to write (default: interpolation.png)")
    p.add_argument("--steps", type=int, default=8, help="images per line, ends included (default: 8)")
    p.add_argument("--rows", type=int, default=4, help="random code pairs, one line each, without "
                                                       "--start/--end (default: 4)")
    p.add_argument("--start", help="image file at the start of the line (with --end)")
    p.add_argument("--end", help="image file at the end of the line (with --start)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random codes (default: 0)")
    _label_option(p, "line (default: 0)")
    p.set_defaults(func=cmd_interpolate)

    recipes = recipe_descriptions()
    width = max(map(len, recipes), default=0)
    p = command(
        "train", help="train with a recipe and write a preset folder (a killed run resumes)",
        description="Train a model with a recipe of keras_perceptual.recipes (the code the presets use) and "
                    "write a preset folder with save_pretrained. A checkpoint in OUTPUT/training/ (every few "
                    "minutes and at each epoch's end) lets the same command resume a killed run exactly; "
                    "training stops (exit 1) at the first non-finite loss.",
        epilog="recipes:\n" + "\n".join(f"  {n.ljust(width)}  {d}" for n, d in recipes.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("recipe", metavar="RECIPE", help="recipe name, one of the list below")
    p.add_argument("--dataset",
                   help="dataset the recipe reads: fashion_mnist, or celeba for vaegan (default: the recipe's "
                        "first, fashion_mnist but for vaegan_celeba64)")
    p.add_argument("--data-dir", metavar="DIR",
                   help="folder of the dataset (the recipe option data_dir): Fashion-MNIST's IDX files, or "
                        "CelebA as a prepared tensorflow_datasets folder (DIR/celeb_a/), the official "
                        "DIR/img_align_celeba.zip (+ DIR/list_attr_celeba.txt for attributes), or a folder of "
                        "the aligned 178x218 images")
    budget = p.add_mutually_exclusive_group()
    budget.add_argument("--epochs", type=int, help="passes over the training data, > 0 (default: the recipe's)")
    budget.add_argument("--steps", type=int, help="optimizer steps instead of epochs, > 0")
    p.add_argument("--batch-size", type=int, help="training batch size (default: the recipe's)")
    p.add_argument("--output", help="preset folder to write (default: write nothing)")
    p.add_argument("--seed", type=int, default=0, help="seed of the weights, noise and data order (default: 0)")
    p.add_argument("--smoke", action="store_true", help="a few steps on a small slice of the data (a quick check)")
    p.add_argument("--verbose", type=int, choices=(0, 1, 2),
                   help="Keras fit verbosity: 0 silent, 1 progress bar, 2 one line per epoch (default: 1 on a "
                        "terminal, 2 when the output is redirected)")
    p.add_argument("--option", action="append", metavar="KEY=VALUE",
                   help="extra recipe option, VALUE parsed as JSON when it can be (repeatable), "
                        "e.g. --option gamma=0.01")
    p.add_argument("--checkpoint-every", type=int, metavar="STEPS",
                   help="steps between checkpoints (default: every 3 minutes, and at each epoch's end)")
    p.add_argument("--restart", action="store_true",
                   help="discard the checkpoint in OUTPUT/training/ instead of resuming it (needed when the "
                        "options differ from the checkpoint's)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace the preset in OUTPUT written by an earlier run (without it, a finished OUTPUT is "
                        "refused), and discard a checkpoint of other options")
    p.add_argument("--validate", action="store_true",
                   help="measure the recipe's validation metric (on the last 5,000 training images, in the "
                        "evaluator's features) once per epoch: the learning curve goes into the preset's metadata")
    p.add_argument("--validate-every", type=int, metavar="STEPS",
                   help="steps between validation measurements (implies --validate)")
    p.add_argument("--stop-when-converged", action="store_true",
                   help="the budget is a cap: stop once the validation metric improved by less than 2%% over the "
                        "last fifth of the run (implies --validate)")
    p.add_argument("--restore-best", action="store_true",
                   help="end with the weights of the best validation measurement, not the last step's "
                        "(implies --validate)")
    add_cluster_arguments(p)  # --coordinator-address, --num-processes, --process-id, --data-parallel
    p.set_defaults(func=cmd_train)

    p = command("evaluate", help="reconstruction MSE/PSNR/SSIM and feature-space FID on a test set",
                       description="Measure a preset on a test set: reconstruction MSE, PSNR, SSIM and, for "
                                   "28x28x1 models, FID of reconstructions and samples in the zoo's feature space. "
                                   "Prints JSON.")
    _hub_options(p)
    p.add_argument("--dataset", default="fashion_mnist",
                   help="test set: fashion_mnist (its 10,000 test images; default)")
    p.add_argument("--images", help="a folder of images to use instead of --dataset")
    p.add_argument("--limit", type=int, default=10000, help="at most this many images (default: 10000)")
    p.set_defaults(func=cmd_evaluate)

    p = command("push", help="upload a preset folder to the Hugging Face Hub",
                       description="Upload a preset folder (config.json, weights, metadata, model card) to a "
                                   "Hugging Face Hub model repo.")
    p.add_argument("folder", help="preset folder, as written by save_pretrained or `train --output`")
    p.add_argument("--repo", required=True, help="Hub repo id, org/name (created when missing)")
    p.add_argument("--token", help="Hugging Face token (default: the logged-in one)")
    p.add_argument("--private", action="store_true", default=None, help="create the repo private")
    p.add_argument("--revision", help="branch to push to (default: main)")
    p.add_argument("--message", help="commit message")
    p.set_defaults(func=cmd_push)
    return parser


USAGE, FAILED, INTERRUPTED = 2, 1, 130


def _one_line(text, limit=2000):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _refusal(error):
    """`(exit status, one line)` of an error a command raised."""
    name = type(error).__name__
    if isinstance(error, ValueError):  # bad input, PresetError and CheckpointError included
        return USAGE, _one_line(error)
    if isinstance(error, FloatingPointError):  # NonFiniteError: training diverged
        return FAILED, _one_line(error)
    if isinstance(error, MemoryError):
        return FAILED, "out of memory: ask for fewer images or a smaller --batch-size"
    if isinstance(error, OSError):
        where = f" {error.filename}" if getattr(error, "filename", None) else ""
        reason = error.strerror or _one_line(error) or name
        return FAILED, _one_line(f"{name}{where}: {reason}")
    # A network failure (httpx, requests, urllib3 errors are not all OSError)
    # or an unexpected error: its name and message, never a traceback.
    return FAILED, _one_line(f"{name}: {error}" if str(error) else name) + " (--debug shows the traceback)"


def main(argv=None):
    """Entry point of the `keras-perceptual` console script. Returns the
    exit status: 0; 2 with a one-line error for bad input (options, values,
    presets, images); 1 for a failure (training diverged, a file or the
    network, anything unexpected); 130 when interrupted. `--debug` (or
    `KERAS_PERCEPTUAL_DEBUG=1`) lets the traceback through instead."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)  # --help exits here, before Keras is imported
    args.argv = argv
    debug = bool(getattr(args, "debug", False)) or os.environ.get("KERAS_PERCEPTUAL_DEBUG", "") not in ("", "0")
    prefix = f"keras-perceptual {args.command}"
    if not debug:
        # absl's Python warnings (tensorflow_datasets, TensorFlow) go through the standard
        # logger "absl": only errors reach stderr (no absl import needed to say so).
        logging.getLogger("absl").setLevel(logging.ERROR)
    try:
        if args.command == "train":  # joins a cluster (if any) before the backend starts its devices
            # Imported quietly: it imports Keras, and so TensorFlow on its backend.
            with _quiet_stderr():
                from keras_perceptual.training import distributed

                _start_tf_data()
            distributed.initialize_from_args(args, environ=os.environ)
        if args.command != "list":  # the registry is read without Keras
            _import_backend()  # quietly: `push` too, whose writer imports Keras
        return args.func(args)
    except KeyboardInterrupt:
        if debug:
            raise
        resume = " (the same command resumes from the last checkpoint)" if args.command == "train" and \
            getattr(args, "output", None) else ""
        print(f"{prefix}: interrupted{resume}", file=sys.stderr)
        return INTERRUPTED
    except Exception as e:  # every failure in one line: the traceback only with --debug
        if debug:
            raise
        code, line = _refusal(e)
        print(f"{prefix}: error: {line}", file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main())

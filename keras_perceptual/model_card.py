"""The Hub model card (`README.md`) of a preset folder, from its metadata.

The YAML header is `huggingface_hub.ModelCardData`'s; the tags of a
registered preset are its `PresetSpec.tags`."""

import math

from huggingface_hub import ModelCardData

import keras_perceptual.presets as presets
from keras_perceptual.images import line_plot
from keras_perceptual.preset_config import EVALUATOR_PRESET as EVALUATOR
from keras_perceptual.preset_format import LEARNING_CURVE

BASE_TAGS = ["keras", "keras-perceptual"]

# Models without a prior p(z): their cards show `reconstruct`, not `generate`.
WITHOUT_PRIOR = ("PixelAutoencoder", "DeePSiMAutoencoder", "DeePSiMInverter")
CLASSIFIERS = ("Classifier",)

DEFAULT_LIMITATIONS = (
    "- Trained on one dataset at one resolution: inputs must follow the input contract "
    "above (size, channels, values in [-1, 1]); other images give meaningless codes.\n"
    "- Samples and reconstructions are judged by the metrics listed here only; a "
    "feature-space FID measured with this library's own evaluator network "
    "(`fashion_mnist_evaluator`, which no preset trains against) is not comparable "
    "with ImageNet-Inception FIDs.\n"
    "- GAN training is sensitive to seeds and hardware; retraining with the same recipe "
    "gives similar, not identical, weights."
)


def _value(v):
    if isinstance(v, float):
        return f"{v:.6g}"
    return "—" if v is None else str(v)


def validation_record(meta):
    """`meta["training"]["validation"]` when it holds a curve of at least one
    `[step, value]` point, else None. The training driver writes it as
    `{"metric", "mode" ("min" | "max"), "every" (steps), "curve": [[step,
    value], ...], "converged", "rule"}`."""
    training = meta.get("training")
    validation = training.get("validation") if isinstance(training, dict) else None
    if not isinstance(validation, dict):
        return None
    curve = validation.get("curve")
    if not isinstance(curve, (list, tuple)) or not curve:
        return None
    if any(not isinstance(p, (list, tuple)) or len(p) != 2 for p in curve):
        raise ValueError(
            "`metadata['training']['validation']['curve']` must be a list of [step, value] pairs. "
            f"Received: {curve[:3]!r}..."
        )
    return validation


def _better(validation):
    return {"min": "lower is better", "max": "higher is better"}.get(validation.get("mode"), "")


def _metric_name(validation):
    """"validation FID" for metric "FID", "validation accuracy" for
    "validation_accuracy"."""
    metric = str(validation.get("metric") or "metric").replace("_", " ")
    return metric if metric.lower().startswith("validation") else f"validation {metric}"


def learning_curve_caption(validation):
    """One line: the metric, how often it was measured, its best value, the
    stopping rule and whether the run converged by it (a run trained for a
    fixed budget, with no rule, says so)."""
    every = validation.get("every")
    cap = validation.get("cap_steps")
    values = [v for _, v in validation["curve"] if isinstance(v, (int, float)) and math.isfinite(v)]
    best = ""
    if values and validation.get("mode") in ("min", "max"):
        best = f"; best {(min if validation['mode'] == 'min' else max)(values):.4g}"
    if validation.get("rule"):
        verdict = "converged" if validation.get("converged") else \
            "did not converge (stopped at the cap" + (f" of {cap} steps)" if cap else ")")
        stopping = f"stopping rule: {validation['rule']}; {verdict}"
    else:
        stopping = "fixed budget" + (f" of {cap} steps" if cap else "") + ", no stopping rule: convergence not judged"
    name = _metric_name(validation)
    return f"{name[0].upper()}{name[1:]}" + (f" every {every} steps" if every else "") + best + f"; {stopping}."


def draw_learning_curve(meta, path):
    """Writes `learning_curve.png` (validation metric vs training step) from
    `meta["training"]["validation"]`; returns the path, or None when the
    metadata holds no curve."""
    validation = validation_record(meta)
    if validation is None:
        return None
    better = _better(validation)
    return line_plot(
        [[float(s), float(v) if v is not None else float("nan")] for s, v in validation["curve"]], path,
        x_label="training step", y_label=_metric_name(validation) + (f" ({better})" if better else ""),
        title=f"{meta.get('name') or 'model'}: learning curve",
        caption=learning_curve_caption(validation),
    )


def _where(name):
    """How a user names this preset: its registered name, else its Hub repo."""
    return name if name in {s.name for s in presets.all_specs()} else f"hf://ORG/{name}"


def _usage(model, name, condition_dim=None):
    """The card's usage section: what this kind of model can do (a
    conditional model's calls take `conditions` of `condition_dim`)."""
    if model in CLASSIFIERS:
        # The evaluator's feature layer is `features` (the FID space of the
        # zoo); the classifier's (the DeePSiM comparator's) is `fc1_act`.
        layer = "features" if name == EVALUATOR else "fc1_act"
        usage = ["logits = model.predict(x)           # x: float images in [-1, 1]",
                 f'features = model.features(x, layer="{layer}")']
        command = None
    elif model in WITHOUT_PRIOR:
        usage = ["recon = model.reconstruct(x)         # x: float images in [-1, 1]",
                 "codes = model.encode(x)              # no prior: generate() raises NoPriorError"]
        command = f"keras-perceptual reconstruct {_where(name)} a.png b.png -o recon.png"
    elif condition_dim:
        usage = ["import numpy as np",
                 f"conditions = np.eye({condition_dim}, dtype=\"float32\")[[0, 1, 2, 3]]  # one-hot: what to draw",
                 "images = model.generate(4, conditions=conditions)  # values in [-1, 1]",
                 "recon = model.reconstruct(x, conditions=c)  # x: images in [-1, 1], c: their one-hot conditions"]
        command = f"keras-perceptual sample {_where(name)} -n 20 -o samples.png"
    else:
        usage = ["images = model.generate(16)          # values in [-1, 1]",
                 "recon = model.reconstruct(x)         # x: float images in [-1, 1]"]
        command = f"keras-perceptual sample {_where(name)} -n 16 -o samples.png"
    lines = ["## Usage", "", "```python", "import keras_perceptual as kp",
             f"model = kp.{model}.from_pretrained({_where(name)!r})  # or a local copy of this folder",
             *usage, "```", ""]
    if command:
        lines += [f"or from the command line: `{command}`.", ""]
    return lines


def render(meta, has_samples=True, has_learning_curve=False):
    """The model card text for the metadata `meta` of `save_pretrained`;
    `has_learning_curve`: the folder holds `learning_curve.png`."""
    name = meta.get("name") or "model"
    model = meta.get("model") or "Model"
    dataset = meta.get("dataset")
    metrics = meta.get("metrics") or {}
    tags = BASE_TAGS + [t for t in presets.tags_for(name, model) if t not in BASE_TAGS]
    card_data = ModelCardData(
        library_name="keras",
        license=str(meta.get("license") or "apache-2.0").lower(),
        tags=tags,
        datasets=[dataset] if dataset else None,
        metrics=sorted(metrics) or None,
        pipeline_tag="image-classification" if "image-classification" in tags else "unconditional-image-generation",
    )
    header = ["---", card_data.to_yaml(), "---"]

    contract = meta.get("input") or {}
    lines = header + [
        "",
        f"# {name}",
        "",
        meta.get("description") or f"A `keras_perceptual.{model}` model.",
        "",
    ]
    if meta.get("paper"):
        lines += [f"Paper: {meta['paper']}", ""]
    if has_samples:
        # What the picture shows: the driver's description of it, else
        # save_pretrained's prior samples.
        shown = meta.get("samples_description") or "prior samples (seed 0)"
        lines += ["![samples](samples.png)", "", f"*samples.png: {shown}.*", ""]
    lines += _usage(model, name, contract.get("condition_dim"))
    lines += [
        "## Input contract",
        "",
        f"- shape: {_value(contract.get('shape'))}",
        f"- channels: {_value(contract.get('channels'))}",
        f"- value range: {_value(contract.get('value_range'))}",
        *([f"- conditions: {contract['condition_dim']} values per image (one-hot class or attributes)"]
          if contract.get("condition_dim") else []),
        "",
        "## Training recipe",
        "",
        f"- dataset: {_value(dataset)}",
        f"- recipe: {_value(meta.get('recipe'))}",
        f"- command: `{meta['command']}`" if meta.get("command") else "- command: —",
        f"- steps: {_value(meta.get('steps'))}",
        f"- wall time (s): {_value(meta.get('wall_time_s'))}",
        f"- parameters: {_value(meta.get('parameters'))}",
        "",
    ]
    validation = validation_record(meta)
    if has_learning_curve and validation is not None:
        lines += [f"![learning curve]({LEARNING_CURVE})", "", f"*{learning_curve_caption(validation)}*", ""]
    lines += [
        "## Measured metrics",
        "",
    ]
    if metrics:
        lines += ["| metric | value |", "|---|---|"]
        lines += [f"| {k} | {_value(v)} |" for k, v in sorted(metrics.items())]
    else:
        lines += ["None measured yet."]
    hardware = meta.get("hardware") or {}
    if isinstance(hardware, str):
        hardware = {"hardware": hardware}
    versions = meta.get("versions") or {}
    skipped = meta.get("skipped_networks") or []
    if skipped:
        lines += [
            "",
            "## Not in this preset",
            "",
            f"The training-only sub-networks {', '.join(f'`{n}`' for n in skipped)} are left out of "
            "`model.weights.h5` (an inference preset, a fraction of the size): encoding, decoding and "
            "sampling do not use them. `from_pretrained` gives them a fresh initialisation and lists "
            "them in `model.skipped_networks`; further adversarial training restarts those players "
            "(a DeePSiM comparator should then be rebuilt from its weights, e.g. the "
            "`fashion_mnist_classifier` preset).",
        ]
    lines += [
        "",
        "## Hardware and software",
        "",
        *[f"- {k}: {_value(v)}" for k, v in sorted(hardware.items())],
        *[f"- {k} {v}" for k, v in sorted(versions.items())],
        "",
        "## Limitations",
        "",
        meta.get("limitations") or DEFAULT_LIMITATIONS,
        "",
        "Every file of this folder is listed with its sha256 in `metadata.json`; "
        "`from_pretrained` refuses a file that does not match.",
        "",
    ]
    return "\n".join(lines)

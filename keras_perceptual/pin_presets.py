"""Recomputes the registry's pins from the bundled preset folders.

The pin of a preset is the sha256 of its `weights/<name>/metadata.json`
(which holds the sha256 of every other file). It lives in the `PINS`
dict of the preset's family module (`keras_perceptual/models/
<family>_presets.py`); this command rewrites those dicts. Run it after
writing or re-saving a preset in `weights/`, and commit the result.

    python -m keras_perceptual.pin_presets            # rewrite stale pins
    python -m keras_perceptual.pin_presets --check    # exit 1 if a pin is stale
"""

import argparse
import dataclasses
import re
import sys
from pathlib import Path

import keras_perceptual.presets as presets
from keras_perceptual.preset_format import METADATA
from keras_perceptual.preset_format import sha256_file


def folder_pins(weights_dir=None):
    """`{name: sha256 of metadata.json}` of every registered preset with a
    folder in `weights_dir` (default: the bundled one)."""
    root = Path(weights_dir or presets.WEIGHTS_DIR)
    return {s.name: sha256_file(root / s.name / METADATA) for s in presets.all_specs()
            if (root / s.name / METADATA).is_file()}


def stale_pins(weights_dir=None):
    """`{name: (registered pin, folder's sha256)}` where they differ."""
    return {name: (presets.PRESETS[name].metadata_sha256, digest)
            for name, digest in folder_pins(weights_dir).items()
            if presets.PRESETS[name].metadata_sha256 != digest}


def _rewrite(path, pins):
    """Replaces the `PINS = {...}` block of a family module."""
    text = Path(path).read_text(encoding="utf-8")
    body = "".join(f'    "{name}": "{digest}",\n' for name, digest in pins.items())
    new, count = re.subn(r"^PINS = \{\n.*?^\}\n", lambda m: "PINS = {\n" + body + "}\n", text,
                         flags=re.MULTILINE | re.DOTALL)
    if count != 1:
        raise ValueError(f"{path} has no `PINS = {{...}}` block to rewrite.")
    Path(path).write_text(new, encoding="utf-8")


def update_pins(weights_dir=None):
    """Writes the sha256 of every bundled preset's `metadata.json` into its
    family's `PINS` (and the live registry). Returns `{name: (old, new)}`
    of the pins that changed."""
    changed = stale_pins(weights_dir)
    if not changed:
        return changed
    current = folder_pins(weights_dir)
    by_file = {}
    for spec in presets.all_specs():
        pin = current.get(spec.name, spec.metadata_sha256)
        if pin is not None:
            by_file.setdefault(presets.SPEC_FILES[spec.name], {})[spec.name] = pin
    for path, pins in by_file.items():
        if any(name in changed for name in pins):
            _rewrite(path, pins)
    for name, (_, new) in changed.items():
        presets.PRESETS[name] = dataclasses.replace(presets.PRESETS[name], metadata_sha256=new)
    return changed


def repin_bundled(weights_dir):
    """`update_pins()` when `weights_dir` is the bundled presets' folder (a
    script that wrote presets there calls it), else nothing. Prints and
    returns the changes."""
    if Path(weights_dir).resolve() != Path(presets.WEIGHTS_DIR).resolve():
        return {}
    changed = update_pins()
    for name, (old, new) in changed.items():
        print(f"pin of {name}: {old} -> {new} (commit keras_perceptual/models/*_presets.py)", flush=True)
    return changed


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m keras_perceptual.pin_presets",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights", default=None, help="preset folders (default: the bundled ones)")
    parser.add_argument("--check", action="store_true", help="only report stale pins; exit 1 if any")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_pins(args.weights)
        for name, (old, new) in stale.items():
            print(f"{name}: pinned {old}, folder {new}")
        print(f"{len(stale)} stale pin(s)" if stale else "every pin matches its folder")
        return 1 if stale else 0
    changed = update_pins(args.weights)
    for name, (old, new) in changed.items():
        print(f"{name}: {old} -> {new}")
    print(f"{len(changed)} pin(s) rewritten" if changed else "every pin already matches its folder")
    return 0


if __name__ == "__main__":
    sys.exit(main())

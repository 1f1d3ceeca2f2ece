"""What the examples' tests share: loading a script of `examples/` as a
module, and the checks that a script trains as the recipe it mirrors."""

import importlib.util
import sys
from pathlib import Path

from keras_perceptual.recipes import get_recipe

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def load_script(relative):
    """The script at `relative` (to the repository root) as a module, with
    `examples/` on `sys.path` as `python examples/NAME.py` has it (the
    scripts import their shared `example_args` from there)."""
    if str(EXAMPLES) not in sys.path:
        sys.path.insert(0, str(EXAMPLES))
    path = ROOT / relative
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_example(name):
    return load_script(f"examples/{name}.py")


def assert_departures_declared(settings, departures, recipe, **resolve):
    """`settings` (an example's hyper-parameters) differ from the recipe's
    defaults (`example_args.recipe_defaults(recipe, **resolve)`) exactly in
    the options of `departures`, the differences the script declares (and
    says why): an undeclared difference fails, and so does a declared one
    that no longer differs."""
    from example_args import recipe_defaults

    reference = recipe_defaults(recipe, **resolve)
    differ = sorted(name for name, value in settings.items() if name in reference and value != reference[name])
    assert differ == sorted(departures), (
        f"the example differs from the {recipe!r} recipe in {differ}, it declares {sorted(departures)}"
    )


def assert_parser_defaults(args, settings, names):
    """The command-line defaults `args` (`parse_args([])`) are `settings`'
    values: `names` maps each option of the parser to the recipe's name."""
    for arg, option in names.items():
        assert getattr(args, arg) == settings[option], (arg, getattr(args, arg), option, settings[option])


class _CompileCapture:
    """Stands in for a model in a recipe's `compile`: records the optimizers."""

    def __init__(self, players):
        self.players = players

    def compile(self, optimizer=None, optimizers=None, **kwargs):
        self.optimizer, self.optimizers = optimizer, dict(optimizers or {})


def _config(optimizer):
    return type(optimizer).__name__, {k: v for k, v in optimizer.get_config().items() if k != "name"}


def assert_trained_as_recipe(model, recipe, dataset=None, smoke=False, **options):
    """`model` (trained by an example) has the options and the optimizers
    (class, learning rate or schedule, betas, ...) that the recipe gives a
    model of its own with these `options`: for its model class's
    constructor arguments found in the model's config, and for every
    player's optimizer, built by the recipe's own `compile`."""
    recipe = get_recipe(recipe)
    resolved = recipe.resolve(options, dataset=dataset, smoke=smoke)
    config = model.get_config()
    for name in recipe.model_parameters():
        if name in config and name in resolved:
            assert config[name] == resolved[name], (name, config[name], resolved[name])
    capture = _CompileCapture(model.players)
    recipe.compile(capture, resolved, None, None)
    for player, optimizer in model.player_optimizers.items():
        expected = capture.optimizers.get(player, capture.optimizer)
        assert _config(optimizer) == _config(expected), (player, _config(optimizer), _config(expected))

"""What every script under `examples/` shares: its command-line options
(`example_parser`) and the defaults of the training recipe it mirrors
(`recipe_defaults`). Not an example: the scripts import it from their own
folder (`python examples/NAME.py` puts that folder on `sys.path`)."""

import argparse

from keras_perceptual.recipes import get_recipe
from keras_perceptual.validation import expect_int


def _int_type(name, minimum, maximum=None):
    """An argparse `type`: an int in [minimum, maximum], refused in the
    validation layer's words (argparse prints the one line and exits 2)."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = text
        try:
            return expect_int(name, value, minimum=minimum, maximum=maximum)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from None
    parse.__name__ = name  # argparse names the type in its messages
    return parse


def example_parser(doc, *, output, epochs=10, batch_size=64):
    """An `argparse.ArgumentParser` for an example script, with the options
    they all take: `--output`, `--epochs`, `--batch-size`, `--seed` and
    `--smoke` (tiny networks, a slice of the data, one epoch: seconds on a
    CPU, for CI). The script adds its own options and calls `parse_args`.

    Args:
        doc: the script's docstring; its first paragraph is the description
            and the whole of it the `--help` text.
        output: default folder for the script's pictures and model.
        epochs: default number of epochs of a full run.
        batch_size: default batch size.

    Example:
    >>> parser = example_parser(__doc__, output="runs/aae", batch_size=100)
    >>> parser.add_argument("--regularizer", default="gan", choices=["gan", "mmd"])
    >>> args = parser.parse_args()
    """
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", default=output, help=f"folder for pictures and models (default {output})")
    parser.add_argument("--epochs", type=_int_type("epochs", 1), default=epochs,
                        help=f"epochs of a full run (default {epochs})")
    parser.add_argument("--batch-size", type=_int_type("batch_size", 1), default=batch_size,
                        help=f"batch size (default {batch_size})")
    parser.add_argument("--seed", type=_int_type("seed", 0, 2**32 - 1), default=0,
                        help="seed of the weights, the data order and the noise")
    parser.add_argument("--smoke", action="store_true",
                        help="tiny networks, a slice of the data, one epoch: seconds on a CPU (CI)")
    return parser


def recipe_defaults(name, departures=None, *, dataset=None, smoke=False, **options):
    """The hyper-parameters of the training recipe `name`
    (`keras_perceptual.recipes`), as a script mirroring it uses them, so that
    a change in the recipe reaches the script.

    Args:
        name: the recipe, e.g. "vaegan".
        departures: `{option: value}` where the script deliberately differs
            from the recipe (the script says why next to each); they replace
            the recipe's values. The examples' tests check that every value
            differing from the recipe's is one of these, and each of these
            differs.
        dataset: the recipe's dataset (default: its first).
        smoke: the recipe's smoke settings (tiny networks and data, 1 epoch).
        **options: options chosen by the script (e.g. `regularizer="mmd"`),
            which the recipe's other defaults may depend on.

    Returns:
        `{option: value}`: every option of the recipe after its defaults for
        `dataset` and `options` are applied (an option the recipe leaves to
        its model takes the model's constructor default), plus `epochs`,
        `batch_size` and `smoke_batches` (a smoke run's number of batches,
        None for a recipe that sets `limit` instead); `departures` over them.
    """
    recipe = get_recipe(name)
    settings = {option: default for option, (_, default) in recipe.option_types_of(dataset).items()}
    settings.update(recipe.resolve(options, dataset=dataset, smoke=smoke))
    settings.update(epochs=1 if smoke else recipe.default_epochs(settings["dataset"]), batch_size=recipe.batch_size,
                    smoke_batches=recipe.smoke_batches)
    for key in ("dataset", "seed", "smoke"):
        del settings[key]
    settings.update(departures or {})
    return settings

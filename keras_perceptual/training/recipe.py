"""`Recipe`: what a training run is made of, as data (networks and model
options, optimizers, data, budget, smoke settings, pictures), and the data
sources whose every epoch is a pure function of `(seed, epoch)`, so that a
resumed run sees exactly the batches an uninterrupted one would."""

import dataclasses
import difflib
import inspect
import json
from typing import Any
from typing import Callable
from typing import Mapping

import numpy as np

import keras_perceptual.validation as check
import keras_perceptual.training.driver as driver

PICTURES = ("samples", "reconstructions", "noise", "classes")


@dataclasses.dataclass(frozen=True)
class Option:
    """The type and range of one recipe option: every option given to a
    recipe (`--option KEY=VALUE`, `train(options=...)`) is checked against
    one of these, through `keras_perceptual.validation`, before anything is
    built.

    Args:
        kind: "int", "number", "bool", "ints" (a list of ints), "choice",
            "text", "texts" (a list of strings) or "any".
        minimum: smallest accepted value (ints, numbers, list entries).
        above: numbers only: the value must be greater.
        choices: the accepted values of a "choice".
        allow_empty: "ints"/"texts": an empty list is accepted.
    """

    kind: str
    minimum: Any = None
    above: Any = None
    choices: tuple = ()
    allow_empty: bool = False

    def check(self, name, value, allow_none=False):
        """`value` checked (and normalised: a JSON number given as a string
        is read as that number, a list as a tuple); raises `ValueError`."""
        if value is None and (allow_none or self.kind == "any"):
            return None
        if self.kind in ("int", "number") and isinstance(value, str):
            value = _number_from_text(value)
        if self.kind == "int":
            return check.expect_int(name, value, minimum=self.minimum)
        if self.kind == "number":
            if isinstance(value, (bool, np.bool_)):
                raise check.fail(name, "a finite number", _received(name, value))
            return check.expect_float(name, value, minimum=self.minimum, above=self.above)
        if self.kind == "bool":
            return check.expect_bool(name, value)
        if self.kind == "ints":
            return tuple(check.expect_int_list(name, value, minimum=self.minimum or 0,
                                               allow_empty=self.allow_empty))
        if self.kind == "choice":
            # Of the same type too: 1 is not True, nor 0 False.
            if not any(type(value) is type(c) and value == c for c in self.choices):
                raise check.fail(name, f"one of {self.choices}", _received(name, value))
            return value
        if self.kind == "text":
            if not isinstance(value, str) or not value:
                raise check.fail(name, "a non-empty string", _received(name, value))
            return value
        if self.kind == "texts":
            if (not isinstance(value, (list, tuple)) or (not value and not self.allow_empty)
                    or not all(isinstance(v, str) and v for v in value)):
                raise check.fail(name, "a list of strings", _received(name, value))
            return tuple(value)
        return value


def _received(name, value):
    text = repr(value)
    return f"{name}={text if len(text) <= 80 else text[:77] + '...'} ({type(value).__name__})"


def _number_from_text(text):
    """A JSON number written as a string ("0.01") as that number; any other
    string is returned unchanged (and refused by the number check)."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else text


# The options several recipes share, by name; a recipe's `option_types`
# override these, and an option in neither is typed by its default (a bool
# is a bool, an int an int >= 0, a float a number >= 0, a tuple of ints a
# list of ints >= 1, a string a string), a name ending in `_weight` is a
# number >= 0.
OPTION_TYPES = {
    "learning_rate": Option("number", above=0),
    "discriminator_learning_rate": Option("number", above=0),
    "lr_decay_steps": Option("int", minimum=1),
    "limit": Option("int", minimum=1),
    "data_dir": Option("text"),
    "jit_compile": Option("choice", choices=(True, False, "auto")),
    "conv_filters": Option("ints", minimum=1, allow_empty=True),
    "filters": Option("ints", minimum=1),
    "units": Option("ints", minimum=1),
    "discriminator_units": Option("ints", minimum=1),
    "latent_dim": Option("int", minimum=1),
    "num_classes": Option("int", minimum=1),
    "num_clusters": Option("int", minimum=1),
    "style_dim": Option("int", minimum=0),
    "labelled": Option("int", minimum=1),
    "encoder_noise_dim": Option("int", minimum=0),
    "decoder_noise_dim": Option("int", minimum=0),
    "gumbel_temperature": Option("number", above=0),
    "straight_through": Option("choice", choices=(False, True, "decoder")),
    "style_discriminator": Option("bool"),
    "discriminator_noise": Option("number", minimum=0),
    "samples_picture": Option("choice", choices=PICTURES),
    "conditional": Option("bool"),
    "condition_encoder": Option("bool"),
}


def option_type(name, default):
    """The `Option` of an option not declared anywhere, from its default."""
    if name.endswith("_weight") and (default is None or isinstance(default, (int, float))) \
            and not isinstance(default, bool):
        return Option("number", minimum=0)
    if isinstance(default, bool):
        return Option("bool")
    if isinstance(default, int):
        return Option("int", minimum=0)
    if isinstance(default, float):
        return Option("number", minimum=0)
    if isinstance(default, (tuple, list)) and default and all(isinstance(v, int) for v in default):
        return Option("ints", minimum=1)
    if isinstance(default, (tuple, list)) and default and all(isinstance(v, str) for v in default):
        return Option("texts")
    if isinstance(default, str):
        return Option("text")
    return Option("any")


@dataclasses.dataclass(frozen=True)
class ArrayData:
    """In-memory training arrays, reshuffled every epoch by
    `numpy.random.default_rng([seed, epoch])`, batched with the remainder
    dropped.

    Args:
        x: images `(n, h, w, c)` in [-1, 1].
        y: targets `(n, ...)` (labels, conditions) or None.
        batch_size: int > 0.
        shuffle: reshuffle every epoch.
    """

    x: Any
    y: Any = None
    batch_size: int = 64
    shuffle: bool = True

    def __post_init__(self):
        if len(self.x) < self.batch_size:
            raise ValueError(
                f"The training data has fewer images ({len(self.x)}) than one batch. Received: "
                f"batch_size={self.batch_size}"
            )

    @property
    def steps_per_epoch(self):
        return len(self.x) // self.batch_size

    def indices(self, seed, epoch, start, stop):
        """Indices of the images of batches `start..stop-1` of `epoch`."""
        n = self.steps_per_epoch * self.batch_size
        order = np.random.default_rng([seed, epoch]).permutation(len(self.x)) if self.shuffle else np.arange(n)
        return order[:n][start * self.batch_size : stop * self.batch_size]

    def epoch(self, seed, epoch, start, stop):
        """`fit` arguments for batches `start..stop-1` of `epoch`."""
        index = self.indices(seed, epoch, start, stop)
        return dict(x=self.x[index], y=None if self.y is None else self.y[index], batch_size=self.batch_size,
                    shuffle=False)

    def batch(self, seed, epoch, step):
        """The images of batch `step` of `epoch` (for error messages)."""
        return self.x[self.indices(seed, epoch, step, step + 1)]


@dataclasses.dataclass(frozen=True)
class DatasetData:
    """A `tf.data` pipeline (CelebA) rebuilt for every epoch by
    `make(epoch_seed)`, whose first pass is then deterministic; a resumed
    epoch skips the batches already trained on.

    Args:
        make: `epoch_seed -> batched tf.data.Dataset`.
        steps_per_epoch: batches per epoch.
    """

    make: Callable
    steps_per_epoch: int

    def epoch(self, seed, epoch, start, stop):
        ds = self.make(seed * 100003 + epoch).skip(start).take(stop - start)
        return dict(x=ds)

    def batch(self, seed, epoch, step):
        return np.asarray(next(iter(self.make(seed * 100003 + epoch).skip(step).take(1))))


@dataclasses.dataclass(frozen=True)
class Validation:
    """How a recipe's run is judged on the validation split while it trains
    (the learning curve, and the stopping point of a run that stops when it
    has converged; see `keras_perceptual.training.has_converged`).

    Args:
        metric: the curve's name, e.g. "validation_fid".
        measure: `(model, options) -> float`, measured on the validation
            split (never the test split); it must not draw from the model's
            training random stream.
        mode: "min" (lower is better, e.g. FID) or "max" (e.g. accuracy).
        every: steps between two measurements; None: once per epoch.
        min_points: measurements before the convergence rule is applied
            (more for a noisy metric, e.g. clustering accuracy).
    """

    metric: str
    measure: Callable
    mode: str = "min"
    every: int = None
    min_points: int = 5

    def __post_init__(self):
        if self.mode not in ("min", "max"):
            raise ValueError(f"`mode` must be 'min' or 'max'. Received: mode={self.mode!r}")


@dataclasses.dataclass(frozen=True)
class Recipe:
    """How one model of the zoo is trained, as data; `keras_perceptual.training.train`
    runs it.

    Args:
        name: registry name (`keras-perceptual train NAME`).
        description: one line.
        build: `options -> keras.Model`, the networks and the model with
            its options (`options` holds every resolved option and `seed`).
        compile: `(model, options, total_steps, steps_per_epoch) -> None`:
            the optimizers.
        data: `(options, batch_size) -> ArrayData | DatasetData`.
        defaults: every option and its default.
        epochs: default budget in epochs, or `{dataset: epochs}`.
        batch_size: default batch size.
        smoke: options of a smoke run (tiny data, tiny networks), applied
            under the options given explicitly; a smoke run trains 1 epoch.
        smoke_batches: a smoke run's data is this many batches (sets the
            `limit` option when not given).
        datasets: accepted values of `dataset`.
        dataset_defaults: `{dataset: {option: default}}` over `defaults`.
        model_class: a class (or a tuple of classes) whose constructor
            arguments are accepted as extra options (they go to `build` in
            `options`).
        finalize: optional `options -> options` filling defaults that
            depend on other options.
        pictures: what the epoch grids show among "samples",
            "reconstructions", "noise" (decoder noise per code) and
            "classes" (a classifier's test images by predicted class).
        picture_data: `options -> (images, conditions)`: the real images
            (and, for a conditional model, `(sample_conditions,
            image_conditions)`) the pictures show.
        evaluate: optional `(model, options) -> dict` added to the record
            (e.g. test accuracy).
        save: optional `(model, folder, options, record) -> None` writing
            recipe-specific files into the run folder.
        skip_networks: sub-networks left out of the preset by default.
        validation: optional `Validation`: the validation curve of a run.
        option_types: `{option: Option}` of this recipe's own options
            (over the shared `OPTION_TYPES`; others are typed by their
            default, see `option_type`).
    """

    name: str
    description: str
    build: Callable
    compile: Callable
    data: Callable
    defaults: Mapping = dataclasses.field(default_factory=dict)
    epochs: Any = 10
    batch_size: int = 64
    smoke: Mapping = dataclasses.field(default_factory=dict)
    smoke_batches: int = None
    datasets: tuple = ("fashion_mnist",)
    dataset_defaults: Mapping = dataclasses.field(default_factory=dict)
    model_class: Any = None
    finalize: Callable = None
    pictures: tuple = ()
    picture_data: Callable = None
    evaluate: Callable = None
    save: Callable = None
    skip_networks: tuple = ()
    validation: Validation = None
    option_types: Mapping = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        bad = [p for p in self.pictures if p not in PICTURES]
        if bad:
            raise ValueError(f"`pictures` must be among {PICTURES}. Received: pictures={self.pictures}")

    def preset_picture(self, options):
        """The kind of picture a preset's `samples.png` shows: the option
        `samples_picture` where the recipe has one and it is set, else prior
        samples when the recipe draws them, else its first picture (None:
        no pictures)."""
        kind = options.get("samples_picture")
        if kind is not None:
            if kind not in self.pictures:
                raise ValueError(
                    f"`samples_picture` must be one of the {self.name!r} recipe's pictures {self.pictures}. "
                    f"Received: samples_picture={kind!r}"
                )
            return kind
        if "samples" in self.pictures:
            return "samples"
        return self.pictures[0] if self.pictures else None

    def accepted_options(self):
        names = set(self.defaults)
        for d in self.dataset_defaults.values():
            names |= set(d)
        return names | set(self.model_parameters())

    def model_parameters(self):
        """Constructor arguments of `model_class` (every class of a tuple)."""
        classes = self.model_class if isinstance(self.model_class, tuple) else (self.model_class,)
        names = []
        for cls in classes:
            if cls is not None:
                params = inspect.signature(cls.__init__).parameters
                # The networks (arguments without a default) and the seed are the recipe's, not options.
                names += [n for n, p in params.items() if n not in ("self", "seed")
                          and p.kind is p.POSITIONAL_OR_KEYWORD and p.default is not p.empty]
        return names

    def resolve(self, options=None, *, dataset=None, smoke=False, seed=0):
        """Every option of a run: the defaults, the dataset's defaults, the
        smoke settings, then `options` (unknown names are refused), and
        `dataset`, `seed` and `smoke`."""
        options = dict(options or {})
        dataset = dataset or self.datasets[0]
        if dataset not in self.datasets:
            raise ValueError(
                f"The {self.name!r} recipe trains on {list(self.datasets)}. Received: dataset={dataset!r}"
            )
        options = self.check_options(options, dataset)
        resolved = {**self.defaults, **self.dataset_defaults.get(dataset, {})}
        if smoke:
            resolved.update(self.smoke)
        resolved.update(options)
        resolved.update(dataset=dataset, seed=seed, smoke=bool(smoke))
        if self.finalize is not None:
            resolved = self.finalize(resolved)
        return resolved

    def option_types_of(self, dataset=None):
        """`{option: (Option, default)}` of every accepted option."""
        defaults = {**self.defaults, **self.dataset_defaults.get(dataset or self.datasets[0], {})}
        out = {}
        classes = self.model_class if isinstance(self.model_class, tuple) else (self.model_class,)
        for cls in classes:
            if cls is None:
                continue
            for name, p in inspect.signature(cls.__init__).parameters.items():
                if name in self.model_parameters() and name not in out:
                    default = p.default
                    out[name] = (self.option_types.get(name) or OPTION_TYPES.get(name)
                                 or option_type(name, default), default)
        for name in self.accepted_options() - set(out):
            default = defaults.get(name)
            out[name] = (self.option_types.get(name) or OPTION_TYPES.get(name) or option_type(name, default),
                         default)
        return out

    def check_options(self, options, dataset=None):
        """`options` checked against the recipe's option types (unknown
        names refused, with the closest known ones); returns them
        normalised."""
        if not isinstance(options, Mapping):
            raise check.fail("options", "a dict of {option: value}", _received("options", options))
        known = sorted(self.accepted_options())
        types = self.option_types_of(dataset)
        out = {}
        for name, value in options.items():
            if not isinstance(name, str) or name not in types:
                close = difflib.get_close_matches(str(name), known, n=3)
                hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
                raise ValueError(
                    f"Unknown option {name!r} for the {self.name!r} recipe.{hint} Expected one of {known}."
                )
            spec, default = types[name]
            out[name] = spec.check(name, value, allow_none=default is None)
        return out

    def default_epochs(self, dataset):
        return self.epochs[dataset] if isinstance(self.epochs, Mapping) else self.epochs

    def model_options(self, options, exclude=()):
        """The options that are constructor arguments of `model_class`
        (less `exclude`)."""
        params = set(self.model_parameters()) - set(exclude)
        return {k: v for k, v in options.items() if k in params}

    # `recipes.<name>.train(...)`: the driver with the options as keyword
    # arguments and no preset written (grids under `output`). Returns the
    # `TrainingRecord`; the trained model is `record.model`.
    def __call__(self, output=None, epochs=None, batch_size=None, smoke=False, seed=0, dataset=None, verbose=1,
                 **options):
        return driver.train(self, output, epochs=epochs, batch_size=batch_size, smoke=smoke, seed=seed,
                            dataset=dataset, verbose=verbose, options=options, save=False)

    train = __call__

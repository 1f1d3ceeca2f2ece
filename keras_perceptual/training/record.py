"""`TrainingRecord`: what a run of `keras_perceptual.training.train` did."""

import dataclasses
from typing import Any

import keras


def describe_optimizer(model):
    """`"RMSprop(0.0003, ExponentialDecay(decay_steps=1000, ...))"` for the
    optimizer of every player (one string when they all read the same, else
    `{player: string}`)."""
    optimizers = getattr(model, "player_optimizers", None) or {"model": model.optimizer}
    out = {}
    for player, optimizer in optimizers.items():
        rate = optimizer._learning_rate
        if isinstance(rate, keras.optimizers.schedules.LearningRateSchedule):
            config = {k: v for k, v in rate.get_config().items() if k != "name"}
            initial = config.pop("initial_learning_rate", None)
            schedule = f"{type(rate).__name__}({', '.join(f'{k}={v}' for k, v in config.items())})"
            text = f"{initial:g}, {schedule}" if initial is not None else schedule
        else:
            text = f"{float(keras.ops.convert_to_numpy(rate)):g}"
        out[player] = f"{type(optimizer).__name__}({text})"
    return next(iter(out.values())) if len(set(out.values())) == 1 else out


@dataclasses.dataclass
class TrainingRecord:
    """The record of a training run, returned by `train`; `to_dict()` is
    what a preset's `metadata.json` keeps under "training".

    Args:
        recipe: recipe name.
        dataset: dataset name.
        options: every resolved option of the recipe.
        epochs: epochs of the budget.
        steps: optimizer steps trained in all (over every resumed run).
        batch_size: batch size.
        seed: seed of the run.
        optimizer: the optimizers (`describe_optimizer`).
        backend: Keras backend.
        wall_time_s: training time over every run, seconds.
        final_losses: the last epoch's logged values.
        runs: one entry per process that trained this model: `command`,
            `from_step`, `to_step`, `wall_time_s` (several after a resume).
        checkpoints: `{"written", "bytes", "every"}` of this process.
        extra: recipe-specific results (e.g. `test_accuracy`).
        validation: the validation curve, or None (no `Validation` in the
            recipe): `{"metric", "mode", "every", "curve": [[step, value],
            ...], "converged", "stop_when_converged", "cap_steps", "rule",
            "split"}`.
        model: the trained model (not part of `to_dict()`).
    """

    recipe: str
    dataset: str
    options: dict
    epochs: int
    steps: int
    batch_size: int
    seed: int
    optimizer: Any
    backend: str
    wall_time_s: float
    final_losses: dict
    runs: list
    checkpoints: dict = dataclasses.field(default_factory=dict)
    extra: dict = dataclasses.field(default_factory=dict)
    validation: dict = None
    model: Any = dataclasses.field(default=None, repr=False, compare=False)

    @property
    def command(self):
        """The commands that produced the weights, in order (` ; `-joined
        when the run was resumed)."""
        return " ; ".join(r["command"] for r in self.runs if r.get("command"))

    def to_dict(self):
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "model"}
        out["recipe"] = f"keras_perceptual.recipes.{self.recipe}"
        out["resumed"] = len(self.runs) > 1
        out.update(out.pop("extra"))
        return out

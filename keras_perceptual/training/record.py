"""`TrainingRecord`: what a run of `keras_perceptual.training.train` did."""

import dataclasses
from typing import Any


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
        backend: Keras backend.
        wall_time_s: training time over every run, seconds.
        final_losses: the last epoch's logged values.
        runs: one entry per process that trained this model: `command`,
            `from_step`, `to_step`, `wall_time_s` (several after a resume).
        checkpoints: `{"written", "bytes", "every"}` of this process.
        extra: recipe-specific results (e.g. `test_accuracy`).
        model: the trained model (not part of `to_dict()`).
    """

    recipe: str
    dataset: str
    options: dict
    epochs: int
    steps: int
    batch_size: int
    seed: int
    backend: str
    wall_time_s: float
    final_losses: dict
    runs: list
    checkpoints: dict = dataclasses.field(default_factory=dict)
    extra: dict = dataclasses.field(default_factory=dict)
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

"""Never a non-finite model: the callback that stops `fit` at the first
non-finite loss, naming the step, the player and the loss.

The training step of every `AdversarialModel` checks each batch and each
loss inside the step (no host round trip): a batch with NaN/Inf values or
values outside [-1, 1], or a non-finite loss, skips the step's update
entirely (weights, optimizer state, BatchNorm statistics, random state) and
is logged as a NaN loss; this callback turns that into an error.
"""

import math

import keras

# Imports nothing else of the package: `models/adversarial_model.py` imports it.


class NonFiniteError(FloatingPointError):
    """Training met a non-finite loss or a bad batch and stopped."""


class StopOnNonFinite(keras.callbacks.Callback):
    """Raises `NonFiniteError` at the end of the first step whose logged
    loss (a `*loss` entry of the logs) is NaN or infinite.

    Args:
        first_step: global step before the first batch (a resumed run).
        total_steps: steps of the whole run, for the message, or None.
        diagnose: optional `step -> str` describing that step's batch.
    """

    def __init__(self, first_step=0, total_steps=None, diagnose=None):
        super().__init__()
        self.step = first_step
        self.total_steps = total_steps
        self.diagnose = diagnose

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        bad = {}
        for key, value in (logs or {}).items():
            if key == "loss" or key.endswith("_loss"):
                value = float(keras.ops.convert_to_numpy(value))
                if not math.isfinite(value):
                    bad[key] = value
        if bad:
            raise NonFiniteError(self.message(bad))

    def message(self, bad):
        of = f" of {self.total_steps}" if self.total_steps else ""
        players = getattr(self.model, "players", None) or {}
        named = [(k[: -len("_loss")], k, v) for k, v in bad.items() if k[: -len("_loss")] in players]
        what = ", ".join(f"player {p!r} ({k} = {v})" for p, k, v in named) or \
            ", ".join(f"{k} = {v}" for k, v in bad.items())
        cause = self.diagnose(self.step) if self.diagnose else None
        if cause is None and players and len(named) == len(players):
            cause = "Every player's loss is NaN: the batch may hold NaN/Inf or values outside [-1, 1]."
        adversarial = bool(players)
        return (
            f"Training stopped at step {self.step}{of}: non-finite loss for {what}. "
            + (f"{cause} " if cause else "")
            + ("The step's update was skipped, so the weights are those of the step before; "
               if adversarial else "")
            + "nothing was saved. Check the data (images must be finite and in [-1, 1]) or lower the "
              "learning rate."
        )

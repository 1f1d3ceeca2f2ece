"""PyTorch training step: `torch.autograd.grad` per player on one graph,
then each player's sub-optimizer applied under `no_grad` (skipped when the
player's gate is False). All gradients are taken before any update so that
no in-place update invalidates the graph. A step that `_check_step`
rejects (bad batch, non-finite loss) applies no update and puts the
non-trainable variables (BatchNorm statistics, random state) back.
The model's own BatchNormalization layers run PyTorch's fused kernel
during its train and test functions (`torch_batch_norm`), set on those
layers only."""

import torch
import torch._functorch.config

from keras_perceptual.backend.torch_batch_norm import fused_batch_normalization

# Several players' gradients come from one graph (`retain_graph=True`), which
# AOTAutograd's donated buffers forbid under `torch.compile`.
torch._functorch.config.donated_buffer = False


class AdversarialTrainer:
    def make_train_function(self, force=False):
        if self.train_function is not None and not force:
            return self.train_function

        def one_step_on_data(data):
            return self.train_step(data[0])

        if self._should_torch_compile():
            # Static shapes: Inductor fails to lower the convolution backward
            # of the several-player step once it switches to dynamic shapes.
            step = torch.compile(one_step_on_data, dynamic=False)
        else:
            step = one_step_on_data
        self.train_function = _with_layer_calls(step, fused_batch_normalization(self))
        return self.train_function

    def make_test_function(self, force=False):
        if self.test_function is not None and not force:
            return self.test_function
        super().make_test_function(force=True)
        self.test_function = _with_layer_calls(self.test_function, fused_batch_normalization(self))
        return self.test_function

    def train_step(self, data):
        with torch.no_grad():
            before = [v.value.clone() for v in self.non_trainable_variables]
        losses, logs = self._player_losses(data, training=True)
        ok, reported = self._check_step(data, losses)
        ok = bool(ok)
        gates = self._player_gates(losses, logs)
        players = list(self._player_variables)
        grads = {}
        for k, player in enumerate(players):
            variables = self._player_variables[player]
            values = [v.value for v in variables]
            loss = losses[player]
            if loss.requires_grad:
                player_grads = torch.autograd.grad(
                    loss,
                    values,
                    retain_graph=k < len(players) - 1,
                    allow_unused=True,
                )
            else:
                player_grads = [None] * len(values)
            grads[player] = [
                torch.zeros_like(x) if g is None else g
                for g, x in zip(player_grads, values)
            ]
        with torch.no_grad():
            for player in players:
                if not ok or (player in gates and not bool(gates[player])):
                    continue
                self.player_optimizers[player].apply(
                    grads[player], self._player_variables[player]
                )
            if not ok:
                for v, value in zip(self.non_trainable_variables, before):
                    v.assign(value)
            self.optimizer.iterations.assign_add(1)
            losses = {p: l.detach() for p, l in reported.items()}
            logs = {k: v.detach() for k, v in logs.items()}
            return self._update_trackers(losses, logs, gates)

    def test_step(self, data):
        with torch.no_grad():
            losses, logs = self._player_losses(data, training=False)
            gates = self._player_gates(losses, logs)
            return self._update_trackers(losses, logs, gates)


def _with_layer_calls(step, calls):
    """`step` run inside `calls` (outside any `torch.compile` of it)."""

    def step_with_layer_calls(data):
        with calls:
            return step(data)

    return step_with_layer_calls

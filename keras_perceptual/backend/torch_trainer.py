"""PyTorch training step: `torch.autograd.grad` per player on one graph,
then each player's sub-optimizer applied under `no_grad` (skipped when the
player's gate is False). All gradients are taken before any update so that
no in-place update invalidates the graph. A step that `_check_step`
rejects (bad batch, non-finite loss) applies no update and puts the
non-trainable variables (BatchNorm statistics, random state) back.
When the train or test function is made, the model's BatchNormalization
layers get PyTorch's fused kernel (`torch_batch_norm`) and its
Conv2DTranspose layers a call without crop copies (`torch_conv_transpose`),
set on those layers only."""

import torch
import torch._functorch.config

from keras_perceptual.backend.torch_batch_norm import fuse_batch_normalization
from keras_perceptual.backend.torch_conv_transpose import crop_free_conv_transpose

# Several players' gradients come from one graph (`retain_graph=True`), which
# AOTAutograd's donated buffers forbid under `torch.compile`.
torch._functorch.config.donated_buffer = False


class AdversarialTrainer:
    def make_train_function(self, force=False):
        if self.train_function is not None and not force:
            return self.train_function
        self._use_torch_kernels()

        def one_step_on_data(data):
            return self.train_step(data[0])

        if self._should_torch_compile():
            # Static shapes: Inductor fails to lower the convolution backward
            # of the several-player step once it switches to dynamic shapes.
            self.train_function = torch.compile(one_step_on_data, dynamic=False)
        else:
            self.train_function = one_step_on_data
        return self.train_function

    def make_test_function(self, force=False):
        if self.test_function is None or force:
            self._use_torch_kernels()
        return super().make_test_function(force)

    def _use_torch_kernels(self):
        fuse_batch_normalization(self)
        crop_free_conv_transpose(self)

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

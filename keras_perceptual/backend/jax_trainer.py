"""JAX training step, stateless: the forward pass runs inside a
`keras.StatelessScope`; `jax.vjp` once, then one cotangent per player picks
that player's gradient; one `MultiOptimizer.stateless_apply`; a gated
player's trainable values and its sub-optimizer's variables are put back
with `where(gate, new, old)`, so a skipped step leaves them bit-identical
(this compiles under `jit_compile=True`). A step that `_check_step`
rejects (bad batch, non-finite loss) is put back the same way for every
variable: weights, optimizer state, BatchNorm statistics, random state."""

import jax
import jax.numpy as jnp
import keras


class AdversarialTrainer:
    def _stateless_player_losses(
        self, trainable_values, non_trainable_values, data, training
    ):
        mapping = list(zip(self.trainable_variables, trainable_values))
        mapping += list(zip(self.non_trainable_variables, non_trainable_values))
        with keras.StatelessScope(state_mapping=mapping) as scope:
            losses, logs = self._player_losses(data, training=training)
        new_non_trainable = []
        for ref, old in zip(self.non_trainable_variables, non_trainable_values):
            new = scope.get_current_value(ref)
            new_non_trainable.append(old if new is None else new)
        return losses, (logs, new_non_trainable)

    def _stateless_update_trackers(self, metrics_values, losses, logs, gates):
        mapping = list(zip(self.metrics_variables, metrics_values))
        with keras.StatelessScope(state_mapping=mapping) as scope:
            results = self._update_trackers(losses, logs, gates)
        new_metrics = []
        for ref, old in zip(self.metrics_variables, metrics_values):
            new = scope.get_current_value(ref)
            new_metrics.append(old if new is None else new)
        return results, new_metrics

    def train_step(self, state, data):
        trainable, non_trainable, optimizer_values, metrics_values = state

        def forward(values):
            return self._stateless_player_losses(
                values, non_trainable, data, training=True
            )

        old_non_trainable = non_trainable
        losses, vjp_fn, (logs, non_trainable) = jax.vjp(
            forward, trainable, has_aux=True
        )
        ok, reported = self._check_step(data, losses)
        grads = [None] * len(trainable)
        for player, indices in self._player_tv_indices.items():
            cotangent = {
                p: jnp.ones_like(l) if p == player else jnp.zeros_like(l)
                for p, l in losses.items()
            }
            (player_grads,) = vjp_fn(cotangent)
            for i in indices:
                grads[i] = player_grads[i]

        gates = self._player_gates(losses, logs)
        new_trainable, new_optimizer = self.optimizer.stateless_apply(
            optimizer_values, grads, trainable
        )
        new_trainable = list(new_trainable)
        new_optimizer = list(new_optimizer)
        for player in self._player_tv_indices:
            gate = jnp.logical_and(ok, gates[player]) if player in gates else ok
            for i in self._player_tv_indices[player]:
                new_trainable[i] = jnp.where(gate, new_trainable[i], trainable[i])
            for j in self._player_ov_indices[player]:
                new_optimizer[j] = jnp.where(
                    gate, new_optimizer[j], optimizer_values[j]
                )

        non_trainable = [
            jnp.where(ok, new, old) for new, old in zip(non_trainable, old_non_trainable)
        ]
        results, metrics_values = self._stateless_update_trackers(
            metrics_values, reported, logs, gates
        )
        return results, (new_trainable, non_trainable, new_optimizer, metrics_values)

    def test_step(self, state, data):
        trainable, non_trainable, metrics_values = state
        losses, (logs, non_trainable) = self._stateless_player_losses(
            trainable, non_trainable, data, training=False
        )
        gates = self._player_gates(losses, logs)
        results, metrics_values = self._stateless_update_trackers(
            metrics_values, losses, logs, gates
        )
        return results, (trainable, non_trainable, metrics_values)

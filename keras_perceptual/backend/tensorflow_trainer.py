"""TensorFlow training step: one persistent `GradientTape`, one
`tape.gradient` per player, each player's sub-optimizer applied to its own
variables, under `tf.cond` when the player is gated. A step that
`_check_step` rejects (bad batch, non-finite loss) applies no update and
puts the non-trainable variables (BatchNorm statistics, random state) back
as they were before the forward pass."""

import tensorflow as tf


class AdversarialTrainer:
    def train_step(self, data):
        before = [tf.identity(v.value) for v in self.non_trainable_variables]
        with tf.GradientTape(persistent=True) as tape:
            losses, logs = self._player_losses(data, training=True)
        ok, reported = self._check_step(data, losses)
        gates = self._player_gates(losses, logs)
        grads = {}
        for player, variables in self._player_variables.items():
            player_grads = tape.gradient(losses[player], variables)
            grads[player] = [
                tf.zeros_like(v) if g is None else g
                for g, v in zip(player_grads, variables)
            ]
        del tape
        for player, variables in self._player_variables.items():
            optimizer = self.player_optimizers[player]

            def apply(optimizer=optimizer, g=grads[player], v=variables):
                optimizer.apply(g, v)
                return tf.constant(True)

            gate = tf.logical_and(ok, gates[player]) if player in gates else ok
            tf.cond(gate, apply, lambda: tf.constant(False))

        def restore():
            for v, value in zip(self.non_trainable_variables, before):
                v.assign(value)
            return tf.constant(True)

        tf.cond(ok, lambda: tf.constant(False), restore)
        self.optimizer.iterations.assign_add(1)
        return self._update_trackers(reported, logs, gates)

    def test_step(self, data):
        losses, logs = self._player_losses(data, training=False)
        gates = self._player_gates(losses, logs)
        return self._update_trackers(losses, logs, gates)

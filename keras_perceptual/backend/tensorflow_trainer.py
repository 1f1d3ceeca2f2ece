"""TensorFlow training step: one persistent `GradientTape`, one
`tape.gradient` per player, each player's sub-optimizer applied to its own
variables, under `tf.cond` when the player is gated."""

import tensorflow as tf


class AdversarialTrainer:
    def train_step(self, data):
        with tf.GradientTape(persistent=True) as tape:
            losses, logs = self._player_losses(data, training=True)
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

            if player in gates:
                tf.cond(gates[player], apply, lambda: tf.constant(False))
            else:
                apply()
        self.optimizer.iterations.assign_add(1)
        return self._update_trackers(losses, logs, gates)

    def test_step(self, data):
        losses, logs = self._player_losses(data, training=False)
        gates = self._player_gates(losses, logs)
        return self._update_trackers(losses, logs, gates)

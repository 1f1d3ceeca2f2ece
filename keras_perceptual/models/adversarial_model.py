"""`AdversarialModel`: the base class of every model in the zoo.

Every model here is a game between *players*. A player owns one or more
sub-networks and minimises its own loss with its own optimizer. A subclass
declares its players and writes one method, `compute_losses`, in `keras.ops`
only; the per-backend training step (in `keras_perceptual/backend/`) does the
rest: one forward pass, one gradient per player with respect to that player's
variables only, and one update per player through a single
`keras.optimizers.MultiOptimizer`, so the JAX trainer carries every
sub-optimizer's state, checkpoints save it and `keras.distribution` shards it.
"""

import keras
from keras import ops

import keras_perceptual.validation as validation
from keras_perceptual.backend import AdversarialTrainer
from keras_perceptual.hub import PretrainedMixin
from keras_perceptual.models.constructor_config import ConstructorConfig
from keras_perceptual.training.guards import StopOnNonFinite


class PlayerOptimizerMap(keras.optimizers.OptimizerMap):
    """An `OptimizerMap` that routes each variable to its player's optimizer.

    Variables are matched by identity, not by path: sub-networks built
    outside the model (the keras.io convention) have variable paths that do
    not carry the sub-network's name, and two sub-networks may even use the
    same layer names.
    """

    def __init__(self, player_optimizers, player_variables):
        first = next(iter(player_optimizers.values()))
        super().__init__(default_optimizer=first, optimizer_map=dict(player_optimizers))
        self._owner = {}
        for player, variables in player_variables.items():
            for v in variables:
                self._owner[id(v)] = player_optimizers[player]

    def __call__(self, variable):
        try:
            return self._owner[id(variable)]
        except KeyError:
            raise ValueError(
                f"Variable {variable.path} belongs to no player of the model."
            )


@keras.saving.register_keras_serializable(package="keras_perceptual")
class AdversarialModel(ConstructorConfig, PretrainedMixin, AdversarialTrainer, keras.Model):
    """Base class of a model trained as a game between several players.

    A subclass implements:

    - `players` (property): `{player_name: [sub_network, ...]}`. Every
      trainable variable of the model must belong to exactly one player.
    - `compute_losses(data, training)`: returns `(losses, logs)`, where
      `losses` is `{player_name: scalar}` and `logs` is `{name: scalar}` of
      extra values to report. Written with `keras.ops` only.
    - `log_names` (property): the names `compute_losses` puts in `logs`.
    - optionally `gates(losses, logs)`: `{player_name: boolean scalar}`; a
      player whose gate is False skips this step's update, leaving its
      weights and its optimizer's state (moments, iteration count) exactly
      unchanged. Players listed in `gated_players` must appear there.

    Its constructor stores each named argument as an attribute of the same
    name: `get_config` records them from there (`ConstructorConfig`).

    Regularisation losses of a player's sub-networks (e.g. weight decay set
    as a `kernel_regularizer`) are added to that player's loss.

    `compile(optimizer=..., optimizers={player: optimizer})`: `optimizer` is
    the default, cloned for each player not named in `optimizers`.

    Args:
        seed: int or None. Seed of the model's `keras.random.SeedGenerator`,
            used for every random draw of the training step.
        **kwargs: passed to `keras.Model` (e.g. `name`).
    """

    gated_players = ()
    # True for models whose batches are images in [-1, 1] (ImageAutoencoder):
    # the in-step batch check then also refuses values outside that range.
    reads_unit_range_images = False

    def __init__(self, seed=None, **kwargs):
        seed = validation.expect_seed("seed", seed)
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        # Loss trackers stay out of Keras' attribute tracking, so weight files
        # hold the networks only and load into an uncompiled model; the
        # `metrics` property hands them to the trainers.
        object.__setattr__(self, "_trackers", {})

    # -- what a subclass provides ------------------------------------------
    @property
    def players(self):
        raise NotImplementedError(
            f"{type(self).__name__} must define the `players` property."
        )

    @property
    def log_names(self):
        return ()

    def compute_losses(self, data, training=True):
        raise NotImplementedError(
            f"{type(self).__name__} must implement `compute_losses`."
        )

    def gates(self, losses, logs):
        return {}

    # -- compile -----------------------------------------------------------
    def compile(self, optimizer=None, optimizers=None, **kwargs):
        """Configures one optimizer per player.

        Args:
            optimizer: the default optimizer (instance or string identifier),
                cloned for every player not named in `optimizers`.
            optimizers: dict `{player_name: optimizer}`.
            **kwargs: passed to `keras.Model.compile` (`jit_compile`,
                `run_eagerly`, ...). `loss` and `metrics` are not accepted:
                each model defines its losses. `steps_per_execution` must be
                1: training stops at the first step with a bad batch or a
                non-finite loss, and with several steps per execution the
                later steps of that execution would still update.
        """
        steps = kwargs.get("steps_per_execution", 1)
        if steps not in (1, None):
            raise ValueError(
                f"{type(self).__name__}.compile() needs `steps_per_execution=1`: the in-step guard stops "
                "training at the first bad batch or non-finite loss, and with several steps per execution the "
                f"later steps of that execution would still update. Received: steps_per_execution={steps!r}"
            )
        for bad in ("loss", "metrics", "loss_weights"):
            if kwargs.get(bad) is not None:
                raise ValueError(
                    f"{type(self).__name__}.compile() does not take `{bad}`: "
                    f"the model defines its players' losses. Received: {bad}={kwargs[bad]!r}"
                )
        optimizers = dict(optimizers or {})
        players = self.players
        unknown = sorted(set(optimizers) - set(players))
        if unknown:
            raise ValueError(
                f"`optimizers` names players the model does not have: {unknown}. "
                f"Expected keys among {sorted(players)}. Received: optimizers={optimizers}"
            )
        missing = [p for p in players if p not in optimizers]
        if missing and optimizer is None:
            raise ValueError(
                f"No optimizer for player(s) {missing}: pass `optimizer=` (the "
                f"default for every player) or name them in `optimizers=`. "
                f"Expected optimizers for {sorted(players)}. Received: "
                f"optimizer=None, optimizers={sorted(optimizers)}"
            )
        player_optimizers = {}
        for p in players:
            if p in optimizers:
                opt = keras.optimizers.get(optimizers[p])
            else:
                opt = keras.optimizers.get(optimizer)
                # Every player owns a separate optimizer (own moments and
                # iteration count), so one player's skipped step is its own.
                opt = opt.__class__.from_config(opt.get_config())
            player_optimizers[p] = opt
        if len({id(o) for o in player_optimizers.values()}) != len(player_optimizers):
            raise ValueError(
                "Each player needs its own optimizer instance; the same "
                f"instance was given to several players. Received: optimizers={optimizers}"
            )

        player_variables = self._collect_player_variables()
        # Bookkeeping stays out of Keras' attribute tracking: tracked, the
        # variable lists would become the model's own variables in checkpoints.
        object.__setattr__(self, "player_optimizers", player_optimizers)
        object.__setattr__(self, "_player_variables", player_variables)
        multi = keras.optimizers.MultiOptimizer(
            PlayerOptimizerMap(player_optimizers, player_variables),
            name="players",
        )
        super().compile(optimizer=multi, **kwargs)
        self.optimizer.build(self.trainable_variables)
        self._index_player_state()
        self._create_trackers()
        object.__setattr__(self, "_player_compile_args", (optimizer, optimizers, kwargs))

    def get_compile_config(self):
        if not getattr(self, "_player_compile_args", None):
            return {}
        optimizer, optimizers, kwargs = self._player_compile_args
        ser = keras.saving.serialize_keras_object
        config = {
            "optimizers": {p: ser(o) for p, o in self.player_optimizers.items()},
        }
        for k in ("jit_compile", "run_eagerly", "steps_per_execution"):
            if k in kwargs:
                config[k] = kwargs[k]
        return config

    def compile_from_config(self, config):
        config = dict(config)
        optimizers = {
            p: keras.saving.deserialize_keras_object(o)
            for p, o in config.pop("optimizers").items()
        }
        self.compile(optimizers=optimizers, **config)

    # -- bookkeeping used by the backend trainers --------------------------
    def _collect_player_variables(self):
        players = self.players
        owner = {}
        player_variables = {}
        for name, networks in players.items():
            if not isinstance(networks, (list, tuple)):
                networks = [networks]
            variables = []
            for net in networks:
                for v in net.trainable_variables:
                    if id(v) in owner and owner[id(v)] != name:
                        raise ValueError(
                            f"Variable {v.path} is owned by two players, "
                            f"'{owner[id(v)]}' and '{name}'. Each trainable variable "
                            "must belong to exactly one player."
                        )
                    if id(v) not in owner:
                        owner[id(v)] = name
                        variables.append(v)
            if not variables:
                raise ValueError(
                    f"Player '{name}' has no trainable variables. Expected at least "
                    f"one trainable sub-network. Received: {networks}"
                )
            player_variables[name] = variables
        orphans = [v.path for v in self.trainable_variables if id(v) not in owner]
        if orphans:
            raise ValueError(
                f"Trainable variables belong to no player: {orphans[:5]}"
                f"{'...' if len(orphans) > 5 else ''}. Add their sub-network to "
                "`players` or make them non-trainable."
            )
        return player_variables

    def _index_player_state(self):
        """Indices of each player's variables in `trainable_variables` and of
        its sub-optimizer's variables in `optimizer.variables` (by identity)."""
        tv_index = {id(v): i for i, v in enumerate(self.trainable_variables)}
        ov_index = {id(v): i for i, v in enumerate(self.optimizer.variables)}
        tv_indices = {
            p: [tv_index[id(v)] for v in vs] for p, vs in self._player_variables.items()
        }
        ov_indices = {
            p: [ov_index[id(v)] for v in self.player_optimizers[p].variables]
            for p in self._player_variables
        }
        object.__setattr__(self, "_player_tv_indices", tv_indices)
        object.__setattr__(self, "_player_ov_indices", ov_indices)

    def _create_trackers(self):
        names = [f"{p}_loss" for p in self.players]
        names += list(self.log_names)
        names += [f"{p}_update_rate" for p in self.gated_players]
        for name in names:
            if name not in self._trackers:
                self._trackers[name] = keras.metrics.Mean(name=name)

    @property
    def metrics(self):
        return list(self._trackers.values())

    def _player_losses(self, data, training):
        """Runs `compute_losses`, adds regularisation, casts to float32."""
        losses, logs = self.compute_losses(data, training=training)
        missing = [p for p in self.players if p not in losses]
        if missing:
            raise ValueError(
                f"{type(self).__name__}.compute_losses returned no loss for player(s) {missing}."
            )
        out = {}
        for p, networks in self.players.items():
            loss = ops.cast(losses[p], "float32")
            if not isinstance(networks, (list, tuple)):
                networks = [networks]
            for net in networks:
                for extra in net.losses:
                    loss = loss + ops.cast(extra, "float32")
            out[p] = loss
        logs = {k: ops.cast(v, "float32") for k, v in logs.items()}
        return out, logs

    def _check_step(self, data, losses):
        """Checks a training step inside the step (no host round trip).

        Returns `(ok, reported)`: `ok` is False when the batch holds NaN/Inf,
        or, for a model that reads images (`reads_unit_range_images`), values
        outside [-1, 1] (e.g. a [0, 255] batch), or a loss is not finite; the backend trainers then update nothing (weights,
        optimizer state, BatchNorm statistics, random state). `reported`
        are the losses to log, NaN for a bad batch, so that
        `StopOnNonFinite` stops `fit` at that step.
        """
        x = ops.cast(keras.utils.unpack_x_y_sample_weight(data)[0], "float32")
        if self.reads_unit_range_images:
            batch_ok = ops.all(ops.abs(x) <= 1.001)  # False for NaN too
        else:
            batch_ok = ops.all(ops.isfinite(x))
        ok = batch_ok
        for loss in losses.values():
            ok = ops.logical_and(ok, ops.isfinite(loss))
        return ok, {p: ops.where(batch_ok, loss, float("nan")) for p, loss in losses.items()}

    def fit(self, *args, callbacks=None, **kwargs):
        """`keras.Model.fit`, stopped with `NonFiniteError` at the first
        step with a non-finite loss or a bad batch (a `StopOnNonFinite` is
        added unless `callbacks` has one)."""
        callbacks = list(callbacks or [])
        if not any(isinstance(c, StopOnNonFinite) for c in callbacks):
            callbacks.append(StopOnNonFinite())
        x = args[0] if args else kwargs.get("x")
        if hasattr(x, "element_spec"):
            # A tf.data pipeline shuffles itself: Keras's default shuffle=True
            # would only print "`shuffle=True` ... will be ignored" each fit.
            kwargs.setdefault("shuffle", False)
        return super().fit(*args, callbacks=callbacks, **kwargs)

    def _player_gates(self, losses, logs):
        gates = self.gates(losses, logs) if self.gated_players else {}
        for p in self.gated_players:
            if p not in gates:
                raise ValueError(
                    f"{type(self).__name__}.gates() gave no gate for gated player '{p}'."
                )
        return gates

    def _update_trackers(self, losses, logs, gates):
        for p, value in losses.items():
            self._trackers[f"{p}_loss"].update_state(value)
        for k, value in logs.items():
            if k in self._trackers:
                self._trackers[k].update_state(value)
        for p, gate in gates.items():
            self._trackers[f"{p}_update_rate"].update_state(ops.cast(gate, "float32"))
        return {name: t.result() for name, t in self._trackers.items()}

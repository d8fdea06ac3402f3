"""Train one network with many optimizers at once: a race or a learning-rate sweep in one pass.

Every *racer* (an optimizer with its hyperparameters and a seed) is one run of the same
:class:`~engine.network.Network`. All runs sit on a leading run axis (``W1`` of shape
(R, fan_in, fan_out), ``b1`` of shape (R, 1, fan_out)) and advance together: one batched
forward and backward pass per step for all R runs, then one update per optimizer for
all of its runs. Racers with the same seed start from the same weights and see the same
mini-batches in the same order.

Each run's numbers equal those of the run trained alone with the engine optimizer on
single-network params (``opt.step``): the update is the optimizer's own chain of
transforms, applied per tensor with the norms, RMS and factoring taken over the
tensor's own axes, never across runs (see :mod:`engine.run_axis`). Tests check this row
by row.

A run diverges when its weights stop being finite or its mini-batch loss stops being
finite or exceeds :data:`DIVERGED_LOSS_FACTOR` times the loss of a uniform guess (the
softmax's gradient is bounded, so a blown-up network can sit at a huge finite loss for
many steps instead of overflowing): from that step on it is frozen at its last weights,
its numbers are NaN and ``diverged_at`` says when. Nothing raises. Training advances in chunks
(:meth:`Training.advance`), so a page can show progress and stop without losing what
was trained.

>>> from engine import datasets, network, training
>>> data = datasets.digits()
>>> net = network.Network(64, (32,), 10)
>>> racers = [training.Racer("sgd", {"lr": 0.1}), training.Racer("adam", {"lr": 1e-3})]
>>> history = training.train(net, data, racers, steps=300, batch_size=64)
>>> history.val_accuracy[-1]          # one number per racer
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine import optimizers, run_axis
from engine.datasets import Dataset
from engine.network import (
    MAX_TRAINING_ACTIVATIONS,
    MAX_TRAINING_PARAMETERS,
    Network,
    Params,
    run_params,
)
from engine.optimizers import Optimizer

__all__ = [
    "Racer",
    "Training",
    "TrainingHistory",
    "epoch_batch",
    "epoch_order",
    "sweep_racers",
    "train",
]

Array = np.ndarray
Schedule = Callable[[Any], Any]

DIVERGED_LOSS_FACTOR = 100.0
"""A run is lost once its mini-batch loss passes 100·ln(classes), 100 times the loss of a
uniform guess: the geometric mean of the probability it gives the true class is then
below (1/classes)¹⁰⁰, confidently and hopelessly wrong."""
SINGLE_THREAD_PRODUCT = 2**18  # OpenBLAS runs a GEMM with M·N·K up to this on one thread
CACHE_FLOATS = 2**16  # numbers per layer output of a block of runs: 256 KB in float32


@dataclass(frozen=True)
class Racer:
    """One run: an optimizer, its hyperparameters (defaults for the rest) and a seed.

    ``seed`` picks the initial weights and the mini-batch order: racers with the same
    seed start equal and see the same batches. ``label`` defaults to the optimizer's
    display name.
    """

    optimizer: str
    hyperparams: Mapping[str, Any] = field(default_factory=dict)
    seed: int = 0
    label: str = ""

    @property
    def name(self) -> str:
        return self.label or optimizers.info(self.optimizer).display_name


def sweep_racers(
    names: Sequence[str], lrs: Sequence[float], seeds: Sequence[int] = (0,), **hyperparams: Any
) -> list[Racer]:
    """Racers for every optimizer × learning rate × seed, in that nesting order.

    ``hyperparams`` are given to every optimizer that takes them (e.g. weight_decay).
    """
    racers = []
    for name in names:
        takes = optimizers.info(name).defaults
        common = {k: v for k, v in hyperparams.items() if k in takes}
        for lr in lrs:
            for seed in seeds:
                racers.append(
                    Racer(name, {**common, "lr": float(lr)}, int(seed), f"{name} lr={lr:.3g}")
                )
    return racers


def epoch_batch(n_examples: int, batch_size: int, step: int, seed: int) -> Array:
    """Indices of the training examples of 0-based ``step``'s mini-batch.

    Each epoch is a fresh permutation of the examples drawn from ``(seed, epoch)``, cut
    into ``n_examples // batch_size`` batches of exactly ``batch_size`` (the remainder of
    an epoch is left out, so every step sees a full batch). Random access: the batch of
    any step can be found without replaying the earlier ones.
    """
    epoch, position = divmod(int(step), n_examples // batch_size)
    order = epoch_order(n_examples, epoch, seed)
    return order[position * batch_size : (position + 1) * batch_size]


def epoch_order(n_examples: int, epoch: int, seed: int) -> Array:
    """The order in which epoch ``epoch`` visits the examples: a permutation seeded (seed, epoch)."""
    return np.random.default_rng((int(seed), int(epoch))).permutation(n_examples)


def _group_key(racer: Racer) -> tuple:
    """Racers that can share one optimizer: same name, same non-float hyperparameters."""
    defaults = optimizers.info(racer.optimizer).defaults
    fixed = tuple(
        (k, racer.hyperparams.get(k, v)) for k, v in defaults.items() if not run_axis.per_run(v)
    )
    return (racer.optimizer, fixed)


# --------------------------------------------------------------------------- history


@dataclass
class TrainingHistory:
    """What a training recorded, per racer (the run axis follows the racers' order).

    Attributes
    ----------
    labels, optimizers : list of str
        Each racer's label and optimizer name.
    steps : int
        Updates taken so far.
    train_loss, train_accuracy : ndarray, shape (steps, R)
        Row k−1: the mini-batch loss and accuracy of step k, measured where step k's
        gradient was taken (before the update). NaN after the step a run diverged at.
    eval_steps : ndarray of int, shape (E,)
        Steps at which the validation set was scored (0, eval_every, 2·eval_every …).
    val_loss, val_accuracy : ndarray, shape (E, R)
    layer_names : list of str
        "layer 1" … "layer L" (layer l is W_l with b_l).
    grad_norm : ndarray, shape (steps, R, L)
        ‖∂L/∂θ_l‖ of each layer at step k (the mini-batch gradient).
    update_ratio : ndarray, shape (steps, R, L)
        ‖Δθ_l‖/‖θ_l‖ of step k, θ_l taken before the step.
    diverged_at : ndarray of int, shape (R,)
        First step whose loss was not finite or above ``DIVERGED_LOSS_FACTOR``·ln(classes),
        or whose new weights were not finite; −1 if never.
    final_params : dict
        Current weights with a leading run axis (racers' order).
    snapshots : dict[int, dict] or None
        Weights at every ``snapshot_every`` steps, when asked for.
    """

    labels: list[str]
    optimizers: list[str]
    steps: int
    train_loss: Array
    train_accuracy: Array
    eval_steps: Array
    val_loss: Array
    val_accuracy: Array
    layer_names: list[str]
    grad_norm: Array
    update_ratio: Array
    diverged_at: Array
    final_params: Params
    snapshots: dict[int, Params] | None = None

    @property
    def diverged(self) -> Array:
        return self.diverged_at >= 0


# --------------------------------------------------------------------------- training


_STEP_RECORDS = ("train_loss", "train_accuracy", "grad_norm", "update_ratio")


@dataclass
class _Group:
    optimizer: Optimizer
    runs: slice  # positions on the internal run axis
    state: dict[str, Any]


class Training:
    """A race of R runs of one network on one data set, advanced in chunks.

    Parameters
    ----------
    network : Network
        Its inputs and classes must match the data set's.
    dataset : Dataset
    racers : sequence of Racer
        One run each (their order is kept in every result).
    batch_size : int
        Examples per step, 1 to the number of training examples (that is full batch).
    schedule : callable, optional
        A factor on every racer's rate as a function of the 0-based step, e.g.
        ``schedules.make("cosine", 1.0, total_steps, warmup_steps=30)``.
    eval_every : int
        Score the validation set every this many steps (and at step 0).
    snapshot_every : int
        Keep a copy of every run's weights every this many steps (0: never); for
        replaying decision boundaries of the small plane networks.
    dtype : numpy float type
        float32 (default: twice as fast, ample for training curves) or float64 (used by
        the tests that compare with torch and with single runs).

    ``Training`` holds numpy arrays and rebuilds its optimizers when unpickled, so it can
    be kept between reruns. :meth:`advance` changes it in place.
    """

    def __init__(
        self,
        network: Network,
        dataset: Dataset,
        racers: Sequence[Racer],
        batch_size: int,
        *,
        schedule: Schedule | None = None,
        eval_every: int = 10,
        snapshot_every: int = 0,
        dtype: type = np.float32,
    ) -> None:
        self.network = network
        self.dataset = dataset
        self.racers = list(racers)
        self.batch_size = int(batch_size)
        self.schedule = schedule
        self.eval_every = int(eval_every)
        self.snapshot_every = int(snapshot_every)
        self.dtype = np.dtype(dtype)
        self._check()
        self._loss_limit = DIVERGED_LOSS_FACTOR * np.log(network.n_classes)
        # Runs of one optimizer sit side by side, so each group's params are a view.
        keys = [_group_key(r) for r in self.racers]
        first_seen = {key: i for i, key in reversed(list(enumerate(keys)))}
        self._order = np.array(
            sorted(range(len(keys)), key=lambda i: (first_seen[keys[i]], i)), dtype=int
        )
        self._racer_order = np.argsort(self._order)  # internal position of each racer
        seeds = np.array([self.racers[i].seed for i in self._order])
        self._seeds, self._seed_of_run = np.unique(seeds, return_inverse=True)
        self.params = network.init_runs(seeds, dtype=self.dtype)
        self._groups = self._build_groups()
        self.step = 0
        runs = len(self.racers)
        self._alive = np.ones(runs, dtype=bool)
        self._diverged_at = np.full(runs, -1)
        self._weight_sq = self._layer_sq(self.params)
        self._rows: dict[str, list[Array]] = {key: [] for key in _STEP_RECORDS}
        self._evals: list[tuple[int, Array, Array]] = []
        self._snapshots: dict[int, Params] = {}
        self._last_step: dict[str, Params] = {}
        self._epoch_order: dict[int, tuple[int, Array]] = {}
        self._X_train = dataset.X_train.astype(self.dtype)
        self._X_val = dataset.X_val.astype(self.dtype)
        self._record_checkpoints()

    # ---------------------------------------------------------------- set-up

    def _check(self) -> None:
        net, data = self.network, self.dataset
        if not self.racers:
            raise ValueError("add at least one racer")
        for racer in self.racers:
            if any(callable(v) for v in racer.hyperparams.values()):
                raise ValueError("give a learning-rate schedule to Training, not to one racer")
            optimizers.make(racer.optimizer, **racer.hyperparams)  # a clear error if invalid
        if net.n_inputs != data.n_features:
            raise ValueError(
                f"the network takes {net.n_inputs} inputs but {data.name} has {data.n_features}"
            )
        if net.n_classes != data.n_classes:
            raise ValueError(
                f"the network has {net.n_classes} outputs but {data.name} has "
                f"{data.n_classes} classes"
            )
        if isinstance(self.batch_size, bool) or not 1 <= self.batch_size <= data.n_train:
            raise ValueError(
                f"a batch of {self.batch_size} examples does not fit: {data.name} has "
                f"{data.n_train:,} training examples, so choose 1 to {data.n_train:,}"
            )
        if self.eval_every < 1 or self.snapshot_every < 0:
            raise ValueError("eval_every must be ≥ 1 and snapshot_every ≥ 0")
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, got {self.dtype}")
        runs = len(self.racers)
        if runs * net.n_params > MAX_TRAINING_PARAMETERS:
            fit = max(MAX_TRAINING_PARAMETERS // net.n_params, 1)
            raise ValueError(
                f"{runs} runs of a {net.describe()} network hold {runs * net.n_params:,} "
                f"weights, more than the {MAX_TRAINING_PARAMETERS:,} this machine can train "
                f"at once: use at most {fit} runs or a smaller network"
            )
        activations = runs * self.batch_size * sum(net.hidden)
        if activations > MAX_TRAINING_ACTIVATIONS:
            raise ValueError(
                f"{runs} runs × a batch of {self.batch_size} × {sum(net.hidden)} hidden units "
                f"is {activations:,} activations per step, more than the "
                f"{MAX_TRAINING_ACTIVATIONS:,} this machine can hold: use a smaller batch, "
                "fewer runs or fewer units"
            )

    def _build_groups(self) -> list[_Group]:
        groups: list[_Group] = []
        start = 0
        ordered = [self.racers[i] for i in self._order]
        while start < len(ordered):
            key = _group_key(ordered[start])
            stop = start
            while stop < len(ordered) and _group_key(ordered[stop]) == key:
                stop += 1
            members = ordered[start:stop]
            opt = self._optimizer_for(members)
            runs = slice(start, stop)
            view = {k: v[runs] for k, v in self.params.items()}
            groups.append(_Group(opt, runs, run_axis.init_runs_state(opt, view)))
            start = stop
        return groups

    def _optimizer_for(self, members: Sequence[Racer]) -> Optimizer:
        return run_axis.optimizer_for_runs(
            members[0].optimizer, [r.hyperparams for r in members], self.schedule, self.dtype
        )

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_groups"] = [(g.runs, g.state) for g in self._groups]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        saved = state.pop("_groups")
        self.__dict__.update(state)
        ordered = [self.racers[i] for i in self._order]
        self._groups = [
            _Group(
                self._optimizer_for(ordered[runs]),
                runs,
                group_state,
            )
            for runs, group_state in saved
        ]

    # ---------------------------------------------------------------- data

    def _batch(self, step: int) -> tuple[Array, Array]:
        """Step ``step``'s inputs and labels: shared (B, n) if one seed, else (R, B, n)."""
        data = self.dataset
        index = np.stack([self._epoch_batch(step, int(s)) for s in self._seeds])
        X = self._X_train[index]
        y = data.y_train[index]
        if len(self._seeds) == 1:
            return X[0], y[0]
        return X[self._seed_of_run], y[self._seed_of_run]

    def _epoch_batch(self, step: int, seed: int) -> Array:
        """:func:`epoch_batch`, drawing each epoch's permutation once."""
        per_epoch = self.dataset.n_train // self.batch_size
        epoch, position = divmod(step, per_epoch)
        if self._epoch_order.get(seed, (None,))[0] != epoch:
            self._epoch_order[seed] = (epoch, epoch_order(self.dataset.n_train, epoch, seed))
        order = self._epoch_order[seed][1]
        return order[position * self.batch_size : (position + 1) * self.batch_size]

    # ---------------------------------------------------------------- training

    def advance(self, steps: int) -> Training:
        """Take ``steps`` more updates for every run (in place); returns ``self``.

        Each step is committed whole at its end (weights, buffers, records together), so
        stopping between steps — a page's Stop button — loses nothing already trained.
        """
        steps = int(steps)
        if steps < 0:
            raise ValueError(f"steps must be ≥ 0, got {steps}")
        with np.errstate(all="ignore"):
            for _ in range(steps):
                self._one_step()
        return self

    def _one_step(self) -> None:
        X, y = self._batch(self.step)
        points = self._gradient_points()
        loss, accuracy, grads = self._loss_accuracy_and_grad(points, X, y)
        updates = {k: np.empty_like(v) for k, v in self.params.items()}
        new_states = []
        for group in self._groups:
            runs = group.runs

            def grad_fn(p: Params, runs: slice = runs) -> Params:
                inputs, labels = (X, y) if X.ndim == 2 else (X[runs], y[runs])
                return self.network.loss_accuracy_and_grad(p, inputs, labels)[2]

            group_updates, new_state = run_axis.run_updates(
                group.optimizer,
                {k: v[runs] for k, v in self.params.items()},
                {k: v[runs] for k, v in grads.items()},
                group.state,
                grad_fn,
            )
            new_states.append(new_state)
            for k, v in group_updates.items():
                updates[k][runs] = v
        new_params = {k: v + updates[k] for k, v in self.params.items()}

        update_sq = self._layer_sq(updates)
        new_weight_sq = self._layer_sq(new_params)
        sane = (
            (loss <= self._loss_limit)  # False for NaN too
            & np.isfinite(update_sq).all(axis=1)
            & np.isfinite(new_weight_sq).all(axis=1)
        )
        step = self.step + 1
        shown = self._alive  # a run's last step is still drawn
        alive = self._alive & sane
        diverged_at = np.where(self._alive & ~sane, step, self._diverged_at)
        if not alive.all():
            # Lost runs keep their last weights and buffers, and stop moving.
            dead = np.flatnonzero(~alive)
            self._hold(dead, new_params, updates, new_states)
            update_sq[dead] = 0.0
            new_weight_sq[dead] = self._weight_sq[dead]
        order = self._racer_order
        rows = {
            "train_loss": np.where(shown, loss, np.nan)[order],
            "train_accuracy": np.where(shown, accuracy, np.nan)[order],
            "grad_norm": np.where(shown[:, None], np.sqrt(self._layer_sq(grads)), np.nan)[order],
            "update_ratio": np.where(alive[:, None], np.sqrt(update_sq / self._weight_sq), np.nan)[
                order
            ],
        }
        # Commit: nothing above changed the training.
        for group, new_state in zip(self._groups, new_states, strict=True):
            group.state = new_state
        for key, row in rows.items():
            self._rows[key].append(row)
        self.params, self._weight_sq = new_params, new_weight_sq
        self._alive, self._diverged_at = alive, diverged_at
        self._last_step = {"grads": grads, "updates": updates}
        self.step = step
        self._record_checkpoints()

    def _gradient_points(self) -> Params:
        """Where each run's gradient is taken: its params, or Nesterov's lookahead point."""
        lookahead = [g for g in self._groups if g.optimizer.lookahead_beta is not None]
        if not lookahead:
            return self.params
        points = {k: v.copy() for k, v in self.params.items()}
        for group in lookahead:
            view = {k: v[group.runs] for k, v in self.params.items()}
            for k, v in group.optimizer.lookahead(view, group.state).items():
                points[k][group.runs] = v
        return points

    def _hold(
        self, dead: Array, new_params: Params, updates: Params, new_states: list[dict]
    ) -> None:
        """Put back the weights and buffers of the ``dead`` runs (row by row: few rows)."""
        for k in new_params:
            new_params[k][dead] = self.params[k][dead]
            updates[k][dead] = 0.0
        for group, new_state in zip(self._groups, new_states, strict=True):
            start, stop = group.runs.start, group.runs.stop
            rows = dead[(dead >= start) & (dead < stop)] - start
            if rows.size == 0:
                continue
            for key, value in new_state.items():
                if key != "t" and value is not group.state[key]:
                    held = value.copy()  # the engine's arrays are not ours to write into
                    held[rows] = group.state[key][rows]
                    new_state[key] = held

    def _layer_sq(self, tensors: Params) -> Array:
        """Σ x² of each layer (W_l with b_l) of each run: shape (R, L)."""
        columns = []
        for layer in range(1, self.network.n_layers + 1):
            total = 0.0
            for kind in ("W", "b"):
                flat = tensors[f"{kind}{layer}"].reshape(len(self.racers), -1)
                total = total + np.einsum("ri,ri->r", flat, flat).astype(np.float64)
            columns.append(total)
        return np.stack(columns, axis=1)

    def _record_checkpoints(self) -> None:
        if self.step % self.eval_every == 0:
            loss, accuracy = self._evaluate(self._X_val, self.dataset.y_val)
            order = self._racer_order
            self._evals.append(
                (
                    self.step,
                    np.where(self._alive, loss, np.nan)[order],
                    np.where(self._alive, accuracy, np.nan)[order],
                )
            )
        if self.snapshot_every and self.step % self.snapshot_every == 0:
            self._snapshots[self.step] = self._in_racer_order(self.params)

    def _run_blocks(self, rows: int) -> list[slice]:
        """Runs in blocks whose activations (rows per run × widest layer) fit in cache.

        Each layer's output for a block stays under CACHE_FLOATS numbers, so a forward
        and backward pass works within this machine's 512 KB of L2 cache per core instead
        of streaming megabytes through memory that other processes share.
        """
        widest = max(*self.network.hidden, self.network.n_classes)
        per_block = max(CACHE_FLOATS // (rows * widest), 1)
        runs = len(self.racers)
        return [slice(start, min(start + per_block, runs)) for start in range(0, runs, per_block)]

    def _loss_accuracy_and_grad(self, params: Params, X: Array, y: Array):
        """:meth:`Network.loss_accuracy_and_grad` for all runs, block by block of runs."""
        blocks = self._run_blocks(X.shape[-2])
        if len(blocks) == 1:
            return self.network.loss_accuracy_and_grad(params, X, y)
        runs = len(self.racers)
        loss, accuracy = np.empty(runs), np.empty(runs)
        grads = {k: np.empty_like(v) for k, v in params.items()}
        for block in blocks:
            inputs, labels = (X, y) if X.ndim == 2 else (X[block], y[block])
            part = {k: v[block] for k, v in params.items()}
            loss[block], accuracy[block], part_grads = self.network.loss_accuracy_and_grad(
                part, inputs, labels
            )
            for k, v in part_grads.items():
                grads[k][block] = v
        return loss, accuracy, grads

    def _evaluate(self, X: Array, y: Array) -> tuple[Array, Array]:
        """Loss and accuracy of every run on all of X, in chunks of examples and runs.

        Each run's matrix product stays small enough (M·N·K ≤ 2¹⁸) that OpenBLAS computes
        it on one thread (a threaded product stalls whenever another process holds the
        other core), and each block's activations fit in cache (see :meth:`_run_blocks`).
        """
        sizes = self.network.layer_sizes
        widest_product = max(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=False))
        per_chunk = max(SINGLE_THREAD_PRODUCT // widest_product, 1)
        loss = np.zeros(len(self.racers))
        correct = np.zeros(len(self.racers))
        for start in range(0, len(y), per_chunk):
            examples = slice(start, start + per_chunk)
            size = len(y[examples])
            for block in self._run_blocks(size):
                part = {k: v[block] for k, v in self.params.items()}
                part_loss, part_accuracy = self.network.evaluate(part, X[examples], y[examples])
                loss[block] += part_loss * size
                correct[block] += part_accuracy * size
        return loss / len(y), correct / len(y)

    # ---------------------------------------------------------------- results

    def _in_racer_order(self, tensors: Params) -> Params:
        return {k: v[self._racer_order] for k, v in tensors.items()}

    def history(self) -> TrainingHistory:
        """Everything recorded so far, in the racers' order (fresh arrays)."""
        runs, layers = len(self.racers), self.network.n_layers

        def joined(key: str, shape: tuple[int, ...]) -> Array:
            rows = self._rows[key]
            return np.stack(rows) if rows else np.empty((0, *shape))

        steps_seen = np.array([s for s, _, _ in self._evals], dtype=int)
        return TrainingHistory(
            labels=[r.name for r in self.racers],
            optimizers=[r.optimizer for r in self.racers],
            steps=self.step,
            train_loss=joined("train_loss", (runs,)),
            train_accuracy=joined("train_accuracy", (runs,)),
            eval_steps=steps_seen,
            val_loss=np.array([v for _, v, _ in self._evals]).reshape(-1, runs),
            val_accuracy=np.array([a for _, _, a in self._evals]).reshape(-1, runs),
            layer_names=[f"layer {i}" for i in range(1, layers + 1)],
            grad_norm=joined("grad_norm", (runs, layers)),
            update_ratio=joined("update_ratio", (runs, layers)),
            diverged_at=self._diverged_at[self._racer_order],
            final_params=self._in_racer_order(self.params),
            snapshots=dict(self._snapshots) if self.snapshot_every else None,
        )

    def racer_params(self, racer: int) -> Params:
        """Racer ``racer``'s current weights, in single-network shapes."""
        return run_params(self.params, int(self._racer_order[racer]))

    def racer_state(self, racer: int) -> dict[str, Any]:
        """Racer ``racer``'s optimizer state in single-network shapes: ``"t"`` and every
        ``"<buffer>/<leaf>"`` (e.g. Adam's ``"v/W1"``), copies.

        For the spread of per-weight step sizes (:func:`engine.optimizers.effective_lr`).
        """
        position = int(self._racer_order[racer])
        group = next(g for g in self._groups if g.runs.start <= position < g.runs.stop)
        row, runs = position - group.runs.start, group.runs.stop - group.runs.start
        state: dict[str, Any] = {"t": group.state["t"]}
        for key, value in group.state.items():
            if key == "t":
                continue
            value = np.asarray(value)
            if value.ndim == 3 and value.shape[0] == runs:  # a per-run buffer
                value = value[row]
            if key.split("/")[-1].startswith("b") and value.ndim == 2:
                value = value[0]  # biases are stored (R, 1, n)
            state[key] = value.copy()
        return state

    def last_step(self, racer: int) -> dict[str, Params]:
        """Racer ``racer``'s gradient and update of the latest step (single-network shapes).

        For the spread of per-weight step sizes: |Δw| / |g| weight by weight.
        """
        if not self._last_step:
            raise ValueError("no step has been taken yet")
        position = int(self._racer_order[racer])
        return {kind: run_params(v, position) for kind, v in self._last_step.items()}


def train(
    network: Network,
    dataset: Dataset,
    racers: Sequence[Racer],
    steps: int,
    batch_size: int,
    **options: Any,
) -> TrainingHistory:
    """Train every racer ``steps`` updates in one batched pass; see :class:`Training`."""
    return Training(network, dataset, racers, batch_size, **options).advance(steps).history()

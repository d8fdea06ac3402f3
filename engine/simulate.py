"""Run optimizers on landscapes: one run, a batch of runs, a race, a learning-rate sweep.

Everything is batched: a start of shape (B, 2) and hyperparameters of shape (B, 1)
are B independent runs advanced together by one numpy call per step. A run that
diverges (a non-finite loss, or params that run away far beyond the landscape) is
frozen at its last sane point from that step on, and the step is reported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine import optimizers
from engine.optimizers import Optimizer

Array = np.ndarray

RUNAWAY_FACTOR = 100.0  # a run is lost once it is this many landscape half-widths from the centre


@dataclass
class Trajectory:
    """A finished (possibly batched) run.

    params: (steps+1, *batch, 2); losses: (steps+1, *batch). ``diverged_at`` is the
    first step whose loss or params stopped being sane: an int or None for a single
    run, an int array with -1 for "never" for a batch. ``final_state`` continues the
    run (pass it back as ``state=``). ``states`` and ``info`` hold per-step buffers and
    diagnostics when recorded: ``states[k]`` has shape (steps+1, …) (index 0 = before the
    first step), ``info[k]`` has shape (steps, …).
    """

    optimizer: str
    landscape: str
    params: Array
    losses: Array
    diverged_at: Any
    final_state: dict[str, Any]
    states: dict[str, Array] | None = None
    info: dict[str, Array] | None = None

    @property
    def steps(self) -> int:
        return self.params.shape[0] - 1

    @property
    def final_params(self) -> Array:
        return self.params[-1]

    @property
    def final_loss(self) -> Array | float:
        return self.losses[-1]

    @property
    def diverged(self) -> Array | bool:
        if isinstance(self.diverged_at, np.ndarray):
            return self.diverged_at >= 0
        return self.diverged_at is not None

    def steps_to(self, threshold: float) -> Array | int | None:
        """First step whose loss is at or below ``threshold`` (None / -1 if never)."""
        reached = self.losses <= threshold
        first = np.where(reached.any(axis=0), reached.argmax(axis=0), -1)
        if first.ndim == 0:
            return None if first < 0 else int(first)
        return first


def runaway_limit(landscape) -> tuple[Array, float]:
    """Centre of the landscape's bounds and the distance beyond which a run counts as lost."""
    (x0, x1), (y0, y1) = landscape.bounds
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    return centre, RUNAWAY_FACTOR * max(x1 - x0, y1 - y0) / 2


def run(
    opt: Optimizer,
    landscape,
    start,
    steps: int,
    state: Mapping[str, Any] | None = None,
    record_state: bool = False,
    record_info: bool = False,
) -> Trajectory:
    """Advance ``opt`` from ``start`` for ``steps`` updates on ``landscape``.

    ``state`` continues an earlier run (its ``"t"`` also picks the gradient noise of
    a noisy landscape, so stepping one update at a time repeats a precomputed run).
    """
    steps = int(steps)
    if steps < 0:
        raise ValueError(f"steps must be ≥ 0, got {steps}")
    params = np.array(start, dtype=float)
    if params.shape[-1:] != (2,):
        raise ValueError(f"start must have shape (..., 2), got {params.shape}")
    state = opt.init(params) if state is None else dict(state)
    t0 = int(state["t"])
    batch = params.shape[:-1]
    centre, limit = runaway_limit(landscape)

    history = np.empty((steps + 1, *params.shape))
    losses = np.empty((steps + 1, *batch))
    history[0] = params
    with np.errstate(all="ignore"):
        losses[0] = landscape.loss(params)
    alive = np.isfinite(losses[0])
    diverged_at = np.where(alive, -1, 0)
    all_alive = bool(np.all(alive))
    states = [state] if record_state else None
    infos = [] if record_info else None

    with np.errstate(all="ignore"):
        for k in range(1, steps + 1):
            grad_fn = landscape.gradient_fn(t0 + k - 1, raw=True)
            if record_info:
                new_params, new_state, notes = opt.step_with_info(params, grad_fn, state)
                infos.append(notes)
            else:
                new_params, new_state = opt.step(params, grad_fn, state)
            loss = landscape.raw_loss(new_params)
            # Fast path: everything alive and sane (a NaN fails both comparisons).
            if not (
                all_alive and loss.max() < np.inf and np.abs(new_params - centre).max() <= limit
            ):
                # Two coordinates: np.maximum of the pair is ~20× faster than max(axis=-1).
                offset = np.abs(new_params - centre)
                lost = ~np.isfinite(loss) | (np.maximum(offset[..., 0], offset[..., 1]) > limit)
                diverged_at = np.where(lost & alive, k, diverged_at)
                alive = alive & ~lost
                new_params = np.where(alive[..., None], new_params, params)
                loss = np.where(alive, loss, losses[k - 1])
                new_state = _freeze(new_state, state, alive)
                all_alive = bool(np.all(alive))
            params, state = new_params, new_state
            history[k] = params
            losses[k] = loss
            if record_state:
                states.append(state)

    if batch == ():
        diverged: Any = None if diverged_at < 0 else int(diverged_at)
    else:
        diverged = diverged_at
    return Trajectory(
        optimizer=opt.name,
        landscape=landscape.name,
        params=history,
        losses=losses,
        diverged_at=diverged,
        final_state=state,
        states=_stack(states) if record_state else None,
        info=_stack(infos) if record_info and infos else None,
    )


def _freeze(new_state: dict, old_state: Mapping, alive: Array) -> dict:
    """Keep the old buffers of runs that are no longer alive."""
    frozen = dict(new_state)
    for key, new in new_state.items():
        old = old_state.get(key)
        if key == "t" or not isinstance(new, np.ndarray) or old is None:
            continue
        if new.shape[: alive.ndim] == alive.shape:
            mask = alive.reshape(alive.shape + (1,) * (new.ndim - alive.ndim))
            frozen[key] = np.where(mask, new, old)
    return frozen


def _stack(records: list[Mapping[str, Any]]) -> dict[str, Array]:
    keys = [k for k, v in records[0].items() if k != "t" and v is not None]
    return {
        k: np.stack([np.broadcast_to(r[k], np.shape(records[-1][k])) for r in records])
        for k in keys
    }


def race(
    optimizers_: Mapping[str, Optimizer] | Sequence[str],
    landscape,
    start,
    steps: int,
    **kwargs: Any,
) -> dict[str, Trajectory]:
    """Several optimizers from one start on one landscape (names use their defaults)."""
    if not isinstance(optimizers_, Mapping):
        optimizers_ = {name: optimizers.make(name) for name in optimizers_}
    return {
        label: run(opt, landscape, start, steps, **kwargs) for label, opt in optimizers_.items()
    }


def sweep(
    name: str,
    landscape,
    start,
    steps: int,
    lrs: Sequence[float] | Array,
    **hyperparams: Any,
) -> Trajectory:
    """One optimizer over a grid of learning rates, as a single batched run.

    Returns a Trajectory whose batch axis follows ``lrs``: ``traj.losses[-1]`` is the
    final loss per learning rate.
    """
    lrs = np.asarray(lrs, dtype=float).reshape(-1)
    opt = optimizers.make(name, lr=lrs[:, None], **hyperparams)
    starts = np.broadcast_to(np.asarray(start, dtype=float), (lrs.size, 2))
    return run(opt, landscape, starts, steps)


def log_grid(low: float, high: float, n: int) -> Array:
    """n learning rates evenly spaced on a log scale from low to high."""
    if not (0 < low < high) or n < 2:
        raise ValueError("need 0 < low < high and n ≥ 2")
    return np.geomspace(low, high, int(n))

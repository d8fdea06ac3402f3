"""Runs precomputed over a hyperparameter's range, for figures with an in-figure slider.

A chapter's main idea is one hyperparameter (η, β, ρ, λ …). Dragging a slider *inside*
the Plotly figure shows its effect with no server round trip: every value's run is
computed here in one batched engine call (hyperparameters may be arrays, one per run)
and the figure carries them all (see :func:`kit.plots.sweep.sweep_map_figure`).

Pure: no Streamlit, no Plotly.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine import optimizers, simulate
from kit import own_landscape


@dataclass(frozen=True)
class SweepRuns:
    """One optimizer run per value of ``param``, all from ``start`` on ``landscape``.

    ``paths`` is (V, steps+1, 2), ``losses`` (V, steps+1); ``diverged_at`` holds, per
    value, the engine's divergence step or -1 (the run is frozen from that step on).
    """

    optimizer: str
    landscape: str
    param: str
    values: np.ndarray
    fixed: dict[str, float]
    start: tuple[float, float]
    paths: np.ndarray
    losses: np.ndarray
    diverged_at: np.ndarray

    @property
    def steps(self) -> int:
        return self.paths.shape[1] - 1

    def diverged(self, i: int) -> int | None:
        """Value ``i``'s divergence step, or None."""
        step = int(self.diverged_at[i])
        return None if step < 0 else step


def sweep_runs(
    optimizer: str,
    landscape: str,
    start: Sequence[float],
    steps: int,
    param: str,
    values: Sequence[float],
    fixed: Mapping[str, Any] | None = None,
) -> SweepRuns:
    """``optimizer`` for ``steps`` steps at each of ``values`` of ``param`` (one batched call).

    ``fixed`` holds the other hyperparameters (scalars, shared by every run).
    """
    values_arr = np.asarray(values, dtype=np.float64).reshape(-1)
    fixed = dict(fixed or {})
    opt = optimizers.make(optimizer, **fixed, **{param: values_arr[:, None]})
    land = own_landscape.get(landscape)  # a built-in name or a typed formula key
    starts = np.broadcast_to(np.asarray(start, dtype=np.float64).reshape(2), (values_arr.size, 2))
    traj = simulate.run(opt, land, starts.copy(), int(steps))
    paths = np.moveaxis(np.asarray(traj.params, dtype=np.float64), 0, 1)  # (V, steps+1, 2)
    losses = np.asarray(traj.losses, dtype=np.float64).T  # (V, steps+1)
    diverged = np.asarray(traj.diverged_at, dtype=np.int64).reshape(-1)  # -1: never
    return SweepRuns(
        optimizer=optimizer,
        landscape=landscape,
        param=param,
        values=values_arr,
        fixed=fixed,
        start=(float(starts[0, 0]), float(starts[0, 1])),
        paths=paths,
        losses=losses,
        diverged_at=diverged,
    )


def nearest_index(values: Sequence[float], value: float) -> int:
    """Index of the value closest to ``value`` (in log terms when all are positive)."""
    arr = np.asarray(values, dtype=np.float64)
    if np.all(arr > 0) and value > 0:
        return int(np.argmin(np.abs(np.log(arr) - np.log(value))))
    return int(np.argmin(np.abs(arr - value)))

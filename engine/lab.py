"""Races you can trust: sensitivity maps, seed fans and basins of attraction.

Each is one batched engine call per optimizer (a grid of hyperparameters, of seeds or
of starts as the batch axis), so a whole map costs about what one sweep costs.

- :func:`sensitivity_map`: steps-to-ε and final loss over a grid of the learning rate
  and one more hyperparameter (β, β₁ or ρ), with the best cell and the width of the
  region that reaches ε.
- :func:`seed_fan`: one racer from many gradient-noise seeds: median and 10–90 % band.
- :func:`basins`: a grid of starts coloured by the minimum each one reaches.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine import landscapes, optimizers, simulate
from engine.theory import steps_to_stay_below

Array = np.ndarray

# The second axis of each optimizer's sensitivity map (the learning rate is the first).
SECOND_AXIS: dict[str, str] = {
    "momentum": "beta",
    "nesterov": "beta",
    "adam": "beta1",
    "adamw": "beta1",
    "lion": "beta1",
    "rmsprop": "rho",
}

# Basin labels besides the index of the minimum reached.
DIVERGED, TRAVELLING = -1, -2


@dataclass(frozen=True)
class SensitivityMap:
    """Results over a grid: rows follow ``second_values``, columns ``lrs``."""

    optimizer: str
    second: str  # the second hyperparameter's name
    lrs: Array
    second_values: Array
    steps_to: Array  # first step from which the loss stays ≤ threshold, -1 never
    final_loss: Array  # last sane loss (a diverged run keeps the loss it diverged from)
    diverged: Array
    threshold: float

    @property
    def reached(self) -> Array:
        return self.steps_to >= 0

    @property
    def best_cell(self) -> tuple[int, int] | None:
        """(row, column) of the fewest steps to ε, ties to the lower loss; None if no cell."""
        if not self.reached.any():
            return None
        steps = np.where(self.reached, self.steps_to, np.iinfo(np.int64).max)
        order = np.lexsort((self.final_loss.ravel(), steps.ravel()))
        row, col = np.unravel_index(order[0], steps.shape)
        return int(row), int(col)

    @property
    def good_fraction(self) -> float:
        """Share of the grid's cells that reach ε."""
        return float(self.reached.mean())

    @property
    def good_decades(self) -> float:
        """How many decades of learning rate reach ε at the best cell's second value.

        The width of the longest unbroken run of good rates through the best rate: how
        forgiving the optimizer is about η once the other knob is set well.
        """
        best = self.best_cell
        if best is None:
            return 0.0
        row, col = best
        good = self.reached[row]
        low = col
        while low > 0 and good[low - 1]:
            low -= 1
        high = col
        while high < good.size - 1 and good[high + 1]:
            high += 1
        return float(np.log10(self.lrs[high] / self.lrs[low]))


def sensitivity_map(
    name: str,
    landscape: landscapes.Landscape,
    start,
    steps: int,
    lrs: Sequence[float] | Array,
    second_values: Sequence[float] | Array,
    threshold: float = 1e-3,
    **hyperparams: Any,
) -> SensitivityMap:
    """Run ``name`` at every (η, second) of the grid as one batched engine call."""
    if name not in SECOND_AXIS:
        raise ValueError(
            f"no sensitivity map for {name!r}; maps exist for {', '.join(SECOND_AXIS)}"
        )
    second = SECOND_AXIS[name]
    lrs = np.asarray(lrs, dtype=float).reshape(-1)
    values = np.asarray(second_values, dtype=float).reshape(-1)
    lr_grid, second_grid = np.meshgrid(lrs, values)
    opt = optimizers.make(
        name, lr=lr_grid[..., None], **{second: second_grid[..., None]}, **hyperparams
    )
    starts = np.broadcast_to(np.asarray(start, dtype=float), lr_grid.shape + (2,))
    traj = simulate.run(opt, landscape, starts, steps)
    return SensitivityMap(
        optimizer=name,
        second=second,
        lrs=lrs,
        second_values=values,
        steps_to=steps_to_stay_below(traj.losses, threshold),
        final_loss=traj.losses[-1],
        diverged=traj.diverged_at >= 0,
        threshold=float(threshold),
    )


@dataclass(frozen=True)
class SeedFan:
    """One racer run from many noise seeds (batch axis = seeds)."""

    optimizer: str
    seeds: Array
    params: Array  # (steps+1, n_seeds, 2)
    losses: Array  # (steps+1, n_seeds)
    diverged: Array

    def quantiles(self, q: Sequence[float] = (0.1, 0.5, 0.9)) -> Array:
        """Loss quantiles per step across seeds, shape (len(q), steps+1)."""
        return np.quantile(self.losses, q, axis=1)

    @property
    def median_final(self) -> float:
        return float(np.median(self.losses[-1]))

    @property
    def final_band(self) -> tuple[float, float]:
        low, high = np.quantile(self.losses[-1], (0.1, 0.9))
        return float(low), float(high)


def seed_fan(
    opt: optimizers.Optimizer,
    landscape: landscapes.Landscape,
    start,
    steps: int,
    sigma: float,
    seeds: Sequence[int] | Array = tuple(range(32)),
) -> SeedFan:
    """``opt`` from one start under gradient noise of std ``sigma``, once per seed.

    Run ``i`` equals the single run on ``landscapes.noisy(landscape, sigma, seed=seeds[i])``.
    """
    seeds = np.asarray(seeds, dtype=int).reshape(-1)
    noisy = landscapes.noisy(landscape, sigma, seed=seeds)
    starts = np.broadcast_to(np.asarray(start, dtype=float), (seeds.size, 2))
    traj = simulate.run(opt, noisy, starts, steps)
    return SeedFan(opt.name, seeds, traj.params, traj.losses, traj.diverged_at >= 0)


def bands_overlap(a: SeedFan, b: SeedFan) -> bool:
    """True when two racers' final 10–90 % bands overlap: no clear winner between them."""
    (a_low, a_high), (b_low, b_high) = a.final_band, b.final_band
    return a_low <= b_high and b_low <= a_high


def rank_fans(fans: Mapping[str, SeedFan]) -> list[tuple[str, float, bool]]:
    """Racers by median final loss: (label, median, clear of the next one's band)."""
    order = sorted(fans, key=lambda label: fans[label].median_final)
    ranked = []
    for i, label in enumerate(order):
        clear = i + 1 == len(order) or not bands_overlap(fans[label], fans[order[i + 1]])
        ranked.append((label, fans[label].median_final, clear))
    return ranked


@dataclass(frozen=True)
class Basins:
    """Which minimum each start of an n×n grid reaches (rows y, columns x)."""

    optimizer: str
    xs: Array
    ys: Array
    label: Array  # index into ``minima``, or DIVERGED / TRAVELLING
    minima: tuple[tuple[float, float], ...]

    def share(self, label: int) -> float:
        return float((self.label == label).mean())


def basins(
    opt: optimizers.Optimizer,
    landscape: landscapes.Landscape,
    n: int = 64,
    steps: int = 500,
    tolerance: float | None = None,
) -> Basins:
    """Run ``opt`` from every start of an n×n grid over the landscape's box, as one batch.

    A start is labelled with the minimum its run ends within ``tolerance`` of (default 2 %
    of the box's larger side), DIVERGED if the run diverged, TRAVELLING otherwise.
    """
    if not landscape.minima:
        raise ValueError(f"{landscape.title} declares no minima to colour basins by")
    n = int(n)
    if n < 2:
        raise ValueError(f"the grid needs n ≥ 2 starts a side, got {n}")
    (x0, x1), (y0, y1) = landscape.bounds
    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    starts = np.stack(np.meshgrid(xs, ys), axis=-1)
    traj = simulate.run(opt, landscape, starts, steps)
    tolerance = 0.02 * max(x1 - x0, y1 - y0) if tolerance is None else float(tolerance)
    minima = np.asarray(landscape.minima, dtype=float)
    distance = np.linalg.norm(traj.params[-1][..., None, :] - minima, axis=-1)
    nearest = distance.argmin(axis=-1)
    label = np.where(distance.min(axis=-1) <= tolerance, nearest, TRAVELLING)
    label = np.where(traj.diverged_at >= 0, DIVERGED, label)
    return Basins(opt.name, xs, ys, label, tuple(map(tuple, landscape.minima)))

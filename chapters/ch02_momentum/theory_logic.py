"""Chapter 2's theory of the ravine, as pure logic: the closed forms on screen, the
(η, β) plane predicted and measured, and one run at a chosen (η, β). No Streamlit, no
Plotly.

Every number comes from :mod:`engine.theory` (closed forms, spectral radii, rates
fitted from batched runs) and :mod:`engine.simulate` (the run shown), at render time.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine import landscapes, optimizers, simulate
from engine.theory import (
    DIVERGES,
    MONOTONE,
    OSCILLATES,
    REGION_NAMES,
    Ravine,
    fitted_rate,
    measured_rates,
    predicted_steps_to,
    steps_to_stay_below,
)
from kit.format import fmt

# The κ slider: how much steeper the walls are than the floor (λ_min stays fixed).
KAPPAS: tuple[int, ...] = (4, 10, 20, 40, 80, 160, 400, 1000)
DEFAULT_KAPPA = int(round(landscapes.RAVINE_CURVATURES[0] / landscapes.RAVINE_CURVATURES[1]))
GRID_N = 48  # cells a side of both maps (predicted and measured)
MAP_STEPS = 200  # steps of the batched run behind the measured map
RUN_STEPS = 300  # steps of the run shown at the chosen (η, β)
EPSILON = 1e-3  # "arrived": the loss stays at or below this
# The η axis in units of 1/λ_max: from far too cautious to past momentum's limit 4/λ_max.
LR_SPAN = (0.01, 4.4)
BETA_MAX = 0.99
# The keyboard inputs accept any η in this range (beyond the map, a run may diverge).
LR_INPUT_RANGE = (1e-5, 5.0)

REGION_TEXT = {
    MONOTONE: "monotone: every direction creeps in from one side",
    OSCILLATES: "oscillates: at least one direction swings across the minimum",
    DIVERGES: "diverges: the error grows every step",
}


def ravine_for(kappa: float) -> Ravine:
    """The chapter's ravine made κ times steeper across than along (λ_min as the engine's)."""
    return Ravine.with_condition(float(kappa))


def lr_grid(ravine: Ravine, n: int = GRID_N) -> np.ndarray:
    """Learning rates of the map: a log grid scaled to the steepest curvature."""
    low, high = LR_SPAN
    return np.geomspace(low / ravine.lam_max, high / ravine.lam_max, n)


def beta_grid(n: int = GRID_N) -> np.ndarray:
    return np.linspace(0.0, BETA_MAX, n)


def start_loss(ravine: Ravine) -> float:
    land = ravine.landscape()
    return float(land.loss(np.asarray(land.start, dtype=float)))


@dataclass(frozen=True)
class ClosedForms:
    """The numbers the section states, every one from :class:`engine.theory.Ravine`."""

    lam_min: float
    lam_max: float
    kappa: float
    gd_lr: float
    gd_rate: float
    gd_steps: float  # predicted steps to ε at the best η (inf: never)
    momentum_lr: float
    momentum_beta: float
    momentum_rate: float
    momentum_steps: float

    @property
    def speedup(self) -> float:
        """How many times fewer steps momentum's best needs than GD's best."""
        return self.gd_steps / self.momentum_steps if self.momentum_steps > 0 else math.inf


def closed_forms(kappa: float, epsilon: float = EPSILON) -> ClosedForms:
    ravine = ravine_for(kappa)
    lr, beta, rate = ravine.momentum_best
    first = start_loss(ravine)
    return ClosedForms(
        lam_min=ravine.lam_min,
        lam_max=ravine.lam_max,
        kappa=ravine.kappa,
        gd_lr=ravine.gd_best_lr,
        gd_rate=ravine.gd_best_rate,
        gd_steps=float(predicted_steps_to(ravine.gd_best_rate, first, epsilon)),
        momentum_lr=lr,
        momentum_beta=beta,
        momentum_rate=rate,
        momentum_steps=float(predicted_steps_to(rate, first, epsilon)),
    )


@dataclass(frozen=True)
class PlaneMaps:
    """The (η, β) plane: rows follow ``betas``, columns ``lrs``."""

    kappa: float
    lrs: np.ndarray
    betas: np.ndarray
    predicted: np.ndarray  # spectral radius (≥ 1: diverges)
    regions: np.ndarray  # MONOTONE / OSCILLATES / DIVERGES
    measured: np.ndarray  # rate fitted from the batched run (inf: diverged, NaN: unfit)
    measured_diverged: np.ndarray

    @property
    def agreement(self) -> float:
        """Median |measured − predicted| over the cells where both are finite and < 1."""
        both = np.isfinite(self.measured) & (self.predicted < 1) & ~self.measured_diverged
        if not both.any():
            return math.nan
        return float(np.median(np.abs(self.measured[both] - self.predicted[both])))

    @property
    def divergence_agrees(self) -> float:
        """Share of cells where the run diverged exactly where the theory says rate ≥ 1.

        Cells on the edge (rate within 2 % of 1) are left out: there the run may take
        longer than the batch's steps to leave the sane range.
        """
        clear = np.abs(self.predicted - 1) > 0.02
        if not clear.any():
            return math.nan
        said = self.predicted >= 1
        return float((said[clear] == self.measured_diverged[clear]).mean())


def plane_maps(kappa: float, n: int = GRID_N, steps: int = MAP_STEPS) -> PlaneMaps:
    """Both maps of the plane: the spectral radius everywhere, and one batched run of
    every cell (:func:`engine.theory.measured_rates`) with its fitted rate."""
    ravine = ravine_for(kappa)
    lrs, betas = lr_grid(ravine, n), beta_grid(n)
    lr_mesh, beta_mesh = np.meshgrid(lrs, betas)
    measured = measured_rates(ravine, lrs, betas, steps=steps)
    return PlaneMaps(
        kappa=ravine.kappa,
        lrs=lrs,
        betas=betas,
        predicted=ravine.momentum_rate(lr_mesh, beta_mesh),
        regions=ravine.momentum_region(lr_mesh, beta_mesh),
        measured=measured.rate,
        measured_diverged=measured.diverged,
    )


def region_label_cells(regions: np.ndarray) -> dict[int, tuple[int, int]]:
    """For each region present, a (row, column) cell inside it where its label can sit:
    the region's cell closest to the region's centre (so the label is on the region)."""
    cells = {}
    for code in (MONOTONE, OSCILLATES, DIVERGES):
        rows, cols = np.nonzero(regions == code)
        if rows.size == 0:
            continue
        centre_row, centre_col = rows.mean(), cols.mean()
        nearest = int(np.argmin((rows - centre_row) ** 2 + (cols - centre_col) ** 2))
        cells[code] = (int(rows[nearest]), int(cols[nearest]))
    return cells


# --------------------------------------------------------------------------- one run


@dataclass(frozen=True)
class PointRun:
    """Momentum at one (η, β) on the ravine: the run, and what theory said it would do."""

    kappa: float
    lr: float
    beta: float
    path: np.ndarray  # (steps+1, 2)
    losses: np.ndarray
    diverged_at: int  # -1: never
    predicted_rate: float
    measured_rate: float  # fitted from the run's loss curve (NaN: too fast to fit)
    region: int
    predicted_steps: float  # inf: never
    measured_steps: int  # -1: not within the run

    @property
    def region_name(self) -> str:
        return REGION_NAMES[self.region]


def point_run(kappa: float, lr: float, beta: float, steps: int = RUN_STEPS) -> PointRun:
    """Run momentum at (η, β) from the ravine's start and set it beside the theory."""
    ravine = ravine_for(kappa)
    land = ravine.landscape()
    opt = optimizers.make("momentum", lr=float(lr), beta=float(beta))
    traj = simulate.run(opt, land, np.asarray(land.start, dtype=float), steps)
    losses = np.asarray(traj.losses, dtype=float)
    diverged_at = -1 if traj.diverged_at is None else int(traj.diverged_at)
    predicted_rate = float(ravine.momentum_rate(lr, beta))
    measured_rate = math.inf if diverged_at >= 0 else float(fitted_rate(losses))
    return PointRun(
        kappa=ravine.kappa,
        lr=float(lr),
        beta=float(beta),
        path=np.asarray(traj.params, dtype=float).reshape(-1, 2),
        losses=losses,
        diverged_at=diverged_at,
        predicted_rate=predicted_rate,
        measured_rate=measured_rate,
        region=int(ravine.momentum_region(lr, beta)),
        predicted_steps=float(predicted_steps_to(predicted_rate, float(losses[0]), EPSILON)),
        measured_steps=-1 if diverged_at >= 0 else int(steps_to_stay_below(losses, EPSILON)),
    )


def steps_label(steps: float, horizon: int | None = None) -> str:
    """Steps to ε as text: a count, "never" (rate ≥ 1), or "more than N" (not in the run)."""
    if horizon is not None and steps < 0:
        return f"not within {horizon}"
    if not math.isfinite(steps):
        return "never"
    return f"{int(steps):,}"


def run_sentence(run: PointRun, steps: int = RUN_STEPS) -> str:
    """What the run on screen did, against what the theory predicted."""
    where = f"At η = {fmt(run.lr, 3)}, β = {fmt(run.beta, 3)} the theory says **{run.region_name}**"
    if run.predicted_rate >= 1:
        said = f"{where} (rate {fmt(run.predicted_rate, 3)} ≥ 1)."
        if run.diverged_at >= 0:
            return f"{said} The engine's run diverged at step {run.diverged_at}."
        return f"{said} The engine's run had not left the map after {steps} steps."
    said = (
        f"{where}, with the error shrinking by {fmt(run.predicted_rate, 4)} a step: "
        f"loss ≤ {EPSILON:g} after {steps_label(run.predicted_steps)} steps."
    )
    if run.diverged_at >= 0:
        return f"{said} The engine's run diverged at step {run.diverged_at}."
    if run.measured_steps < 0:
        return f"{said} The engine's run was still above {EPSILON:g} after {steps} steps."
    fitted = (
        f" (fitted rate {fmt(run.measured_rate, 4)})" if math.isfinite(run.measured_rate) else ""
    )
    return f"{said} The engine's run got there at step {run.measured_steps}{fitted}."


# --------------------------------------------------------------------------- picking


def nearest_index(values: Sequence[float] | np.ndarray, value: float, log: bool = False) -> int:
    values = np.asarray(values, dtype=float)
    if log:
        return int(np.argmin(np.abs(np.log(values) - math.log(max(value, 1e-300)))))
    return int(np.argmin(np.abs(values - value)))


def _selected_points(selection: Any) -> list[Any]:
    """The clicked points of a chart selection (a dict-like or an object with ``points``);
    as :func:`kit.clicks.selected_points`, which this pure module cannot import."""
    try:
        points = selection["points"]
    except (KeyError, TypeError, IndexError):
        points = getattr(selection, "points", None)
    return list(points or ())


def pick_plane_point(
    selection: Any, lrs: np.ndarray, betas: np.ndarray
) -> tuple[float, float] | None:
    """The (η, β) a click on the plane chose, or None.

    A clicked point carries ``customdata`` [η, β] (the click grid's cells); failing
    that, its x (log₁₀ η) and y (β) are snapped to the nearest cell.
    """
    for point in _selected_points(selection):
        try:
            data = point.get("customdata") if hasattr(point, "get") else None
        except TypeError:
            data = None
        try:
            if isinstance(data, list | tuple) and len(data) >= 2:
                lr, beta = float(data[0]), float(data[1])
            else:
                lr, beta = 10 ** float(point["x"]), float(point["y"])
        except (KeyError, TypeError, ValueError, OverflowError):
            continue
        if not (math.isfinite(lr) and math.isfinite(beta)):
            continue
        i = nearest_index(lrs, lr, log=True)
        j = nearest_index(betas, beta)
        return float(lrs[i]), float(betas[j])
    return None

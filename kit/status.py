"""What is this run doing? A pure classifier of a run's history, shown as a status badge.

The statuses are the lesson's vocabulary: *converging*, *crawling* (η too small),
*diverging* (η too large) and *stalled at a saddle* (gradient ≈ 0 but some direction
still curves down), plus *ready* before the first step, *converged* at a minimum and
*picking up speed* (each step longer than the last, as when the ball rolls off a saddle:
slow, but not because η is too small).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kit import own_landscape
from kit.state import Run, landscape_of

GRAD_TOL = 1e-3  # a gradient this small means the ball has stopped
LOSS_TOL = 1e-6  # a loss this close to the floor counts as the minimum
CRAWL_RATE = 0.05  # less than 5 % of the remaining gap closed per step is a crawl
WINDOW = 8  # steps looked at to judge the current trend
SPEEDUP_STEPS = 3  # this many steps in a row, each longer than the last, is acceleration


@dataclass(frozen=True)
class RunStatus:
    code: str  # ready | converging | converged | crawling | accelerating | oscillating |
    # diverging | saddle
    label: str
    detail: str


def classify_run(
    losses: np.ndarray,
    *,
    diverged_at: int | None = None,
    grad_norm: float | None = None,
    min_curvature: float | None = None,
    loss_floor: float = 0.0,
    start_grad_norm: float | None = None,
    path: np.ndarray | None = None,
    window: int = WINDOW,
) -> RunStatus:
    """Classify a run from its loss history and the local slope and curvature.

    Parameters
    ----------
    losses
        Loss at steps 0…n.
    diverged_at
        The engine's divergence step, if any.
    grad_norm
        ‖∇L‖ at the current point.
    min_curvature
        The smallest Hessian-diagonal entry at the current point (negative on a saddle).
    loss_floor
        The lowest loss the landscape can reach (the engine's landscapes use 0).
    start_grad_norm
        ‖∇L‖ at the start: a stall counts as a saddle only once the slope has fallen
        well below it (otherwise the ball is merely crawling towards the saddle).
    path
        Positions at steps 0…n; lets a steady bounce between two walls be told apart
        from a crawl.
    window
        How many recent steps decide the trend.
    """
    losses = np.asarray(losses, dtype=np.float64)
    n = len(losses) - 1
    if diverged_at is not None:
        return RunStatus(
            "diverging",
            "Diverging",
            f"The loss blew up at step {diverged_at}: the learning rate is too large.",
        )
    if n <= 0:
        return RunStatus("ready", "Ready", "Press Step or Play to start descending.")
    if not np.all(np.isfinite(losses)):
        return RunStatus("diverging", "Diverging", "The loss is no longer a finite number.")

    gap = losses - loss_floor
    recent = gap[max(0, n - window) :]
    current = float(gap[-1])
    slope_small = grad_norm is not None and grad_norm < GRAD_TOL

    if current <= LOSS_TOL:
        return RunStatus("converged", "Converged", "The ball has reached the minimum.")
    if slope_small:
        if min_curvature is not None and min_curvature < 0:
            return RunStatus(
                "saddle",
                "Stalled at a saddle",
                "The gradient is almost zero, yet the ground still curves down one way: "
                "a saddle point, not a minimum.",
            )
        return RunStatus("converged", "Converged", "The gradient has vanished at a minimum.")

    # Growing loss over the recent window (every bounce higher than the last): diverging.
    rising = np.diff(recent)
    if len(rising) >= 2 and np.all(rising > 0) and recent[-1] > 2 * max(float(gap[0]), 1e-12):
        return RunStatus(
            "diverging",
            "Diverging",
            "Each step lands higher than the last: the learning rate is too large.",
        )
    if len(rising) >= 1 and current > float(gap[0]) and rising[-1] > 0:
        return RunStatus(
            "diverging",
            "Diverging",
            "The loss is above where it started and still rising.",
        )

    # Average fraction of the remaining gap closed per step over the window.
    first = float(recent[0])
    steps = len(recent) - 1
    if first > 0 and steps > 0 and current > 0:
        rate = 1.0 - (current / first) ** (1.0 / steps)
    else:
        rate = 1.0
    if rate < CRAWL_RATE:
        near_flat = grad_norm is not None and (
            start_grad_norm is None or grad_norm < 0.1 * start_grad_norm
        )
        if min_curvature is not None and min_curvature < 0 and near_flat:
            return RunStatus(
                "saddle",
                "Stalled at a saddle",
                "Progress has almost stopped on a plateau that curves down one way.",
            )
        if _accelerating(gap, None if path is None else np.asarray(path, dtype=np.float64)):
            off_saddle = min_curvature is not None and min_curvature < 0
            return RunStatus(
                "accelerating",
                "Picking up speed",
                "Each step is longer than the last and the loss falls faster every step"
                + (
                    ": the ball is rolling off the saddle down the side that curves down."
                    if off_saddle
                    else ": the ground is getting steeper, so the ball is speeding up."
                ),
            )
        if path is not None and _bouncing(np.asarray(path, dtype=np.float64), window):
            return RunStatus(
                "oscillating",
                "Bouncing",
                "The ball jumps from wall to wall without getting lower: the learning rate "
                "is right at the edge of stability in the steep direction.",
            )
        return RunStatus(
            "crawling",
            "Crawling",
            f"Only {100 * max(rate, 0.0):.2g} % of the remaining loss goes per step: "
            "the learning rate is too small for this landscape.",
        )
    return RunStatus(
        "converging",
        "Converging",
        f"About {100 * rate:.2g} % of the remaining loss goes per step.",
    )


def _accelerating(gap: np.ndarray, path: np.ndarray | None) -> bool:
    """True when the last :data:`SPEEDUP_STEPS` steps each lowered the loss by more than
    the one before (and, given the path, each was longer than the one before)."""
    if len(gap) < SPEEDUP_STEPS + 2:
        return False
    drops = -np.diff(gap[-(SPEEDUP_STEPS + 2) :])
    if not (np.all(drops > 0) and np.all(np.diff(drops) > 0)):
        return False
    if path is None or len(path) < SPEEDUP_STEPS + 2:
        return True
    lengths = np.linalg.norm(np.diff(path[-(SPEEDUP_STEPS + 2) :], axis=0), axis=-1)
    return bool(np.all(np.diff(lengths) > 0))


def _bouncing(path: np.ndarray, window: int) -> bool:
    """True when some coordinate's step flips sign on every recent step, with no shrinkage."""
    steps = np.diff(path[-(window + 1) :], axis=0)
    if len(steps) < 3:
        return False
    flips = np.all(steps[1:] * steps[:-1] < 0, axis=0)
    sizes = np.abs(steps)
    steady = sizes[-1] >= 0.9 * sizes[0]
    return bool(np.any(flips & steady))


def run_status(run: Run) -> RunStatus:
    """The status badge of ``run`` from its history and the local slope and curvature."""
    land = landscape_of(run.landscape)  # a built-in landscape or a typed formula
    with np.errstate(all="ignore"):
        grad_norm = float(np.linalg.norm(land.grad(run.params)))
        start_grad = float(np.linalg.norm(land.grad(run.path[0])))
        curvature = float(np.min(land.hessian_diag(run.params)))
    if run.diverged_at is not None and own_landscape.is_formula_key(run.landscape):
        # A typed formula has gaps: a run can stop there without η being too large.
        where = "at the start" if run.diverged_at == 0 else f"at step {run.diverged_at}"
        return RunStatus(
            "diverging",
            "Diverged",
            f"The loss stopped being a finite number {where}: the ball stepped into a gap "
            "(where the formula is not a number) or flew off (η too large).",
        )
    return classify_run(
        run.losses,
        diverged_at=run.diverged_at,
        grad_norm=grad_norm if np.isfinite(grad_norm) else None,
        min_curvature=curvature if np.isfinite(curvature) else None,
        start_grad_norm=start_grad if np.isfinite(start_grad) else None,
        path=run.path,
    )

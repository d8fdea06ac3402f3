"""Minima and a default start for a landscape whose minima nobody wrote down.

Built-in landscapes list their minima exactly; a typed formula's are found numerically:
the loss on a grid over the view box, its interior grid-local minima as candidates,
each polished by damped Newton steps (Levenberg–Marquardt, the Hessian from central
differences of the analytic gradient), then deduplicated. The result is approximate:
exact to many digits for a smooth function, to about a grid cell at a kink (``abs``,
``max``) or on a flat floor.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.landscapes import Bounds, Point

__all__ = ["default_start", "find_minima", "grid_values"]

GRID_POINTS = 81  # per side: Rastrigin-like dimples 1/4 of a box apart still show
MAX_CANDIDATES = 24
POLISH_STEPS = 60
MAX_MARKED = 8
_START_FRACTIONS = (
    (0.125, 0.875),  # upper left first, like the built-ins' starts
    (0.875, 0.875),
    (0.125, 0.125),
    (0.875, 0.125),
    (0.5, 0.875),
    (0.125, 0.5),
    (0.875, 0.5),
    (0.5, 0.125),
    (0.25, 0.75),
    (0.75, 0.25),
    (0.5, 0.5),
)


def grid_values(land: Any, n: int = GRID_POINTS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points ``(n, n, 2)``, float64 losses ``(n, n)`` and the cell size (dx, dy)."""
    (x0, x1), (y0, y1) = land.bounds
    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    points = np.stack(np.meshgrid(xs, ys), axis=-1)
    return points, land.loss(points), np.array([xs[1] - xs[0], ys[1] - ys[0]])


def _grid_local_minima(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of interior points no higher than their 8 neighbours."""
    z = np.where(np.isfinite(z), z, np.inf)
    centre = z[1:-1, 1:-1]
    lowest = np.isfinite(centre)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            if di or dj:
                lowest &= centre <= z[1 + di : z.shape[0] - 1 + di, 1 + dj : z.shape[1] - 1 + dj]
    rows, cols = np.nonzero(lowest)
    return rows + 1, cols + 1


def _polish(land: Any, points: np.ndarray, bounds: Bounds, cell: np.ndarray) -> np.ndarray:
    """Damped Newton steps from each point, kept inside the box; a step that does not
    lower the loss is refused and the damping raised (so it tends to a gradient step)."""
    lo = np.array([bounds[0][0], bounds[1][0]])
    hi = np.array([bounds[0][1], bounds[1][1]])
    h = 1e-6 * np.maximum(hi - lo, 1e-9)
    p = points.copy()
    f = land.loss(p)
    damping = np.full(len(p), 1e-3)
    ex, ey = np.array([h[0], 0.0]), np.array([0.0, h[1]])
    with np.errstate(all="ignore"):
        for _ in range(POLISH_STEPS):
            g = land.grad(p)
            gxp, gxm, gyp, gym = (land.grad(p + e) for e in (ex, -ex, ey, -ey))
            hxx = (gxp[:, 0] - gxm[:, 0]) / (2 * h[0])
            hyy = (gyp[:, 1] - gym[:, 1]) / (2 * h[1])
            hxy = (gxp[:, 1] - gxm[:, 1]) / (4 * h[0]) + (gyp[:, 0] - gym[:, 0]) / (4 * h[1])
            scale = 1.0 + np.abs(hxx) + np.abs(hyy)
            a, d = hxx + damping * scale, hyy + damping * scale
            det = a * d - hxy * hxy
            step = -np.stack([d * g[:, 0] - hxy * g[:, 1], a * g[:, 1] - hxy * g[:, 0]], -1)
            step /= det[:, None]
            # Never jump more than a few grid cells: a candidate refines its own basin.
            step = np.clip(step, -4 * cell, 4 * cell)
            trial = np.clip(p + step, lo, hi)
            f_trial = land.loss(trial)
            better = (a > 0) & (det > 0) & np.isfinite(f_trial) & (f_trial < f)
            p = np.where(better[:, None], trial, p)
            f = np.where(better, f_trial, f)
            damping = np.clip(np.where(better, damping / 4, damping * 8), 1e-12, 1e12)
            if not better.any() and damping.min() >= 1e12:
                break
    return p


def find_minima(land: Any) -> tuple[tuple[Point, ...], tuple[Point, ...]] | None:
    """``(lowest minima, local minima)`` inside the view box, or None if the loss is
    not finite anywhere on the grid.

    Local minima are sorted by loss (at most :data:`MAX_MARKED`); the lowest are those
    within a relative 1e-9 of the loss range of the best one (several when they tie,
    like Himmelblau's four). Both are empty when no minimum lies inside the box
    (``f = x``: the lowest point is on its edge).
    """
    points, z, cell = grid_values(land)
    finite = np.isfinite(z)
    if not finite.any():
        return None
    rows, cols = _grid_local_minima(z)
    if rows.size == 0:
        return (), ()
    order = np.argsort(z[rows, cols], kind="stable")[:MAX_CANDIDATES]
    polished = _polish(land, points[rows[order], cols[order]], land.bounds, cell)
    losses = land.loss(polished)
    kept: list[np.ndarray] = []
    kept_losses: list[float] = []
    for i in np.argsort(losses, kind="stable"):
        if not np.isfinite(losses[i]):
            continue
        if any(np.all(np.abs(polished[i] - q) <= cell) for q in kept):
            continue
        kept.append(polished[i])
        kept_losses.append(float(losses[i]))
    if not kept:
        return (), ()
    spread = float(np.max(z[finite]) - np.min(z[finite]))
    tolerance = 1e-9 * max(spread, 1.0)
    local = tuple((float(p[0]), float(p[1])) for p in kept[:MAX_MARKED])
    lowest = tuple(
        pt for pt, v in zip(local, kept_losses, strict=False) if v <= kept_losses[0] + tolerance
    )
    return lowest, local


def default_start(land: Any, minima: tuple[Point, ...]) -> Point | None:
    """A start inside the box where loss and gradient are finite, away from the minima.

    Tries fixed fractions of the box, upper left first; None if the loss is finite at
    none of them nor anywhere on the grid.
    """
    (x0, x1), (y0, y1) = land.bounds
    away = 0.2 * min(x1 - x0, y1 - y0)
    fallback: Point | None = None
    for fx, fy in _START_FRACTIONS:
        point = (round(x0 + fx * (x1 - x0), 6), round(y0 + fy * (y1 - y0), 6))
        xy = np.asarray(point)
        loss, grad = land.loss(xy), land.grad(xy)
        if not (np.isfinite(loss) and np.all(np.isfinite(grad))):
            continue
        if fallback is None:
            fallback = point
        far = all(np.hypot(point[0] - mx, point[1] - my) > away for mx, my in minima)
        if far and np.any(grad != 0):
            return point
    if fallback is not None:
        return fallback
    points, z, _ = grid_values(land)
    finite = np.argwhere(np.isfinite(z))
    if finite.size == 0:
        return None
    i, j = finite[len(finite) // 2]
    return (float(points[i, j, 0]), float(points[i, j, 1]))

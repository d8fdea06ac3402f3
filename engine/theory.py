"""What theory predicts for gradient descent and momentum on a quadratic ravine.

On L(x, y) = ½(λ_max x² + λ_min y²) every method the course runs is linear, so its
speed is set by its iteration matrix in each eigen-direction (Polyak 1964; Goh, "Why
Momentum Really Works", Distill 2017):

- gradient descent, x ← (1 − ηλ)x, contracts by |1 − ηλ| per step; the worst direction
  sets the rate max(|1 − ηλ_min|, |1 − ηλ_max|), best at η = 2/(λ_min + λ_max) with rate
  (κ − 1)/(κ + 1), κ = λ_max/λ_min;
- heavy-ball momentum as the engine (and torch) runs it, v ← βv + g, x ← x − ηv, is
  x_{t+1} = (1 + β − ηλ)x_t − βx_{t−1}: the 2×2 matrix [[1 + β − ηλ, −β], [1, 0]] per
  direction, whose spectral radius is the rate; best at η* = (2/(√λ_min + √λ_max))²,
  β* = ((√κ − 1)/(√κ + 1))², with rate √β*.

:func:`measured_rates` checks the prediction against the engine: every (η, β) of a grid
is run as one batched simulation and its rate fitted from the loss curve.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from engine import landscapes, optimizers, simulate

Array = np.ndarray

# Regions of the (η, β) plane, as codes in a map.
MONOTONE, OSCILLATES, DIVERGES = 0, 1, 2
REGION_NAMES = {MONOTONE: "monotone", OSCILLATES: "oscillates", DIVERGES: "diverges"}


@dataclass(frozen=True)
class Ravine:
    """The quadratic ravine ½(λ_max x² + λ_min y²) and its closed forms."""

    lam_min: float
    lam_max: float

    def __post_init__(self) -> None:
        if not (0 < self.lam_min <= self.lam_max) or not math.isfinite(self.lam_max):
            raise ValueError(
                f"need 0 < λ_min ≤ λ_max, finite; got {self.lam_min!r}, {self.lam_max!r}"
            )

    @classmethod
    def with_condition(cls, kappa: float, lam_min: float = landscapes.RAVINE_CURVATURES[1]):
        """A ravine of condition number κ ≥ 1 (λ_min fixed, the walls steepen with κ)."""
        if not (math.isfinite(kappa) and kappa >= 1):
            raise ValueError(f"the condition number κ must be ≥ 1, got {kappa!r}")
        return cls(lam_min, kappa * lam_min)

    @property
    def kappa(self) -> float:
        return self.lam_max / self.lam_min

    @property
    def curvatures(self) -> Array:
        return np.array([self.lam_max, self.lam_min])

    def landscape(self) -> landscapes.Landscape:
        return landscapes.quadratic_ravine(self.lam_max, self.lam_min)

    # ---------------------------------------------------------------- gradient descent

    def gd_rate(self, lr: Array | float) -> Array:
        """max |1 − ηλ| over the two directions: the distance shrinks by this per step."""
        lr = np.asarray(lr, dtype=float)[..., None]
        return np.abs(1 - lr * self.curvatures).max(axis=-1)

    @property
    def gd_best_lr(self) -> float:
        return 2 / (self.lam_min + self.lam_max)

    @property
    def gd_best_rate(self) -> float:
        return (self.kappa - 1) / (self.kappa + 1)

    # ---------------------------------------------------------------- momentum

    def momentum_eigenvalues(self, lr: Array | float, beta: Array | float) -> Array:
        """Eigenvalues of the iteration matrix, shape (..., 2 directions, 2 roots), complex."""
        lr = np.asarray(lr, dtype=float)[..., None]
        beta = np.asarray(beta, dtype=float)[..., None]
        trace = 1 + beta - lr * self.curvatures  # z² − trace·z + β = 0
        root = np.sqrt((trace * trace - 4 * beta).astype(complex))
        return np.stack([(trace + root) / 2, (trace - root) / 2], axis=-1)

    def momentum_rate(self, lr: Array | float, beta: Array | float) -> Array:
        """Spectral radius of momentum's iteration, worst direction: error shrinks by this."""
        return np.abs(self.momentum_eigenvalues(lr, beta)).max(axis=(-2, -1))

    def momentum_region(self, lr: Array | float, beta: Array | float) -> Array:
        """DIVERGES (rate ≥ 1), OSCILLATES (a direction swings: complex or negative
        eigenvalues) or MONOTONE (every direction creeps in from one side)."""
        eig = self.momentum_eigenvalues(lr, beta)
        swings = ((np.abs(eig.imag) > 1e-12) | (eig.real < 0)).any(axis=(-2, -1))
        rate = np.abs(eig).max(axis=(-2, -1))
        return np.where(rate >= 1, DIVERGES, np.where(swings, OSCILLATES, MONOTONE))

    @property
    def momentum_best(self) -> tuple[float, float, float]:
        """(η*, β*, rate √β*) of Polyak's optimal heavy ball."""
        root_min, root_max = math.sqrt(self.lam_min), math.sqrt(self.lam_max)
        lr = (2 / (root_min + root_max)) ** 2
        beta = ((math.sqrt(self.kappa) - 1) / (math.sqrt(self.kappa) + 1)) ** 2
        return lr, beta, math.sqrt(beta)


def predicted_steps_to(rate: Array | float, start_loss: float, threshold: float) -> Array:
    """Steps for the loss to fall from ``start_loss`` to ``threshold`` at ``rate`` per step.

    Loss is quadratic in the error, so it falls by rate² a step. ``inf`` where rate ≥ 1.
    """
    rate = np.asarray(rate, dtype=float)
    if threshold >= start_loss:
        return np.zeros_like(rate)
    with np.errstate(divide="ignore", invalid="ignore"):
        steps = np.log(threshold / start_loss) / (2 * np.log(rate))
    return np.where((rate < 1) & (rate > 0), np.ceil(steps), np.where(rate == 0, 1.0, np.inf))


def fitted_rate(losses: Array, floor: float = 1e-250) -> Array:
    """Per-step rate of the error, fitted from loss curves of shape (steps+1, ...).

    A least-squares line through log(loss) over the second half of the run (the first
    half is dominated by the faster direction); loss ∝ rate^(2t). Losses below ``floor``
    (underflow) are left out; a run with fewer than 3 usable points gets NaN.
    """
    losses = np.asarray(losses, dtype=float)
    steps = losses.shape[0] - 1
    half = losses[steps // 2 :]
    t = np.arange(steps // 2, steps + 1, dtype=float).reshape((-1,) + (1,) * (losses.ndim - 1))
    usable = np.isfinite(half) & (half > floor)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_loss = np.where(usable, np.log(np.where(usable, half, 1.0)), 0.0)
        n = usable.sum(axis=0)
        t_mean = (t * usable).sum(axis=0) / n
        y_mean = log_loss.sum(axis=0) / n
        centred = (t - t_mean) * usable
        slope = (centred * (log_loss - y_mean)).sum(axis=0) / (centred * centred).sum(axis=0)
    return np.where(n >= 3, np.exp(slope / 2), np.nan)


@dataclass(frozen=True)
class MeasuredMap:
    """Rates fitted from a batched run of every (η, β) of a grid (rows β, columns η)."""

    lrs: Array
    betas: Array
    rate: Array  # NaN where the loss underflowed too soon to fit
    diverged: Array  # bool
    losses: Array  # (steps+1, n_beta, n_lr)

    def steps_to(self, threshold: float) -> Array:
        """First step from which the loss stays at or below ``threshold`` (-1: never)."""
        return steps_to_stay_below(self.losses, threshold)


def steps_to_stay_below(losses: Array, threshold: float) -> Array:
    """First step from which a loss curve stays at or below ``threshold`` (-1 if it ends above).

    Counting the first crossing would credit a run that swings through the threshold and
    out again; a learner watching it sees it "there" only once it stays.
    """
    above = ~(np.asarray(losses) <= threshold)
    steps = above.shape[0]
    last_above = steps - 1 - np.argmax(above[::-1], axis=0)
    stays_from = np.where(above.any(axis=0), last_above + 1, 0)
    return np.where(stays_from < steps, stays_from, -1)


def measured_rates(
    ravine: Ravine, lrs: Array, betas: Array, steps: int = 300, start=None
) -> MeasuredMap:
    """Run momentum at every (η, β) of the grid as one batched engine call; fit each rate."""
    lrs, betas = np.asarray(lrs, dtype=float), np.asarray(betas, dtype=float)
    land = ravine.landscape()
    lr_grid, beta_grid = np.meshgrid(lrs, betas)
    opt = optimizers.make("momentum", lr=lr_grid[..., None], beta=beta_grid[..., None])
    first = np.asarray(land.start if start is None else start, dtype=float)
    traj = simulate.run(opt, land, np.broadcast_to(first, lr_grid.shape + (2,)), steps)
    diverged = traj.diverged_at >= 0
    rate = np.where(diverged, np.inf, fitted_rate(traj.losses))
    return MeasuredMap(lrs, betas, rate, diverged, traj.losses)

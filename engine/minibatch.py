"""Chapter 1's mini-batch model: a small linear regression with two weights.

The loss over the two weights (w1, w2) is a tilted elliptical bowl, so it can be
drawn as a contour with the full-batch gradient arrow and a spray of mini-batch
arrows at any point. Everything the page shows comes from here: the arrows, the
empirical variance of a batch gradient against the batch size B, the 1/B law it
follows, and full-batch against mini-batch SGD paths (run with the engine's ``sgd``).

The loss is the mean squared error L(w) = (1/N) Σᵢ (xᵢ·w − yᵢ)², so the gradient of
example i is 2(xᵢ·w − yᵢ)xᵢ and the full gradient is their mean.

>>> from engine import minibatch
>>> problem = minibatch.make_problem()
>>> problem.batch_grads(problem.start, batch_size=8, n_batches=3, seed=0).shape
(3, 2)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from engine import optimizers

__all__ = ["Problem", "batch_indices", "make_problem", "sgd_paths"]

Array = np.ndarray
Bounds = tuple[tuple[float, float], tuple[float, float]]

FEATURE_COVARIANCE = np.array([[1.0, 0.5], [0.5, 0.5]])
"""Covariance of the two inputs: correlated and of unequal size, so the bowl is a
tilted ellipse (curvature ratio about 7) rather than a circle."""
TRUE_WEIGHTS = np.array([2.0, -1.0])
"""The weights the data are generated from (the fitted optimum lies near them)."""
PLOT_HALF_WIDTH = 3.0


def batch_indices(n: int, batch_size: int, n_batches: int, seed: int) -> Array:
    """Indices of ``n_batches`` random mini-batches of ``batch_size`` out of ``n`` examples.

    Each row is drawn without replacement (the first ``batch_size`` entries of a fresh
    random permutation); rows are independent. The same ``seed`` gives the same
    batches, and a smaller batch size with the same seed gives the leading part of
    the same rows. Returns an int array of shape (n_batches, batch_size).
    """
    if not 1 <= batch_size <= n:
        raise ValueError(f"batch_size must be between 1 and {n}, got {batch_size}")
    if n_batches < 0:
        raise ValueError(f"n_batches must be ≥ 0, got {n_batches}")
    rng = np.random.default_rng(seed)
    return np.argsort(rng.random((int(n_batches), n)), axis=1)[:, : int(batch_size)]


@dataclass(frozen=True, eq=False)
class Problem:
    """A seeded least-squares problem with two weights; build it with :func:`make_problem`.

    Attributes
    ----------
    X : ndarray, shape (n, 2)
        Inputs (read-only).
    y : ndarray, shape (n,)
        Targets, ``X @ TRUE_WEIGHTS`` plus Gaussian noise (read-only).
    noise, seed
        How the targets were made.
    curvature : ndarray, shape (2, 2)
        The Hessian of the loss, 2XᵀX/N (the same everywhere: the loss is quadratic).
    optimum : ndarray, shape (2,)
        The least-squares solution, where the full gradient is zero.
    bounds : ((w1min, w1max), (w2min, w2max))
        A plotting box centred on the optimum.
    start : ndarray, shape (2,)
        A default start that shows the tilt of the bowl.
    """

    X: Array
    y: Array
    noise: float
    seed: int
    curvature: Array = field(init=False, repr=False)
    optimum: Array = field(init=False)
    bounds: Bounds = field(init=False)
    start: Array = field(init=False)
    _b: Array = field(init=False, repr=False)
    _c: float = field(init=False, repr=False)

    def __post_init__(self) -> None:
        X = np.array(self.X, dtype=float)
        y = np.array(self.y, dtype=float)
        if X.ndim != 2 or X.shape[1] != 2 or y.shape != (X.shape[0],) or X.shape[0] < 2:
            raise ValueError(
                f"need X of shape (n, 2) and y of shape (n,), n ≥ 2; got {X.shape}, {y.shape}"
            )
        n = X.shape[0]
        gram = X.T @ X / n
        b = X.T @ y / n
        optimum = np.linalg.solve(gram, b)
        bounds = tuple((float(c - PLOT_HALF_WIDTH), float(c + PLOT_HALF_WIDTH)) for c in optimum)
        start = optimum + np.array([-2.4, 2.2])
        values = {
            "X": X,
            "y": y,
            "curvature": 2.0 * gram,
            "optimum": optimum,
            "bounds": bounds,
            "start": start,
            "_b": b,
            "_c": float(y @ y / n),
        }
        for name, value in values.items():
            if isinstance(value, np.ndarray):
                value.setflags(write=False)
            object.__setattr__(self, name, value)

    @property
    def n(self) -> int:
        """Number of examples N."""
        return int(self.X.shape[0])

    def loss(self, w: Array) -> Array:
        """Mean squared error at weights ``w`` of shape (..., 2); returns shape (...).

        Evaluated as the quadratic wᵀAw − 2bᵀw + c (A = XᵀX/N, b = Xᵀy/N, c = yᵀy/N),
        so a whole contour grid costs no more than a few matrix products.
        """
        w = _points(w)
        gram = self.curvature / 2.0
        return np.einsum("...i,ij,...j->...", w, gram, w) - 2.0 * (w @ self._b) + self._c

    def full_grad(self, w: Array) -> Array:
        """Gradient of the full-batch loss at ``w`` (..., 2): 2(Aw − b), shape (..., 2)."""
        w = _points(w)
        return w @ self.curvature - 2.0 * self._b

    def per_example_grads(self, w: Array) -> Array:
        """Each example's gradient 2(xᵢ·w − yᵢ)xᵢ at one point ``w`` (2,): shape (n, 2).

        A leading batch of points (..., 2) gives (..., n, 2).
        """
        w = _points(w)
        residual = w @ self.X.T - self.y
        return 2.0 * residual[..., None] * self.X

    def batch_indices(self, batch_size: int, n_batches: int, seed: int) -> Array:
        """The examples in each of ``n_batches`` seeded random mini-batches (see :func:`batch_indices`)."""
        return batch_indices(self.n, batch_size, n_batches, seed)

    def batch_grads(self, w: Array, batch_size: int, n_batches: int = 20, seed: int = 0) -> Array:
        """Gradients of ``n_batches`` random mini-batches at one point ``w``: shape (n_batches, 2).

        Each is the mean of ``batch_size`` per-example gradients drawn without
        replacement; the same ``seed`` draws the same batches (the same arrows).
        """
        idx = self.batch_indices(batch_size, n_batches, seed)
        return self.per_example_grads(w)[idx].mean(axis=1)

    def per_example_variance(self, w: Array) -> float:
        """σ²: the total variance of one example's gradient over the N examples at ``w``.

        The population variance (divide by N) summed over the two coordinates.
        """
        grads = self.per_example_grads(w)
        return float(np.sum(np.mean((grads - grads.mean(axis=0)) ** 2, axis=0)))

    def gradient_variance(
        self, w: Array, batch_sizes: Sequence[int], n_batches: int = 2000, seed: int = 0
    ) -> Array:
        """Empirical total variance of the batch gradient at ``w``, for each batch size.

        For each B, ``n_batches`` seeded batches are drawn and the sample variance
        (``ddof=1``) of their gradients is summed over the two coordinates. Returns
        shape (len(batch_sizes),). Compare with :meth:`theoretical_variance`.
        """
        if n_batches < 2:
            raise ValueError(f"n_batches must be ≥ 2 to estimate a variance, got {n_batches}")
        out = []
        for size in batch_sizes:
            grads = self.batch_grads(w, int(size), n_batches, seed)
            out.append(np.sum(np.var(grads, axis=0, ddof=1)))
        return np.array(out, dtype=float)

    def theoretical_variance(self, w: Array, batch_sizes: Sequence[int] | Array) -> Array:
        """Exact total variance of a size-B batch gradient at ``w``: (σ²/B)·(N − B)/(N − 1).

        σ² is :meth:`per_example_variance`. The factor (N − B)/(N − 1) is the
        finite-population correction for sampling without replacement: it is ≈ 1 for
        B ≪ N (the plain 1/B law) and makes the variance exactly 0 at B = N, where
        every batch is the whole data set.
        """
        sizes = np.asarray(batch_sizes, dtype=float)
        if np.any(sizes < 1) or np.any(sizes > self.n):
            raise ValueError(f"batch sizes must be between 1 and {self.n}")
        return self.per_example_variance(w) / sizes * (self.n - sizes) / (self.n - 1)


def _points(w: Array) -> Array:
    w = np.asarray(w, dtype=float)
    if w.ndim == 0 or w.shape[-1] != 2:
        raise ValueError(f"expected weights of shape (..., 2), got shape {w.shape}")
    return w


def make_problem(n: int = 64, seed: int = 0, noise: float = 0.5) -> Problem:
    """A seeded two-weight linear regression y = x·w + noise.

    Inputs are Gaussian with covariance :data:`FEATURE_COVARIANCE` (the two
    directions have different curvature and the axes of the ellipse are tilted);
    targets come from :data:`TRUE_WEIGHTS` plus Gaussian noise of standard deviation
    ``noise``. The same arguments always give the same problem.
    """
    if n < 2:
        raise ValueError(f"n must be ≥ 2, got {n}")
    if noise < 0:
        raise ValueError(f"noise must be ≥ 0, got {noise}")
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((int(n), 2)) @ np.linalg.cholesky(FEATURE_COVARIANCE).T
    y = X @ TRUE_WEIGHTS + noise * rng.standard_normal(int(n))
    return Problem(X, y, float(noise), int(seed))


def sgd_paths(
    problem: Problem,
    start: Array | Sequence[float],
    lr: float,
    steps: int,
    batch_size: int,
    seed: int = 0,
) -> tuple[Array, Array]:
    """Full-batch and mini-batch gradient descent from ``start``, with the engine's ``sgd``.

    The mini-batch run draws a fresh seeded batch of ``batch_size`` examples for each
    step (row k of ``problem.batch_indices(batch_size, steps, seed)`` at step k + 1),
    so the same seed gives the same path. Returns two arrays of shape (steps + 1, 2),
    row 0 being ``start``. A learning rate too large for the bowl makes the paths
    grow without bound (to ``inf``); nothing is clipped.
    """
    steps = int(steps)
    if steps < 0:
        raise ValueError(f"steps must be ≥ 0, got {steps}")
    batches = problem.batch_indices(batch_size, steps, seed)
    opt = optimizers.make("sgd", lr=lr)
    start = _points(np.array(start, dtype=float))
    full = np.empty((steps + 1, 2))
    mini = np.empty((steps + 1, 2))
    full[0] = mini[0] = start
    full_state = opt.init(start)
    mini_state = opt.init(start)
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(steps):
            full[k + 1], full_state = opt.step(full[k], problem.full_grad, full_state)

            def batch_grad(w: Array, rows: Array = batches[k]) -> Array:
                return problem.per_example_grads(w)[rows].mean(axis=0)

            mini[k + 1], mini_state = opt.step(mini[k], batch_grad, mini_state)
    return full, mini

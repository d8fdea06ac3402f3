"""Measures the pages report: when a run first reached a loss, how far back a moving
average remembers, how large a learning rate stays stable, how much memory an optimizer
keeps, where one weight goes when fed chosen gradients. Pure numpy on the engine; no
Streamlit, no Plotly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np

from engine import landscapes, optimizers


def steps_to(losses: Any, threshold: float, diverged_at: Any = None) -> Any:
    """First step whose loss is at or below ``threshold``, before any divergence.

    ``losses`` is one run, shape (steps+1,): the answer is a step or None. Or it is a
    batch of runs, shape (steps+1, n): the answer is an int array with −1 for "never".
    ``diverged_at`` is the engine's divergence step (None, or −1 in a batch, for never):
    a run that only crossed the line after blowing up never reached it.
    """
    losses = np.asarray(losses, dtype=np.float64)
    reached = losses <= threshold
    if diverged_at is not None:
        stop = np.asarray(diverged_at)
        stop = np.where(stop < 0, losses.shape[0], stop)
        steps = np.arange(losses.shape[0]).reshape((-1,) + (1,) * (losses.ndim - 1))
        reached &= steps < stop
    first = np.where(reached.any(axis=0), reached.argmax(axis=0), -1)
    if first.ndim == 0:
        return None if first < 0 else int(first)
    return first


def averaging_window(beta: float) -> float:
    """How many recent steps a moving average with factor β mostly holds: 1/(1 − β).

    It is the sum of all the weights 1 + β + β² + …; infinite for β ≥ 1.
    """
    return math.inf if beta >= 1 else 1.0 / (1.0 - beta)


def stable_lr_limit(landscape: str, beta: float = 0.0) -> float:
    """Largest stable η on a quadratic landscape: 2(1 + β) / (largest curvature).

    β = 0 is plain gradient descent's 2/λ; heavy-ball momentum stays stable up to
    2(1 + β)/λ. The curvature is the engine's exact Hessian diagonal at the start.
    """
    land = landscapes.get(landscape)
    curvature = float(np.max(land.hessian_diag(np.asarray(land.start, dtype=np.float64))))
    return 2.0 * (1.0 + beta) / curvature


@cache
def state_bytes(name: str, shape: tuple[int, ...]) -> int:
    """Bytes of optimizer ``name``'s state for one fp32 weight tensor of ``shape``.

    The engine counts the buffers ``init`` really allocates (so Adafactor's factoring
    shows); remembered here, as allocating them for a large matrix is not free.
    """
    return optimizers.state_bytes(name, tuple(shape))


def run_fixed_gradients(
    name: str, hyperparams: dict[str, Any], theta0: float, gradients: Sequence[float]
) -> tuple[list[float], list[dict[str, np.ndarray]]]:
    """Step optimizer ``name`` on one scalar weight fed the given gradient sequence.

    The engine works on 2-D points, so the weight is the first coordinate and the
    second stays at 0 with zero gradient. Returns θ after each step and the states.
    """
    opt = optimizers.make(name, **hyperparams)
    params = np.array([theta0, 0.0])
    state = opt.init(params)
    thetas, states = [], []
    for g in gradients:

        def grad_fn(p: np.ndarray, g: float = g) -> np.ndarray:
            return np.array([g, 0.0]) + 0 * p

        params, state = opt.step(params, grad_fn, state)
        thetas.append(float(params[0]))
        states.append(state)
    return thetas, states

"""Chapter 5's pure logic: the lesson's example, the busy and the quiet weight under
Adam + L2 and AdamW, and the links of both optimizers' chains. No Streamlit, no Plotly.

Every number comes from the engine (``engine.worked.l2_vs_decoupled`` and
``effective_decay``, the ``sgd``, ``adam`` and ``adamw`` optimizers) at render time.
"""

from __future__ import annotations

import numpy as np

from engine import optimizers, worked
from kit import palette

PAGE = "ch05"
STEPS = 300  # length of the busy/quiet comparison
NOISE = 0.5  # relative gradient noise when "noisy gradients" is on
BUSY_SCALES = (1.0, 3.0, 10.0, 30.0, 100.0)
QUIET_SCALES = (0.01, 0.03, 0.1, 0.3, 1.0)
L2_COLOR = palette.optimizer_color("adam")
ADAMW_COLOR = palette.optimizer_color("adamw")
BUSY = "busy"
QUIET = "quiet"
# The lesson's one-step example: one weight late in training (bias correction worn off).
LESSON_EXAMPLE = {"theta": 5.0, "g": 2.0, "wd": 0.1, "lr": 0.001, "v": 4.0}
# The busy/quiet comparison: both weights start here, with this η and default λ.
DECAY_THETA0 = 5.0
DECAY_LR = 0.001
DECAY_WD = 0.1


# --------------------------------------------------------------------------- engine calls


def sgd_shrink_factor(lr: float, wd: float) -> float:
    """What one SGD step with L2 does to a weight of 1 when the data gradient is 0."""
    opt = optimizers.make("sgd", lr=lr, weight_decay=wd)
    params = np.ones(1)
    new, _ = opt.step(params, lambda _p: np.zeros(1), opt.init(params))
    return float(new[0])


def worked_example() -> dict:
    """The lesson's example run by the engine: its table and both decay percentages."""
    result = worked.l2_vs_decoupled(**LESSON_EXAMPLE)
    return {
        "table": result.table,
        "l2": result.l2_percent,
        "decoupled": result.decoupled_percent,
    }


DRAG_WDS = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 0.5)  # notches of the in-chart λ slider


def decay_runs(busy: float, quiet: float, wd: float, noisy: bool) -> dict[str, dict]:
    """``worked.effective_decay`` for the busy and the quiet weight (same noise draw)."""
    noise = NOISE if noisy else 0.0
    return {
        BUSY: worked.effective_decay(
            busy, wd=wd, lr=DECAY_LR, theta0=DECAY_THETA0, steps=STEPS, noise=noise, seed=1
        ),
        QUIET: worked.effective_decay(
            quiet, wd=wd, lr=DECAY_LR, theta0=DECAY_THETA0, steps=STEPS, noise=noise, seed=2
        ),
    }


def engine_final_weights(name: str, grads: np.ndarray, start, lr: float = 1e-3, wd: float = 0.1):
    """Final weights of engine optimizer ``name`` (adam = L2, adamw) fed ``grads`` row by row."""
    opt = optimizers.make(name, lr=lr, weight_decay=wd)
    params = np.asarray(start, dtype=float)
    state = opt.init(params)
    for row in np.asarray(grads, dtype=float):
        params, state = opt.step(params, lambda _p, row=row: row, state)
    return params

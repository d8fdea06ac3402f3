"""The hand-calculation tables the chapters show, computed by the engine.

Every table is a :data:`Table`: a plain ``dict`` of equal-length numpy columns in
display order, so a page shows it with ``pd.DataFrame(table)``. Each number comes
from running the engine's own optimizers (``optimizers.make(...).step``) or
schedules on the lesson's tiny problems, never from a second copy of the update
rule, so a worked table and a simulation of the same setting cannot disagree.

Where the source lesson's arithmetic is wrong, these functions give the correct
value and the docstring says what the lesson printed and why it differs.

>>> from engine import worked
>>> worked.parabola(eta=0.1, steps=5)["x"].round(5)
array([0.     , 0.6    , 1.08   , 1.464  , 1.7712 , 2.01696])
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from engine import optimizers, schedules

__all__ = [
    "FOUR_POINT_X",
    "FOUR_POINT_Y",
    "LATE_STEP",
    "PARABOLA_MINIMUM",
    "PARAM_A_GRADS",
    "PARAM_B_GRADS",
    "EFFECTIVE_LR",
    "DecayComparison",
    "Overshoot",
    "Table",
    "adagrad_rmsprop",
    "adagrad_vs_rmsprop",
    "adam_three_steps",
    "adaptive_rate_table",
    "cosine_table",
    "effective_decay",
    "four_point_examples",
    "four_point_gradient",
    "four_point_sgd",
    "l2_vs_decoupled",
    "least_squares_theta",
    "momentum_overshoot",
    "momentum_vs_vanilla",
    "parabola",
    "parabola_factor",
    "parabola_grad",
    "parabola_loss",
    "sgd_from_scratch",
    "sgd_from_scratch_epochs",
    "steps_to_shrink",
]

Table = dict[str, np.ndarray]
"""Columns in display order, all of one length (``pd.DataFrame(table)`` shows it)."""

Array = np.ndarray


def _table(columns: dict[str, Any]) -> Table:
    """Turn a dict of sequences into a :data:`Table`, checking that the lengths agree."""
    table = {name: np.asarray(values) for name, values in columns.items()}
    lengths = {name: len(values) for name, values in table.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"table columns differ in length: {lengths}")
    return table


def _steps(steps: int) -> int:
    if isinstance(steps, bool) or not float(steps).is_integer() or steps < 0:
        raise ValueError(f"steps must be a whole number ≥ 0, got {steps!r}")
    return int(steps)


def _scalar(param: Array) -> float:
    return float(np.asarray(param).reshape(-1)[0])


# --------------------------------------------------------------------------- chapter 0

PARABOLA_MINIMUM = 3.0
"""Where f(x) = (x − 3)² has its minimum."""


def parabola_loss(x: Array | float) -> Array:
    """f(x) = (x − 3)², the lesson's one-dimensional landscape."""
    return (np.asarray(x, dtype=float) - PARABOLA_MINIMUM) ** 2


def parabola_grad(x: Array | float) -> Array:
    """f′(x) = 2(x − 3)."""
    return 2.0 * (np.asarray(x, dtype=float) - PARABOLA_MINIMUM)


def _descend(opt: optimizers.Optimizer, x0: float, grad_fn: Callable, steps: int):
    """Run ``opt`` on a one-number parameter; yields ``(params, state, info)`` per step."""
    params = np.array([float(x0)])
    state = opt.init(params)
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(steps):
            params, state, info = opt.step_with_info(params, grad_fn, state)
            yield params, state, info


def parabola(eta: float, steps: int, x0: float = 0.0) -> Table:
    """Gradient descent on f(x) = (x − 3)² with the engine's ``sgd``.

    Parameters
    ----------
    eta : float
        Learning rate η (≥ 0).
    steps : int
        Number of updates; the table has ``steps + 1`` rows (row 0 is the start).
    x0 : float
        Starting point.

    Returns
    -------
    Table
        ``step``, ``x``, ``gradient f′(x)`` (the slope *at this row's x*, the one the
        next step will use), ``loss f(x)``, ``distance |x−3|``. A diverging run
        (η > 1) grows until it overflows (``inf``, then ``nan``); nothing is clipped.
    """
    steps = _steps(steps)
    opt = optimizers.make("sgd", lr=eta)
    xs = [float(x0)] + [_scalar(p) for p, _, _ in _descend(opt, x0, parabola_grad, steps)]
    x = np.array(xs)
    with np.errstate(over="ignore", invalid="ignore"):
        return _table(
            {
                "step": np.arange(steps + 1),
                "x": x,
                "gradient f′(x)": parabola_grad(x),
                "loss f(x)": parabola_loss(x),
                "distance |x−3|": np.abs(x - PARABOLA_MINIMUM),
            }
        )


def parabola_factor(eta: float) -> float:
    """The factor |1 − 2η| by which one step scales the distance to the minimum.

    Measured, not typed: one engine ``sgd`` step from x = 0, then the ratio of the
    distances after and before (exactly |1 − 2η| on this parabola, rounded to 12
    decimals to drop floating-point noise).
    """
    table = parabola(eta, 1, x0=0.0)
    before, after = table["distance |x−3|"]
    return round(float(after / before), 12)  # the rounding only drops float noise (0.79999…)


def steps_to_shrink(eta: float, factor: float) -> float:
    """How many steps it takes to cut the distance to the minimum to ``factor`` of itself.

    Solves |1 − 2η|ⁿ = factor: n = log(1/factor) / log(1/|1 − 2η|), a real number
    (round up for whole steps). At η = 0.1 halving (``factor=0.5``) takes ≈ 3.1
    steps and a tenfold cut (``factor=0.1``) ≈ 10.3; the source lesson's "11" and
    "33" are wrong.

    Parameters
    ----------
    eta : float
        Learning rate.
    factor : float
        Fraction of the distance left, in (0, 1]: 0.5 to halve it, 0.1 to cut it 10×.

    Returns
    -------
    float
        ``inf`` when |1 − 2η| ≥ 1 (the distance never shrinks), ``0.0`` when
        |1 − 2η| = 0 (η = 0.5: the limit of the formula; one step lands exactly on
        the minimum).
    """
    if not 0.0 < factor <= 1.0:
        raise ValueError(f"factor is the fraction of the distance left, in (0, 1]; got {factor!r}")
    rate = parabola_factor(eta)
    if rate >= 1.0:
        return math.inf
    if rate == 0.0:
        return 0.0
    return math.log(1.0 / factor) / math.log(1.0 / rate)


# --------------------------------------------------------------------------- chapter 1

FOUR_POINT_X = (1.0, 2.0, 3.0, 4.0)
FOUR_POINT_Y = (2.0, 4.0, 5.0, 8.0)


def four_point_gradient(theta: float, examples: Sequence[int] = (1, 2, 3, 4)) -> float:
    """Mean gradient of ℓᵢ = (yᵢ − θxᵢ)² over ``examples`` (1-based, as in the lesson).

    ∂ℓᵢ/∂θ = −2xᵢ(yᵢ − θxᵢ); this is the model's derivative, not an optimizer rule.
    """
    idx = np.asarray(examples, dtype=int) - 1
    x = np.asarray(FOUR_POINT_X)[idx]
    y = np.asarray(FOUR_POINT_Y)[idx]
    return float(np.mean(-2.0 * x * (y - theta * x)))


def four_point_examples(theta: float = 1.0) -> Table:
    """The four data points and each one's gradient at ``theta``.

    At θ = 1 the per-example gradients are −2, −8, −12, −32 (mean −13.5).
    """
    x = np.asarray(FOUR_POINT_X)
    y = np.asarray(FOUR_POINT_Y)
    return _table(
        {
            "i": np.arange(1, 5),
            "x": x,
            "y": y,
            "prediction θx": theta * x,
            "residual y − θx": y - theta * x,
            "gradient −2x(y − θx)": -2.0 * x * (y - theta * x),
        }
    )


def _sgd_step(theta: float, grad: float, lr: float) -> float:
    """One engine ``sgd`` step from ``theta`` with a gradient already computed."""
    opt = optimizers.make("sgd", lr=lr)
    params = np.array([theta])
    new, _ = opt.step(params, lambda _point: np.array([grad]), opt.init(params))
    return _scalar(new)


def four_point_sgd(theta0: float = 1.0, lr: float = 0.01) -> Table:
    """Full batch against two mini-batches on the four-point example, via engine ``sgd``.

    Rows:

    1. full batch {1,2,3,4}: gradient −13.5 at θ₀ = 1, θ → 1.135;
    2. mini-batch {1,3}: gradient −7 at θ₀, θ → 1.07;
    3. mini-batch {2,4} *as the lesson computes it*: its gradient −20 is the one at
       θ₀ = 1 (that is what makes "−7 and −20 average to −13.5" true), applied from
       θ = 1.07, so θ → 1.27;
    4. mini-batch {2,4} *as SGD really runs*: the gradient is taken where θ now is,
       1.07, which gives −18.6 and θ → 1.256.

    The lesson's route (rows 2–3) takes both batch gradients at the same θ₀, so its
    two steps add up to exactly one full-batch step of twice the learning rate
    (1 + 2 × 0.135 = 1.27). Real sequential SGD (rows 2 and 4) lands a little
    short of that, at 1.256, because the second batch sees a smaller error. Both
    routes are shown so the page can show the checked numbers and say which is which.

    Columns: ``update``, ``examples``, ``θ before``, ``gradient taken at θ``,
    ``batch gradient``, ``θ after``.
    """
    full = four_point_gradient(theta0, (1, 2, 3, 4))
    first = four_point_gradient(theta0, (1, 3))
    after_first = _sgd_step(theta0, first, lr)
    stale = four_point_gradient(theta0, (2, 4))
    fresh = four_point_gradient(after_first, (2, 4))
    return _table(
        {
            "update": [
                "full batch",
                "mini-batch 1",
                "mini-batch 2, lesson's way (gradient from θ₀)",
                "mini-batch 2, true SGD (gradient at current θ)",
            ],
            "examples": ["{1, 2, 3, 4}", "{1, 3}", "{2, 4}", "{2, 4}"],
            "θ before": [theta0, theta0, after_first, after_first],
            "gradient taken at θ": [theta0, theta0, theta0, after_first],
            "batch gradient": [full, first, stale, fresh],
            "θ after": [
                _sgd_step(theta0, full, lr),
                after_first,
                _sgd_step(after_first, stale, lr),
                _sgd_step(after_first, fresh, lr),
            ],
        }
    )


def least_squares_theta() -> float:
    """The exact fit θ* = Σxy / Σx² of y = θx to the four points (= 57/30 = 1.9)."""
    x = np.asarray(FOUR_POINT_X)
    y = np.asarray(FOUR_POINT_Y)
    return float(np.sum(x * y) / np.sum(x * x))


def sgd_from_scratch_epochs(
    epochs: int = 50, batch_size: int = 2, lr: float = 0.01, seed: int = 0, theta0: float = 1.0
) -> Table:
    """The lesson's shuffle → split → update loop on the four points, with engine ``sgd``.

    Each epoch draws a fresh permutation (``numpy.random.default_rng(seed)``), cuts it
    into batches of ``batch_size`` and takes one step per batch on the batch mean of
    (θx − y)². Returns ``epoch``, ``θ`` (at the end of the epoch; row 0 is the start)
    and ``loss (mean over all 4)``.
    """
    epochs = _steps(epochs)
    if not 1 <= batch_size <= len(FOUR_POINT_X):
        raise ValueError(f"batch_size must be between 1 and {len(FOUR_POINT_X)}, got {batch_size}")
    x = np.asarray(FOUR_POINT_X)
    y = np.asarray(FOUR_POINT_Y)
    rng = np.random.default_rng(seed)
    opt = optimizers.make("sgd", lr=lr)
    theta = np.array([float(theta0)])
    state = opt.init(theta)
    thetas = [float(theta0)]
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for start in range(0, len(x), batch_size):
            xb, yb = x[order[start : start + batch_size]], y[order[start : start + batch_size]]

            def grad_fn(p: Array, xb: Array = xb, yb: Array = yb) -> Array:
                return np.array([np.mean(2.0 * xb * (p[0] * xb - yb))])

            theta, state = opt.step(theta, grad_fn, state)
        thetas.append(_scalar(theta))
    th = np.array(thetas)
    return _table(
        {
            "epoch": np.arange(epochs + 1),
            "θ": th,
            "loss (mean over all 4)": np.mean((th[:, None] * x - y) ** 2, axis=1),
        }
    )


def sgd_from_scratch(
    epochs: int = 50, batch_size: int = 2, lr: float = 0.01, seed: int = 0
) -> float:
    """The θ the lesson's from-scratch SGD loop learns (≈ 1.90, the least-squares 1.9)."""
    return float(sgd_from_scratch_epochs(epochs, batch_size, lr, seed)["θ"][-1])


# --------------------------------------------------------------------------- chapter 2


def _momentum_run(beta: float, eta: float, steps: int, x0: float):
    """Momentum on the parabola: θ, velocity and the gradient each step used."""
    opt = optimizers.make("momentum", lr=eta, beta=beta)
    theta, velocity, grads = [float(x0)], [0.0], [np.nan]
    for params, state, info in _descend(opt, x0, parabola_grad, steps):
        theta.append(_scalar(params))
        velocity.append(_scalar(state["velocity"]))
        grads.append(_scalar(info["grad"]))
    return np.array(theta), np.array(velocity), np.array(grads)


def momentum_vs_vanilla(
    steps: int = 5, eta: float = 0.01, beta: float = 0.9, x0: float = 0.0
) -> Table:
    """Momentum and plain gradient descent side by side on f(θ) = (θ − 3)².

    Both from ``x0`` with the same η, through the engine's ``momentum``
    (v ← βv + g, θ ← θ − ηv) and ``sgd``. Row t shows the gradient g that step t used
    (taken at θ of row t − 1; ``NaN`` in row 0), the velocity after it and θ after it.
    At η = 0.01, β = 0.9: θ = 0.06, 0.1728, 0.3309, 0.5265, 0.7521 with
    v = −6, −11.28, −15.806, −19.564, −22.555; vanilla reaches 0.2882.

    Columns: ``step``, ``momentum gradient g``, ``velocity v``, ``momentum θ``,
    ``vanilla gradient g``, ``vanilla θ``.
    """
    steps = _steps(steps)
    theta, velocity, grads = _momentum_run(beta, eta, steps, x0)
    sgd = optimizers.make("sgd", lr=eta)
    plain, plain_grads = [float(x0)], [np.nan]
    for params, _, info in _descend(sgd, x0, parabola_grad, steps):
        plain.append(_scalar(params))
        plain_grads.append(_scalar(info["grad"]))
    return _table(
        {
            "step": np.arange(steps + 1),
            "momentum gradient g": grads,
            "velocity v": velocity,
            "momentum θ": theta,
            "vanilla gradient g": plain_grads,
            "vanilla θ": plain,
        }
    )


class Overshoot(NamedTuple):
    """A momentum run on the parabola and how far it swung past the minimum."""

    table: Table  # step, θ, velocity v, loss f(θ), past the minimum
    max_overshoot: float  # largest distance beyond θ = 3 on the far side (0 if it never crossed)
    peak_step: int | None  # step at which that happened (None if it never crossed)


def momentum_overshoot(
    beta: float, eta: float = 0.01, steps: int = 100, x0: float = 0.0
) -> Overshoot:
    """Momentum with coefficient ``beta`` on (θ − 3)² and its overshoot past θ = 3.

    For the β selector: β = 0 (plain descent at η = 0.01) never crosses the minimum;
    larger β builds velocity that carries θ beyond 3 before it turns back. The
    ``past the minimum`` column is the signed distance beyond 3 on the side away
    from the start (positive = overshooting).
    """
    steps = _steps(steps)
    theta, velocity, _ = _momentum_run(beta, eta, steps, x0)
    side = 1.0 if x0 <= PARABOLA_MINIMUM else -1.0
    with np.errstate(over="ignore", invalid="ignore"):
        past = side * (theta - PARABOLA_MINIMUM)
        loss = parabola_loss(theta)
    table = _table(
        {
            "step": np.arange(steps + 1),
            "θ": theta,
            "velocity v": velocity,
            "loss f(θ)": loss,
            "past the minimum": past,
        }
    )
    finite = np.where(np.isfinite(past), past, -np.inf)
    peak = int(np.argmax(finite))
    if not finite[peak] > 0:
        return Overshoot(table, 0.0, None)
    return Overshoot(table, float(finite[peak]), peak)


# --------------------------------------------------------------------------- chapter 3

PARAM_A_GRADS = (3.0, 2.5, 2.8, 3.1)
"""The lesson's parameter A: a frequent, steady gradient."""
PARAM_B_GRADS = (0.0, 0.0, 0.0, 5.0)
"""The lesson's parameter B: silent for three steps, then one spike of 5."""

_ACCUMULATOR = {"adagrad": "accumulator", "rmsprop": "square_avg"}
_G_COLUMN = {"adagrad": "G (sum of g²)", "rmsprop": "G (average of g²)"}
EFFECTIVE_LR = "effective LR η/(√G+ε)"


def _adaptive_runs(name: str, grads: Array, **hyper: float) -> tuple[Array, Array, Array]:
    """Run adagrad/rmsprop on parameters fed the given gradients (rows = steps).

    Returns the accumulator G, the effective rate and the signed step, each of the
    shape of ``grads``. The rate is ``NaN`` while G = 0: no gradient has arrived, so
    η/(√G+ε) = η/ε would be a number the optimizer never applies.
    """
    opt = optimizers.make(name, **hyper)
    params = np.zeros(grads.shape[1:])
    state = opt.init(params)
    acc, rate, step = [], [], []
    for g in grads:
        new, state = opt.step(params, lambda _point, g=g: g, state)
        g_sum = state[_ACCUMULATOR[name]]
        acc.append(g_sum)
        rate.append(np.where(g_sum > 0, optimizers.effective_lr(opt, state), np.nan))
        step.append(new - params)
        params = new
    return np.array(acc), np.array(rate), np.array(step)


def _adaptive_table(name: str, grads: Array, acc: Array, rate: Array, step: Array) -> Table:
    return _table(
        {
            "step": np.arange(1, len(grads) + 1),
            "gradient g": grads,
            _G_COLUMN[name]: acc,
            EFFECTIVE_LR: rate,
            "update Δθ (signed)": step,
        }
    )


def adaptive_rate_table(
    name: str, grads: Sequence[float] = PARAM_A_GRADS, lr: float = 0.1, **hyper: float
) -> Table:
    """One parameter's AdaGrad or RMSProp arithmetic for a given gradient sequence.

    Parameters
    ----------
    name : {"adagrad", "rmsprop"}
    grads : sequence of float
        The gradient the parameter receives at steps 1, 2, ….
    lr : float
        η.
    **hyper
        Other hyperparameters of the engine optimizer (``rho``, ``eps``).

    Returns
    -------
    Table
        ``step``, ``gradient g``, ``G (sum of g²)`` or ``G (average of g²)``,
        ``effective LR η/(√G+ε)`` (NaN while G = 0) and ``update Δθ (signed)``
        (the step taken, −rate·g). The engine puts ε outside the root as torch
        does; the lesson writes √(G+ε): with ε = 1e-8 the two agree to the digits shown.
    """
    if name not in _ACCUMULATOR:
        raise ValueError(f"name must be 'adagrad' or 'rmsprop', got {name!r}")
    g = np.asarray(grads, dtype=float).reshape(-1, 1)
    acc, rate, step = _adaptive_runs(name, g, lr=lr, **hyper)
    return _adaptive_table(name, g[:, 0], acc[:, 0], rate[:, 0], step[:, 0])


def adagrad_rmsprop(lr: float = 0.1, rho: float = 0.9, eps: float = 1e-8) -> dict[str, Table]:
    """Chapter 3's worked tables: A and B under AdaGrad, A under RMSProp.

    A and B are run *together* as the two coordinates of one AdaGrad optimizer, so
    the table shows what the lesson means by a learning rate per parameter.
    AdaGrad on A: G = 9, 15.25, 23.09, 32.70, effective LR 0.0333 → 0.0175.
    B's gradients are 0, 0, 0, 5 (the lesson's "rare, then a spike"): its G stays 0
    (no rate yet, shown as NaN) until step 4, where G = 25 and its rate is 0.0200,
    larger than A's 0.0175. RMSProp (ρ = 0.9) on A: G = 0.9, 1.435, 2.076, 2.829,
    effective LR 0.1054 → 0.0595.

    Returns
    -------
    dict
        ``"A · AdaGrad"``, ``"B · AdaGrad"``, ``"A · RMSProp"`` → :func:`adaptive_rate_table`-style tables.
    """
    both = np.stack([PARAM_A_GRADS, PARAM_B_GRADS], axis=1)
    acc, rate, step = _adaptive_runs("adagrad", both, lr=lr, eps=eps)
    return {
        "A · AdaGrad": _adaptive_table("adagrad", both[:, 0], acc[:, 0], rate[:, 0], step[:, 0]),
        "B · AdaGrad": _adaptive_table("adagrad", both[:, 1], acc[:, 1], rate[:, 1], step[:, 1]),
        "A · RMSProp": adaptive_rate_table("rmsprop", PARAM_A_GRADS, lr=lr, rho=rho, eps=eps),
    }


def adagrad_vs_rmsprop(
    grads: Sequence[float] = PARAM_A_GRADS, lr: float = 0.1, rho: float = 0.9, eps: float = 1e-8
) -> Table:
    """AdaGrad's and RMSProp's G and effective rate for one gradient sequence, side by side.

    Columns: ``step``, ``G AdaGrad``, ``G RMSProp``, ``eff. LR AdaGrad``, ``eff. LR RMSProp``.
    """
    ada = adaptive_rate_table("adagrad", grads, lr=lr, eps=eps)
    rms = adaptive_rate_table("rmsprop", grads, lr=lr, rho=rho, eps=eps)
    return _table(
        {
            "step": ada["step"],
            "G AdaGrad": ada[_G_COLUMN["adagrad"]],
            "G RMSProp": rms[_G_COLUMN["rmsprop"]],
            "eff. LR AdaGrad": ada[EFFECTIVE_LR],
            "eff. LR RMSProp": rms[EFFECTIVE_LR],
        }
    )


# --------------------------------------------------------------------------- chapter 4


def adam_three_steps(
    grads: Sequence[float] = (4.0, -1.0, 3.0),
    lr: float = 0.001,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    theta0: float = 0.0,
) -> Table:
    """Adam's internals step by step for a given gradient sequence (engine ``adam``).

    With the lesson's g = 4, −1, 3: m = 0.4, 0.26, 0.534 and step sizes 0.001,
    0.000469, 0.000669. All three steps *lower* θ: m̂ stays positive even at step 2,
    where the gradient is −1, because m still remembers the +4 (the lesson quotes
    the sizes only; ``Δθ (signed)`` keeps the sign).

    Columns: ``step``, ``gradient g``, ``m``, ``v``, ``m̂``, ``v̂``, ``Δθ (signed)``,
    ``step size |Δθ|``, ``θ`` (after the step).
    """
    g = [float(x) for x in grads]
    opt = optimizers.make("adam", lr=lr, beta1=beta1, beta2=beta2, eps=eps)
    feed = iter(g)
    rows: dict[str, list[float]] = {k: [] for k in ("m", "v", "m̂", "v̂", "Δθ", "θ")}
    for params, state, info in _descend(opt, theta0, lambda _p: np.array([next(feed)]), len(g)):
        rows["m"].append(_scalar(state["m"]))
        rows["v"].append(_scalar(state["v"]))
        rows["m̂"].append(_scalar(info["m_hat"]))
        rows["v̂"].append(_scalar(info["v_hat"]))
        rows["Δθ"].append(_scalar(info["update"]))
        rows["θ"].append(_scalar(params))
    delta = np.array(rows["Δθ"])
    return _table(
        {
            "step": np.arange(1, len(g) + 1),
            "gradient g": g,
            "m": rows["m"],
            "v": rows["v"],
            "m̂": rows["m̂"],
            "v̂": rows["v̂"],
            "Δθ (signed)": delta,
            "step size |Δθ|": np.abs(delta),
            "θ": rows["θ"],
        }
    )


# --------------------------------------------------------------------------- chapter 5

LATE_STEP = 100_000
"""A step count at which bias correction is negligible (1 − 0.999¹⁰⁰⁰⁰⁰ = 1 in float64)."""


class DecayComparison(NamedTuple):
    """One late step of Adam+L2 against AdamW on the same weight."""

    table: Table
    l2_percent: float  # share of θ the L2 term removes this step, in percent
    decoupled_percent: float  # share of θ AdamW's decay removes this step, in percent


def _late_step(name: str, theta: float, g: float, wd: float, v: float, hyper: dict[str, float]):
    """One engine step late in training, in the steady state the lesson assumes.

    The state has seen the same gradient for a long time, so m equals the gradient
    Adam is fed (g + λθ for L2, g for AdamW), bias correction has worn off, and the
    stored v is chosen so that the v this step divides by is exactly ``v``.
    """
    opt = optimizers.make(name, lr=hyper["lr"], weight_decay=wd, **hyper["adam"])
    params = np.array([theta])
    fed = g + wd * theta if name == "adam" else g
    beta2 = opt.hyperparams["beta2"]
    previous_v = (v - (1.0 - beta2) * fed * fed) / beta2
    if previous_v < 0:
        raise ValueError(
            f"v = {v} is too small to be a second-moment average that includes g² = {fed * fed:g}"
        )
    state = opt.init(params)
    state.update(t=LATE_STEP - 1, m=np.array([fed]), v=np.array([previous_v]))
    new, _, info = opt.step_with_info(params, lambda _p: np.array([g]), state)
    return _scalar(new), info, fed


def l2_vs_decoupled(
    theta: float = 5.0,
    g: float = 2.0,
    wd: float = 0.1,
    lr: float = 0.001,
    v: float = 4.0,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
) -> DecayComparison:
    """Chapter 5's worked example: how much of θ the decay removes in one late step.

    The lesson's reading: late in training (no bias correction), m has settled on the
    gradient Adam is fed and the second moment has settled at v = 4 (√v = 2).

    - Adam+L2 feeds g + λθ = 2.5 into m and v; its step is η·2.5/√v = 0.00125, of which
      the decay's share is η·λθ/√v = 0.00025, i.e. 0.005 % of θ.
    - AdamW feeds g = 2 and decays separately by η·λθ = 0.0005, i.e. 0.01 % of θ.

    Both steps are taken by the engine (``adam`` with ``weight_decay`` is coupled L2,
    ``adamw`` decoupled) from that steady state. The decay share is the difference
    between the step with decay and the same steady-state step without it
    (``weight_decay=0``, so m settles on g alone); for L2 that is exact because Adam's
    step is linear in m̂ once v̂ is fixed.

    Returns
    -------
    DecayComparison
        ``table`` with columns ``method``, ``gradient fed to m and v``, ``m̂``, ``v̂``,
        ``data part of Δθ``, ``decay part of Δθ``, ``Δθ (signed)``, ``θ after``,
        ``decay removes (% of θ)``; and the two percentages.
    """
    hyper = {"lr": lr, "adam": {"beta1": beta1, "beta2": beta2, "eps": eps}}
    rows = []
    for name, label in (("adam", "Adam + L2"), ("adamw", "AdamW")):
        after, info, fed = _late_step(name, theta, g, wd, v, hyper)
        without, _, _ = _late_step(name, theta, g, 0.0, v, hyper)
        total = after - theta
        data = without - theta
        decay = total - data
        rows.append(
            (label, fed, _scalar(info["m_hat"]), _scalar(info["v_hat"]), data, decay, total, after)
        )
    cols = list(zip(*rows, strict=True))
    decay = np.array(cols[5])
    percent = -decay / theta * 100.0
    table = _table(
        {
            "method": cols[0],
            "gradient fed to m and v": cols[1],
            "m̂": cols[2],
            "v̂": cols[3],
            "data part of Δθ": cols[4],
            "decay part of Δθ": decay,
            "Δθ (signed)": cols[6],
            "θ after": cols[7],
            "decay removes (% of θ)": percent,
        }
    )
    return DecayComparison(table, float(percent[0]), float(percent[1]))


def effective_decay(
    grad_scale: float,
    wd: float = 0.1,
    lr: float = 0.001,
    steps: int = 200,
    theta0: float = 5.0,
    noise: float = 0.0,
    seed: int = 0,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
) -> Table:
    """How much of θ Adam+L2 and AdamW remove per step through decay, for one weight.

    The weight receives gradients ``grad_scale·(1 + noise·z)`` with z standard normal
    (seeded; ``noise=0`` gives a constant gradient). A busy weight has a large
    ``grad_scale``, a quiet one a small one. Three engine runs share the gradients:
    Adam+L2 (``adam``, ``weight_decay=wd``), plain Adam (``weight_decay=0``) and AdamW.

    - AdamW's decay part of a step is its step minus its own undecayed direction,
      −η·λθ: always ``lr·wd`` of θ (0.01 % at the defaults), busy or quiet.
    - Adam+L2's decay part is the share of its m̂ that came from the λθ terms (its
      m̂ minus plain Adam's m̂, which saw the gradients alone), divided by its √v̂ like
      the rest of the step: ≈ η·λθ/√v̂, tiny for a busy weight, large for a quiet one.

    Returns
    -------
    Table
        ``step`` (1…steps), ``gradient g``, ``Adam+L2 θ``, ``AdamW θ`` (after the
        step), ``Adam+L2 decay (% of θ)``, ``AdamW decay (% of θ)`` (share of θ before
        the step removed by the decay term in that step).
    """
    steps = _steps(steps)
    rng = np.random.default_rng(seed)
    grads = grad_scale * (1.0 + noise * rng.standard_normal(steps))
    adam_hp = {"lr": lr, "beta1": beta1, "beta2": beta2, "eps": eps}
    runs = {
        "l2": optimizers.make("adam", weight_decay=wd, **adam_hp),
        "plain": optimizers.make("adam", weight_decay=0.0, **adam_hp),
        "adamw": optimizers.make("adamw", weight_decay=wd, **adam_hp),
    }
    trace: dict[str, dict[str, list[float]]] = {}
    for key, opt in runs.items():
        feed = iter(grads)
        record: dict[str, list[float]] = {
            "θ": [],
            "before": [],
            "m_hat": [],
            "v_hat": [],
            "dir": [],
        }
        before = theta0
        for params, _, info in _descend(opt, theta0, lambda _p, f=feed: np.array([next(f)]), steps):
            record["before"].append(before)
            record["θ"].append(_scalar(params))
            record["m_hat"].append(_scalar(info["m_hat"]))
            record["v_hat"].append(_scalar(info["v_hat"]))
            record["dir"].append(_scalar(info["direction"]))
            before = _scalar(params)
        trace[key] = record
    l2, plain, adamw = trace["l2"], trace["plain"], trace["adamw"]
    l2_decay = (
        -lr
        * (np.array(l2["m_hat"]) - np.array(plain["m_hat"]))
        / (np.sqrt(np.array(l2["v_hat"])) + eps)
    )
    w_step = np.diff(np.concatenate([[theta0], adamw["θ"]]))
    w_decay = w_step + lr * np.array(adamw["dir"])
    with np.errstate(divide="ignore", invalid="ignore"):
        l2_percent = -l2_decay / np.array(l2["before"]) * 100.0
        w_percent = -w_decay / np.array(adamw["before"]) * 100.0
    return _table(
        {
            "step": np.arange(1, steps + 1),
            "gradient g": grads,
            "Adam+L2 θ": l2["θ"],
            "AdamW θ": adamw["θ"],
            "Adam+L2 decay (% of θ)": l2_percent,
            "AdamW decay (% of θ)": w_percent,
        }
    )


# --------------------------------------------------------------------------- chapter 7


def cosine_table(
    peak_lr: float = 0.001,
    total: int = 1000,
    warmup: int = 100,
    at: Sequence[int] = (0, 50, 100, 325, 550, 775, 1000),
    min_lr: float = 0.0,
) -> Table:
    """Warmup + cosine decay at a few steps, from ``engine.schedules.make("cosine", …)``.

    At the defaults: 0 at 0, 0.0005 at 50, 0.001 at 100, 0.000854 at 325,
    0.0005 at 550, 0.000146 at 775, 0 at 1000.

    Columns: ``step``, ``phase``, ``progress p`` (fraction of the decay phase done,
    (t − W)/(T − W), NaN in warmup), ``learning rate η``, ``fraction of peak``.
    """
    schedule = schedules.make("cosine", peak_lr, total, warmup_steps=warmup, min_lr=min_lr)
    steps = np.asarray(at, dtype=int)
    rate = schedule(steps)
    phase = np.where(
        steps < warmup,
        "warmup",
        np.where(
            steps == warmup, "peak (warmup done)", np.where(steps < total, "cosine decay", "end")
        ),
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        progress = np.where(
            steps >= warmup, np.clip((steps - warmup) / max(total - warmup, 1), 0.0, 1.0), np.nan
        )
    return _table(
        {
            "step": steps,
            "phase": phase,
            "progress p": progress,
            "learning rate η": np.asarray(rate, dtype=float).reshape(steps.shape),
            "fraction of peak": np.asarray(rate, dtype=float).reshape(steps.shape) / peak_lr,
        }
    )

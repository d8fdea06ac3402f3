"""Chapter 0's pure logic: the lesson's learning rates, the parabola walk in words, the
odds that a critical point is a minimum. No Streamlit, no Plotly.

Every number comes from ``engine.worked`` or the landscapes at render time; the
helpers here only choose what to say and format it.
"""

from __future__ import annotations

import math

import numpy as np

from engine import worked
from kit.format import fmt, superscript

PAGE = "ch00"
LESSON_RATES = (0.1, 0.5, 1.1, 0.001)  # the four learning rates the lesson walks through
TABLE_STEPS = 5  # rows 0…5 of each worked table
SLOW_MILESTONES = (100, 1000)  # extra rows for the tiny learning rate
EXPLORER_LANDSCAPES = ("bowl", "ravine", "saddle")
EXPLORER_LR_RANGE = (0.001, 1.5)  # the explorer's learning-rate slider (log scale)
EXPLORER_LR_EXTRA = (0.9, 1.1)
SHOW_ME_STEPS = 40  # a "Show me" button runs this many steps in the explorer


def walkthrough_story(eta: float, table: dict[str, np.ndarray]) -> str:
    """What the selected run did, in words, with the engine's numbers filled in."""
    x, loss = table["x"], table["loss f(x)"]
    n = TABLE_STEPS
    factor = worked.parabola_factor(eta)
    path = ", ".join(fmt(v, 4) for v in x[: n + 1])
    if factor == 0:
        return (
            f"**One step and done.** From x = {fmt(x[0])} the first step lands at "
            f"x = {fmt(x[1])}, exactly on the minimum, with loss {fmt(loss[1])}. "
            "Every later gradient is zero, so the ball stays put. This η is perfect, "
            "but only for this parabola."
        )
    if factor >= 1:
        return (
            f"**Overshoot, then divergence.** x goes {path}: each step jumps across the "
            f"minimum and lands farther away than before. The loss climbs "
            f"{fmt(loss[0])} → {fmt(loss[1])} → {fmt(loss[2])} → … → {fmt(loss[n])}, "
            f"because every distance is multiplied by |1 − 2η| = {fmt(factor)} > 1."
        )
    if eta < 0.01:
        return (
            f"**Crawling.** The first steps barely move: x = {path}. After "
            f"{SLOW_MILESTONES[0]} steps x is only {fmt(x[SLOW_MILESTONES[0]])}, and even "
            f"after {SLOW_MILESTONES[1]} steps it has reached {fmt(x[SLOW_MILESTONES[1]])}, "
            f"still short of 3 (loss {fmt(loss[SLOW_MILESTONES[1]])}). Each step keeps "
            f"{fmt(factor)} of the distance, so progress is real but painfully slow."
        )
    return (
        f"**Steady convergence.** x goes {path} in {n} steps, and the loss falls "
        f"{fmt(loss[0])} → {fmt(loss[n])}. The steps shrink as the slope flattens: each one "
        f"keeps {fmt(factor)} of the remaining distance."
    )


def blown_up_or_fmt(value: float) -> str:
    """A huge value (a diverged run) in a short form such as -2.5e8: only its size matters."""
    if abs(value) < 1e5:
        return fmt(value)
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def steps_text(steps: float) -> str:
    if np.isinf(steps):
        return "never"
    if steps == 0:
        return "0 (one step lands)"
    return f"≈ {steps:.1f}"


def chance_all_curve_up(dimensions: int) -> tuple[float, int]:
    """(1/2)^d as (mantissa, exponent of ten), without underflow for huge d."""
    log10_p = -int(dimensions) * math.log10(2.0)
    exponent = math.floor(log10_p)
    return 10 ** (log10_p - exponent), exponent


MAX_WEIGHTS = 10**12  # the saddle calculator's largest network: a trillion weights


def weights_problem(dimensions: float) -> str | None:
    """Why ``dimensions`` is no number of weights (None when it is one: 1 … a trillion)."""
    if dimensions != int(dimensions) or dimensions < 1:
        return (
            f"{fmt(float(dimensions))} is not a number of weights: a network has at least one. "
            f"Enter a whole number from 1 to {MAX_WEIGHTS:,}."
        )
    if dimensions > MAX_WEIGHTS:
        return (
            f"{int(dimensions):,} weights is more than this calculator takes: enter a whole "
            f"number from 1 to {MAX_WEIGHTS:,}."
        )
    return None


def directions_phrase(dimensions: int) -> str:
    """The directions of a d-weight network, in words that agree with d."""
    d = int(dimensions)
    if d == 1:
        return "the one direction curves up"
    if d == 2:
        return "both directions curve up"
    return f"all {d:,} directions curve up"


def format_chance(dimensions: int, *, latex: bool = True) -> str:
    """(1/2)^d as text: “1 in 1,024” for small d; m × 10^k for large d.

    ``latex=True`` gives inline LaTeX for markdown; ``False`` plain text for tables.
    """
    d = int(dimensions)
    if d <= 20:
        return f"1 in {2**d:,}"
    mantissa, exponent = chance_all_curve_up(d)
    if latex:
        return f"$\\approx {mantissa:.2f} \\times 10^{{{exponent:,}}}$".replace(",", "{,}")
    return f"≈ {mantissa:.2f} × 10{superscript(exponent)}"

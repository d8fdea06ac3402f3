"""Chapter 0's generated questions: gradient descent on (x − 3)², with fresh numbers."""

from __future__ import annotations

from functools import partial

import numpy as np

from core.quiz import Option, numeric_options, register
from core.quiz_section import render_quiz
from engine import worked
from engine.worked import parabola_grad

# The page draws its quiz with this (importing this module registered the generators).
render = partial(render_quiz, 0)


def run_parabola(eta: float, steps: int, x0: float) -> list[float]:
    """x at steps 0…``steps`` of gradient descent on (x − 3)², from the engine."""
    table = worked.parabola(eta, steps, x0=x0)
    return [float(v) for v in table["x"]]


@register("parabola_two_steps")
def parabola_two_steps(rng: np.random.Generator) -> tuple[str, list[Option]]:
    x0 = float(rng.choice([-2.0, -1.0, 0.0, 1.0, 5.0, 6.0]))
    eta = float(rng.choice([0.05, 0.1, 0.2, 0.25, 0.3, 0.4]))
    xs = run_parabola(eta, 2, x0)
    # Named mistakes, each replaying two steps with one thing wrong.
    ascent, halfgrad = [x0], [x0]
    for _ in range(2):
        ascent.append(ascent[-1] + eta * float(parabola_grad(ascent[-1])))  # walks uphill
        halfgrad.append(halfgrad[-1] - eta * 0.5 * float(parabola_grad(halfgrad[-1])))  # no 2
    prompt = (
        f"Gradient descent on L(x) = (x − 3)² starts at x₀ = {x0:g} with η = {eta:g}. "
        "Where is x after **two** steps?"
    )
    options = numeric_options(
        (
            xs[2],
            f"Right. Each step is x ← x − η·2(x − 3): x₁ = {xs[1]:.4g}, then x₂ = {xs[2]:.4g}.",
        ),
        [
            (xs[1], f"That is x₁, after one step only; one more step gives {xs[2]:.4g}."),
            (
                ascent[2],
                "That adds the gradient instead of subtracting it: the ball walks uphill.",
            ),
            (
                halfgrad[2],
                "That forgets the factor 2 in the derivative 2(x − 3), so each step is half as long.",
            ),
            (3.0, "That is the minimum itself; with this η two steps do not land on it exactly."),
        ],
        rng,
    )
    return prompt, options


@register("parabola_contraction")
def parabola_contraction(rng: np.random.Generator) -> tuple[str, list[Option]]:
    eta = float(rng.choice([0.05, 0.15, 0.2, 0.3, 0.35, 0.6, 0.7, 0.8]))
    x0 = float(rng.choice([-3.0, -1.0, 0.0, 7.0]))
    xs = run_parabola(eta, 1, x0)
    factor = abs(xs[1] - 3.0) / abs(x0 - 3.0)  # measured from the engine's step
    flips = (xs[1] - 3.0) * (x0 - 3.0) < 0
    side = (
        " It also lands on the other side of the minimum each time (1 − 2η is negative)."
        if flips
        else ""
    )
    prompt = (
        f"On L(x) = (x − 3)² with η = {eta:g}, each gradient-descent step multiplies the "
        "distance to the minimum by a fixed factor. What is it?"
    )
    options = numeric_options(
        (factor, f"Right: x − 3 becomes (1 − 2η)(x − 3), and |1 − 2η| = {factor:.3g}.{side}"),
        [
            (abs(1 - eta), "That is 1 − η: it forgets that the slope of (x − 3)² is 2(x − 3)."),
            (2 * eta, "2η is how much of the distance is removed, not how much remains."),
            (
                factor**2,
                "That is how the *loss* shrinks per step (the square of the distance factor).",
            ),
        ],
        rng,
        fmt=lambda v: f"{v:.3g}",
    )
    return prompt, options

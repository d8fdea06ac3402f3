"""Chapter 2's generated questions: momentum's velocity, its window, Nesterov's lookahead."""

from __future__ import annotations

import functools
from functools import partial

import numpy as np

from core.quiz import Option, numeric_options, register
from core.quiz_section import render_quiz
from engine import optimizers
from kit.measure import run_fixed_gradients

# The page draws its quiz with this (importing this module registered the generators).
render = partial(render_quiz, 2)


@register("momentum_velocity")
def momentum_velocity(rng: np.random.Generator) -> tuple[str, list[Option]]:
    beta = float(rng.choice([0.5, 0.8, 0.9]))
    g1 = float(rng.choice([-6.0, -4.0, 2.0, 5.0]))
    g2 = float(rng.choice([-5.0, -3.0, 1.0, 4.0]))
    eta = 0.01
    _, states = run_fixed_gradients("momentum", {"lr": eta, "beta": beta}, 0.0, [g1, g2])
    velocity = float(np.asarray(states[-1]["velocity"]).reshape(-1)[0])
    prompt = (
        f"Momentum with β = {beta:g} starts at rest (v₀ = 0) and sees the gradients "
        f"g₁ = {g1:g}, then g₂ = {g2:g}. What is the velocity v₂ (with v = βv + g)?"
    )
    options = numeric_options(
        (velocity, f"Right: v₁ = g₁ = {g1:g}, then v₂ = β·v₁ + g₂ = {velocity:.4g}."),
        [
            (g1 + g2, "That adds the gradients without decaying the old one by β."),
            (beta * g2 + g1, "That decays the newest gradient instead of the older one."),
            (
                beta * (g1 + g2),
                "That scales the new gradient by β too; only the old velocity decays.",
            ),
        ],
        rng,
    )
    return prompt, options


@functools.lru_cache(maxsize=16)
def _steady_velocity(beta: float, steps: int = 1500) -> float:
    """Momentum's velocity after a constant gradient of 1 for ``steps`` steps (engine)."""
    _, states = run_fixed_gradients("momentum", {"lr": 0.01, "beta": beta}, 0.0, [1.0] * steps)
    return float(np.asarray(states[-1]["velocity"]).reshape(-1)[0])


@register("momentum_window")
def momentum_window(rng: np.random.Generator) -> tuple[str, list[Option]]:
    beta = float(rng.choice([0.5, 0.8, 0.9, 0.95, 0.98, 0.99]))
    # A constant gradient of 1 for long enough: the velocity settles at the sum of all
    # the weights 1 + β + β² + …, which is the effective window.
    window = _steady_velocity(beta)
    prompt = (
        f"Momentum with β = {beta:g} folds every gradient into its velocity with weights "
        "1, β, β², … (newest first). Over roughly how many recent steps does it remember "
        "gradients (its effective window)?"
    )
    options = numeric_options(
        (
            window,
            f"Right: the weights add up to 1/(1 − β) = {window:.3g}. Feed the engine's "
            f"momentum a constant gradient of 1 and its velocity settles at exactly {window:.3g}.",
        ),
        [
            (
                beta / (1 - beta),
                "That leaves out the newest gradient, whose weight is 1: the sum starts "
                "1 + β + β² + …, not β + β² + ….",
            ),
            (
                1 / beta,
                "That is 1/β, which hardly changes with β; the memory is set by how slowly "
                "β^k fades, 1/(1 − β).",
            ),
            (
                100 * beta,
                "β is the fraction of the velocity kept per step, not a number of steps.",
            ),
        ],
        rng,
        fmt=lambda v: f"about {v:.3g} steps",
    )
    return prompt, options


@register("nesterov_lookahead")
def nesterov_lookahead(rng: np.random.Generator) -> tuple[str, list[Option]]:
    theta = float(rng.choice([-2.0, -1.0, 0.5, 1.0, 2.0]))
    velocity = float(rng.choice([-20.0, -10.0, -4.0, 5.0, 8.0, 15.0]))
    eta = float(rng.choice([0.01, 0.02, 0.05, 0.1]))
    beta = float(rng.choice([0.8, 0.9, 0.95]))
    opt = optimizers.make("nesterov", lr=eta, beta=beta, lookahead=True)
    params = np.array([theta, 0.0])
    state = {**opt.init(params), "velocity": np.array([velocity, 0.0])}
    look = float(np.asarray(opt.lookahead(params, state)).reshape(-1)[0])
    prompt = (
        f"Nesterov momentum with η = {eta:g} and β = {beta:g} has a weight at θ = {theta:g} "
        f"with velocity v = {velocity:g} (it moves by θ ← θ − ηv). At which θ does it take "
        "its next gradient?"
    )
    options = numeric_options(
        (
            look,
            f"Right: the lookahead is θ − ηβv = {theta:g} − {eta:g}·{beta:g}·({velocity:g}) "
            f"= {look:.4g}, where the old velocity alone would carry the weight.",
        ),
        [
            (
                theta - eta * velocity,
                "That coasts by the full ηv; the lookahead uses the decayed velocity βv, "
                "the part that survives into the next step before any new gradient.",
            ),
            (
                theta + eta * beta * velocity,
                "Wrong direction: the weight moves by −ηv, so the lookahead is θ − ηβv.",
            ),
            (
                theta - beta * velocity,
                "That forgets the learning rate: the velocity is scaled by η before it moves θ.",
            ),
            (theta, "That is classical momentum, which takes the gradient where the weight is."),
        ],
        rng,
    )
    return prompt, options

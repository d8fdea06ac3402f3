"""Chapter 3's generated questions: AdaGrad's effective rate, RMSProp's moving average."""

from __future__ import annotations

from functools import partial

import numpy as np

from core.quiz import Option, numeric_options, register
from core.quiz_section import render_quiz
from engine import optimizers
from kit.measure import run_fixed_gradients

# The page draws its quiz with this (importing this module registered the generators).
render = partial(render_quiz, 3)


def last_buffer(state: dict[str, np.ndarray], name: str) -> float:
    """The first coordinate (the quiz's one weight) of buffer ``name``."""
    return float(np.asarray(state[name]).reshape(-1)[0])


@register("adagrad_effective_lr")
def adagrad_effective_lr(rng: np.random.Generator) -> tuple[str, list[Option]]:
    eta = float(rng.choice([0.05, 0.1, 0.2, 0.5]))
    grads = [float(v) for v in rng.choice([-4.0, -3.0, -2.0, -1.0, 1.0, 2.0, 3.0, 4.0], size=3)]
    _, states = run_fixed_gradients("adagrad", {"lr": eta}, 0.0, grads)
    g_sum = last_buffer(states[-1], "accumulator")
    opt = optimizers.make("adagrad", lr=eta)
    rate = float(np.asarray(optimizers.effective_lr(opt, states[-1])).reshape(-1)[0])
    _, rms_states = run_fixed_gradients("rmsprop", {"lr": eta, "rho": 0.9}, 0.0, grads)
    rms_rate = float(
        np.asarray(
            optimizers.effective_lr(optimizers.make("rmsprop", lr=eta, rho=0.9), rms_states[-1])
        ).reshape(-1)[0]
    )
    shown = ", ".join(f"{g:g}" for g in grads)
    prompt = (
        f"One weight under AdaGrad (η = {eta:g}, ε negligible) receives the gradients "
        f"{shown} in its first three steps. What is its effective learning rate "
        "η / (√G + ε) right after the third step?"
    )
    options = numeric_options(
        (
            rate,
            f"Right: G adds up every squared gradient, G = {g_sum:.4g}, and "
            f"η / √G = {eta:g} / {np.sqrt(g_sum):.4g} = {rate:.4g}. Signs do not matter: "
            "squares are never negative.",
        ),
        [
            (eta / g_sum, "That divides by G itself; AdaGrad divides by its square root."),
            (
                eta / abs(grads[-1]),
                "That uses only the latest gradient. AdaGrad's G remembers every step.",
            ),
            (
                rms_rate,
                "That is RMSProp's rate (ρ = 0.9): a moving average of g², not AdaGrad's sum.",
            ),
            (eta, "That is the base rate η; AdaGrad shrinks it as squared gradients pile up."),
        ],
        rng,
    )
    return prompt, options


@register("rmsprop_accumulator")
def rmsprop_accumulator(rng: np.random.Generator) -> tuple[str, list[Option]]:
    rho = float(rng.choice([0.8, 0.9, 0.95, 0.99]))  # not 0.5: two mistakes would coincide
    g1 = float(rng.choice([-4.0, -3.0, -2.0, 2.0, 3.0, 5.0]))
    g2 = float(rng.choice([-3.0, -1.0, 1.0, 2.0, 4.0]))
    _, states = run_fixed_gradients("rmsprop", {"lr": 0.01, "rho": rho}, 0.0, [g1, g2])
    g_avg = last_buffer(states[-1], "square_avg")
    g_first = last_buffer(states[0], "square_avg")
    _, ada_states = run_fixed_gradients("adagrad", {"lr": 0.01}, 0.0, [g1, g2])
    g_sum = last_buffer(ada_states[-1], "accumulator")
    prompt = (
        f"RMSProp with ρ = {rho:g} starts with G₀ = 0 and sees the gradients g₁ = {g1:g}, "
        f"then g₂ = {g2:g}. What is G₂, with G ← ρ·G + (1 − ρ)·g²?"
    )
    options = numeric_options(
        (
            g_avg,
            f"Right: G₁ = (1 − ρ)·({g1:g})² = {g_first:.4g}, then "
            f"G₂ = ρ·G₁ + (1 − ρ)·({g2:g})² = {g_avg:.4g}.",
        ),
        [
            (g_sum, "That is AdaGrad's running sum g₁² + g₂²: nothing is forgotten."),
            (
                rho * g1**2 + (1 - rho) * g2**2,
                "That starts G at g₁² instead of (1 − ρ)·g₁²: G₀ = 0 also takes part in "
                "the first average.",
            ),
            (
                (1 - rho) * g_first + rho * g2**2,
                "That swaps the weights: the old average keeps ρ, the new g² gets 1 − ρ.",
            ),
            (
                (1 - rho) * g2**2,
                "That forgets the old average ρ·G₁: RMSProp fades the past, it does not drop it.",
            ),
        ],
        rng,
    )
    return prompt, options

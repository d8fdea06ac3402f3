"""Chapter 4's generated questions: Adam's bias-corrected first moment, and the first step
without bias correction.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from core.quiz import Option, numeric_options, register
from core.quiz_section import render_quiz
from engine import worked
from kit.measure import run_fixed_gradients

# The page draws its quiz with this (importing this module registered the generators).
render = partial(render_quiz, 4)


@register("adam_m_hat")
def adam_m_hat(rng: np.random.Generator) -> tuple[str, list[Option]]:
    beta1 = float(rng.choice([0.8, 0.9]))
    g1 = float(rng.choice([-6.0, -4.0, -2.0, 2.0, 3.0, 5.0]))
    g2 = float(rng.choice([v for v in (-3.0, -1.0, 1.0, 2.0, 4.0) if v != g1]))
    table = worked.adam_three_steps(grads=(g1, g2), beta1=beta1)
    m2, m_hat2 = float(table["m"][1]), float(table["m̂"][1])
    prompt = (
        f"Adam with β₁ = {beta1:g} starts from m₀ = 0 and sees the gradients g₁ = {g1:g}, "
        f"then g₂ = {g2:g}. What is the bias-corrected first moment m̂₂ = m₂ / (1 − β₁²)?"
    )
    options = numeric_options(
        (
            m_hat2,
            f"Right: m₁ = (1 − β₁)·g₁ = {float(table['m'][0]):.4g}, "
            f"m₂ = β₁·m₁ + (1 − β₁)·g₂ = {m2:.4g}, and dividing by 1 − β₁² = "
            f"{1 - beta1**2:.4g} gives {m_hat2:.4g}: a weighted average of g₁ and g₂ that "
            "leans towards the newer one.",
        ),
        [
            (m2, "That is m₂ before the correction, still pulled towards its zero start."),
            (g2, "That is only the latest gradient: m̂ still remembers g₁."),
            (
                (g1 + g2) / 2,
                "That is the plain mean. Adam's average weights the newer gradient more.",
            ),
            (
                m2 / (1 - beta1),
                "That divides by 1 − β₁; at step 2 the correction is 1 − β₁², not 1 − β₁.",
            ),
        ],
        rng,
    )
    return prompt, options


@register("adam_uncorrected_first_step")
def adam_uncorrected_first_step(rng: np.random.Generator) -> tuple[str, list[Option]]:
    beta1 = float(rng.choice([0.8, 0.9, 0.95]))
    beta2 = float(rng.choice([0.999, 0.9999]))  # with these the uncorrected step is the longer
    g = float(rng.choice([-5.0, -2.0, 0.5, 3.0, 10.0]))
    hyper = {"lr": 0.001, "beta1": beta1, "beta2": beta2}
    (corrected,), _ = run_fixed_gradients("adam", hyper, 0.0, [g])
    (naive,), _ = run_fixed_gradients("adam", {**hyper, "bias_correction": False}, 0.0, [g])
    ratio = abs(naive) / abs(corrected)
    prompt = (
        f"Adam with β₁ = {beta1:g} and β₂ = {beta2:g} takes its first step on a gradient of "
        f"{g:g}. A buggy copy skips the bias correction (it uses m and v directly). "
        "How many times longer than the real Adam's first step is the buggy one's?"
    )
    options = numeric_options(
        (
            ratio,
            f"Right: m₁ = (1 − β₁)·g and √v₁ = √(1 − β₂)·|g|, so the buggy step is "
            f"η·(1 − β₁)/√(1 − β₂) = {ratio:.4g}·η, while the corrected step is η. "
            "The gradient's size cancels out.",
        ),
        [
            (
                (1 - beta1) / (1 - beta2),
                "That forgets the square root over v: the step divides by √v, not v.",
            ),
            (
                np.sqrt(1 - beta2) / (1 - beta1),
                "That is upside down: the uncorrected v is far too small, so the step grows.",
            ),
            (1.0, "The correction does change the first step: without it m and v are both shrunk."),
            (1 - beta1, "That accounts for m's shrinkage only; v is shrunk too, by more."),
        ],
        rng,
        fmt=lambda v: f"{v:.3g}×",
    )
    return prompt, options

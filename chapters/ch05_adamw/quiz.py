"""Chapter 5's generated questions: the share of θ Adam + L2 decays, AdamW's shrink factor."""

from __future__ import annotations

from functools import partial

import numpy as np

from core.quiz import Option, numeric_options, register
from core.quiz_section import render_quiz
from engine import worked
from kit.measure import run_fixed_gradients

# The page draws its quiz with this (importing this module registered the generators).
render = partial(render_quiz, 5)


@register("l2_vs_adamw_share")
def l2_vs_adamw_share(rng: np.random.Generator) -> tuple[str, list[Option]]:
    theta = float(rng.choice([2.0, 4.0, 5.0, 8.0, 10.0]))
    g = float(rng.choice([0.5, 1.0, 2.0, 3.0]))
    wd = float(rng.choice([0.01, 0.05, 0.1, 0.2]))
    v = float(rng.choice([0.25, 4.0, 9.0, 16.0, 25.0]))  # √v̂ = 1 would hide the difference
    lr = 0.001
    result = worked.l2_vs_decoupled(theta=theta, g=g, wd=wd, lr=lr, v=v)
    l2, decoupled = result.l2_percent, result.decoupled_percent
    prompt = (
        f"Late in training (bias correction negligible), a weight θ = {theta:g} has gradient "
        f"g = {g:g}, and Adam's second moment has settled at v̂ = {v:g}. With η = {lr:g} and "
        f"λ = {wd:g}, what share of θ does the **Adam + L2** decay term remove in one step?"
    )
    options = numeric_options(
        (
            l2,
            f"Right: L2 adds λθ = {wd * theta:.4g} to the gradient, and Adam divides it by "
            f"√v̂ = {np.sqrt(v):.4g} like everything else: η·λθ/√v̂ is {l2:.3g} % of θ.",
        ),
        [
            (
                decoupled,
                f"That is AdamW's share, ηλ = {decoupled:.3g} % of θ: it forgets that Adam "
                "divides the L2 term by √v̂.",
            ),
            (decoupled / v, "That divides by v̂ instead of its square root √v̂."),
            (decoupled * np.sqrt(v), "That multiplies by √v̂; Adam divides by it."),
            (wd * 100, "That is λ alone: the learning rate scales the decay too."),
        ],
        rng,
        fmt=lambda x: f"{x:.3g} %",
    )
    return prompt, options


@register("adamw_shrink_factor")
def adamw_shrink_factor(rng: np.random.Generator) -> tuple[str, list[Option]]:
    lr = float(rng.choice([0.0001, 0.0003, 0.001, 0.003, 0.01]))
    wd = float(rng.choice([0.01, 0.05, 0.1, 0.3]))
    theta = 1.0
    # A zero gradient leaves m = 0, so the step is the decay alone.
    (after,), _ = run_fixed_gradients("adamw", {"lr": lr, "weight_decay": wd}, theta, [0.0])
    factor = after / theta
    prompt = (
        f"AdamW runs with η = {lr:g} and weight decay λ = {wd:g}. Whatever the gradient does, "
        "its decay multiplies each weight by the same factor every step. What is that factor?"
    )
    options = numeric_options(
        (
            factor,
            f"Right: decoupled decay is θ ← θ − ηλθ = (1 − ηλ)·θ, and 1 − {lr:g}·{wd:g} = "
            f"{factor:.6g}, the same for every weight.",
        ),
        [
            (1 - wd, "That forgets η: the decay is scaled by the learning rate."),
            (1 - lr, "That forgets λ: η alone is the step size, not the decay."),
            (1 + lr * wd, "Decay shrinks the weight; a factor above 1 would grow it."),
            (lr * wd, "That is the share removed each step, ηλ, not the factor that remains."),
        ],
        rng,
        fmt=lambda x: f"{x:.6g}",
    )
    return prompt, options

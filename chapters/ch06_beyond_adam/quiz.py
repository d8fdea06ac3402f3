"""Chapter 6's generated questions: Adafactor's saving in memory, two steps of Lion."""

from __future__ import annotations

from functools import partial

import numpy as np

from core.quiz import Option, numeric_options, register
from core.quiz_section import render_quiz
from engine import optimizers
from kit.measure import run_fixed_gradients

# The page draws its quiz with this (importing this module registered the generators).
render = partial(render_quiz, 6)


@register("adafactor_state_ratio")
def adafactor_state_ratio(rng: np.random.Generator) -> tuple[str, list[Option]]:
    rows = int(rng.choice([512, 768, 1024, 2048, 4096, 8192]))
    cols = int(rng.choice([256, 1024, 3072, 4096, 16384]))
    n = optimizers.factored_state_numbers(rows, cols)
    ratio = n["adam"] / n["adafactor"]
    prompt = (
        f"A weight matrix has {rows:,} rows and {cols:,} columns. Adam keeps m and v for every "
        "weight; Adafactor keeps one running mean of g² per row and one per column. "
        "How many times smaller is Adafactor's optimizer state?"
    )
    options = numeric_options(
        (
            ratio,
            f"Right: Adam keeps 2 × {rows:,} × {cols:,} = {n['adam']:,} numbers, Adafactor "
            f"{rows:,} + {cols:,} = {n['adafactor']:,}, a ratio of {ratio:,.1f}.",
        ),
        [
            (
                n["weights"] / n["adafactor"],
                "That compares with Adam's second moment v alone; Adam also keeps m.",
            ),
            (
                n["adam"] / max(rows, cols),
                "That counts only the longer of the two factors; Adafactor keeps a row "
                "vector and a column vector.",
            ),
            (
                n["adam"] / min(rows, cols),
                "That counts only the shorter of the two factors; Adafactor keeps both.",
            ),
        ],
        rng,
        fmt=lambda v: f"{v:,.1f}",
    )
    return prompt, options


@register("lion_two_steps")
def lion_two_steps(rng: np.random.Generator) -> tuple[str, list[Option]]:
    theta0 = float(rng.choice([0.5, 1.0, 2.0, -1.0]))
    lr = float(rng.choice([0.01, 0.02, 0.05]))
    g1 = float(rng.choice([-6.0, -4.0, 3.0, 5.0]))
    g2 = float(-np.sign(g1) * rng.choice([0.1, 0.2, 0.5, 1.0, 3.0]))
    hp = {"lr": lr, "beta1": 0.9, "beta2": 0.99}
    thetas, states = run_fixed_gradients("lion", hp, theta0, [g1, g2])
    m1 = float(np.asarray(states[0]["m"]).reshape(-1)[0])
    blend = hp["beta1"] * m1 + (1 - hp["beta1"]) * g2
    sgd_like, _ = run_fixed_gradients("sgd", {"lr": lr}, theta0, [g1, g2])
    prompt = (
        f"Lion (β₁ = {hp['beta1']:g}, β₂ = {hp['beta2']:g}, no weight decay) starts at "
        f"θ = {theta0:g} with m = 0 and η = {lr:g}. It sees the gradient {g1:g}, then {g2:g}. "
        "Where is θ after the two steps?"
    )
    direction = "keeps the old direction" if np.sign(blend) == np.sign(g1) else "turns around"
    options = numeric_options(
        (
            thetas[1],
            f"Right: step 1 moves by η against sign({g1:g}); then m₁ = (1 − β₂)·({g1:g}) = "
            f"{m1:.3g}, so the blend β₁m₁ + (1 − β₁)g₂ = {blend:.3g} and step 2 {direction}.",
        ),
        [
            (thetas[0], "That is θ after the first step only."),
            (
                sgd_like[1],
                "That scales the steps by the gradients' sizes like SGD; Lion keeps only their signs.",
            ),
            (
                theta0 - 2 * lr * np.sign(g1),
                "That assumes the momentum always wins; with β₁ = 0.9 the new gradient has "
                "weight 0.1 and m₁ is small.",
            ),
            (
                theta0 + 2 * lr * np.sign(g1),
                "That moves with the gradient's sign instead of against it: uphill.",
            ),
        ],
        rng,
    )
    return prompt, options

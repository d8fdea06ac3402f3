"""Chapter 10's generated questions: a layer's update-to-weight ratio, and how many
numbers of optimizer state AdamW and Lion keep for a network (counted by the engine)."""

from __future__ import annotations

from functools import partial

import numpy as np

from core.quiz import Option, numeric_options, register
from core.quiz_section import render_quiz
from engine import optimizers
from engine.network import Network

# The page draws its quiz with this (importing this module registered the generators).
render = partial(render_quiz, 10)


@register("update_ratio")
def update_ratio(rng: np.random.Generator) -> tuple[str, list[Option]]:
    weight_norm = float(rng.choice([4.0, 8.0, 12.0, 20.0, 32.0]))
    update_norm = float(rng.choice([0.002, 0.004, 0.01, 0.03, 0.08]))
    ratio = update_norm / weight_norm
    prompt = (
        f"After one step, a layer's weights have norm ‖w‖ = {weight_norm:g} and the step "
        f"changed them by ‖Δw‖ = {update_norm:g}. What is the update-to-weight ratio, the "
        "number the 10⁻³ rule of thumb is about?"
    )
    options = numeric_options(
        (ratio, f"Right: ‖Δw‖/‖w‖ = {update_norm:g}/{weight_norm:g} = {ratio:.3g}."),
        [
            (weight_norm / update_norm, "That is the ratio upside down: ‖w‖/‖Δw‖."),
            (update_norm, "That is ‖Δw‖ alone; the rule compares it with the size of w."),
            (ratio * ratio, "That squares the ratio: the norms are already square roots."),
            (update_norm / weight_norm**2, "That divides by ‖w‖²; divide by ‖w‖ once."),
        ],
        rng,
        fmt=lambda v: f"{v:.3g}",
    )
    return prompt, options


@register("lion_memory")
def lion_memory(rng: np.random.Generator) -> tuple[str, list[Option]]:
    inputs = int(rng.choice([2, 16, 64]))
    width = int(rng.choice([8, 16, 32, 64]))
    classes = int(rng.choice([2, 10]))
    net = Network(inputs, (width,), classes)
    numbers = {
        name: sum(optimizers.state_bytes(name, shape, 1) for shape in net.param_shapes.values())
        for name in ("adamw", "lion", "momentum")
    }
    prompt = (
        f"A {net.describe()} network has {net.n_params:,} weights and biases. How many "
        "numbers of optimizer state does Lion keep for it (AdamW keeps "
        f"{numbers['adamw']:,})?"
    )
    options = numeric_options(
        (
            numbers["lion"],
            f"Right: Lion keeps one momentum buffer per weight, {numbers['lion']:,}: half "
            "of AdamW's two (m and v).",
        ),
        [
            (numbers["adamw"], "That is AdamW's count: Lion has no second moment v."),
            (2 * numbers["adamw"], "That counts four buffers per weight; Lion keeps one."),
            (0, "That is plain SGD's state. Lion keeps an exponential average of gradients."),
        ],
        rng,
        fmt=lambda v: f"{v:,.0f}",
    )
    return prompt, options

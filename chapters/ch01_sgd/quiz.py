"""Chapter 1's generated questions: one SGD step, a mini-batch gradient of the lesson's
four points.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from core.quiz import Option, numeric_options, register
from core.quiz_section import render_quiz
from engine import worked
from kit.measure import run_fixed_gradients

# The page draws its quiz with this (importing this module registered the generators).
render = partial(render_quiz, 1)


@register("sgd_step")
def sgd_step(rng: np.random.Generator) -> tuple[str, list[Option]]:
    theta = float(rng.choice([0.5, 1.0, 1.5, 2.0]))
    grad = float(rng.choice([-20.0, -13.5, -7.0, -4.0, 6.0, 12.0]))
    eta = float(rng.choice([0.01, 0.02, 0.05]))
    (after,), _ = run_fixed_gradients("sgd", {"lr": eta}, theta, [grad])
    wrong_sign = theta + eta * grad  # the sign mistake, for a distractor
    prompt = (
        f"A mini-batch gives the gradient g = {grad:g} at θ = {theta:g}. "
        f"What is θ after one SGD step with η = {eta:g}?"
    )
    options = numeric_options(
        (after, f"Right: θ − η·g = {theta:g} − {eta:g}·({grad:g}) = {after:.4g}."),
        [
            (wrong_sign, "That adds η·g: a step uphill, in the direction the loss grows."),
            (
                theta - grad,
                "That forgets the learning rate: the raw gradient is far too big a step.",
            ),
            (eta * grad, "That is η·g, the size of the change, not the new weight."),
        ],
        rng,
    )
    return prompt, options


@register("four_point_batch_gradient")
def four_point_batch_gradient(rng: np.random.Generator) -> tuple[str, list[Option]]:
    """The lesson's four points: the gradient of a random batch of two at a random θ."""
    theta = float(rng.choice([0.0, 0.5, 1.0, 1.5, 2.5]))
    batch = tuple(sorted(int(i) for i in rng.choice([1, 2, 3, 4], size=2, replace=False)))
    grad = worked.four_point_gradient(theta, batch)
    full = worked.four_point_gradient(theta)
    each = [worked.four_point_gradient(theta, (i,)) for i in batch]
    summed = sum(each)
    points = ", ".join(
        f"({x:g}, {y:g})" for x, y in zip(worked.FOUR_POINT_X, worked.FOUR_POINT_Y, strict=True)
    )
    names = "{" + ", ".join(str(i) for i in batch) + "}"
    prompt = (
        f"Four points (x, y) = {points} are fitted by y = θx, each with loss (y − θx)². "
        f"At θ = {theta:g}, what is the gradient of the mini-batch of examples {names} "
        "(the mean of their per-example gradients −2x(y − θx))?"
    )
    options = numeric_options(
        (
            grad,
            f"Right: the per-example gradients are {each[0]:g} and {each[1]:g}; "
            f"their mean is {grad:g}.",
        ),
        [
            (full, "That is the full-batch gradient over all four points, not this batch's."),
            (summed, "That adds the two per-example gradients instead of averaging them."),
            (-grad, "The sign is flipped: the derivative of (y − θx)² is −2x(y − θx)."),
        ],
        rng,
    )
    return prompt, options

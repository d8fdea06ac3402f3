"""Chapter 7's generated questions: a warmup + cosine rate at a step, and the rate when
scheduler.step() is called once per epoch.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from core.quiz import Option, numeric_options, register
from core.quiz_section import render_quiz
from engine import schedules

# The page draws its quiz with this (importing this module registered the generators).
render = partial(render_quiz, 7)


@register("cosine_rate_at_step")
def cosine_rate_at_step(rng: np.random.Generator) -> tuple[str, list[Option]]:
    total = int(rng.choice([1000, 2000, 4000, 10000]))
    warm = int(total * float(rng.choice([0.05, 0.1, 0.2])))
    peak = float(rng.choice([0.0003, 0.0006, 0.001, 0.003]))
    progress = float(rng.choice([1 / 6, 1 / 4, 1 / 3, 2 / 3, 3 / 4, 5 / 6]))
    step = warm + int(round(progress * (total - warm)))
    rate = float(schedules.make("cosine", peak, total, warmup_steps=warm)(step))
    no_warmup = float(schedules.make("cosine", peak, total)(step))  # progress measured from 0
    linear = float(schedules.make("linear", peak, total, warmup_steps=warm)(step))
    p = (step - warm) / (total - warm)
    prompt = (
        f"A schedule warms up linearly for W = {warm:,} steps to η_max = {peak:g}, then "
        f"follows a cosine down to 0 at T = {total:,}. What is the learning rate at step "
        f"t = {step:,}?"
    )
    options = numeric_options(
        (
            rate,
            f"Right: p = (t − W)/(T − W) = {p:.4g}, and η_max·(1 + cos πp)/2 = {rate:.3g}.",
        ),
        [
            (
                no_warmup,
                "That measures progress as t/T, from step 0: the decay phase only starts "
                "once warmup ends, so p = (t − W)/(T − W).",
            ),
            (linear, "That is linear decay to 0, not the cosine."),
            (
                peak * float(np.cos(np.pi * p)),
                "That drops the (1 + …)/2: η_max·cos πp would go negative past the midpoint.",
            ),
            (
                peak - rate,
                "That turns the cosine upside down: it is how much rate has been given up, "
                "not what is left.",
            ),
        ],
        rng,
        fmt=lambda v: f"{v:.3g}",
    )
    return prompt, options


@register("scheduler_per_epoch")
def scheduler_per_epoch(rng: np.random.Generator) -> tuple[str, list[Option]]:
    epochs = int(rng.choice([5, 8, 10, 20]))
    batches = int(rng.choice([50, 100, 200, 500]))
    total = epochs * batches
    warm = total // 10
    peak = float(rng.choice([0.0003, 0.001, 0.003]))
    sched = schedules.make("cosine", peak, total, warmup_steps=warm)
    during_last = float(sched(epochs - 1))  # the counter has been stepped E − 1 times
    prompt = (
        f"A warmup + cosine schedule is built for T = {total:,} steps ({epochs} epochs × "
        f"{batches} batches), with W = {warm:,} warmup steps and η_max = {peak:g}. The "
        "training loop calls `scheduler.step()` once at the end of every **epoch** instead "
        "of after every batch. What learning rate does the optimizer use during the last "
        "epoch?"
    )
    options = numeric_options(
        (
            during_last,
            f"Right: by the last epoch the scheduler has been stepped only {epochs - 1} "
            f"times, so it is still in warmup at η_max·{epochs - 1}/{warm:,} = "
            f"{during_last:.3g}.",
        ),
        [
            (
                float(sched(total - 1)),
                "That is the rate meant for the last batch, had the scheduler been stepped "
                "every batch.",
            ),
            (
                peak,
                "That assumes warmup has finished; it is counted in scheduler steps, "
                "and only a handful have happened.",
            ),
            (
                float(sched(epochs)),
                "One step too many: during the last epoch the counter reads the number of "
                "epochs already finished.",
            ),
            (0.0, "That would be the rate if scheduler.step() were never called at all."),
        ],
        rng,
        fmt=lambda v: f"{v:.3g}",
    )
    return prompt, options

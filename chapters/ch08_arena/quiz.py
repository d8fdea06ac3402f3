"""Chapter 8's generated questions: predict a race's winner (then open it in the arena),
and the best of four learning rates.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from chapters.ch08_arena.link import Setup, setup_to_query, share_path
from core.quiz import Option, register
from core.quiz_section import render_quiz
from engine import landscapes, optimizers, simulate
from kit.measure import steps_to

# The page draws its quiz with this (importing this module registered the generators).
render = partial(render_quiz, 8)


ARENA_CONTENDERS = ("sgd", "momentum", "rmsprop", "adam")


ARENA_STEPS = 200


ARENA_FINISH = 1e-3


def arena_result(name: str, landscape: str, lr: float) -> tuple[int | None, int | None, float]:
    """(finishing step, divergence step, final loss) of one arena race, from the engine."""
    land = landscapes.get(landscape)
    traj = simulate.run(optimizers.make(name, lr=lr), land, land.start, ARENA_STEPS)
    finish = steps_to(traj.losses, ARENA_FINISH, traj.diverged_at)
    return finish, traj.diverged_at, float(traj.losses[-1])


@register("arena_predict_winner")
def arena_predict_winner(rng: np.random.Generator) -> tuple[str, list[Option]]:
    """Predict the winner of a four-way race, then run it in the arena to check."""

    for _ in range(40):
        landscape = str(rng.choice(["ravine", "bowl", "elliptical", "saddle", "himmelblau"]))
        lr = float(rng.choice([0.003, 0.01, 0.03, 0.1]))
        results = {n: arena_result(n, landscape, lr) for n in ARENA_CONTENDERS}
        finishes = sorted(r[0] for r in results.values() if r[0] is not None)
        if not finishes or len(finishes) == 1 or finishes[0] < finishes[1]:
            break
    title = landscapes.get(landscape).title
    link = share_path(
        setup_to_query(Setup(landscape=landscape, optimizers=ARENA_CONTENDERS, lr=lr))
    )
    prompt = (
        f"**Predict, then race.** On the {title}, from its default start, SGD, Momentum, "
        f"RMSProp and Adam all get η = {lr:g}. Which one reaches loss ≤ {ARENA_FINISH:g} "
        f"first within {ARENA_STEPS} steps? Decide, then [open this race in the arena]"
        f"({link}) and press Play twice to check."
    )
    winner = None
    if finishes:
        winner = min((r[0], n) for n, r in results.items() if r[0] is not None)[1]
    options = []
    for name in ARENA_CONTENDERS:
        finish, diverged, final = results[name]
        label = optimizers.info(name).display_name
        if finish is not None:
            why = f"{label} crossed the line at step {finish}."
            if name != winner:
                first = optimizers.info(winner).display_name
                why += f" {first} got there sooner, at step {results[winner][0]}."
        elif diverged is not None:
            why = f"{label} diverged at step {diverged}: η = {lr:g} is too big a step for it here."
        else:
            why = f"{label} was still at loss {final:.3g} after {ARENA_STEPS} steps."
        options.append(Option(label, name == winner, why))
    if winner is None:
        none_why = f"Right: nobody got below {ARENA_FINISH:g} in {ARENA_STEPS} steps at this rate."
    else:
        none_why = (
            f"{optimizers.info(winner).display_name} did finish, at step {results[winner][0]}."
        )
    options.append(Option(f"None of them within {ARENA_STEPS} steps", winner is None, none_why))
    return prompt, options


@register("arena_best_rate")
def arena_best_rate(rng: np.random.Generator) -> tuple[str, list[Option]]:
    """Which of four learning rates ends lowest? One batched sweep answers it."""
    for _ in range(40):
        name = str(rng.choice(["sgd", "momentum"]))
        landscape = str(rng.choice(["bowl", "elliptical", "ravine"]))
        rates = np.sort(
            rng.choice([0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 0.6, 1.0], 4, replace=False)
        )
        land = landscapes.get(landscape)
        steps = 50
        sweep = simulate.sweep(name, land, land.start, steps, rates)
        final = np.where(sweep.diverged_at < 0, sweep.losses[-1], np.inf)
        order = np.argsort(final)
        if np.isfinite(final[order[0]]) and final[order[0]] < 0.5 * final[order[1]]:
            break
    label = optimizers.info(name).display_name
    prompt = (
        f"A sweep runs {label} on the {land.title} from its default start for {steps} steps "
        f"at four learning rates. Which rate ends with the **lowest** loss?"
    )
    best = int(order[0])
    options = []
    for i, lr in enumerate(rates):
        if sweep.diverged_at[i] >= 0:
            why = f"At η = {lr:g} the run diverged at step {int(sweep.diverged_at[i])}."
        else:
            why = f"At η = {lr:g} the final loss is {sweep.losses[-1][i]:.3g}."
        if i == best:
            why = "Right. " + why + " Bigger rates overshoot or blow up; smaller ones crawl."
        options.append(Option(f"η = {lr:g}", i == best, why))
    return prompt, options

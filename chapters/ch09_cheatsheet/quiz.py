"""Chapter 9's generated questions: a walk through the flowchart, and the memory of an
optimizer's state for a whole model.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from chapters.ch09_cheatsheet.logic import fmt_range, state_bytes_per_weight
from chapters.ch09_cheatsheet.tree import load_cheatsheet, recipe_name
from core.quiz import Option, numeric_options, register
from core.quiz_section import render_quiz
from engine import optimizers
from kit.format import human_bytes

# The page draws its quiz with this (importing this module registered the generators).
render = partial(render_quiz, 9)


@register("cheatsheet_flowchart_walk")
def cheatsheet_flowchart_walk(rng: np.random.Generator) -> tuple[str, list[Option]]:
    """A random path through the decision tree; the walk itself grades the answer."""
    tree = load_cheatsheet().tree
    leaves = tree.leaves()
    answers = tree.answers_to(leaves[int(rng.integers(len(leaves)))])
    reached = tree.walk(answers).recommendation  # the grader: follow the answers

    def recipe(leaf: str) -> str:
        node = tree.node(leaf)
        return f"{recipe_name(node.optimizer)}, peak rate {fmt_range(node.lr)}"

    def where_it_splits(leaf: str) -> str:
        ours, theirs = tree.path_to(reached), tree.path_to(leaf)
        k = next(i for i, (a, b) in enumerate(zip(ours, theirs, strict=False)) if a != b)
        question = tree.node(ours[k - 1]).question
        return (
            f"That is the recipe for another situation ({tree.node(leaf).situation}). The paths part at "
            f"“{question}”: it answers “{tree.node(theirs[k]).answer}”, you answered "
            f"“{tree.node(ours[k]).answer}”."
        )

    correct_text = recipe(reached)
    node = tree.node(reached)
    options = [Option(correct_text, True, f"Right: {node.situation}. {node.why}")]
    seen = {correct_text}
    for i in rng.permutation(len(leaves)):
        leaf = leaves[int(i)]
        text = recipe(leaf)
        if leaf == reached or text in seen:
            continue
        seen.add(text)
        options.append(Option(text, False, where_it_splits(leaf)))
        if len(options) == 4:
            break
    order = rng.permutation(len(options))
    steps = " → ".join(f"“{a}”" for a in answers)
    prompt = (
        f"You answer the flowchart's questions like this: {steps}. Which recipe does it recommend?"
    )
    return prompt, [options[int(i)] for i in order]


@register("cheatsheet_optimizer_memory")
def cheatsheet_optimizer_memory(rng: np.random.Generator) -> tuple[str, list[Option]]:
    """Optimizer-state memory of a whole model, counted by the engine (state_bytes)."""
    name = str(rng.choice(["momentum", "adagrad", "rmsprop", "adam", "adamw", "lamb", "lion"]))
    millions = int(rng.choice([125, 350, 760, 1300, 2700, 6700, 13000]))
    info = optimizers.info(name)
    per_weight = state_bytes_per_weight(name)  # the engine's count
    weights = millions * 1e6
    state = per_weight * weights
    buffers = info.n_buffers
    prompt = (
        f"A model has {millions:,} million weights, stored in fp32 (4 bytes each), and is "
        f"trained with {info.display_name}. How much memory does the optimizer's state take, "
        "on top of the weights and their gradients?"
    )
    wrong = [
        (
            state + 4 * weights,
            "That adds the weights themselves; the question asks for the optimizer's state only.",
        ),
        (
            state / 2,
            "That stores the state in 2-byte numbers; here every number takes 4 bytes.",
        ),
        (
            8 * weights if buffers == 1 else 4 * weights,
            f"That counts {'two buffers' if buffers == 1 else 'one buffer'} per weight; "
            f"{info.display_name} keeps {info.memory}.",
        ),
        (state * 8, "That counts bits, not bytes."),
    ]
    options = numeric_options(
        (
            state,
            f"Right: {info.display_name} keeps {info.memory}, {per_weight:g} bytes per weight, "
            f"times {millions:,} million weights.",
        ),
        wrong[:3] if rng.random() < 0.5 else [wrong[0], wrong[1], wrong[3]],
        rng,
        fmt=human_bytes,
    )
    return prompt, options

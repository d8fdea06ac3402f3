"""Chapter 1's interactive sections (the page script keeps the prose and the order):
the cost calculator, the pipeline cards, the gradient-noise lab with its two walkers,
the worked four-point example and the saddle escape."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import streamlit as st

from chapters.ch01_sgd import figures, logic
from chapters.ch01_sgd.figures import (
    FULL_COLOR,
    MAP_STYLE,
    MINI_COLOR,
    dotted_chart,
    excess_loss_chart,
    softened_chart,
)
from chapters.ch01_sgd.logic import (
    ARROW_SCALE,
    CLICK_GRID_N,
    DEFAULT_BATCH,
    N_ARROWS,
    PAGE,
    PLAY_STEPS,
    SADDLE_SIGMA,
    SADDLE_START,
    VARIANCE_DRAWS,
    CostEstimate,
    Stepper,
    TwoPaths,
    advance_paths,
    duration_text,
    new_paths,
    paths_slot,
    problem,
    regression_stepper,
    saddle_stepper,
    seconds_text,
    spectrum_table,
    vec_text,
)
from engine import landscapes, minibatch, simulate, worked
from kit import charts, clicks, controls
from kit.controls import page_state, persistent
from kit.explorer import landscape_grid
from kit.format import fmt, format_rate, table_text
from kit.plots.curves import loss_curve_figure
from kit.plots.landscape import landscape_figure
from kit.plots.memo import memo_figure
from kit.plots.series import PathTrace, Point
from kit.state import PageState

# The engine work behind the charts and tables, cached across reruns and sessions.
problem_grid = st.cache_data(show_spinner=False, max_entries=4)(logic.problem_grid)
variance_data = st.cache_data(show_spinner=False, max_entries=64)(logic.variance_data)
measured_variance = st.cache_data(show_spinner=False, max_entries=128)(logic.measured_variance)
escape_table = st.cache_data(show_spinner=False, max_entries=32)(logic.escape_table)
STATE = page_state(PAGE)


def point_setter(state: PageState, target: str) -> Callable[[Point], None]:
    """What a click on one of the chapter's maps does: store the point under ``target``
    (the walkers, synced to it, start again from there)."""
    return lambda point: state.set(target, point)


def point_map(name: str, fig: Any, target: str, bounds: tuple[Point, Point], view: str) -> None:
    """A map whose click (in 2-D) stores the point under ``target``; turnable in 3-D."""
    clicks.map_chart(
        STATE,
        name,
        fig,
        view,
        bounds=bounds,
        on_point=point_setter(STATE, target),
        hint_3d="Drag to turn the surface. Switch to 2-D to click a new point.",
        toolbar_3d=False,
        current=STATE.get(target),
    )


def cost_calculator() -> CostEstimate:
    """The ImageNet arithmetic, with the learner's own numbers."""
    state = STATE
    c1, c2, c3, c4 = st.columns(4)
    with c1:
        n = controls.number(
            state,
            "cost:n",
            "Training examples N",
            min_value=1,
            max_value=10**10,
            default=1_200_000,
            step=100_000,
            help="ImageNet's training set has about 1.2 million images.",
        )
    with c2:
        ms = controls.number(
            state,
            "cost:ms",
            "ms per example (forward + backward)",
            min_value=0.001,
            max_value=100_000.0,
            default=10.0,
            step=1.0,
            help="Roughly a ResNet-50 image on one GPU.",
        )
    with c3:
        steps = controls.number(
            state,
            "cost:steps",
            "Update steps to converge",
            min_value=1,
            max_value=10**9,
            default=100_000,
            step=10_000,
        )
    with c4:
        batch = controls.number(
            state,
            "cost:batch",
            "Mini-batch size B",
            min_value=1,
            max_value=10**10,
            default=32,
            step=1,
        )
    n, steps, batch = int(n), int(steps), int(batch)
    if batch > n:
        st.warning(
            f"A mini-batch cannot hold more examples than the data set has ({n:,}); "
            f"the numbers below use B = N = {n:,}."
        )
        batch = n
    est = CostEstimate(n, float(ms), steps, batch)
    with st.container(horizontal=True, gap="medium"):
        st.metric(
            "One full-batch step",
            duration_text(est.full_step_seconds),
            help=f"{n:,} examples × {fmt(est.ms_per_example)} ms = "
            f"{seconds_text(est.full_step_seconds)}",
            border=True,
            width="content",
        )
        st.metric(
            f"{steps:,} full-batch steps",
            duration_text(est.full_total_seconds),
            border=True,
            width="content",
        )
        st.metric(
            f"One step with B = {batch:,}",
            duration_text(est.batch_step_seconds),
            border=True,
            width="content",
        )
        st.metric(
            "Mini-batch steps in the time of one full-batch step",
            f"{est.batch_steps_per_full_step:,.0f}"
            if est.batch_steps_per_full_step >= 100
            else fmt(est.batch_steps_per_full_step, 4),
            border=True,
            width="content",
        )
    st.markdown(
        f"One exact gradient costs {n:,} × {fmt(est.ms_per_example)} ms = "
        f"**{seconds_text(est.full_step_seconds)}**, about "
        f"**{duration_text(est.full_step_seconds)}** for a single step. Times {steps:,} "
        f"steps, that is **{duration_text(est.full_total_seconds)}** of computing. With "
        f"B = {batch:,} a step takes {duration_text(est.batch_step_seconds)}, so "
        f"{steps:,} of them take {duration_text(est.batch_total_seconds)}."
    )
    return est


# --------------------------------------------------------------------------- pipeline


def pipeline_demo() -> None:
    """Shuffle → split → update → repeat, on ten numbered examples, as four cards."""
    state = STATE
    n_demo = 10
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    with left:
        batch = st.slider(
            "Batch size B for this picture",
            min_value=1,
            max_value=n_demo,
            value=3,
            **persistent(state, "pipe:B"),
        )
    with right:
        st.button(
            "Next epoch (reshuffle)",
            key=state.key("pipe:next"),
            icon=":material/shuffle:",
            on_click=lambda: state.set("pipe:epoch", state.get("pipe:epoch", 1) + 1),
        )
    epoch = int(state.get("pipe:epoch", 1))
    order = minibatch.batch_indices(n_demo, n_demo, 1, seed=epoch)[0] + 1
    batches = [order[i : i + batch] for i in range(0, n_demo, batch)]
    updates = len(batches)
    ragged = n_demo % batch != 0

    cards = st.columns(4, gap="small")
    with cards[0], st.container(border=True, height="stretch"):
        st.markdown("**① Shuffle**")
        st.caption(f"Epoch {epoch}: a fresh random order of the {n_demo} examples.")
        st.markdown(" ".join(f"`{i}`" for i in order))
    with cards[1], st.container(border=True, height="stretch"):
        st.markdown("**② Split**")
        st.caption(f"Cut the order into chunks of B = {batch}.")
        st.markdown("  \n".join(" ".join(f"`{i}`" for i in b) for b in batches))
        if ragged:
            short = len(batches[-1])
            st.caption(f"The last batch is short: {short} example{'s' if short != 1 else ''}.")
    with cards[2], st.container(border=True, height="stretch"):
        st.markdown("**③ Update, once per batch**")
        st.caption("Forward and backward on the batch only, then one step.")
        st.markdown("θ ← θ − η · ∇L̃(θ)")
    with cards[3], st.container(border=True, height="stretch"):
        st.markdown("**④ Epoch done: repeat**")
        st.caption("Every example was used exactly once.")
        st.markdown(
            f"⌈N/B⌉ = ⌈{n_demo}/{batch}⌉ = **{updates} update{'s' if updates != 1 else ''}** "
            "this epoch. Reshuffle and go again."
        )


def sync_paths(state: PageState, name: str, start: Point) -> TwoPaths:
    """The stored paths ``name``; a new start begins afresh (a new seed, too)."""
    paths = state.get(paths_slot(name))
    if not isinstance(paths, TwoPaths):
        return state.set(paths_slot(name), new_paths(start, seed=0))
    if not np.allclose(paths.start, start):
        return state.set(paths_slot(name), new_paths(start, seed=paths.seed + 1))
    return paths


def step_buttons(
    state: PageState,
    name: str,
    stepper: Stepper,
    *,
    cost: tuple[int, int],
    area: Any,
    play_steps: int = PLAY_STEPS,
) -> None:
    """Step / Play / Reset for the stored :class:`TwoPaths` ``name`` (callbacks).

    A walker that wanders as far from ``area`` (anything with ``bounds``) as the
    engine's simulator allows counts as diverged there.
    """
    centre, limit = simulate.runaway_limit(area)

    def move(n: int, play: bool) -> None:
        paths = state.get(paths_slot(name))
        if isinstance(paths, TwoPaths):
            state.set(
                paths_slot(name),
                advance_paths(paths, n, stepper, cost=cost, centre=centre, limit=limit, play=play),
            )

    def reset() -> None:
        paths = state.get(paths_slot(name))
        if isinstance(paths, TwoPaths):
            state.set(paths_slot(name), new_paths(paths.start, seed=paths.seed + 1))

    actions = controls.step_play_reset(
        lambda: move(1, False),
        lambda: move(play_steps, True),
        reset,
        play_steps=play_steps,
        helps=(
            "One update of each path",
            f"Compute {play_steps} more updates; ▶ under the chart replays them",
            "Back to the start; the mini-batch path gets a fresh sequence of batches",
        ),
        step_primary=True,
    )
    controls.action_buttons(state, actions, key_prefix=f"{name}:")


# --------------------------------------------------------------------------- gradient noise


def grad_point(state: PageState) -> Point:
    point = state.get("grad:point")
    if point is None:
        start = problem().start
        point = (round(float(start[0]), 3), round(float(start[1]), 3))
    return float(point[0]), float(point[1])


def gradient_noise_lab() -> None:
    """Full-batch vs mini-batch gradients, the 1/B law, and paths with Step/Play/Reset."""

    @st.fragment
    def lab() -> None:
        state = STATE
        prob = problem()
        n = prob.n
        c1, c2, c3 = st.columns([4, 3, 2], vertical_alignment="bottom")
        with c1:
            batch = st.slider(
                f"Batch size B (1 … N = {n})",
                min_value=1,
                max_value=n,
                value=DEFAULT_BATCH,
                **persistent(state, "grad:B"),
                help="How many of the N examples each mini-batch averages.",
            )
        with c2:
            view = controls.view_toggle(state, name="grad:view")
        with c3:
            st.button(
                "Resample",
                key=state.key("grad:resample"),
                icon=":material/casino:",
                on_click=lambda: state.set("grad:seed", state.get("grad:seed", 0) + 1),
                help="Draw a new set of random mini-batches",
            )
        seed = int(state.get("grad:seed", 0))
        point = grad_point(state)
        w = np.asarray(point)
        full = prob.full_grad(w)
        grads = prob.batch_grads(w, batch, N_ARROWS, seed)
        mean = grads.mean(axis=0)
        theory = float(prob.theoretical_variance(w, [batch])[0])
        downhill = int(np.sum(grads @ full > 0))
        miss = float(np.sqrt(np.mean(np.sum((grads - full) ** 2, axis=-1))))

        left, right = st.columns([3, 2], gap="medium")
        with left:
            fig = memo_figure(
                softened_chart,
                figures.gradient_spray_figure,
                view,
                2,
                problem_grid(),
                point,
                tuple(-ARROW_SCALE * full),
                -ARROW_SCALE * grads,
                mean_vector=tuple(-ARROW_SCALE * mean),
                loss_fn=prob.loss,
                minima=[tuple(prob.optimum)],
                full_label="full batch (all N)",
                batch_label=f"{N_ARROWS} mini-batches of B = {batch}",
                mean_label=f"average of the {N_ARROWS}",
                click_grid=CLICK_GRID_N,
                **MAP_STYLE,
                title="Downhill arrows at the current point: click to move it"
                if view == "2d"
                else "Downhill arrows on the loss surface",
                height=480 if view == "2d" else 520,
            )
            point_map("grad", fig, "grad:point", prob.bounds, view)
            st.caption(
                f"Each arrow is −{fmt(ARROW_SCALE)} × a gradient, so it points downhill and "
                f"fits on the plot. ○ the current point, {vec_text(w)}; ★ the least-squares "
                f"optimum, {vec_text(prob.optimum)}."
            )
        with right:
            data = variance_data(point, seed)
            current = measured_variance(point, batch, seed) if batch < n else 0.0
            charts.plotly_chart(
                memo_figure(
                    figures.variance_figure,
                    data["dense"],
                    data["theory"],
                    data["sizes"],
                    data["measured"],
                    plain=data["plain"],
                    current=(batch, current),
                    title="Gradient variance against batch size",
                    height=330,
                ),
                key=state.key("grad:variance"),
                config={"displayModeBar": False},
            )
            st.caption(
                f"Measured: the spread of {VARIANCE_DRAWS:,} random batches per B. At B = N = "
                f"{n} every batch is the whole data set, so the variance is exactly 0 and "
                "has no place on a log axis."
            )
            st.markdown(
                f"""
| at this point | value |
| --- | --- |
| full-batch gradient ∇L | {vec_text(full)} |
| average of the {N_ARROWS} batch gradients | {vec_text(mean)} |
| batch arrows pointing downhill | {downhill} of {N_ARROWS} |
| variance for B = {batch}: measured | {fmt(current, 3)} |
| variance for B = {batch}: theory | {fmt(theory, 3)} |
| typical miss ‖g_B − ∇L‖ of the arrows drawn | {fmt(miss, 3)} |
"""
            )

        st.subheader("Take steps: full batch against mini-batches")
        st.markdown(
            f"""
Both walkers start at the current point and use the same learning rate. The black one
computes the exact gradient from all N = {n} examples before every step; the blue one
looks at a fresh random batch of B. Change B or η mid-run and both carry on from where
they are; click the map to start somewhere else.
"""
        )
        lr = controls.lr_slider(
            state, "paths:lr", low=0.005, high=1.5, default=0.1, extra=(0.8, 0.9, 1.1)
        )
        paths = sync_paths(state, "grad", point)
        step_buttons(
            state,
            "grad",
            regression_stepper(lr, batch, paths.seed),
            cost=(n, batch),
            area=prob,
        )
        paths = state.get(paths_slot("grad"))
        regression_paths_view(state, paths, view, batch, lr)

    lab()


def regression_paths_view(
    state: PageState, paths: TwoPaths, view: str, batch: int, lr: float
) -> None:
    prob = problem()
    floor = float(prob.loss(prob.optimum))
    with np.errstate(all="ignore"):
        loss_full = prob.loss(paths.full)
        loss_mini = prob.loss(paths.mini)
    full_label = "full batch"
    mini_label = f"mini-batch B = {batch}"
    on_map = [
        PathTrace(full_label, paths.full, loss_full, FULL_COLOR, paths.full_diverged),
        PathTrace(mini_label, paths.mini, loss_mini, MINI_COLOR, paths.mini_diverged),
    ]
    excess = [
        dataclasses.replace(on_map[0], losses=loss_full - floor),
        dataclasses.replace(on_map[1], losses=loss_mini - floor),
    ]
    left, right = st.columns([3, 2], gap="medium")
    with left:
        fig = memo_figure(
            softened_chart,
            landscape_figure,
            view,
            1,
            problem_grid(),
            trajectories=on_map,
            start=paths.start,
            minima=[tuple(prob.optimum)],
            loss_fn=prob.loss,
            animate_from=paths.play_from if paths.play_from is not None else 0,
            **MAP_STYLE,
            click_grid=CLICK_GRID_N if view == "2d" else 0,
            title="Two walkers from one start: click to move the start"
            if view == "2d"
            else "Two walkers on the loss surface",
            height=460 if view == "2d" else 500,
        )
        point_map("paths", fig, "grad:point", prob.bounds, view)
    with right:
        with st.container(horizontal=True, gap="medium"):
            st.metric("Step", paths.steps, width="content")
            st.metric("Loss, full batch", fmt(float(loss_full[-1]), 4), width="content")
            st.metric(f"Loss, B = {batch}", fmt(float(loss_mini[-1]), 4), width="content")
        x_axis = controls.choice(
            state,
            "paths:x",
            "Horizontal axis",
            ["steps", "examples"],
            format_func=lambda v: {"steps": "steps", "examples": "examples processed"}[v],
        )
        if x_axis == "steps":
            curve = memo_figure(excess_loss_chart, excess, paths.steps)
        else:
            curve = memo_figure(
                dotted_chart,
                figures.loss_vs_examples_figure,
                paths.steps,
                excess,
                [paths.full_seen, paths.mini_seen],
                y_title="loss above the optimum",
                title="Loss above the optimum, per example processed",
                height=300,
            )
        charts.plotly_chart(
            curve,
            key=state.key("paths:curve"),
            config={"displayModeBar": False},
        )
    for label, diverged in ((full_label, paths.full_diverged), (mini_label, paths.mini_diverged)):
        if diverged is not None:
            st.warning(
                f"The {label} walker diverged at step {diverged} (η = "
                f"{format_rate(lr)} is too large for it): its path is drawn up to "
                "there. Lower η or press Reset."
            )
    st.caption("○ the start, ★ the optimum; the big dots are where the walkers are now.")
    if paths.steps:
        st.caption(
            f"After {paths.steps} steps the full-batch walker has read "
            f"{int(paths.full_seen[-1]):,} examples and the mini-batch walker "
            f"{int(paths.mini_seen[-1]):,}. The loss floor (noise in the data) is "
            f"{fmt(floor, 4)}; the curves show the loss above it."
        )


# --------------------------------------------------------------------------- worked example


def worked_controls() -> tuple[float, float]:
    state = STATE
    c1, c2 = st.columns(2)
    with c1:
        theta0 = controls.choice(
            state,
            "worked:theta0",
            "Start θ₀",
            [0.0, 0.5, 1.0, 1.5, 2.5],
            default=1.0,
            format_func=lambda v: f"θ₀ = {v:g}",
        )
    with c2:
        lr = controls.choice(
            state,
            "worked:lr",
            "Learning rate η",
            [0.005, 0.01, 0.02, 0.05],
            default=0.01,
            format_func=lambda v: f"η = {v:g}",
        )
    return float(theta0), float(lr)


def four_point_data(theta0: float) -> None:
    st.table(table_text(worked.four_point_examples(theta0)), hide_index=True)


def four_point_steps(theta0: float, lr: float) -> dict[str, np.ndarray]:
    table = worked.four_point_sgd(theta0, lr)
    st.table(table_text(table), hide_index=True)
    return table


# --------------------------------------------------------------------------- saddle demo


def saddle_demo() -> None:
    """Clean gradient descent stalls on the saddle's ridge; mini-batch noise rolls it off."""

    @st.fragment
    def demo() -> None:
        state = STATE
        saddle = landscapes.get("saddle")
        c1, c2, c3 = st.columns([3, 3, 2], vertical_alignment="bottom")
        with c1:
            batch = controls.option_slider(
                state,
                "saddle:B",
                "Batch size B (noise std σ/√B)",
                [1, 2, 4, 8, 16, 32, 64, 128, 256],
                default=4,
            )
        with c2:
            lr = controls.lr_slider(state, "saddle:lr", low=0.01, high=0.6, default=0.1)
        with c3:
            view = controls.view_toggle(state, name="saddle:view")
        start = state.get("saddle:start") or SADDLE_START
        paths = sync_paths(state, "saddle", start)
        step_buttons(
            state,
            "saddle",
            saddle_stepper(lr, int(batch), paths.seed),
            cost=(0, 0),
            area=saddle,
        )
        paths = state.get(paths_slot("saddle"))
        with np.errstate(all="ignore"):
            loss_full = saddle.loss(paths.full)
            loss_mini = saddle.loss(paths.mini)
        traces = [
            PathTrace("full batch", paths.full, loss_full, FULL_COLOR, paths.full_diverged),
            PathTrace(
                f"mini-batch B = {batch}", paths.mini, loss_mini, MINI_COLOR, paths.mini_diverged
            ),
        ]
        left, right = st.columns([3, 2], gap="medium")
        with left:
            fig = memo_figure(
                softened_chart,
                landscape_figure,
                view,
                1,
                landscape_grid("saddle"),
                trajectories=traces,
                start=paths.start,
                minima=saddle.minima,
                saddles=saddle.saddles,
                loss_fn=saddle.loss,
                animate_from=paths.play_from if paths.play_from is not None else 0,
                **MAP_STYLE,
                click_grid=CLICK_GRID_N if view == "2d" else 0,
                title="The saddle: click to choose a start" if view == "2d" else "The saddle",
                height=420 if view == "2d" else 480,
            )
            point_map("saddlemap", fig, "saddle:start", saddle.bounds, view)
        with right:
            with st.container(horizontal=True, gap="medium"):
                st.metric("Step", paths.steps, width="content")
                st.metric("y, full batch", fmt(float(paths.full[-1, 1]), 3), width="content")
                st.metric(f"y, B = {batch}", fmt(float(paths.mini[-1, 1]), 3), width="content")
            charts.plotly_chart(
                memo_figure(
                    dotted_chart,
                    loss_curve_figure,
                    paths.steps,
                    traces,
                    title="Loss per step",
                    height=280,
                ),
                key=state.key("saddle:curve"),
                config={"displayModeBar": False},
            )
        for label, diverged in (
            ("full-batch", paths.full_diverged),
            ("mini-batch", paths.mini_diverged),
        ):
            if diverged is not None:
                st.warning(
                    f"The {label} walker diverged at step {diverged}: η = "
                    f"{format_rate(lr)} is too large here. Lower η or press Reset."
                )
        st.caption(
            f"○ the start, {vec_text(np.asarray(paths.start))}; ✕ the saddle point; ★ the two "
            "minima. The mini-batch gradient here is the exact gradient plus Gaussian noise "
            f"of std σ/√B with σ = {fmt(SADDLE_SIGMA)}."
        )

    demo()


def spectrum_section() -> None:
    state = STATE
    n = controls.number(
        state,
        "spectrum:n",
        "Your training-set size N",
        min_value=1,
        max_value=10**10,
        default=1_200_000,
        step=1000,
        help="Any whole number from 1 to ten billion.",
    )
    st.table(spectrum_table(int(n)), hide_index=True)
    st.caption(
        "Updates per epoch and noise are computed for your N; the noise column is the "
        "standard deviation of the batch gradient as a fraction of one example's, "
        "√((1/B)·(N−B)/(N−1)). The last column gives rules of thumb."
    )

"""Chapter 6's interactive sections (the page script keeps the prose and the order): the
clickable family tree, the Lion, LAMB and Sophia demos, RAdam's rectification, the memory
calculator and the race against Adam."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from chapters.ch06_beyond_adam import figures, logic
from chapters.ch06_beyond_adam.figures import StepSeries, memory_figure
from chapters.ch06_beyond_adam.logic import (
    BEYOND_ADAM,
    CARD_SHAPE,
    INITIAL_STEPS,
    MAX_SIDE,
    MEMORY_PRESETS,
    MODERN_FROM,
    PAGE,
    PLAY_STEPS,
    RACE_LANDSCAPES,
    RACE_PLAY,
    RADAM_BETA2,
    SOPHIA_CURVATURE,
    SOPHIA_INITIAL_STEPS,
    VecRun,
    advance_vec,
    family_edges,
    first_play_step,
    lamb_story,
    latex_lines,
    layer_table,
    matrix_size_problem,
    race_label,
    race_table,
    rectification_series,
    restart_vec,
    start_vec,
    step_rows,
    step_size_summary,
    tree_nodes,
    tree_ticks,
    year_position,
)
from engine import landscapes, optimizers, transforms
from kit import charts, clicks, controls, explorer, palette
from kit.controls import page_state, persistent
from kit.format import fmt, format_rate, human_bytes, optimizer_name, times
from kit.measure import state_bytes
from kit.plots.curves import step_curves_figure
from kit.plots.landscape import landscape_figure
from kit.plots.memo import memo_figure
from kit.plots.series import Series
from kit.state import PageState, advance, sync_run

STATE = page_state(PAGE)


def comparison_table() -> pd.DataFrame:
    """:func:`logic.comparison_table` with every optimizer's state counted (cached)."""
    return logic.comparison_table(
        {name: state_bytes(name, CARD_SHAPE) for name in optimizers.NAMES}
    )


def pick_from_tree(selection: Any) -> bool:
    """A click on the family tree: the node clicked becomes the chosen optimizer."""
    name = clicks.pick_name(selection, list(optimizers.NAMES))
    if name is not None:
        st.session_state[STATE.key("tree:pick")] = name
    return name is not None


def optimizer_card(name: str) -> None:
    """Year, paper, idea, update rule, buffers and best use of one optimizer."""
    info = optimizers.info(name)
    with st.container(border=True):
        st.markdown(f"#### {info.display_name} · {info.year}")
        st.caption(info.paper)
        st.markdown(f"**Key idea.** {info.innovation}")
        st.latex(latex_lines(info.update_latex))
        buffers = ", ".join(f"`{b}`" for b in info.buffers) or "none"
        shape_text = "×".join(str(s) for s in CARD_SHAPE)
        st.markdown(
            f"**State it keeps.** {buffers}: {info.memory}. For one {shape_text} weight "
            f"matrix in fp32 that is {human_bytes(state_bytes(name, CARD_SHAPE))}."
        )
        st.markdown(f"**Best for.** {info.best_for}")
        if info.parents:
            parents = ", ".join(optimizer_name(p) for p in info.parents)
            st.markdown(f"**Grew out of.** {parents}")


def family_tree() -> None:
    """The optimizer family tree: click a node (or pick from the list) to read its card."""

    @st.fragment
    def tree() -> None:
        state = STATE
        names = list(optimizers.NAMES)
        pick_key = state.key("tree:pick")
        if st.session_state.get(pick_key) not in names:
            st.session_state[pick_key] = "lion"
        left, right = st.columns([3, 2], gap="medium")
        with right:
            chosen = st.selectbox(
                "Optimizer (or click a node)",
                names,
                format_func=lambda n: f"{optimizer_name(n)} ({optimizers.info(n).year})",
                key=pick_key,
            )
            optimizer_card(chosen)
        with left:
            fig = memo_figure(
                figures.family_tree_figure,
                tree_nodes(names),
                family_edges(names),
                selected=chosen,
                ticks=tree_ticks(names),
                x_break=year_position(MODERN_FROM) - 0.75,
                title="Optimizer family tree: click a node",
                height=460,
            )
            clicks.clickable_chart(state, "tree", fig, pick_from_tree)
            st.caption(
                "Arrows run from an idea to the optimizers built on it (fainter arrows: a "
                "second parent). Left of the dotted line the time axis is squeezed."
            )

    tree()


def sync_vec(
    state: PageState,
    name: str,
    optimizer: str,
    hyperparams: Mapping[str, Any],
    problem: str,
    *,
    initial_steps: int = INITIAL_STEPS,
) -> VecRun:
    """The stored demo run ``name``, brought in line with the current settings.

    A new optimizer or problem starts afresh (and takes ``initial_steps`` steps, so the
    demo has something to show; Reset goes back to step 0); new hyperparameters carry
    on from the current buffers (an invalid value is refused with a message).
    """
    run = state.get(f"vec:{name}")
    if not isinstance(run, VecRun) or run.optimizer != optimizer or run.problem != problem:
        fresh = start_vec(optimizer, hyperparams, problem)
        if initial_steps:
            fresh = advance_vec(fresh, initial_steps, play=True)
        return state.set(f"vec:{name}", fresh)
    if dict(run.hyperparams) != dict(hyperparams):
        try:
            optimizers.make(optimizer, **dict(hyperparams))
        except ValueError as exc:
            st.warning(f"That setting was refused: {exc}. Keeping the previous one.")
            return run
        run = state.set(
            f"vec:{name}", dataclasses.replace(run, hyperparams=dict(hyperparams), play_from=None)
        )
    return run


def vec_buttons(state: PageState, names: Sequence[str], *, key_prefix: str) -> None:
    """Step / Play / Reset for the demo runs ``names`` (they move together)."""

    def apply(fn: Callable[[VecRun], VecRun]) -> None:
        for name in names:
            run = state.get(f"vec:{name}")
            if isinstance(run, VecRun):
                state.set(f"vec:{name}", fn(run))

    actions = controls.step_play_reset(
        lambda: apply(lambda r: advance_vec(r, 1)),
        lambda: apply(lambda r: advance_vec(r, PLAY_STEPS, play=True)),
        lambda: apply(restart_vec),
        play_steps=PLAY_STEPS,
        helps=(
            "One update of every weight",
            f"{PLAY_STEPS} more updates; ▶ on the chart replays them",
            "Back to the starting weights, with fresh buffers",
        ),
    )
    controls.action_buttons(state, actions, key_prefix=key_prefix)


# --------------------------------------------------------------------------- Lion demo


def lion_demo() -> None:
    """Lion vs Adam on 40 noisy weights: how far each weight moves in one step."""

    @st.fragment
    def demo() -> None:
        state = STATE
        lr = controls.log_slider(
            state,
            "lion:lr",
            "Learning rate η (both optimizers)",
            low=1e-4,
            high=0.1,
            default=0.01,
            help="The same η for Lion and Adam, so their step sizes can be compared directly.",
        )
        lion = sync_vec(state, "lion", "lion", {"lr": lr}, "lion")
        adam = sync_vec(state, "lion:adam", "adam", {"lr": lr}, "lion")
        vec_buttons(state, ["lion", "lion:adam"], key_prefix="lion:")
        lion = state.get("vec:lion") or lion
        adam = state.get("vec:lion:adam") or adam
        if lion.steps == 0:
            st.info("Press **Step** or **Play** to take the first update.", icon=":material/info:")
            return
        steps = list(range(1, lion.steps + 1))
        fig = memo_figure(
            figures.per_item_figure,
            list(range(1, lion.records[-1]["abs_update"].size + 1)),
            [
                StepSeries("Lion", step_rows(lion, "abs_update"), palette.optimizer_color("lion")),
                StepSeries("Adam", step_rows(adam, "abs_update"), palette.optimizer_color("adam")),
            ],
            steps=steps,
            x_title="weight number",
            y_title="|Δθ| this step",
            log_y=True,
            hlines=[(lr, f"η = {format_rate(lr)}")],
            animate_from=first_play_step(lion, adam),
            item_hover="weight %{x}",
            title=f"How far each weight moved at step {lion.steps}",
            height=360,
        )
        left, right = st.columns([3, 2], gap="medium")
        with left:
            charts.plotly_chart(fig, key=state.key("lion:chart"), config={"displayModeBar": False})
        with right:
            st.dataframe(
                step_size_summary({"Lion": lion, "Adam": adam}),
                hide_index=True,
            )
            lion_last = lion.records[-1]["abs_update"]
            adam_last = adam.records[-1]["abs_update"]
            ratio = float(np.mean(lion_last) / np.mean(adam_last))
            st.markdown(
                f"At step {lion.steps} every Lion weight moved by exactly "
                f"{fmt(float(lion_last.max()), 4)} (= η), while Adam's moves ranged from "
                f"{fmt(float(adam_last.min()), 3)} to {fmt(float(adam_last.max()), 3)}. "
                f"On average Lion moved each weight **{times(ratio, 3)}** as far as Adam, "
                "which is why Lion wants a smaller η."
            )
            st.caption(
                f"Loss after step {lion.steps}: Lion {fmt(lion.losses[-1], 4)}, "
                f"Adam {fmt(adam.losses[-1], 4)} (started at {fmt(lion.losses[0], 4)})."
            )

    demo()


# --------------------------------------------------------------------------- LAMB demo


def lamb_demo() -> None:
    """AdamW vs LAMB on five tensors of very different norms: relative step per layer."""

    @st.fragment
    def demo() -> None:
        state = STATE
        lr = controls.log_slider(
            state,
            "lamb:lr",
            "Learning rate η (both optimizers)",
            low=1e-4,
            high=0.1,
            default=0.01,
        )
        hp = {"lr": lr, "eps": 1e-6, "weight_decay": 0.0}
        lamb = sync_vec(state, "lamb", "lamb", hp, "lamb", initial_steps=1)
        adamw = sync_vec(state, "lamb:adamw", "adamw", hp, "lamb", initial_steps=1)
        vec_buttons(state, ["lamb", "lamb:adamw"], key_prefix="lamb:")
        lamb = state.get("vec:lamb") or lamb
        adamw = state.get("vec:lamb:adamw") or adamw
        if lamb.steps == 0:
            st.info("Press **Step** or **Play** to take the first update.", icon=":material/info:")
            st.dataframe(layer_table(lamb, adamw), hide_index=True)
            return
        layers = list(lamb.start_params)
        fig = memo_figure(
            figures.per_item_figure,
            layers,
            [
                StepSeries(
                    "without trust ratio (AdamW)",
                    step_rows(adamw, "relative_step"),
                    palette.optimizer_color("adamw"),
                ),
                StepSeries(
                    "with trust ratio (LAMB)",
                    step_rows(lamb, "relative_step"),
                    palette.optimizer_color("lamb"),
                ),
            ],
            steps=list(range(1, lamb.steps + 1)),
            kind="bars",
            x_title="layer",
            y_title="‖Δθ‖ / ‖θ‖ this step",
            log_y=True,
            hlines=[(lr, f"η = {format_rate(lr)}")],
            animate_from=first_play_step(lamb, adamw),
            title=f"Step size relative to each layer's weights, step {lamb.steps}",
            height=380,
        )
        charts.plotly_chart(fig, key=state.key("lamb:chart"), config={"displayModeBar": False})
        st.dataframe(layer_table(lamb, adamw), hide_index=True)
        st.markdown(lamb_story(lamb, adamw))

    demo()


# --------------------------------------------------------------------------- Sophia demo


def sophia_demo() -> None:
    """Sophia on 24 weights with curvatures from 0.01 to 100: clipped vs unclipped steps."""

    @st.fragment
    def demo() -> None:
        state = STATE
        c1, c2, c3 = st.columns(3)
        with c1:
            lr = controls.log_slider(
                state,
                "sophia:lr",
                "Learning rate η (the clip bound)",
                low=1e-3,
                high=0.3,
                default=0.05,
            )
        with c2:
            rho = controls.log_slider(
                state,
                "sophia:rho",
                "ρ (scale of the Hessian)",
                low=1e-3,
                high=10.0,
                default=1.0,
            )
        with c3:
            period = controls.option_slider(
                state,
                "sophia:k",
                "Refresh h every k steps",
                [1, 2, 5, 10, 20],
                default=10,
            )
        run = sync_vec(
            state,
            "sophia",
            "sophia",
            {"lr": lr, "rho": rho, "update_period": period},
            "sophia",
            initial_steps=SOPHIA_INITIAL_STEPS,
        )
        vec_buttons(state, ["sophia"], key_prefix="sophia:")
        run = state.get("vec:sophia") or run
        if run.steps == 0:
            st.info("Press **Step** or **Play** to take the first update.", icon=":material/info:")
            return
        color = palette.optimizer_color("sophia")
        steps = list(range(1, run.steps + 1))
        fig = memo_figure(
            figures.per_item_figure,
            [float(c) for c in SOPHIA_CURVATURE],
            [
                StepSeries(
                    "unclipped η·m/max(ρh, ε)", step_rows(run, "abs_unclipped"), color, True
                ),
                StepSeries("Sophia's step (clipped)", step_rows(run, "abs_update"), color),
            ],
            steps=steps,
            x_title="curvature of the weight's direction (log scale)",
            y_title="|step|",
            log_x=True,
            log_y=True,
            hlines=[(lr, f"clip bound η = {format_rate(lr)}")],
            animate_from=run.play_from,
            item_hover="curvature %{x:.3g}",
            title=f"Each weight's step at step {run.steps}",
            height=380,
        )
        clipped = np.stack([r["clipped"] for r in run.records]).mean(axis=1)
        left, right = st.columns([3, 2], gap="medium")
        with left:
            charts.plotly_chart(
                fig, key=state.key("sophia:chart"), config={"displayModeBar": False}
            )
        with right:
            now = run.records[-1]["clipped"]
            with st.container(horizontal=True):
                st.metric("Step", run.steps, width="content")
                st.metric(
                    "Clipped now",
                    f"{int(now.sum())} of {now.size}",
                    help="Weights whose step hit the bound ±η",
                    width="content",
                )
                st.metric("Loss", fmt(run.losses[-1], 4), width="content")
            charts.plotly_chart(
                memo_figure(
                    step_curves_figure,
                    steps,
                    [Series("fraction clipped", clipped, color)],
                    value_title="fraction of weights clipped",
                    log_y=False,
                    title="Clipping over time",
                    height=240,
                ),
                key=state.key("sophia:frac"),
                config={"displayModeBar": False},
            )

    demo()


def radam_demo() -> None:
    @st.fragment
    def demo() -> None:
        state = STATE
        beta2 = controls.option_slider(
            state,
            "radam:beta2",
            "β₂ (how long v remembers)",
            RADAM_BETA2,
            default=0.999,
        )
        steps, rho, rect, first = rectification_series(beta2)
        left, right = st.columns([3, 2], gap="medium")
        with left:
            charts.plotly_chart(
                memo_figure(
                    figures.rectification_figure,
                    steps,
                    rect,
                    first_rectified=first,
                    title=f"RAdam's rectification r_t for β₂ = {beta2:g}",
                    height=340,
                ),
                key=state.key("radam:chart"),
                config={"displayModeBar": False},
            )
        with right:
            rho_inf = 2.0 / (1.0 - beta2) - 1.0
            half = next((int(t) for t, r in zip(steps, rect, strict=True) if r >= 0.5), None)
            near = next((int(t) for t, r in zip(steps, rect, strict=True) if r >= 0.9), None)
            st.markdown(
                f"With β₂ = {beta2:g}, ρ∞ = {fmt(rho_inf, 5)}. The first "
                f"{(first or 1) - 1} steps have ρ_t ≤ 5, so RAdam takes plain momentum steps; "
                f"step {first} is its first adaptive one, with r_t = "
                f"{fmt(float(rect[steps == first][0]), 3) if first else '—'}. "
                f"r_t passes 0.5 at step {half if half else '—'} and 0.9 at step "
                f"{near if near else '—'}."
            )
            shown = np.arange(1, (first or 1) + 4)
            rho_s, rect_s = transforms.radam_rectification(beta2, shown)
            st.dataframe(
                pd.DataFrame(
                    {
                        "step t": [str(t) for t in shown],
                        "ρ_t": [fmt(float(v), 4) for v in rho_s],
                        "r_t": [
                            fmt(float(v), 3) if np.isfinite(v) else "— (momentum step)"
                            for v in rect_s
                        ],
                    }
                ),
                hide_index=True,
            )

    demo()


def memory_calculator() -> None:
    """Adam's and Adafactor's state for a matrix size the learner types in."""

    @st.fragment
    def calc() -> None:
        state = STATE
        rows_key, cols_key = state.key("mem:rows"), state.key("mem:cols")

        def preset(label: str) -> None:
            st.session_state[rows_key], st.session_state[cols_key] = MEMORY_PRESETS[label]

        controls.try_buttons(
            state,
            "mem:",
            {label: label for label in MEMORY_PRESETS},
            preset,
            title=None,
            icon=":material/grid_on:",
        )
        c1, c2 = st.columns(2)
        with c1:
            rows = st.number_input(
                "Rows", min_value=0, max_value=MAX_SIDE, value=4096, step=1, key=rows_key
            )
        with c2:
            cols = st.number_input(
                "Columns", min_value=0, max_value=MAX_SIDE, value=4096, step=1, key=cols_key
            )
        message = matrix_size_problem(rows, cols)
        if message:
            st.warning(message, icon=":material/block:")
            return
        rows, cols = int(rows), int(cols)
        numbers = optimizers.factored_state_numbers(rows, cols)
        adam_bytes = 4 * numbers["adam"]
        factored_bytes = 4 * numbers["adafactor"]
        with st.container(horizontal=True, gap="medium"):
            st.metric("Weights", f"{numbers['weights']:,}", width="content")
            st.metric(
                "Adam state (m and v)",
                f"{numbers['adam']:,}",
                help=f"{human_bytes(adam_bytes)} in fp32",
                width="content",
            )
            st.metric(
                "Adafactor state (row + column)",
                f"{numbers['adafactor']:,}",
                help=f"{human_bytes(factored_bytes)} in fp32",
                width="content",
            )
        v_ratio = numbers["weights"] / numbers["adafactor"]
        all_ratio = numbers["adam"] / numbers["adafactor"]
        st.markdown(
            f"Adam's second moment alone is a full {rows:,} × {cols:,} matrix of "
            f"{numbers['weights']:,} numbers; Adafactor keeps {rows:,} + {cols:,} = "
            f"{numbers['adafactor']:,} instead, **{times(v_ratio)} fewer**. Counting Adam's "
            f"first moment too, the whole optimizer state shrinks **{times(all_ratio)}**, "
            f"from {human_bytes(adam_bytes)} to {human_bytes(factored_bytes)} in fp32."
        )
        if min(rows, cols) == 1:
            st.caption(
                "A matrix with one row or column is really a vector: factoring it saves "
                "nothing over a plain second moment."
            )
        chart = memo_figure(
            memory_figure, rows, cols, 4 * numbers["weights"], adam_bytes, factored_bytes
        )
        charts.plotly_chart(chart, key=state.key("mem:chart"), config={"displayModeBar": False})

    calc()


def race() -> None:
    """A new optimizer against Adam on a landscape: Step/Play/Reset, click to set the start."""

    @st.fragment
    def arena() -> None:
        state = STATE
        top = st.columns([2, 2, 2], vertical_alignment="bottom")
        with top[0]:
            challenger = st.selectbox(
                "Challenger",
                list(BEYOND_ADAM),
                index=list(BEYOND_ADAM).index("lion"),
                format_func=optimizer_name,
                **persistent(state, "race:opt"),
            )
        with top[1]:
            land_name = st.selectbox(
                "Landscape",
                list(RACE_LANDSCAPES),
                format_func=lambda n: landscapes.get(n).title,
                **persistent(state, "race:land"),
            )
        with top[2]:
            view = controls.view_toggle(state, name="race:view")
        low, high, _ = optimizers.info(challenger).ranges["lr"]
        c1, c2 = st.columns(2)
        with c1:
            lr_new = controls.lr_slider(
                state,
                f"race:lr:{challenger}",
                low=low,
                high=high,
                default=optimizers.info(challenger).race_lr,
                extra=(),
                label=f"{optimizer_name(challenger)} learning rate η (log scale)",
            )
        with c2:
            adam_low, adam_high, _ = optimizers.info("adam").ranges["lr"]
            lr_adam = controls.lr_slider(
                state,
                "race:lr:adam",
                low=adam_low,
                high=adam_high,
                default=optimizers.info("adam").race_lr,
                extra=(),
                label="Adam learning rate η (log scale)",
            )
        land = landscapes.get(land_name)
        start = explorer.start_for(state, land_name)
        new_name, adam_name = f"race:{challenger}", f"race:{challenger}:adam"
        first_visit = state.run(new_name) is None
        sync_run(
            state,
            new_name,
            optimizer=challenger,
            hyperparams={"lr": lr_new},
            landscape=land_name,
            start=start,
        )
        sync_run(
            state,
            adam_name,
            optimizer="adam",
            hyperparams={"lr": lr_adam},
            landscape=land_name,
            start=start,
        )
        if first_visit:  # open with a race already run (▶ replays it; Reset clears it)
            for name in (new_name, adam_name):
                state.update_run(name, advance(state.run(name), RACE_PLAY, play=True))
        controls.run_buttons(state, [new_name, adam_name], play_steps=RACE_PLAY, key_prefix="race:")
        runs = [state.run(new_name), state.run(adam_name)]
        traces = [explorer.path_trace(r, label=race_label(r)) for r in runs]
        plays = [r.play_from for r in runs if r.play_from is not None]
        left, right = st.columns([3, 2], gap="medium")
        with left:
            fig = memo_figure(
                landscape_figure,
                explorer.landscape_grid(land_name),
                view=view,
                trajectories=traces,
                start=start,
                minima=land.minima,
                saddles=land.saddles,
                loss_fn=land.loss,
                animate_from=min(plays) if plays else 0,
                click_grid=explorer.CLICK_GRID_N if view == "2d" else 0,
                log_color=land_name in ("rosenbrock", "beale"),
                title=f"{land.title}: click anywhere to start there"
                if view == "2d"
                else f"{land.title} (3-D)",
                height=460 if view == "2d" else 500,
            )
            explorer.landscape_chart(state, "race", land_name, fig, view)
        with right:
            st.dataframe(race_table(runs), hide_index=True)
            explorer.loss_chart(state, "race:loss", traces, title="Loss per step", height=300)
        st.caption(f"**{land.title}.** {land.description}")

    arena()

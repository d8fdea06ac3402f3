"""Chapter 2's interactive sections (the page script keeps the prose and the order): the
velocity's memory, SGD against momentum on the ravine, the β guide, the worked table,
the overshoot explorer and the Nesterov lab."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from chapters.ch02_momentum import figures, logic
from chapters.ch02_momentum.figures import (
    ema_weights_chart,
    nesterov_closeup,
    overshoot_chart,
    substep_arrows,
    velocity_buildup_chart,
)
from chapters.ch02_momentum.logic import (
    BETA_GUIDE,
    BETA_GUIDE_TEXT,
    DRAG_BETAS,
    DRAG_STEPS,
    LESSON_BETA,
    LESSON_ETA,
    LESSON_FORM,
    NAG_ETA,
    NAG_INTRO_STEPS,
    NAG_LANDSCAPES,
    NAG_RUNS,
    OVERSHOOT_BETAS,
    OVERSHOOT_STEPS,
    PAGE,
    RACE_BETA,
    RACE_ETA,
    RACE_ETA_EXTRA,
    RACE_INTRO_STEPS,
    RACE_LANDSCAPE,
    RACE_PRESETS,
    RACE_RUNS,
    SUBSTEPS,
    TABLE_STEPS,
    THRESHOLD,
    buildup_horizon,
    format_beta,
    memory_ages,
    momentum_status,
    nesterov_anatomy,
    overshoot_row,
    race_labels,
    step_arithmetic,
    steps_text,
    substep_text,
    sway_sentence,
    sync_with_intro,
    worked_table_frame,
    zoom_ranges,
)
from engine import landscapes, optimizers
from kit import charts, controls, explorer
from kit.controls import page_state, persistent
from kit.format import fmt, format_rate
from kit.measure import averaging_window, stable_lr_limit
from kit.plots.landscape import landscape_figure
from kit.plots.memo import memo_figure
from kit.state import PageState, Run, advance

STATE = page_state(PAGE)
# The engine work behind the sections, cached across reruns and sessions.
impulse_weights = st.cache_data(show_spinner=False, max_entries=64)(logic.impulse_weights)
steady_vs_alternating = st.cache_data(show_spinner=False, max_entries=64)(
    logic.steady_vs_alternating
)
outlook = st.cache_data(show_spinner=False, max_entries=128)(logic.outlook)
fastest_beta = st.cache_data(show_spinner=False, max_entries=64)(logic.fastest_beta)
lesson_table = st.cache_data(show_spinner=False, max_entries=1)(logic.lesson_table)
overshoot = st.cache_data(show_spinner=False, max_entries=32)(logic.overshoot)


def beta_slider(state: PageState, name: str, label: str, default: float = LESSON_BETA) -> float:
    """β from 0 to 0.99 in steps of 0.01 (the engine's slider range for momentum)."""
    low, high, _ = optimizers.info("momentum").ranges["beta"]
    return float(
        st.slider(
            label,
            min_value=float(low),
            max_value=float(high),
            value=float(default),
            step=0.01,
            **persistent(state, name),
            help="How much of the old velocity each step keeps. β = 0 is plain SGD.",
        )
    )


# --------------------------------------------------------------------------- EMA section


def ema_explorer() -> None:
    """β slider → the weights β^k as bars, the window, and steady vs alternating gradients."""

    @st.fragment
    def body() -> None:
        state = STATE
        beta = beta_slider(state, "ema:beta", "Momentum β")
        w = averaging_window(beta)
        weights = impulse_weights(beta, memory_ages(w))
        c1, c2, c3, c4 = st.columns(4)
        c1.metric("Window 1/(1−β)", f"{fmt(w, 3)} steps")
        for col, k in zip((c2, c3, c4), (10, 20, 50), strict=True):
            col.metric(
                f"Weight {k} steps back",
                fmt(float(weights[k]), 3),
                help=f"β^{k}: what is left of a gradient from {k} steps ago",
            )
        left, right = st.columns(2, gap="medium")
        with left:
            charts.plotly_chart(
                memo_figure(ema_weights_chart, beta, weights),
                key=state.key("ema:weights"),
                config={"displayModeBar": False},
            )
        horizon = buildup_horizon(w)
        steady, alternating = steady_vs_alternating(beta, horizon)
        with right:
            charts.plotly_chart(
                memo_figure(velocity_buildup_chart, beta, steady, alternating),
                key=state.key("ema:buildup"),
                config={"displayModeBar": False},
            )
        tail = alternating[-2:]
        st.markdown(
            f"Feed the engine's momentum a gradient of +1 every step and the velocity climbs "
            f"to **{fmt(float(steady[-1]), 4)}** after {horizon} steps, closing in on "
            f"1/(1 − β) = {fmt(w, 4)}: a steady slope is amplified. Feed it +1, −1, +1, … and "
            f"the velocity just wobbles between **{fmt(float(tail.min()), 3)}** and "
            f"**{fmt(float(tail.max()), 3)}**: the flip-flopping part mostly cancels."
        )

    body()


def run_summary(run: Run, label: str) -> None:
    """Step, loss and status of one run, compact enough for a narrow column."""
    with st.container(horizontal=True, gap="small"):
        st.metric(f"{label}: loss", fmt(run.loss, 4), width="content")
        st.metric("step", run.steps, width="content")
    explorer.status_badge(momentum_status(run))


def summaries_side_by_side(*runs: tuple[Run, str]) -> None:
    """:func:`run_summary` of each (run, label), in columns."""
    for column, (run, label) in zip(st.columns(len(runs), gap="medium"), runs, strict=True):
        with column:
            run_summary(run, label)


def _race_preset(name: str) -> None:
    """Set the race's η and β and run both balls again from the start (intro played)."""
    state = STATE
    _, eta, beta = RACE_PRESETS[name]
    st.session_state[state.key("race:lr")] = eta
    st.session_state[state.key("race:beta")] = beta
    for run_name in RACE_RUNS:
        state.drop_run(run_name)


def sgd_vs_momentum() -> None:
    """SGD and momentum on the ravine, same start, stepped together."""

    @st.fragment
    def body() -> None:
        state = STATE
        land = landscapes.get(RACE_LANDSCAPE)
        controls.try_buttons(
            state,
            "race:",
            {name: label for name, (label, _, _) in RACE_PRESETS.items()},
            _race_preset,
        )
        c1, c2, c3 = st.columns([4, 4, 3], vertical_alignment="bottom")
        with c1:
            eta = controls.log_slider(
                state,
                "race:lr",
                "Learning rate η, both runs (log scale)",
                low=0.001,
                high=0.1,
                default=RACE_ETA,
                extra=RACE_ETA_EXTRA,
                help="The same η for both balls. Plain SGD diverges here above "
                f"η = {fmt(stable_lr_limit(RACE_LANDSCAPE), 3)}.",
            )
        with c2:
            beta = beta_slider(state, "race:beta", "Momentum β (right-hand run)", RACE_BETA)
        with c3:
            view = controls.view_toggle(state, "race:view")
        start = explorer.start_for(state, RACE_LANDSCAPE)
        sync_with_intro(
            state,
            RACE_RUNS[0],
            RACE_INTRO_STEPS,
            optimizer="sgd",
            hyperparams={"lr": eta},
            landscape=RACE_LANDSCAPE,
            start=start,
        )
        sync_with_intro(
            state,
            RACE_RUNS[1],
            RACE_INTRO_STEPS,
            optimizer="momentum",
            hyperparams={"lr": eta, "beta": beta},
            landscape=RACE_LANDSCAPE,
            start=start,
        )
        with st.container(horizontal=True, gap="small", vertical_alignment="center"):
            controls.run_buttons(
                state, RACE_RUNS, play_steps=60, drop_ball=False, key_prefix="race:"
            )
            if not np.allclose(start, land.start):
                st.button(
                    "Default start",
                    key=state.key("race:btn:default-start"),
                    on_click=lambda: state.pop(f"start:{RACE_LANDSCAPE}"),
                    icon=":material/home:",
                    help="Put both balls back at the landscape's usual start",
                )
        sgd, mom = state.run(RACE_RUNS[0]), state.run(RACE_RUNS[1])
        sgd_label, mom_label = race_labels(eta, beta)
        traces = [explorer.path_trace(sgd, sgd_label), explorer.path_trace(mom, mom_label)]
        play_from = min((r.play_from for r in (sgd, mom) if r.play_from is not None), default=0)
        grid = explorer.landscape_grid(RACE_LANDSCAPE)
        if view == "2d":
            fig = memo_figure(
                figures.paired_landscape_figure,
                grid,
                traces,
                start=start,
                minima=land.minima,
                animate_from=play_from,
                click_grid=explorer.CLICK_GRID_N,
                height=500,
            )
        else:
            fig = memo_figure(
                landscape_figure,
                grid,
                view="3d",
                trajectories=traces,
                start=start,
                minima=land.minima,
                loss_fn=land.loss,
                animate_from=play_from,
                title=f"{land.title} (3-D): both runs on one surface",
                height=520,
            )
        explorer.landscape_chart(state, "race", RACE_LANDSCAPE, fig, view)
        if view == "2d":
            st.caption(
                "Same start (open circle), same η, stepped together; the star is the minimum. "
                "Click either panel to start both balls there; ▶ replays both at once."
            )

        summaries_side_by_side((sgd, "SGD"), (mom, "Momentum"))
        explorer.loss_chart(
            state,
            "race:loss",
            traces,
            log_y=True,
            title="Loss per step, both runs (log scale)",
            height=300,
        )
        ahead_sgd = outlook("sgd", eta, None, RACE_LANDSCAPE, start)
        ahead_mom = outlook("momentum", eta, beta, RACE_LANDSCAPE, start)
        st.markdown(
            f"**Looking ahead** (the engine ran both from this start with these settings): "
            f"steps until the loss settles below {fmt(THRESHOLD)} and stays there: "
            f"**{steps_text(ahead_sgd.steps_to(THRESHOLD), ahead_sgd.diverged_at)}** for SGD "
            f"and **{steps_text(ahead_mom.steps_to(THRESHOLD), ahead_mom.diverged_at)}** "
            "for momentum." + sway_sentence(ahead_sgd, ahead_mom)
        )
        best_beta, best_steps = fastest_beta(eta, RACE_LANDSCAPE, start)
        if best_steps is not None:
            st.markdown(
                f"A sweep over β (one batched engine run) finds the fastest β at this η to be "
                f"**{fmt(best_beta, 3)}**, with {best_steps} steps: enough memory to build speed "
                "along the floor, not so much that the sway across the valley lingers."
            )
        beta_drag(state, eta, beta, start)
        sgd_limit = stable_lr_limit(RACE_LANDSCAPE)
        mom_limit = stable_lr_limit(RACE_LANDSCAPE, beta)
        if eta >= sgd_limit:
            st.warning(
                f"η = {format_rate(eta)} is at or past plain SGD's limit here, "
                f"2 / curvature = {fmt(sgd_limit, 3)}: every step across the valley lands at "
                "least as far out as the last."
                + (
                    f" Momentum tolerates more, up to 2(1 + β) / curvature = {fmt(mom_limit, 3)}."
                    if eta < mom_limit
                    else ""
                ),
                icon=":material/warning:",
            )

    body()


def beta_drag(state: PageState, eta: float, beta: float, start: tuple[float, float]) -> None:
    """The race's momentum run at every β, with the β slider inside the chart."""
    explorer.drag_chart(
        state,
        "race:drag",
        optimizer="momentum",
        landscape=RACE_LANDSCAPE,
        start=start,
        steps=DRAG_STEPS,
        param="beta",
        values=DRAG_BETAS,
        fixed={"lr": eta},
        active_value=beta,
        value_name="β",
        format_value=format_beta,
        title_prefix=f"momentum, η = {format_rate(eta)}, ",
        note=f"**Drag β inside the chart.** Momentum alone, from the same start at the same η, "
        f"{DRAG_STEPS} steps at each β from 0 (plain SGD) to 0.99, all computed at once: "
        "drag the slider under the map and watch the zig-zag calm, then the sway grow. "
        "Above the map: the β on screen and the loss its run reached.",
    )


# --------------------------------------------------------------------------- β guide


def beta_guide() -> None:
    """What each common β means: window and the weight of a 10-step-old gradient."""
    rows = []
    for beta in BETA_GUIDE:
        w = impulse_weights(beta, 11)
        rows.append(
            {
                "β": fmt(beta, 3),
                "window 1/(1−β), steps": fmt(averaging_window(beta), 4),
                "weight of a gradient 10 steps old": fmt(float(w[10]), 3),
                "in practice": BETA_GUIDE_TEXT[beta],
            }
        )
    st.table(pd.DataFrame(rows).set_index("β"))


def worked_tables() -> None:
    """The 5-step table and, for a chosen step, its arithmetic with the engine's numbers."""
    state = STATE
    table = lesson_table()
    st.table(worked_table_frame(table))
    st.caption(
        f"Computed just now by the engine's `momentum` and `sgd` with η = {fmt(LESSON_ETA)}, "
        f"β = {fmt(LESSON_BETA)}, from θ = 0. Row t shows the gradient step t used "
        "(taken at the previous row's θ), the velocity after it and the new θ."
    )
    step = controls.choice(
        state,
        "worked:step",
        "Show the arithmetic of step",
        list(range(1, TABLE_STEPS + 1)),
        default=2,
        format_func=lambda t: f"step {t}",
    )
    st.markdown(step_arithmetic(table, int(step)))
    th, v, plain = table["momentum θ"], table["velocity v"], table["vanilla θ"]
    n = TABLE_STEPS
    st.markdown(
        f"After {n} steps momentum stands at θ = **{fmt(float(th[n]), 4)}**, plain SGD at "
        f"θ = **{fmt(float(plain[n]), 4)}**: momentum has covered "
        f"**{fmt(float(th[n] / plain[n]), 3)}×** the distance. Its velocity is still growing "
        f"({fmt(float(v[n - 1]), 5)} → {fmt(float(v[n]), 5)}), because every gradient so far "
        "pointed the same way."
    )


def overshoot_explorer() -> None:
    """Pick several β: θ against step on (θ − 3)² at η = 0.01, and a table of the overshoot."""
    state = STATE
    picked = st.pills(
        "Momentum β (pick several)",
        list(OVERSHOOT_BETAS),
        selection_mode="multi",
        default=[0.0, 0.9, 0.99],
        format_func=lambda b: f"β = {fmt(b, 3)}",
        **persistent(state, "over:betas"),
    )
    betas = sorted(b for b in (picked or []) if b in OVERSHOOT_BETAS)
    if not betas:
        st.info("Pick at least one β to draw its path.")
        return
    what = controls.choice(
        state,
        "over:what",
        "Plot",
        ["theta", "loss"],
        format_func=lambda w: {"theta": "position θ", "loss": "loss (log scale)"}[w],
    )
    fig = memo_figure(overshoot_chart, {b: overshoot(b).table for b in betas}, what)
    charts.plotly_chart(fig, key=state.key("over:chart"), config={"displayModeBar": False})
    st.table(pd.DataFrame([overshoot_row(b, overshoot(b)) for b in betas]).set_index("β"))
    st.caption(
        f"All from the engine's momentum, {OVERSHOOT_STEPS} steps each; "
        '"turns back" is the step where the velocity changes sign past the minimum.'
    )


def next_substep(state: PageState) -> None:
    """Callback: advance the sub-step; after ④ take the step (both runs) and start over."""
    key = state.key("nag:substep")
    current = st.session_state.get(key, 1)
    if current not in SUBSTEPS:
        current = 1
    if current < 4:
        st.session_state[key] = current + 1
        return
    for name in NAG_RUNS:
        run = state.run(name)
        if run is not None:
            state.update_run(name, advance(run, 1))
    st.session_state[key] = 1


def nesterov_lab() -> None:
    """Classical and Nesterov momentum stepped together, with one Nesterov update dissected."""

    @st.fragment
    def body() -> None:
        state = STATE
        c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
        with c1:
            land_name = controls.landscape_picker(state, list(NAG_LANDSCAPES), name="nag:landscape")
        with c2:
            view = controls.view_toggle(state, "nag:view")
        c3, c4 = st.columns(2, vertical_alignment="bottom")
        with c3:
            eta = controls.log_slider(
                state,
                "nag:lr",
                "Learning rate η (log scale)",
                low=0.001,
                high=0.3,
                default=NAG_ETA,
                extra=(0.04, 0.25),
            )
        with c4:
            beta = beta_slider(state, "nag:beta", "Momentum β (both runs)")
        land = landscapes.get(land_name)
        start = explorer.start_for(state, land_name)
        for name, opt_name in zip(NAG_RUNS, ("momentum", "nesterov"), strict=True):
            sync_with_intro(
                state,
                name,
                NAG_INTRO_STEPS,
                optimizer=opt_name,
                # Nesterov in the lesson's form: the ball is θ, the gradient taken ahead.
                hyperparams={"lr": eta, "beta": beta, **LESSON_FORM.get(opt_name, {})},
                landscape=land_name,
                start=start,
            )
        controls.run_buttons(state, NAG_RUNS, play_steps=40, drop_ball=False, key_prefix="nag:")
        classical, nesterov = state.run(NAG_RUNS[0]), state.run(NAG_RUNS[1])
        traces = [
            explorer.path_trace(classical, "Classical"),
            explorer.path_trace(nesterov, "Nesterov"),
        ]
        substep = st.session_state.get(state.key("nag:substep"), 1)
        substep = substep if substep in SUBSTEPS else 1
        anatomy = nesterov_anatomy(nesterov)
        play_from = min(
            (r.play_from for r in (classical, nesterov) if r.play_from is not None), default=0
        )
        grid = explorer.landscape_grid(land_name)

        left, right = st.columns(2, gap="medium")
        with left:
            fig = memo_figure(
                landscape_figure,
                grid,
                view=view,
                trajectories=traces,
                start=start,
                minima=land.minima,
                ghost=tuple(anatomy.lookahead) if substep >= 2 else None,
                loss_fn=land.loss,
                animate_from=play_from,
                click_grid=explorer.CLICK_GRID_N if view == "2d" else 0,
                title=None if view == "2d" else f"{land.title} (3-D)",
                height=440 if view == "2d" else 480,
            )
            explorer.landscape_chart(state, "nag", land_name, fig, view, hint_3d=None)
            if view == "2d":
                st.caption(
                    f"{land.title}, whole run. Click the map to start both balls there; "
                    "the hollow grey circle is Nesterov's lookahead."
                )
        with right:
            close = memo_figure(
                nesterov_closeup,
                grid,
                traces,
                land.minima,
                substep_arrows(anatomy, substep),
                ghost=tuple(anatomy.lookahead) if substep >= 2 else None,
                title=f"Close-up of Nesterov's step {nesterov.steps + 1}, {SUBSTEPS[substep]}",
                ranges=zoom_ranges(
                    [
                        anatomy.theta,
                        anatomy.lookahead,
                        anatomy.new_theta,
                        anatomy.lookahead - anatomy.lr * anatomy.grad,
                        anatomy.theta - anatomy.lr * anatomy.grad_here,
                    ],
                    land.bounds,
                ),
            )
            charts.plotly_chart(close, key=state.key("nag:close"), config={"displayModeBar": False})

        with st.container(horizontal=True, gap="small", vertical_alignment="bottom"):
            substep = controls.choice(
                state,
                "nag:substep",
                "The next Nesterov update, one sub-step at a time",
                list(SUBSTEPS),
                format_func=lambda k: SUBSTEPS[k],
            )
            st.button(
                "Next sub-step" if substep < 4 else "Take the step (both runs)",
                key=state.key("nag:btn:next"),
                on_click=next_substep,
                args=(state,),
                icon=":material/redo:",
                type="primary",
            )
        text, maths = st.columns(2, gap="medium")
        md, tex = substep_text(anatomy, substep, nesterov.steps)
        with text:
            st.markdown(md)
            if nesterov.diverged:
                st.warning(
                    f"The Nesterov run diverged at step {nesterov.diverged_at}: lower η "
                    "and press Reset."
                )
        with maths:
            st.latex(tex)

        summaries_side_by_side((classical, "Classical"), (nesterov, "Nesterov"))
        explorer.loss_chart(
            state, "nag:loss", traces, log_y=True, title="Loss per step (log scale)", height=280
        )
        ahead_c = outlook("momentum", eta, beta, land_name, start)
        ahead_n = outlook("nesterov", eta, beta, land_name, start)
        minimum = land.minima[0]
        st.markdown(
            "**Looking ahead** from this start with these settings (computed by the engine): "
            f"classical momentum swings up to **{fmt(ahead_c.overshoot(start, minimum), 3)}** "
            f"past the minimum, Nesterov up to **{fmt(ahead_n.overshoot(start, minimum), 3)}** "
            "(measured along the line from the start through the minimum). Steps until the "
            f"loss settles below {fmt(THRESHOLD)} and stays there: "
            f"**{steps_text(ahead_c.steps_to(THRESHOLD), ahead_c.diverged_at)}** (classical) "
            f"and **{steps_text(ahead_n.steps_to(THRESHOLD), ahead_n.diverged_at)}** (Nesterov)."
        )

    body()


# --------------------------------------------------------------------------- reference


def variants_table() -> None:
    """SGD, momentum and Nesterov from the engine's metadata."""
    rows = []
    for name in ("sgd", "momentum", "nesterov"):
        info = optimizers.info(name)
        defaults = ", ".join(
            f"{'η' if k == 'lr' else 'β' if k == 'beta' else k} = {fmt(float(v), 3)}"
            for k, v in info.defaults.items()
            if k in ("lr", "beta")
        )
        rows.append(
            {
                "variant": f"{info.display_name} ({info.year})",
                "idea": info.innovation,
                "best for": info.best_for,
                "memory": info.memory,
                "engine defaults": defaults,
            }
        )
    st.table(pd.DataFrame(rows).set_index("variant"))

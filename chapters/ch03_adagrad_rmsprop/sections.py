"""Chapter 3's interactive sections (the page script keeps the prose and the order): the
AdaGrad-against-RMSProp race with its step scrubber, and the effective rate over time."""

from __future__ import annotations

import streamlit as st

from chapters.ch03_adagrad_rmsprop import logic
from chapters.ch03_adagrad_rmsprop.logic import (
    AXIS_LABELS,
    FLAW_STEPS,
    GRADIENT_KINDS,
    HORIZONS,
    LANDSCAPE,
    LESSON_LR,
    LESSON_RHO,
    METHODS,
    PAGE,
    PLAY_STEPS,
    RHO_OPTIONS,
    race_story,
    race_trace,
    rate_at,
    rate_story,
    rate_table,
)
from engine import landscapes, worked
from kit import charts, controls, explorer, palette
from kit.controls import page_state, persistent
from kit.format import format_rate, optimizer_name
from kit.plots.bars import grouped_bar_figure
from kit.plots.curves import step_curves_figure
from kit.plots.landscape import landscape_figure
from kit.plots.memo import memo_figure
from kit.plots.series import Series
from kit.state import PageState, sync_run

STATE = page_state(PAGE)
# The engine work behind the page, cached across reruns and sessions.
worked_tables = st.cache_data(show_spinner=False, max_entries=16)(logic.worked_tables)
side_by_side = st.cache_data(show_spinner=False, max_entries=16)(logic.side_by_side)
long_run = st.cache_data(show_spinner=False, max_entries=32)(logic.long_run)
memory_fraction = st.cache_data(show_spinner=False, max_entries=32)(logic.memory_fraction)
rate_history = st.cache_data(show_spinner=False, max_entries=24)(logic.rate_history)


def flaw_numbers() -> dict[str, float]:
    """:func:`logic.flaw_numbers` of the (cached) long run of parameter A's gradients."""
    return logic.flaw_numbers(long_run(tuple(worked.PARAM_A_GRADS), max(FLAW_STEPS)))


def rho_slider(state: PageState, name: str, label: str = "ρ for RMSProp (memory)") -> float:
    return float(
        controls.option_slider(
            state,
            name,
            label,
            RHO_OPTIONS,
            default=LESSON_RHO,
            help="How much of the old average survives each step. Larger ρ = longer memory.",
        )
    )


def scrubber(state: PageState, steps: int) -> int:
    """A slider over the steps computed so far; it jumps to the newest step after a Step/Play."""
    key = state.key("race:scrub")
    if state.get("race:scrub_seen") != steps or key not in st.session_state:
        st.session_state[key] = steps
        state.set("race:scrub_seen", steps)
    if steps == 0:
        st.caption("Press **Step** or **Play** to get steps you can scrub through.")
        return 0
    return int(
        st.slider(
            "Inspect step (moves the markers and the bars)",
            min_value=0,
            max_value=steps,
            step=1,
            **persistent(state, "race:scrub"),
        )
    )


def adaptive_race() -> None:
    """AdaGrad and RMSProp from one start on the elliptical bowl, with a step scrubber."""

    @st.fragment
    def race() -> None:
        state = STATE
        land = landscapes.get(LANDSCAPE)
        c1, c2, c3 = st.columns(3, vertical_alignment="bottom")
        with c1:
            lr_ada = controls.lr_slider(
                state,
                "race:lr:adagrad",
                low=0.001,
                high=1.0,
                default=LESSON_LR,
                extra=(),
                label="η for AdaGrad",
            )
        with c2:
            lr_rms = controls.lr_slider(
                state,
                "race:lr:rmsprop",
                low=0.001,
                high=1.0,
                default=LESSON_LR,
                extra=(),
                label="η for RMSProp",
            )
        with c3:
            rho = rho_slider(state, "race:rho")
        hyper = {"adagrad": {"lr": lr_ada}, "rmsprop": {"lr": lr_rms, "rho": rho}}
        start = explorer.start_for(state, LANDSCAPE)
        for name in METHODS:
            sync_run(
                state,
                f"race:{name}",
                optimizer=name,
                hyperparams=hyper[name],
                landscape=LANDSCAPE,
                start=start,
                record_buffers=True,
            )
        b1, b2 = st.columns([3, 2], vertical_alignment="bottom")
        with b1:
            controls.run_buttons(
                state,
                [f"race:{name}" for name in METHODS],
                play_steps=PLAY_STEPS,
                drop_ball=False,
                key_prefix="race:",
            )
        with b2:
            view = controls.view_toggle(state, name="race:view")
        runs = {name: state.run(f"race:{name}") for name in METHODS}
        steps = max(run.steps for run in runs.values())
        step = scrubber(state, steps)

        left, right = st.columns([3, 2], gap="medium")
        traces = [race_trace(run, step) for run in runs.values()]
        play_from = [run.play_from for run in runs.values() if run.play_from is not None]
        with left:
            st.markdown(
                f"**{land.title}**: click anywhere to start there"
                if view == "2d"
                else f"**{land.title}** (3-D)"
            )
            fig = memo_figure(
                landscape_figure,
                explorer.landscape_grid(LANDSCAPE),
                view=view,
                trajectories=traces,
                start=start,
                minima=land.minima,
                loss_fn=land.loss,
                animate_from=min(play_from) if play_from else 0,
                click_grid=explorer.CLICK_GRID_N if view == "2d" else 0,
                title=None,  # said above the chart: a long legend must not run into it
                height=470 if view == "2d" else 500,
            )
            explorer.landscape_chart(state, "race", LANDSCAPE, fig, view)
        with right:
            rates = {name: rate_at(run, step) for name, run in runs.items()}
            charts.plotly_chart(
                memo_figure(
                    grouped_bar_figure,
                    AXIS_LABELS,
                    [
                        Series(optimizer_name(name), rates[name], palette.optimizer_color(name))
                        for name in METHODS
                    ],
                    value_title="η / (√G + ε)",
                    empty_text="no gradient yet: press Step",
                    title=f"Effective learning rate per axis at step {step}",
                    log_y=True,
                    height=290,
                ),
                key=state.key("race:bars"),
                config={"displayModeBar": False},
            )
            explorer.loss_chart(
                state, "race:loss", traces, current_step=step, title="Loss per step", height=250
            )
        st.table(rate_table(runs, step))
        st.markdown(race_story(runs, step, rates))
        rho_drag(state, lr_rms, rho, start)

    race()


def rho_drag(state: PageState, lr: float, rho: float, start: tuple[float, float]) -> None:
    """RMSProp from the race's start at every ρ, with the ρ slider inside the chart."""
    explorer.drag_chart(
        state,
        "race:drag",
        optimizer="rmsprop",
        landscape=LANDSCAPE,
        start=start,
        steps=PLAY_STEPS,
        param="rho",
        values=RHO_OPTIONS,
        fixed={"lr": lr},
        active_value=rho,
        value_name="ρ",
        format_value=str,
        title_prefix=f"RMSProp, η = {format_rate(lr)}, ",
        note=f"**Drag ρ inside the chart.** RMSProp alone, from the same start at the same η, "
        f"{PLAY_STEPS} steps at every ρ of the slider above, all computed at once: drag the "
        "slider under the map. Small ρ forgets fast, so each step is about η long along "
        "every axis; with ρ near 1 the average v starts near 0 (RMSProp has no bias "
        "correction), so the first steps are far longer than η. Above the map: the ρ on "
        "screen and the loss its run reached.",
    )


def rate_over_time() -> None:
    @st.fragment
    def chart() -> None:
        state = STATE
        c1, c2 = st.columns(2, vertical_alignment="bottom")
        with c1:
            kind = controls.choice(
                state,
                "time:kind",
                "Gradient the weight receives",
                list(GRADIENT_KINDS),
                format_func=GRADIENT_KINDS.get,
            )
        with c2:
            steps = controls.choice(
                state,
                "time:steps",
                "Steps",
                list(HORIZONS),
                default=2000,
                format_func=lambda n: f"{n:,}",
            )
        c3, c4 = st.columns(2, vertical_alignment="bottom")
        with c3:
            lr = controls.lr_slider(
                state,
                "time:lr",
                low=0.001,
                high=1.0,
                default=LESSON_LR,
                extra=(),
                label="η (both methods)",
            )
        with c4:
            rho = rho_slider(state, "time:rho")
        table = rate_history(kind, int(steps), lr, rho)
        ada, rms = table["eff. LR AdaGrad"], table["eff. LR RMSProp"]
        charts.plotly_chart(
            step_curves_figure(
                table["step"],
                [
                    Series("AdaGrad", ada, palette.optimizer_color("adagrad")),
                    Series(f"RMSProp ρ={rho:g}", rms, palette.optimizer_color("rmsprop")),
                ],
                value_title="effective LR η/(√G+ε)",
                title=f"Effective learning rate over {int(steps):,} steps, same η = "
                f"{format_rate(lr)}",
                height=360,
            ),
            key=state.key("time:chart"),
            config={"displayModeBar": False},
        )
        st.markdown(rate_story(ada, rms))

    chart()

"""Chapter 0's interactive sections (the page script keeps the prose and the order).

Every number these widgets print comes from ``engine.worked`` or the landscapes at
render time (see :mod:`chapters.ch00_landscape.logic`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from chapters.ch00_landscape import figures
from chapters.ch00_landscape.logic import (
    EXPLORER_LR_EXTRA,
    EXPLORER_LR_RANGE,
    LESSON_RATES,
    MAX_WEIGHTS,
    PAGE,
    SHOW_ME_STEPS,
    SLOW_MILESTONES,
    TABLE_STEPS,
    blown_up_or_fmt,
    directions_phrase,
    format_chance,
    steps_text,
    walkthrough_story,
    weights_problem,
)
from engine import landscapes, worked
from kit import charts, controls, palette
from kit.explorer import start_for
from kit.format import fmt, format_rate, table_text
from kit.state import advance, start_run

STATE = controls.page_state(PAGE)


@st.cache_data(show_spinner=False, max_entries=64)
def parabola_table(eta: float, steps: int, x0: float = 0.0) -> dict[str, np.ndarray]:
    return worked.parabola(eta, steps, x0=x0)


def gradient_probe() -> None:
    """Slide a point along (x − 3)² and read its slope: sign = direction, size = steepness."""
    state = STATE
    left, right = st.columns([2, 3], gap="medium")
    with left:
        x = st.slider(
            "Stand at x =",
            min_value=-2.0,
            max_value=8.0,
            value=0.0,
            step=0.25,
            **controls.persistent(state, "probe:x"),
        )
        slope = float(worked.parabola_grad(x))
        height = float(worked.parabola_loss(x))
        c1, c2 = st.columns(2)
        c1.metric("f(x)", fmt(height, 4))
        c2.metric("slope f′(x)", fmt(slope, 4))
        if slope < 0:
            st.markdown(
                "The slope is **negative**: the ground falls to the right. "
                "Gradient descent steps **right**, against the slope."
            )
        elif slope > 0:
            st.markdown(
                "The slope is **positive**: the ground rises to the right. "
                "Gradient descent steps **left**, against the slope."
            )
        else:
            st.markdown("The slope is **zero**: you are standing on the bottom.")
    with right:
        fig = figures.parabola_figure(
            [x],
            [height],
            curve=worked.parabola_loss,
            minimum=(worked.PARABOLA_MINIMUM, 0.0),
            label="you",
            animate=False,
            tangent=(x, slope),
            height=280,
        )
        charts.plotly_chart(fig, key=state.key("probe:chart"), config={"displayModeBar": False})


def parabola_walkthrough() -> None:
    """The lesson's worked example: a selector over four η, the table and the bouncing ball."""
    state = STATE
    eta = controls.choice(
        state,
        "walk:eta",
        "Learning rate η",
        list(LESSON_RATES),
        default=LESSON_RATES[0],
        format_func=lambda v: f"η = {format_rate(v)}",
    )
    slow = eta < 0.01
    steps = max(SLOW_MILESTONES) if slow else TABLE_STEPS
    table = parabola_table(eta, steps)
    x, loss = table["x"], table["loss f(x)"]
    rows = list(range(TABLE_STEPS + 1)) + (list(SLOW_MILESTONES) if slow else [])
    # The distance column is left out: the loss already shows it squared, and at
    # η = 0.001 it would print the source's wrong final x (2.97) as a distance.
    shown = {
        name: column[rows] for name, column in table.items() if not name.startswith("distance")
    }

    left, right = st.columns([2, 3], gap="medium")
    with left:
        st.table(table_text(shown, digits=4))
        st.caption("Computed by the engine's SGD just now; 4 significant figures.")
    with right:
        charts.plotly_chart(
            figures.parabola_figure(
                x,
                loss,
                curve=worked.parabola_loss,
                minimum=(worked.PARABOLA_MINIMUM, 0.0),
                label=f"η = {format_rate(eta)}",
                color=palette.optimizer_color("sgd"),
                title="The ball on L(x) = (x − 3)²: press ▶ to replay the steps",
                height=360,
            ),
            key=state.key("walk:chart"),
            config={"displayModeBar": False},
        )
    st.markdown(walkthrough_story(eta, table))


def four_rates_summary() -> None:
    """All four lesson learning rates side by side, from the engine."""
    rows = []
    for eta in LESSON_RATES:
        table = parabola_table(eta, max(SLOW_MILESTONES))
        x, loss = table["x"], table["loss f(x)"]
        rows.append(
            {
                "η": format_rate(eta),
                "x₁": fmt(x[1]),
                "x₂": fmt(x[2]),
                "x₅": fmt(x[5]),
                "f(x₅)": fmt(loss[5]),
                "x₁₀₀": blown_up_or_fmt(x[100]),
                "x₁₀₀₀": blown_up_or_fmt(x[1000]),
            }
        )
    st.table(pd.DataFrame(rows).set_index("η"))
    start = fmt(parabola_table(LESSON_RATES[0], 0)["x"][0])
    st.caption(f"xₖ is where x is after k steps from x₀ = {start}; f(x₅) is the loss after five.")


def convergence_calculator() -> None:
    """|1 − 2η| and the steps it takes to halve / cut the distance 10×, for any η."""
    state = STATE
    eta = controls.lr_slider(
        state,
        "factor:eta",
        low=0.001,
        high=1.5,
        default=0.1,
        extra=(0.25, 0.5, 0.9, 1.0, 1.1),
        label="Learning rate η for the parabola",
    )
    factor = worked.parabola_factor(eta)
    halve = worked.steps_to_shrink(eta, 0.5)
    tenth = worked.steps_to_shrink(eta, 0.1)
    c1, c2, c3 = st.columns(3)
    c1.metric("|1 − 2η|", fmt(factor, 4))
    c2.metric("steps to halve the distance", steps_text(halve))
    c3.metric("steps to shrink it 10×", steps_text(tenth))
    if factor == 0:
        st.success("One step lands exactly on the minimum.")
    elif factor >= 1 and eta > 0.5:
        st.error(
            "The distance never shrinks: every step lands at least as far away, on the other "
            "side. Gradient descent diverges (or, exactly at the edge, bounces forever)."
        )
    elif eta > 0.5:
        st.warning(
            "It converges, but 1 − 2η is negative: every step jumps over the minimum to the "
            "other side, and the jumps shrink."
        )
    else:
        st.info("Each step stays on the same side of the minimum and closes part of the gap.")


def set_explorer(landscape: str, lr: float) -> None:
    """Callback for the "Show me" buttons: load a setting into the explorer and reset it."""
    state = STATE
    options = controls.log_options(*EXPLORER_LR_RANGE, EXPLORER_LR_EXTRA)
    st.session_state[state.key("explorer:landscape")] = landscape
    st.session_state[state.key("explorer:lr")] = controls.nearest_option(options, lr)
    st.session_state[state.key("explorer:view")] = "2d"
    lr = st.session_state[state.key("explorer:lr")]
    # Run a stretch already, so the explorer shows the failure when the learner scrolls up.
    run = start_run("sgd", {"lr": lr}, landscape, start_for(state, landscape))
    state.update_run("explorer", advance(run, SHOW_ME_STEPS, play=True))
    st.toast("Loaded into the Loss Landscape Explorer above: press ▶ on its chart to replay.")


def show_me(label: str, landscape: str, lr: float, key: str) -> None:
    st.button(
        f"Show me: {landscapes.get(landscape).title}, η = {format_rate(lr)}",
        key=STATE.key(f"showme:{key}"),
        on_click=set_explorer,
        args=(landscape, lr),
        icon=":material/north_west:",
        help=f"{label}: loads this setting into the explorer above",
    )


def saddle_calculator() -> None:
    """Chance that a random critical point in d dimensions curves up in every direction."""
    state = STATE
    # No min/max on the widget: it would silently clamp 0 or −5 to 1. Checked here instead,
    # so a value out of range gets a sentence saying why.
    d = st.number_input(
        "Number of weights d",
        value=1000,
        step=1,
        **controls.persistent(state, "saddle:d"),
        help=f"Any whole number from 1 to {MAX_WEIGHTS:,}.",
        width=260,
    )
    problem = weights_problem(d)
    if problem:
        st.warning(problem, icon=":material/block:")
    else:
        st.markdown(
            f"Chance that {directions_phrase(int(d))}, (1/2)<sup>{int(d):,}</sup>: "
            f"**{format_chance(int(d))}**",
            unsafe_allow_html=True,
        )
    sizes = (1, 2, 10, 100, 10**6)
    st.table(
        pd.DataFrame(
            {
                "weights d": [f"{s:,}" for s in sizes],
                "chance of a minimum": [format_chance(s, latex=False) for s in sizes],
            }
        ).set_index("weights d")
    )

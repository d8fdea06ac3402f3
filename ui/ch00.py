"""Chapter 0's interactive pieces (the page script keeps the prose and the order).

Every number these widgets print comes from ``engine.worked`` or the landscapes at
render time; the helpers here only choose what to show and format it.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from engine import landscapes, worked
from ui import controls, figures, palette
from ui.numbers import fmt, format_chance, format_table
from ui.state import PageState

PAGE = "ch00"
LESSON_RATES = (0.1, 0.5, 1.1, 0.001)  # the four learning rates the lesson walks through
TABLE_STEPS = 5  # rows 0…5 of each worked table
SLOW_MILESTONES = (100, 1000)  # extra rows for the tiny learning rate


@st.cache_data(show_spinner=False)
def parabola_table(eta: float, steps: int, x0: float = 0.0) -> dict[str, np.ndarray]:
    return worked.parabola(eta, steps, x0=x0)


def ps() -> PageState:
    return PageState(PAGE)


def gradient_probe() -> None:
    """Slide a point along (x − 3)² and read its slope: sign = direction, size = steepness."""
    state = ps()
    left, right = st.columns([2, 3], gap="medium")
    with left:
        x = st.slider(
            "Stand at x =",
            min_value=-2.0,
            max_value=8.0,
            value=0.0,
            step=0.25,
            key=state.key("probe:x"),
            persist_state="session",
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
        st.plotly_chart(fig, key=state.key("probe:chart"), config={"displayModeBar": False})


def parabola_walkthrough() -> None:
    """The lesson's worked example: a selector over four η, the table and the bouncing ball."""
    state = ps()
    eta = controls.choice(
        state,
        "walk:eta",
        "Learning rate η",
        list(LESSON_RATES),
        default=LESSON_RATES[0],
        format_func=lambda v: f"η = {controls.format_rate(v)}",
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
        st.table(format_table(shown, digits=4))
        st.caption("Computed by the engine's SGD just now; 4 significant figures.")
    with right:
        st.plotly_chart(
            figures.parabola_figure(
                x,
                loss,
                curve=worked.parabola_loss,
                minimum=(worked.PARABOLA_MINIMUM, 0.0),
                label=f"η = {controls.format_rate(eta)}",
                color=palette.optimizer_color("sgd"),
                title="The ball on L(x) = (x − 3)²: press ▶ to replay the steps",
                height=360,
            ),
            key=state.key("walk:chart"),
            config={"displayModeBar": False},
        )
    st.markdown(walkthrough_story(eta, table))


def walkthrough_story(eta: float, table: dict[str, np.ndarray]) -> str:
    """What the selected run did, in words, with the engine's numbers filled in."""
    x, loss = table["x"], table["loss f(x)"]
    n = TABLE_STEPS
    factor = worked.parabola_factor(eta)
    path = ", ".join(fmt(v, 4) for v in x[: n + 1])
    if factor == 0:
        return (
            f"**One step and done.** From x = {fmt(x[0])} the first step lands at "
            f"x = {fmt(x[1])}, exactly on the minimum, with loss {fmt(loss[1])}. "
            "Every later gradient is zero, so the ball stays put. This η is perfect, "
            "but only for this parabola."
        )
    if factor >= 1:
        return (
            f"**Overshoot, then divergence.** x goes {path}: each step jumps across the "
            f"minimum and lands farther away than before. The loss climbs "
            f"{fmt(loss[0])} → {fmt(loss[1])} → {fmt(loss[2])} → … → {fmt(loss[n])}, "
            f"because every distance is multiplied by |1 − 2η| = {fmt(factor)} > 1."
        )
    if eta < 0.01:
        return (
            f"**Crawling.** The first steps barely move: x = {path}. After "
            f"{SLOW_MILESTONES[0]} steps x is only {fmt(x[SLOW_MILESTONES[0]])}, and even "
            f"after {SLOW_MILESTONES[1]} steps it has reached {fmt(x[SLOW_MILESTONES[1]])}, "
            f"still short of 3 (loss {fmt(loss[SLOW_MILESTONES[1]])}). Each step keeps "
            f"{fmt(factor)} of the distance, so progress is real but painfully slow."
        )
    return (
        f"**Steady convergence.** x goes {path} in {n} steps, and the loss falls "
        f"{fmt(loss[0])} → {fmt(loss[n])}. The steps shrink as the slope flattens: each one "
        f"keeps {fmt(factor)} of the remaining distance."
    )


def _blown_up_or_fmt(value: float) -> str:
    """A huge value (a diverged run) in a short form such as -2.5e8: only its size matters."""
    if abs(value) < 1e5:
        return fmt(value)
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def four_rates_summary() -> None:
    """All four lesson learning rates side by side, from the engine."""
    rows = []
    for eta in LESSON_RATES:
        table = parabola_table(eta, max(SLOW_MILESTONES))
        x, loss = table["x"], table["loss f(x)"]
        rows.append(
            {
                "η": controls.format_rate(eta),
                "x₁": fmt(x[1]),
                "x₂": fmt(x[2]),
                "x₅": fmt(x[5]),
                "f(x₅)": fmt(loss[5]),
                "x₁₀₀": _blown_up_or_fmt(x[100]),
                "x₁₀₀₀": _blown_up_or_fmt(x[1000]),
            }
        )
    import pandas as pd

    st.table(pd.DataFrame(rows).set_index("η"))
    start = fmt(parabola_table(LESSON_RATES[0], 0)["x"][0])
    st.caption(f"xₖ is where x is after k steps from x₀ = {start}; f(x₅) is the loss after five.")


def convergence_calculator() -> None:
    """|1 − 2η| and the steps it takes to halve / cut the distance 10×, for any η."""
    state = ps()
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


def steps_text(steps: float) -> str:
    if np.isinf(steps):
        return "never"
    if steps == 0:
        return "0 (one step lands)"
    return f"≈ {steps:.1f}"


def divergence_threshold(landscape: str) -> float:
    """Largest stable η on a quadratic landscape: 2 / (largest curvature), from the engine."""
    land = landscapes.get(landscape)
    curvature = float(np.max(land.hessian_diag(np.asarray(land.start, dtype=float))))
    return 2.0 / curvature


def set_explorer(landscape: str, lr: float) -> None:
    """Callback for the "Show me" buttons: load a setting into the explorer and reset it."""
    state = ps()
    options = controls.log_options(0.001, 1.5, (0.9, 1.1))
    st.session_state[state.key("explorer:landscape")] = landscape
    st.session_state[state.key("explorer:lr")] = controls.nearest_option(options, lr)
    st.session_state[state.key("explorer:view")] = "2d"
    lr = st.session_state[state.key("explorer:lr")]
    from ui.explorer import start_for
    from ui.state import advance, start_run

    # Run a stretch already, so the explorer shows the failure when the learner scrolls up.
    run = start_run("sgd", {"lr": lr}, landscape, start_for(state, landscape))
    state.update_run("explorer", advance(run, 40, play=True))
    st.toast("Loaded into the Loss Landscape Explorer above: press ▶ on its chart to replay.")


def show_me(label: str, landscape: str, lr: float, key: str) -> None:
    st.button(
        f"Show me: {landscapes.get(landscape).title}, η = {controls.format_rate(lr)}",
        key=ps().key(f"showme:{key}"),
        on_click=set_explorer,
        args=(landscape, lr),
        icon=":material/north_west:",
        help=f"{label}: loads this setting into the explorer above",
    )


def saddle_calculator() -> None:
    """Chance that a random critical point in d dimensions curves up in every direction."""
    state = ps()
    d = st.number_input(
        "Number of weights d",
        min_value=1,
        max_value=10**12,
        value=1000,
        step=1,
        key=state.key("saddle:d"),
        persist_state="session",
        help="Any whole number from 1 to a trillion.",
        width=260,
    )
    st.markdown(
        f"Chance that all {int(d):,} directions curve up, (1/2)<sup>{int(d):,}</sup>: "
        f"**{format_chance(int(d))}**",
        unsafe_allow_html=True,
    )
    import pandas as pd

    sizes = (1, 2, 10, 100, 10**6)
    st.table(
        pd.DataFrame(
            {
                "weights d": [f"{s:,}" for s in sizes],
                "chance of a minimum": [format_chance(s, latex=False) for s in sizes],
            }
        ).set_index("weights d")
    )

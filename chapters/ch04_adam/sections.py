"""Chapter 4's interactive sections (the page script keeps the prose and the order): the
update rule, the bias table and chart, Adam's internals with a step scrubber, the worked
steps and the bias-correction comparison on a landscape."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from chapters.ch04_adam import figures, logic
from chapters.ch04_adam.figures import internals_figure
from chapters.ch04_adam.logic import (
    BETA1_OPTIONS,
    BETA2_OPTIONS,
    BIAS_STEPS,
    COMPARE_LANDSCAPES,
    DEFAULTS,
    DRAG_STEPS,
    FIRST_STEPS,
    LESSON_GRADS,
    LESSON_SETTINGS,
    LOG_COLOURED,
    PAGE,
    PRESET_STORY,
    PRESETS,
    RUNS,
    beta_label,
    comparison_traces,
    preset_gradients,
    tex,
    tex_factor,
)
from engine import landscapes, worked
from kit import charts, controls, explorer
from kit.controls import page_state
from kit.format import fmt, format_rate
from kit.plots.landscape import landscape_figure
from kit.plots.memo import memo_figure
from kit.state import sync_run
from kit.status import run_status

# --------------------------------------------------------------------------- sections


STATE = page_state(PAGE)
# The engine work behind the sections, cached across reruns and sessions.
adam_internals = st.cache_data(show_spinner=False, max_entries=64)(logic.adam_internals)
constant_gradient_bias = st.cache_data(show_spinner=False, max_entries=16)(
    logic.constant_gradient_bias
)
first_step_sizes = st.cache_data(show_spinner=False, max_entries=64)(logic.first_step_sizes)


def five_lines() -> None:
    """The update rule as five numbered lines (narrow enough for a phone)."""
    st.latex(
        r"""
\begin{aligned}
&\text{(1)}\quad & m_t &= \beta_1\, m_{t-1} + (1-\beta_1)\, g_t\\
&\text{(2)}\quad & v_t &= \beta_2\, v_{t-1} + (1-\beta_2)\, g_t^{2}\\
&\text{(3)}\quad & \hat m_t &= \frac{m_t}{1-\beta_1^{\,t}}\\
&\text{(4)}\quad & \hat v_t &= \frac{v_t}{1-\beta_2^{\,t}}\\
&\text{(5)}\quad & \theta_t &= \theta_{t-1} - \eta\,\frac{\hat m_t}{\sqrt{\hat v_t}+\epsilon}
\end{aligned}
"""
    )
    st.caption(
        "(1) momentum: the average gradient · (2) RMSProp: the average squared gradient · "
        "(3, 4) undo the zero start of m and v · (5) the step"
    )


def symbol_table() -> None:
    """Symbols of the update rule with the engine's defaults."""
    d = DEFAULTS
    rows = [
        ("g_t", "gradient at step t", "—", "what the loss says right now"),
        ("m_t", "first moment", "starts at 0", "running average of g: the direction"),
        ("v_t", "second moment", "starts at 0", "running average of g²: the typical size"),
        ("β₁", "decay of m", fmt(d["beta1"]), "how much gradient history m keeps"),
        ("β₂", "decay of v", fmt(d["beta2"]), "how much squared-gradient history v keeps"),
        ("m̂_t, v̂_t", "bias-corrected moments", "—", "m and v with the zero start undone"),
        ("η", "learning rate", fmt(d["lr"]), "the size Adam aims each step at"),
        ("ε", "epsilon", fmt(d["eps"]), "keeps the division finite when v̂ ≈ 0"),
        ("t", "step count", "starts at 1", "how many updates so far"),
    ]
    st.table(pd.DataFrame(rows, columns=["symbol", "name", "default", "role"]).set_index("symbol"))
    st.caption("Defaults read from the course engine's Adam (the same as torch.optim.Adam).")


def bias_table(beta1: float, beta2: float) -> None:
    """What Adam's buffers hold when the true gradient is always exactly 1."""
    data = constant_gradient_bias(beta1, beta2)
    naive, corrected = data["naive"], data["corrected"]
    idx = np.array(BIAS_STEPS) - 1
    ratio = naive["size"][idx] / corrected["size"][idx]
    st.table(
        pd.DataFrame(
            {
                "step t": [str(t) for t in BIAS_STEPS],
                "m_t (truth 1)": [fmt(x, 3) for x in naive["m"][idx]],
                "v_t (truth 1)": [fmt(x, 3) for x in naive["v"][idx]],
                "m̂_t": [fmt(x, 3) for x in corrected["m_hat"][idx]],
                "v̂_t": [fmt(x, 3) for x in corrected["v_hat"][idx]],
                "uncorrected step ÷ Adam's step": [f"{fmt(x, 3)}×" for x in ratio],
            }
        ).set_index("step t")
    )
    peak = int(np.argmax(naive["size"] / corrected["size"]))
    st.caption(
        f"β₁ = {beta_label(beta1)}, β₂ = {beta_label(beta2)}; every value from the engine's "
        "Adam fed g = 1 at every step (ε = 0 so the ratio is exact). Without the correction "
        f"the step is largest relative to Adam's at step {peak + 1}, "
        f"{fmt(naive['size'][peak] / corrected['size'][peak], 3)}× too big."
    )


def inflation_chart(beta1: float, beta2: float) -> None:
    """How many times too large the uncorrected step is, step by step (constant gradient)."""
    data = constant_gradient_bias(beta1, beta2)
    ratio = data["naive"]["size"] / data["corrected"]["size"]
    charts.plotly_chart(
        memo_figure(figures.inflation_figure, ratio),
        key=STATE.key("bias:chart"),
        config={"displayModeBar": False},
    )


def internals_visualiser() -> None:
    """Adam's m, v, m̂, v̂ and step for a gradient sequence, with a step scrubber."""

    @st.fragment
    def visualiser() -> None:
        state = STATE
        preset = controls.choice(
            state,
            "viz:preset",
            "Gradient sequence",
            list(PRESETS),
            default="lesson",
            format_func=PRESETS.get,
        )
        c2, c3 = st.columns(2, vertical_alignment="bottom")
        with c2:
            beta1 = controls.option_slider(
                state,
                "viz:beta1",
                "β₁ (momentum)",
                BETA1_OPTIONS,
                default=DEFAULTS["beta1"],
                format_func=beta_label,
                help="How much of m survives each step. 0 = no momentum: m is just the latest g.",
            )
        with c3:
            beta2 = controls.option_slider(
                state,
                "viz:beta2",
                "β₂ (squared gradients)",
                BETA2_OPTIONS,
                default=DEFAULTS["beta2"],
                format_func=beta_label,
                help="How much of v survives each step. Closer to 1 = longer memory of gradient sizes.",
            )
        seed = int(state.get("viz:seed", 0))
        grads = preset_gradients(preset, seed)
        story = PRESET_STORY[preset]
        if preset != "lesson":
            left, right = st.columns([5, 1], vertical_alignment="center")
            left.caption(story)
            right.button(
                "New draw",
                key=state.key("viz:reseed"),
                icon=":material/casino:",
                on_click=lambda: state.set("viz:seed", seed + 1),
                help="Another random sequence of the same kind",
            )
        else:
            st.caption(story)
        lr = DEFAULTS["lr"]
        data = adam_internals(tuple(float(g) for g in grads), lr, beta1, beta2)
        n = len(grads)
        step = controls.step_scrubber(
            state,
            "viz:step",
            n,
            label="Show the arithmetic of step",
            help="Moves the highlighted step on the charts; its arithmetic is below them.",
        )
        charts.plotly_chart(
            # Memoised: scrubbing back to a step seen before costs nothing (a build is ~60 ms).
            memo_figure(internals_figure, data, lr, step),
            key=state.key("viz:chart"),
            config={"displayModeBar": False},
        )
        st.caption(
            "▶ replays the highlight across all steps in your browser; the slider above picks "
            "the step whose arithmetic is written out below."
        )
        step_arithmetic(data, step, lr, beta1, beta2)

    visualiser()


def step_arithmetic(data: dict[str, np.ndarray], step: int, lr: float, b1: float, b2: float):
    """Step ``step``'s five lines with the engine's numbers filled in."""
    i = step - 1
    g = float(data["gradient g"][i])
    m_prev = float(data["m"][i - 1]) if i > 0 else 0.0
    v_prev = float(data["v"][i - 1]) if i > 0 else 0.0
    m, v = float(data["m"][i]), float(data["v"][i])
    m_hat, v_hat = float(data["m̂"][i]), float(data["v̂"][i])
    update = float(data["Δθ (signed)"][i])
    naive = float(data["naive Δθ"][i])
    c1, c2 = 1 - b1**step, 1 - b2**step
    eps = DEFAULTS["eps"]
    st.markdown(f"**Step {step}**, gradient g = {fmt(g)}:")
    st.latex(
        rf"""
\begin{{aligned}}
m_{{{step}}} &= {tex(b1)}\cdot {tex_factor(m_prev)} + {tex(1 - b1)}\cdot {tex_factor(g)}
  = {tex(m)}\\
v_{{{step}}} &= {tex(b2)}\cdot {tex_factor(v_prev)} + {tex(1 - b2)}\cdot {tex_factor(g * g)}
  = {tex(v)}\\
\hat m_{{{step}}} &= \frac{{{tex(m)}}}{{1-{tex(b1)}^{{{step}}}}} = \frac{{{tex(m)}}}{{{tex(c1)}}}
  = {tex(m_hat)}\\
\hat v_{{{step}}} &= \frac{{{tex(v)}}}{{1-{tex(b2)}^{{{step}}}}} = \frac{{{tex(v)}}}{{{tex(c2)}}}
  = {tex(v_hat)}\\
\Delta\theta_{{{step}}} &= -{tex(lr)}\cdot\frac{{{tex(m_hat)}}}{{\sqrt{{{tex(v_hat)}}}+{tex(eps)}}}
  = {tex(update, 3)}
\end{{aligned}}
"""
    )
    notes = []
    if lr > 0 and np.isfinite(update):
        notes.append(
            f"This step moves θ by {fmt(abs(update) / lr, 3)} × η"
            + (" (down)" if update < 0 else " (up)" if update > 0 else "")
            + "."
        )
    if g != 0 and m_hat != 0 and np.sign(g) != np.sign(m_hat):
        notes.append(
            "The gradient and m̂ disagree in sign: momentum still remembers earlier gradients, "
            "so θ keeps moving the way they pushed, only more slowly."
        )
    if g == 0 and update != 0:
        notes.append(
            "No gradient arrived at this step, yet θ still moves: m still holds the last "
            "spike, and v, which forgets more slowly, keeps the step from blowing up."
        )
    if np.isfinite(naive) and update != 0:
        notes.append(
            f"Without bias correction the same history would give a step of {fmt(naive, 3)}, "
            f"{fmt(abs(naive / update), 3)}× Adam's."
        )
    st.markdown(" ".join(notes))


def worked_table() -> dict[str, np.ndarray]:
    """The lesson's three steps, from ``engine.worked.adam_three_steps``; shown and returned."""
    table = worked.adam_three_steps(grads=LESSON_GRADS, **LESSON_SETTINGS)
    digits = {"Δθ (signed)": 3, "step size |Δθ|": 3}
    steps = [f"step {int(k)}" for k in table["step"]]
    # One row per quantity, one column per step: three narrow columns fit a phone.
    rows = {
        name: [fmt(float(v), digits.get(name, 4)) for v in column]
        for name, column in table.items()
        if name != "step"
    }
    st.table(pd.DataFrame.from_dict(rows, orient="index", columns=steps))
    hp = LESSON_SETTINGS
    st.caption(
        f"η = {fmt(hp['lr'])}, β₁ = {fmt(hp['beta1'])}, β₂ = {fmt(hp['beta2'])}, "
        f"ε = {fmt(hp['eps'])}, θ starts at {fmt(hp['theta0'])}. Computed by the engine's Adam "
        "just now; Δθ to 3 significant figures, the rest to 4."
    )
    return table


def beta1_drag(state, land_name: str, start: tuple[float, float], lr: float) -> None:
    """Adam (corrected) from the comparison's start at every β₁, the slider in the chart."""
    explorer.drag_chart(
        state,
        "bc:drag",
        optimizer="adam",
        landscape=land_name,
        start=start,
        steps=DRAG_STEPS,
        param="beta1",
        values=BETA1_OPTIONS,
        fixed={"lr": lr},
        active_value=float(state.get("viz:beta1", DEFAULTS["beta1"])),
        value_name="β₁",
        format_value=str,
        title_prefix=f"Adam, η = {format_rate(lr)}, ",
        log_color=land_name in LOG_COLOURED,
        note=f"**Drag β₁ inside the chart.** Adam with bias correction, from the same start at "
        f"the same η, {DRAG_STEPS} steps at each β₁ of the internals visualiser's slider, "
        "all computed at once (β₂ = 0.999): drag the slider under the map. β₁ = 0 is "
        "RMSProp with bias correction; a large β₁ carries momentum into the turns. The "
        "title gives the β₁ on screen and the loss its run reached.",
    )


def bias_comparison() -> None:
    """Adam with and without bias correction on one landscape: Step / Play / Reset, click."""

    @st.fragment
    def comparison() -> None:
        state = STATE
        land_name = controls.landscape_picker(state, list(COMPARE_LANDSCAPES), name="bc:landscape")
        c2, c3 = st.columns([2, 3], vertical_alignment="bottom")
        with c2:
            view = controls.view_toggle(state, name="bc:view")
        with c3:
            lr = controls.lr_slider(
                state, "bc:lr", low=0.001, high=1.0, default=0.1, extra=(), label="Learning rate η"
            )
        land = landscapes.get(land_name)
        start = explorer.start_for(state, land_name)
        runs = {
            name: sync_run(
                state,
                name,
                optimizer="adam",
                hyperparams={"lr": lr, "bias_correction": name == "bc:on"},
                landscape=land_name,
                start=start,
            )
            for name in RUNS
        }
        controls.run_buttons(state, list(RUNS), play_steps=50, key_prefix="bc:")
        on = state.run("bc:on") or runs["bc:on"]
        off = state.run("bc:off") or runs["bc:off"]
        traces = comparison_traces(on, off)
        play_from = [r.play_from for r in (on, off) if r.play_from is not None]

        left, right = st.columns([3, 2], gap="medium")
        with left:
            fig = memo_figure(
                landscape_figure,
                explorer.landscape_grid(land_name),
                view=view,
                trajectories=traces,
                start=on.start,
                minima=land.minima,
                saddles=land.saddles,
                loss_fn=land.loss,
                animate_from=min(play_from) if play_from else 0,
                click_grid=explorer.CLICK_GRID_N if view == "2d" else 0,
                log_color=land_name in LOG_COLOURED,
                height=460 if view == "2d" else 500,
            )
            if view == "2d":
                st.caption(f"**{land.title}**: click anywhere on the map to start there.")
            explorer.landscape_chart(state, "bc", land_name, fig, view)
        with right:
            for run, label in ((on, "Adam (corrected)"), (off, "Without correction")):
                st.markdown(f"**{label}**")
                with st.container(horizontal=True, gap="medium"):
                    st.metric("Step", run.steps, width="content")
                    st.metric("Loss", fmt(run.loss, 4), width="content")
                    last = (
                        float(np.linalg.norm(run.path[-1] - run.path[-2]))
                        if run.steps
                        else float("nan")
                    )
                    st.metric("Last step length", fmt(last, 3), width="content")
                status = run_status(run)
                st.caption(f"{status.label}: {status.detail}")
            explorer.loss_chart(state, "bc:loss", traces, title="Loss per step", height=260)
        st.caption(f"**{land.title}.** {land.description}")
        beta1_drag(state, land_name, tuple(on.start), lr)

        st.subheader("The first steps, side by side")
        sizes = first_step_sizes(land_name, tuple(on.start), lr)
        labels = [str(k) for k in range(1, FIRST_STEPS + 1)]
        bars = memo_figure(figures.first_steps_figure, labels, sizes, lr)
        charts.plotly_chart(bars, key=state.key("bc:bars"), config={"displayModeBar": False})
        ratio = sizes["naive"] / np.where(sizes["corrected"] > 0, sizes["corrected"], np.nan)
        with st.expander("The same numbers as a table", icon=":material/table_chart:"):
            st.table(
                pd.DataFrame(
                    {
                        "step": labels,
                        "Adam (corrected)": [fmt(x, 3) for x in sizes["corrected"]],
                        "without correction": [fmt(x, 3) for x in sizes["naive"]],
                        "ratio": [f"{fmt(x, 3)}×" for x in ratio],
                    }
                ).set_index("step")
            )
        st.caption(
            f"Adam's first step is {fmt(sizes['corrected'][0], 3)} long, about η·√2 because "
            "both coordinates move by about η. Without the correction the first step is "
            f"{fmt(ratio[0], 3)}× as long, and the gap keeps growing for a while."
        )

    comparison()

"""Chapter 5's interactive sections (the page script keeps the prose and the order): the
worked example's arithmetic, the busy and the quiet weight with a step scrubber, and the
engine's chains of links."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from chapters.ch05_adamw import logic
from chapters.ch05_adamw.figures import decay_drag_figure, decay_figure
from chapters.ch05_adamw.logic import (
    ADAMW_COLOR,
    BUSY_SCALES,
    DECAY_LR,
    DECAY_THETA0,
    DECAY_WD,
    DRAG_WDS,
    L2_COLOR,
    LESSON_EXAMPLE,
    NOISE,
    PAGE,
    QUIET_SCALES,
    STEPS,
)
from engine import optimizers
from kit import charts, controls
from kit.controls import page_state, persistent
from kit.format import fmt, format_rate, latex_number
from kit.plots.bars import grouped_bar_figure
from kit.plots.memo import memo_figure
from kit.plots.series import Series

BUSY, QUIET = "busy", "quiet"


# --------------------------------------------------------------------------- worked example


STATE = page_state(PAGE)
# The engine work behind the sections, cached across reruns and sessions.
worked_example = st.cache_data(show_spinner=False, max_entries=8)(logic.worked_example)
decay_runs = st.cache_data(show_spinner=False, max_entries=64)(logic.decay_runs)
engine_final_weights = st.cache_data(show_spinner=False, max_entries=16)(logic.engine_final_weights)


def worked_section() -> dict:
    """The lesson's one-step example as a table and the arithmetic; returns the engine result."""
    data = worked_example()
    table = data["table"]
    theta, g, wd, lr, v = (LESSON_EXAMPLE[k] for k in ("theta", "g", "wd", "lr", "v"))
    fed = table["gradient fed to m and v"]
    data_part, decay_part = table["data part of Δθ"], table["decay part of Δθ"]
    root = float(np.sqrt(table["v̂"][0]))
    st.markdown(
        f"One weight late in training, so bias correction has worn off: θ = {fmt(theta)}, "
        f"data gradient g = {fmt(g)}, λ = {fmt(wd)}, η = {fmt(lr)}, and the second moment has "
        f"settled at v̂ = {fmt(v)} (√v̂ = {fmt(root)}). Both optimizers have seen this gradient "
        "for a long time, so m̂ equals what they feed it."
    )
    decay_sign = "-" if decay_part[1] < 0 else "+"
    st.markdown("**Adam + L2**: the decay joins the gradient, so √v̂ divides it too.")
    st.latex(
        rf"""
\begin{{aligned}}
g + \lambda\theta &= {latex_number(g)} + {latex_number(wd)}\cdot {latex_number(theta)} = {latex_number(fed[0])}\\
\Delta\theta &= -\eta\,\frac{{g+\lambda\theta}}{{\sqrt{{\hat v}}}}
  = -{latex_number(lr)}\cdot\frac{{{latex_number(fed[0])}}}{{{latex_number(root)}}}\\
  &= {latex_number(table["Δθ (signed)"][0])}\\
\text{{decay part}} &= -\eta\,\frac{{\lambda\theta}}{{\sqrt{{\hat v}}}} = {latex_number(decay_part[0])}\\
  &\to {latex_number(data["l2"], 3)}\,\%\text{{ of }}\theta
\end{{aligned}}
"""
    )
    st.markdown("**AdamW**: Adam sees the data gradient only; the decay is applied to θ itself.")
    st.latex(
        rf"""
\begin{{aligned}}
\Delta\theta &= -\eta\,\frac{{g}}{{\sqrt{{\hat v}}}} - \eta\lambda\theta\\
  &= {latex_number(data_part[1])} {decay_sign} {latex_number(abs(decay_part[1]))} = {latex_number(table["Δθ (signed)"][1])}\\
\text{{decay part}} &= -\eta\lambda\theta = {latex_number(decay_part[1])}\\
  &\to {latex_number(data["decoupled"], 3)}\,\%\text{{ of }}\theta
\end{{aligned}}
"""
    )
    digits = {"θ after": 6}
    # One row per quantity, one column per method: two narrow columns fit a phone.
    rows = {
        name: [fmt(float(x), digits.get(name, 4)) for x in col]
        for name, col in table.items()
        if name not in ("method", "decay removes (% of θ)")
    }
    rows["decay removes (% of θ)"] = [
        f"{fmt(float(x), 3)} %" for x in table["decay removes (% of θ)"]
    ]
    shown = pd.DataFrame.from_dict(rows, orient="index", columns=list(table["method"]))
    st.table(shown)
    st.caption(
        "Both steps taken by the engine (adam with weight_decay, and adamw) from that steady "
        "state; percentages to 3 significant figures."
    )
    return data


# --------------------------------------------------------------------------- busy vs quiet


def _scale_choice(name: str, label: str, options: tuple[float, ...], default: float, help: str):
    return controls.choice(
        STATE,
        name,
        label,
        list(options),
        default=default,
        format_func=lambda v: f"{v:g}",
        help=help,
    )


@st.cache_data(show_spinner=False, max_entries=32)
def decay_runs_per_wd(
    busy: float, quiet: float, wds: tuple[float, ...], noisy: bool
) -> list[dict[str, dict]]:
    return [decay_runs(busy, quiet, wd, noisy) for wd in wds]


def wd_drag(state, busy: float, quiet: float, wd: float, noisy: bool) -> None:
    """The comparison's summed decay at every λ, with the λ slider inside the chart."""
    wds = tuple(sorted({*DRAG_WDS, wd}))
    st.markdown(
        "**Drag λ inside the chart.** The same two weights at every λ below, all computed "
        "at once: drag the slider under the chart and watch, for each method, whether the "
        "busy (solid) and quiet (dashed) curves stay together as λ changes. The title gives "
        "the λ on screen and each curve's total."
    )
    charts.plotly_chart(
        memo_figure(
            decay_drag_figure,
            decay_runs_per_wd(busy, quiet, wds, noisy),
            [format_rate(v) for v in wds],
            wds.index(wd),
        ),
        key=state.key("decay:drag"),
        config={"displayModeBar": False},
    )


def busy_quiet_comparison() -> None:
    """A busy and a quiet weight under Adam + L2 and AdamW: λ slider, scrubber, decay shares."""

    @st.fragment
    def comparison() -> None:
        state = STATE
        busy = _scale_choice(
            "decay:busy",
            "Busy weight: gradient size |g|",
            BUSY_SCALES,
            10.0,
            "A weight that gets large gradients at every step.",
        )
        quiet = _scale_choice(
            "decay:quiet",
            "Quiet weight: gradient size |g|",
            QUIET_SCALES,
            0.1,
            "A weight that only gets small gradients.",
        )
        c3, c4 = st.columns([3, 2], vertical_alignment="bottom")
        with c3:
            wd = controls.log_slider(
                state,
                "decay:wd",
                "Weight decay λ (log scale)",
                low=0.001,
                high=0.5,
                default=DECAY_WD,
                help="The decay strength you ask for. Both methods use the same λ.",
            )
        with c4:
            noisy = st.toggle(
                "Noisy gradients",
                value=False,
                help=f"Scatter each gradient by ±{NOISE:.0%} of its size (seeded).",
                **persistent(state, "decay:noisy"),
            )
        runs = decay_runs(float(busy), float(quiet), float(wd), bool(noisy))
        step = controls.step_scrubber(
            state,
            "decay:step",
            STEPS,
            label="Step to inspect",
            help="Moves the highlight on the charts and updates the bars and numbers below.",
        )
        st.markdown("**Decay each weight receives** (solid: busy weight · dashed: quiet weight)")
        charts.plotly_chart(
            memo_figure(decay_figure, runs, step),
            key=state.key("decay:chart"),
            config={"displayModeBar": False},
        )
        st.caption(
            f"Both weights start at θ = {fmt(DECAY_THETA0)} with η = {fmt(DECAY_LR)}. "
            "▶ replays the highlight in your browser; the slider above picks the step shown "
            "in the bars and numbers below."
        )
        i = step - 1
        shares = {
            (w, m): float(runs[w][f"{m} decay (% of θ)"][i])
            for w in (BUSY, QUIET)
            for m in ("Adam+L2", "AdamW")
        }
        left, right = st.columns([3, 2], gap="medium")
        with left:
            bars = memo_figure(
                grouped_bar_figure,
                ["busy weight", "quiet weight"],
                [
                    Series(
                        "Adam + L2", [shares[BUSY, "Adam+L2"], shares[QUIET, "Adam+L2"]], L2_COLOR
                    ),
                    Series("AdamW", [shares[BUSY, "AdamW"], shares[QUIET, "AdamW"]], ADAMW_COLOR),
                ],
                value_title="% of θ removed by decay",
                title=f"Decay each weight receives at step {step}",
                text_format=".3g",
                height=320,
            )
            charts.plotly_chart(bars, key=state.key("decay:bars"), config={"displayModeBar": False})
        busy_ratio = shares[BUSY, "Adam+L2"] / shares[BUSY, "AdamW"]
        quiet_ratio = shares[QUIET, "Adam+L2"] / shares[QUIET, "AdamW"]
        with right:
            st.markdown(
                f"At step {step}, AdamW removes the same {fmt(shares[BUSY, 'AdamW'], 3)} % of "
                f"θ from both weights. Adam + L2 gives the busy weight {fmt(busy_ratio, 3)}× "
                f"that and the quiet one {fmt(quiet_ratio, 3)}×: "
                + (
                    "the busy weight, whose large gradients swell √v̂, is barely regularised."
                    if busy_ratio < quiet_ratio
                    else "with these settings the two weights' gradients are too alike to "
                    "show the difference."
                )
            )
        rows = []
        for w, label in ((BUSY, "busy"), (QUIET, "quiet")):
            l2, dec = shares[w, "Adam+L2"], shares[w, "AdamW"]
            rows.append(
                {
                    "weight": label,
                    "gradient g": fmt(float(runs[w]["gradient g"][i]), 3),
                    "Adam + L2": f"{fmt(l2, 3)} %",
                    "AdamW": f"{fmt(dec, 3)} %",
                    "L2 ÷ AdamW": f"{fmt(l2 / dec, 3)}×" if dec else "—",
                }
            )
        st.table(pd.DataFrame(rows).set_index("weight"))
        wd_drag(state, float(busy), float(quiet), float(wd), bool(noisy))
        if quiet >= busy:
            st.warning(
                "The quiet weight's gradients are at least as large as the busy one's: pick a "
                "larger busy size or a smaller quiet size to see the two behave differently."
            )

    comparison()


def engine_chains() -> None:
    """Adam's and AdamW's chains of links side by side, then the engine code itself."""
    adam_links = list(optimizers.chain_links("adam"))
    adamw_links = list(optimizers.chain_links("adamw"))
    n = max(len(adam_links), len(adamw_links))
    st.table(
        pd.DataFrame(
            {
                "link": [str(k) for k in range(1, n + 1)],
                "Adam (weight_decay = L2)": adam_links + [""] * (n - len(adam_links)),
                "AdamW (decoupled)": adamw_links + [""] * (n - len(adamw_links)),
            }
        ).set_index("link")
    )
    st.caption("Link names read from the engine's chains when the page loaded.")
    with st.expander("The engine's code for both", icon=":material/code:"):
        st.code(optimizers.builder_source("adam"), language="python")
        st.code(optimizers.builder_source("adamw"), language="python")

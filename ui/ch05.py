"""Chapter 5's interactive pieces: L2 against decoupled decay, on a busy and a quiet weight.

The page script keeps the prose and the order; the helpers here call the engine
(``engine.worked.l2_vs_decoupled`` and ``effective_decay``), choose what to show and
format it. Every number comes from the engine at render time.
"""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import streamlit as st

from engine import optimizers, worked
from ui import controls, figures, palette
from ui.numbers import fmt
from ui.state import PageState

PAGE = "ch05"
STEPS = 300  # length of the busy/quiet comparison
NOISE = 0.5  # relative gradient noise when "noisy gradients" is on
BUSY_SCALES = (1.0, 3.0, 10.0, 30.0, 100.0)
QUIET_SCALES = (0.01, 0.03, 0.1, 0.3, 1.0)
L2_COLOR = palette.optimizer_color("adam")
ADAMW_COLOR = palette.optimizer_color("adamw")
BUSY, QUIET = "busy", "quiet"


def ps() -> PageState:
    return PageState(PAGE)


def signature_defaults(fn) -> dict[str, float]:
    """The default arguments of an engine function (so the page reads them, not types them)."""
    return {
        name: p.default
        for name, p in inspect.signature(fn).parameters.items()
        if p.default is not inspect.Parameter.empty
    }


WORKED = signature_defaults(worked.l2_vs_decoupled)
DECAY = signature_defaults(worked.effective_decay)


# --------------------------------------------------------------------------- engine calls


def sgd_shrink_factor(lr: float, wd: float) -> float:
    """What one SGD step with L2 does to a weight of 1 when the data gradient is 0."""
    opt = optimizers.make("sgd", lr=lr, weight_decay=wd)
    params = np.ones(1)
    new, _ = opt.step(params, lambda _p: np.zeros(1), opt.init(params))
    return float(new[0])


@st.cache_data(show_spinner=False, max_entries=8)
def worked_example() -> dict:
    result = worked.l2_vs_decoupled()
    return {
        "table": result.table,
        "l2": result.l2_percent,
        "decoupled": result.decoupled_percent,
    }


@st.cache_data(show_spinner=False, max_entries=64)
def decay_runs(busy: float, quiet: float, wd: float, noisy: bool) -> dict[str, dict]:
    """``worked.effective_decay`` for the busy and the quiet weight (same noise draw)."""
    noise = NOISE if noisy else 0.0
    return {
        BUSY: worked.effective_decay(busy, wd=wd, steps=STEPS, noise=noise, seed=1),
        QUIET: worked.effective_decay(quiet, wd=wd, steps=STEPS, noise=noise, seed=2),
    }


# --------------------------------------------------------------------------- worked example


def worked_section() -> dict:
    """The lesson's one-step example as a table and the arithmetic; returns the engine result."""
    data = worked_example()
    table = data["table"]
    theta, g, wd, lr, v = (WORKED[k] for k in ("theta", "g", "wd", "lr", "v"))
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
g + \lambda\theta &= {fmt(g)} + {fmt(wd)}\cdot {fmt(theta)} = {fmt(fed[0])}\\
\Delta\theta &= -\eta\,\frac{{g+\lambda\theta}}{{\sqrt{{\hat v}}}}
  = -{fmt(lr)}\cdot\frac{{{fmt(fed[0])}}}{{{fmt(root)}}}\\
  &= {fmt(table["Δθ (signed)"][0])}\\
\text{{decay part}} &= -\eta\,\frac{{\lambda\theta}}{{\sqrt{{\hat v}}}} = {fmt(decay_part[0])}\\
  &\to {fmt(data["l2"], 3)}\,\%\text{{ of }}\theta
\end{{aligned}}
"""
    )
    st.markdown("**AdamW**: Adam sees the data gradient only; the decay is applied to θ itself.")
    st.latex(
        rf"""
\begin{{aligned}}
\Delta\theta &= -\eta\,\frac{{g}}{{\sqrt{{\hat v}}}} - \eta\lambda\theta\\
  &= {fmt(data_part[1])} {decay_sign} {fmt(abs(decay_part[1]))} = {fmt(table["Δθ (signed)"][1])}\\
\text{{decay part}} &= -\eta\lambda\theta = {fmt(decay_part[1])}\\
  &\to {fmt(data["decoupled"], 3)}\,\%\text{{ of }}\theta
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
        ps(),
        name,
        label,
        list(options),
        default=default,
        format_func=lambda v: f"{v:g}",
        help=help,
    )


def busy_quiet_comparison() -> None:
    """A busy and a quiet weight under Adam + L2 and AdamW: λ slider, scrubber, decay shares."""

    @st.fragment
    def comparison() -> None:
        state = ps()
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
                default=DECAY["wd"],
                help="The decay strength you ask for. Both methods use the same λ.",
            )
        with c4:
            noisy = st.toggle(
                "Noisy gradients",
                value=False,
                key=state.key("decay:noisy"),
                help=f"Scatter each gradient by ±{NOISE:.0%} of its size (seeded).",
                persist_state=controls.PERSIST,
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
        st.plotly_chart(
            figures.memo_figure(decay_figure, runs, step),
            key=state.key("decay:chart"),
            config={"displayModeBar": False},
        )
        st.caption(
            f"Both weights start at θ = {fmt(DECAY['theta0'])} with η = {fmt(DECAY['lr'])}. "
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
            bars = figures.memo_figure(
                figures.grouped_bar_figure,
                ["busy weight", "quiet weight"],
                [
                    figures.Series(
                        "Adam + L2", [shares[BUSY, "Adam+L2"], shares[QUIET, "Adam+L2"]], L2_COLOR
                    ),
                    figures.Series(
                        "AdamW", [shares[BUSY, "AdamW"], shares[QUIET, "AdamW"]], ADAMW_COLOR
                    ),
                ],
                value_title="% of θ removed by decay",
                title=f"Decay each weight receives at step {step}",
                text_format=".3g",
                height=320,
            )
            st.plotly_chart(bars, key=state.key("decay:bars"), config={"displayModeBar": False})
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
        if quiet >= busy:
            st.warning(
                "The quiet weight's gradients are at least as large as the busy one's: pick a "
                "larger busy size or a smaller quiet size to see the two behave differently."
            )

    comparison()


def decay_figure(runs: dict[str, dict], step: int):
    """Per-step and accumulated decay share of both weights under both methods."""
    steps = runs[BUSY]["step"].astype(int)
    per_step, so_far = [], []
    for method, column, color in (
        ("Adam + L2", "Adam+L2", L2_COLOR),
        ("AdamW", "AdamW", ADAMW_COLOR),
    ):
        for weight, dash in ((BUSY, None), (QUIET, "dash")):
            label = f"{method}, {weight}"
            share = np.asarray(runs[weight][f"{column} decay (% of θ)"], dtype=float)
            per_step.append(figures.PanelCurve(label, share, color, dash))
            so_far.append(figures.PanelCurve(label, np.cumsum(share), color, dash))
    return figures.step_panels_figure(
        steps,
        [
            figures.StepPanel("% of θ, this step (log)", tuple(per_step), log_y=True),
            figures.StepPanel("% of θ, summed so far", tuple(so_far)),
        ],
        highlight=step,
        animate=True,
        panel_height=220,
    )


@st.cache_data(show_spinner=False, max_entries=16)
def engine_final_weights(name: str, grads: np.ndarray, start, lr: float = 1e-3, wd: float = 0.1):
    """Final weights of engine optimizer ``name`` (adam = L2, adamw) fed ``grads`` row by row."""
    opt = optimizers.make(name, lr=lr, weight_decay=wd)
    params = np.asarray(start, dtype=float)
    state = opt.init(params)
    for row in np.asarray(grads, dtype=float):
        params, state = opt.step(params, lambda _p, row=row: row, state)
    return params


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

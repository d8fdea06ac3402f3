"""Chapter 2's "theory of the ravine" section: the closed forms for the ravine on screen,
the (η, β) plane predicted beside measured (click it, or type η and β), and the run at
the chosen point with its predicted and measured steps to ε."""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from chapters.ch02_momentum import theory_logic
from chapters.ch02_momentum.logic import PAGE
from chapters.ch02_momentum.theory_figures import plane_figure, run_loss_figure
from chapters.ch02_momentum.theory_logic import (
    BETA_MAX,
    DEFAULT_KAPPA,
    EPSILON,
    KAPPAS,
    LR_INPUT_RANGE,
    REGION_TEXT,
    RUN_STEPS,
    ClosedForms,
    pick_plane_point,
    run_sentence,
    steps_label,
)
from kit import charts, clicks, palette
from kit.controls import page_state, persistent
from kit.format import fmt
from kit.plots.landscape import landscape_figure
from kit.plots.memo import memo_figure
from kit.plots.series import PathTrace

STATE = page_state(PAGE)
PLANE = "theory:plane"  # the clickable chart's name
KAPPA_KEY, LR_KEY, BETA_KEY = "theory:kappa", "theory:lr", "theory:beta"

# One entry per κ of the slider: the key space is tiny.
closed_forms = st.cache_data(show_spinner=False, max_entries=len(KAPPAS))(theory_logic.closed_forms)
plane_maps = st.cache_data(
    show_spinner="Running momentum at every (η, β) of the grid…", max_entries=len(KAPPAS)
)(theory_logic.plane_maps)
point_run = st.cache_data(show_spinner=False, max_entries=128)(theory_logic.point_run)


@st.cache_data(show_spinner=False, max_entries=len(KAPPAS))
def ravine_grid(kappa: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    xs, ys, z = theory_logic.ravine_for(kappa).landscape().grid(100)
    return np.asarray(xs, np.float32), np.asarray(ys, np.float32), np.asarray(z, np.float32)


def go_to_optimum() -> None:
    """Put the run at momentum's best pair for the current κ (a κ change does this too)."""
    kappa = float(STATE.get(KAPPA_KEY, DEFAULT_KAPPA))
    forms = theory_logic.closed_forms(kappa)
    # Exact values: the optimum is a sharp corner of the plane (β rounded to 3 decimals
    # at κ = 80 already slows the rate from 0.799 to 0.819).
    STATE.set(LR_KEY, float(forms.momentum_lr))
    STATE.set(BETA_KEY, float(forms.momentum_beta))


def on_plane_click(lrs: np.ndarray, betas: np.ndarray):
    """The chart's ``on_pick``: a clicked cell becomes the (η, β) of the run."""

    def on_pick(selection: Any) -> bool:
        point = pick_plane_point(selection, lrs, betas)
        if point is None:
            return False
        low, high = LR_INPUT_RANGE
        STATE.set(LR_KEY, min(max(float(f"{point[0]:.4g}"), low), high))
        STATE.set(BETA_KEY, round(point[1], 3))
        return True

    return on_pick


def closed_forms_block(forms: ClosedForms) -> None:
    """The ravine's curvatures and the closed forms, every number from engine.theory."""
    c1, c2, c3 = st.columns(3)
    c1.metric("λ_min (along the floor)", fmt(forms.lam_min, 4))
    c2.metric("λ_max (across the walls)", fmt(forms.lam_max, 4))
    c3.metric("κ = λ_max / λ_min", fmt(forms.kappa, 4))
    left, right = st.columns(2, gap="medium")
    with left:
        st.markdown("**Plain gradient descent**")
        st.latex(r"\rho_{\text{GD}}(\eta) = \max_{\lambda}\,\lvert 1 - \eta\lambda \rvert")
        st.latex(
            rf"\eta_{{\text{{GD}}}}^* = \frac{{2}}{{\lambda_{{\min}} + \lambda_{{\max}}}}"
            rf" = {fmt(forms.gd_lr, 4)},\quad"
            rf"\rho = \frac{{\kappa - 1}}{{\kappa + 1}} = {fmt(forms.gd_rate, 4)}"
        )
        st.markdown(f"Loss ≤ {EPSILON:g} predicted after **{steps_label(forms.gd_steps)}** steps.")
    with right:
        st.markdown("**Momentum (heavy ball)**")
        st.latex(
            rf"\eta^* = \Big(\frac{{2}}{{\sqrt{{\lambda_{{\min}}}} + \sqrt{{\lambda_{{\max}}}}}}"
            rf"\Big)^2 = {fmt(forms.momentum_lr, 4)}"
        )
        st.latex(
            rf"\beta^* = \Big(\frac{{\sqrt\kappa - 1}}{{\sqrt\kappa + 1}}\Big)^2"
            rf" = {fmt(forms.momentum_beta, 4)},\quad \rho = \sqrt{{\beta^*}}"
            rf" = {fmt(forms.momentum_rate, 4)}"
        )
        st.markdown(
            f"Loss ≤ {EPSILON:g} predicted after **{steps_label(forms.momentum_steps)}** "
            f"steps: {fmt(forms.speedup, 3)}× fewer than plain gradient descent's best."
        )


def theory_of_the_ravine() -> None:
    """κ slider → closed forms, both maps of the plane, the run at the chosen (η, β)."""

    @st.fragment
    def body() -> None:
        ps = STATE
        kappa = float(
            st.select_slider(
                "Condition number κ: how much steeper the walls are than the floor",
                options=list(KAPPAS),
                value=DEFAULT_KAPPA,
                on_change=go_to_optimum,
                help="λ_min stays as the chapter's ravine has it; λ_max = κ·λ_min. Changing "
                "κ reshapes both maps and puts the run at the new optimum.",
                **persistent(ps, KAPPA_KEY),
            )
        )
        forms = closed_forms(kappa)
        if ps.get(LR_KEY) is None or ps.get(BETA_KEY) is None:
            go_to_optimum()
        closed_forms_block(forms)

        maps = plane_maps(kappa)
        optimum = (forms.momentum_lr, forms.momentum_beta)
        chosen = (float(ps.get(LR_KEY)), float(ps.get(BETA_KEY)))
        st.markdown(
            "**The (η, β) plane.** Left: the rate the theory predicts at every point. Right: "
            "the rate fitted from the engine's own runs. Click a point on the left map, or "
            "type η and β below, to run momentum there."
        )
        left, right = st.columns(2, gap="medium")
        with left:
            fig = memo_figure(
                plane_figure, maps, "predicted", optimum=optimum, chosen=chosen, clickable=True
            )
            clicks.clickable_chart(ps, PLANE, fig, on_plane_click(maps.lrs, maps.betas))
        with right:
            charts.plotly_chart(
                memo_figure(plane_figure, maps, "measured", optimum=optimum, chosen=chosen),
                key=ps.key("theory:measured"),
                config={"displayModeBar": False},
            )
        st.caption(
            f"Colour: how many steps the error needs to shrink tenfold, log scale (dark is "
            f"fast). Hover a cell for its rate. Grey: the rate is "
            f"≥ 1, the run diverges. Dotted lines: the borders between the regions. Star: "
            f"the optimum (η*, β*). Each map is {maps.lrs.size}×{maps.betas.size} cells; the "
            f"measured one is a single batched engine run of every cell, "
            f"{theory_logic.MAP_STEPS} steps, its rate fitted from the loss curve. The two "
            f"agree to a median {fmt(maps.agreement, 2)} where both are below 1, and the "
            f"runs diverge where the theory says they will in "
            f"{fmt(100 * maps.divergence_agrees, 3)} % of cells."
        )

        k1, k2, k3 = st.columns([2, 2, 1.4], vertical_alignment="bottom")
        with k1:
            lr = st.number_input(
                "Learning rate η",
                min_value=LR_INPUT_RANGE[0],
                max_value=LR_INPUT_RANGE[1],
                step=0.001,
                format="%.4g",
                help="The same as clicking the left map: the run below uses this η.",
                **persistent(ps, LR_KEY),
            )
        with k2:
            beta = st.number_input(
                "Momentum β",
                min_value=0.0,
                max_value=float(BETA_MAX),
                step=0.01,
                format="%.3f",
                help="The same as clicking the left map: the run below uses this β.",
                **persistent(ps, BETA_KEY),
            )
        with k3:
            st.button(
                "Go to the optimum",
                on_click=go_to_optimum,
                icon=":material/star:",
                key=ps.key("theory:to-optimum"),
                help="Set η and β to η* and β* for this κ.",
            )
        run = point_run(kappa, float(lr), float(beta))
        run_view(run, kappa)

    body()


def run_view(run: theory_logic.PointRun, kappa: float) -> None:
    """The run at (η, β) on the ravine, and its steps to ε, predicted beside measured."""
    ps = STATE
    m1, m2, m3 = st.columns(3)
    m1.metric(
        f"Predicted steps to loss ≤ {EPSILON:g}",
        steps_label(run.predicted_steps),
        help="From the spectral radius ρ: the loss falls like ρ^(2t).",
    )
    m2.metric(
        f"Measured steps to loss ≤ {EPSILON:g}",
        "diverged" if run.diverged_at >= 0 else steps_label(run.measured_steps, RUN_STEPS),
        help="The first step from which the engine's run stays at or below ε.",
    )
    m3.metric("Region", run.region_name, help=REGION_TEXT[run.region])
    st.markdown(run_sentence(run))
    land = theory_logic.ravine_for(kappa).landscape()
    trace = PathTrace(
        label=f"momentum η={fmt(run.lr, 3)} β={fmt(run.beta, 3)}",
        path=run.path,
        losses=run.losses,
        color=palette.optimizer_color("momentum"),
        diverged_at=None if run.diverged_at < 0 else run.diverged_at,
    )
    left, right = st.columns([3, 2], gap="medium")
    with left:
        fig = memo_figure(
            landscape_figure,
            ravine_grid(kappa),
            trajectories=[trace],
            start=tuple(land.start),
            minima=land.minima,
            loss_fn=land.loss,
            animate_from=0,
            title=f"κ = {fmt(kappa, 4)}: the run at η = {fmt(run.lr, 3)}, β = {fmt(run.beta, 3)}",
            height=440,
        )
        charts.plotly_chart(fig, key=ps.key("theory:run"), config={"displayModeBar": False})
    with right:
        charts.plotly_chart(
            memo_figure(run_loss_figure, run, height=440),
            key=ps.key("theory:loss"),
            config={"displayModeBar": False},
        )
    st.caption(
        "Press ▶ under the map to watch the run. Losses below 10⁻¹⁰ are drawn at 10⁻¹⁰. "
        "The prediction counts only the rate; "
        "the run also pays for where it starts and, near the optimum, for two equal "
        "eigenvalues (the error then falls like t·ρᵗ), so its count can differ by a few "
        "dozen steps while its slope matches the dashed line."
    )

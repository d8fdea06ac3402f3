"""Chapter 5's figure: the decay each weight receives under Adam + L2 and AdamW, per step
and summed."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from chapters.ch05_adamw.logic import ADAMW_COLOR, BUSY, L2_COLOR, QUIET
from kit.plots.base import base_layout
from kit.plots.panels import PanelCurve, StepPanel, step_panels_figure
from kit.plots.sweep import add_value_slider


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
            per_step.append(PanelCurve(label, share, color, dash))
            so_far.append(PanelCurve(label, np.cumsum(share), color, dash))
    return step_panels_figure(
        steps,
        [
            StepPanel("% of θ, this step (log)", tuple(per_step), log_y=True),
            StepPanel("% of θ, summed so far", tuple(so_far)),
        ],
        highlight=step,
        animate=True,
        panel_height=220,
    )


DRAG_CURVES = (
    ("Adam + L2", "Adam+L2", L2_COLOR),
    ("AdamW", "AdamW", ADAMW_COLOR),
)


def summed_shares(runs: dict[str, dict]) -> list[np.ndarray]:
    """The four summed decay curves (% of θ removed so far), in :data:`DRAG_CURVES` ×
    (busy, quiet) order."""
    return [
        np.cumsum(np.asarray(runs[weight][f"{column} decay (% of θ)"], dtype=float))
        for _, column, _ in DRAG_CURVES
        for weight in (BUSY, QUIET)
    ]


def decay_drag_title(runs: dict[str, dict], wd_text: str) -> str:
    steps = int(runs[BUSY]["step"][-1])
    return f"λ = {wd_text}: decay summed over {steps} steps"


def decay_drag_totals(runs: dict[str, dict]) -> str:
    """What the λ on screen did, from its runs: the summed shares at the last step."""
    busy_l2, quiet_l2, busy_w, quiet_w = (float(c[-1]) for c in summed_shares(runs))
    return (
        f"Adam + L2: busy {busy_l2:.3g} %, quiet {quiet_l2:.3g} %<br>"
        f"AdamW: busy {busy_w:.3g} %, quiet {quiet_w:.3g} %"
    )


def decay_drag_figure(
    runs_per_wd: Sequence[dict[str, dict]], wd_labels: Sequence[str], active: int
) -> go.Figure:
    """Summed decay share of both weights under both methods, with a λ slider inside the
    chart: every λ's runs travel with the figure, so dragging redraws in the browser."""
    runs = runs_per_wd[active]
    steps = np.asarray(runs[BUSY]["step"], dtype=int)
    fig = go.Figure()
    curves = summed_shares(runs)
    k = 0
    for method, _, color in DRAG_CURVES:
        for weight, dash in ((BUSY, None), (QUIET, "dash")):
            fig.add_trace(
                go.Scatter(
                    x=steps,
                    y=np.asarray(curves[k], dtype=np.float32),
                    mode="lines",
                    line={"color": color, "width": 2, "dash": dash},
                    name=f"{method}, {weight}",
                    hovertemplate=f"{method}, {weight}<br>step %{{x}}<br>%{{y:.3g}} %"
                    "<extra></extra>",
                )
            )
            k += 1
    base_layout(fig, title=decay_drag_title(runs, wd_labels[active]), height=380)
    # The totals sit inside the plot, top left, where the summed curves (which start at
    # 0 and grow) leave room; each slider step rewrites them.
    fig.add_annotation(
        text=decay_drag_totals(runs),
        xref="x domain",
        yref="y domain",
        x=0.01,
        y=0.99,
        xanchor="left",
        yanchor="top",
        align="left",
        showarrow=False,
        bgcolor="rgba(255,255,255,0.85)",
        font={"size": 12, "color": "#333"},
    )
    fig.update_xaxes(title_text="step")
    fig.update_yaxes(title_text="% of θ removed by decay, summed", rangemode="tozero")
    add_value_slider(
        fig,
        traces=list(range(4)),
        ys_per_value=[summed_shares(r) for r in runs_per_wd],
        labels=list(wd_labels),
        titles=[decay_drag_title(r, t) for r, t in zip(runs_per_wd, wd_labels, strict=True)],
        active=active,
        prefix="drag λ: ",
        layout_per_value=[{"annotations[0].text": decay_drag_totals(r)} for r in runs_per_wd],
    )
    return fig

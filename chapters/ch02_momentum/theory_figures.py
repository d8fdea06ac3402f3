"""Chapter 2's theory figures: the (η, β) plane as a heatmap of the rate (predicted or
measured) with its regions labelled and the optimum marked, and the run at one (η, β)
with its loss beside the theory's straight line.

The η axis is log₁₀ η on a linear axis (ticks labelled with η), so a heatmap, its
region borders and the click grid share one coordinate system.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from chapters.ch02_momentum.theory_logic import EPSILON, PlaneMaps, PointRun, region_label_cells
from engine.theory import DIVERGES, REGION_NAMES
from kit import palette
from kit.format import fmt, format_rate
from kit.plots.base import base_layout, f32

RATE_COLORSCALE = "Viridis"  # dark = fast (small rate), bright = slow (rate near 1)
DIVERGED_FILL = "#d9d9d9"  # the plot background shows through where a run diverges
OPTIMUM_COLOR = "#ff4b4b"
CHOSEN_COLOR = "#ffffff"
REGION_LINE = "#222222"
OPTIMUM_NAME = "optimum (η*, β*)"
TENFOLD_MAX_DECADES = 4  # the colour scale runs from 1 to 10⁴ steps per tenfold
CHOSEN_NAME = "the run below"
LOSS_FLOOR = 1e-10  # the loss chart's floor: far enough below ε to see the slope


def tenfold_steps(rate: np.ndarray) -> np.ndarray:
    """Steps for the error to shrink 10× at ``rate`` per step, ln 10 / −ln ρ (≥ 1; NaN
    where the rate is NaN or ≥ 1)."""
    rate = np.asarray(rate, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        steps = np.log(10) / -np.log(np.clip(rate, 1e-300, None))
    return np.where(rate < 1, np.maximum(steps, 1.0), np.nan)


def lr_ticks(lrs: np.ndarray) -> tuple[list[float], list[str]]:
    """Tick positions (log₁₀ η) at 1 and 3 × 10ᵏ inside the grid, labelled with η."""
    low, high = math.log10(lrs[0]), math.log10(lrs[-1])
    values, labels = [], []
    for exponent in range(math.floor(low), math.ceil(high) + 1):
        for mantissa in (1, 3):  # sparse enough to stay readable on a phone
            value = mantissa * 10.0**exponent
            if low <= math.log10(value) <= high:
                values.append(math.log10(value))
                labels.append(format_rate(value, "compact"))
    return values, labels


def plane_figure(
    maps: PlaneMaps,
    which: str,
    *,
    optimum: tuple[float, float],
    chosen: tuple[float, float] | None = None,
    clickable: bool = False,
    height: int = 430,
) -> go.Figure:
    """The (η, β) plane coloured by the rate: ``which`` is "predicted" (the spectral
    radius) or "measured" (fitted from the batched run). Cells whose rate is ≥ 1 (or whose
    run diverged) are left grey. Region borders and labels follow the theory."""
    if which not in ("predicted", "measured"):
        raise ValueError(f"which must be 'predicted' or 'measured', got {which!r}")
    x = np.log10(maps.lrs)
    if which == "predicted":
        rate = np.where(maps.predicted < 1, maps.predicted, np.nan)
        title = f"Predicted rate, κ = {fmt(maps.kappa, 4)}"
        hover = "predicted rate %{z:.4f}"
    else:
        rate = np.where(maps.measured_diverged | (maps.measured >= 1), np.nan, maps.measured)
        title = f"Measured rate (one batched run per cell), κ = {fmt(maps.kappa, 4)}"
        hover = "fitted rate %{z:.4f}"
    # Colour by how many steps the error needs to shrink 10× (log scale): rates crowd
    # near 1, where a plain 0–1 scale would paint most of the plane one colour.
    tenfold = tenfold_steps(rate)
    fig = go.Figure()
    fig.add_trace(
        go.Heatmap(
            x=f32(x),
            y=f32(maps.betas),
            z=f32(np.log10(tenfold)),
            zmin=0.0,
            zmax=TENFOLD_MAX_DECADES,
            colorscale=RATE_COLORSCALE,
            colorbar={
                "title": {"text": "steps per 10× less error", "side": "right"},
                "thickness": 12,
                "len": 0.85,
                "tickvals": list(range(TENFOLD_MAX_DECADES + 1)),
                "ticktext": [f"{10**k:,}" for k in range(TENFOLD_MAX_DECADES + 1)],
            },
            # A clickable map hovers (and clicks) on its click grid: a heatmap under the
            # pointer would take the click, and Streamlit reports no heatmap points.
            hoverinfo="skip" if clickable else None,
            hovertemplate=None
            if clickable
            else "η %{customdata[0]:.3g}, β %{y:.3f}<br>"
            + hover.replace("%{z:.4f}", "%{customdata[1]:.4f}")
            + "<extra></extra>",
            customdata=np.stack(
                [np.broadcast_to(maps.lrs, rate.shape), np.nan_to_num(rate, nan=1.0)], axis=-1
            ).astype(np.float32),
            name=f"{which} rate",
        )
    )
    # Region borders: the theory's map of codes, drawn as contour lines only.
    fig.add_trace(
        go.Contour(
            x=f32(x),
            y=f32(maps.betas),
            z=maps.regions.astype(np.float32),
            contours={"start": 0.5, "end": 1.5, "size": 1.0, "coloring": "none"},
            line={"color": REGION_LINE, "width": 1.5, "dash": "dot"},
            showscale=False,
            hoverinfo="skip",
            name="region borders",
        )
    )
    for code, (row, col) in region_label_cells(maps.regions).items():
        fig.add_annotation(
            x=float(x[col]),
            y=float(maps.betas[row]),
            text=f"<b>{REGION_NAMES[code]}</b>",
            showarrow=False,
            font={"size": 13, "color": "#111111" if code == DIVERGES else "#ffffff"},
            bgcolor="rgba(255,255,255,0.75)" if code == DIVERGES else "rgba(0,0,0,0.45)",
            name=f"region:{REGION_NAMES[code]}",
        )
    if clickable:
        lr_mesh, beta_mesh = np.meshgrid(maps.lrs, maps.betas)
        fig.add_trace(
            go.Scatter(
                x=f32(np.log10(lr_mesh).ravel()),
                y=f32(beta_mesh.ravel()),
                customdata=np.stack(
                    [lr_mesh.ravel(), beta_mesh.ravel(), np.nan_to_num(rate, nan=1.0).ravel()],
                    axis=-1,
                ),
                mode="markers",
                marker={"size": 10, "opacity": 0, "symbol": "square"},
                selected={"marker": {"opacity": 0}},
                unselected={"marker": {"opacity": 0}},
                hovertemplate="η %{customdata[0]:.3g}, β %{customdata[1]:.3f}<br>"
                + hover.replace("%{z:.4f}", "%{customdata[2]:.4f}")
                + "<br>click to run momentum here<extra></extra>",
                showlegend=False,
                name="click grid",
            )
        )
    if chosen is not None:
        fig.add_trace(
            go.Scatter(
                x=[math.log10(chosen[0])],
                y=[chosen[1]],
                mode="markers",
                marker={
                    "symbol": "circle",
                    "size": 18,
                    "color": CHOSEN_COLOR,
                    "line": {"width": 2.5, "color": "#111111"},
                },
                name=CHOSEN_NAME,
                hovertemplate=f"the run below: η = {chosen[0]:.4g}, β = {chosen[1]:.3f}"
                "<extra></extra>",
            )
        )
    # The star on top, inside the chosen point's ring when the run sits at the optimum.
    lr_star, beta_star = optimum
    fig.add_trace(
        go.Scatter(
            x=[math.log10(lr_star)],
            y=[beta_star],
            customdata=[[lr_star, beta_star]],
            mode="markers",
            marker={
                "symbol": "star",
                "size": 17,
                "color": OPTIMUM_COLOR,
                "line": {"color": "#ffffff", "width": 1},
            },
            name=OPTIMUM_NAME,
            hovertemplate=f"optimum: η* = {lr_star:.4g}, β* = {beta_star:.4f}<extra></extra>",
        )
    )
    tickvals, ticktext = lr_ticks(maps.lrs)
    base_layout(fig, title=title, height=height)
    fig.update_layout(
        plot_bgcolor=DIVERGED_FILL,
        showlegend=True,
        legend={"orientation": "h", "y": -0.3, "yanchor": "top", "x": 0.0},
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        clickmode="event+select",
        dragmode=False,
    )
    fig.update_xaxes(
        title_text="learning rate η (log scale)",
        tickvals=tickvals,
        ticktext=ticktext,
        range=[float(x[0]), float(x[-1])],
        showgrid=False,
    )
    fig.update_yaxes(
        title_text="momentum β",
        range=[float(maps.betas[0]), float(maps.betas[-1])],
        showgrid=False,
    )
    return fig


def run_loss_figure(run: PointRun, height: int = 360) -> go.Figure:
    """The run's loss per step (log) beside the theory's line L₀·ρ^(2t) and the line ε."""
    steps = np.arange(run.losses.size)
    last = run.diverged_at if run.diverged_at >= 0 else run.losses.size - 1
    shown = np.clip(run.losses[: last + 1], LOSS_FLOOR, None)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=steps[: last + 1],
            y=f32(shown),
            mode="lines",
            name="measured loss (the run)",
            line={"color": palette.optimizer_color("momentum"), "width": 2.5},
            hovertemplate="step %{x}: loss %{y:.3g}<extra></extra>",
        )
    )
    if 0 < run.predicted_rate:
        with np.errstate(over="ignore", under="ignore"):
            line = run.losses[0] * run.predicted_rate ** (2.0 * steps)
        keep = np.isfinite(line) & (line >= LOSS_FLOOR) & (line <= 1e30)
        fig.add_trace(
            go.Scatter(
                x=steps[keep],
                y=f32(line[keep]),
                mode="lines",
                name=f"predicted: L₀·ρ^(2t), ρ = {fmt(run.predicted_rate, 4)}",
                line={"color": "#555555", "width": 2, "dash": "dash"},
                hovertemplate="step %{x}: predicted %{y:.3g}<extra></extra>",
            )
        )
    fig.add_hline(
        y=EPSILON,
        line={"color": "#999999", "width": 1, "dash": "dot"},
        annotation_text=f"ε = {EPSILON:g}",
        annotation_position="top right",
    )
    if run.diverged_at >= 0:
        fig.add_trace(
            go.Scatter(
                x=[run.diverged_at],
                y=[float(shown[-1])],
                mode="markers",
                marker={"symbol": "x", "size": 12, "color": palette.DIVERGED_COLOR},
                name=f"diverged at step {run.diverged_at}",
            )
        )
    base_layout(fig, title="Loss per step: the run and the theory's line", height=height)
    top = float(np.nanmax(shown)) if np.isfinite(shown).any() else 1.0
    fig.update_yaxes(
        type="log",
        title_text="loss (log scale)",
        exponentformat="power",
        range=[math.log10(LOSS_FLOOR), math.log10(max(top, EPSILON)) + 0.5],
    )
    fig.update_xaxes(title_text="step")
    fig.update_layout(legend={"orientation": "h", "y": -0.25, "yanchor": "top", "x": 0.0})
    return fig

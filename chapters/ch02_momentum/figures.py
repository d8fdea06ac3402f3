"""Chapter 2's figures: the velocity's memory, the overshoot on (θ − 3)², the paired
SGD-and-momentum maps and the close-up of one Nesterov update.

The chart builders take plain values, so ``memo_figure`` can reuse a figure whose
inputs did not change (a rerun of the page redraws the same charts)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from chapters.ch02_momentum.logic import (
    LESSON_ETA,
    OVERSHOOT_BETAS,
    OVERSHOOT_PLOT_STEPS,
    NesterovAnatomy,
)
from engine import worked
from kit import palette
from kit.format import fmt
from kit.measure import averaging_window
from kit.plots.base import (
    AXIS_TITLES,
    add_playback,
    base_layout,
    f32,
    frame_indices,
    quick_frame,
    rounded,
    thin,
)
from kit.plots.curves import step_curves_figure
from kit.plots.landscape import (
    click_grid_trace,
    landscape_figure,
    landscape_image,
    minima_trace,
    path_hover,
)
from kit.plots.series import Arrow, Grid, PathTrace, Point, Series

STEP_COLOR = "#333333"  # the combined Nesterov step, apart from the red gradient arrow


def ema_weights_chart(beta: float, weights: np.ndarray) -> go.Figure:
    """The weights β^k (``weights[k]``) as bars, with the window marked."""
    return ema_weights_figure(
        np.arange(len(weights)),
        weights,
        window=averaging_window(beta),
        title=f"What the velocity remembers at β = {fmt(beta, 3)}",
        height=300,
    )


def velocity_buildup_chart(beta: float, steady: np.ndarray, alternating: np.ndarray) -> go.Figure:
    """Velocity under a steady and an alternating unit gradient, with 1/(1 − β) marked."""
    w = averaging_window(beta)
    horizon = len(steady)
    fig = step_curves_figure(
        np.arange(1, horizon + 1),
        [
            Series("steady gradient +1 (along the valley)", steady, "#2a9d8f"),
            Series("alternating ±1 (across the valley)", alternating, "#e76f51"),
        ],
        value_title="velocity v",
        log_y=False,
        title="Velocity built from the same-sized gradients",
        height=300,
    )
    fig.add_hline(
        y=w,
        line={"color": "#444", "width": 1, "dash": "dash"},
        annotation_text="1/(1−β)",
        annotation_position="bottom right",
    )
    fig.update_layout(hovermode="closest")
    return fig


def beta_color(beta: float) -> str:
    """A colour per β, light (little memory) to dark (much memory)."""
    scale = ("#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b")
    i = OVERSHOOT_BETAS.index(beta) if beta in OVERSHOOT_BETAS else len(scale) - 1
    return scale[min(i, len(scale) - 1)]


def overshoot_chart(tables: dict[float, dict[str, np.ndarray]], what: str) -> go.Figure:
    """θ (or the loss) against step on (θ − 3)² for each β (``tables[β]``, from
    ``worked.momentum_overshoot``), the minimum marked."""
    n = OVERSHOOT_PLOT_STEPS
    series = []
    for beta, table in tables.items():
        values = table["θ"][: n + 1] if what == "theta" else table["loss f(θ)"][: n + 1]
        series.append(Series(f"β = {fmt(beta, 3)}", values, beta_color(beta)))
    fig = step_curves_figure(
        np.arange(n + 1),
        series,
        value_title="θ" if what == "theta" else "loss f(θ)",
        log_y=what == "loss",
        title=f"Momentum on (θ − 3)² from θ = 0, η = {fmt(LESSON_ETA)}",
        height=340,
    )
    if what == "theta":
        fig.add_hline(
            y=worked.PARABOLA_MINIMUM,
            line={"color": "#444", "width": 1, "dash": "dash"},
            annotation_text="minimum θ = 3",
            annotation_position="bottom right",
        )
    fig.update_layout(hovermode="closest")
    return fig


def substep_arrows(a: NesterovAnatomy, substep: int) -> list[Arrow]:
    """The arrows drawn at each sub-step (real displacements, so they chain head to tail)."""
    arrows: list[Arrow] = []
    coast = a.lookahead - a.theta  # −ηβv
    if substep >= 1 and np.linalg.norm(coast) > 0:
        arrows.append(
            Arrow(
                tuple(a.theta),
                tuple(coast),
                color=palette.VELOCITY_COLOR,
                label="coast −ηβv" if substep <= 2 else "",
            )
        )
    if substep == 3 and np.linalg.norm(a.grad_here) > 0:
        arrows.append(
            Arrow(
                tuple(a.theta),
                tuple(-a.lr * a.grad_here),
                color=palette.GHOST_COLOR,
                label="classical −η∇L(θ)",
            )
        )
    if substep >= 3:
        arrows.append(
            Arrow(
                tuple(a.lookahead),
                tuple(-a.lr * a.grad),
                color=palette.GRADIENT_COLOR,
                label="−η∇L(lookahead)" if substep == 3 else "",
            )
        )
    if substep >= 4:
        arrows.append(
            Arrow(
                tuple(a.theta),
                tuple(a.new_theta - a.theta),
                color=STEP_COLOR,
                label="step −ηv′",
            )
        )
    return arrows


def nesterov_closeup(
    grid: Grid,
    traces: list[PathTrace],
    minima,
    arrows: list[Arrow],
    *,
    ghost: tuple[float, float] | None,
    title: str,
    ranges: tuple[list[float], list[float]],
) -> go.Figure:
    """The zoomed landscape around one Nesterov update, drawn at true angles."""
    close = landscape_figure(
        grid,
        trajectories=traces,
        minima=minima,
        arrows=arrows,
        ghost=ghost,
        title=title,
        height=440,
    )
    close.update_xaxes(range=ranges[0])
    close.update_yaxes(range=ranges[1], scaleanchor="x", scaleratio=1)  # true angles
    return close


def paired_landscape_figure(
    grid: Grid,
    runs: Sequence[PathTrace],
    *,
    start: Point | None = None,
    minima: Sequence[Point] = (),
    animate_from: int | None = None,
    click_grid: int = 0,
    title: str | None = None,
    height: int = 480,
) -> go.Figure:
    """Several runs on the same 2-D landscape, one panel each, with one shared playback.

    Every panel shows the contour, the minimum, the start, its run's faint path and
    current marker; the panel title is the run's label. One ▶ moves all the markers
    together, so the panels compare step by step (e.g. SGD beside momentum).
    ``click_grid`` adds the invisible click grid to every panel (read it with
    :func:`kit.clicks.pick_point`). A diverged run is cut at its divergence step and labelled.
    """
    # Imported here: plotly.subplots takes about 120 ms to import (measured with
    # python -X importtime), and only a few charts need it.
    from plotly.subplots import make_subplots

    xs, ys, Z = (np.asarray(a) for a in grid)
    bounds = ((float(xs[0]), float(xs[-1])), (float(ys[0]), float(ys[-1])))
    n = max(1, len(runs))
    fig = make_subplots(
        rows=1,
        cols=n,
        shared_yaxes=True,
        horizontal_spacing=0.03,
        subplot_titles=[r.label for r in runs] or None,
    )
    fig.update_annotations(font_size=13)  # the panel titles
    unchanged = {"marker": {"opacity": 1}}
    moving: list[int] = []
    for col, trace in enumerate(runs, start=1):
        first = col == 1
        cell = {"row": 1, "col": col}
        # The landscape as a background image: a contour trace would vanish during ▶.
        suffix = "" if first else str(col)
        fig.add_layout_image(landscape_image(xs, ys, Z, axes=(f"x{suffix}", f"y{suffix}")))
        if click_grid:
            fig.add_trace(click_grid_trace(bounds, click_grid), **cell)
        if minima:
            fig.add_trace(
                minima_trace(minima, legendgroup="minimum", showlegend=first, unselected=unchanged),
                **cell,
            )
        if start is not None:
            fig.add_trace(
                go.Scatter(
                    x=[float(start[0])],
                    y=[float(start[1])],
                    mode="markers",
                    marker={
                        "symbol": "circle-open",
                        "size": 14,
                        "color": palette.START_COLOR,
                        "line": {"width": 2},
                    },
                    name="start",
                    legendgroup="start",
                    showlegend=first,
                    unselected=unchanged,
                    hovertemplate="start (%{x:.3g}, %{y:.3g})<extra></extra>",
                ),
                **cell,
            )
        last = trace.last_index
        path = np.asarray(trace.path, dtype=np.float64)[: last + 1]
        idx = thin(len(path))
        fig.add_trace(
            go.Scatter(
                x=f32(path[idx, 0]),
                y=f32(path[idx, 1]),
                mode="lines+markers",
                line={"color": trace.color, "width": 2},
                marker={"size": 4, "color": trace.color},
                opacity=0.6,
                name=trace.label,
                showlegend=False,
                unselected=unchanged,
                **path_hover(trace, idx),
            ),
            **cell,
        )
        end = path[-1]
        fig.add_trace(
            go.Scatter(
                x=[rounded(end[0])],
                y=[rounded(end[1])],
                mode="markers",
                marker={"size": 15, "color": trace.color, "line": {"width": 2, "color": "#fff"}},
                name=trace.label,
                showlegend=False,
                unselected=unchanged,
                hovertemplate=f"{trace.label}: now here<extra></extra>",
            ),
            **cell,
        )
        moving.append(len(fig.data) - 1)
        if trace.diverged_at is not None:
            fig.add_annotation(
                x=float(end[0]),
                y=float(end[1]),
                text=f"diverged at step {trace.diverged_at}",
                showarrow=True,
                arrowhead=2,
                arrowcolor=palette.DIVERGED_COLOR,
                font={"color": palette.DIVERGED_COLOR, "size": 12},
                bgcolor="rgba(255,255,255,0.85)",
                ax=20,
                ay=-30,
                **cell,
            )

    if animate_from is not None and runs:
        steps = frame_indices(max(0, animate_from), max(t.last_index for t in runs))
        frames = []
        for k in steps:
            data = []
            for trace in runs:
                x, y = trace.path[min(k, trace.last_index)]
                data.append(go.Scatter(x=[rounded(x)], y=[rounded(y)], _validate=False))
            frames.append(quick_frame(data, moving, str(k)))
        if len(frames) > 1:
            add_playback(fig, frames, redraw=False)

    base_layout(fig, title=title, height=height)
    fig.update_xaxes(showgrid=False, zeroline=False)
    fig.update_yaxes(showgrid=False, zeroline=False)
    fig.update_xaxes(title_text=AXIS_TITLES[0], range=list(bounds[0]))
    fig.update_yaxes(range=list(bounds[1]))
    fig.update_yaxes(title_text=AXIS_TITLES[1], row=1, col=1)
    # The panel titles name the runs; the start and minimum markers explain themselves
    # on hover, and a legend would collide with the panel titles or the playback bar.
    fig.update_layout(clickmode="event+select", dragmode=False, showlegend=False)
    return fig


def ema_weights_figure(
    ages: Sequence[float],
    weights: Sequence[float],
    *,
    window: float | None = None,
    color: str = palette.VELOCITY_COLOR,
    title: str | None = None,
    height: int = 300,
) -> go.Figure:
    """Bars of the weight each past gradient carries in momentum's velocity, by its age.

    ``ages`` are steps ago (0 = the current gradient) and ``weights`` their weights
    (β^age for momentum). ``window`` marks the effective memory 1/(1 − β) with a
    dashed line.
    """
    k = np.asarray(ages, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    fig = go.Figure(
        go.Bar(
            x=k.astype(np.int32) if np.all(np.mod(k, 1) == 0) else f32(k),
            y=f32(w),
            marker={"color": color, "line": {"width": 0}},
            name="weight",
            hovertemplate="gradient from %{x} steps ago<br>weight %{y:.4g}<extra></extra>",
        )
    )
    if window is not None and np.isfinite(window):
        fig.add_vline(
            x=float(window),
            line={"color": "#444", "width": 1.5, "dash": "dash"},
            annotation_text=f"window 1/(1−β) ≈ {window:.3g}",
            annotation_position="top right",
            annotation_font_size=12,
        )
    base_layout(fig, title=title, height=height)
    fig.update_xaxes(title_text="age of the gradient (steps ago)", rangemode="tozero")
    fig.update_yaxes(title_text="weight in the velocity", range=[0, 1.08])
    fig.update_layout(showlegend=False, bargap=0.15)
    return fig

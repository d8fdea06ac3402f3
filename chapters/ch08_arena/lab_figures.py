"""Chapter 8's trust figures: a sensitivity map per optimizer (small multiples), the seed
fans as median-and-band loss curves and as paths on the map, and basins of attraction.

Axes of log-scale learning rates are drawn as log₁₀ η on a linear axis with η labels, so
heatmaps, markers and click grids share one coordinate system.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from chapters.ch08_arena.lab_logic import (
    SECOND_LABEL,
    basin_names,
    fan_paths,
)
from engine import lab
from kit import palette
from kit.format import fmt, format_rate, optimizer_name
from kit.plots.base import base_layout, f32
from kit.plots.landscape import landscape_figure
from kit.plots.series import Grid, Point

NEVER_FILL = "#e3e3e3"  # cells that never reach ε show the background
DIVERGED_FILL = "rgba(192, 57, 43, 0.55)"
BEST_NAME = "best cell"
CLICK_GRID_NAME = "click to race from here"
BASIN_OTHER = {lab.DIVERGED: "#c0392b", lab.TRAVELLING: "#bdbdbd"}
BASIN_MINIMA_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2")


def log_ticks(lrs: np.ndarray) -> tuple[list[float], list[str]]:
    """Ticks at every decade inside the grid (log₁₀ η), labelled with η."""
    low, high = math.log10(lrs[0]), math.log10(lrs[-1])
    values = [float(e) for e in range(math.ceil(low - 1e-9), math.floor(high + 1e-9) + 1)]
    return values, [format_rate(10.0**v, "compact") for v in values]


def sensitivity_heatmap(result: lab.SensitivityMap, *, steps: int, height: int = 320) -> go.Figure:
    """Steps to ε over (η, second) for one optimizer; never-reached cells grey, diverged
    cells red, the best cell starred. Colours share one range (0 … ``steps``) across maps."""
    x = np.log10(result.lrs)
    y = result.second_values
    second = SECOND_LABEL[result.second]
    z = np.where(result.reached, result.steps_to, np.nan).astype(float)
    fig = go.Figure()
    fig.add_trace(
        go.Heatmap(
            x=f32(x),
            y=f32(y),
            z=f32(z),
            zmin=0,
            zmax=steps,
            colorscale="Viridis",
            colorbar={"title": {"text": "steps", "side": "right"}, "thickness": 10},
            customdata=f32(np.broadcast_to(result.lrs, z.shape)),
            hovertemplate=f"η %{{customdata:.3g}}, {second} %{{y:.3f}}<br>"
            "steps to ε %{z}<extra></extra>",
            name="steps to ε",
        )
    )
    diverged = np.where(result.diverged, 1.0, np.nan)
    if result.diverged.any():
        fig.add_trace(
            go.Heatmap(
                x=f32(x),
                y=f32(y),
                z=f32(diverged),
                colorscale=[[0, DIVERGED_FILL], [1, DIVERGED_FILL]],
                showscale=False,
                hovertemplate=f"η %{{x:.2f}} (log₁₀), {second} %{{y:.3f}}: diverged<extra></extra>",
                name="diverged",
            )
        )
    best = result.best_cell
    title = f"{optimizer_name(result.optimizer)}: η × {second}"
    if best is not None:
        r, c = best
        fig.add_trace(
            go.Scatter(
                x=[float(x[c])],
                y=[float(y[r])],
                mode="markers",
                marker={"symbol": "star", "size": 16, "color": "#ff4b4b", "line": {"width": 1}},
                name=BEST_NAME,
                customdata=[[float(result.lrs[c]), float(y[r])]],
                hovertemplate=f"best: η {format_rate(float(result.lrs[c]), 'compact')}, "
                f"{second} {fmt(float(y[r]), 3)}, {int(result.steps_to[r, c])} steps"
                "<extra></extra>",
                showlegend=False,
            )
        )
        title += f" · best {int(result.steps_to[r, c])} steps"
    tickvals, ticktext = log_ticks(result.lrs)
    base_layout(fig, title=title, height=height)
    fig.update_layout(plot_bgcolor=NEVER_FILL, showlegend=False, margin={"t": 44})
    fig.update_xaxes(
        title_text="learning rate η (log)",
        tickvals=tickvals,
        ticktext=ticktext,
        range=[float(x[0]), float(x[-1])],
        showgrid=False,
    )
    fig.update_yaxes(title_text=second, range=[float(y[0]), float(y[-1])], showgrid=False)
    return fig


def fan_loss_figure(
    fans: Mapping[str, lab.SeedFan], *, threshold: float, floor: float = 1e-12, height: int = 420
) -> go.Figure:
    """Median loss per step with its 10–90 % band across seeds, one colour per racer."""
    fig = go.Figure()
    for name, result in fans.items():
        low, median, high = (np.maximum(q, floor) for q in result.quantiles((0.1, 0.5, 0.9)))
        steps = np.arange(median.size)
        color = palette.optimizer_color(name)
        label = optimizer_name(name)
        fig.add_trace(
            go.Scatter(
                x=np.concatenate([steps, steps[::-1]]),
                y=f32(np.concatenate([high, low[::-1]])),
                fill="toself",
                fillcolor=_with_alpha(color, 0.18),
                line={"width": 0},
                hoverinfo="skip",
                name=f"{label} 10–90 %",
                legendgroup=name,
                showlegend=False,
            )
        )
        fig.add_trace(
            go.Scatter(
                x=steps,
                y=f32(median),
                mode="lines",
                line={"color": color, "width": 2.5},
                name=f"{label} (median of {result.seeds.size} seeds)",
                legendgroup=name,
                hovertemplate=f"{label}: step %{{x}}, median loss %{{y:.3g}}<extra></extra>",
            )
        )
    fig.add_hline(y=threshold, line={"color": "#777777", "dash": "dash", "width": 1})
    base_layout(fig, title="Loss per step: median and 10–90 % band across seeds", height=height)
    fig.update_layout(legend={"orientation": "h", "y": -0.22, "yanchor": "top", "x": 0.0})
    fig.update_yaxes(type="log", title_text="loss (log scale)", exponentformat="power")
    fig.update_xaxes(title_text="step")
    return fig


def _with_alpha(color: str, alpha: float) -> str:
    """A #rrggbb colour as rgba with ``alpha``."""
    if color.startswith("#") and len(color) == 7:
        r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
        return f"rgba({r}, {g}, {b}, {alpha})"
    return color


def fan_map_figure(
    grid: Grid,
    fans: Mapping[str, lab.SeedFan],
    *,
    start: Point,
    minima: Sequence[Point],
    log_color: bool,
    title: str,
    height: int = 480,
) -> go.Figure:
    """The landscape with every seed's path of every racer (thin, translucent)."""
    fig = landscape_figure(
        grid, start=start, minima=minima, log_color=log_color, title=title, height=height
    )
    fig.update_layout(legend={"orientation": "h", "y": -0.26, "yanchor": "top", "x": 0.0})
    for name, result in fans.items():
        xs, ys = fan_paths(result)
        fig.add_trace(
            go.Scatter(
                x=f32(xs),
                y=f32(ys),
                mode="lines",
                line={"color": _with_alpha(palette.optimizer_color(name), 0.45), "width": 1},
                name=f"{optimizer_name(name)} ({result.seeds.size} seeds)",
                hoverinfo="skip",
                connectgaps=False,
            )
        )
    return fig


def basin_figure(
    result: lab.Basins,
    *,
    title: str,
    path: np.ndarray | None = None,
    path_color: str = "#111111",
    height: int = 360,
) -> go.Figure:
    """A grid of starts coloured by where each run ends (a minimum, diverged, travelling);
    minima marked; an invisible click grid; ``path`` (a run from a clicked start) on top."""
    names = basin_names(result)
    labels = sorted(names)  # DIVERGED, TRAVELLING, then the minima
    code_of = {label: i for i, label in enumerate(labels)}
    z = np.vectorize(code_of.get)(result.label).astype(np.float32)
    colors = [
        BASIN_OTHER.get(label, BASIN_MINIMA_COLORS[label % len(BASIN_MINIMA_COLORS)])
        for label in labels
    ]
    n = len(labels)
    scale = []
    for i, color in enumerate(colors):  # a stepped colour scale: one band per outcome
        scale += [[i / n, color], [(i + 1) / n, color]]
    text = np.vectorize(lambda v: names[labels[int(v)]])(z)
    fig = go.Figure()
    fig.add_trace(
        go.Heatmap(
            x=f32(result.xs),
            y=f32(result.ys),
            z=z,
            zmin=-0.5,
            zmax=n - 0.5,
            colorscale=scale,
            showscale=False,
            text=text,
            hoverinfo="skip",
            name="basins",
        )
    )
    for label in labels:  # legend entries for the outcomes shown
        if label in (lab.DIVERGED, lab.TRAVELLING) and not (result.label == label).any():
            continue
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="markers",
                marker={"symbol": "square", "size": 11, "color": colors[code_of[label]]},
                name=names[label],
            )
        )
    mx, my = zip(*result.minima, strict=True)
    fig.add_trace(
        go.Scatter(
            x=list(mx),
            y=list(my),
            mode="markers",
            marker={
                "symbol": "star",
                "size": 13,
                "color": palette.MINIMUM_COLOR,
                "line": {"width": 1},
            },
            name="minima",
            showlegend=False,
            hoverinfo="skip",
        )
    )
    bounds = (
        (float(result.xs[0]), float(result.xs[-1])),
        (float(result.ys[0]), float(result.ys[-1])),
    )
    # The click grid: one invisible marker per start (a heatmap reports no clicks), which
    # also carries the hover text.
    gx, gy = np.meshgrid(result.xs, result.ys)
    fig.add_trace(
        go.Scatter(
            x=f32(gx.ravel()),
            y=f32(gy.ravel()),
            text=text.ravel(),
            mode="markers",
            marker={"size": 8, "opacity": 0, "color": "#000", "symbol": "square"},
            selected={"marker": {"opacity": 0}},
            unselected={"marker": {"opacity": 0}},
            hovertemplate="start (%{x:.2f}, %{y:.2f}) → %{text}<br>click to race from here"
            "<extra></extra>",
            name=CLICK_GRID_NAME,
            showlegend=False,
        )
    )
    if path is not None and len(path):
        fig.add_trace(
            go.Scatter(
                x=f32(path[:, 0]),
                y=f32(path[:, 1]),
                mode="lines+markers",
                marker={"size": 3},
                line={"color": path_color, "width": 2},
                name="race from the clicked start",
                hoverinfo="skip",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=[float(path[0, 0])],
                y=[float(path[0, 1])],
                mode="markers",
                marker={
                    "symbol": "circle-open",
                    "size": 12,
                    "color": "#111111",
                    "line": {"width": 3},
                },
                name="clicked start",
                hoverinfo="skip",
                showlegend=False,
            )
        )
    base_layout(fig, title=title, height=height)
    fig.update_layout(
        legend={"orientation": "h", "y": -0.3, "yanchor": "top", "x": 0.0, "font": {"size": 10}},
        margin={"t": 44, "b": 10},
    )
    fig.update_xaxes(title_text="θ₁ (start)", range=list(bounds[0]), showgrid=False)
    fig.update_yaxes(
        title_text="θ₂ (start)", range=list(bounds[1]), showgrid=False, scaleanchor=None
    )
    return fig

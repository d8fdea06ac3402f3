"""Quantities per step in stacked panels sharing one step axis, with a moving cursor."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go

from kit import palette
from kit.plots.base import (
    FRAME_MS,
    add_playback,
    base_layout,
    decade_ticks,
    f32,
    frame_indices,
    quick_frame,
    rounded,
)


@dataclass(frozen=True)
class PanelCurve:
    """One quantity per step in a :func:`step_panels_figure` panel: a line or bars.

    Curves that share a ``label`` across panels share one legend entry.
    """

    label: str
    values: Sequence[float]
    color: str = palette.FALLBACK_COLOR
    dash: str | None = None  # "dash", "dot" … for a line
    bars: bool = False
    marked: bool = True  # gets a marker at the highlighted step


@dataclass(frozen=True)
class StepPanel:
    """A row of :func:`step_panels_figure`: its y-axis title and curves."""

    y_title: str
    curves: tuple[PanelCurve, ...]
    log_y: bool = False


CURSOR_COLOR = "#555555"


def _panel_range(panel: StepPanel) -> tuple[float, float]:
    """(low, high) of a panel's finite values, padded, for the step cursor line."""
    values = [np.asarray(c.values, dtype=np.float64) for c in panel.curves]
    flat = np.concatenate(values) if values else np.array([0.0])
    flat = flat[np.isfinite(flat)]
    if panel.log_y:
        flat = flat[flat > 0]
        if flat.size == 0:
            return 1e-3, 1.0
        return float(flat.min()) / 1.5, float(flat.max()) * 1.5
    if flat.size == 0:
        return -1.0, 1.0
    low, high = min(float(flat.min()), 0.0), max(float(flat.max()), 0.0)
    pad = 0.06 * (high - low) if high > low else 1.0
    return low - pad, high + pad


def _panel_values(curve: PanelCurve, log_y: bool) -> np.ndarray:
    vals = np.asarray(curve.values, dtype=np.float64)
    keep = np.isfinite(vals) & ((vals > 0) if log_y else True)
    return np.where(keep, vals, np.nan)


def step_panels_figure(
    steps: Sequence[int],
    panels: Sequence[StepPanel],
    *,
    highlight: int | None = None,
    animate: bool = False,
    x_title: str = "step",
    log_x: bool = False,
    title: str | None = None,
    panel_height: int = 180,
    height: int | None = None,
) -> go.Figure:
    """Quantities per step in stacked panels that share the step axis (Adam's m, v, update …).

    ``highlight`` (a value of ``steps``) draws a cursor line through every panel and a
    marker on each marked curve at that step. ``animate=True`` adds client-side
    playback whose frames move only the cursors and markers across the steps (at most
    :data:`MAX_FRAMES`), starting from the highlighted step's frame. Values that are
    not finite (or ≤ 0 on a log panel) leave gaps.
    """
    # Imported here: plotly.subplots takes about 120 ms to import (measured with
    # python -X importtime), and only a few charts stack panels.
    from plotly.subplots import make_subplots

    x = np.asarray(steps, dtype=np.float64)
    whole = bool(np.all(np.mod(x, 1) == 0))
    xs = x.astype(np.int32) if whole else f32(x)
    rows = max(1, len(panels))
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.07)
    seen: set[str] = set()
    lines_mode = "lines+markers" if len(x) <= 60 else "lines"
    for row, panel in enumerate(panels, start=1):
        for curve in panel.curves:
            vals = _panel_values(curve, panel.log_y)
            common = {
                "name": curve.label,
                "legendgroup": curve.label,
                "showlegend": curve.label not in seen,
            }
            seen.add(curve.label)
            if curve.bars:
                trace: Any = go.Bar(
                    x=xs,
                    y=vals,
                    marker={"color": curve.color, "opacity": 0.55, "line": {"width": 0}},
                    hovertemplate=f"{curve.label}: %{{y:.4g}}<extra></extra>",
                    **common,
                )
            else:
                trace = go.Scatter(
                    x=xs,
                    y=vals,
                    mode=lines_mode if curve.marked else "lines",
                    line={"color": curve.color, "width": 2, "dash": curve.dash},
                    marker={"size": 5, "color": curve.color},
                    hovertemplate=f"{curve.label}: %{{y:.4g}}<extra></extra>",
                    **common,
                )
            fig.add_trace(trace, row=row, col=1)
        fig.update_yaxes(title_text=panel.y_title, row=row, col=1)
        if panel.log_y:
            # Labels at 1, 2 and 5 of each decade: readable, and never none at all.
            fig.update_yaxes(type="log", exponentformat="power", dtick="D2", row=row, col=1)
    fig.update_xaxes(title_text=x_title, row=rows, col=1)
    if log_x:
        fig.update_xaxes(type="log")
    elif whole and len(x) <= 20:
        fig.update_xaxes(dtick=1)  # a handful of steps: whole-number ticks only

    # Ranges and marked values once, not once per frame; the cursor traces are plain
    # dicts of numbers, so they skip plotly's validation (150 frames × panels × 2 traces).
    cursor_ranges = [_panel_range(panel) for panel in panels]
    cursor_values = [
        [_panel_values(c, panel.log_y) for c in panel.curves if c.marked] for panel in panels
    ]

    def cursor_data(i: int) -> list[dict[str, Any]]:
        data = []
        xi = rounded(x[i])
        for (low, high), values in zip(cursor_ranges, cursor_values, strict=True):
            data.append({"x": [xi, xi], "y": [low, high], "type": "scatter"})
            ys = [v[i] for v in values]
            data.append(
                {
                    "x": [xi] * len(ys),
                    "y": [None if not np.isfinite(v) else rounded(v, 8) for v in ys],
                    "type": "scatter",
                }
            )
        return data

    if highlight is not None and len(x):
        where = np.flatnonzero(x == highlight)
        current = int(where[0]) if where.size else len(x) - 1
        moving: list[int] = []
        for row, (panel, seed) in enumerate(
            zip(panels, pairs_of(cursor_data(current)), strict=True), start=1
        ):
            line, dots = seed
            fig.add_trace(
                go.Scatter(
                    x=line["x"],
                    y=line["y"],
                    mode="lines",
                    line={"color": CURSOR_COLOR, "width": 1.5, "dash": "dot"},
                    name="selected step",
                    legendgroup="selected step",
                    showlegend=False,
                    hoverinfo="skip",
                ),
                row=row,
                col=1,
            )
            moving.append(len(fig.data) - 1)
            fig.add_trace(
                go.Scatter(
                    x=dots["x"],
                    y=dots["y"],
                    mode="markers",
                    marker={
                        "size": 11,
                        "color": [c.color for c in panel.curves if c.marked],
                        "line": {"width": 2, "color": "#ffffff"},
                    },
                    name="selected step",
                    showlegend=False,
                    hoverinfo="skip",
                ),
                row=row,
                col=1,
            )
            moving.append(len(fig.data) - 1)
        if animate and len(x) > 1:
            picks = frame_indices(0, len(x) - 1)
            frames = [
                quick_frame(cursor_data(i), moving, str(int(x[i]) if whole else x[i]))
                for i in picks
            ]
            add_playback(fig, frames, redraw=False, frame_ms=350 if len(x) < 30 else FRAME_MS)
            nearest = int(np.argmin(np.abs(np.asarray(picks) - current)))
            fig.layout.sliders[0].active = nearest
    base_layout(fig, title=title, height=height or panel_height * rows + 90)
    if fig.layout.updatemenus and fig.layout.sliders:
        # Leave the x-axis title clear of the play buttons: push the controls a bit lower.
        extra = 18
        fig.layout.height += extra
        fig.layout.margin.b += extra
        plot_px = max(fig.layout.height - fig.layout.margin.t - fig.layout.margin.b, 100)
        fig.layout.updatemenus[0].y = -(48 + extra) / plot_px
        fig.layout.sliders[0].y = -(84 + extra) / plot_px
    fig.update_layout(barmode="overlay", hovermode="x unified")
    decade_ticks(fig)
    return fig


def pairs_of(items: list[Any]) -> list[tuple[Any, Any]]:
    return [(items[i], items[i + 1]) for i in range(0, len(items), 2)]

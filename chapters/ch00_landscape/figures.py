"""Chapter 0's figure: the 1-D parabola with a ball hopping down it."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import plotly.graph_objects as go

from kit import palette
from kit.plots.base import (
    FRAME_MS,
    add_playback,
    base_layout,
    f32,
    frame_indices,
    quick_frame,
    rounded,
    thin,
)
from kit.plots.series import Point


def parabola_figure(
    xs: Sequence[float],
    losses: Sequence[float],
    *,
    curve: Callable[[np.ndarray], np.ndarray],
    minimum: Point,
    label: str = "gradient descent",
    color: str = palette.optimizer_color("sgd"),
    show_steps: int = 12,
    animate: bool = True,
    tangent: tuple[float, float] | None = None,
    title: str | None = None,
    height: int = 360,
) -> go.Figure:
    """A 1-D loss curve with a ball hopping along a gradient-descent trace.

    ``xs``/``losses`` are the positions and losses at steps 0…n (from the engine). The
    first ``show_steps`` hops are drawn as dotted jumps; every visited point is a faint
    dot; the ball sits at the last point, and playback moves it from step 0.
    ``tangent=(x, slope)`` draws the tangent line there (the gradient as local slope).
    """
    x = np.asarray(xs, dtype=np.float64)
    y = np.asarray(losses, dtype=np.float64)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    span_lo = min(float(x.min()), minimum[0] - 1.0) if x.size else minimum[0] - 3
    span_hi = max(float(x.max()), minimum[0] + 1.0) if x.size else minimum[0] + 3
    pad = 0.08 * (span_hi - span_lo)
    grid = np.linspace(span_lo - pad, span_hi + pad, 300)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=f32(grid),
            y=f32(curve(grid)),
            mode="lines",
            line={"color": "#888", "width": 2},
            name="loss curve",
            hoverinfo="skip",
        )
    )
    if tangent is not None:
        tx, slope = float(tangent[0]), float(tangent[1])
        half = 0.18 * (span_hi - span_lo)
        ty = float(curve(np.array([tx]))[0])
        fig.add_trace(
            go.Scatter(
                x=[tx - half, tx + half],
                y=[ty - slope * half, ty + slope * half],
                mode="lines",
                line={"color": palette.GRADIENT_COLOR, "width": 3},
                name=f"slope {slope:.3g}",
                hoverinfo="skip",
            )
        )
    hops = min(show_steps, len(x) - 1)
    if hops > 0:
        # Dotted straight jumps between consecutive positions show the overshoot clearly.
        jx = np.empty(3 * hops)
        jy = np.empty(3 * hops)
        jx[0::3], jx[1::3], jx[2::3] = x[:hops], x[1 : hops + 1], np.nan
        jy[0::3], jy[1::3], jy[2::3] = y[:hops], y[1 : hops + 1], np.nan
        fig.add_trace(
            go.Scatter(
                x=jx,
                y=jy,
                mode="lines",
                line={"color": color, "width": 1.5, "dash": "dot"},
                name="jumps",
                hoverinfo="skip",
                showlegend=False,
            )
        )
    idx = thin(len(x))
    fig.add_trace(
        go.Scatter(
            x=f32(x[idx]),
            y=f32(y[idx]),
            mode="markers",
            marker={"size": 7, "color": color, "opacity": 0.45},
            name="visited",
            customdata=idx.astype(np.int32),
            hovertemplate="step %{customdata}<br>x = %{x:.4g}<br>loss %{y:.4g}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[minimum[0]],
            y=[minimum[1]],
            mode="markers",
            marker={"symbol": "star", "size": 15, "color": palette.MINIMUM_COLOR},
            name="minimum",
            hovertemplate="minimum x = %{x}<extra></extra>",
        )
    )
    if x.size:
        fig.add_trace(
            go.Scatter(
                x=[rounded(x[-1])],
                y=[rounded(y[-1])],
                mode="markers",
                marker={"size": 18, "color": color, "line": {"width": 2, "color": "#fff"}},
                name=label,
                hovertemplate="ball: x = %{x:.4g}, loss %{y:.4g}<extra></extra>",
            )
        )
        ball = len(fig.data) - 1
        base_layout(fig, title=title, height=height)
        if animate and len(x) > 1:
            frames = [
                quick_frame(
                    [go.Scatter(x=[rounded(x[k])], y=[rounded(y[k])], _validate=False)],
                    [ball],
                    str(k),
                )
                for k in frame_indices(0, len(x) - 1)
            ]
            add_playback(fig, frames, redraw=False, frame_ms=350 if len(x) < 30 else FRAME_MS)
    else:
        base_layout(fig, title=title, height=height)
    fig.update_xaxes(title_text="x")
    fig.update_yaxes(title_text="loss")
    return fig

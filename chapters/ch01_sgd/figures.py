"""Chapter 1's figures: gradient arrows on the regression's loss map, the 1/B variance
law, loss per example processed, and the chapter's finishing touches on shared maps."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
import plotly.graph_objects as go

from kit import palette
from kit.plots.base import base_layout, decade_ticks, f32, rounded, thin
from kit.plots.curves import (
    divergence_marker,
    keep_divergence_labels_inside,
    log_axis_ok,
    loss_curve_figure,
)
from kit.plots.landscape import landscape_figure
from kit.plots.series import Grid, PathTrace, Point

FULL_COLOR = "#222222"  # the exact (full-batch) gradient: black, beside SGD's blue
BATCH_MEAN_COLOR = "#e67e22"  # the average of the mini-batch arrows actually drawn
MINI_COLOR = palette.optimizer_color("sgd")


MAP_STYLE = {"raster": True, "light_valleys": True}
"""How this chapter draws its loss maps: light valleys (the arrows and paths there stay
readable) painted as an image, which, unlike a contour trace, stays on screen during ▶."""


MARKERS_IN_CAPTION = ("minimum", "saddle point", "start", "current point")


def soften(fig, view: str, legend_rows: int = 2):
    """Room above a landscape for a two-row legend; the fixed markers (minimum, start …)
    leave the legend, which keeps it short on a phone, and the caption names them."""
    fig.update_layout(margin={"t": 40 + 22 * legend_rows})
    fig.update_traces(showlegend=False, selector=lambda t: t.name in MARKERS_IN_CAPTION)
    return fig


def dotted(fig, steps: int, up_to: int = 60):
    """Mark every step on a short loss curve (a lone first point is otherwise invisible)."""
    if steps <= up_to:
        fig.update_traces(mode="lines+markers", marker={"size": 5}, selector={"mode": "lines"})
    return fig


# Figure builders with this chapter's finishing touches, for ``memo_figure``: a
# rerun that changes nothing a chart shows reuses the chart instead of rebuilding it.


def softened_chart(build: Callable, view: str, legend_rows: int, /, *args, **kwargs):
    """``soften(build(*args, view=view, **kwargs), view, legend_rows)``."""
    return soften(build(*args, view=view, **kwargs), view, legend_rows)


def dotted_chart(build: Callable, steps: int, /, *args, **kwargs):
    """``dotted(build(*args, **kwargs), steps)``."""
    return dotted(build(*args, **kwargs), steps)


def excess_loss_chart(excess: list[PathTrace], steps: int):
    """Loss above the optimum per step, every step marked while the run is short."""
    curve = loss_curve_figure(excess, title="Loss above the optimum, per step", height=300)
    log = curve.layout.yaxis.type == "log"
    curve.update_yaxes(title_text="loss above optimum" + (" (log scale)" if log else ""))
    return dotted(curve, steps)


def _arrow_segments(tail: np.ndarray, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x and y of NaN-separated segments tail → tail + vector, one per finite vector."""
    vectors = np.asarray(vectors, dtype=np.float64).reshape(-1, 2)
    vectors = vectors[np.all(np.isfinite(vectors), axis=-1)]
    k = len(vectors)
    xs = np.full(3 * k, np.nan)
    ys = np.full(3 * k, np.nan)
    xs[0::3], ys[0::3] = tail[0], tail[1]
    xs[1::3], ys[1::3] = tail[0] + vectors[:, 0], tail[1] + vectors[:, 1]
    return xs, ys


def gradient_spray_figure(
    grid: Grid,
    point: Point,
    full_vector: Point,
    batch_vectors: np.ndarray,
    *,
    mean_vector: Point | None = None,
    view: Literal["2d", "3d"] = "2d",
    loss_fn: Callable[[np.ndarray], np.ndarray] | None = None,
    minima: Sequence[Point] = (),
    full_label: str = "full batch",
    batch_label: str = "mini-batches",
    mean_label: str = "average of the mini-batch arrows",
    batch_color: str = palette.optimizer_color("sgd"),
    click_grid: int = 0,
    title: str | None = None,
    height: int | None = None,
    raster: bool = True,
    light_valleys: bool = False,
) -> go.Figure:
    """A loss landscape with arrows from ``point``: one full-batch arrow and a spray of
    mini-batch arrows (chapter 1's picture of gradient noise).

    The vectors are drawn as given (the caller signs and scales them, e.g. −s·∇L so
    they point downhill and fit the plot). In 2-D each set of arrows is one line trace
    with arrow-head markers, so each has a legend entry; in 3-D the arrows are lines on
    the surface (heights from ``loss_fn``). ``click_grid`` adds the invisible click
    targets of :func:`landscape_figure` (read a click with :func:`kit.clicks.pick_point`);
    ``raster`` and ``light_valleys`` are passed on to it.
    """
    fig = landscape_figure(
        grid,
        view=view,
        minima=minima,
        loss_fn=loss_fn,
        click_grid=click_grid if view == "2d" else 0,
        title=title,
        height=height,
        raster=raster,
        light_valleys=light_valleys,
    )
    tail = np.asarray(point, dtype=np.float64).reshape(2)
    zmin = float(np.nanmin(np.asarray(grid[2], dtype=np.float64)))
    keep = {"marker": {"opacity": 1}}  # a click selection must not dim the arrows

    def add(
        vectors: Any,
        *,
        name: str,
        color: str,
        width: float,
        head: int,
        opacity: float,
        dash: str | None = None,
    ) -> None:
        xs, ys = _arrow_segments(tail, np.asarray(vectors, dtype=np.float64))
        if not len(xs):
            return
        if view == "3d":
            pts = np.stack([xs, ys], axis=-1)
            if loss_fn is None:
                zs = np.full(len(xs), zmin)
            else:
                with np.errstate(all="ignore"):
                    zs = np.asarray(loss_fn(np.nan_to_num(pts)), dtype=np.float64)
                zs = np.where(np.isnan(xs), np.nan, zs)
            fig.add_trace(
                go.Scatter3d(
                    x=f32(xs),
                    y=f32(ys),
                    z=f32(zs),
                    mode="lines+markers",
                    line={"color": color, "width": width * 2, "dash": dash},
                    marker={"size": [0, head / 3, 0] * (len(xs) // 3), "color": color},
                    opacity=opacity,
                    name=name,
                    hoverinfo="skip",
                )
            )
            return
        fig.add_trace(
            go.Scatter(
                x=f32(xs),
                y=f32(ys),
                mode="lines+markers",
                line={"color": color, "width": width, "dash": dash},
                marker={
                    "symbol": "arrow",
                    "angleref": "previous",
                    "size": [0, head, 0] * (len(xs) // 3),
                    "color": color,
                },
                opacity=opacity,
                name=name,
                hoverinfo="skip",
                unselected=keep,
            )
        )

    add(batch_vectors, name=batch_label, color=batch_color, width=1.5, head=9, opacity=0.55)
    if mean_vector is not None:
        add(
            [mean_vector],
            name=mean_label,
            color=BATCH_MEAN_COLOR,
            width=3,
            head=13,
            opacity=0.95,
            dash="dot",
        )
    add([full_vector], name=full_label, color=FULL_COLOR, width=4, head=15, opacity=1.0)
    marker = {"size": 11, "color": "#ffffff", "line": {"width": 2.5, "color": FULL_COLOR}}
    if view == "3d":
        z0 = float(loss_fn(tail)) if loss_fn is not None else zmin
        fig.add_trace(
            go.Scatter3d(
                x=[rounded(tail[0])],
                y=[rounded(tail[1])],
                z=[rounded(z0)],
                mode="markers",
                marker={**marker, "size": 5},
                name="current point",
                hoverinfo="skip",
            )
        )
    else:
        fig.add_trace(
            go.Scatter(
                x=[rounded(tail[0])],
                y=[rounded(tail[1])],
                mode="markers",
                marker=marker,
                name="current point",
                unselected=keep,
                hovertemplate="current point (%{x:.3f}, %{y:.3f})<extra></extra>",
            )
        )
    return fig


def variance_figure(
    theory_sizes: Sequence[float],
    theory: Sequence[float],
    measured_sizes: Sequence[float],
    measured: Sequence[float],
    *,
    plain: Sequence[float] | None = None,
    current: tuple[float, float] | None = None,
    color: str = palette.optimizer_color("sgd"),
    title: str | None = None,
    height: int = 340,
) -> go.Figure:
    """Variance of a batch gradient against batch size B, log-log: theory and measurement.

    ``theory`` is drawn as a line over ``theory_sizes``; ``plain`` (optional, same x)
    as a dashed line (e.g. the bare σ²/B law); ``measured`` as markers; ``current`` =
    (B, variance) is ringed. Values ≤ 0, non-finite or below 1e-12 of the largest
    (the zero variance of the full batch, up to rounding) cannot sit on a log axis and
    are left out.
    """

    def positive(xs: Sequence[float], ys: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
        x = np.asarray(xs, dtype=np.float64)
        y = np.asarray(ys, dtype=np.float64)
        ok = np.isfinite(x) & np.isfinite(y) & (x > 0) & (y > 0)
        if ok.any():  # rounding noise around an exact zero (1e-27 at B = N) is zero too
            ok &= y > 1e-12 * float(np.max(y[ok]))
        return x[ok], y[ok]

    fig = go.Figure()
    if plain is not None:
        x, y = positive(theory_sizes, plain)
        fig.add_trace(
            go.Scatter(
                x=f32(x),
                y=f32(y),
                mode="lines",
                name="σ²/B (the plain 1/B law)",
                line={"color": "#888888", "width": 1.5, "dash": "dash"},
                hovertemplate="B = %{x:.0f}<br>σ²/B = %{y:.4g}<extra></extra>",
            )
        )
    x, y = positive(theory_sizes, theory)
    fig.add_trace(
        go.Scatter(
            x=f32(x),
            y=f32(y),
            mode="lines",
            name="theory",
            line={"color": color, "width": 2.5},
            hovertemplate="B = %{x:.0f}<br>theory %{y:.4g}<extra></extra>",
        )
    )
    x, y = positive(measured_sizes, measured)
    fig.add_trace(
        go.Scatter(
            x=f32(x),
            y=f32(y),
            mode="markers",
            name="measured",
            marker={"size": 9, "color": "#ffffff", "line": {"width": 2, "color": color}},
            hovertemplate="B = %{x:.0f}<br>measured %{y:.4g}<extra></extra>",
        )
    )
    if current is not None:
        x, y = positive([current[0]], [current[1]])
        if len(x):
            fig.add_trace(
                go.Scatter(
                    x=f32(x),
                    y=f32(y),
                    mode="markers",
                    name=f"your B = {int(x[0])}",
                    marker={
                        "size": 15,
                        "color": BATCH_MEAN_COLOR,
                        "symbol": "diamond",
                        "line": {"width": 1, "color": "#333"},
                    },
                    hovertemplate="your B = %{x:.0f}<br>%{y:.4g}<extra></extra>",
                )
            )
    base_layout(fig, title=title, height=height)
    ticks = sorted({int(v) for v in np.asarray(measured_sizes, dtype=np.float64) if v >= 1})
    fig.update_xaxes(title_text="batch size B (log scale)", type="log", tickvals=ticks or None)
    fig.update_yaxes(
        title_text="variance of the batch gradient (log scale)",
        type="log",
        exponentformat="power",
        dtick=1,
    )
    # The curves fall from top left to bottom right: the bottom-left corner is free.
    fig.update_layout(
        legend={
            "orientation": "v",
            "x": 0.01,
            "y": 0.01,
            "xanchor": "left",
            "yanchor": "bottom",
            "bgcolor": "rgba(255,255,255,0.75)",
            "font": {"size": 11},
        }
    )
    decade_ticks(fig)
    return fig


def loss_vs_examples_figure(
    runs: Sequence[PathTrace],
    examples_seen: Sequence[Sequence[float]],
    *,
    y_title: str = "loss",
    log_y: bool | None = None,
    title: str | None = None,
    height: int = 320,
) -> go.Figure:
    """Loss against the number of examples processed so far, one curve per run.

    The fair clock for full batch against mini-batch: a full-batch step reads all N
    examples, a mini-batch step only B. ``examples_seen[i]`` holds run i's cumulative
    count at steps 0…n (same length as its losses). A diverged run stops at its
    divergence step, marked ✕. ``log_y=None`` picks a log axis when every loss is ≥ 0.
    """
    fig = go.Figure()
    cut = [np.asarray(r.losses, dtype=np.float64)[: r.last_index + 1] for r in runs]
    values = np.concatenate(cut) if cut else np.array([1.0])
    use_log = log_axis_ok(values) if log_y is None else log_y
    positive = values[np.isfinite(values) & (values > 0)]
    floor = float(positive.min()) * 1e-2 if positive.size else 1e-12
    for run, losses, seen in zip(runs, cut, examples_seen, strict=True):
        idx = thin(len(losses))
        ys = np.where(losses[idx] > 0, losses[idx], floor) if use_log else losses[idx]
        xs = np.asarray(seen, dtype=np.float64)[: len(losses)][idx]
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line={"color": run.color, "width": 2},
                name=run.label,
                hovertemplate=f"{run.label}<br>%{{x:,.0f}} examples<br>{y_title} %{{y:.4g}}"
                "<extra></extra>",
            )
        )
        if run.diverged_at is not None and len(losses):
            fig.add_trace(divergence_marker(float(xs[-1]), float(ys[-1]), run.diverged_at))
    keep_divergence_labels_inside(fig, log_y=use_log)
    base_layout(fig, title=title, height=height)
    fig.update_xaxes(title_text="examples processed (gradient evaluations)", rangemode="tozero")
    fig.update_yaxes(title_text=y_title + (" (log scale)" if use_log else ""))
    if use_log:
        fig.update_yaxes(type="log", exponentformat="power")
    decade_ticks(fig)
    return fig

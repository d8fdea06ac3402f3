"""Values against step: loss curves, any per-step series, learning-rate schedules."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from kit import palette
from kit.plots.base import (
    MAX_PATH_POINTS,
    add_layout_items,
    base_layout,
    decade_ticks,
    f32,
    thin,
    vline,
)
from kit.plots.series import PathTrace, Series


def log_axis_ok(values: np.ndarray) -> bool:
    finite = values[np.isfinite(values)]
    return finite.size > 0 and bool(np.all(finite >= 0)) and bool(np.any(finite > 0))


def divergence_marker(x: float, y: float, step: int) -> go.Scatter:
    """The ✕ that ends a diverged run's curve at (x, y), labelled with its step."""
    return go.Scatter(
        x=[x],
        y=[y],
        mode="markers+text",
        marker={"symbol": "x", "size": 11, "color": palette.DIVERGED_COLOR},
        text=[f"diverged at step {step}"],
        textposition="top left",
        textfont={"color": palette.DIVERGED_COLOR, "size": 11},
        showlegend=False,
        hoverinfo="skip",
        meta="divergence",
    )


def keep_divergence_labels_inside(fig: go.Figure, *, log_y: bool) -> None:
    """Turn each ✕'s label towards the middle of the plot, so it is never cut off.

    A diverged run's ✕ sits at its largest loss, usually the top of the chart, where a
    label above it was clipped: the label goes below a point in the upper half and
    above one in the lower half, left of a point in the right half and right of one in
    the left half (log axes measured in decades).
    """
    xs, ys = [], []
    for trace in fig.data:
        if trace.x is not None and trace.y is not None:
            xs.append(np.asarray(trace.x, dtype=np.float64).ravel())
            y = np.asarray(trace.y, dtype=np.float64).ravel()
            ys.append(np.log10(np.where(y > 0, y, np.nan)) if log_y else y)
    if not xs:
        return
    all_x, all_y = np.concatenate(xs), np.concatenate(ys)
    all_x, all_y = all_x[np.isfinite(all_x)], all_y[np.isfinite(all_y)]
    if not all_x.size or not all_y.size:
        return
    for trace in fig.data:
        if trace.meta != "divergence":
            continue
        x = float(trace.x[0])
        y = float(np.log10(trace.y[0])) if log_y and trace.y[0] > 0 else float(trace.y[0])
        right_half = x > (all_x.min() + all_x.max()) / 2
        upper_half = y >= (all_y.min() + all_y.max()) / 2
        trace.textposition = ("bottom" if upper_half else "top") + (
            " left" if right_half else " right"
        )


def loss_curve_figure(
    runs: Sequence[PathTrace],
    *,
    log_y: bool | None = None,
    current_step: int | None = None,
    threshold: float | None = None,
    title: str | None = "Loss",
    height: int = 320,
    max_points: int = MAX_PATH_POINTS,
    min_loss: float | None = None,
) -> go.Figure:
    """Loss against step for each run; a diverged run stops at its divergence step, marked ✕.

    ``log_y=None`` picks a log axis when every loss is ≥ 0 (exact zeros are drawn at a
    small floor) and a linear one otherwise (e.g. the saddle, which goes negative).
    ``max_points`` caps the points drawn per run (payload); ``min_loss`` draws smaller
    losses at that value, so one run reaching 1e-300 does not squash the log axis.
    """
    fig = go.Figure()
    cut = [np.asarray(r.losses, dtype=np.float64)[: r.last_index + 1] for r in runs]
    if min_loss is not None:
        cut = [np.where(c < min_loss, min_loss, c) for c in cut]
    all_values = np.concatenate(cut) if cut else np.array([1.0])
    use_log = log_axis_ok(all_values) if log_y is None else log_y
    floor = None
    if use_log:
        positive = all_values[np.isfinite(all_values) & (all_values > 0)]
        floor = float(positive.min()) * 1e-2 if positive.size else 1e-12
        floor = max(floor, 1e-300)
    for order, (run, losses) in enumerate(zip(runs, cut, strict=True)):
        dash, symbol = palette.series_style(order)  # told apart by more than colour
        idx = thin(len(losses), max_points)
        ys = losses[idx]
        if use_log and floor is not None:
            ys = np.where(ys > 0, ys, floor)
        fig.add_trace(
            go.Scatter(
                x=idx.astype(np.int32),
                y=ys.astype(np.float32) if np.all(np.abs(ys[np.isfinite(ys)]) < 3e38) else ys,
                # One point (a run not yet stepped) would be an invisible line: draw a dot.
                mode="lines" if len(idx) > 1 else "markers",
                line={"color": run.color, "width": 2, "dash": dash},
                marker={"color": run.color, "size": 7, "symbol": symbol},
                name=run.label,
                hovertemplate=f"{run.label}<br>step %{{x}}<br>loss %{{y:.4g}}<extra></extra>",
            )
        )
        if run.diverged_at is not None and len(losses):
            fig.add_trace(divergence_marker(run.last_index, float(ys[-1]), run.diverged_at))
    if current_step is not None:
        fig.add_vline(x=current_step, line={"color": "#888", "width": 1, "dash": "dot"})
    if threshold is not None and (not use_log or threshold > 0):
        fig.add_hline(y=threshold, line={"color": "#888", "width": 1, "dash": "dash"})
    keep_divergence_labels_inside(fig, log_y=use_log)
    base_layout(fig, title=title, height=height)
    fig.update_xaxes(title_text="step", rangemode="tozero")
    last_step = max((len(c) - 1 for c in cut), default=0)
    if last_step < 10:
        # A run just started: whole steps on a 0–10 axis, the first dot not cut in half.
        fig.update_xaxes(range=[-0.4, 10])
    fig.update_yaxes(title_text="loss (log scale)" if use_log else "loss")
    if use_log:
        fig.update_yaxes(type="log", exponentformat="power")
    fig.update_layout(showlegend=len(runs) > 1)
    decade_ticks(fig)
    return fig


def step_curves_figure(
    steps: Sequence[float],
    series: Sequence[Series],
    *,
    value_title: str,
    log_y: bool = True,
    current_step: int | None = None,
    title: str | None = None,
    height: int = 320,
) -> go.Figure:
    """Values against step for several series (e.g. effective learning rate over time).

    Long series are thinned to :data:`MAX_PATH_POINTS`; NaN values leave gaps; with
    ``log_y`` values ≤ 0 are left out (a log axis cannot show them).
    """
    x = np.asarray(steps, dtype=np.float64)
    idx = thin(len(x))
    fig = go.Figure()
    for s in series:
        vals = np.asarray(s.values, dtype=np.float64)[idx]
        if log_y:
            vals = np.where(vals > 0, vals, np.nan)
        fig.add_trace(
            go.Scatter(
                x=x[idx].astype(np.int32) if np.all(np.mod(x, 1) == 0) else f32(x[idx]),
                y=f32(vals),
                mode="lines",
                line={"color": s.color, "width": 2},
                name=s.label,
                hovertemplate=f"{s.label}<br>step %{{x}}<br>%{{y:.4g}}<extra></extra>",
            )
        )
    if current_step is not None:
        fig.add_vline(x=current_step, line={"color": "#888", "width": 1, "dash": "dot"})
    base_layout(fig, title=title, height=height)
    fig.update_xaxes(title_text="step")
    fig.update_yaxes(title_text=value_title + (" (log scale)" if log_y else ""))
    if log_y:
        fig.update_yaxes(type="log", exponentformat="power")
    fig.update_layout(showlegend=len(series) > 1, hovermode="x unified")
    decade_ticks(fig)
    return fig


def schedule_figure(
    steps: Sequence[float],
    series: Sequence[Series],
    *,
    normalise_to: float | None = None,
    dashed: Sequence[str] = (),
    points: Sequence[tuple[float, float, str]] = (),
    vlines: Sequence[tuple[float, str]] = (),
    current_step: int | None = None,
    x_title: str = "step",
    title: str | None = None,
    height: int = 340,
) -> go.Figure:
    """Learning rate against step for several schedules, overlaid on one axis.

    ``normalise_to`` divides every rate (and point) by that peak, so the y axis reads as a
    fraction of η_max; series whose label is in ``dashed`` are drawn dashed. ``points``
    are ``(step, rate, label)`` markers (e.g. a worked table's rows) and ``vlines``
    ``(step, label)`` boundaries (end of warmup, epochs). Long series are thinned to
    :data:`MAX_PATH_POINTS`; non-finite rates leave gaps.
    """
    x = np.asarray(steps, dtype=np.float64)
    idx = thin(len(x))
    scale = float(normalise_to) if normalise_to else 1.0
    whole = bool(np.all(np.mod(x, 1) == 0))
    y_label = "η / η_max (fraction of peak)" if normalise_to else "learning rate η"
    y_fmt = ".1%" if normalise_to else ".4g"
    fig = go.Figure()
    for s in series:
        vals = np.asarray(s.values, dtype=np.float64)[idx] / scale
        fig.add_trace(
            go.Scatter(
                x=x[idx].astype(np.int32) if whole else f32(x[idx]),
                y=f32(np.where(np.isfinite(vals), vals, np.nan)),
                mode="lines",
                line={
                    "color": s.color,
                    "width": 2.5,
                    "dash": "dash" if s.label in dashed else "solid",
                },
                name=s.label,
                hovertemplate=f"{s.label}: %{{y:{y_fmt}}}<extra></extra>",
            )
        )
    if points:
        px = [float(p[0]) for p in points]
        py = [float(p[1]) / scale for p in points]
        fig.add_trace(
            go.Scatter(
                x=px,
                y=py,
                mode="markers",
                marker={"size": 10, "color": "#222", "symbol": "circle-open", "line": {"width": 2}},
                name="worked values",
                text=[p[2] for p in points],
                hovertemplate="%{text}<extra></extra>",
            )
        )
    shapes, notes = [], []
    for where, label in vlines:
        shape, note = vline(
            float(where),
            {"color": "#999", "width": 1, "dash": "dot"},
            label,
            "bottom right",
            {"size": 11, "color": "#666"},
        )
        shapes.append(shape)
        notes += note
    if current_step is not None:
        shapes.append(vline(current_step, {"color": "#555", "width": 1.5, "dash": "dash"})[0])
    add_layout_items(fig, shapes, notes)
    base_layout(fig, title=title, height=height)
    fig.update_xaxes(title_text=x_title, rangemode="tozero")
    fig.update_yaxes(title_text=y_label, rangemode="tozero")
    if normalise_to:
        fig.update_yaxes(tickformat=".0%")
    fig.update_layout(showlegend=len(series) + bool(points) > 1, hovermode="x unified")
    return fig

"""Chapter 8's figures: final loss against learning rate, payload caps for many racers
on one map, and the tags the browser tests find charts by."""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from chapters.ch08_arena.logic import SweepCurve
from kit.plots.base import MAX_FRAMES, MAX_PATH_POINTS, base_layout, decade_ticks, f32, rounded


def payload_caps(racers: int) -> dict[str, int]:
    """Frames and path points per racer that keep the race map under its JSON budget.

    Both grow with the number of racers, so the caps shrink with it: 4 racers keep the
    figure defaults, all 13 share the budget.
    """
    racers = max(1, int(racers))
    return {
        "max_frames": min(MAX_FRAMES, max(40, 1500 // racers)),
        "max_path_points": min(MAX_PATH_POINTS, max(150, 4000 // racers)),
    }


def tagged(build: Callable[..., go.Figure], meta: str, *args: Any, **kwargs: Any) -> go.Figure:
    """``build(*args, **kwargs)`` with ``meta`` set (the browser tests find charts by it)."""
    return build(*args, **kwargs).update_layout(meta=meta)


def without_legend(build: Callable[..., go.Figure], *args: Any, **kwargs: Any) -> go.Figure:
    """``build(*args, **kwargs)`` with no legend: with many racers a legend above the plot
    wraps into rows that take the plot's height, so the arena names its racers in one
    colour key beside the charts instead (:func:`racer_key_html`)."""
    fig = build(*args, **kwargs)
    fig.update_layout(showlegend=False, margin={"t": 12})
    return fig


def racer_key_html(items: Sequence[tuple[str, str]], extra: Sequence[str] = ()) -> str:
    """A colour key that wraps at any width: one coloured dot and name per racer
    (``(label, colour)`` pairs, from the engine), then the ``extra`` notes."""
    chips = [
        '<span style="white-space:nowrap;margin-right:0.9em">'
        f'<span style="color:{html.escape(color)};font-size:1.2em">●</span> '
        f"{html.escape(label)}</span>"
        for label, color in items
    ]
    notes = [
        f'<span style="white-space:nowrap;margin-right:0.9em;color:#555">{html.escape(n)}</span>'
        for n in extra
    ]
    return (
        '<div style="line-height:1.9;font-size:0.9rem" aria-label="colour key">'
        + " ".join(chips + notes)
        + "</div>"
    )


def lr_sensitivity_figure(
    curves: Sequence[SweepCurve],
    *,
    current_lr: float | None = None,
    threshold: float | None = None,
    floor: float = 1e-12,
    loss_title: str = "final loss (log scale)",
    title: str | None = None,
    height: int = 400,
) -> go.Figure:
    """Final loss against learning rate on log–log axes, one curve per optimizer.

    Losses below ``floor`` are drawn at the floor (the hover shows the true value); a
    rate whose run diverged leaves a gap in its curve and is marked ✕ along the top
    edge. ``band`` is highlighted along the curve, ``best`` gets a star, and the
    ``current_lr`` (a dotted vertical line) and ``threshold`` (dashed) are marked.
    """
    fig = go.Figure()
    finite_all = [
        np.asarray(c.final_losses, dtype=np.float64)[np.asarray(c.diverged_at) < 0] for c in curves
    ]
    finite = np.concatenate([v[np.isfinite(v)] for v in finite_all]) if curves else np.array([])
    top = float(finite.max()) * 3 if finite.size and finite.max() > floor else 10.0
    for curve in curves:
        lrs = np.asarray(curve.lrs, dtype=np.float64)
        loss = np.asarray(curve.final_losses, dtype=np.float64)
        diverged = np.asarray(curve.diverged_at) >= 0
        ok = ~diverged & np.isfinite(loss)
        shown = np.where(ok, np.maximum(loss, floor), np.nan)
        fig.add_trace(
            go.Scatter(
                x=f32(lrs),
                y=shown,
                customdata=np.where(ok, loss, np.nan),
                mode="lines+markers",
                line={"color": curve.color, "width": 2},
                marker={"size": 4, "color": curve.color},
                name=curve.label,
                legendgroup=curve.label,
                hovertemplate=(
                    f"<b>{curve.label}</b><br>η = %{{x:.3g}}<br>"
                    "final loss %{customdata:.3g}<extra></extra>"
                ),
            )
        )
        if curve.band is not None:
            lo, hi = curve.band
            inside = ok & (lrs >= lo * (1 - 1e-9)) & (lrs <= hi * (1 + 1e-9))
            fig.add_trace(
                go.Scatter(
                    x=f32(lrs),
                    y=np.where(inside, shown, np.nan),
                    mode="lines",
                    line={"color": curve.color, "width": 12},
                    opacity=0.25,
                    name=f"{curve.label}: forgiving range",
                    legendgroup=curve.label,
                    showlegend=False,
                    hoverinfo="skip",
                )
            )
        if curve.best is not None and 0 <= curve.best < len(lrs) and ok[curve.best]:
            fig.add_trace(
                go.Scatter(
                    x=[rounded(lrs[curve.best], 8)],
                    y=[float(shown[curve.best])],
                    mode="markers",
                    marker={
                        "symbol": "star",
                        "size": 15,
                        "color": curve.color,
                        "line": {"width": 1, "color": "#222"},
                    },
                    name=f"{curve.label}: best rate",
                    legendgroup=curve.label,
                    showlegend=False,
                    hovertemplate=(
                        f"<b>{curve.label}</b>: best rate η = %{{x:.3g}}<extra></extra>"
                    ),
                )
            )
        if diverged.any():
            steps = np.asarray(curve.diverged_at)[diverged]
            fig.add_trace(
                go.Scatter(
                    x=f32(lrs[diverged]),
                    y=np.full(int(diverged.sum()), top),
                    customdata=steps.astype(np.int32),
                    mode="markers",
                    marker={
                        "symbol": "x-thin",
                        "size": 8,
                        "color": curve.color,
                        "line": {"width": 2, "color": curve.color},
                    },
                    name=f"{curve.label}: diverged",
                    legendgroup=curve.label,
                    showlegend=False,
                    hovertemplate=(
                        f"<b>{curve.label}</b><br>η = %{{x:.3g}}<br>"
                        "diverged at step %{customdata}<extra></extra>"
                    ),
                )
            )
    if current_lr is not None and current_lr > 0:
        fig.add_vline(x=current_lr, line={"color": "#666", "width": 1, "dash": "dot"})
    if threshold is not None and threshold > 0:
        fig.add_hline(y=max(threshold, floor), line={"color": "#888", "width": 1, "dash": "dash"})
    base_layout(fig, title=title, height=height)
    fig.update_xaxes(title_text="learning rate η (log scale)", type="log", exponentformat="power")
    fig.update_yaxes(title_text=loss_title, type="log", exponentformat="power")
    fig.update_layout(showlegend=len(curves) > 0)
    decade_ticks(fig)
    return fig

"""Chapter 6's figures: the optimizer family tree, one value per weight or layer, RAdam's
rectification term and the memory bars."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import plotly.graph_objects as go

from chapters.ch06_beyond_adam.logic import TreeNode
from kit import palette
from kit.format import human_bytes
from kit.plots.base import (
    add_layout_items,
    add_playback,
    base_layout,
    decade_ticks,
    f32,
    frame_indices,
    rounded,
    thin,
)


def memory_figure(
    rows: int, cols: int, weight_bytes: int, adam_bytes: int, factored_bytes: int
) -> go.Figure:
    """Bars of the weights', Adam's and Adafactor's bytes for one rows × cols matrix."""
    chart = bar_figure(
        ["weights", "Adam state", "Adafactor state"],
        [weight_bytes, adam_bytes, factored_bytes],
        colors=[
            palette.FALLBACK_COLOR,
            palette.optimizer_color("adam"),
            palette.optimizer_color("adafactor"),
        ],
        value_title="bytes in fp32 (log scale)",
        log_y=True,
        texts=[human_bytes(weight_bytes), human_bytes(adam_bytes), human_bytes(factored_bytes)],
        title=f"Memory for one {rows:,} × {cols:,} matrix",
        height=300,
    )
    chart.update_yaxes(dtick=1, exponentformat="SI")  # only powers of ten on the log axis
    return chart


def bar_figure(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    colors: Sequence[str] | None = None,
    value_title: str = "",
    title: str | None = None,
    log_y: bool = False,
    text_format: str = ".3g",
    horizontal: bool = False,
    height: int = 300,
    texts: Sequence[str] | None = None,
) -> go.Figure:
    """A labelled bar chart (e.g. effective learning rate per axis, final loss per optimizer).

    Non-finite values are drawn as empty bars labelled "—" rather than breaking the chart.
    ``texts`` replaces the formatted values as bar labels (e.g. "33.6 MB").
    """
    vals = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(vals)
    text = [format(v, text_format) if ok else "—" for v, ok in zip(vals, finite, strict=True)]
    if texts is not None:
        text = [str(t) if ok else "—" for t, ok in zip(texts, finite, strict=True)]
    shown = np.where(finite, vals, np.nan)
    bar_kw: dict[str, Any] = {
        "marker": {"color": list(colors) if colors else palette.optimizer_color("sgd")},
        "text": text,
        "textposition": "auto",
        "hovertemplate": "%{label}: %{text}<extra></extra>"
        if not horizontal
        else "%{y}: %{text}<extra></extra>",
    }
    if horizontal:
        fig = go.Figure(go.Bar(x=shown, y=list(labels), orientation="h", **bar_kw))
        fig.update_xaxes(title_text=value_title, type="log" if log_y else "linear")
        fig.update_yaxes(autorange="reversed")
    else:
        fig = go.Figure(go.Bar(x=list(labels), y=shown, **bar_kw))
        fig.update_yaxes(title_text=value_title, type="log" if log_y else "linear")
    base_layout(fig, title=title, height=height)
    fig.update_layout(showlegend=False)
    decade_ticks(fig)
    return fig


def family_tree_figure(
    nodes: Sequence[TreeNode],
    edges: Sequence[tuple[str, str, bool]],
    *,
    selected: str | None = None,
    ticks: Sequence[tuple[float, str]] = (),
    x_break: float | None = None,
    title: str | None = None,
    height: int = 440,
) -> go.Figure:
    """A clickable family tree: one scatter trace of nodes, arrows from parent to child.

    ``edges`` are ``(parent, child, primary)``; a secondary edge (a second parent) is
    drawn fainter. The node trace is the only trace (so a click always selects a node)
    and carries each node's name as ``customdata``; read a click with :func:`kit.clicks.pick_name`.
    ``ticks`` label the x axis (``(position, text)``), and ``x_break`` marks where the
    time axis changes scale with a dotted line.
    """
    where = {n.name: (n.x, n.y) for n in nodes}
    fig = go.Figure()
    arrows = []
    for parent, child, primary in edges:
        if parent not in where or child not in where:
            continue
        (x0, y0), (x1, y1) = where[parent], where[child]
        arrows.append(
            {
                "x": x1,
                "y": y1,
                "ax": x0,
                "ay": y0,
                "xref": "x",
                "yref": "y",
                "axref": "x",
                "ayref": "y",
                "showarrow": True,
                "arrowhead": 2,
                "arrowsize": 1,
                "arrowwidth": 1.6 if primary else 1.1,
                "arrowcolor": "rgba(90,90,90,0.75)" if primary else "rgba(150,150,150,0.55)",
                "standoff": 11,
                "startstandoff": 9,
                "text": "",
            }
        )
    add_layout_items(fig, annotations=arrows)
    is_selected = [n.name == selected for n in nodes]
    fig.add_trace(
        go.Scatter(
            x=[n.x for n in nodes],
            y=[n.y for n in nodes],
            mode="markers+text",
            text=[n.label for n in nodes],
            textposition=[n.text_position for n in nodes],
            textfont={"size": 12, "color": "#222"},
            customdata=[n.name for n in nodes],
            hovertext=[n.hover or n.label for n in nodes],
            hovertemplate="%{hovertext}<extra>click for details</extra>",
            marker={
                "size": [26 if s else 18 for s in is_selected],
                "color": [n.color for n in nodes],
                "line": {
                    "width": [4 if s else 1.5 for s in is_selected],
                    "color": ["#111" if s else "#fff" for s in is_selected],
                },
            },
            selected={"marker": {"opacity": 1}},
            unselected={"marker": {"opacity": 1}},
            name="optimizers",
            showlegend=False,
        )
    )
    if x_break is not None:
        fig.add_vline(
            x=float(x_break),
            line={"color": "#bbb", "width": 1, "dash": "dot"},
            annotation_text="time axis stretched from here on",
            annotation_position="top right",
            annotation_font={"size": 10, "color": "#888"},
        )
    base_layout(fig, title=title, height=height)
    ys = [n.y for n in nodes] or [0.0]
    xs = [n.x for n in nodes] or [0.0]
    fig.update_xaxes(
        title_text="year of the paper",
        tickvals=[t[0] for t in ticks] or None,
        ticktext=[t[1] for t in ticks] or None,
        tickangle=-45 if len(ticks) > 8 else 0,
        range=[min(xs) - 1.0, max(xs) + 1.4],
        showgrid=False,
        zeroline=False,
    )
    fig.update_yaxes(
        visible=False,
        range=[min(ys) - 0.7, max(ys) + 1.0],
        fixedrange=True,
    )
    fig.update_layout(clickmode="event+select", dragmode=False, margin={"b": 60})
    return fig


@dataclass(frozen=True)
class StepSeries:
    """Per-item values over steps: ``values[k]`` is the row after step ``steps[k]``."""

    label: str
    values: np.ndarray  # (n_steps, n_items)
    color: str = palette.FALLBACK_COLOR
    hollow: bool = False


def per_item_figure(
    items: Sequence[Any],
    series: Sequence[StepSeries],
    *,
    steps: Sequence[int],
    kind: Literal["markers", "bars"] = "markers",
    x_title: str,
    y_title: str,
    log_x: bool = False,
    log_y: bool = False,
    hlines: Sequence[tuple[float, str]] = (),
    animate_from: int | None = None,
    item_hover: str = "%{x}",
    title: str | None = None,
    height: int = 340,
) -> go.Figure:
    """One value per item (coordinate, layer) for several series, at the latest step.

    Used for "how far did each weight move" pictures. The figure shows the last row of
    every series; with ``animate_from`` it gets playback frames stepping through the
    rows from that step on (frames carry only the y values). On a log axis values ≤ 0
    are left out.
    """
    step_list = [int(s) for s in steps]
    fig = go.Figure()

    def row(s: StepSeries, k: int) -> np.ndarray:
        vals = np.asarray(s.values, dtype=np.float64)
        if vals.ndim == 1:
            vals = vals[None]
        r = vals[min(k, len(vals) - 1)] if len(vals) else np.full(len(items), np.nan)
        r = np.where(np.isfinite(r), r, np.nan)
        return np.where(r > 0, r, np.nan) if log_y else r

    last = max(len(step_list) - 1, 0)
    x = list(items)
    for s in series:
        y = f32(row(s, last))
        hover = f"{s.label}<br>{item_hover}<br>{y_title}: %{{y:.4g}}<extra></extra>"
        if kind == "bars":
            fig.add_trace(
                go.Bar(x=x, y=y, name=s.label, marker={"color": s.color}, hovertemplate=hover)
            )
        else:
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=y,
                    mode="markers",
                    name=s.label,
                    marker={
                        "size": 10 if s.hollow else 8,
                        "color": s.color,  # an open symbol is drawn in the marker colour
                        "symbol": "circle-open" if s.hollow else "circle",
                        "line": {"width": 2 if s.hollow else 0.5, "color": s.color},
                    },
                    hovertemplate=hover,
                )
            )
    for value, label in hlines:
        if log_y and not value > 0:
            continue
        fig.add_hline(
            y=float(value),
            line={"color": "#555", "width": 1.2, "dash": "dash"},
            annotation_text=label,
            annotation_position="top left",
            annotation_font={"size": 11, "color": "#444"},
        )
    if animate_from is not None and step_list:
        first = next((i for i, s in enumerate(step_list) if s >= animate_from), last)
        picked = frame_indices(first, last)
        frames = [
            go.Frame(
                data=[
                    (go.Bar if kind == "bars" else go.Scatter)(y=[rounded(v, 6) for v in row(s, k)])
                    for s in series
                ],
                traces=list(range(len(series))),
                name=str(step_list[k]),
            )
            for k in picked
        ]
        if len(frames) > 1:
            add_playback(fig, frames, redraw=kind == "bars", frame_ms=160)
    base_layout(fig, title=title, height=height)
    fig.update_xaxes(title_text=x_title, type="log" if log_x else None)
    fig.update_yaxes(title_text=y_title + (" (log scale)" if log_y else ""))
    if log_y:
        # One range for every frame, so playback does not rescale the axis.
        every = [np.asarray(s.values, dtype=np.float64) for s in series]
        every += [np.asarray([v for v, _ in hlines], dtype=np.float64)]
        flat = np.concatenate([e.ravel() for e in every])
        flat = flat[np.isfinite(flat) & (flat > 0)]
        fig.update_yaxes(type="log", exponentformat="power")
        if flat.size:
            lo, hi = np.log10(flat.min()), np.log10(flat.max())
            pad = max(0.15 * (hi - lo), 0.2)
            fig.update_yaxes(range=[lo - pad, hi + pad], dtick=1 if hi - lo >= 1 else None)
    if log_x:
        fig.update_xaxes(exponentformat="power", dtick=1)
    fig.update_layout(barmode="group", showlegend=len(series) > 1)
    decade_ticks(fig)
    return fig


def rectification_figure(
    steps: Sequence[int],
    rectification: Sequence[float],
    *,
    first_rectified: int | None,
    label: str = "r_t",
    color: str = palette.optimizer_color("radam"),
    title: str | None = None,
    height: int = 320,
) -> go.Figure:
    """RAdam's rectification term r_t against step (log step axis).

    Steps before ``first_rectified`` (where ρ_t ≤ 5 and r_t is undefined, NaN) are shaded:
    there RAdam takes plain momentum steps. A dashed line at 1 is full Adam.
    """
    t = np.asarray(steps, dtype=np.float64)
    r = np.asarray(rectification, dtype=np.float64)
    idx = thin(len(t))
    fig = go.Figure(
        go.Scatter(
            x=t[idx].astype(np.int32),
            y=f32(np.where(np.isfinite(r[idx]), r[idx], np.nan)),
            mode="lines",
            line={"color": color, "width": 2.5},
            name=label,
            hovertemplate=f"step %{{x}}<br>{label} = %{{y:.3f}}<extra></extra>",
        )
    )
    if first_rectified is not None and first_rectified > 1:
        fig.add_vrect(
            x0=max(float(t.min()), 1.0),
            x1=float(first_rectified),
            fillcolor="rgba(150,150,150,0.22)",
            line_width=0,
            annotation_text="momentum only",
            annotation_position="top left",
            annotation_font={"size": 11, "color": "#555"},
        )
    if first_rectified is not None:
        k = int(np.searchsorted(t, first_rectified))
        if k < len(t) and np.isfinite(r[k]):
            fig.add_trace(
                go.Scatter(
                    x=[int(t[k])],
                    y=[rounded(r[k])],
                    mode="markers+text",
                    marker={"size": 10, "color": color, "line": {"width": 1.5, "color": "#222"}},
                    text=[f"first adaptive step: t = {int(t[k])}"],
                    textposition="top right",
                    textfont={"size": 11},
                    name="first adaptive step",
                    hoverinfo="skip",
                )
            )
    fig.add_hline(
        y=1.0,
        line={"color": "#555", "width": 1, "dash": "dash"},
        annotation_text="r = 1: plain Adam",
        annotation_position="bottom right",
        annotation_font={"size": 11, "color": "#444"},
    )
    base_layout(fig, title=title, height=height)
    fig.update_xaxes(title_text="step t (log scale)", type="log", exponentformat="power", dtick=1)
    fig.update_yaxes(title_text=f"rectification {label}", range=[0, 1.12])
    fig.update_layout(showlegend=False)
    decade_ticks(fig)
    return fig

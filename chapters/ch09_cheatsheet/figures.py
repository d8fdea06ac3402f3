"""Chapter 9's figures: the decision flowchart with the taken path, and how far the final
loss moves as each hyperparameter sweeps its range."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from chapters.ch09_cheatsheet.logic import SpreadRow
from chapters.ch09_cheatsheet.tree import (
    FLOW_FADED,
    FLOW_FONT_PX,
    FLOW_MARGIN_PX,
    FLOW_MARKER_PX,
    FLOW_PATH_COLOR,
    FlowEdge,
    FlowNode,
    flow_height,
    flow_ranges,
)
from kit import palette
from kit.plots.base import base_layout, decade_ticks
from kit.plots.curves import schedule_figure
from kit.plots.series import Series


def decision_tree_figure(
    nodes: Sequence[FlowNode],
    edges: Sequence[FlowEdge],
    *,
    path: Sequence[str] = (),
    title: str | None = None,
    height: int = 460,
) -> go.Figure:
    """The decision flowchart as an indented outline: the taken ``path`` (node ids from
    the root) drawn in colour.

    One row per node (see :func:`chapters.ch09_cheatsheet.tree.flow_layout`), so no two
    labels share a line at any width; the figure is at least ``height`` tall and grows
    to give each row its room. Traces, in order: faded edges, path edges, the rows'
    texts (the answer leading to a node, then its label), nodes. Nodes on the path and
    the answers open at its end stay bright; the rest fade. The text and node traces
    carry node ids as ``customdata`` (a click on a row picks its node); the edge traces
    carry none, so a click on a line picks nothing.
    """
    where = {n.id: (n.x, n.y) for n in nodes}
    on_path = set(path)
    path_edges = {(a, b) for a, b in zip(path, path[1:], strict=False)}
    frontier = path[-1] if path else None
    open_children = {e.child for e in edges if e.parent == frontier}
    bright = on_path | open_children

    def segments(chosen: bool) -> tuple[list[float | None], list[float | None]]:
        xs: list[float | None] = []
        ys: list[float | None] = []
        for e in edges:
            if e.parent not in where or e.child not in where:
                continue
            if ((e.parent, e.child) in path_edges) != chosen:
                continue
            (x0, y0), (x1, y1) = where[e.parent], where[e.child]
            # An elbow: down from the question to the answer's row, then across to it.
            xs += [x0, x0, x0, x1, None]
            ys += [y0, y0, y1, y1, None]
        return xs, ys

    fig = go.Figure()
    for chosen in (False, True):
        xs, ys = segments(chosen)
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line={
                    "color": FLOW_PATH_COLOR if chosen else "#d5d5d5",
                    "width": 4 if chosen else 1.3,
                },
                hoverinfo="skip",
                name="your path" if chosen else "other answers",
                showlegend=False,
            )
        )
    is_on = [n.id in on_path for n in nodes]
    is_bright = [n.id in bright for n in nodes]
    sizes = [FLOW_MARKER_PX if on else 13 for on in is_on]
    answered = [
        (n, on, b, size)
        for n, on, b, size in zip(nodes, is_on, is_bright, sizes, strict=True)
        if n.answer
    ]

    def row_color(on: bool, lit: bool) -> str:
        return FLOW_PATH_COLOR if on else ("#1f2933" if lit else "#a0a0a0")

    # Each answered node's row text, beside an invisible marker of the node's size (so
    # the text starts clear of the visible marker drawn over it).
    fig.add_trace(
        go.Scatter(
            x=[n.x for n, *_ in answered],
            y=[n.y for n, *_ in answered],
            mode="markers+text",
            text=[f"<b>{n.text}</b>" if on else n.text for n, on, *_ in answered],
            textposition="middle right",
            textfont={
                "size": FLOW_FONT_PX,
                "color": [row_color(on, lit) for _, on, lit, _ in answered],
            },
            marker={"size": [size for *_, size in answered], "opacity": 0},
            customdata=[n.id for n, *_ in answered],
            hovertext=[n.hover or n.label for n, *_ in answered],
            hovertemplate="%{hovertext}<extra>click to go here</extra>",
            selected={"marker": {"opacity": 0}},
            unselected={"marker": {"opacity": 0}},
            name="answers",
            showlegend=False,
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[n.x for n in nodes],
            y=[n.y for n in nodes],
            mode="markers+text",
            # The root has no answer row: its question is written beside its marker.
            text=[
                ("" if n.answer else (f"<b>{n.text}</b>" if on else n.text))
                for n, on in zip(nodes, is_on, strict=True)
            ],
            textposition="middle right",
            textfont={
                "size": FLOW_FONT_PX,
                "color": [row_color(on, b) for on, b in zip(is_on, is_bright, strict=True)],
            },
            customdata=[n.id for n in nodes],
            hovertext=[n.hover or n.label for n in nodes],
            hovertemplate="%{hovertext}<extra>click to go here</extra>",
            marker={
                "symbol": ["diamond" if n.kind == "question" else "circle" for n in nodes],
                "size": sizes,
                "color": [
                    n.color if b else FLOW_FADED for n, b in zip(nodes, is_bright, strict=True)
                ],
                "opacity": [1.0 if b else 0.55 for b in is_bright],
                "line": {
                    "width": [3 if on else 1 for on in is_on],
                    "color": [FLOW_PATH_COLOR if on else "#ffffff" for on in is_on],
                },
            },
            selected={"marker": {"opacity": 1}},
            unselected={"marker": {"opacity": 1}},
            name="nodes",
            showlegend=False,
        )
    )
    figure_height = flow_height(nodes, at_least=height)
    base_layout(fig, title=title, height=figure_height)
    x_range, y_range = flow_ranges(nodes)
    fig.update_xaxes(visible=False, range=list(x_range), fixedrange=True)
    fig.update_yaxes(visible=False, range=list(y_range), fixedrange=True)
    margin = FLOW_MARGIN_PX
    fig.update_layout(
        clickmode="event+select",
        dragmode=False,
        margin={"l": margin, "r": margin, "t": 40 if title else margin, "b": margin},
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return fig


def spread_figure(
    rows: Sequence[SpreadRow],
    *,
    floor: float = 1e-12,
    color: str = palette.optimizer_color("adamw"),
    title: str | None = None,
    height: int | None = None,
) -> go.Figure:
    """How far the final loss moves when one hyperparameter sweeps its range, one row each.

    Each row draws a line from the best to the worst final loss and a dot per value
    (light at the low end of the range, dark at the high end); diverged runs are marked ✕
    at the right edge. The x axis is the final loss on a log scale (losses below
    ``floor`` sit at the floor, the hover keeps the true value); the annotation at the
    right of a row gives the spread in decades.
    """
    fig = go.Figure()
    labels = [r.label for r in rows]
    finite = [
        np.asarray(r.final_losses, dtype=np.float64)[
            ~np.asarray(r.diverged, dtype=bool) & np.isfinite(r.final_losses)
        ]
        for r in rows
    ]
    all_finite = np.concatenate(finite) if finite else np.array([])
    top = float(np.maximum(all_finite, floor).max()) * 30 if all_finite.size else 10.0
    line_x: list[float | None] = []
    line_y: list[str | None] = []
    for row, ok_losses in zip(rows, finite, strict=True):
        if ok_losses.size:
            shown = np.maximum(ok_losses, floor)
            line_x += [float(shown.min()), float(shown.max()), None]
            line_y += [row.label, row.label, None]
    fig.add_trace(
        go.Scatter(
            x=line_x,
            y=line_y,
            mode="lines",
            line={"color": color, "width": 6},
            opacity=0.3,
            hoverinfo="skip",
            showlegend=False,
            name="spread",
        )
    )
    for row in rows:
        values = np.asarray(row.values, dtype=np.float64)
        losses = np.asarray(row.final_losses, dtype=np.float64)
        diverged = np.asarray(row.diverged, dtype=bool) | ~np.isfinite(losses)
        shade = np.linspace(0.25, 1.0, len(values)) if len(values) > 1 else np.array([1.0])
        ok = ~diverged
        fig.add_trace(
            go.Scatter(
                x=np.maximum(losses[ok], floor),
                y=[row.label] * int(ok.sum()),
                customdata=np.stack([values[ok], losses[ok]], axis=-1),
                mode="markers",
                marker={
                    "size": 10,
                    "color": shade[ok],
                    "colorscale": [[0.0, "#ffffff"], [1.0, color]],
                    "cmin": 0.0,
                    "cmax": 1.0,
                    "line": {"width": 1, "color": "#333"},
                },
                name=row.label,
                showlegend=False,
                hovertemplate=(
                    f"{row.label} = %{{customdata[0]:{row.value_format}}}<br>"
                    "final loss %{customdata[1]:.3g}<extra></extra>"
                ),
            )
        )
        if diverged.any():
            fig.add_trace(
                go.Scatter(
                    x=[top] * int(diverged.sum()),
                    y=[row.label] * int(diverged.sum()),
                    customdata=values[diverged],
                    mode="markers",
                    marker={
                        "symbol": "x-thin",
                        "size": 10,
                        "line": {"width": 2, "color": "#c0392b"},
                    },
                    name=f"{row.label}: diverged",
                    showlegend=False,
                    hovertemplate=(
                        f"{row.label} = %{{customdata:{row.value_format}}}: diverged<extra></extra>"
                    ),
                )
            )
    for row, ok_losses in zip(rows, finite, strict=True):
        if ok_losses.size:
            shown = np.maximum(ok_losses, floor)
            decades = float(np.log10(shown.max() / shown.min()))
            text = f"{decades:.1f} decades" if decades >= 0.05 else "no change"
        else:
            text = "all diverged"
        fig.add_annotation(
            x=1.0,
            xref="paper",
            xanchor="right",
            y=row.label,
            yshift=14,
            text=text,
            showarrow=False,
            font={"size": 11, "color": "#444"},
        )
    base_layout(fig, title=title, height=height or 110 + 62 * max(len(rows), 1))
    fig.update_xaxes(
        title_text="final loss after the run (log scale, lower is better)",
        type="log",
        exponentformat="power",
    )
    fig.update_yaxes(
        title_text="swept hyperparameter",
        categoryorder="array",
        categoryarray=labels[::-1],
    )
    decade_ticks(fig)
    return fig


def schedule_card_figure(steps: np.ndarray, rates: np.ndarray, title: str, color: str) -> go.Figure:
    """A recommendation's schedule on its card: the rate as a share of the peak."""
    fig = schedule_figure(
        steps,
        [Series(title, rates, color)],
        normalise_to=1.0,
        x_title="step of a 1,000-step run",
        height=190,
    )
    fig.update_layout(showlegend=False, margin={"t": 10, "b": 10})
    fig.update_yaxes(title_text="share of peak", tickformat=".0%")
    return fig

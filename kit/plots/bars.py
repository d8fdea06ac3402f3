"""Bars grouped by category, one colour per series."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from kit.plots.base import base_layout, decade_ticks
from kit.plots.series import Series


def grouped_bar_figure(
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    value_title: str = "",
    title: str | None = None,
    log_y: bool = False,
    text_format: str = ".3g",
    height: int = 300,
    empty_text: str = "no values yet",
) -> go.Figure:
    """Bars grouped by category, one colour per series (e.g. each axis's rate per optimizer).

    Non-finite values (a rate before any gradient arrived) get no bar and the text "—";
    when no value at all is finite, ``empty_text`` is written across the empty plot.
    """
    fig = go.Figure()
    for s in series:
        vals = np.asarray(s.values, dtype=np.float64)
        finite = np.isfinite(vals) & (vals > 0 if log_y else True)
        text = [format(v, text_format) if ok else "—" for v, ok in zip(vals, finite, strict=True)]
        fig.add_trace(
            go.Bar(
                x=list(categories),
                y=np.where(finite, vals, np.nan),
                name=s.label,
                marker={"color": s.color},
                text=text,
                textposition="outside" if not log_y else "auto",
                cliponaxis=False,
                hovertemplate=f"{s.label}<br>%{{x}}: %{{text}}<extra></extra>",
            )
        )
    base_layout(fig, title=title, height=height)
    fig.update_layout(barmode="group", showlegend=len(series) > 1)
    if empty_text and not any(
        np.any(np.isfinite(np.asarray(s.values, dtype=np.float64))) for s in series
    ):
        fig.add_annotation(
            text=empty_text,
            xref="paper",
            yref="paper",
            x=0.5,
            y=0.5,
            showarrow=False,
            font={"size": 13, "color": "#666"},
        )
        fig.update_yaxes(showticklabels=False, showgrid=False)
    fig.update_yaxes(title_text=value_title, type="log" if log_y else "linear")
    if log_y:
        fig.update_yaxes(exponentformat="power")
    decade_ticks(fig)
    return fig

"""Chapter 7's figure builders (no Streamlit): the schedule visualiser with its warmup
slider inside the chart."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go

from kit.plots.curves import schedule_figure
from kit.plots.series import Series
from kit.plots.sweep import add_value_slider


def warmup_title(percent: float, warm: int, total: int) -> str:
    return f"Learning rate over the run: warmup {percent:g} % of T ({warm:,} of {total:,} steps)"


def warmup_drag_figure(
    steps: np.ndarray,
    series_per_percent: Sequence[Sequence[Series]],
    percents: Sequence[float],
    warm_steps: Sequence[int],
    active: int,
    *,
    total: int,
    normalise_to: float | None,
    height: int = 380,
) -> go.Figure:
    """The schedules at warmup ``percents[active]``, with a slider inside the chart over
    every percentage: dragging it redraws the curves, the "warmup ends" line and the
    title in the browser. ``series_per_percent[i]`` are the schedules (same names, same
    order) at ``percents[i]``; ``steps`` is where they are sampled.
    """
    warm = int(warm_steps[active])
    fig = schedule_figure(
        steps,
        list(series_per_percent[active]),
        normalise_to=normalise_to,
        vlines=[(warm, "warmup ends")],  # always present, so each step can move it
        title=warmup_title(percents[active], warm, total),
        height=height,
    )
    shown = [0 < int(w) < total for w in warm_steps]
    fig.layout.shapes[0].visible = shown[active]
    fig.layout.annotations[0].visible = shown[active]
    scale = float(normalise_to) if normalise_to else 1.0
    add_value_slider(
        fig,
        traces=list(range(len(series_per_percent[active]))),
        ys_per_value=[
            [np.asarray(s.values, dtype=np.float64) / scale for s in series]
            for series in series_per_percent
        ],
        labels=[f"{p:g} %" for p in percents],
        titles=[warmup_title(p, int(w), total) for p, w in zip(percents, warm_steps, strict=True)],
        active=active,
        prefix="drag the warmup: ",
        layout_per_value=[
            {
                "shapes[0].x0": int(w),
                "shapes[0].x1": int(w),
                "shapes[0].visible": ok,
                "annotations[0].x": int(w),
                "annotations[0].visible": ok,
            }
            for w, ok in zip(warm_steps, shown, strict=True)
        ],
    )
    return fig

"""A landscape with one run per hyperparameter value and a slider *inside* the figure.

Dragging the slider restyles the path in the browser (Plotly ``update`` steps), with no
Streamlit rerun: the runs for every value are in the figure already (precomputed by
:func:`kit.sweeps.sweep_runs`). Each step also rewrites the title, so the numbers shown
always belong to the run on screen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from kit import palette
from kit.plots.base import AXIS_TITLES, base_layout
from kit.plots.landscape import landscape_image, minima_trace
from kit.plots.series import Grid
from kit.sweeps import SweepRuns

SLIDER_PX = 78  # room under the plot for the in-figure slider and its value label
DIGITS = 4  # decimals of positions sent for each value (the map is a few units wide)


def _rounded_list(a: np.ndarray, digits: int = DIGITS) -> list[float | None]:
    """Plain floats for the slider's arguments (NaN, for a cut path, becomes null)."""
    return [None if not np.isfinite(v) else round(float(v), digits) for v in np.ravel(a)]


def sweep_step_data(runs: SweepRuns, i: int) -> tuple[list, list, list, list]:
    """Value ``i``'s path (cut at its divergence step) and final point, as sent to the browser."""
    stop = runs.diverged(i)
    path = runs.paths[i] if stop is None else runs.paths[i][: stop + 1]
    end = path[-1]
    return (
        _rounded_list(path[:, 0]),
        _rounded_list(path[:, 1]),
        [round(float(end[0]), DIGITS)],
        [round(float(end[1]), DIGITS)],
    )


def sweep_map_figure(
    grid: Grid,
    runs: SweepRuns,
    *,
    value_name: str,
    format_value: Callable[[float], str],
    describe: Callable[[SweepRuns, int], str],
    active: int,
    color: str | None = None,
    minima: Sequence[tuple[float, float]] = (),
    title_prefix: str = "",
    height: int = 420,
    log_color: bool = False,
) -> go.Figure:
    """The landscape, the path for one value of ``runs.param``, and a slider over all values.

    ``describe(runs, i)`` says in a few words what value ``i``'s run did (its final loss,
    its divergence step …); it goes in the title, rewritten by each slider step.
    """
    xs, ys, Z = (np.asarray(a) for a in grid)
    Z = np.asarray(Z, dtype=np.float64)
    color_z = np.log10(Z - float(np.nanmin(Z)) + 1e-3) if log_color else Z
    color = color or palette.optimizer_color(runs.optimizer)
    fig = go.Figure()
    fig.add_layout_image(landscape_image(xs, ys, color_z))
    if minima:
        fig.add_trace(minima_trace(minima))
    fig.add_trace(
        go.Scatter(
            x=[runs.start[0]],
            y=[runs.start[1]],
            mode="markers",
            name="start",
            marker={
                "symbol": "circle-open",
                "size": 14,
                "color": palette.START_COLOR,
                "line": {"width": 2},
            },
            hovertemplate="start (%{x:.3g}, %{y:.3g})<extra></extra>",
        )
    )
    px, py, ex, ey = sweep_step_data(runs, active)
    fig.add_trace(
        go.Scatter(
            x=px,
            y=py,
            mode="lines+markers",
            line={"color": color, "width": 2},
            marker={"size": 4, "color": color},
            name="path",
            hovertemplate="step %{pointNumber}: (%{x:.3g}, %{y:.3g})<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=ex,
            y=ey,
            mode="markers",
            name="end",
            marker={"size": 14, "color": color, "line": {"width": 2, "color": "#fff"}},
            hovertemplate="end (%{x:.3g}, %{y:.3g})<extra></extra>",
        )
    )
    moving = [len(fig.data) - 2, len(fig.data) - 1]

    def title_of(i: int) -> str:
        return f"{title_prefix}{value_name} = {format_value(runs.values[i])}"

    base_layout(fig, title=title_of(active), height=height)
    # What the run did, on its own line just above the map (a two-line title was cut off
    # at the top): each slider step rewrites it with that value's result.
    fig.add_annotation(
        text=describe(runs, active),
        xref="paper",
        yref="paper",
        x=0,
        y=1,
        xanchor="left",
        yanchor="bottom",
        showarrow=False,
        font={"size": 13, "color": "#333"},
    )
    steps = []
    for i, value in enumerate(runs.values):
        px, py, ex, ey = sweep_step_data(runs, i)
        steps.append(
            {
                "label": format_value(value),
                "method": "update",
                "args": [
                    {"x": [px, ex], "y": [py, ey]},
                    {"title.text": title_of(i), "annotations[0].text": describe(runs, i)},
                    moving,
                ],
            }
        )
    bounds = ((float(xs[0]), float(xs[-1])), (float(ys[0]), float(ys[-1])))
    plot_bottom = 10 + SLIDER_PX
    fig.layout._validate = False  # the steps are built here in a known-good shape
    fig.update_layout(
        sliders=[
            {
                "active": int(active),
                "x": 0.0,
                "len": 1.0,
                "y": 0,
                "yanchor": "top",
                "pad": {"t": 48, "b": 0},
                "currentvalue": {
                    "prefix": f"drag {value_name}: ",
                    "font": {"size": 12, "color": "#333"},
                    "xanchor": "left",
                },
                # Per-step labels would overlap at phone width: the current value is
                # printed above the slider instead.
                "font": {"size": 8, "color": "rgba(0,0,0,0)"},
                "steps": steps,
            }
        ],
        meta={"sweep": runs.param},
    )
    fig.layout._validate = True
    fig.update_layout(height=height + SLIDER_PX, margin={"b": plot_bottom}, showlegend=False)
    fig.update_xaxes(
        title_text=AXIS_TITLES[0],
        range=list(bounds[0]),
        constrain="domain",
        showgrid=False,
        zeroline=False,
    )
    fig.update_yaxes(
        title_text=AXIS_TITLES[1], range=list(bounds[1]), showgrid=False, zeroline=False
    )
    fig.update_layout(dragmode=False)
    return fig


def describe_final_loss(runs: SweepRuns, i: int) -> str:
    """ "loss 0.0123 after 60 steps" or "diverged at step 8" for value ``i``."""
    stop = runs.diverged(i)
    if stop is not None:
        return f"diverged at step {stop}"
    return f"loss {float(runs.losses[i, -1]):.3g} after {runs.steps} steps"


def add_value_slider(
    fig: go.Figure,
    *,
    traces: Sequence[int],
    ys_per_value: Sequence[Sequence[np.ndarray]],
    labels: Sequence[str],
    titles: Sequence[str],
    active: int,
    prefix: str,
    layout_per_value: Sequence[dict[str, Any]] | None = None,
    significant: int = 4,
) -> None:
    """Put a slider inside ``fig`` whose step ``i`` sets the y values of ``traces`` to
    ``ys_per_value[i]`` and the title to ``titles[i]`` (plus ``layout_per_value[i]``),
    all in the browser. ``fig``'s own data should show value ``active``.
    """
    steps = []
    for i, label in enumerate(labels):
        layout = {"title.text": titles[i], **(layout_per_value[i] if layout_per_value else {})}
        ys = [
            [None if not np.isfinite(v) else float(f"{v:.{significant}g}") for v in np.ravel(y)]
            for y in ys_per_value[i]
        ]
        steps.append(
            {"label": label, "method": "update", "args": [{"y": ys}, layout, list(traces)]}
        )
    height = int(fig.layout.height or 360)
    fig.layout._validate = False  # the steps are built here in a known-good shape
    fig.update_layout(
        sliders=[
            {
                "active": int(active),
                "x": 0.0,
                "len": 1.0,
                "y": 0,
                "yanchor": "top",
                "pad": {"t": 48, "b": 0},
                "currentvalue": {
                    "prefix": prefix,
                    "font": {"size": 12, "color": "#333"},
                    "xanchor": "left",
                },
                # Per-step labels would overlap at phone width: the current value is
                # printed above the slider instead.
                "font": {"size": 8, "color": "rgba(0,0,0,0)"},
                "steps": steps,
            }
        ],
        meta={"sweep": prefix},
    )
    fig.layout._validate = True
    fig.update_layout(
        title_text=titles[active], height=height + SLIDER_PX, margin={"b": 10 + SLIDER_PX}
    )

"""What every figure shares: layout, log-axis ticks, client-side playback, payload trims.

Figure builders (here in :mod:`kit.plots` and in each chapter's ``figures.py``) take
arrays and return a ``go.Figure``; none calls Streamlit, so each is testable alone.
Shared rules:

- Grids are sent as float32 and surfaces skip hover, which keeps a figure small
  (a 100×100 contour is about 66 KB of JSON).
- Playback is client-side: frames carry only the moving markers (``traces=[…]``)
  and the full path is drawn faintly in the base figure, so a 150-frame animation
  adds only a few tens of KB.
- Trajectory colours come from :mod:`kit.palette`, so an optimizer looks the same
  on every page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

MAX_FRAMES = 150  # a longer run is subsampled for playback
MAX_PATH_POINTS = 2000  # a longer path is subsampled for drawing
FRAME_MS = 80  # frame duration at 1× speed
PLAYBACK_SPEEDS: tuple[tuple[str, float], ...] = (("▶ 0.5×", 0.5), ("▶ 1×", 1.0), ("▶ 3×", 3.0))
AXIS_TITLES = ("θ₁", "θ₂")


def frame_indices(first: int, last: int, max_frames: int = MAX_FRAMES) -> list[int]:
    """Step indices to show as animation frames from ``first`` to ``last`` inclusive.

    At most ``max_frames`` indices, evenly spread, always including both ends.
    """
    first, last = int(first), int(last)
    if last < first:
        return []
    count = last - first + 1
    if count <= max_frames:
        return list(range(first, last + 1))
    picked = np.unique(np.round(np.linspace(first, last, max_frames)).astype(int))
    return [int(i) for i in picked]


def thin(n_points: int, limit: int = MAX_PATH_POINTS) -> np.ndarray:
    """Indices that keep at most ``limit`` of ``n_points`` points, first and last included."""
    if n_points <= limit:
        return np.arange(n_points)
    return np.unique(np.round(np.linspace(0, n_points - 1, limit)).astype(int))


def f32(a: Any) -> np.ndarray:
    return np.asarray(a, dtype=np.float32)


def rounded(value: float, digits: int = 5) -> float:
    """A rounded Python float, so animation frames stay short in JSON."""
    return round(float(value), digits)


def figure_json_size(fig: go.Figure) -> int:
    """Characters of JSON that Streamlit sends for ``fig`` (the payload budget is 300 KB)."""
    return len(fig.to_json())


def base_layout(fig: go.Figure, *, title: str | None, height: int) -> None:
    # The title sits at the very top and the legend just above the plot, with room for both.
    fig.update_layout(
        title={
            "text": title,
            "x": 0.01,
            "y": 0.985,
            "yref": "container",
            "yanchor": "top",
            "font": {"size": 15},
        }
        if title
        else None,
        height=height,
        margin={"l": 10, "r": 10, "t": 72 if title else 34, "b": 10},
        legend={"orientation": "h", "yanchor": "bottom", "y": 1.01, "x": 0.0, "font": {"size": 11}},
        hovermode="closest",
    )
    _place_playback(fig, height)


def _axis_values(fig: go.Figure, axis_name: str) -> np.ndarray:
    """Every finite positive value drawn against layout axis ``axis_name`` ("xaxis2" …)."""
    letter, ref = axis_name[0], axis_name.replace("axis", "")
    values = []
    for trace in fig.data:
        # A trace without xaxis/yaxis is drawn against the first axes, "x" and "y".
        if (getattr(trace, f"{letter}axis", None) or letter) != ref:
            continue
        raw = getattr(trace, letter, None)
        if raw is None:
            continue
        try:
            data = np.asarray(raw, dtype=np.float64).ravel()
        except (TypeError, ValueError):
            continue
        values.append(data[np.isfinite(data) & (data > 0)])
    return np.concatenate(values) if values else np.array([])


def decade_ticks(fig: go.Figure) -> None:
    """On log axes that span a few decades, label the powers of ten only.

    Plotly otherwise adds small "2" and "5" labels between the powers, which crowd the
    axis. Axes spanning less than a decade (where those labels are the only ones) or many
    decades (where Plotly already skips them) are left as they are.
    """
    for name in list(fig.layout.to_plotly_json()):
        if not name.startswith(("xaxis", "yaxis")):
            continue
        axis = fig.layout[name]
        if axis.type != "log" or axis.dtick is not None or axis.tickvals is not None:
            continue
        if axis.range is not None:
            low, high = (float(v) for v in axis.range)
        else:
            values = _axis_values(fig, name)
            if values.size == 0:
                continue
            low, high = np.log10(values.min()), np.log10(values.max())
        if 1.0 <= high - low <= 8.0:
            axis.dtick = 1


CONTROLS_PX = 132  # room under the plot for the play buttons and the step scrubber


def _place_playback(fig: go.Figure, base_height: int) -> None:
    """Put playback controls in two rows under the x-axis title, in pixels.

    Idempotent: ``base_height`` is the figure's height without the controls, so calling
    it again (e.g. from a later :func:`base_layout`) does not grow the figure.
    """
    if not fig.layout.sliders or not fig.layout.updatemenus:
        return
    height = int(base_height) + CONTROLS_PX
    top = int(fig.layout.margin.t if fig.layout.margin.t is not None else 40)
    bottom = 10 + CONTROLS_PX
    plot_px = max(height - top - bottom, 100)
    fig.layout.height = height
    fig.layout.margin.b = bottom
    fig.layout.updatemenus[0].y = -60 / plot_px
    fig.layout.sliders[0].y = -98 / plot_px


def quick_frame(data: Sequence[Any], traces: Sequence[int], name: str) -> go.Frame:
    """A playback frame built without plotly's per-property validation.

    Frames only move markers the figure already validated; validating 150 of them on
    every rerun cost tens of milliseconds a chart.
    """
    return _QuickFrame(data=list(data), traces=list(traces), name=name, _validate=False)


class _QuickFrame(go.Frame):
    """A ``go.Frame`` kept unvalidated (see :func:`quick_frame`).

    Serialising (``to_dict``, ``to_json``, ``st.plotly_chart``) reads the raw
    properties; reading ``.data`` (tests, introspection) validates a copy on demand,
    which plotly cannot do for an unvalidated frame.
    """

    @property
    def data(self) -> tuple[Any, ...]:
        return go.Frame(data=(self._props or {}).get("data", [])).data


def add_playback(
    fig: go.Figure,
    frames: list[go.Frame],
    *,
    redraw: bool,
    frame_ms: int = FRAME_MS,
    slider_prefix: str = "step ",
) -> None:
    """Attach client-side play buttons (several speeds), pause and a step scrubber.

    Call after :func:`base_layout`: the controls go in two rows under the x-axis
    title (buttons, then the scrubber), placed in pixels so they never overlap it.
    """
    if all(isinstance(fr, go.Frame) for fr in frames):
        # ``fig.frames = frames`` copies and re-validates every frame (undoing
        # :func:`quick_frame`: ~50 ms for 150 frames); ready-made frames are kept as they are.
        fig._frame_objs = tuple(frames)
    else:
        fig.frames = frames
    buttons = [
        {
            "label": label,
            "method": "animate",
            "args": [
                None,
                {
                    "frame": {"duration": int(frame_ms / speed), "redraw": redraw},
                    "transition": {"duration": 0},
                    "fromcurrent": True,
                    "mode": "immediate",
                },
            ],
        }
        for label, speed in PLAYBACK_SPEEDS
    ]
    buttons.append(
        {
            "label": "Pause",
            "method": "animate",
            "args": [[None], {"frame": {"duration": 0, "redraw": False}, "mode": "immediate"}],
        }
    )
    base_height = int(fig.layout.height or 440)
    # The controls are built here in a fixed, known-good shape; validating one slider
    # step per frame costs ~7 ms a chart on every rerun, so it is switched off for it.
    fig.layout._validate = False
    fig.update_layout(
        updatemenus=[
            {
                "type": "buttons",
                "direction": "left",
                "showactive": False,
                "x": 0.0,
                "xanchor": "left",
                "yanchor": "top",
                "pad": {"t": 0, "r": 4},
                "buttons": buttons,
                "font": {"size": 11},
            }
        ],
        sliders=[
            {
                "active": len(frames) - 1,
                "x": 0.0,
                "len": 1.0,
                "yanchor": "top",
                "pad": {"t": 0, "b": 0},
                "currentvalue": {"prefix": slider_prefix, "font": {"size": 11}, "xanchor": "left"},
                "font": {"size": 8, "color": "rgba(0,0,0,0)"},  # hide per-step labels
                "ticklen": 0,
                "minorticklen": 0,
                "steps": [
                    {
                        "label": fr.name,
                        "method": "animate",
                        "args": [
                            [fr.name],
                            {
                                "frame": {"duration": 0, "redraw": redraw},
                                "transition": {"duration": 0},
                                "mode": "immediate",
                            },
                        ],
                    }
                    for fr in frames
                ],
            }
        ],
    )
    fig.layout._validate = True
    _place_playback(fig, base_height)


def vline(
    x: float,
    line: dict[str, Any],
    text: str | None = None,
    position: str = "top right",
    font: dict[str, Any] | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A full-height vertical line (and its label) as plain layout dicts, like add_vline."""
    shape = {
        "type": "line",
        "xref": "x",
        "yref": "y domain",
        "x0": x,
        "x1": x,
        "y0": 0,
        "y1": 1,
        "line": line,
    }
    if text is None:
        return shape, []
    top = position.startswith("top")
    note = {
        "x": x,
        "xref": "x",
        "y": 1 if top else 0,
        "yref": "y domain",
        "text": text,
        "showarrow": False,
        "xanchor": "left" if position.endswith("right") else "right",
        "yanchor": "top" if top else "bottom",
        "font": font or {},
    }
    return shape, [note]


def add_layout_items(
    fig: go.Figure, shapes: Sequence[dict] = (), annotations: Sequence[dict] = ()
) -> None:
    """Add many shapes and annotations in one layout update (each add_vline or
    add_annotation call re-validates the whole layout: tens of milliseconds a page)."""
    fig.update_layout(
        shapes=[*fig.layout.shapes, *shapes],
        annotations=[*fig.layout.annotations, *annotations],
    )

"""Pure figure builders: every function takes arrays and returns a ``go.Figure``.

No Streamlit here, so each builder is testable on its own. Shared rules:

- Grids are sent as float32 and surfaces skip hover, which keeps a figure small
  (a 100×100 contour is about 66 KB of JSON).
- Playback is client-side: frames carry only the moving markers (``traces=[…]``)
  and the full path is drawn faintly in the base figure, so a 150-frame animation
  adds only a few tens of KB.
- Trajectory colours come from :mod:`ui.palette`, so an optimizer looks the same
  on every page.

Typical use::

    xs, ys, Z = land.grid(100)
    path = PathTrace("SGD η=0.1", run.path, run.losses, optimizer_color("sgd"))
    fig = landscape_figure((xs, ys, Z), trajectories=[path], start=run.start,
                           minima=land.minima, animate_from=0, click_grid=40)
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, is_dataclass
from typing import Any, Literal

import numpy as np
import plotly.graph_objects as go

from ui import palette

Point = tuple[float, float]
Grid = tuple[np.ndarray, np.ndarray, np.ndarray]  # xs (n,), ys (m,), Z (m, n)

MAX_FRAMES = 150  # a longer run is subsampled for playback
MAX_PATH_POINTS = 2000  # a longer path is subsampled for drawing
FRAME_MS = 80  # frame duration at 1× speed
PLAYBACK_SPEEDS: tuple[tuple[str, float], ...] = (("▶ 0.5×", 0.5), ("▶ 1×", 1.0), ("▶ 3×", 3.0))
AXIS_TITLES = ("θ₁", "θ₂")


@dataclass(frozen=True)
class PathTrace:
    """One optimizer run to draw: positions (n+1, 2) and losses (n+1,) from step 0 to n.

    ``diverged_at`` is the engine's first bad step (the run is frozen from there on);
    the path and loss curve are cut there and labelled.
    """

    label: str
    path: np.ndarray
    losses: np.ndarray
    color: str = palette.FALLBACK_COLOR
    diverged_at: int | None = None
    marker_step: int | None = None  # where the "now" marker sits (default: the last step)

    @property
    def last_index(self) -> int:
        """Index of the last step worth drawing (the divergence step, if any)."""
        n = len(self.losses) - 1
        return n if self.diverged_at is None else min(self.diverged_at, n)

    @property
    def marker_index(self) -> int:
        """Step of the marker: ``marker_step`` clamped into the drawn path, else the last."""
        if self.marker_step is None:
            return self.last_index
        return max(0, min(int(self.marker_step), self.last_index))


@dataclass(frozen=True)
class Arrow:
    """An arrow from ``tail`` along ``vector`` (data coordinates), e.g. −η∇L or the velocity."""

    tail: Point
    vector: Point
    color: str = palette.GRADIENT_COLOR
    label: str = ""
    dashed: bool = False


# --------------------------------------------------------------------------- helpers


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


def _thin(n_points: int, limit: int = MAX_PATH_POINTS) -> np.ndarray:
    """Indices that keep at most ``limit`` of ``n_points`` points, first and last included."""
    if n_points <= limit:
        return np.arange(n_points)
    return np.unique(np.round(np.linspace(0, n_points - 1, limit)).astype(int))


def _f32(a: Any) -> np.ndarray:
    return np.asarray(a, dtype=np.float32)


def _r(value: float, digits: int = 5) -> float:
    """A rounded Python float, so animation frames stay short in JSON."""
    return round(float(value), digits)


def figure_json_size(fig: go.Figure) -> int:
    """Characters of JSON that Streamlit sends for ``fig`` (the payload budget is 300 KB)."""
    return len(fig.to_json())


def _base_layout(fig: go.Figure, *, title: str | None, height: int) -> None:
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


def _decade_ticks(fig: go.Figure) -> None:
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
    it again (e.g. from a later :func:`_base_layout`) does not grow the figure.
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


def _frame(data: Sequence[Any], traces: Sequence[int], name: str) -> go.Frame:
    """A playback frame built without plotly's per-property validation.

    Frames only move markers the figure already validated; validating 150 of them on
    every rerun cost tens of milliseconds a chart.
    """
    return _QuickFrame(data=list(data), traces=list(traces), name=name, _validate=False)


class _QuickFrame(go.Frame):
    """A ``go.Frame`` kept unvalidated (see :func:`_frame`).

    Serialising (``to_dict``, ``to_json``, ``st.plotly_chart``) reads the raw
    properties; reading ``.data`` (tests, introspection) validates a copy on demand,
    which plotly cannot do for an unvalidated frame.
    """

    @property
    def data(self) -> tuple[Any, ...]:
        return go.Frame(data=(self._props or {}).get("data", [])).data


def _add_playback(
    fig: go.Figure,
    frames: list[go.Frame],
    *,
    redraw: bool,
    frame_ms: int = FRAME_MS,
    slider_prefix: str = "step ",
) -> None:
    """Attach client-side play buttons (several speeds), pause and a step scrubber.

    Call after :func:`_base_layout`: the controls go in two rows under the x-axis
    title (buttons, then the scrubber), placed in pixels so they never overlap it.
    """
    if all(isinstance(fr, go.Frame) for fr in frames):
        # ``fig.frames = frames`` copies and re-validates every frame (undoing
        # :func:`_frame`: ~50 ms for 150 frames); ready-made frames are kept as they are.
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


def _vline(
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


def _add_layout_items(
    fig: go.Figure, shapes: Sequence[dict] = (), annotations: Sequence[dict] = ()
) -> None:
    """Add many shapes and annotations in one layout update (each add_vline or
    add_annotation call re-validates the whole layout: tens of milliseconds a page)."""
    fig.update_layout(
        shapes=[*fig.layout.shapes, *shapes],
        annotations=[*fig.layout.annotations, *annotations],
    )


# --------------------------------------------------------------------------- landscapes


def click_grid_points(bounds: tuple[Point, Point], n: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """Flattened x and y of an ``n``×``n`` grid spanning ``bounds`` (for click-to-set-start)."""
    (x0, x1), (y0, y1) = bounds
    gx, gy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    return gx.ravel(), gy.ravel()


def click_grid_trace(bounds: tuple[Point, Point], n: int = 40) -> go.Scatter:
    """The invisible n×n grid of markers a click on a map selects (see :func:`pick_start`).

    Contour, heatmap and surface traces report no selected points, so the click lands
    on one of these markers instead; they stay invisible even when selected.
    """
    gx, gy = click_grid_points(bounds, n)
    return go.Scatter(
        x=_f32(gx),
        y=_f32(gy),
        mode="markers",
        marker={"size": 14, "opacity": 0, "color": "#000"},
        selected={"marker": {"opacity": 0}},
        unselected={"marker": {"opacity": 0}},
        hovertemplate="click to start here<br>(%{x:.2f}, %{y:.2f})<extra></extra>",
        name="click to start",
        showlegend=False,
    )


def pick_start(selection: Any, bounds: tuple[Point, Point]) -> Point | None:
    """The start point a click chose, or None when the payload holds no usable point.

    ``selection`` is ``st.session_state[chart_key].selection`` (a dict-like with a
    ``points`` list whose items carry ``x`` and ``y``). The point is clamped into
    ``bounds`` and rounded to 3 decimals so the start reads cleanly on screen.
    """
    try:
        points = selection["points"]
    except (KeyError, TypeError, IndexError):
        points = getattr(selection, "points", None)
    if not points:
        return None
    for point in points:
        try:
            x, y = float(point["x"]), float(point["y"])
        except (KeyError, TypeError, ValueError):
            continue
        if not (np.isfinite(x) and np.isfinite(y)):
            continue
        (x0, x1), (y0, y1) = bounds
        x = min(max(x, min(x0, x1)), max(x0, x1))
        y = min(max(y, min(y0, y1)), max(y0, y1))
        return round(x, 3), round(y, 3)
    return None


def _path_hover(trace: PathTrace, idx: np.ndarray) -> dict[str, Any]:
    return {
        "customdata": np.stack([idx, _f32(trace.losses)[idx]], axis=-1).astype(np.float32),
        "hovertemplate": (
            f"<b>{trace.label}</b><br>step %{{customdata[0]:.0f}}<br>"
            "θ = (%{x:.3f}, %{y:.3f})<br>loss %{customdata[1]:.4g}<extra></extra>"
        ),
    }


def landscape_image(
    xs: np.ndarray,
    ys: np.ndarray,
    z: np.ndarray,
    *,
    levels: int = 22,
    light_valleys: bool = False,
    max_pixels: int = 300,
    axes: tuple[str, str] = ("x", "y"),
) -> dict[str, Any]:
    """A loss grid as a banded PNG for ``fig.add_layout_image`` (looks like a filled contour).

    ``z[i, j]`` is the value at ``(xs[j], ys[i])``. The grid is resampled (bilinear) to
    at most ``max_pixels`` a side, cut into ``levels`` equal bands coloured from
    :data:`palette.LANDSCAPE_COLORSCALE`, and band edges are darkened like contour
    lines. Layout images survive client-side animation, unlike contour traces.
    The PNG is memoised by the grid's content: every rerun redraws the same maps.
    """
    xs = np.asarray(xs, dtype=np.float64)
    ys = np.asarray(ys, dtype=np.float64)
    z = np.asarray(z, dtype=np.float64)
    key = (
        hashlib.blake2b(xs.tobytes() + ys.tobytes() + z.tobytes(), digest_size=16).digest(),
        z.shape,
        levels,
        light_valleys,
        max_pixels,
    )
    source = _IMAGE_CACHE.get(key)
    if source is None:
        source = _landscape_png(xs, ys, z, levels, light_valleys, max_pixels)
        if len(_IMAGE_CACHE) >= _IMAGE_CACHE_SIZE:
            _IMAGE_CACHE.pop(next(iter(_IMAGE_CACHE)))  # drop the oldest
        _IMAGE_CACHE[key] = source
    return {
        "source": source,
        "xref": axes[0],
        "yref": axes[1],
        "x": float(xs[0]),
        "y": float(ys[-1]),
        "sizex": float(xs[-1] - xs[0]),
        "sizey": float(ys[-1] - ys[0]),
        "xanchor": "left",
        "yanchor": "top",
        "sizing": "stretch",
        "layer": "below",
    }


_IMAGE_CACHE: dict[tuple, str] = {}
_IMAGE_CACHE_SIZE = 64


def _landscape_png(
    xs: np.ndarray, ys: np.ndarray, z: np.ndarray, levels: int, light_valleys: bool, max_pixels: int
) -> str:
    """The banded PNG of :func:`landscape_image` as a data URI."""
    import base64
    import io

    from PIL import Image
    from plotly.colors import sample_colorscale

    n_x = min(max_pixels, max(2, 3 * len(xs)))
    n_y = min(max_pixels, max(2, 3 * len(ys)))
    fx = np.linspace(0, len(xs) - 1, n_x)
    fy = np.linspace(0, len(ys) - 1, n_y)
    cols = np.stack([np.interp(fx, np.arange(len(xs)), row) for row in z])  # (m, n_x)
    fine = np.stack([np.interp(fy, np.arange(len(ys)), col) for col in cols.T], axis=1)
    finite = np.isfinite(fine)
    lo = float(np.min(fine[finite])) if finite.any() else 0.0
    hi = float(np.max(fine[finite])) if finite.any() else 1.0
    t = np.where(finite, (fine - lo) / (hi - lo if hi > lo else 1.0), 1.0)
    band = np.clip((t * levels).astype(int), 0, levels - 1)
    positions = np.linspace(0.0, 1.0, levels)
    if not light_valleys:
        positions = positions[::-1]
    lut = np.array(
        [
            [int(c) for c in rgb[4:-1].split(",")]
            for rgb in sample_colorscale(palette.LANDSCAPE_COLORSCALE, list(positions))
        ],
        dtype=np.float64,
    )
    rgb = lut[band]
    edge = np.zeros(band.shape, dtype=bool)
    edge[:, 1:] |= band[:, 1:] != band[:, :-1]
    edge[1:, :] |= band[1:, :] != band[:-1, :]
    rgb[edge] *= 0.82
    image = Image.fromarray(np.ascontiguousarray(rgb[::-1].astype(np.uint8)), mode="RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def landscape_figure(
    grid: Grid,
    *,
    view: Literal["2d", "3d"] = "2d",
    trajectories: Sequence[PathTrace] = (),
    start: Point | None = None,
    minima: Sequence[Point] = (),
    saddles: Sequence[Point] = (),
    arrows: Sequence[Arrow] = (),
    ghost: Point | None = None,
    loss_fn: Callable[[np.ndarray], np.ndarray] | None = None,
    animate_from: int | None = None,
    click_grid: int = 0,
    log_color: bool = False,
    title: str | None = None,
    height: int | None = None,
    frame_ms: int = FRAME_MS,
    max_frames: int = MAX_FRAMES,
    max_path_points: int = MAX_PATH_POINTS,
    raster: bool = True,
    light_valleys: bool = False,
) -> go.Figure:
    """A loss landscape (contour or 3-D surface) with optimizer paths on it.

    Parameters
    ----------
    grid
        ``(xs, ys, Z)`` as returned by ``landscape.grid(n)``; keep n ≤ 150.
    view
        ``"2d"`` contour or ``"3d"`` surface.
    trajectories
        Runs to draw; each gets a faint full path and a marker at its last point.
    start, minima, saddles, ghost
        Points to mark. ``ghost`` is a hollow marker (e.g. Nesterov's lookahead).
    arrows
        Gradient / velocity arrows (2-D annotations; 3-D lines, needs ``loss_fn``).
    loss_fn
        ``xy (..., 2) -> loss``; gives heights for markers in 3-D.
    animate_from
        Add playback frames moving each run's marker from this step to its end.
    click_grid
        Side of an invisible ``n``×``n`` scatter grid (2-D only) whose points a click
        selects; read it with :func:`pick_start`.
    log_color
        Colour by log10(loss − min) so steep landscapes (Rosenbrock) show their valley.
    frame_ms, max_frames, max_path_points
        Playback speed (ms per frame at 1×) and payload caps: many runs on one map
        (the arena) pass smaller caps so the figure stays within its JSON budget.
    raster
        2-D only (default): paint the landscape as a banded background image instead
        of a contour trace. plotly.js removes contour and heatmap traces while it
        animates other traces without redraw, so with a contour the map would vanish
        during ▶ playback; the image also weighs less (see :func:`landscape_image`).
        ``raster=False`` keeps a contour trace for static figures that want one.
    light_valleys
        Colour low loss light and high loss dark (the default is the reverse), so
        dark arrows and paths drawn in the valley stand out.
    """
    xs, ys, Z = (np.asarray(a) for a in grid)
    Z = np.asarray(Z, dtype=np.float64)
    zmin = float(np.nanmin(Z))
    color_z = np.log10(Z - zmin + 1e-3) if log_color else Z
    is3d = view == "3d"
    fig = go.Figure()
    bounds = ((float(xs[0]), float(xs[-1])), (float(ys[0]), float(ys[-1])))

    def height_of(points: np.ndarray) -> np.ndarray:
        if loss_fn is None:
            return np.full(points.shape[:-1], zmin)
        with np.errstate(all="ignore"):
            return np.asarray(loss_fn(points), dtype=np.float64)

    if is3d:
        fig.add_trace(
            go.Surface(
                x=_f32(xs),
                y=_f32(ys),
                z=_f32(Z),
                surfacecolor=_f32(color_z) if log_color else None,
                colorscale=palette.LANDSCAPE_COLORSCALE,
                reversescale=not light_valleys,
                showscale=False,
                opacity=0.92,
                hoverinfo="skip",
                name="loss surface",
                showlegend=False,
                contours={"z": {"show": True, "usecolormap": True, "width": 1}},
            )
        )
    else:
        if raster:
            fig.add_layout_image(landscape_image(xs, ys, color_z, light_valleys=light_valleys))
            fig.update_xaxes(showgrid=False, zeroline=False)
            fig.update_yaxes(showgrid=False, zeroline=False)
        else:
            fig.add_trace(
                go.Contour(
                    x=_f32(xs),
                    y=_f32(ys),
                    z=_f32(color_z),
                    colorscale=palette.LANDSCAPE_COLORSCALE,
                    reversescale=not light_valleys,
                    ncontours=22,
                    showscale=False,
                    hoverinfo="skip",
                    line={"width": 0.6, "color": "rgba(40,40,40,0.35)"},
                    name="loss",
                    showlegend=False,
                )
            )
        if click_grid:
            fig.add_trace(click_grid_trace(bounds, click_grid))

    def add_points(points: Sequence[Point], **style: Any) -> None:
        if not points:
            return
        pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
        common = {"mode": "markers", "showlegend": True, **style}
        if is3d:
            fig.add_trace(go.Scatter3d(x=pts[:, 0], y=pts[:, 1], z=height_of(pts), **common))
        else:
            fig.add_trace(go.Scatter(x=pts[:, 0], y=pts[:, 1], **common))

    unchanged = {"marker": {"opacity": 1}}  # a click selection must not dim these
    star = {"symbol": "star" if not is3d else "diamond", "size": 16 if not is3d else 6}
    add_points(
        list(minima),
        name="minimum",
        marker={**star, "color": palette.MINIMUM_COLOR, "line": {"width": 1, "color": "#333"}},
        hovertemplate="minimum (%{x:.3g}, %{y:.3g})<extra></extra>",
        **({} if is3d else {"unselected": unchanged}),
    )
    add_points(
        list(saddles),
        name="saddle point",
        marker={
            "symbol": "x" if not is3d else "cross",
            "size": 12 if not is3d else 5,
            "color": palette.SADDLE_COLOR,
            "line": {"width": 2, "color": "#333"},
        },
        hovertemplate="saddle (%{x:.3g}, %{y:.3g})<extra></extra>",
        **({} if is3d else {"unselected": unchanged}),
    )
    if start is not None:
        add_points(
            [start],
            name="start",
            marker={
                "symbol": "circle-open",
                "size": 14 if not is3d else 6,
                "color": palette.START_COLOR,
                "line": {"width": 2},
            },
            hovertemplate="start (%{x:.3g}, %{y:.3g})<extra></extra>",
            **({} if is3d else {"unselected": unchanged}),
        )

    moving: list[int] = []
    for trace in trajectories:
        last = trace.last_index
        path = np.asarray(trace.path, dtype=np.float64)[: last + 1]
        idx = _thin(len(path), max_path_points)
        pts = path[idx]
        line_style = {"color": trace.color, "width": 2}
        if is3d:
            z = _f32(trace.losses)[idx]
            fig.add_trace(
                go.Scatter3d(
                    x=_f32(pts[:, 0]),
                    y=_f32(pts[:, 1]),
                    z=z,
                    mode="lines+markers",
                    line=line_style,
                    marker={"size": 2, "color": trace.color},
                    opacity=0.55,
                    name=trace.label,
                    legendgroup=trace.label,
                    hoverinfo="skip",
                )
            )
            end = path[trace.marker_index]
            fig.add_trace(
                go.Scatter3d(
                    x=[_r(end[0])],
                    y=[_r(end[1])],
                    z=[_r(trace.losses[trace.marker_index])],
                    mode="markers",
                    marker={"size": 7, "color": trace.color, "line": {"width": 1, "color": "#fff"}},
                    name=trace.label,
                    legendgroup=trace.label,
                    showlegend=False,
                    hoverinfo="skip",
                )
            )
        else:
            fig.add_trace(
                go.Scatter(
                    x=_f32(pts[:, 0]),
                    y=_f32(pts[:, 1]),
                    mode="lines+markers",
                    line=line_style,
                    marker={"size": 4, "color": trace.color},
                    opacity=0.6,
                    name=trace.label,
                    legendgroup=trace.label,
                    unselected=unchanged,
                    **_path_hover(trace, idx),
                )
            )
            end = path[trace.marker_index]
            fig.add_trace(
                go.Scatter(
                    x=[_r(end[0])],
                    y=[_r(end[1])],
                    mode="markers",
                    marker={
                        "size": 15,
                        "color": trace.color,
                        "line": {"width": 2, "color": "#ffffff"},
                    },
                    name=trace.label,
                    legendgroup=trace.label,
                    showlegend=False,
                    unselected=unchanged,
                    hovertemplate=f"{trace.label}: now here<extra></extra>"
                    if trace.marker_step is None
                    else f"{trace.label}: step {trace.marker_index}<extra></extra>",
                )
            )
        moving.append(len(fig.data) - 1)
        if trace.diverged_at is not None:
            _mark_divergence(fig, path[-1], trace, is3d)

    if ghost is not None:
        add_points(
            [ghost],
            name="lookahead",
            marker={
                "symbol": "circle-open",
                "size": 16 if not is3d else 7,
                "color": palette.GHOST_COLOR,
                "line": {"width": 2},
            },
            hovertemplate="lookahead (%{x:.3g}, %{y:.3g})<extra></extra>",
            **({} if is3d else {"unselected": unchanged}),
        )

    for arrow in arrows:
        _add_arrow(fig, arrow, is3d=is3d, height_of=height_of)

    _base_layout(fig, title=title, height=height or (520 if is3d else 440))
    if animate_from is not None and trajectories:
        last_step = max(t.last_index for t in trajectories)
        steps = frame_indices(max(0, animate_from), last_step, max_frames)
        frames = []
        for k in steps:
            data = []
            for trace in trajectories:
                i = min(k, trace.last_index)
                x, y = trace.path[i]
                if is3d:
                    data.append(
                        go.Scatter3d(x=[_r(x)], y=[_r(y)], z=[_r(trace.losses[i])], _validate=False)
                    )
                else:
                    data.append(go.Scatter(x=[_r(x)], y=[_r(y)], _validate=False))
            frames.append(_frame(data, moving, str(k)))
        if len(frames) > 1:
            # 3-D scenes only repaint with redraw; 2-D markers glide without it.
            # ``frame_ms``: milliseconds per frame at 1× (a page's speed control).
            _add_playback(fig, frames, redraw=is3d, frame_ms=max(1, int(frame_ms)))

    if is3d:
        fig.update_layout(
            scene={
                "xaxis": {"title": {"text": AXIS_TITLES[0]}, "range": list(bounds[0])},
                "yaxis": {"title": {"text": AXIS_TITLES[1]}, "range": list(bounds[1])},
                "zaxis": {"title": {"text": "loss"}},
                "camera": {"eye": {"x": 1.35, "y": -1.35, "z": 0.9}},
                "aspectmode": "manual",
                "aspectratio": {"x": 1, "y": 1, "z": 0.6},
            },
            uirevision="keep-camera",
        )
    else:
        fig.update_xaxes(title_text=AXIS_TITLES[0], range=list(bounds[0]), constrain="domain")
        fig.update_yaxes(title_text=AXIS_TITLES[1], range=list(bounds[1]))
        fig.update_layout(clickmode="event+select", dragmode=False)
    return fig


def _mark_divergence(fig: go.Figure, where: np.ndarray, trace: PathTrace, is3d: bool) -> None:
    text = f"{trace.label}: diverged at step {trace.diverged_at}"
    if is3d:
        return  # the loss curve carries the label; 3-D text is hard to read
    fig.add_annotation(
        x=float(where[0]),
        y=float(where[1]),
        text=text,
        showarrow=True,
        arrowhead=2,
        arrowcolor=palette.DIVERGED_COLOR,
        font={"color": palette.DIVERGED_COLOR, "size": 12},
        bgcolor="rgba(255,255,255,0.85)",
        ax=30,
        ay=-30,
    )


def _add_arrow(
    fig: go.Figure,
    arrow: Arrow,
    *,
    is3d: bool,
    height_of: Callable[[np.ndarray], np.ndarray],
) -> None:
    tail = np.asarray(arrow.tail, dtype=np.float64)
    head = tail + np.asarray(arrow.vector, dtype=np.float64)
    if not (np.all(np.isfinite(tail)) and np.all(np.isfinite(head))):
        return
    if is3d:
        z = height_of(np.stack([tail, head]))
        fig.add_trace(
            go.Scatter3d(
                x=[tail[0], head[0]],
                y=[tail[1], head[1]],
                z=z,
                mode="lines+markers",
                line={"color": arrow.color, "width": 6, "dash": "dash" if arrow.dashed else None},
                marker={"size": [0, 5], "color": arrow.color, "symbol": "diamond"},
                name=arrow.label or "arrow",
                hoverinfo="skip",
            )
        )
        return
    fig.add_annotation(
        x=float(head[0]),
        y=float(head[1]),
        ax=float(tail[0]),
        ay=float(tail[1]),
        xref="x",
        yref="y",
        axref="x",
        ayref="y",
        showarrow=True,
        arrowhead=3,
        arrowsize=1.2,
        arrowwidth=2.5,
        arrowcolor=arrow.color,
        text="",
    )
    if arrow.label:
        fig.add_annotation(
            x=float(head[0]),
            y=float(head[1]),
            text=arrow.label,
            showarrow=False,
            font={"color": arrow.color, "size": 12},
            xanchor="left",
            yanchor="bottom",
            bgcolor="rgba(255,255,255,0.7)",
        )


# --------------------------------------------------------------------------- curves


def _log_axis_ok(values: np.ndarray) -> bool:
    finite = values[np.isfinite(values)]
    return finite.size > 0 and bool(np.all(finite >= 0)) and bool(np.any(finite > 0))


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
    use_log = _log_axis_ok(all_values) if log_y is None else log_y
    floor = None
    if use_log:
        positive = all_values[np.isfinite(all_values) & (all_values > 0)]
        floor = float(positive.min()) * 1e-2 if positive.size else 1e-12
        floor = max(floor, 1e-300)
    for run, losses in zip(runs, cut, strict=True):
        idx = _thin(len(losses), max_points)
        ys = losses[idx]
        if use_log and floor is not None:
            ys = np.where(ys > 0, ys, floor)
        fig.add_trace(
            go.Scatter(
                x=idx.astype(np.int32),
                y=ys.astype(np.float32) if np.all(np.abs(ys[np.isfinite(ys)]) < 3e38) else ys,
                # One point (a run not yet stepped) would be an invisible line: draw a dot.
                mode="lines" if len(idx) > 1 else "markers",
                line={"color": run.color, "width": 2},
                marker={"color": run.color, "size": 7},
                name=run.label,
                hovertemplate=f"{run.label}<br>step %{{x}}<br>loss %{{y:.4g}}<extra></extra>",
            )
        )
        if run.diverged_at is not None and len(losses):
            fig.add_trace(
                go.Scatter(
                    x=[run.last_index],
                    y=[float(ys[-1])],
                    mode="markers+text",
                    marker={"symbol": "x", "size": 11, "color": palette.DIVERGED_COLOR},
                    text=[f"diverged at step {run.diverged_at}"],
                    textposition="top left",
                    textfont={"color": palette.DIVERGED_COLOR, "size": 11},
                    showlegend=False,
                    hoverinfo="skip",
                )
            )
    if current_step is not None:
        fig.add_vline(x=current_step, line={"color": "#888", "width": 1, "dash": "dot"})
    if threshold is not None and (not use_log or threshold > 0):
        fig.add_hline(y=threshold, line={"color": "#888", "width": 1, "dash": "dash"})
    _base_layout(fig, title=title, height=height)
    fig.update_xaxes(title_text="step", rangemode="tozero")
    last_step = max((len(c) - 1 for c in cut), default=0)
    if last_step < 10:
        # A run just started: whole steps on a 0–10 axis, the first dot not cut in half.
        fig.update_xaxes(range=[-0.4, 10])
    fig.update_yaxes(title_text="loss (log scale)" if use_log else "loss")
    if use_log:
        fig.update_yaxes(type="log", exponentformat="power")
    fig.update_layout(showlegend=len(runs) > 1)
    _decade_ticks(fig)
    return fig


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
        "marker": {"color": list(colors) if colors else palette.OPTIMIZER_COLORS["sgd"]},
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
    _base_layout(fig, title=title, height=height)
    fig.update_layout(showlegend=False)
    _decade_ticks(fig)
    return fig


# --------------------------------------------------------------------------- 1-D


def parabola_figure(
    xs: Sequence[float],
    losses: Sequence[float],
    *,
    curve: Callable[[np.ndarray], np.ndarray],
    minimum: Point,
    label: str = "gradient descent",
    color: str = palette.OPTIMIZER_COLORS["sgd"],
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
            x=_f32(grid),
            y=_f32(curve(grid)),
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
    idx = _thin(len(x))
    fig.add_trace(
        go.Scatter(
            x=_f32(x[idx]),
            y=_f32(y[idx]),
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
                x=[_r(x[-1])],
                y=[_r(y[-1])],
                mode="markers",
                marker={"size": 18, "color": color, "line": {"width": 2, "color": "#fff"}},
                name=label,
                hovertemplate="ball: x = %{x:.4g}, loss %{y:.4g}<extra></extra>",
            )
        )
        ball = len(fig.data) - 1
        _base_layout(fig, title=title, height=height)
        if animate and len(x) > 1:
            frames = [
                _frame([go.Scatter(x=[_r(x[k])], y=[_r(y[k])], _validate=False)], [ball], str(k))
                for k in frame_indices(0, len(x) - 1)
            ]
            _add_playback(fig, frames, redraw=False, frame_ms=350 if len(x) < 30 else FRAME_MS)
    else:
        _base_layout(fig, title=title, height=height)
    fig.update_xaxes(title_text="x")
    fig.update_yaxes(title_text="loss")
    return fig


# --------------------------------------------------------------------------- per-axis rates


@dataclass(frozen=True)
class Series:
    """One named series of values (a bar group or a curve) in an optimizer's colour."""

    label: str
    values: Sequence[float]
    color: str = palette.FALLBACK_COLOR


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
    _base_layout(fig, title=title, height=height)
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
    _decade_ticks(fig)
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
    idx = _thin(len(x))
    fig = go.Figure()
    for s in series:
        vals = np.asarray(s.values, dtype=np.float64)[idx]
        if log_y:
            vals = np.where(vals > 0, vals, np.nan)
        fig.add_trace(
            go.Scatter(
                x=x[idx].astype(np.int32) if np.all(np.mod(x, 1) == 0) else _f32(x[idx]),
                y=_f32(vals),
                mode="lines",
                line={"color": s.color, "width": 2},
                name=s.label,
                hovertemplate=f"{s.label}<br>step %{{x}}<br>%{{y:.4g}}<extra></extra>",
            )
        )
    if current_step is not None:
        fig.add_vline(x=current_step, line={"color": "#888", "width": 1, "dash": "dot"})
    _base_layout(fig, title=title, height=height)
    fig.update_xaxes(title_text="step")
    fig.update_yaxes(title_text=value_title + (" (log scale)" if log_y else ""))
    if log_y:
        fig.update_yaxes(type="log", exponentformat="power")
    fig.update_layout(showlegend=len(series) > 1, hovermode="x unified")
    _decade_ticks(fig)
    return fig


# --------------------------------------------------------------------------- mini-batch gradients


FULL_BATCH_COLOR = "#222222"  # the exact (full-batch) gradient: black, beside SGD's blue
BATCH_MEAN_COLOR = "#e67e22"  # the average of the mini-batch arrows actually drawn


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
    batch_color: str = palette.OPTIMIZER_COLORS["sgd"],
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
    targets of :func:`landscape_figure` (read a click with :func:`pick_start`);
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
                    x=_f32(xs),
                    y=_f32(ys),
                    z=_f32(zs),
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
                x=_f32(xs),
                y=_f32(ys),
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
    add([full_vector], name=full_label, color=FULL_BATCH_COLOR, width=4, head=15, opacity=1.0)
    marker = {"size": 11, "color": "#ffffff", "line": {"width": 2.5, "color": FULL_BATCH_COLOR}}
    if view == "3d":
        z0 = float(loss_fn(tail)) if loss_fn is not None else zmin
        fig.add_trace(
            go.Scatter3d(
                x=[_r(tail[0])],
                y=[_r(tail[1])],
                z=[_r(z0)],
                mode="markers",
                marker={**marker, "size": 5},
                name="current point",
                hoverinfo="skip",
            )
        )
    else:
        fig.add_trace(
            go.Scatter(
                x=[_r(tail[0])],
                y=[_r(tail[1])],
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
    color: str = palette.OPTIMIZER_COLORS["sgd"],
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
                x=_f32(x),
                y=_f32(y),
                mode="lines",
                name="σ²/B (the plain 1/B law)",
                line={"color": "#888888", "width": 1.5, "dash": "dash"},
                hovertemplate="B = %{x:.0f}<br>σ²/B = %{y:.4g}<extra></extra>",
            )
        )
    x, y = positive(theory_sizes, theory)
    fig.add_trace(
        go.Scatter(
            x=_f32(x),
            y=_f32(y),
            mode="lines",
            name="theory",
            line={"color": color, "width": 2.5},
            hovertemplate="B = %{x:.0f}<br>theory %{y:.4g}<extra></extra>",
        )
    )
    x, y = positive(measured_sizes, measured)
    fig.add_trace(
        go.Scatter(
            x=_f32(x),
            y=_f32(y),
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
                    x=_f32(x),
                    y=_f32(y),
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
    _base_layout(fig, title=title, height=height)
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
    _decade_ticks(fig)
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
    use_log = _log_axis_ok(values) if log_y is None else log_y
    positive = values[np.isfinite(values) & (values > 0)]
    floor = float(positive.min()) * 1e-2 if positive.size else 1e-12
    for run, losses, seen in zip(runs, cut, examples_seen, strict=True):
        idx = _thin(len(losses))
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
            fig.add_trace(
                go.Scatter(
                    x=[float(xs[-1])],
                    y=[float(ys[-1])],
                    mode="markers+text",
                    marker={"symbol": "x", "size": 11, "color": palette.DIVERGED_COLOR},
                    text=[f"diverged at step {run.diverged_at}"],
                    textposition="top left",
                    textfont={"color": palette.DIVERGED_COLOR, "size": 11},
                    showlegend=False,
                    hoverinfo="skip",
                )
            )
    _base_layout(fig, title=title, height=height)
    fig.update_xaxes(title_text="examples processed (gradient evaluations)", rangemode="tozero")
    fig.update_yaxes(title_text=y_title + (" (log scale)" if use_log else ""))
    if use_log:
        fig.update_yaxes(type="log", exponentformat="power")
    _decade_ticks(fig)
    return fig


# --------------------------------------------------------------------------- side by side


def paired_landscape_figure(
    grid: Grid,
    runs: Sequence[PathTrace],
    *,
    start: Point | None = None,
    minima: Sequence[Point] = (),
    animate_from: int | None = None,
    click_grid: int = 0,
    title: str | None = None,
    height: int = 480,
) -> go.Figure:
    """Several runs on the same 2-D landscape, one panel each, with one shared playback.

    Every panel shows the contour, the minimum, the start, its run's faint path and
    current marker; the panel title is the run's label. One ▶ moves all the markers
    together, so the panels compare step by step (e.g. SGD beside momentum).
    ``click_grid`` adds the invisible click grid to every panel (read it with
    :func:`pick_start`). A diverged run is cut at its divergence step and labelled.
    """
    from plotly.subplots import make_subplots

    xs, ys, Z = (np.asarray(a) for a in grid)
    bounds = ((float(xs[0]), float(xs[-1])), (float(ys[0]), float(ys[-1])))
    n = max(1, len(runs))
    fig = make_subplots(
        rows=1,
        cols=n,
        shared_yaxes=True,
        horizontal_spacing=0.03,
        subplot_titles=[r.label for r in runs] or None,
    )
    fig.update_annotations(font_size=13)  # the panel titles
    unchanged = {"marker": {"opacity": 1}}
    moving: list[int] = []
    for col, trace in enumerate(runs, start=1):
        first = col == 1
        cell = {"row": 1, "col": col}
        # The landscape as a background image: a contour trace would vanish during ▶.
        suffix = "" if first else str(col)
        fig.add_layout_image(landscape_image(xs, ys, Z, axes=(f"x{suffix}", f"y{suffix}")))
        if click_grid:
            fig.add_trace(click_grid_trace(bounds, click_grid), **cell)
        if minima:
            pts = np.asarray(minima, dtype=np.float64).reshape(-1, 2)
            fig.add_trace(
                go.Scatter(
                    x=pts[:, 0],
                    y=pts[:, 1],
                    mode="markers",
                    marker={
                        "symbol": "star",
                        "size": 16,
                        "color": palette.MINIMUM_COLOR,
                        "line": {"width": 1, "color": "#333"},
                    },
                    name="minimum",
                    legendgroup="minimum",
                    showlegend=first,
                    unselected=unchanged,
                    hovertemplate="minimum (%{x:.3g}, %{y:.3g})<extra></extra>",
                ),
                **cell,
            )
        if start is not None:
            fig.add_trace(
                go.Scatter(
                    x=[float(start[0])],
                    y=[float(start[1])],
                    mode="markers",
                    marker={
                        "symbol": "circle-open",
                        "size": 14,
                        "color": palette.START_COLOR,
                        "line": {"width": 2},
                    },
                    name="start",
                    legendgroup="start",
                    showlegend=first,
                    unselected=unchanged,
                    hovertemplate="start (%{x:.3g}, %{y:.3g})<extra></extra>",
                ),
                **cell,
            )
        last = trace.last_index
        path = np.asarray(trace.path, dtype=np.float64)[: last + 1]
        idx = _thin(len(path))
        fig.add_trace(
            go.Scatter(
                x=_f32(path[idx, 0]),
                y=_f32(path[idx, 1]),
                mode="lines+markers",
                line={"color": trace.color, "width": 2},
                marker={"size": 4, "color": trace.color},
                opacity=0.6,
                name=trace.label,
                showlegend=False,
                unselected=unchanged,
                **_path_hover(trace, idx),
            ),
            **cell,
        )
        end = path[-1]
        fig.add_trace(
            go.Scatter(
                x=[_r(end[0])],
                y=[_r(end[1])],
                mode="markers",
                marker={"size": 15, "color": trace.color, "line": {"width": 2, "color": "#fff"}},
                name=trace.label,
                showlegend=False,
                unselected=unchanged,
                hovertemplate=f"{trace.label}: now here<extra></extra>",
            ),
            **cell,
        )
        moving.append(len(fig.data) - 1)
        if trace.diverged_at is not None:
            fig.add_annotation(
                x=float(end[0]),
                y=float(end[1]),
                text=f"diverged at step {trace.diverged_at}",
                showarrow=True,
                arrowhead=2,
                arrowcolor=palette.DIVERGED_COLOR,
                font={"color": palette.DIVERGED_COLOR, "size": 12},
                bgcolor="rgba(255,255,255,0.85)",
                ax=20,
                ay=-30,
                **cell,
            )

    if animate_from is not None and runs:
        steps = frame_indices(max(0, animate_from), max(t.last_index for t in runs))
        frames = []
        for k in steps:
            data = []
            for trace in runs:
                x, y = trace.path[min(k, trace.last_index)]
                data.append(go.Scatter(x=[_r(x)], y=[_r(y)], _validate=False))
            frames.append(_frame(data, moving, str(k)))
        if len(frames) > 1:
            _add_playback(fig, frames, redraw=False)

    _base_layout(fig, title=title, height=height)
    fig.update_xaxes(showgrid=False, zeroline=False)
    fig.update_yaxes(showgrid=False, zeroline=False)
    fig.update_xaxes(title_text=AXIS_TITLES[0], range=list(bounds[0]))
    fig.update_yaxes(range=list(bounds[1]))
    fig.update_yaxes(title_text=AXIS_TITLES[1], row=1, col=1)
    # The panel titles name the runs; the start and minimum markers explain themselves
    # on hover, and a legend would collide with the panel titles or the playback bar.
    fig.update_layout(clickmode="event+select", dragmode=False, showlegend=False)
    return fig


def ema_weights_figure(
    ages: Sequence[float],
    weights: Sequence[float],
    *,
    window: float | None = None,
    color: str = palette.VELOCITY_COLOR,
    title: str | None = None,
    height: int = 300,
) -> go.Figure:
    """Bars of the weight each past gradient carries in momentum's velocity, by its age.

    ``ages`` are steps ago (0 = the current gradient) and ``weights`` their weights
    (β^age for momentum). ``window`` marks the effective memory 1/(1 − β) with a
    dashed line.
    """
    k = np.asarray(ages, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    fig = go.Figure(
        go.Bar(
            x=k.astype(np.int32) if np.all(np.mod(k, 1) == 0) else _f32(k),
            y=_f32(w),
            marker={"color": color, "line": {"width": 0}},
            name="weight",
            hovertemplate="gradient from %{x} steps ago<br>weight %{y:.4g}<extra></extra>",
        )
    )
    if window is not None and np.isfinite(window):
        fig.add_vline(
            x=float(window),
            line={"color": "#444", "width": 1.5, "dash": "dash"},
            annotation_text=f"window 1/(1−β) ≈ {window:.3g}",
            annotation_position="top right",
            annotation_font_size=12,
        )
    _base_layout(fig, title=title, height=height)
    fig.update_xaxes(title_text="age of the gradient (steps ago)", rangemode="tozero")
    fig.update_yaxes(title_text="weight in the velocity", range=[0, 1.08])
    fig.update_layout(showlegend=False, bargap=0.15)
    return fig


# --------------------------------------------------------------------------- learning-rate schedules


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
    idx = _thin(len(x))
    scale = float(normalise_to) if normalise_to else 1.0
    whole = bool(np.all(np.mod(x, 1) == 0))
    y_label = "η / η_max (fraction of peak)" if normalise_to else "learning rate η"
    y_fmt = ".1%" if normalise_to else ".4g"
    fig = go.Figure()
    for s in series:
        vals = np.asarray(s.values, dtype=np.float64)[idx] / scale
        fig.add_trace(
            go.Scatter(
                x=x[idx].astype(np.int32) if whole else _f32(x[idx]),
                y=_f32(np.where(np.isfinite(vals), vals, np.nan)),
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
        shape, note = _vline(
            float(where),
            {"color": "#999", "width": 1, "dash": "dot"},
            label,
            "bottom right",
            {"size": 11, "color": "#666"},
        )
        shapes.append(shape)
        notes += note
    if current_step is not None:
        shapes.append(_vline(current_step, {"color": "#555", "width": 1.5, "dash": "dash"})[0])
    _add_layout_items(fig, shapes, notes)
    _base_layout(fig, title=title, height=height)
    fig.update_xaxes(title_text=x_title, rangemode="tozero")
    fig.update_yaxes(title_text=y_label, rangemode="tozero")
    if normalise_to:
        fig.update_yaxes(tickformat=".0%")
    fig.update_layout(showlegend=len(series) + bool(points) > 1, hovermode="x unified")
    return fig


# --------------------------------------------------------------------------- stacked step panels


@dataclass(frozen=True)
class PanelCurve:
    """One quantity per step in a :func:`step_panels_figure` panel: a line or bars.

    Curves that share a ``label`` across panels share one legend entry.
    """

    label: str
    values: Sequence[float]
    color: str = palette.FALLBACK_COLOR
    dash: str | None = None  # "dash", "dot" … for a line
    bars: bool = False
    marked: bool = True  # gets a marker at the highlighted step


@dataclass(frozen=True)
class StepPanel:
    """A row of :func:`step_panels_figure`: its y-axis title and curves."""

    y_title: str
    curves: tuple[PanelCurve, ...]
    log_y: bool = False


CURSOR_COLOR = "#555555"


def _panel_range(panel: StepPanel) -> tuple[float, float]:
    """(low, high) of a panel's finite values, padded, for the step cursor line."""
    values = [np.asarray(c.values, dtype=np.float64) for c in panel.curves]
    flat = np.concatenate(values) if values else np.array([0.0])
    flat = flat[np.isfinite(flat)]
    if panel.log_y:
        flat = flat[flat > 0]
        if flat.size == 0:
            return 1e-3, 1.0
        return float(flat.min()) / 1.5, float(flat.max()) * 1.5
    if flat.size == 0:
        return -1.0, 1.0
    low, high = min(float(flat.min()), 0.0), max(float(flat.max()), 0.0)
    pad = 0.06 * (high - low) if high > low else 1.0
    return low - pad, high + pad


def _panel_values(curve: PanelCurve, log_y: bool) -> np.ndarray:
    vals = np.asarray(curve.values, dtype=np.float64)
    keep = np.isfinite(vals) & ((vals > 0) if log_y else True)
    return np.where(keep, vals, np.nan)


def step_panels_figure(
    steps: Sequence[int],
    panels: Sequence[StepPanel],
    *,
    highlight: int | None = None,
    animate: bool = False,
    x_title: str = "step",
    log_x: bool = False,
    title: str | None = None,
    panel_height: int = 180,
    height: int | None = None,
) -> go.Figure:
    """Quantities per step in stacked panels that share the step axis (Adam's m, v, update …).

    ``highlight`` (a value of ``steps``) draws a cursor line through every panel and a
    marker on each marked curve at that step. ``animate=True`` adds client-side
    playback whose frames move only the cursors and markers across the steps (at most
    :data:`MAX_FRAMES`), starting from the highlighted step's frame. Values that are
    not finite (or ≤ 0 on a log panel) leave gaps.
    """
    from plotly.subplots import make_subplots

    x = np.asarray(steps, dtype=np.float64)
    whole = bool(np.all(np.mod(x, 1) == 0))
    xs = x.astype(np.int32) if whole else _f32(x)
    rows = max(1, len(panels))
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, vertical_spacing=0.07)
    seen: set[str] = set()
    lines_mode = "lines+markers" if len(x) <= 60 else "lines"
    for row, panel in enumerate(panels, start=1):
        for curve in panel.curves:
            vals = _panel_values(curve, panel.log_y)
            common = {
                "name": curve.label,
                "legendgroup": curve.label,
                "showlegend": curve.label not in seen,
            }
            seen.add(curve.label)
            if curve.bars:
                trace: Any = go.Bar(
                    x=xs,
                    y=vals,
                    marker={"color": curve.color, "opacity": 0.55, "line": {"width": 0}},
                    hovertemplate=f"{curve.label}: %{{y:.4g}}<extra></extra>",
                    **common,
                )
            else:
                trace = go.Scatter(
                    x=xs,
                    y=vals,
                    mode=lines_mode if curve.marked else "lines",
                    line={"color": curve.color, "width": 2, "dash": curve.dash},
                    marker={"size": 5, "color": curve.color},
                    hovertemplate=f"{curve.label}: %{{y:.4g}}<extra></extra>",
                    **common,
                )
            fig.add_trace(trace, row=row, col=1)
        fig.update_yaxes(title_text=panel.y_title, row=row, col=1)
        if panel.log_y:
            # Labels at 1, 2 and 5 of each decade: readable, and never none at all.
            fig.update_yaxes(type="log", exponentformat="power", dtick="D2", row=row, col=1)
    fig.update_xaxes(title_text=x_title, row=rows, col=1)
    if log_x:
        fig.update_xaxes(type="log")
    elif whole and len(x) <= 20:
        fig.update_xaxes(dtick=1)  # a handful of steps: whole-number ticks only

    # Ranges and marked values once, not once per frame; the cursor traces are plain
    # dicts of numbers, so they skip plotly's validation (150 frames × panels × 2 traces).
    cursor_ranges = [_panel_range(panel) for panel in panels]
    cursor_values = [
        [_panel_values(c, panel.log_y) for c in panel.curves if c.marked] for panel in panels
    ]

    def cursor_data(i: int) -> list[dict[str, Any]]:
        data = []
        xi = _r(x[i])
        for (low, high), values in zip(cursor_ranges, cursor_values, strict=True):
            data.append({"x": [xi, xi], "y": [low, high], "type": "scatter"})
            ys = [v[i] for v in values]
            data.append(
                {
                    "x": [xi] * len(ys),
                    "y": [None if not np.isfinite(v) else _r(v, 8) for v in ys],
                    "type": "scatter",
                }
            )
        return data

    if highlight is not None and len(x):
        where = np.flatnonzero(x == highlight)
        current = int(where[0]) if where.size else len(x) - 1
        moving: list[int] = []
        for row, (panel, seed) in enumerate(
            zip(panels, _pairs(cursor_data(current)), strict=True), start=1
        ):
            line, dots = seed
            fig.add_trace(
                go.Scatter(
                    x=line["x"],
                    y=line["y"],
                    mode="lines",
                    line={"color": CURSOR_COLOR, "width": 1.5, "dash": "dot"},
                    name="selected step",
                    legendgroup="selected step",
                    showlegend=False,
                    hoverinfo="skip",
                ),
                row=row,
                col=1,
            )
            moving.append(len(fig.data) - 1)
            fig.add_trace(
                go.Scatter(
                    x=dots["x"],
                    y=dots["y"],
                    mode="markers",
                    marker={
                        "size": 11,
                        "color": [c.color for c in panel.curves if c.marked],
                        "line": {"width": 2, "color": "#ffffff"},
                    },
                    name="selected step",
                    showlegend=False,
                    hoverinfo="skip",
                ),
                row=row,
                col=1,
            )
            moving.append(len(fig.data) - 1)
        if animate and len(x) > 1:
            picks = frame_indices(0, len(x) - 1)
            frames = [
                _frame(cursor_data(i), moving, str(int(x[i]) if whole else x[i])) for i in picks
            ]
            _add_playback(fig, frames, redraw=False, frame_ms=350 if len(x) < 30 else FRAME_MS)
            nearest = int(np.argmin(np.abs(np.asarray(picks) - current)))
            fig.layout.sliders[0].active = nearest
    _base_layout(fig, title=title, height=height or panel_height * rows + 90)
    if fig.layout.updatemenus and fig.layout.sliders:
        # Leave the x-axis title clear of the play buttons: push the controls a bit lower.
        extra = 18
        fig.layout.height += extra
        fig.layout.margin.b += extra
        plot_px = max(fig.layout.height - fig.layout.margin.t - fig.layout.margin.b, 100)
        fig.layout.updatemenus[0].y = -(48 + extra) / plot_px
        fig.layout.sliders[0].y = -(84 + extra) / plot_px
    fig.update_layout(barmode="overlay", hovermode="x unified")
    _decade_ticks(fig)
    return fig


def _pairs(items: list[Any]) -> list[tuple[Any, Any]]:
    return [(items[i], items[i + 1]) for i in range(0, len(items), 2)]


# --------------------------------------------------------------------------- chapter 6: beyond Adam


@dataclass(frozen=True)
class TreeNode:
    """One optimizer in the family tree, already placed: ``x`` from its year, ``y`` a lane."""

    name: str
    label: str
    x: float
    y: float
    color: str = palette.FALLBACK_COLOR
    hover: str = ""
    text_position: str = "top center"


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
    and carries each node's name as ``customdata``; read a click with :func:`pick_node`.
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
    _add_layout_items(fig, annotations=arrows)
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
    _base_layout(fig, title=title, height=height)
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


def pick_node(selection: Any, names: Sequence[str]) -> str | None:
    """The node a click on :func:`family_tree_figure` chose, or None.

    Reads ``customdata`` (the node's name) from the first usable point of
    ``st.session_state[chart_key].selection``; falls back to ``point_index``.
    """
    try:
        points = selection["points"]
    except (KeyError, TypeError, IndexError):
        points = getattr(selection, "points", None)
    if not points:
        return None
    for point in points:
        try:
            name = point.get("customdata") if hasattr(point, "get") else None
        except TypeError:
            name = None
        if isinstance(name, list | tuple) and name:
            name = name[0]
        if isinstance(name, str) and name in names:
            return name
        try:
            index = int(point["point_index"])
        except (KeyError, TypeError, ValueError):
            continue
        if 0 <= index < len(names):
            return names[index]
    return None


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
        y = _f32(row(s, last))
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
                    (go.Bar if kind == "bars" else go.Scatter)(y=[_r(v, 6) for v in row(s, k)])
                    for s in series
                ],
                traces=list(range(len(series))),
                name=str(step_list[k]),
            )
            for k in picked
        ]
        if len(frames) > 1:
            _add_playback(fig, frames, redraw=kind == "bars", frame_ms=160)
    _base_layout(fig, title=title, height=height)
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
    _decade_ticks(fig)
    return fig


def rectification_figure(
    steps: Sequence[int],
    rectification: Sequence[float],
    *,
    first_rectified: int | None,
    label: str = "r_t",
    color: str = palette.OPTIMIZER_COLORS["radam"],
    title: str | None = None,
    height: int = 320,
) -> go.Figure:
    """RAdam's rectification term r_t against step (log step axis).

    Steps before ``first_rectified`` (where ρ_t ≤ 5 and r_t is undefined, NaN) are shaded:
    there RAdam takes plain momentum steps. A dashed line at 1 is full Adam.
    """
    t = np.asarray(steps, dtype=np.float64)
    r = np.asarray(rectification, dtype=np.float64)
    idx = _thin(len(t))
    fig = go.Figure(
        go.Scatter(
            x=t[idx].astype(np.int32),
            y=_f32(np.where(np.isfinite(r[idx]), r[idx], np.nan)),
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
                    y=[_r(r[k])],
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
    _base_layout(fig, title=title, height=height)
    fig.update_xaxes(title_text="step t (log scale)", type="log", exponentformat="power", dtick=1)
    fig.update_yaxes(title_text=f"rectification {label}", range=[0, 1.12])
    fig.update_layout(showlegend=False)
    _decade_ticks(fig)
    return fig


# --------------------------------------------------------------------------- learning-rate sweeps


@dataclass(frozen=True)
class SweepCurve:
    """One optimizer's learning-rate sweep: final loss per rate, from ``simulate.sweep``.

    ``diverged_at`` holds the engine's divergence step per rate (−1 = never). ``best``
    is the index of the rate the page calls best; ``band`` the (low, high) rates of its
    forgiving range, drawn as a highlighter over that part of the curve.
    """

    label: str
    lrs: np.ndarray
    final_losses: np.ndarray
    diverged_at: np.ndarray
    color: str = palette.FALLBACK_COLOR
    best: int | None = None
    band: tuple[float, float] | None = None


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
                x=_f32(lrs),
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
                    x=_f32(lrs),
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
                    x=[_r(lrs[curve.best], 8)],
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
                    x=_f32(lrs[diverged]),
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
    _base_layout(fig, title=title, height=height)
    fig.update_xaxes(title_text="learning rate η (log scale)", type="log", exponentformat="power")
    fig.update_yaxes(title_text=loss_title, type="log", exponentformat="power")
    fig.update_layout(showlegend=len(curves) > 0)
    _decade_ticks(fig)
    return fig


# --------------------------------------------------------------------------- chapter 9: cheat sheet

FLOW_PATH_COLOR = "#d1495b"  # the taken path through the decision flowchart
FLOW_QUESTION_COLOR = "#2f6690"
FLOW_FADED = "#c9c9c9"


@dataclass(frozen=True)
class FlowNode:
    """One node of the decision flowchart, already placed (``x`` = depth, ``y`` = row).

    ``kind`` is ``"question"`` (drawn as a diamond) or ``"recommendation"`` (a circle in
    the optimizer's colour).
    """

    id: str
    label: str
    x: float
    y: float
    kind: str = "question"
    color: str = FLOW_QUESTION_COLOR
    hover: str = ""
    text_position: str = "top center"


@dataclass(frozen=True)
class FlowEdge:
    """An answer leading from question ``parent`` to node ``child``; ``label`` is drawn on it."""

    parent: str
    child: str
    label: str = ""


def decision_tree_figure(
    nodes: Sequence[FlowNode],
    edges: Sequence[FlowEdge],
    *,
    path: Sequence[str] = (),
    title: str | None = None,
    height: int = 460,
) -> go.Figure:
    """The decision flowchart: the taken ``path`` (node ids from the root) drawn in colour.

    Traces, in order: faded edges, path edges, edge labels, nodes. Nodes on the path and
    the answers open at its end stay bright; the rest fade. The label and node traces
    carry node ids as ``customdata`` (a click on an edge label picks the node it leads
    to); the edge traces carry none, so a click on a line picks nothing.
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
            xm = x0 + 0.3  # an elbow: a short way across, down to the child's row, along it
            xs += [x0, xm, xm, x1, None]
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
    labelled = [e for e in edges if e.label and e.child in where and e.parent in where]
    fig.add_trace(
        go.Scatter(
            x=[where[e.parent][0] + 0.33 for e in labelled],
            y=[where[e.child][1] for e in labelled],
            mode="text",
            text=[f"<b>{e.label}</b>" if e.child in on_path else e.label for e in labelled],
            textposition="top right",
            textfont={
                "size": 10,
                "color": [
                    FLOW_PATH_COLOR
                    if e.child in on_path
                    else ("#333" if e.child in open_children else "#aaa")
                    for e in labelled
                ],
            },
            customdata=[e.child for e in labelled],
            hovertemplate="answer: %{text}<extra>click to choose</extra>",
            name="answers",
            showlegend=False,
        )
    )
    is_on = [n.id in on_path for n in nodes]
    is_bright = [n.id in bright for n in nodes]
    fig.add_trace(
        go.Scatter(
            x=[n.x for n in nodes],
            y=[n.y for n in nodes],
            mode="markers+text",
            text=[
                f"<b>{n.label}</b>" if on else n.label for n, on in zip(nodes, is_on, strict=True)
            ],
            textposition=[n.text_position for n in nodes],
            textfont={
                "size": 10.5,
                "color": ["#1f2933" if b else "#a0a0a0" for b in is_bright],
            },
            customdata=[n.id for n in nodes],
            hovertext=[n.hover or n.label for n in nodes],
            hovertemplate="%{hovertext}<extra>click to go here</extra>",
            marker={
                "symbol": ["diamond" if n.kind == "question" else "circle" for n in nodes],
                "size": [18 if on else 13 for on in is_on],
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
    _base_layout(fig, title=title, height=height)
    xs = [n.x for n in nodes] or [0.0]
    ys = [n.y for n in nodes] or [0.0]
    fig.update_xaxes(visible=False, range=[min(xs) - 0.6, max(xs) + 2.9], fixedrange=True)
    fig.update_yaxes(visible=False, range=[max(ys) + 0.7, min(ys) - 0.9], fixedrange=True)
    fig.update_layout(
        clickmode="event+select",
        dragmode=False,
        margin={"l": 4, "r": 4, "t": 40 if title else 8, "b": 4},
        plot_bgcolor="rgba(0,0,0,0)",
    )
    return fig


@dataclass(frozen=True)
class SpreadRow:
    """One hyperparameter swept across its range: final loss per value (from the engine).

    ``values`` are the hyperparameter's values, ``final_losses`` the loss each run ended
    at and ``diverged`` which runs blew up. ``value_format`` formats a value for hovers.
    """

    label: str
    values: np.ndarray
    final_losses: np.ndarray
    diverged: np.ndarray
    value_format: str = ".3g"


def spread_figure(
    rows: Sequence[SpreadRow],
    *,
    floor: float = 1e-12,
    color: str = palette.OPTIMIZER_COLORS["adamw"],
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
    _base_layout(fig, title=title, height=height or 110 + 62 * max(len(rows), 1))
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
    _decade_ticks(fig)
    return fig


# --------------------------------------------------------------------------- memo


_MEMO: dict[Any, tuple[go.Figure, list[Any]]] = {}  # insertion order = least recent first
_MEMO_SIZE = 64  # figures kept (about 0.15 MB each, a few hundred KB at most)
_MEMO_LOCK = threading.Lock()


def _memo_key(value: Any, keep: list[Any]) -> Any:
    """A hashable stand-in for ``value``, equal exactly when the content is.

    Arrays count by dtype, shape and a digest of their bytes, dataclasses by their
    fields, containers by their items, floats by ``repr`` (so NaN matches NaN and -0.0
    differs from 0.0). A bound method counts by its function and its object: a dataclass
    (a landscape) by its fields, anything else by identity, kept alive in ``keep`` so
    that identity cannot be reused.
    """
    if isinstance(value, float):
        return (type(value), repr(value))
    if value is None or isinstance(value, bool | int | str | bytes):
        return (type(value), value)
    if isinstance(value, np.ndarray | np.generic):
        a = np.asarray(value)
        if a.dtype.hasobject:
            return ("object array", a.shape, _memo_key(a.tolist(), keep))
        digest = hashlib.blake2b(np.ascontiguousarray(a).tobytes(), digest_size=16).digest()
        return ("array", a.dtype.str, a.shape, digest)
    if isinstance(value, list | tuple):
        return (type(value), tuple(_memo_key(v, keep) for v in value))
    if isinstance(value, dict):
        return (dict, tuple((_memo_key(k, keep), _memo_key(v, keep)) for k, v in value.items()))
    if is_dataclass(value) and not isinstance(value, type):
        return (type(value), tuple(_memo_key(getattr(value, f.name), keep) for f in fields(value)))
    owner = getattr(value, "__self__", None)
    if owner is not None and hasattr(value, "__func__"):  # a bound method, e.g. land.loss
        if is_dataclass(owner) and not isinstance(owner, type):  # by content, like an argument
            return ("method", value.__func__, _memo_key(owner, keep))
        keep.append(owner)
        return ("method", value.__func__, id(owner))
    hash(value)  # anything else must be hashable (a function counts by identity)
    keep.append(value)
    return (type(value), value)


def memo_figure(build: Callable[..., go.Figure], /, *args: Any, **kwargs: Any) -> go.Figure:
    """``build(*args, **kwargs)``, reusing the figure built from equal inputs before.

    Building a Plotly figure costs milliseconds to tens of milliseconds (plotly
    validates every property), and most figures on a page are unchanged by a rerun.
    Figures are kept by content (see :func:`_memo_key`) in a small least-recently-used
    store shared by all sessions, so a returned figure is read-only: ``st.plotly_chart``
    only reads it. Inputs that cannot be keyed are simply built. Unpickling a figure
    (``st.cache_data``) re-validates it and costs about as much as building it.
    """
    keep: list[Any] = []
    try:
        key = (build, _memo_key(args, keep), _memo_key(kwargs, keep))
        hash(key)
    except (TypeError, RecursionError):
        return build(*args, **kwargs)
    with _MEMO_LOCK:
        hit = _MEMO.pop(key, None)
        if hit is not None:
            _MEMO[key] = hit  # now the most recently used
            return hit[0]
    fig = build(*args, **kwargs)
    with _MEMO_LOCK:
        _MEMO[key] = (fig, keep)
        while len(_MEMO) > _MEMO_SIZE:
            del _MEMO[next(iter(_MEMO))]
    return fig

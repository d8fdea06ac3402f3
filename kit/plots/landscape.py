"""Loss landscapes: a map (a banded image or a contour) or a 3-D surface, with runs on it.

Typical use::

    xs, ys, Z = land.grid(100)
    path = PathTrace("SGD η=0.1", run.path, run.losses, optimizer_color("sgd"))
    fig = landscape_figure((xs, ys, Z), trajectories=[path], start=run.start,
                           minima=land.minima, animate_from=0, click_grid=40)

``click_grid`` adds invisible targets a click selects (contour, heatmap and surface
traces report no selected points); :mod:`kit.clicks` reads the click.
"""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
import plotly.graph_objects as go
from PIL import Image
from plotly.colors import sample_colorscale

from kit import palette
from kit.plots.base import (
    AXIS_TITLES,
    FRAME_MS,
    MAX_FRAMES,
    MAX_PATH_POINTS,
    add_playback,
    base_layout,
    f32,
    frame_indices,
    quick_frame,
    rounded,
    thin,
)
from kit.plots.series import Arrow, Grid, PathTrace, Point


def click_grid_points(bounds: tuple[Point, Point], n: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """Flattened x and y of an ``n``×``n`` grid spanning ``bounds`` (for click-to-set-start)."""
    (x0, x1), (y0, y1) = bounds
    gx, gy = np.meshgrid(np.linspace(x0, x1, n), np.linspace(y0, y1, n))
    return gx.ravel(), gy.ravel()


def click_grid_trace(bounds: tuple[Point, Point], n: int = 40) -> go.Scatter:
    """The invisible n×n grid of markers a click on a map selects (see :func:`kit.clicks.pick_point`).

    Contour, heatmap and surface traces report no selected points, so the click lands
    on one of these markers instead; they stay invisible even when selected.
    """
    gx, gy = click_grid_points(bounds, n)
    return go.Scatter(
        x=f32(gx),
        y=f32(gy),
        mode="markers",
        marker={"size": 14, "opacity": 0, "color": "#000"},
        selected={"marker": {"opacity": 0}},
        unselected={"marker": {"opacity": 0}},
        hovertemplate="click to start here<br>(%{x:.2f}, %{y:.2f})<extra></extra>",
        name="click to start",
        showlegend=False,
    )


def minima_trace(minima: Sequence[Point], **extra: Any) -> go.Scatter:
    """The landscape's minima as gold stars on a 2-D map (``extra``: legend group, etc.)."""
    pts = np.asarray(minima, dtype=np.float64).reshape(-1, 2)
    return go.Scatter(
        x=pts[:, 0],
        y=pts[:, 1],
        mode="markers",
        name="minimum",
        marker={
            "symbol": "star",
            "size": 16,
            "color": palette.MINIMUM_COLOR,
            "line": {"width": 1, "color": "#333"},
        },
        hovertemplate="minimum (%{x:.3g}, %{y:.3g})<extra></extra>",
        **extra,
    )


def path_hover(trace: PathTrace, idx: np.ndarray) -> dict[str, Any]:
    return {
        "customdata": np.stack([idx, f32(trace.losses)[idx]], axis=-1).astype(np.float32),
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
GAP_RGB = (255.0, 255.0, 255.0)  # non-finite loss: a blank patch, a gap in the map
_IMAGE_CACHE_SIZE = 64


def _landscape_png(
    xs: np.ndarray, ys: np.ndarray, z: np.ndarray, levels: int, light_valleys: bool, max_pixels: int
) -> str:
    """The banded PNG of :func:`landscape_image` as a data URI."""
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
    rgb[~finite] = GAP_RGB  # where the loss is not a number (a typed formula's log of < 0)
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
        selects; read it with :func:`kit.clicks.pick_point`.
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
                x=f32(xs),
                y=f32(ys),
                z=f32(Z),
                surfacecolor=f32(color_z) if log_color else None,
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
                    x=f32(xs),
                    y=f32(ys),
                    z=f32(color_z),
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
    diverged_labels = 0  # labels already placed (each further one sits a row lower)
    for order, trace in enumerate(trajectories):
        last = trace.last_index
        path = np.asarray(trace.path, dtype=np.float64)[: last + 1]
        idx = thin(len(path), max_path_points)
        pts = path[idx]
        # Dash and marker differ per run as well as colour (colour-blind learners).
        dash, symbol = palette.series_style(order)
        line_style = {"color": trace.color, "width": 2, **({} if is3d else {"dash": dash})}
        if is3d:
            z = f32(trace.losses)[idx]
            fig.add_trace(
                go.Scatter3d(
                    x=f32(pts[:, 0]),
                    y=f32(pts[:, 1]),
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
                    x=[rounded(end[0])],
                    y=[rounded(end[1])],
                    z=[rounded(trace.losses[trace.marker_index])],
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
                    x=f32(pts[:, 0]),
                    y=f32(pts[:, 1]),
                    mode="lines+markers",
                    line=line_style,
                    marker={"size": 4, "color": trace.color, "symbol": symbol},
                    opacity=0.6,
                    name=trace.label,
                    legendgroup=trace.label,
                    unselected=unchanged,
                    **path_hover(trace, idx),
                )
            )
            end = path[trace.marker_index]
            fig.add_trace(
                go.Scatter(
                    x=[rounded(end[0])],
                    y=[rounded(end[1])],
                    mode="markers",
                    marker={
                        "size": 15,
                        "color": trace.color,
                        "symbol": symbol,
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
            _mark_divergence(fig, path[-1], trace, is3d, bounds, diverged_labels)
            diverged_labels += 1

    # The minima go on top of the runs: drawn before them, a ball resting on a minimum hid
    # its star (on the saddle, the minimum the ball settled in looked unmarked).
    # legendrank keeps "minimum" first in the legend.
    star = {"symbol": "star" if not is3d else "diamond", "size": 16 if not is3d else 6}
    add_points(
        list(minima),
        name="minimum",
        marker={**star, "color": palette.MINIMUM_COLOR, "line": {"width": 1, "color": "#333"}},
        hovertemplate="minimum (%{x:.3g}, %{y:.3g})<extra></extra>",
        legendrank=1,
        **({} if is3d else {"unselected": unchanged}),
    )

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

    base_layout(fig, title=title, height=height or (520 if is3d else 440))
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
                        go.Scatter3d(
                            x=[rounded(x)],
                            y=[rounded(y)],
                            z=[rounded(trace.losses[i])],
                            _validate=False,
                        )
                    )
                else:
                    data.append(go.Scatter(x=[rounded(x)], y=[rounded(y)], _validate=False))
            frames.append(quick_frame(data, moving, str(k)))
        if len(frames) > 1:
            # 3-D scenes only repaint with redraw; 2-D markers glide without it.
            # ``frame_ms``: milliseconds per frame at 1× (a page's speed control).
            add_playback(fig, frames, redraw=is3d, frame_ms=max(1, int(frame_ms)))

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


def _mark_divergence(
    fig: go.Figure,
    where: np.ndarray,
    trace: PathTrace,
    is3d: bool,
    bounds: tuple[tuple[float, float], tuple[float, float]],
    row: int = 0,
) -> None:
    """Label where a run diverged, inside the plot area.

    The last point is often far outside the map (that is what diverging means), and a
    label pinned beside it was cut off at the chart's edge. So the arrow points at the
    point pulled back inside the map, and the text sits in the middle of the map's width,
    in the half away from that point (a row lower for each further diverged run): fully
    visible at any chart width the text fits in.
    """
    text = f"{trace.label}: diverged at step {trace.diverged_at}"
    if is3d:
        return  # the loss curve carries the label; 3-D text is hard to read
    (x0, x1), (y0, y1) = bounds
    inset_x, inset_y = 0.03 * (x1 - x0), 0.03 * (y1 - y0)
    point = np.nan_to_num(np.asarray(where, dtype=np.float64), nan=0.0, posinf=1e300, neginf=-1e300)
    tip_x = float(np.clip(point[0], x0 + inset_x, x1 - inset_x))
    tip_y = float(np.clip(point[1], y0 + inset_y, y1 - inset_y))
    upper = tip_y > (y0 + y1) / 2
    row_offset = (0.12 + 0.09 * row) * (y1 - y0)
    fig.add_annotation(
        x=tip_x,
        y=tip_y,
        ax=(x0 + x1) / 2,
        ay=(y0 + row_offset) if upper else (y1 - row_offset),
        axref="x",
        ayref="y",
        text=text,
        showarrow=True,
        arrowhead=2,
        arrowcolor=palette.DIVERGED_COLOR,
        font={"color": palette.DIVERGED_COLOR, "size": 12},
        bgcolor="rgba(255,255,255,0.85)",
        name="diverged",
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

"""Figure builders: trace counts, playback frames, payload size, pick_start."""

import json

import numpy as np
import plotly.graph_objects as go
import pytest

from engine import landscapes, optimizers, simulate
from kit import palette
from kit.plots.base import (
    MAX_FRAMES,
    PLAYBACK_SPEEDS,
    decade_ticks,
    figure_json_size,
    frame_indices,
)
from kit.plots.curves import loss_curve_figure
from kit.plots.landscape import click_grid_points, landscape_figure
from kit.plots.series import Arrow, PathTrace

BUDGET = 300_000  # bytes of JSON per figure


def spiral(n=60):
    t = np.linspace(0, 4 * np.pi, n + 1)
    path = np.stack([np.exp(-t / 6) * np.cos(t), np.exp(-t / 6) * np.sin(t)], axis=-1) * 2
    return path, (path**2).sum(-1)


def grid(n=100):
    xs = np.linspace(-3, 3, n)
    ys = np.linspace(-2, 2, n)
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, (gx**2 + gy**2).astype(np.float32)


SGD_COLOR = palette.optimizer_color("sgd")


def trace(label="SGD", n=60, diverged_at=None, color=SGD_COLOR):
    path, losses = spiral(n)
    return PathTrace(label, path, losses, color, diverged_at)


def test_landscape_image_trace_layout_and_moving_frames():
    fig = landscape_figure(
        grid(),
        trajectories=[trace("a"), trace("b", color="#ff0000")],
        start=(2.0, 0.0),
        minima=[(0.0, 0.0)],
        animate_from=0,
        click_grid=40,
    )
    # The landscape is a background image: plotly.js drops contour traces while it
    # animates other traces, so a contour would vanish during playback.
    assert len(fig.layout.images) == 1
    assert fig.layout.images[0].source.startswith("data:image/png;base64,")
    assert "contour" not in [t.type for t in fig.data]
    # click grid, start, then (path, marker) per run, then the minimum on top of the runs
    assert len(fig.data) == 3 + 2 * 2
    click = fig.data[0]
    assert len(click.x) == 40 * 40 and click.marker.opacity == 0
    assert fig.data[-1].name == "minimum"
    markers = [2 + 1, 2 + 3]
    assert len(fig.frames) == 61
    for frame in fig.frames:
        assert list(frame.traces) == markers  # only the moving markers
        assert all(len(d.x) == 1 for d in frame.data)
    play = fig.layout.updatemenus[0].buttons[0]
    assert play.args[1]["frame"]["redraw"] is False
    assert len(fig.layout.updatemenus[0].buttons) == len(PLAYBACK_SPEEDS) + 1


def test_a_static_map_may_still_ask_for_a_contour_trace():
    fig = landscape_figure(grid(), raster=False, minima=[(0.0, 0.0)])
    assert fig.data[0].type == "contour"
    assert len(fig.layout.images) == 0


def test_frames_follow_the_path():
    t = trace(n=10)
    fig = landscape_figure(grid(), trajectories=[t], animate_from=4)
    assert [int(f.name) for f in fig.frames] == list(range(4, 11))
    last = fig.frames[-1].data[0]
    assert last.x[0] == pytest.approx(t.path[-1, 0], abs=1e-4)


def test_long_runs_are_subsampled_and_stay_under_budget():
    t = trace(n=3000)
    for view in ("2d", "3d"):
        xs, ys, z = grid(150)
        fig = landscape_figure(
            (xs, ys, z),
            view=view,
            trajectories=[t],
            animate_from=0,
            click_grid=40,
            loss_fn=lambda p: (np.asarray(p) ** 2).sum(-1),
        )
        assert len(fig.frames) <= MAX_FRAMES
        assert figure_json_size(fig) <= BUDGET, view


def test_surface_skips_hover_and_redraws_frames():
    fig = landscape_figure(
        grid(),
        view="3d",
        trajectories=[trace()],
        animate_from=0,
        loss_fn=lambda p: (np.asarray(p) ** 2).sum(-1),
        minima=[(0, 0)],
    )
    assert fig.data[0].type == "surface" and fig.data[0].hoverinfo == "skip"
    assert fig.layout.updatemenus[0].buttons[0].args[1]["frame"]["redraw"] is True
    assert all(t.type != "scatter" for t in fig.data[1:])  # 3-D traces only


def test_arrows_ghost_and_divergence_label():
    fig = landscape_figure(
        grid(),
        trajectories=[trace(diverged_at=30)],
        arrows=[Arrow((1, 1), (-0.5, 0.2), label="−η∇L"), Arrow((1, 1), (0.3, 0.3))],
        ghost=(0.5, 0.5),
    )
    texts = [a.text for a in fig.layout.annotations]
    assert any("diverged at step 30" in (t or "") for t in texts)
    assert "−η∇L" in texts
    assert any(d.name == "lookahead" for d in fig.data)
    path = next(d for d in fig.data if d.name == "SGD" and d.mode == "lines+markers")
    assert len(path.x) == 31  # cut at the divergence step


def test_loss_curve_cuts_diverged_runs_and_picks_log_axis():
    ok = trace("ok")
    bad = PathTrace("bad", *spiral(50), diverged_at=20)
    fig = loss_curve_figure([ok, bad])
    assert fig.layout.yaxis.type == "log"
    bad_line = next(d for d in fig.data if d.name == "bad")
    assert len(bad_line.x) == 21
    assert any("diverged at step 20" in str(d.text) for d in fig.data if d.mode == "markers+text")
    negative = PathTrace("neg", np.zeros((3, 2)), np.array([1.0, -1.0, -2.0]))
    assert loss_curve_figure([negative]).layout.yaxis.type != "log"
    zero = PathTrace("zero", np.zeros((3, 2)), np.array([9.0, 0.0, 0.0]))
    fig0 = loss_curve_figure([zero])
    assert fig0.layout.yaxis.type == "log" and np.all(np.asarray(fig0.data[0].y) > 0)


def _loss_run(losses, label="run"):
    losses = np.asarray(losses, dtype=float)
    return PathTrace(label, np.zeros((len(losses), 2)), losses)


@pytest.mark.parametrize(
    ("first", "last", "decades_only"),
    [(1.0, 1e-4, True), (10.0, 1e-6, True), (5.0, 1.0, False), (1.0, 1e-12, False)],
)
def test_log_axes_spanning_a_few_decades_label_only_powers_of_ten(first, last, decades_only):
    fig = loss_curve_figure([_loss_run(np.geomspace(first, last, 30))])
    assert fig.layout.yaxis.type == "log"
    assert (fig.layout.yaxis.dtick == 1) is decades_only


def test_decade_ticks_reads_each_subplot_axis_from_its_own_traces():
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=2, cols=1)
    fig.add_trace(go.Scatter(x=[0, 1], y=[1.0, 1e-5]), row=1, col=1)
    fig.add_trace(go.Scatter(x=[0, 1], y=[2.0, 3.0]), row=2, col=1)
    fig.update_yaxes(type="log")
    decade_ticks(fig)
    assert fig.layout.yaxis.dtick == 1 and fig.layout.yaxis2.dtick is None


def test_a_run_of_one_point_is_drawn_as_a_dot():
    fig = loss_curve_figure([_loss_run([4.0])])
    assert fig.data[0].mode == "markers" and list(fig.data[0].y) == [4.0]
    assert tuple(fig.layout.xaxis.range) == (-0.4, 10)  # whole steps, not 0 … 0.5 … 1


def test_real_landscape_figure_with_engine_run_is_small():
    land = landscapes.get("ravine")
    traj = simulate.run(optimizers.make("sgd", lr=0.04), land, land.start, 400)
    xs, ys, z = land.grid(150)
    fig = landscape_figure(
        (xs, ys, z),
        trajectories=[PathTrace("sgd", traj.params, traj.losses)],
        minima=land.minima,
        animate_from=0,
        click_grid=40,
    )
    size = figure_json_size(fig)
    assert size <= BUDGET
    json.loads(fig.to_json())  # valid JSON


@pytest.mark.parametrize(
    ("first", "last", "limit"), [(0, 5, 150), (0, 1000, 150), (7, 7, 10), (3, 400, 20)]
)
def test_frame_indices(first, last, limit):
    idx = frame_indices(first, last, limit)
    assert idx[0] == first and idx[-1] == last
    assert len(idx) <= limit and idx == sorted(set(idx))


BOUNDS = ((-3.0, 3.0), (-2.0, 2.0))


def test_click_grid_points_span_bounds():
    gx, gy = click_grid_points(BOUNDS, 40)
    assert gx.size == 1600 and gx.min() == -3 and gy.max() == 2


def test_every_minimum_is_starred_above_the_ball_resting_on_it():
    # The saddle has two minima; a ball resting on one must not hide its star.
    from engine import landscapes

    saddle = landscapes.get("saddle")
    path = np.array([saddle.start, (0.0, 0.5), saddle.minima[1]])
    run = PathTrace("SGD", path, saddle.loss(path), SGD_COLOR, None)
    fig = landscape_figure(grid(), trajectories=[run], minima=saddle.minima, animate_from=0)
    stars = [i for i, t in enumerate(fig.data) if t.name == "minimum"]
    assert len(stars) == 1
    star = fig.data[stars[0]]
    assert sorted(zip(star.x, star.y, strict=True)) == sorted(saddle.minima)
    ball = max(i for i, t in enumerate(fig.data) if t.legendgroup == "SGD")
    assert stars[0] > ball  # drawn after (above) the ball

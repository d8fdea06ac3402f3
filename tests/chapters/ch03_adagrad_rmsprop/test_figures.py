"""Chapter 3's figure builders: grouped rate bars, curves over steps, the scrub marker."""

import json

import numpy as np
import pytest

from engine import landscapes, optimizers, simulate, worked
from kit import palette
from kit.plots.bars import grouped_bar_figure
from kit.plots.base import MAX_FRAMES, MAX_PATH_POINTS, figure_json_size
from kit.plots.curves import step_curves_figure
from kit.plots.landscape import landscape_figure
from kit.plots.series import PathTrace, Series

BUDGET = 300_000  # characters of JSON per figure
AXES = ("θ₁ (steep axis)", "θ₂ (gentle axis)")


def rate_series(values_ada, values_rms):
    return [
        Series("AdaGrad", values_ada, palette.optimizer_color("adagrad")),
        Series("RMSProp", values_rms, palette.optimizer_color("rmsprop")),
    ]


def test_grouped_bars_one_trace_per_series_with_labels():
    fig = grouped_bar_figure(
        AXES,
        rate_series([0.01, 0.2], [0.03, 0.6]),
        value_title="η / (√G + ε)",
        title="rates",
        log_y=True,
    )
    assert [t.type for t in fig.data] == ["bar", "bar"]
    assert [t.name for t in fig.data] == ["AdaGrad", "RMSProp"]
    assert list(fig.data[0].x) == list(AXES)
    assert fig.data[0].marker.color == palette.optimizer_color("adagrad")
    assert fig.layout.barmode == "group"
    assert fig.layout.yaxis.title.text == "η / (√G + ε)"
    assert fig.layout.yaxis.type == "log"
    assert fig.layout.showlegend is True
    assert figure_json_size(fig) < BUDGET


def test_grouped_bars_show_a_dash_for_missing_rates():
    fig = grouped_bar_figure(AXES, rate_series([np.nan, np.nan], [np.nan, 0.5]), log_y=True)
    assert list(fig.data[0].text) == ["—", "—"]
    assert list(fig.data[1].text) == ["—", "0.5"]
    spec = json.loads(fig.to_json())
    assert "nan" not in json.dumps([t["text"] for t in spec["data"]]).lower()


def test_step_curves_thin_long_runs_and_use_a_log_axis():
    table = worked.adagrad_vs_rmsprop(np.ones(10_000), lr=0.1, rho=0.9)
    fig = step_curves_figure(
        table["step"],
        rate_series(table["eff. LR AdaGrad"], table["eff. LR RMSProp"]),
        value_title="effective LR",
        title="over time",
        current_step=100,
    )
    assert len(fig.data) == 2
    assert all(len(t.x) <= MAX_PATH_POINTS for t in fig.data)
    assert fig.data[0].x[0] == 1 and fig.data[0].x[-1] == 10_000  # both ends kept
    assert fig.layout.yaxis.type == "log"
    assert fig.layout.xaxis.title.text == "step"
    assert fig.layout.yaxis.title.text == "effective LR (log scale)"
    assert figure_json_size(fig) < BUDGET


def test_step_curves_linear_axis_keeps_values():
    fig = step_curves_figure([0, 1, 2], [Series("a", [1.0, -1.0, 0.5])], value_title="v",
                                     log_y=False)  # fmt: skip
    assert fig.layout.yaxis.type in (None, "linear", "-")
    assert list(np.asarray(fig.data[0].y, dtype=float)) == [1.0, -1.0, 0.5]
    assert fig.layout.yaxis.title.text == "v"


def race_traces(steps=200, marker_step=None):
    land = landscapes.get("elliptical")
    out = []
    for name, hp in (("adagrad", {"lr": 0.1}), ("rmsprop", {"lr": 0.1, "rho": 0.9})):
        traj = simulate.run(optimizers.make(name, **hp), land, land.start, steps)
        out.append(
            PathTrace(name, traj.params, traj.losses, palette.optimizer_color(name),
                      traj.diverged_at, marker_step)
        )  # fmt: skip
    return land, out


def test_marker_step_moves_the_marker_and_defaults_to_the_end():
    land, traces = race_traces(steps=30, marker_step=7)
    grid = land.grid(60)
    fig = landscape_figure(grid, trajectories=traces, start=land.start, minima=land.minima)
    markers = [t for t in fig.data if t.hovertemplate and "step 7<extra>" in t.hovertemplate]
    assert len(markers) == 2
    for marker, trace in zip(markers, traces, strict=True):
        assert marker.x[0] == pytest.approx(trace.path[7, 0], abs=1e-4)
        assert marker.y[0] == pytest.approx(trace.path[7, 1], abs=1e-4)
    # Without marker_step the marker sits on the last point, as before.
    _, plain = race_traces(steps=30)
    fig = landscape_figure(grid, trajectories=plain)
    ends = [t for t in fig.data if t.hovertemplate and "now here" in t.hovertemplate]
    assert ends[0].x[0] == pytest.approx(plain[0].path[-1, 0], abs=1e-4)
    # Out-of-range steps are clamped into the drawn path.
    assert PathTrace("x", plain[0].path, plain[0].losses, marker_step=999).marker_index == 30
    assert PathTrace("x", plain[0].path, plain[0].losses, marker_step=-3).marker_index == 0


def test_race_figure_with_playback_and_click_grid_fits_the_budget():
    land, traces = race_traces(steps=300, marker_step=120)
    grid = tuple(np.asarray(a, np.float32) for a in land.grid(100))
    for view in ("2d", "3d"):
        fig = landscape_figure(
            grid,
            view=view,
            trajectories=traces,
            start=land.start,
            minima=land.minima,
            loss_fn=land.loss,
            animate_from=0,
            click_grid=40 if view == "2d" else 0,
        )
        assert len(fig.frames) <= MAX_FRAMES
        assert figure_json_size(fig) < BUDGET


def test_grouped_bars_say_so_when_nothing_is_finite():
    fig = grouped_bar_figure(AXES, rate_series([np.nan] * 2, [np.nan] * 2), log_y=True,
                                     empty_text="no gradient yet")  # fmt: skip
    assert [a.text for a in fig.layout.annotations] == ["no gradient yet"]
    fig = grouped_bar_figure(AXES, rate_series([0.1, 0.2], [0.3, 0.4]))
    assert not fig.layout.annotations

"""The in-figure slider figures: one step per value, each step's data the engine's run."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import pytest

from engine import landscapes, optimizers, simulate
from kit.plots.base import figure_json_size
from kit.plots.sweep import add_value_slider, describe_final_loss, sweep_map_figure
from kit.sweeps import nearest_index, sweep_runs

BETAS = (0.0, 0.5, 0.9, 0.99)


def ravine_grid():
    xs, ys, z = landscapes.get("ravine").grid(60)
    return xs, ys, z


def test_a_batched_sweep_equals_one_engine_run_per_value():
    land = landscapes.get("ravine")
    runs = sweep_runs("momentum", "ravine", land.start, 30, "beta", BETAS, {"lr": 0.03})
    assert runs.paths.shape == (len(BETAS), 31, 2)
    for i, beta in enumerate(BETAS):
        alone = simulate.run(optimizers.make("momentum", lr=0.03, beta=beta), land, land.start, 30)
        np.testing.assert_allclose(runs.paths[i], alone.params, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(runs.losses[i], alone.losses, rtol=1e-12)
        assert runs.diverged(i) == alone.diverged_at


def test_divergence_is_kept_per_value():
    land = landscapes.get("bowl")
    runs = sweep_runs("sgd", "bowl", land.start, 40, "lr", (0.1, 1.5), {})
    assert runs.diverged(0) is None
    alone = simulate.run(optimizers.make("sgd", lr=1.5), land, land.start, 40)
    assert alone.diverged_at is not None
    assert runs.diverged(1) == alone.diverged_at
    assert "diverged at step" in describe_final_loss(runs, 1)


def test_the_map_has_one_slider_step_per_value_carrying_that_values_path():
    land = landscapes.get("ravine")
    runs = sweep_runs("momentum", "ravine", land.start, 30, "beta", BETAS, {"lr": 0.03})
    fig = sweep_map_figure(
        ravine_grid(),
        runs,
        value_name="β",
        format_value=str,
        describe=describe_final_loss,
        active=2,
    )
    spec = json.loads(fig.to_json())
    (slider,) = spec["layout"]["sliders"]
    assert slider["active"] == 2
    assert [s["label"] for s in slider["steps"]] == [str(b) for b in BETAS]
    for i, step in enumerate(slider["steps"]):
        assert step["method"] == "update"
        data, layout, traces = step["args"]
        path_x, end_x = data["x"]
        path_y, end_y = data["y"]
        np.testing.assert_allclose(path_x, runs.paths[i, :, 0], atol=1e-4)
        np.testing.assert_allclose(path_y, runs.paths[i, :, 1], atol=1e-4)
        assert end_x == pytest.approx([runs.paths[i, -1, 0]], abs=1e-4)
        # The title states that value's own result, so no number on screen goes stale.
        assert layout["title.text"] == f"β = {BETAS[i]}"
        assert layout["annotations[0].text"] == describe_final_loss(runs, i)
        # The steps restyle the path and the end marker, the figure's last two traces.
        assert traces == [len(spec["data"]) - 2, len(spec["data"]) - 1]
    # The figure as sent shows the active value.
    assert fig.layout.title.text == slider["steps"][2]["args"][1]["title.text"]
    assert fig.layout.annotations[0].text == describe_final_loss(runs, 2)
    assert figure_json_size(fig) < 300_000


def test_a_diverged_value_is_drawn_up_to_its_divergence_step():
    land = landscapes.get("bowl")
    runs = sweep_runs("sgd", "bowl", land.start, 40, "lr", (0.1, 1.5), {})
    xs, ys, z = land.grid(40)
    fig = sweep_map_figure(
        (xs, ys, z), runs, value_name="η", format_value=str, describe=describe_final_loss, active=0
    )
    step = json.loads(fig.to_json())["layout"]["sliders"][0]["steps"][1]
    assert len(step["args"][0]["x"][0]) == runs.diverged(1) + 1


def test_add_value_slider_restyles_the_given_traces():
    fig = go.Figure([go.Scatter(x=[0, 1, 2], y=[1, 1, 1]), go.Scatter(x=[0, 1, 2], y=[2, 2, 2])])
    fig.update_layout(height=300)
    ys = [[np.array([k, k, k]), np.array([2 * k, 2 * k, np.nan])] for k in (1.0, 2.0, 3.0)]
    add_value_slider(
        fig,
        traces=[0, 1],
        ys_per_value=ys,
        labels=["a", "b", "c"],
        titles=["A", "B", "C"],
        active=0,
        prefix="drag: ",
    )
    steps = json.loads(fig.to_json())["layout"]["sliders"][0]["steps"]
    assert len(steps) == 3
    assert steps[2]["args"][0]["y"] == [[3.0, 3.0, 3.0], [6.0, 6.0, None]]
    assert steps[1]["args"][1]["title.text"] == "B" and steps[1]["args"][2] == [0, 1]
    assert fig.layout.height > 300  # room for the slider under the plot


def test_nearest_index_is_logarithmic_for_positive_grids():
    assert nearest_index((0.001, 0.01, 0.1, 1.0), 0.04) == 2
    assert nearest_index((0.0, 0.5, 0.9), 0.8) == 2

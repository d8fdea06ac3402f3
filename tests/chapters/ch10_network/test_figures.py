"""Chapter 10's figure builders: traces, labels, divergence marks, replay frames, size."""

import numpy as np
import pytest

from chapters.ch10_network import figures, logic
from chapters.ch10_network.logic import Setup
from kit.plots.base import figure_json_size


@pytest.fixture(scope="module")
def race():
    setup = Setup(racers=("sgd", "adam"), rates=(0.3, 50.0), total_steps=40)
    run = logic.new_training(setup)
    run.advance(40)
    return setup, run, run.history()


def test_curve_figure_has_validation_and_batch_traces_and_marks_divergence(race):
    _, _, history = race
    fig = figures.curve_figure(history, ["#111111", "#222222"], metric="loss")
    names = [t.name for t in fig.data]
    assert "SGD" in names and "Adam" in names and "SGD (training batch)" in names
    marks = [t for t in fig.data if t.text and "diverged at step" in t.text[0]]
    assert len(marks) == 1 and str(history.diverged_at[1]) in marks[0].text[0]
    assert fig.layout.xaxis.title.text == "step"
    assert fig.layout.yaxis.title.text == "cross-entropy loss"
    assert fig.layout.title.text == "Loss per racer"
    acc = figures.curve_figure(history, ["#111111", "#222222"], metric="accuracy")
    assert acc.layout.yaxis.tickformat == ".0%"
    with pytest.raises(ValueError):
        figures.curve_figure(history, ["#1", "#2"], metric="speed")


def test_boundary_figure_has_a_panel_per_racer_and_replays_the_snapshots(race):
    _, run, history = race
    frames = []
    for step, params in sorted(history.snapshots.items()):
        xs, ys, probs = logic.probability_grid(run.network, params, run.dataset.bounds)
        frames.append((step, probs))
    fig = figures.boundary_figure(
        xs,
        ys,
        frames,
        run.dataset.X_train,
        run.dataset.y_train,
        history.labels,
        run.dataset.bounds,
        diverged_at=history.diverged_at,
    )
    heatmaps = [t for t in fig.data if t.type == "heatmap"]
    assert len(heatmaps) == 2
    titles = [a.text for a in fig.layout.annotations]
    assert titles[0] == "SGD" and titles[1].startswith("Adam (diverged at")
    assert len(fig.frames) == len(frames) and fig.layout.sliders
    assert fig.layout.sliders[0].steps[-1].label == str(frames[-1][0])
    assert figure_json_size(fig) < 1_000_000


def test_confusion_and_misclassified_figures_are_labelled():
    matrix = np.eye(10, dtype=int) * 30
    matrix[3, 8] = 4
    fig = figures.confusion_figure(matrix, "Adam")
    assert fig.layout.xaxis.title.text == "predicted digit"
    assert fig.layout.yaxis.title.text == "true digit"
    assert "Adam" in fig.layout.title.text
    images = np.zeros((3, 8, 8))
    wrong = figures.misclassified_figure(images, [3, 5, 9], [8, 6, 4], "Adam")
    assert [a.text for a in wrong.layout.annotations] == ["3 → 8", "5 → 6", "9 → 4"]
    assert len(wrong.data) == 3


def test_layer_figure_draws_each_racer_and_layer_with_the_rule(race):
    _, _, history = race
    fig = figures.layer_figure(history, ["#111", "#222"], kind="update_ratio", rule_of_thumb=1e-3)
    assert len(fig.data) == 2 * len(history.layer_names) + 1
    assert fig.data[0].name == "SGD" and fig.data[0].line.dash == "solid"
    assert fig.data[1].line.dash == "dash" and fig.data[1].showlegend is False
    assert fig.layout.yaxis.type == "log"
    rule = fig.data[-1]
    assert rule.name == "rule of thumb 0.001" and set(rule.y) == {1e-3}
    grad = figures.layer_figure(history, ["#111", "#222"], kind="grad_norm")
    assert "Gradient norm" in grad.layout.title.text


def test_spread_and_sweep_figures():
    q = {"min": 1e-4, "q1": 1e-3, "median": 2e-3, "q3": 5e-3, "max": 1e-1}
    fig = figures.spread_figure([("Adam", "#2ca02c", q)], step=12)
    assert fig.data[0].median == (2e-3,) and fig.layout.xaxis.type == "log"
    assert "step 12" in fig.layout.title.text
    sweep = figures.sweep_figure(
        [1e-3, 1e-2, 1e-1],
        {"SGD": [0.5, 0.8, 0.9]},
        {"SGD": "#1f77b4"},
        y_title="validation accuracy",
        title="t",
        bands={"SGD": (1e-2, 1e-1, 1.0)},
    )
    assert sweep.layout.xaxis.type == "log" and len(sweep.layout.shapes) == 1

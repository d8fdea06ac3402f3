"""Stacked step panels: traces, the highlighted step, playback of the cursor, log panels."""

import json

import numpy as np
import pytest

from chapters.ch04_adam import logic as ch04_logic
from engine import worked
from kit.plots.base import figure_json_size
from kit.plots.panels import PanelCurve, StepPanel, step_panels_figure

BUDGET = 300_000  # bytes of JSON per figure


def adam_panels(grads):
    data = worked.adam_three_steps(grads=grads)
    steps = data["step"].astype(int)
    panels = [
        StepPanel(
            "gradient and m",
            (
                PanelCurve("g", data["gradient g"], bars=True),
                PanelCurve("m", data["m"], dash="dot"),
                PanelCurve("m̂", data["m̂"]),
            ),
        ),
        StepPanel("v", (PanelCurve("v", data["v"]), PanelCurve("v̂", data["v̂"]))),
        StepPanel(
            "update Δθ",
            (
                PanelCurve("Δθ", data["Δθ (signed)"], bars=True),
                PanelCurve("±η", np.full(len(steps), 1e-3), marked=False),
                PanelCurve("±η", np.full(len(steps), -1e-3), marked=False),
            ),
        ),
    ]
    return steps, panels


def test_step_panels_trace_counts_and_axes():
    steps, panels = adam_panels((4.0, -1.0, 3.0))
    fig = step_panels_figure(steps, panels, highlight=2, animate=True)
    curves = sum(len(p.curves) for p in panels)
    assert len(fig.data) == curves + 2 * len(panels)  # + a cursor and markers per panel
    layout = fig.layout
    assert layout.yaxis.title.text == "gradient and m"
    assert layout.yaxis2.title.text == "v"
    assert layout.yaxis3.title.text == "update Δθ"
    assert layout.xaxis3.title.text == "step"
    assert layout.xaxis3.dtick == 1  # a few steps: whole-number ticks
    # One legend entry per label, even when a label appears twice (±η).
    shown = [t.name for t in fig.data if t.showlegend]
    assert len(shown) == len(set(shown)) and "±η" in shown


def test_highlight_marks_the_chosen_step_in_every_panel():
    steps, panels = adam_panels((4.0, -1.0, 3.0))
    fig = step_panels_figure(steps, panels, highlight=2)
    cursors = [t for t in fig.data if t.name == "selected step" and t.mode == "lines"]
    dots = [t for t in fig.data if t.name == "selected step" and t.mode == "markers"]
    assert len(cursors) == len(dots) == 3
    assert all(list(c.x) == [2, 2] for c in cursors)
    m_hat = worked.adam_three_steps()["m̂"][1]
    assert dots[0].y[2] == pytest.approx(m_hat, rel=1e-6)  # g, m, m̂ are marked in panel 1
    assert len(dots[2].y) == 1  # the ±η lines carry no marker
    assert not fig.frames  # no playback unless asked


def test_playback_frames_move_only_the_highlight():
    grads = tuple(ch04_logic.preset_gradients("noisy"))
    steps, panels = adam_panels(grads)
    fig = step_panels_figure(steps, panels, highlight=10, animate=True)
    moving = [i for i, t in enumerate(fig.data) if t.name == "selected step"]
    assert len(fig.frames) == len(steps)
    for frame in fig.frames:
        assert list(frame.traces) == moving
    assert fig.layout.sliders[0].active == 9  # starts where the scrubber is
    assert fig.frames[4].data[0].x == (5, 5)
    assert figure_json_size(fig) <= BUDGET
    json.loads(fig.to_json())


def test_log_panel_drops_non_positive_values_and_labels_decades():
    steps = np.arange(1, 6)
    panel = StepPanel("share (log)", (PanelCurve("a", [0.0, 1e-3, -1.0, 1e-2, 2e-2]),), log_y=True)
    fig = step_panels_figure(steps, [panel], highlight=1)
    y = np.asarray(fig.data[0].y, dtype=float)
    assert np.isnan(y[0]) and np.isnan(y[2]) and y[3] == pytest.approx(1e-2)
    assert fig.layout.yaxis.type == "log" and fig.layout.yaxis.dtick == "D2"
    assert fig.data[-1].y[0] is None  # the marker on a missing value is left out

"""Chapter 0's figure: the ball on the parabola, from the engine's trace."""

import pytest

from chapters.ch00_landscape import figures
from engine import worked
from kit.plots.base import MAX_FRAMES, figure_json_size

BUDGET = 300_000  # bytes of JSON per figure


def test_parabola_figure_ball_frames_from_engine_trace():
    table = worked.parabola(1.1, 6)
    fig = figures.parabola_figure(
        table["x"], table["loss f(x)"], curve=worked.parabola_loss, minimum=(3.0, 0.0)
    )
    ball = len(fig.data) - 1
    assert len(fig.frames) == 7
    assert all(list(f.traces) == [ball] for f in fig.frames)
    assert fig.frames[1].data[0].x[0] == pytest.approx(6.6)
    assert figure_json_size(fig) < BUDGET
    slow = worked.parabola(0.001, 1000)
    fig_slow = figures.parabola_figure(
        slow["x"], slow["loss f(x)"], curve=worked.parabola_loss, minimum=(3.0, 0.0)
    )
    assert len(fig_slow.frames) <= MAX_FRAMES
    assert figure_json_size(fig_slow) < BUDGET

"""Chapter 6's bar charts: the memory bars, memoised like every page figure."""

import numpy as np
import plotly.graph_objects as go

from chapters.ch06_beyond_adam import figures
from kit.plots.memo import memo_figure


def test_bar_figure_handles_non_finite_values():
    fig = figures.bar_figure(["a", "b", "c"], [1.0, np.inf, 0.5], colors=["#111", "#222", "#333"])
    assert list(fig.data[0].text) == ["1", "—", "0.5"]
    assert isinstance(fig, go.Figure)


def test_memoised_page_figure_matches_a_fresh_build():
    args = (1024, 1024, 4 * 1024**2, 8 * 1024**2, 4 * 2048)
    memoised = memo_figure(figures.memory_figure, *args)
    assert memoised.to_json() == figures.memory_figure(*args).to_json()
    assert memoised.layout.yaxis.dtick == 1

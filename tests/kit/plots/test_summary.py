"""A chart's summary for screen readers is built from the figure: title, axes, series."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from kit.plots.summary import MAX_SERIES_NAMED, chart_summary


def test_title_axes_and_series_are_named() -> None:
    fig = go.Figure([go.Scatter(name="Adam", y=[3, 2, 1]), go.Scatter(name="SGD", y=[3, 2.5, 2])])
    fig.update_layout(title="Loss over steps", xaxis_title="step", yaxis_title="loss")
    assert chart_summary(fig) == (
        "Loss over steps. x axis: step; y axis: loss. Shows: Adam and SGD."
    )


def test_html_in_titles_is_read_as_words() -> None:
    fig = go.Figure(go.Scatter(name="<b>Lion</b>", y=[1]))
    fig.update_layout(title="<b>Ravine</b><br><sub>β = 0.9</sub>")
    assert chart_summary(fig) == "Ravine β = 0.9. Shows: Lion."


def test_maps_and_surfaces_are_described_and_hidden_series_skipped() -> None:
    fig = go.Figure(
        [
            go.Contour(z=np.zeros((3, 3))),
            go.Scatter(name="start", y=[0], showlegend=False),
            go.Scatter(name="Momentum", y=[1]),
        ]
    )
    fig.update_layout(xaxis_title="θ₁", yaxis_title="θ₂")
    assert chart_summary(fig, "Loss map") == (
        "Loss map. x axis: θ₁; y axis: θ₂. Shows: a contour map and Momentum."
    )


def test_a_long_legend_is_counted_and_animation_mentioned() -> None:
    fig = go.Figure([go.Scatter(name=f"run {i}", y=[i]) for i in range(MAX_SERIES_NAMED + 2)])
    fig.frames = [go.Frame(data=[go.Scatter(y=[0])], name=str(i)) for i in range(4)]
    text = chart_summary(fig)
    assert f"Shows {MAX_SERIES_NAMED + 2} series, first run 0, run 1, run 2." in text
    assert text.endswith("Animated over 4 frames.")


def test_small_multiples_name_each_axis_title_once() -> None:
    fig = go.Figure()
    fig.update_layout(
        xaxis={"title": "η"}, xaxis2={"title": "η"}, yaxis={"title": "β"}, yaxis2={"title": "β"}
    )
    assert chart_summary(fig) == "Chart. x axis: η; y axis: β."

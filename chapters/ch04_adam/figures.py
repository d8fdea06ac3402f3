"""Chapter 4's figures: Adam's buffers in stacked panels, and how oversized the
uncorrected step is."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from chapters.ch04_adam.logic import ADAM_COLOR, FIRST_STEPS, NAIVE_COLOR
from kit import palette
from kit.format import format_rate
from kit.plots.bars import grouped_bar_figure
from kit.plots.panels import PanelCurve, StepPanel, step_panels_figure
from kit.plots.series import Series


def internals_figure(data: dict[str, np.ndarray], lr: float, step: int):
    steps = data["step"].astype(int)
    g = data["gradient g"]
    update = data["Δθ (signed)"]
    return step_panels_figure(
        steps,
        [
            StepPanel(
                "gradient and m",
                (
                    PanelCurve("gradient g", g, "#9aa5b1", bars=True),
                    PanelCurve("m", data["m"], ADAM_COLOR, dash="dot"),
                    PanelCurve("m̂ (corrected)", data["m̂"], ADAM_COLOR),
                ),
            ),
            StepPanel(
                "v",
                (
                    PanelCurve("v", data["v"], palette.optimizer_color("rmsprop"), "dot"),
                    PanelCurve("v̂ (corrected)", data["v̂"], palette.optimizer_color("rmsprop")),
                ),
            ),
            StepPanel(
                "update Δθ",
                (
                    PanelCurve("update Δθ", update, ADAM_COLOR, bars=True),
                    PanelCurve(
                        "no bias correction",
                        data["naive Δθ"],
                        NAIVE_COLOR,
                        dash="dash",
                        marked=False,
                    ),
                    PanelCurve("±η", np.full(len(steps), lr), "#444", "dot", marked=False),
                    PanelCurve("±η", np.full(len(steps), -lr), "#444", "dot", marked=False),
                ),
            ),
        ],
        highlight=step,
        animate=True,
        panel_height=185,
    )


def inflation_figure(ratio: np.ndarray) -> go.Figure:
    """How many times too large the uncorrected step is, step by step (log step axis)."""
    steps = np.arange(1, len(ratio) + 1)
    fig = step_panels_figure(
        steps,
        [
            StepPanel(
                "uncorrected ÷ corrected step",
                (PanelCurve("without bias correction", ratio, NAIVE_COLOR),),
            )
        ],
        log_x=True,
        x_title="step t (log scale)",
        title="How oversized the uncorrected step is",
        panel_height=260,
    )
    fig.add_hline(y=1.0, line={"color": ADAM_COLOR, "width": 2, "dash": "dash"})
    fig.add_annotation(
        x=math.log10(2),
        y=1.0,
        text="Adam with correction: exactly 1×",
        showarrow=False,
        yanchor="bottom",
        xanchor="left",
        font={"color": ADAM_COLOR, "size": 12},
    )
    fig.update_layout(showlegend=False, margin={"t": 44})  # no legend: less room on top
    return fig


def first_steps_figure(labels: list[str], sizes: dict[str, np.ndarray], lr: float) -> go.Figure:
    """The length of each of the first steps, with and without bias correction."""
    bars = grouped_bar_figure(
        labels,
        [
            Series("Adam (corrected)", sizes["corrected"], ADAM_COLOR),
            Series("without correction", sizes["naive"], NAIVE_COLOR),
        ],
        value_title="length of the step",
        title=f"Length of each of the first {FIRST_STEPS} steps from this start, η = "
        f"{format_rate(lr)}",
        height=300,
    )
    bars.update_xaxes(title_text="step", dtick=1)
    bars.update_traces(textposition="none")
    return bars

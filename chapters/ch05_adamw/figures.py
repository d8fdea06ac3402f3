"""Chapter 5's figure: the decay each weight receives under Adam + L2 and AdamW, per step
and summed."""

from __future__ import annotations

import numpy as np

from chapters.ch05_adamw.logic import ADAMW_COLOR, BUSY, L2_COLOR, QUIET
from kit.plots.panels import PanelCurve, StepPanel, step_panels_figure


def decay_figure(runs: dict[str, dict], step: int):
    """Per-step and accumulated decay share of both weights under both methods."""
    steps = runs[BUSY]["step"].astype(int)
    per_step, so_far = [], []
    for method, column, color in (
        ("Adam + L2", "Adam+L2", L2_COLOR),
        ("AdamW", "AdamW", ADAMW_COLOR),
    ):
        for weight, dash in ((BUSY, None), (QUIET, "dash")):
            label = f"{method}, {weight}"
            share = np.asarray(runs[weight][f"{column} decay (% of θ)"], dtype=float)
            per_step.append(PanelCurve(label, share, color, dash))
            so_far.append(PanelCurve(label, np.cumsum(share), color, dash))
    return step_panels_figure(
        steps,
        [
            StepPanel("% of θ, this step (log)", tuple(per_step), log_y=True),
            StepPanel("% of θ, summed so far", tuple(so_far)),
        ],
        highlight=step,
        animate=True,
        panel_height=220,
    )

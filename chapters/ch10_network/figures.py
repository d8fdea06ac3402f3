"""Chapter 10's figure builders (pure: arrays in, ``go.Figure`` out, no Streamlit).

Racers keep their optimizer's colour from the engine's declaration, so a racer looks the
same here as in every other chapter.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from kit.plots.base import add_playback, base_layout, decade_ticks, f32, quick_frame, thin
from kit.plots.curves import divergence_marker

LAYER_DASHES = ("solid", "dash", "dot", "dashdot")
BOUNDARY_COLUMNS = 4
CLASS_COLORS = ("#2b6cb0", "#c05621")  # class 0 blue, class 1 orange
# P(class 1) from blue (0) through white to orange (1), as the points are coloured.
BOUNDARY_SCALE = [[0.0, "#90cdf4"], [0.5, "#ffffff"], [1.0, "#fbd38d"]]
MAX_CURVE_POINTS = 600


def _diverged_end(steps: np.ndarray, values: np.ndarray) -> tuple[float, float] | None:
    finite = np.flatnonzero(np.isfinite(values))
    if finite.size == 0:
        return None
    return float(steps[finite[-1]]), float(values[finite[-1]])


def curve_figure(
    history,
    colors: Sequence[str],
    *,
    metric: str,
    height: int = 380,
) -> go.Figure:
    """Training (thin, faint: one mini-batch per step) and validation (bold) per racer.

    ``metric`` is ``"loss"`` or ``"accuracy"``. A diverged run ends in a labelled ✕.
    """
    if metric not in ("loss", "accuracy"):
        raise ValueError(f"metric must be 'loss' or 'accuracy', got {metric!r}")
    train = history.train_loss if metric == "loss" else history.train_accuracy
    val = history.val_loss if metric == "loss" else history.val_accuracy
    fig = go.Figure()
    steps = np.arange(1, history.steps + 1)
    keep = thin(len(steps), MAX_CURVE_POINTS)
    for r, label in enumerate(history.labels):
        color = colors[r]
        if history.steps:
            fig.add_trace(
                go.Scatter(
                    x=steps[keep],
                    y=f32(train[keep, r]),
                    mode="lines",
                    line={"color": color, "width": 1},
                    opacity=0.35,
                    name=f"{label} (training batch)",
                    legendgroup=label,
                    showlegend=False,
                    hovertemplate=f"{label} · training batch<br>step %{{x}}: %{{y:.3f}}<extra></extra>",
                )
            )
        fig.add_trace(
            go.Scatter(
                x=history.eval_steps,
                y=f32(val[:, r]),
                mode="lines+markers" if len(history.eval_steps) < 30 else "lines",
                line={"color": color, "width": 2.5},
                marker={"size": 5},
                name=label,
                legendgroup=label,
                hovertemplate=f"{label} · validation<br>step %{{x}}: %{{y:.3f}}<extra></extra>",
            )
        )
        lost = int(history.diverged_at[r])
        if lost >= 0 and history.steps:
            end = _diverged_end(steps, train[:, r])
            if end is not None:
                fig.add_trace(divergence_marker(end[0], end[1], lost))
    title = "Loss per racer" if metric == "loss" else "Accuracy per racer"
    base_layout(fig, title=title, height=height)
    fig.update_xaxes(title_text="step", rangemode="tozero")
    if metric == "loss":
        fig.update_yaxes(title_text="cross-entropy loss", rangemode="tozero")
    else:
        fig.update_yaxes(title_text="share classified right", range=[0, 1.02], tickformat=".0%")
    return fig


def boundary_figure(
    xs: np.ndarray,
    ys: np.ndarray,
    frames: Sequence[tuple[int, np.ndarray]],
    points: np.ndarray,
    classes: np.ndarray,
    labels: Sequence[str],
    bounds,
    *,
    diverged_at: Sequence[int] = (),
) -> go.Figure:
    """Each racer's decision boundary side by side, replayable over the stored steps.

    ``frames`` is a list of (step, P(class 1) of shape (R, n, n)); the figure shows the
    last and its slider replays them all. The probabilities travel as whole percents
    (uint8), so twenty frames of thirteen panels stay small.
    """
    runs = len(labels)
    cols = min(runs, BOUNDARY_COLUMNS)
    rows = math.ceil(runs / cols)
    titles = [
        f"{label} (diverged at {diverged_at[r]})"
        if r < len(diverged_at) and diverged_at[r] >= 0
        else label
        for r, label in enumerate(labels)
    ]
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=titles,
        horizontal_spacing=0.03,
        vertical_spacing=0.12 / rows + 0.04,
        shared_xaxes=True,
        shared_yaxes=True,
    )

    def percent(p: np.ndarray) -> np.ndarray:
        return np.round(np.nan_to_num(p, nan=0.5) * 100).astype(np.uint8)

    last_step, last = frames[-1]
    heatmaps = []
    for r in range(runs):
        row, col = divmod(r, cols)
        fig.add_trace(
            go.Heatmap(
                x=f32(xs),
                y=f32(ys),
                z=percent(last[r]),
                zmin=0,
                zmax=100,
                colorscale=BOUNDARY_SCALE,
                showscale=False,
                hoverinfo="skip",
            ),
            row=row + 1,
            col=col + 1,
        )
        heatmaps.append(len(fig.data) - 1)
        for c in (0, 1):
            chosen = classes == c
            fig.add_trace(
                go.Scatter(
                    x=f32(points[chosen, 0]),
                    y=f32(points[chosen, 1]),
                    mode="markers",
                    marker={"size": 4, "color": CLASS_COLORS[c], "line": {"width": 0}},
                    name=f"class {c}",
                    showlegend=False,
                    hoverinfo="skip",
                ),
                row=row + 1,
                col=col + 1,
            )
    panel_px = 230 if cols > 1 else 320
    height = 110 + rows * panel_px + (60 if len(frames) > 1 else 0)
    base_layout(
        fig,
        title=f"Decision boundaries at step {last_step}",
        height=height,
    )
    (x0, x1), (y0, y1) = bounds
    fig.update_xaxes(showticklabels=False, range=[x0, x1], showgrid=False, zeroline=False)
    fig.update_yaxes(showticklabels=False, range=[y0, y1], showgrid=False, zeroline=False)
    for i in range(1, rows * cols + 1):
        fig.layout[f"xaxis{'' if i == 1 else i}"].title = None
    fig.layout.xaxis.title = "x₁ (the plane's first coordinate)"
    fig.layout.yaxis.title = "x₂"
    fig.update_annotations(font_size=12)
    if len(frames) > 1:
        moving = [
            quick_frame(
                [{"type": "heatmap", "z": percent(probs[r])} for r in range(runs)],
                heatmaps,
                str(step),
            )
            for step, probs in frames
        ]
        add_playback(fig, moving, redraw=True, frame_ms=250)
    return fig


def confusion_figure(matrix: np.ndarray, label: str) -> go.Figure:
    """Counts of validation digits by true class (rows) and predicted class (columns)."""
    n = matrix.shape[0]
    classes = [str(c) for c in range(n)]
    fig = go.Figure(
        go.Heatmap(
            z=matrix,
            x=classes,
            y=classes,
            colorscale="Blues",
            showscale=False,
            text=matrix,
            texttemplate="%{text}",
            hovertemplate="true %{y}, predicted %{x}: %{z}<extra></extra>",
        )
    )
    base_layout(fig, title=f"Confusion matrix: {label}", height=420)
    fig.update_xaxes(title_text="predicted digit", type="category", side="bottom")
    fig.update_yaxes(title_text="true digit", type="category", autorange="reversed")
    return fig


def misclassified_figure(
    images: np.ndarray, true: Sequence[int], predicted: Sequence[int], label: str, cols: int = 6
) -> go.Figure:
    """A grid of validation digits the racer got wrong, titled "true → predicted"."""
    count = len(images)
    rows = max(1, math.ceil(count / cols))
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=[f"{t} → {p}" for t, p in zip(true, predicted, strict=True)],
        horizontal_spacing=0.02,
        vertical_spacing=0.08,
    )
    for i, image in enumerate(images):
        row, col = divmod(i, cols)
        fig.add_trace(
            go.Heatmap(
                z=np.asarray(image, dtype=np.uint8),
                colorscale="Greys",
                zmin=0,
                zmax=16,
                showscale=False,
                hovertemplate="ink %{z}/16<extra></extra>",
            ),
            row=row + 1,
            col=col + 1,
        )
    base_layout(
        fig,
        title=f"Digits {label} got wrong (true → said)",
        height=90 + rows * 120,
    )
    fig.update_xaxes(showticklabels=False, showgrid=False, zeroline=False)
    fig.update_yaxes(
        showticklabels=False,
        showgrid=False,
        zeroline=False,
        autorange="reversed",
        scaleanchor="x",
        scaleratio=1,
    )
    fig.update_annotations(font_size=12)
    return fig


def layer_figure(
    history,
    colors: Sequence[str],
    *,
    kind: str,
    rule_of_thumb: float | None = None,
    height: int = 400,
) -> go.Figure:
    """Per-layer ``update_ratio`` (‖Δw‖/‖w‖) or ``grad_norm`` over the steps, log scale.

    One colour per racer, one dash per layer; the rule of thumb as a dashed line.
    """
    values = getattr(history, kind)
    steps = np.arange(1, history.steps + 1)
    keep = thin(len(steps), MAX_CURVE_POINTS)
    fig = go.Figure()
    for r, label in enumerate(history.labels):
        for layer, layer_name in enumerate(history.layer_names):
            fig.add_trace(
                go.Scatter(
                    x=steps[keep],
                    y=f32(values[keep, r, layer]),
                    mode="lines",
                    line={
                        "color": colors[r],
                        "width": 1.6,
                        "dash": LAYER_DASHES[layer % len(LAYER_DASHES)],
                    },
                    name=label,
                    legendgroup=label,
                    showlegend=layer == 0,
                    hovertemplate=f"{label} · {layer_name}<br>step %{{x}}: %{{y:.2e}}<extra></extra>",
                )
            )
    if rule_of_thumb is not None and len(steps):
        fig.add_trace(
            go.Scatter(
                x=[steps[0], steps[-1]],
                y=[rule_of_thumb, rule_of_thumb],
                mode="lines",
                line={"color": "#444", "dash": "longdash", "width": 1.5},
                name=f"rule of thumb {rule_of_thumb:g}",
                hoverinfo="skip",
            )
        )
    if kind == "update_ratio":
        title, y_title = "Update-to-weight ratio per layer", "‖Δw‖ / ‖w‖ (log)"
    else:
        title, y_title = "Gradient norm per layer", "‖∂L/∂w‖ (log)"
    base_layout(fig, title=title, height=height)
    fig.update_xaxes(title_text="step")
    fig.update_yaxes(title_text=y_title, type="log")
    decade_ticks(fig)
    return fig


def spread_figure(stats: Sequence[tuple[str, str, Mapping[str, float]]], step: int) -> go.Figure:
    """Per-weight effective step sizes of each adaptive racer: a box from its quartiles."""
    fig = go.Figure()
    for label, color, q in stats:
        fig.add_trace(
            go.Box(
                y=[label],
                q1=[q["q1"]],
                median=[q["median"]],
                q3=[q["q3"]],
                lowerfence=[q["min"]],
                upperfence=[q["max"]],
                orientation="h",
                name=label,
                marker_color=color,
                line_color=color,
                showlegend=False,
            )
        )
    base_layout(
        fig,
        title=f"Per-weight step sizes at step {step}",
        height=120 + 55 * max(len(stats), 1),
    )
    # A box drawn from its statistics carries no x values for decade_ticks to read.
    fig.update_xaxes(title_text="η/(√v̂+ε) of each weight (log)", type="log", dtick=1)
    fig.update_yaxes(title_text="", autorange="reversed")
    return fig


def sweep_figure(
    rates: Sequence[float],
    curves: Mapping[str, Sequence[float]],
    colors: Mapping[str, str],
    *,
    y_title: str,
    title: str,
    bands: Mapping[str, tuple[float, float, float]] | None = None,
) -> go.Figure:
    """A value per learning rate per optimizer (log x), with each good band shaded."""
    fig = go.Figure()
    for name, values in curves.items():
        fig.add_trace(
            go.Scatter(
                x=f32(rates),
                y=f32(values),
                mode="lines+markers",
                line={"color": colors[name], "width": 2},
                name=name,
                hovertemplate=f"{name}<br>η = %{{x:.3g}}: %{{y:.3f}}<extra></extra>",
            )
        )
        if bands and name in bands and math.isfinite(bands[name][0]):
            low, high, _ = bands[name]
            fig.add_vrect(x0=low, x1=high, fillcolor=colors[name], opacity=0.10, line_width=0)
    base_layout(fig, title=title, height=360)
    fig.update_xaxes(title_text="learning rate η (log)", type="log")
    fig.update_yaxes(title_text=y_title)
    decade_ticks(fig)
    return fig


def loss_pair_figure(
    curves: Mapping[str, np.ndarray], colors: Mapping[str, str], title: str
) -> go.Figure:
    """Training-batch loss of a few runs over the steps (one line each)."""
    fig = go.Figure()
    for name, loss in curves.items():
        steps = np.arange(1, len(loss) + 1)
        fig.add_trace(
            go.Scatter(
                x=steps,
                y=f32(loss),
                mode="lines",
                line={"color": colors[name], "width": 1.5},
                name=name,
                hovertemplate=f"{name}<br>step %{{x}}: %{{y:.3f}}<extra></extra>",
            )
        )
    base_layout(fig, title=title, height=340)
    fig.update_xaxes(title_text="step")
    fig.update_yaxes(title_text="training-batch loss", rangemode="tozero")
    return fig

"""Colours used across the whole course, so an optimizer keeps its colour on every page."""

from __future__ import annotations

# One colour per optimizer name in engine.optimizers.NAMES (fixed for the whole course).
OPTIMIZER_COLORS: dict[str, str] = {
    "sgd": "#1f77b4",  # blue
    "momentum": "#ff7f0e",  # orange
    "nesterov": "#d62728",  # red
    "adagrad": "#8c564b",  # brown
    "rmsprop": "#9467bd",  # purple
    "adam": "#2ca02c",  # green
    "adamw": "#17becf",  # teal
    "radam": "#bcbd22",  # olive
    "lamb": "#e377c2",  # pink
    "lars": "#7f7f7f",  # grey
    "adafactor": "#393b79",  # indigo
    "lion": "#c49a00",  # gold
    "sophia": "#843c39",  # maroon
}

FALLBACK_COLOR = "#444444"

# Markers and arrows drawn on landscapes.
START_COLOR = "#222222"
MINIMUM_COLOR = "#f2c14e"
SADDLE_COLOR = "#ffffff"
GRADIENT_COLOR = "#c0392b"  # the gradient arrow (uphill, drawn reversed where it means the step)
VELOCITY_COLOR = "#2471a3"
GHOST_COLOR = "#7f8c8d"
DIVERGED_COLOR = "#c0392b"

# Sequential colour scale for loss surfaces: light valleys, dark peaks keep markers legible.
LANDSCAPE_COLORSCALE = "YlGnBu"

# Status badges (see kit.status).
STATUS_COLORS: dict[str, str] = {
    "ready": "gray",
    "converging": "green",
    "converged": "green",
    "crawling": "orange",
    "diverging": "red",
    "saddle": "violet",
    "oscillating": "orange",
}


def optimizer_color(name: str) -> str:
    """The course colour of optimizer ``name`` (a neutral grey for an unknown name)."""
    return OPTIMIZER_COLORS.get(name, FALLBACK_COLOR)


# One colour per learning-rate schedule (engine.schedules.NAMES), for overlaid curves.
SCHEDULE_COLORS: dict[str, str] = {
    "constant": "#666666",
    "step": "#d95f02",
    "cosine": "#1b9e77",
    "linear": "#7570b3",
    "inverse_sqrt": "#e7298a",
    "wsd": "#a6761d",
}


def schedule_color(name: str) -> str:
    """The course colour of learning-rate schedule ``name`` (grey for an unknown name)."""
    return SCHEDULE_COLORS.get(name, FALLBACK_COLOR)

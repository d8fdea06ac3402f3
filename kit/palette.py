"""Colours used across the whole course, so an optimizer keeps its colour on every page.

An optimizer's colour is declared once, in its engine spec (``optimizers.info(name).colour``).
"""

from __future__ import annotations

from engine import optimizers

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
    "accelerating": "blue",
    "diverging": "red",
    "saddle": "violet",
    "oscillating": "orange",
}


def optimizer_color(name: str) -> str:
    """The course colour of optimizer ``name``, from its engine spec (a neutral grey for
    a name that is no engine optimizer, such as a variant a page draws)."""
    return optimizers.info(name).colour if name in optimizers.NAMES else FALLBACK_COLOR


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


# Colour alone does not tell racers apart for a colour-blind learner: each optimizer also
# has its own line dash and marker symbol (13 optimizers, 6 dashes × 7 symbols, so no two
# share both). Any other series drawn beside them takes a style by its position.
LINE_DASHES: tuple[str, ...] = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
MARKER_SYMBOLS: tuple[str, ...] = (
    "circle",
    "square",
    "diamond",
    "triangle-up",
    "pentagon",
    "star",
    "triangle-down",
)


def series_style(index: int) -> tuple[str, str]:
    """(line dash, marker symbol) of the ``index``-th series of a figure."""
    return LINE_DASHES[index % len(LINE_DASHES)], MARKER_SYMBOLS[index % len(MARKER_SYMBOLS)]


def optimizer_style(name: str) -> tuple[str, str]:
    """(line dash, marker symbol) of optimizer ``name``, the same on every page."""
    names = list(optimizers.NAMES)
    return series_style(names.index(name)) if name in names else series_style(0)

"""A chart in words: the title and what it shows, for a screen reader.

Plotly draws into SVG that a screen reader cannot summarise, so every chart on the
course carries one sentence built from the figure itself: its title, its axes, and
the series it draws. Pure (no Streamlit), so it is tested on figures alone.
"""

from __future__ import annotations

import re
from typing import Any

import plotly.graph_objects as go

MAX_SERIES_NAMED = 8  # a legend longer than this is summarised by its count
_TAGS = re.compile(r"<[^>]+>")


def _plain(text: Any) -> str:
    """Plotly text without its HTML tags (<b>, <br>, <sub>) and spare whitespace."""
    return " ".join(_TAGS.sub(" ", str(text or "")).split())


def _title(obj: Any) -> str:
    title = getattr(obj, "title", None)
    return _plain(getattr(title, "text", None) if title is not None else None)


def _axes(fig: go.Figure) -> list[str]:
    """ "x: <title>, y: <title>" for each titled axis of a 2-D layout (3-D scenes too)."""
    found = []
    layout = fig.layout
    for name in sorted(layout.to_plotly_json()):
        if re.fullmatch(r"[xy]axis\d*", name):
            text = _title(layout[name])
            if text:
                found.append(f"{name[0]} axis: {text}")
        elif re.fullmatch(r"scene\d*", name):
            for axis in ("xaxis", "yaxis", "zaxis"):
                text = _title(layout[name][axis])
                if text:
                    found.append(f"{axis[0]} axis: {text}")
    return list(dict.fromkeys(found))  # small multiples repeat their axis titles


def _series(fig: go.Figure) -> list[str]:
    names = []
    for trace in fig.data:
        name = _plain(getattr(trace, "name", None))
        if name and getattr(trace, "showlegend", None) is not False:
            names.append(name)
        elif trace.type in ("contour", "heatmap", "surface") and not name:
            names.append({"surface": "a 3-D surface"}.get(trace.type, f"a {trace.type} map"))
    return list(dict.fromkeys(names))


def chart_summary(fig: go.Figure, fallback_title: str = "Chart") -> str:
    """One sentence: "<title>. x axis: …; y axis: …. Shows: a, b and c." """
    title = _title(fig.layout) or fallback_title
    parts = [title.rstrip(".") + "."]
    axes = _axes(fig)
    if axes:
        parts.append("; ".join(axes) + ".")
    series = _series(fig)
    if len(series) > MAX_SERIES_NAMED:
        parts.append(f"Shows {len(series)} series, first {', '.join(series[:3])}.")
    elif series:
        listed = series[0] if len(series) == 1 else ", ".join(series[:-1]) + " and " + series[-1]
        parts.append(f"Shows: {listed}.")
    if fig.frames:
        parts.append(f"Animated over {len(fig.frames)} frames.")
    return " ".join(parts)

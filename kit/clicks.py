"""Charts a learner clicks: a map whose click sets a start, a graph whose click picks a node.

Streamlit reports a click in the chart's ``on_select`` callback, through
``st.session_state[chart_key].selection`` (the value ``st.plotly_chart`` returns loses
clicks when the figure changes). :func:`clickable_chart` draws a chart with such a
callback and gives it a fresh key after each click that counted, so the next click is
never swallowed; :func:`map_chart` does that for a landscape in 2-D and lets it be
turned in 3-D. The readers :func:`pick_point` and :func:`pick_name` are plain functions
(AppTest cannot click a chart, so they are tested on their own).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import streamlit as st

from kit import charts
from kit.state import PageState

Point = tuple[float, float]
DRAG_HINT = "Drag to turn the surface. Switch to 2-D to click a new start."


def selected_points(selection: Any) -> list[Any]:
    """The clicked points of a chart selection (a dict-like or an object with ``points``)."""
    try:
        points = selection["points"]
    except (KeyError, TypeError, IndexError):
        points = getattr(selection, "points", None)
    return list(points or ())


def pick_point(selection: Any, bounds: tuple[Point, Point]) -> Point | None:
    """The point a click on a map chose, or None when the selection holds no usable point.

    The point is clamped into ``bounds`` and rounded to 3 decimals so it reads cleanly
    on screen.
    """
    for point in selected_points(selection):
        try:
            x, y = float(point["x"]), float(point["y"])
        except (KeyError, TypeError, ValueError):
            continue
        if not (np.isfinite(x) and np.isfinite(y)):
            continue
        (x0, x1), (y0, y1) = bounds
        x = min(max(x, min(x0, x1)), max(x0, x1))
        y = min(max(y, min(y0, y1)), max(y0, y1))
        return round(x, 3), round(y, 3)
    return None


def pick_name(selection: Any, names: Sequence[str], *, by_index: bool = True) -> str | None:
    """The name a click chose: the first point whose ``customdata`` is one of ``names``.

    With ``by_index`` a point without such ``customdata`` counts by its ``point_index``
    (a graph whose only trace lists ``names`` in order); without it, such a point (an
    edge line, say) chooses nothing.
    """
    for point in selected_points(selection):
        try:
            name = point.get("customdata") if hasattr(point, "get") else None
        except TypeError:
            name = None
        if isinstance(name, list | tuple) and name:
            name = name[0]
        if isinstance(name, str) and name in names:
            return name
        if not by_index:
            continue
        try:
            index = int(point["point_index"])
        except (KeyError, TypeError, ValueError):
            continue
        if 0 <= index < len(names):
            return names[index]
    return None


def click_count(ps: PageState, name: str) -> int:
    """How many clicks on chart ``name`` counted so far."""
    return int(ps.get(f"{name}:clicks", 0))


def chart_key(ps: PageState, name: str) -> str:
    """The key of chart ``name``: it changes after every click that counted."""
    return ps.key(f"{name}:chart:{click_count(ps, name)}")


def register_click(ps: PageState, name: str, key: str, on_pick: Callable[[Any], bool]) -> None:
    """The ``on_select`` callback of chart ``name`` drawn under ``key``: its selection
    (from the session, as Streamlit reports it) goes to ``on_pick``; when that returns
    True the click counts, and the chart gets a fresh key (which clears the marks)."""
    event = ps.store.get(key)
    selection = getattr(event, "selection", None)
    if selection is None and isinstance(event, dict):
        selection = event.get("selection")
    if on_pick(selection):
        ps.set(f"{name}:clicks", click_count(ps, name) + 1)


def point_picker(
    bounds: tuple[Point, Point], on_point: Callable[[Point], None]
) -> Callable[[Any], bool]:
    """An ``on_pick`` for a map: the clicked point (clamped into ``bounds``) goes to
    ``on_point``; a click that holds no usable point does not count."""

    def on_pick(selection: Any) -> bool:
        point = pick_point(selection, bounds)
        if point is not None:
            on_point(point)
        return point is not None

    return on_pick


def clickable_chart(ps: PageState, name: str, fig: Any, on_pick: Callable[[Any], bool]) -> None:
    """Draw ``fig`` so that a click calls ``on_pick(selection)`` as a callback (so the page
    drawn next already shows its effect); see :func:`register_click`."""
    key = chart_key(ps, name)
    charts.plotly_chart(
        fig,
        key=key,
        on_select=lambda: register_click(ps, name, key, on_pick),
        selection_mode="points",
        config={"displayModeBar": False},
    )


def map_chart(
    ps: PageState,
    name: str,
    fig: Any,
    view: str,
    *,
    bounds: tuple[Point, Point],
    on_point: Callable[[Point], None],
    hint_3d: str | None = DRAG_HINT,
    toolbar_3d: bool = True,
    current: Point | None = None,
) -> None:
    """A landscape figure: in 2-D a click calls ``on_point`` with the point (clamped into
    ``bounds``), and :func:`typed_point` beside it does the same from the keyboard; in
    3-D the surface can be turned (``toolbar_3d=False`` hides Plotly's toolbar there too)
    and ``hint_3d`` (if any) says so under it."""
    if view == "2d":
        clickable_chart(ps, name, fig, point_picker(bounds, on_point))
        typed_point(ps, name, bounds=bounds, on_point=on_point, current=current)
    else:
        config = {} if toolbar_3d else {"config": {"displayModeBar": False}}
        charts.plotly_chart(fig, key=ps.key(f"{name}:chart3d"), **config)
        if hint_3d:
            st.caption(hint_3d)


def typed_point(
    ps: PageState,
    name: str,
    *,
    bounds: tuple[Point, Point],
    on_point: Callable[[Point], None],
    current: Point | None = None,
) -> None:
    """The keyboard's way to do what a click on map ``name`` does: type θ₁ and θ₂ and
    press "Go". The point is clamped into ``bounds`` like a click; it counts as a click
    (the chart's key changes), so the fields then show the new point."""
    (x0, x1), (y0, y1) = (sorted(b) for b in bounds)
    cx, cy = current if current is not None else ((x0 + x1) / 2, (y0 + y1) / 2)
    count = click_count(ps, name)
    keys = [ps.key(f"{name}:typed:{axis}:{count}") for axis in ("x", "y")]

    def go() -> None:
        x, y = (st.session_state.get(k) for k in keys)
        if x is None or y is None:
            return
        on_point((round(min(max(float(x), x0), x1), 3), round(min(max(float(y), y0), y1), 3)))
        ps.set(f"{name}:clicks", count + 1)

    with st.popover("Type a point", icon=":material/keyboard:", help="Instead of clicking"):
        with st.form(ps.key(f"{name}:typed:form:{count}"), border=False):
            left, right = st.columns(2)
            left.number_input(
                "θ₁", min_value=x0, max_value=x1, value=min(max(float(cx), x0), x1), key=keys[0]
            )
            right.number_input(
                "θ₂", min_value=y0, max_value=y1, value=min(max(float(cy), y0), y1), key=keys[1]
            )
            st.form_submit_button("Go there", on_click=go)

"""Reading a click on a chart: a point on a map, a name in a graph."""

import pytest

from kit import clicks

BOUNDS = ((-3.0, 3.0), (-2.0, 2.0))


def test_pick_point_reads_a_click():
    sel = {"points": [{"curve_number": 1, "point_index": 5, "x": 1.23456, "y": -0.5}]}
    assert clicks.pick_point(sel, BOUNDS) == (1.235, -0.5)


def test_pick_point_clamps_into_bounds():
    sel = {"points": [{"x": 10.0, "y": -9.0}]}
    assert clicks.pick_point(sel, BOUNDS) == (3.0, -2.0)


class Selection(dict):
    """The attribute-and-key access of Streamlit's PlotlySelectionState."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError as exc:
            raise AttributeError(name) from exc


@pytest.mark.parametrize(
    "selection",
    [
        None,
        {},
        {"points": []},
        {"points": [{"x": "nan?", "y": 1}]},
        {"points": [{"x": float("nan"), "y": 1.0}]},
        {"points": [{"z": 1}]},
        "garbage",
        Selection(points=[], box=[], lasso=[]),
    ],
)
def test_pick_point_ignores_unusable_payloads(selection):
    assert clicks.pick_point(selection, BOUNDS) is None


def test_pick_point_skips_bad_points_and_takes_the_next():
    sel = Selection(points=[{"x": None, "y": 1}, {"x": 0.5, "y": 0.25}])
    assert clicks.pick_point(sel, BOUNDS) == (0.5, 0.25)

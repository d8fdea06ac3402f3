"""The keyboard's way to click a map: type θ₁ and θ₂, press "Go there" (AppTest)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _map_page() -> None:
    import plotly.graph_objects as go
    import streamlit as st

    from kit import clicks
    from kit.state import PageState

    ps = PageState("demo", st.session_state)
    fig = go.Figure(go.Scatter(x=[0, 1], y=[0, 1]))
    clicks.map_chart(
        ps,
        "map",
        fig,
        "2d",
        bounds=((-3.0, 3.0), (-2.0, 2.0)),
        on_point=lambda point: ps.set("picked", point),
        current=ps.get("picked", (0.5, -0.5)),
    )
    st.write(f"picked={ps.get('picked')}")


def _run() -> AppTest:
    at = AppTest.from_function(_map_page, default_timeout=60)
    at.run()
    assert not at.exception
    return at


def test_the_fields_start_at_the_current_point() -> None:
    at = _run()
    assert [n.value for n in at.number_input] == [0.5, -0.5]
    assert at.markdown[-1].value == "picked=None"


def test_typing_a_point_and_going_there_sets_it_like_a_click() -> None:
    at = _run()
    at.number_input[0].set_value(1.25)
    at.number_input[1].set_value(-1.5)
    at.button[0].click()  # the form's "Go there"
    at.run()
    assert not at.exception
    assert at.markdown[-1].value == "picked=(1.25, -1.5)"
    # It counted as a click: fresh fields, showing the new point.
    assert [n.value for n in at.number_input] == [1.25, -1.5]


def test_out_of_box_values_are_refused_by_the_fields() -> None:
    at = _run()
    assert [(n.min, n.max) for n in at.number_input] == [(-3.0, 3.0), (-2.0, 2.0)]

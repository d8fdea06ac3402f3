"""The load benchmark's learner moves widgets as a browser would (no server needed)."""

from __future__ import annotations

import random

import pytest
from streamlit.proto.ButtonGroup_pb2 import ButtonGroup
from streamlit.proto.Checkbox_pb2 import Checkbox
from streamlit.proto.NumberInput_pb2 import NumberInput
from streamlit.proto.Selectbox_pb2 import Selectbox
from streamlit.proto.Slider_pb2 import Slider

from benchmarks.load import Learner, Widget, control_state, percentile, slider_state, state_value


def widget(kind: str, proto) -> Widget:
    proto.id = f"$$ID-test-{kind}"
    return Widget(proto.id, kind, proto, "", "test")


def test_a_slider_moves_to_another_step_inside_its_range():
    w = widget("slider", Slider(min=0.0, max=1.0, step=0.25, data_type=Slider.FLOAT))
    w.proto.default.append(0.5)
    rng = random.Random(1)
    for _ in range(20):
        (value,) = state_value(slider_state(w, rng, None))
        assert value in (0.0, 0.25, 0.75, 1.0)


def test_a_range_slider_stays_a_range_and_an_int_slider_stays_whole():
    w = widget("slider", Slider(min=1, max=9, step=1, data_type=Slider.INT))
    w.proto.default.extend([2, 5])
    lo, hi = state_value(slider_state(w, random.Random(2), None))
    assert lo <= hi and float(lo).is_integer() and 1 <= lo and hi <= 9


def test_a_select_slider_sends_an_option_label():
    w = widget("slider", Slider(type=Slider.SELECT_SLIDER, options=["1e-3", "1e-2", "1e-1"]))
    w.proto.default.append(0)
    (label,) = state_value(slider_state(w, random.Random(3), None))
    assert label in ("1e-2", "1e-1")


def test_a_disabled_or_single_valued_widget_is_left_alone():
    assert (
        slider_state(widget("slider", Slider(min=1, max=1, disabled=True)), random.Random(), None)
        is None
    )
    assert (
        control_state(widget("selectbox", Selectbox(options=["only"])), random.Random(), None)
        is None
    )


@pytest.mark.parametrize(
    ("kind", "proto", "expected"),
    [
        ("checkbox", Checkbox(default=False), True),
        ("selectbox", Selectbox(options=["a", "b"], default=0), "b"),
        (
            "button_group",
            ButtonGroup(
                options=[ButtonGroup.Option(content="x"), ButtonGroup.Option(content="y")],
                default=[0],
            ),
            ["y"],
        ),
        ("number_input", NumberInput(default=3, step=1, has_max=True, max=3), 2),
    ],
)
def test_other_controls_change_to_a_value_they_accept(kind, proto, expected):
    assert state_value(control_state(widget(kind, proto), random.Random(4), None)) == expected


def test_only_loopback_addresses_are_load_tested():
    Learner("http://127.0.0.1:8501", 0)
    with pytest.raises(ValueError):
        Learner("http://10.0.0.5:8501", 0)


def test_percentile_interpolates():
    assert percentile([1, 2, 3, 4], 0.5) == 2.5
    assert percentile([5], 0.99) == 5

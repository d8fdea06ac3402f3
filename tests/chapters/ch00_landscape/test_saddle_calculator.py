"""Chapter 0's saddle calculator refuses what is no number of weights and agrees in number
(issue 12, item 9)."""

from functools import partial

import pytest

from chapters.ch00_landscape import logic
from kit.state import session_key
from tests.apptest import open_chapter

ch00_key = partial(session_key, logic.PAGE)


@pytest.mark.parametrize("bad", [0, -5, 2.5, 10**12 + 1])
def test_values_that_are_no_number_of_weights_are_refused(bad):
    problem = logic.weights_problem(bad)
    assert problem and f"{logic.MAX_WEIGHTS:,}" in problem


@pytest.mark.parametrize("good", [1, 2, 1000, 10**12])
def test_whole_numbers_in_range_are_accepted(good):
    assert logic.weights_problem(good) is None


def test_directions_agree_in_number():
    assert logic.directions_phrase(1) == "the one direction curves up"
    assert logic.directions_phrase(2) == "both directions curve up"
    assert logic.directions_phrase(1000) == "all 1,000 directions curve up"


def test_the_page_refuses_zero_and_negative_and_gets_the_plural_right():
    at = open_chapter(None, timeout=240)
    field = ch00_key("saddle:d")
    for bad in (0, -5):
        at.number_input(key=field).set_value(bad).run()
        assert not at.exception
        warnings = [w.value for w in at.warning]
        assert any("is not a number of weights" in w for w in warnings), warnings
        assert not any("directions curve up" in m.value for m in at.markdown)
    at.number_input(key=field).set_value(1).run()
    text = "\n".join(m.value for m in at.markdown)
    assert "the one direction curves up" in text and "all 1 directions" not in text
    assert not any("is not a number of weights" in w.value for w in at.warning)

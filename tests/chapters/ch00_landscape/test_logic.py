"""Chapter 0's pure logic: the convergence factor's step counts, the odds of a minimum."""

import math

import pytest

from chapters.ch00_landscape import logic
from engine import worked
from kit.format import fmt


def test_steps_to_shrink_matches_the_engine():
    # The page's step counts (the engine's) against the closed form ln(by) / −ln(factor).
    factor = worked.parabola_factor(0.1)
    assert worked.steps_to_shrink(0.1, 0.5) == pytest.approx(math.log(2) / -math.log(factor))
    assert worked.steps_to_shrink(0.1, 0.1) == pytest.approx(math.log(10) / -math.log(factor))
    assert round(worked.steps_to_shrink(0.1, 0.5), 1) == 3.1
    assert round(worked.steps_to_shrink(0.1, 0.1), 1) == 10.3
    assert worked.steps_to_shrink(1.1, 0.5) == math.inf  # a factor |1 − 2η| of 1.2
    assert worked.steps_to_shrink(0.5, 0.5) == 0.0  # a factor of 0: one step lands


def test_chance_formatting():
    assert logic.format_chance(10) == "1 in 1,024"
    mantissa, exponent = logic.chance_all_curve_up(1_000_000)
    assert exponent == -301030 and 1 <= mantissa < 10
    assert fmt(-0.0) == "0" and fmt(2.01696) == "2.017"
    assert fmt(float("inf")) == "∞"

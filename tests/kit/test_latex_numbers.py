"""Numbers in LaTeX read as ×10^k, never as e-notation (LaTeX typesets "1.373e-08" as
1.373e − 08, a subtraction). Issue 12, item 9."""

import re

import pytest

from chapters.ch02_momentum import logic as ch02
from chapters.ch04_adam import logic as ch04
from engine import landscapes
from kit.format import latex_number, latex_rate, latex_text
from kit.state import advance, start_run

E_NOTATION = re.compile(r"\de[+-]?\d")


@pytest.mark.parametrize(
    ("value", "latex"),
    [
        (1.373e-08, r"1.373\times 10^{-8}"),
        (-2.5e-12, r"-2.5\times 10^{-12}"),
        (1e-05, "10^{-5}"),
        (-1e-05, "-10^{-5}"),
        (19660.0, r"1.966\times 10^{4}"),
        (0.25, "0.25"),
        (-0.0, "0"),
        (float("inf"), r"\infty"),
        (float("-inf"), r"-\infty"),
        (float("nan"), r"\text{—}"),
    ],
)
def test_latex_number(value, latex):
    assert latex_number(value) == latex


def test_latex_rate_and_text():
    assert latex_rate(5e-5) == r"5.0\times 10^{-5}"
    assert latex_rate(3e-4, "practice") == r"3\times 10^{-4}"
    assert latex_text("(1.2e-08,\\ -3e+04)") == r"(1.2\times 10^{-8},\ -3\times 10^{4})"
    assert latex_text(r"\theta_{1e}") == r"\theta_{1e}"  # no number, nothing touched


def test_the_nesterov_substeps_near_the_minimum_write_powers_of_ten():
    # Far into a run on the bowl the ball sits within 1e-8 of the minimum.
    land = landscapes.get("bowl")
    run = start_run("nesterov", {"lr": 0.1, "beta": 0.9}, "bowl", tuple(land.start))
    run = advance(run, 200)
    anatomy = ch02.nesterov_anatomy(run)
    assert abs(anatomy.theta).max() < 1e-4  # small enough to need a power of ten
    for substep in (1, 2, 3, 4):
        _, tex = ch02.substep_text(anatomy, substep, run.steps)
        assert not E_NOTATION.search(tex), tex
        assert r"\times 10^{" in tex or "10^{" in tex


def test_adam_worked_step_latex_uses_the_shared_formatter():
    assert ch04.tex(1.373e-08) == r"1.373\times 10^{-8}"
    assert ch04.tex_factor(-2e-9) == r"(-2\times 10^{-9})"

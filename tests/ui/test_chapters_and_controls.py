"""Chapter registry, log grids and number helpers."""

import math
from pathlib import Path

import pytest

from engine import worked
from ui import controls, numbers
from ui.chapters import CHAPTERS, PROGRESS_PAGE, chapter, neighbours

ROOT = Path(__file__).resolve().parents[2]


def test_registry_lists_ten_chapters_with_existing_files():
    assert [c.number for c in CHAPTERS] == list(range(10))
    for ch in CHAPTERS:
        assert (ROOT / ch.file).exists(), ch.file
        assert ch.icon.startswith(":material/")
    assert (ROOT / PROGRESS_PAGE["file"]).exists()
    assert len({c.url_path for c in CHAPTERS}) == 10


def test_neighbours():
    assert neighbours(0) == (None, chapter(1))
    assert neighbours(5) == (chapter(4), chapter(6))
    assert neighbours(9) == (chapter(8), None)
    with pytest.raises(KeyError):
        chapter(42)


def test_log_options_cover_the_range_readably():
    opts = controls.log_options(0.001, 1.5, extra=(1.1,))
    assert opts[0] == 0.001 and opts[-1] == 1.5
    assert {0.1, 0.5, 1.0, 1.1, 0.005} <= set(opts)
    assert opts == sorted(opts)
    ratios = [b / a for a, b in zip(opts, opts[1:], strict=False)]
    assert max(ratios) <= 5 / 3 + 1e-9


def test_nearest_option_on_a_log_scale():
    opts = controls.log_options(0.001, 1.5)
    assert controls.nearest_option(opts, 0.1) == 0.1
    assert controls.nearest_option(opts, 0.0011) == 0.001
    assert controls.nearest_option(opts, float("nan")) in opts


def test_steps_to_shrink_matches_the_engine():
    factor = worked.parabola_factor(0.1)
    assert numbers.steps_to_shrink(factor, 2) == pytest.approx(worked.steps_to_shrink(0.1, 0.5))
    assert numbers.steps_to_shrink(factor, 10) == pytest.approx(worked.steps_to_shrink(0.1, 0.1))
    assert round(worked.steps_to_shrink(0.1, 0.5), 1) == 3.1
    assert round(worked.steps_to_shrink(0.1, 0.1), 1) == 10.3
    assert numbers.steps_to_shrink(1.2, 2) == math.inf
    assert numbers.steps_to_shrink(0.0, 2) == 0.0


def test_chance_formatting():
    assert numbers.format_chance(10) == "1 in 1,024"
    mantissa, exponent = numbers.chance_all_curve_up(1_000_000)
    assert exponent == -301030 and 1 <= mantissa < 10
    assert numbers.fmt(-0.0) == "0" and numbers.fmt(2.01696) == "2.017"
    assert numbers.fmt(float("inf")) == "∞"

"""Formula keys: a typed landscape named like a built-in one, heights from its lowest minimum."""

from __future__ import annotations

import numpy as np
import pytest

from engine import formula, landscapes, optimizers, simulate
from engine.formula import FormulaError
from kit import own_landscape
from kit.own_landscape import EXAMPLES, FORMULA_CHOICE, formula_key
from kit.state import advance, landscape_of, start_run

ROSENBROCK = "(1 - x)**2 + 100*(y - x**2)**2"
BOX = ((-2.0, 2.0), (-1.0, 3.0))


def test_a_key_names_its_formula_and_box_and_round_trips():
    key = formula_key(ROSENBROCK, BOX)
    assert own_landscape.is_formula_key(key)
    assert not own_landscape.is_formula_key("rosenbrock")
    spec = own_landscape.spec_of(key)
    assert (spec.formula, spec.bounds, spec.start) == (ROSENBROCK, BOX, None)
    assert formula_key(ROSENBROCK, ((-2.0, 2.0), (-2.0, 2.0))) != key  # the box is part of it


def test_the_typed_rosenbrock_runs_like_the_built_in_one():
    land = landscape_of(formula_key(ROSENBROCK, BOX))
    builtin = landscapes.get("rosenbrock")
    start = (-1.5, 2.5)
    ours = simulate.run(optimizers.make("adam", lr=0.05), land, start, 200)
    theirs = simulate.run(optimizers.make("adam", lr=0.05), builtin, start, 200)
    np.testing.assert_allclose(ours.params, theirs.params, atol=1e-9)
    assert land.title == own_landscape.FORMULA_TITLE
    assert own_landscape.marked_minima(land) == pytest.approx([(1.0, 1.0)], abs=1e-6)


def test_heights_are_measured_from_the_lowest_minimum_found():
    key = formula_key("sin(3*x)*cos(3*y) + 0.1*(x**2 + y**2)", ((-2.0, 2.0), (-2.0, 2.0)))
    land = own_landscape.get(key)
    offset = own_landscape.loss_offset(key)
    assert offset < -0.5  # the egg crate dips below 0
    lowest = np.asarray(land.minima[0])
    assert float(land.loss(lowest)) == pytest.approx(0.0, abs=1e-12)
    typed = formula.build("sin(3*x)*cos(3*y) + 0.1*(x**2 + y**2)")
    point = np.array([0.3, -0.7])
    assert float(land.loss(point)) == pytest.approx(float(typed.loss(point)) - offset)
    np.testing.assert_allclose(land.grad(point), typed.grad(point))  # slopes unchanged


def test_not_a_number_reads_nan_and_a_run_into_it_is_diverged():
    key = formula_key("x**2 + y**2 - log(x + 1.5)", ((-2.0, 2.0), (-2.0, 2.0)))
    land = own_landscape.get(key)
    assert np.isnan(land.loss(np.array([-1.8, 0.0])))
    _, _, z = land.grid(40)
    assert np.isnan(z).any() and np.isfinite(z).any()
    run = advance(start_run("sgd", {"lr": 1.0}, key, (-1.2, 0.0)), 30)
    assert run.diverged_at is not None


def test_skewed_grids_ask_for_log_colours():
    xs = np.linspace(-2, 2, 50)
    xx, yy = np.meshgrid(xs, xs)
    assert own_landscape.skewed((1 - xx) ** 2 + 100 * (yy - xx**2) ** 2)
    assert not own_landscape.skewed(xx**2 + yy**2)
    assert not own_landscape.skewed(np.full((3, 3), np.nan))


def test_titles_and_refusals():
    assert own_landscape.title(FORMULA_CHOICE) == "Your formula"
    assert own_landscape.title("bowl") == landscapes.get("bowl").title
    with pytest.raises(FormulaError, match="constant"):
        own_landscape.get(formula_key("x - x", BOX))
    with pytest.raises(FormulaError):
        own_landscape.spec_of("formula?f=__import__")
    with pytest.raises(ValueError):
        own_landscape.get("no-such-landscape")


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.label)
def test_every_example_builds_with_a_minimum_inside_its_box(example):
    land = own_landscape.get(formula_key(example.text, example.bounds))
    assert land.minima
    (x0, x1), (y0, y1) = example.bounds
    x, y = land.start
    assert x0 <= x <= x1 and y0 <= y <= y1

"""Typed formulas as landscapes: derivatives, parity with the built-ins, gaps, limits, links.

The hostile corpus is in ``test_formula_corpus.py``.
"""

from __future__ import annotations

import dataclasses
import pickle
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import formula, landscapes, optimizers, simulate
from engine.formula_syntax import FormulaError

ROOT = Path(__file__).resolve().parents[2]
ROSENBROCK_TEXT = "(1 - x)**2 + 100*(y - x**2)**2"  # the built-in exactly: not shifted

ACCEPTED = [
    ROSENBROCK_TEXT,
    "sin(3*x)*cos(3*y) + 0.1*(x**2 + y**2)",
    "x**2",
    "max(abs(x), abs(y))",
    "log(x**2 + y**2 + 1)",
]


@pytest.fixture(scope="module")
def rosenbrock_pair():
    built_in = landscapes.get("rosenbrock")
    typed = formula.build(ROSENBROCK_TEXT, bounds=built_in.bounds, start=built_in.start)
    return built_in, typed


# --- import cost ------------------------------------------------------------------------


def test_importing_the_module_does_not_import_sympy():
    script = "import sys\nimport engine.formula\nprint('sympy' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.strip() == "False"


# --- accepted formulas -------------------------------------------------------------------


@pytest.mark.parametrize("text", ACCEPTED)
def test_accepted_formulas_are_landscapes(text):
    land = formula.build(text)
    assert isinstance(land, landscapes.Landscape)
    assert land.formula == text and land.name == "formula"
    assert land.latex.startswith("L(x, y) = ")
    assert all(land.gradient_latex) and all(land.hessian_latex)
    assert land.minima_approximate
    (x0, x1), (y0, y1) = land.bounds
    assert (x0, x1, y0, y1) == (-2, 2, -2, 2)
    sx, sy = land.start
    assert x0 <= sx <= x1 and y0 <= sy <= y1
    assert np.isfinite(land.loss(np.array(land.start)))
    for point in (*land.minima, *land.local_minima):
        assert x0 <= point[0] <= x1 and y0 <= point[1] <= y1
    batch = np.zeros((3, 4, 2))
    assert land.loss(batch).shape == (3, 4)
    assert land.grad(batch).shape == (3, 4, 2)
    assert land.hessian_diag(batch).shape == (3, 4, 2)


def test_a_function_of_x_alone_has_a_zero_y_gradient():
    land = formula.build("x**2")
    points = np.array([[0.5, -1.0], [1.5, 2.0]])
    np.testing.assert_array_equal(land.grad(points), [[1.0, 0.0], [3.0, 0.0]])
    np.testing.assert_array_equal(land.hessian_diag(points), [[2.0, 0.0], [2.0, 0.0]])


def test_the_typeset_derivatives_are_the_symbolic_ones(rosenbrock_pair):
    _, typed = rosenbrock_pair
    assert typed.latex == r"L(x, y) = \left(1 - x\right)^{2} + 100 \left(y - x^{2}\right)^{2}"
    assert typed.gradient_latex[1] == r"200 \left(y - x^{2}\right)"
    assert typed.hessian_latex == ("2 + 1200 x^{2} - 400 y", "200")


def test_a_derivative_too_long_to_read_is_not_typeset():
    land = formula.build("*".join(f"(x + {i}*y + 1)" for i in range(1, 8)))
    assert land.hessian_latex == (None, None)
    assert land.latex.startswith("L(x, y) = ")


# --- the typed Rosenbrock is the built-in one -------------------------------------------


@pytest.mark.parametrize("name", optimizers.NAMES)
def test_typed_rosenbrock_runs_like_the_built_in(rosenbrock_pair, name):
    built_in, typed = rosenbrock_pair
    small = {"lr": 1e-3} if name in ("sgd", "momentum", "nesterov") else {}
    opt = optimizers.make(name, **small)
    expected = simulate.run(opt, built_in, built_in.start, 500)
    got = simulate.run(opt, typed, typed.start, 500)
    np.testing.assert_allclose(got.params, expected.params, rtol=0, atol=1e-9)
    np.testing.assert_allclose(got.losses, expected.losses, rtol=1e-9, atol=1e-9)
    assert got.diverged_at == expected.diverged_at


@pytest.mark.parametrize("name", ["sgd", "momentum", "adam", "rmsprop", "lion", "sophia"])
def test_typed_rosenbrock_sweeps_like_the_built_in(rosenbrock_pair, name):
    built_in, typed = rosenbrock_pair
    lrs = simulate.log_grid(1e-4, 1e-1, 16)
    expected = simulate.sweep(name, built_in, built_in.start, 300, lrs)
    got = simulate.sweep(name, typed, typed.start, 300, lrs)
    np.testing.assert_allclose(got.params, expected.params, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(got.diverged_at, expected.diverged_at)


def test_typed_rosenbrock_derivatives_match_the_built_in(rosenbrock_pair):
    built_in, typed = rosenbrock_pair
    points = np.random.default_rng(1).uniform(-2, 2, (200, 2))
    np.testing.assert_allclose(typed.loss(points), built_in.loss(points), rtol=1e-14)
    np.testing.assert_allclose(typed.grad(points), built_in.grad(points), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        typed.hessian_diag(points), built_in.hessian_diag(points), rtol=1e-12, atol=1e-12
    )


# --- derivatives against finite differences ----------------------------------------------

SMOOTH = [
    "sin(3*x)*cos(3*y) + 0.1*(x**2 + y**2)",
    "log(x**2 + y**2 + 1)",
    "exp(-x**2 - 2*y**2) * (x - y)**3",
    "(x**2 + y - 11)**2 + (x + y**2 - 7)**2",
    "tanh(x*y) + sqrt(x**2 + 1) / cosh(y) + tan(x/3)",
    "2**x * y / (3 + x**2) + (x**2 + 1)**(y/3 - 0.5)",
    "sinh(x - y) + e**(x/4) + pi*x*y",
]


def central(fn, xy, axis, h=1e-5):
    step = np.zeros(2)
    step[axis] = h
    return (fn(xy + step) - fn(xy - step)) / (2 * h)


@pytest.mark.parametrize("text", SMOOTH)
def test_gradient_and_hessian_diagonal_match_finite_differences(text):
    land = formula.build(text)
    points = np.random.default_rng(7).uniform(-1.5, 1.5, (25, 2))
    for axis in (0, 1):
        np.testing.assert_allclose(
            land.grad(points)[:, axis], central(land.loss, points, axis), rtol=1e-6, atol=1e-6
        )
        np.testing.assert_allclose(
            land.hessian_diag(points)[:, axis],
            central(lambda p, a=axis: land.grad(p)[..., a], points, axis),
            rtol=1e-5,
            atol=1e-5,
        )


def test_kinks_have_the_one_sided_derivatives_and_split_ties():
    land = formula.build("max(abs(x), abs(y))")
    np.testing.assert_array_equal(land.grad(np.array([2.0, 1.0])), [1.0, 0.0])
    np.testing.assert_array_equal(land.grad(np.array([-1.0, 3.0])), [0.0, 1.0])
    np.testing.assert_array_equal(land.grad(np.array([1.0, 1.0])), [0.5, 0.5])  # a tie
    np.testing.assert_array_equal(land.hessian_diag(np.array([2.0, 1.0])), [0.0, 0.0])


# --- not finite: gaps on the map, divergence on a run ------------------------------------


def test_non_finite_points_are_gaps_without_warnings():
    land = formula.build("log(x) + 1/y + sqrt(x - y)")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        xs, ys, z = land.grid(50)
        grads = land.grad(np.stack(np.meshgrid(xs, ys), -1))
        hess = land.hessian_diag(np.stack(np.meshgrid(xs, ys), -1))
    left = xs < 0
    assert np.all(np.isnan(z[:, left])) and np.isfinite(z).any()
    # The gradient 1/x of log(x) is finite where log(x) is not: the loss is what a run
    # checks (simulate.run stops at a non-finite loss).
    assert np.isnan(grads[:, left, 0]).any() and np.isfinite(grads[:, left, 0]).any()
    assert hess.shape == (50, 50, 2)


def test_overflow_is_inf_quietly():
    land = formula.build("exp(x**2 * 200) + y")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert land.loss(np.array([2.0, 0.0])) == np.inf


def test_a_run_into_a_gap_diverges_and_never_raises():
    land = formula.build("log(x) + y**2", bounds=((0.01, 3.0), (-1.0, 1.0)), start=(0.5, 0.5))
    traj = simulate.run(optimizers.make("sgd", lr=1.0), land, land.start, 50)
    assert traj.diverged_at is not None
    assert np.all(np.isfinite(traj.params))


def test_a_start_in_a_gap_diverges_at_step_zero():
    land = formula.build("sqrt(x) + y**2", bounds=((-1.0, 1.0), (-1.0, 1.0)), start=(-0.5, 0.0))
    traj = simulate.run(optimizers.make("adam", lr=0.1), land, land.start, 10)
    assert traj.diverged_at == 0


def test_a_sweep_on_a_formula_flags_its_diverged_rates():
    land = formula.build("x**4 + y**2")
    traj = simulate.sweep("sgd", land, land.start, 100, [0.01, 0.1, 5.0])
    assert list(traj.diverged_at[:2]) == [-1, -1] and traj.diverged_at[2] > 0


def test_nowhere_finite_in_the_box_is_refused():
    with pytest.raises(FormulaError, match="not a finite real number anywhere in the view box"):
        formula.build("log(x)", bounds=((-3.0, -1.0), (0.0, 1.0)))


# --- minima and start ---------------------------------------------------------------------


def test_himmelblau_minima_are_found():
    land = formula.build("(x**2 + y - 11)**2 + (x + y**2 - 7)**2", bounds=((-5, 5), (-5, 5)))
    exact = np.array(landscapes.get("himmelblau").minima)
    found = np.array(land.minima)
    assert len(found) == 4
    for point in exact:
        assert np.min(np.linalg.norm(found - point, axis=1)) < 1e-6


def test_the_lowest_minimum_is_marked_and_the_others_kept():
    land = formula.build("sin(3*x)*cos(3*y) + 0.1*(x**2 + y**2)")
    assert len(land.minima) == 1 and len(land.local_minima) > 1
    lowest = land.loss(np.array(land.minima[0]))
    assert all(land.loss(np.array(p)) >= lowest for p in land.local_minima)
    np.testing.assert_allclose(land.grad(np.array(land.minima[0])), 0, atol=1e-8)


def test_no_minimum_inside_the_box_marks_none():
    land = formula.build("x + 0.1*y**2")
    assert land.minima == () and land.local_minima == ()


def test_the_default_start_is_away_from_the_minimum():
    land = formula.build(ROSENBROCK_TEXT)
    assert land.start == (-1.5, 1.5)
    land = formula.build("(x - 1.5)**2 + (y - 1.5)**2")  # the first choice is the minimum
    assert np.hypot(land.start[0] - 1.5, land.start[1] - 1.5) > 0.8


# --- limits, each named -------------------------------------------------------------------


def test_every_limit_refusal_names_its_limit(monkeypatch):
    refusals = {
        "length limit": "x+" * 200 + "x",
        "syntax-tree node limit": "+".join(["x*y"] * 60),
        "nesting depth limit": "sin(" * 30 + "x" + ")" * 30,
        "exponent size limit": "x**101",
        "nested-exponentials limit": "exp(exp(exp(x)))",
        "derivative size limit": "*".join(f"sin(x+{i}*y)" for i in range(1, 12)),
    }
    assert set(refusals) < set(formula.LIMITS)
    for limit, text in refusals.items():
        with pytest.raises(FormulaError, match=limit):
            formula.build(text)
    formula._symbolic.cache_clear()
    monkeypatch.setattr(formula, "MAX_PROGRAM_STEPS", 3)
    with pytest.raises(FormulaError, match="evaluation-size limit"):
        formula.build("x**2 + sin(x*y) + 1.5")
    monkeypatch.undo()
    monkeypatch.setattr(formula, "SYMBOLIC_TIME_BUDGET_S", 0.0)
    with pytest.raises(FormulaError, match="differentiation time budget"):
        formula.build("x**2 + sin(x*y) + 2.5")
    formula._symbolic.cache_clear()


@pytest.mark.parametrize(
    ("bounds", "start", "reason"),
    [
        (((2.0, -2.0), (-2.0, 2.0)), None, "xmin < xmax"),
        (((-2.0, 2.0), (1.0, 1.0)), None, "ymin < ymax"),
        (((0.0, 1e-5), (-2.0, 2.0)), None, "span between"),
        (((-1e4, 1e4), (-2.0, 2.0)), None, "span between"),
        (((-2e4, 0.0), (-2.0, 2.0)), None, "within"),
        (((float("nan"), 2.0), (-2.0, 2.0)), None, "finite"),
        (((True, 2.0), (-2.0, 2.0)), None, "must be a number"),
        ((("-2", 2.0), (-2.0, 2.0)), None, "must be a number"),
        (((-2.0, 2.0),), None, "view box must be"),
        (None, None, "view box must be"),
        (((-2.0, 2.0), (-2.0, 2.0)), (3.0, 0.0), "outside the view box"),
        (((-2.0, 2.0), (-2.0, 2.0)), (0.0,), "the start must be a point"),
        (((-2.0, 2.0), (-2.0, 2.0)), (0.0, float("inf")), "finite"),
    ],
)
def test_bad_boxes_and_starts_are_refused(bounds, start, reason):
    with pytest.raises(FormulaError, match=reason):
        formula.build("x**2 + y**2", bounds=bounds, start=start)


# --- plumbing -----------------------------------------------------------------------------


def test_a_formula_landscape_pickles_for_the_cache():
    land = formula.build("sin(x) * y**2 + max(x, y)")
    again = pickle.loads(pickle.dumps(land))
    points = np.random.default_rng(3).uniform(-2, 2, (10, 2))
    np.testing.assert_array_equal(again.grad(points), land.grad(points))
    assert again.minima == land.minima and again.formula == land.formula


def test_gradient_noise_works_on_a_formula():
    land = landscapes.noisy(formula.build("x**2 + y**2"), sigma=0.5, seed=3)
    assert land.name == "formula+noise"
    traj = simulate.run(optimizers.make("sgd", lr=0.1), land, land.start, 20)
    assert traj.diverged_at is None


def test_the_same_formula_is_differentiated_once():
    formula._symbolic.cache_clear()
    formula.build("x**2 + 3.25*y**2")
    formula.build("x**2 + 3.25*y**2", bounds=((-1, 1), (-1, 1)))
    assert formula._symbolic.cache_info().hits == 1


# --- share links --------------------------------------------------------------------------


def test_a_share_link_round_trips():
    land = formula.build("sin(3*x) + y**2", bounds=((-1.5, 2.25), (-0.1, 3.0)), start=(0.3, 2.0))
    params = formula.to_params(land)
    assert params == {
        "f": "sin(3*x) + y**2",
        "xmin": "-1.5",
        "xmax": "2.25",
        "ymin": "-0.1",
        "ymax": "3",
        "sx": "0.3",
        "sy": "2",
    }
    assert all(isinstance(v, str) for v in params.values())
    again = formula.from_params(params)
    assert (again.formula, again.bounds, again.start) == (land.formula, land.bounds, land.start)


@given(
    st.floats(-100, 100, allow_nan=False).filter(lambda v: v != 0),
    st.floats(0.01, 50),
    st.floats(0, 1),
)
def test_numbers_round_trip_exactly(low, span, fraction):
    bounds = ((low, low + span), (-1.0, 1.0))
    spec = formula.FormulaSpec("x**2", bounds, (low + fraction * span, 0.0))
    back = formula.parse_params(formula.to_params(spec))
    assert back.bounds == ((low, low + span), (-1.0, 1.0)) and back.start == spec.start


def test_a_link_without_box_or_start_gets_the_defaults():
    spec = formula.parse_params({"f": "x**2 + y", "unrelated": "ignored"})
    assert spec.bounds == formula.DEFAULT_BOUNDS and spec.start is None


GOOD_LINK = {"f": "x**2", "xmin": "-2", "xmax": "2", "ymin": "-2", "ymax": "2"}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"f": None}, "one piece of text"),
        ({"f": ["x", "y"]}, "one piece of text"),
        ({"xmin": "nan"}, "xmin is not a number"),
        ({"xmin": "inf"}, "xmin is not a number"),
        ({"xmin": "-1e999"}, "xmin must be a finite number"),
        ({"xmin": "1_0"}, "xmin is not a number"),
        ({"xmin": "0x10"}, "xmin is not a number"),
        ({"xmin": " "}, "xmin is not a number"),
        ({"xmin": "1" * 40}, "xmin is not a number"),
        ({"xmin": "1e5"}, "within"),
        ({"xmin": True}, "must be a number"),
        ({"xmin": ["1"]}, "must be a number"),
        ({"xmin": "3"}, "xmin < xmax"),
        ({"ymax": "-2"}, "ymin < ymax"),
        ({"xmin": "-2", "xmax": "-1.9999"}, "span between"),
        ({"sx": "5", "sy": "0"}, "outside the view box"),
        ({"sx": "0"}, "both sx and sy"),
        ({"ymin": None}, "must be a number"),
    ],
)
def test_hostile_link_fields_are_refused(change, reason):
    link = {**GOOD_LINK, **change}
    with pytest.raises(FormulaError, match=reason):
        formula.from_params(link)


@pytest.mark.parametrize(
    ("link", "reason"),
    [
        (None, "key=value"),
        ("f=x**2", "key=value"),
        ([("f", "x**2")], "key=value"),
        ({}, "no formula"),
        ({"xmin": "-2", "xmax": "2", "ymin": "-2", "ymax": "2"}, "no formula"),
        ({"f": "x**2", "xmin": "-2"}, "needs xmin, xmax, ymin and ymax"),
    ],
)
def test_hostile_links_are_refused(link, reason):
    with pytest.raises(FormulaError, match=reason):
        formula.from_params(link)


# --- nothing but FormulaError, whatever is typed -------------------------------------------

TOKENS = [
    "x", "y", "pi", "e", "(", ")", "+", "-", "*", "/", "**", ",", " ", "0", "1", "2", "0.5",
    "3.25", "1e3", "abs(", "sqrt(", "exp(", "log(", "sin(", "cos(", "tan(", "tanh(",
    "sinh(", "cosh(", "min(", "max(", "x*y", "(x-y)", "**2", "**-1", "**0.5",
]  # fmt: skip

fuzz = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _build_or_refuse(text: str) -> None:
    try:
        land = formula.build(text)
    except FormulaError as error:
        assert str(error)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        land.grid(20)
        land.grad(np.array(land.start))
        land.hessian_diag(np.array(land.start))


@fuzz
@given(st.text(max_size=80))
def test_random_text_raises_nothing_but_formula_error(text):
    _build_or_refuse(text)


@fuzz
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=25).map("".join))
def test_random_allowed_tokens_raise_nothing_but_formula_error(text):
    _build_or_refuse(text)


@fuzz
@given(st.dictionaries(st.sampled_from(formula.PARAM_KEYS), st.text(max_size=12) | st.floats()))
def test_random_links_raise_nothing_but_formula_error(link):
    try:
        formula.from_params(link)
    except FormulaError:
        pass


def test_landscape_fields_match_the_built_in_interface():
    built_in_fields = {f.name for f in dataclasses.fields(landscapes.Landscape)}
    typed_fields = {f.name for f in dataclasses.fields(formula.FormulaLandscape)}
    assert built_in_fields < typed_fields


def test_building_works_off_the_main_thread():
    """Streamlit runs each session's script in its own thread: no signal-based timeout."""
    import threading

    results: list[object] = []

    def build_in_thread() -> None:
        try:
            results.append(formula.build("x**2 + sin(y) + 0.75"))
        except Exception as error:  # the assertion below reports it
            results.append(error)

    worker = threading.Thread(target=build_in_thread)
    worker.start()
    worker.join()
    assert isinstance(results[0], formula.FormulaLandscape)

"""How far the arena's race has gone travels in its link: serialise, parse, validate."""

import pytest

from chapters.ch08_arena import link
from chapters.ch08_arena.link import (
    LINK_KEYS,
    STEP_KEY,
    Setup,
    parse_setup,
    parse_step,
    setup_to_query,
)
from kit.state import MAX_STEPS


@pytest.mark.parametrize("step", [1, 7, 250, MAX_STEPS])
def test_the_step_round_trips_with_the_setup(step):
    setup = Setup(landscape="rosenbrock", optimizers=("adam", "lion"), noise=0.5, seed=3)
    query = setup_to_query(setup, step)
    assert query[STEP_KEY] == str(step)
    assert parse_step(query) == (step, [])
    back, problems = parse_setup(query)  # the step is a known key, not an unknown one
    assert problems == [] and back.optimizers == setup.optimizers


def test_a_race_not_begun_leaves_the_step_out_of_the_link():
    assert STEP_KEY not in setup_to_query(Setup())
    assert STEP_KEY not in setup_to_query(Setup(), 0)
    assert parse_step(setup_to_query(Setup())) == (None, [])


@pytest.mark.parametrize(
    "raw", ["abc", "", "-1", "2.5", "nan", "inf", str(MAX_STEPS + 1), "1e9", "`rm -rf`"]
)
def test_a_bad_step_falls_back_to_zero_with_a_clear_message(raw):
    step, problems = parse_step({STEP_KEY: raw})
    assert step == 0
    assert len(problems) == 1
    assert "step" in problems[0] and f"0–{MAX_STEPS}" in problems[0]


def test_a_repeated_step_key_takes_the_last_value_like_streamlit():
    assert parse_step({STEP_KEY: ["3", "9"]}) == (9, [])


def test_a_float_that_is_whole_is_accepted():
    assert parse_step({STEP_KEY: "12.0"}) == (12, [])


def test_every_key_the_link_writes_is_listed_once():
    setup = Setup(
        landscape="bowl",
        optimizers=("sgd", "adam"),
        overrides={"adam": 0.05},
        noise=1.0,
        batch=4,
        seed=2,
        start=(1.0, 1.0),
        fair=True,
    )
    for key in setup_to_query(setup, 5):
        assert key in LINK_KEYS or key.startswith(tuple(link.LINK_PREFIXES)), key
    _, problems = parse_setup({"stepz": "1"})
    assert problems == ["unknown parameter `stepz`"]


def test_the_formula_and_schedule_keys_are_listed_with_the_others():
    from chapters.ch08_arena.link import LINK_KEYS, LINK_PREFIXES, SCHEDULE_KEY_PREFIX
    from engine.formula import PARAM_KEYS

    assert set(PARAM_KEYS) <= set(LINK_KEYS)
    assert SCHEDULE_KEY_PREFIX in LINK_PREFIXES

"""The arena opened from a link that says how far the race had gone (AppTest)."""

from functools import partial

import numpy as np

from chapters.ch08_arena import logic
from chapters.ch08_arena.link import STEP_KEY, Setup, setup_to_query
from core.toc import chapter
from engine import landscapes, optimizers, simulate
from kit.state import MAX_STEPS, session_key
from tests.apptest import open_chapter, page_state_in

TIMEOUT = 120
k = partial(session_key, logic.PAGE)


def open_arena(query):
    return open_chapter(chapter(8).file, timeout=TIMEOUT, query=query)


def run_of(at, name):
    return page_state_in(at, logic.PAGE).run(logic.RUN_PREFIX + name)


def test_a_link_with_a_step_shows_the_race_at_that_step():
    setup = Setup(landscape="rosenbrock", optimizers=("momentum", "adam"), lr=0.003, seed=5)
    at = open_arena(setup_to_query(setup, 17))
    assert not at.warning, [w.value for w in at.warning]
    land = landscapes.get("rosenbrock")
    for name in ("momentum", "adam"):
        run = run_of(at, name)
        assert run.steps == 17
        expected = simulate.run(optimizers.make(name, lr=0.003), land, land.start, 17)
        np.testing.assert_allclose(run.path, expected.params)
    assert any("step 17:" in m.value for m in at.markdown)
    assert at.query_params[STEP_KEY] == "17"  # the page keeps the step in its link
    # Step moves on, and the link follows
    at.button(key=k("btn:step")).click().run(timeout=TIMEOUT)
    assert run_of(at, "adam").steps == 18 and at.query_params[STEP_KEY] == "18"
    at.button(key=k("btn:reset")).click().run(timeout=TIMEOUT)
    assert run_of(at, "adam").steps == 0 and STEP_KEY not in at.query_params


def test_a_noisy_race_comes_back_to_the_same_positions():
    setup = Setup(optimizers=("sgd", "rmsprop"), noise=1.0, batch=2, seed=11)
    first = open_arena(setup_to_query(setup))
    for _ in range(4):
        first.button(key=k("btn:step")).click().run(timeout=TIMEOUT)
    copied = dict(first.query_params)
    assert copied[STEP_KEY] == "4"
    again = open_arena(copied)
    for name in ("sgd", "rmsprop"):
        np.testing.assert_array_equal(run_of(again, name).path, run_of(first, name).path)


def test_a_bad_step_in_a_link_is_refused_with_a_message():
    for raw in ("lots", str(MAX_STEPS + 1), "-3"):
        at = open_arena({"opt": "sgd,adam", STEP_KEY: raw})
        assert not at.exception
        text = " ".join(w.value for w in at.warning)
        assert "step" in text and f"0–{MAX_STEPS}" in text, text
        assert run_of(at, "adam").steps == 0

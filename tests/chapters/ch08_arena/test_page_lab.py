"""Chapter 8's trust sections in Streamlit's AppTest: the fairness rules, sensitivity maps,
seed fans and basins render; typing a start races from it; a racer's schedule reaches the
race and the share link, and a link's schedule comes back."""

import json
from functools import partial

import pytest

from chapters.ch08_arena import lab_logic as ll
from chapters.ch08_arena import lab_sections, logic
from chapters.ch08_arena.link import Setup, setup_to_query
from core.toc import chapter
from engine import schedules
from kit.state import session_key
from tests.apptest import open_chapter, page_state_in, page_text

k = partial(session_key, logic.PAGE)
PAGE = chapter(8).file


@pytest.fixture(scope="module")
def at():
    return open_chapter(PAGE, timeout=240)


def fan_table(at):
    """The seed fans' leaderboard (the data frame with a "verdict" column)."""
    return next(f.value for f in at.dataframe if "verdict" in f.value.columns)


def test_sections_render(at):
    headers = [h.value for h in at.header]
    for title in (
        "Sensitivity maps: two knobs at once",
        "Seed fans: is the winner just lucky?",
        "Basins of attraction",
    ):
        assert title in headers
    assert "The rules of a fair race" in [s.value for s in at.subheader]
    text = page_text(at)
    for rule in ll.FAIRNESS_RULES:
        assert rule in text
    # One map per default racer with a second knob, a fan table, a basin map per racer.
    for name in ("momentum", "rmsprop", "adam"):
        assert at.get_by_key(k(f"lab:map:{name}")) is not None
    assert "sgd" not in [n for n in ll.MAP_OPTIMIZERS]
    table = fan_table(at)
    assert len(table) == 4 and list(table["rank"]) == [1, 2, 3, 4]
    assert table["median final loss"].is_monotonic_increasing
    fan_map = json.loads(at.get_by_key(k("lab:fan:map")).proto.spec)
    assert sum(1 for t in fan_map["data"] if "seeds" in (t.get("name") or "")) == 4


def test_fan_sigma_changes_the_fans(at):
    before = fan_table(at)["median final loss"].tolist()
    at.select_slider(key=k("lab:fan:sigma")).set_value(2.0).run()
    assert not at.exception
    after = fan_table(at)["median final loss"].tolist()
    assert before != after


def test_typing_a_start_races_every_basin_racer_from_there(at):
    at.number_input(key=k("lab:basin:x")).set_value(2.5).run()
    at.number_input(key=k("lab:basin:y")).set_value(2.5).run()
    assert not at.exception
    text = page_text(at)
    assert "**SGD** from (2.5, 2.5):" in text
    line = next(s for s in text.splitlines() if s.startswith("- **SGD** from (2.5, 2.5)"))
    lr, _ = lab_sections.basin_rate("sgd", "himmelblau", logic.THRESHOLD_DEFAULT)
    outcome, arrived = ll.run_outcome(
        ll.race_from("sgd", lr, "himmelblau", (2.5, 2.5)), "himmelblau"
    )
    assert outcome in line


def test_a_schedule_reaches_the_race_and_the_link(at):
    at.selectbox(key=k("lab:sched:adam")).set_value("cosine").run()
    at.select_slider(key=k("lab:warm:adam")).set_value(10).run()
    assert not at.exception
    run = page_state_in(at, logic.PAGE).run(logic.RUN_PREFIX + "adam")
    assert isinstance(run.hyperparams["lr"], schedules.Schedule)
    assert run.hyperparams["lr"].name == "cosine"
    assert at.query_params.get("sched_adam") in ("cosine:10", ["cosine:10"])


def test_a_link_with_a_schedule_restores_it():
    query = setup_to_query(Setup()) | {"sched_momentum": "wsd:20"}
    at = open_chapter(PAGE, timeout=240, query=query)
    assert at.selectbox(key=k("lab:sched:momentum")).value == "wsd"
    assert at.select_slider(key=k("lab:warm:momentum")).value == 20
    assert not [w for w in at.warning if "could not be used" in w.value]


def test_a_link_with_a_bad_schedule_says_so():
    query = setup_to_query(Setup()) | {"sched_momentum": "zigzag:20"}
    at = open_chapter(PAGE, timeout=240, query=query)
    warnings = " ".join(w.value for w in at.warning)
    assert "zigzag" in warnings

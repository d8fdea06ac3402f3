"""The arena on the learner's own formula, driven through Streamlit's AppTest."""

from __future__ import annotations

import json
from functools import partial

import numpy as np

from chapters.ch08_arena import logic, sections
from core.toc import chapter
from kit import own_landscape
from kit.state import session_key
from tests.apptest import open_chapter, page_state_in, page_text

TIMEOUT = 180
PAGE = chapter(8).file
EGG_CRATE = "sin(3*x)*cos(3*y) + 0.1*(x**2 + y**2)"
k = partial(session_key, logic.PAGE)


def charts(at) -> dict[str, dict]:
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    return {s["layout"].get("meta"): s for s in specs if s["layout"].get("meta")}


def run_of(at, name):
    return page_state_in(at, logic.PAGE).run(logic.RUN_PREFIX + name)


def leaderboard(at):
    return next(f.value for f in at.dataframe if "rank" in f.value.columns)


def ok(at):
    assert not at.exception, [e.value for e in at.exception]
    return at


def choose_formula(at, text: str | None = None):
    at.button_group(key=k("land")).set_value("formula").run(timeout=TIMEOUT)
    if text is not None:
        at.text_input(key=k("formula:text")).set_value(text).run(timeout=TIMEOUT)
    return ok(at)


def test_a_typed_formula_draws_races_sweeps_and_shares():
    at = choose_formula(open_chapter(PAGE, timeout=TIMEOUT), EGG_CRATE)
    assert not at.error
    latex = "\n".join(e.value for e in at.get("latex"))
    assert r"\cos\left(3 y\right) \sin\left(3 x\right)" in latex  # the formula
    assert r"\frac{\partial L}{\partial x}" in latex  # and its gradient, typeset
    race = charts(at)["arena:race"]
    assert race["layout"]["images"]  # the map
    assert any(t.get("name") == "minimum" for t in race["data"])  # minima, starred
    assert "arena:sweep" in charts(at)
    # The link carries the formula, its box and the start.
    assert at.query_params["land"] == "formula" and at.query_params["f"] == EGG_CRATE
    assert {"xmin", "xmax", "ymin", "ymax", "sx", "sy"} <= set(at.query_params)
    # The race runs on it.
    at.button(key=k("btn:play")).click().run(timeout=TIMEOUT)
    ok(at)
    adam = run_of(at, "adam")
    assert adam.steps == logic.PLAY_STEPS and own_landscape.is_formula_key(adam.landscape)
    board = leaderboard(at)
    assert len(board) == 4 and "nan" not in board.to_string().lower()
    assert "approximate" in page_text(at)
    assert at.get("download_button")  # the CSV export, built from these runs:
    entries = [logic.Entry(n, run_of(at, n), 0.01, "shared") for n in ("sgd", "adam")]
    csv = logic.race_csv(entries).splitlines()
    assert csv[0] == "step,optimizer,x,y,loss" and len(csv) == 1 + 2 * (logic.PLAY_STEPS + 1)
    assert sections.file_label(adam.landscape) == "formula"
    # 3-D works too.
    at.button_group(key=k("view")).set_value("3d").run(timeout=TIMEOUT)
    assert charts(ok(at))["arena:race"]["data"][0]["type"] == "surface"


def test_a_hostile_formula_is_refused_and_the_race_keeps_its_landscape():
    at = choose_formula(open_chapter(PAGE, timeout=TIMEOUT), EGG_CRATE)
    at.button(key=k("btn:step")).click().run(timeout=TIMEOUT)
    before = run_of(ok(at), "sgd")
    at.text_input(key=k("formula:text")).set_value("().__class__").run(timeout=TIMEOUT)
    ok(at)
    assert at.error and "attribute access" in at.error[0].value
    after = run_of(at, "sgd")
    assert after.landscape == before.landscape and after.steps == before.steps == 1
    assert at.query_params["f"] == EGG_CRATE  # the link still holds the last valid one
    # What the learner typed stays in the box to be fixed.
    assert at.text_input(key=k("formula:text")).value == "().__class__"
    # A constant (refused only once sympy has seen it) says so too.
    at.text_input(key=k("formula:text")).set_value("x - x").run(timeout=TIMEOUT)
    assert "constant" in ok(at).error[0].value


def test_a_formula_in_the_link_is_restored():
    query = {
        "land": "formula",
        "f": "(1 - x)**2 + 100*(y - x**2)**2",
        "xmin": "-2",
        "xmax": "2",
        "ymin": "-1",
        "ymax": "3",
        "sx": "-1",
        "sy": "2",
        "opt": "sgd,adam",
    }
    at = ok(open_chapter(PAGE, timeout=TIMEOUT, query=query))
    assert not at.warning
    assert at.button_group(key=k("land")).value == "formula"
    assert at.text_input(key=k("formula:text")).value == query["f"]
    assert at.number_input(key=k("formula:ymax")).value == 3.0
    sgd = run_of(at, "sgd")
    assert sgd.start == (-1.0, 2.0) and own_landscape.is_formula_key(sgd.landscape)
    assert run_of(at, "momentum") is None
    assert any("%2A%2A2" in c.value or "**2" in c.value for c in at.code)


def test_a_hostile_formula_in_the_link_is_refused_with_a_message():
    at = ok(open_chapter(PAGE, timeout=TIMEOUT, query={"land": "formula", "f": "__import__('os')"}))
    warning = " ".join(w.value for w in at.warning)
    assert "formula was refused" in warning and "strings are not allowed" in warning
    assert at.button_group(key=k("land")).value == "ravine"
    # One that only sympy can refuse: the page says so too.
    at = ok(open_chapter(PAGE, timeout=TIMEOUT, query={"land": "formula", "f": "0*x + 1"}))
    warning = " ".join(w.value for w in at.warning)
    assert "constant" in warning and at.button_group(key=k("land")).value == "ravine"


def test_a_run_into_a_gap_is_diverged_and_no_table_says_nan():
    at = choose_formula(open_chapter(PAGE, timeout=TIMEOUT), "x**2 + y**2 - log(x + 1.5)")
    at.number_input(key=k("formula:sx")).set_value(-1.4).run(timeout=TIMEOUT)
    at.number_input(key=k("formula:sy")).set_value(0.0).run(timeout=TIMEOUT)
    at.select_slider(key=k("lr")).set_value(1.0).run(timeout=TIMEOUT)
    at.button(key=k("btn:play")).click().run(timeout=TIMEOUT)
    ok(at)
    assert run_of(at, "sgd").diverged
    text = page_text(at, code=False)
    assert "nan" not in text.lower().replace("nanny", "")
    race = charts(at)["arena:race"]
    assert "diverged at step" in json.dumps(race, ensure_ascii=False)
    assert np.isfinite(run_of(at, "sgd").losses[: run_of(at, "sgd").last_sane_step + 1]).all()

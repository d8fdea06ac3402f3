"""Chapter 8 (the Optimizer Arena) driven through Streamlit's AppTest."""

import json
from functools import partial

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from chapters.ch08_arena import link, logic
from chapters.ch08_arena.link import Setup, setup_to_query
from core import quiz
from core.progress import PROGRESS_KEY
from core.toc import chapter
from engine import landscapes, optimizers, simulate
from kit.format import optimizer_name
from kit.state import session_key
from tests.apptest import open_chapter, page_state_in, page_text

TIMEOUT = 120
PAGE = chapter(8).file
DEFAULT4 = ("sgd", "momentum", "rmsprop", "adam")


def open_arena(query=None) -> AppTest:
    return open_chapter(PAGE, timeout=TIMEOUT, query=query)


@pytest.fixture
def at():
    return open_arena()


k = partial(session_key, logic.PAGE)


def specs(at):
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def chart(at, meta):
    for spec in specs(at):
        if spec["layout"].get("meta") == meta:
            return spec
    raise AssertionError(f"no chart {meta}")


def race_chart(at):
    return chart(at, "arena:race")


def racer_paths(at):
    """Labels of the drawn paths (one faint path per racer, with hover text)."""
    return [
        t["name"]
        for t in race_chart(at)["data"]
        if t.get("mode") == "lines+markers" and t.get("showlegend", True) is not False
    ]


def leaderboard(at):
    for frame in at.dataframe:
        if "rank" in frame.value.columns:
            return frame.value
    raise AssertionError("leaderboard not found")


def step(at, times=1):
    for _ in range(times):
        at.button(key=k("btn:step")).click().run(timeout=TIMEOUT)
        assert not at.exception, [e.value for e in at.exception]


def run_of(at, name):
    return page_state_in(at, logic.PAGE).run(logic.RUN_PREFIX + name)


def test_arena_renders_with_the_default_race(at):
    assert at.title[0].value.startswith("Chapter 8")
    assert len(at.get("plotly_chart")) >= 3
    assert sorted(racer_paths(at)) == sorted(f"{optimizer_name(n)} (η 0.01)" for n in DEFAULT4)
    assert list(leaderboard(at)["optimizer"]) == ["SGD", "Momentum", "RMSProp", "Adam"]
    assert at.query_params["land"] == "ravine"
    assert at.query_params["opt"] == ",".join(DEFAULT4)
    assert any("/arena?land=ravine" in c.value for c in at.code)
    assert not at.warning


def test_adding_an_optimizer_adds_a_trajectory_that_catches_up(at):
    step(at, 2)
    assert len(racer_paths(at)) == 4
    at.checkbox(key=k("opt:adamw")).check().run(timeout=TIMEOUT)
    assert not at.exception
    paths = racer_paths(at)
    assert len(paths) == 5 and "AdamW (η 0.01)" in paths
    assert run_of(at, "adamw").steps == 2 == run_of(at, "sgd").steps
    assert "AdamW" in list(leaderboard(at)["optimizer"])
    assert "adamw" in at.query_params["opt"]
    at.checkbox(key=k("opt:sgd")).uncheck().run(timeout=TIMEOUT)
    assert len(racer_paths(at)) == 4 and run_of(at, "sgd") is None


def test_learning_rate_slider_changes_the_race(at):
    step(at)
    before = race_chart(at)["data"]
    at.select_slider(key=k("lr")).set_value(0.1).run(timeout=TIMEOUT)
    step(at)
    after = race_chart(at)["data"]
    assert before != after
    assert "η 0.1" in json.dumps(after, ensure_ascii=False)
    # A rate change continues the run with its buffers: still one history, now 2 steps.
    assert run_of(at, "momentum").steps == 2
    assert at.query_params["lr"] == "0.1"


def test_steps_and_buffers_survive_a_page_switch(at):
    step(at, 3)
    saved = {n: run_of(at, n) for n in DEFAULT4}
    assert all(r.steps == 3 and r.opt_state["t"] == 3 for r in saved.values())
    at.switch_page(chapter(0).file).run(timeout=TIMEOUT)
    assert not at.exception and at.title[0].value.startswith("Chapter 0")
    at.switch_page(PAGE).run(timeout=TIMEOUT)
    assert not at.exception
    for name, old in saved.items():
        back = run_of(at, name)
        assert back.steps == 3 and back.opt_state["t"] == 3
        np.testing.assert_array_equal(back.path, old.path)
        for key, value in old.buffers.items():
            np.testing.assert_array_equal(back.buffers[key], value)
    assert any("step 3:" in m.value for m in at.markdown)
    step(at)
    assert run_of(at, "adam").steps == 4


def test_share_link_round_trip_restores_the_setup():
    setup = Setup(
        landscape="rosenbrock",
        optimizers=("momentum", "adam", "lion"),
        lr=0.003,
        overrides={"adam": 0.05},
        noise=0.5,
        batch=4,
        seed=7,
        start=(-1.2, 1.5),
    )
    query = setup_to_query(setup)
    at = open_arena(query)
    assert not at.warning, [w.value for w in at.warning]
    assert at.button_group(key=k("land")).value == "rosenbrock"
    ticked = [n for n in optimizers.NAMES if at.checkbox(key=k(f"opt:{n}")).value]
    assert ticked == ["momentum", "adam", "lion"]
    assert at.select_slider(key=k("lr")).value == 0.003
    assert at.checkbox(key=k("own:adam")).value
    assert at.select_slider(key=k("lr:adam")).value == 0.05
    assert at.select_slider(key=k("noise")).value == 0.5
    assert at.select_slider(key=k("batch")).value == 4
    assert at.number_input(key=k("seed")).value == 7
    run = run_of(at, "adam")
    assert run.start == (-1.2, 1.5) and run.hyperparams["lr"] == 0.05
    assert run.noise == (0.5, 4, 7)
    assert run_of(at, "lion").hyperparams["lr"] == 0.003
    assert dict(at.query_params) == query  # the page writes back the same link
    # and a link copied from a page set up by hand opens the same arena
    step(at, 2)
    at.select_slider(key=k("lr")).set_value(0.02).run(timeout=TIMEOUT)
    copied = dict(at.query_params)
    again = open_arena(copied)
    assert dict(again.query_params) == copied
    assert run_of(again, "momentum").hyperparams["lr"] == 0.02


def test_malformed_link_falls_back_to_defaults_with_a_warning():
    at = open_arena(
        {"land": "moon", "opt": "warp,drive", "lr": "fast", "start": "x", "zz": "1", "seed": "-1"}
    )
    assert at.warning, "a bad link must be reported"
    text = at.warning[0].value
    for needle in ("unknown landscape", "no known optimizer", "not a number", "unknown parameter"):
        assert needle in text
    assert at.button_group(key=k("land")).value == "ravine"
    assert [n for n in optimizers.NAMES if at.checkbox(key=k(f"opt:{n}")).value] == list(DEFAULT4)
    assert at.select_slider(key=k("lr")).value == link.LR_DEFAULT
    assert dict(at.query_params) == setup_to_query(Setup())
    at.run(timeout=TIMEOUT)  # the notice goes once the link has been replaced
    assert not at.exception and not at.warning


def test_out_of_range_numbers_in_a_link_are_refused():
    at = open_arena({"lr": "1e9", "noise": "1e6", "batch": "0", "start": "1e300,0"})
    assert at.warning and not at.exception
    assert at.select_slider(key=k("lr")).value == link.LR_DEFAULT
    assert run_of(at, "sgd").start == landscapes.get("ravine").start


def test_leaderboard_and_notes_show_engine_numbers(at):
    at.button(key=k("btn:play")).click().run(timeout=TIMEOUT)
    assert not at.exception
    board = leaderboard(at)
    ravine = landscapes.get("ravine")
    for _, row in board.iterrows():
        name = next(n for n in DEFAULT4 if optimizer_name(n) == row["optimizer"])
        traj = simulate.run(optimizers.make(name, lr=0.01), ravine, ravine.start, logic.PLAY_STEPS)
        expected = traj.steps_to(1e-3)
        got = row["steps to threshold"]
        assert got == ("—" if expected is None else str(expected))
        assert row["loss now"] == pytest.approx(traj.losses[-1])
    text = page_text(at)
    # SGD's stability limit on the quadratic ravine, 2 / 40, next to what the sweep found.
    limit = 2.0 / float(np.max(ravine.hessian_diag(np.asarray(ravine.start))))
    assert f"= {limit:.3g}" in text and "smallest rate at which SGD diverged" in text
    # The sweep table's best rates are the engine's.
    table = next(f.value for f in at.dataframe if "best η" in f.value.columns)
    sw = logic.run_sweep("adam", "ravine", None, ravine.start)
    best = logic.best_rate(sw, 1e-3)
    adam_row = table[table["optimizer"] == "Adam"].iloc[0]
    assert adam_row["best η"] == pytest.approx(sw.lrs[best])
    assert adam_row["steps to threshold at best η"] == str(sw.steps_to(1e-3)[best])
    assert len(sw.lrs) >= 48
    # The forgiving ranges are measured, and Adam's is far wider than SGD's here.
    ranges = {
        n: logic.forgiving_range(logic.run_sweep(n, "ravine", None, ravine.start), 1e-3)
        for n in ("sgd", "adam")
    }
    assert logic.range_text("adam", ranges["adam"]) in text
    assert logic.range_text("sgd", ranges["sgd"]) in text
    assert "most forgiving racer is **Adam**" in text
    # RMSProp's un-corrected first step, η/√(1 − ρ), read off the engine's first-step table.
    rho = optimizers.info("rmsprop").defaults["rho"]
    assert f"RMSProp's first step is {1 / np.sqrt(1 - rho):.4g} learning rates" in text


def test_saddle_note_corrects_the_lesson(at):
    at.button_group(key=k("land")).set_value("saddle").run(timeout=TIMEOUT)
    assert not at.exception
    text = page_text(at)
    assert "SGD, Momentum, RMSProp, Adam never left it" in text
    assert "only momentum-based methods escape" not in text.lower()


def test_play_fair_race_divergence_and_3d(at):
    at.button(key=k("btn:play")).click().run(timeout=TIMEOUT)
    spec = race_chart(at)
    assert spec.get("frames") and spec["layout"]["updatemenus"]
    assert run_of(at, "sgd").steps == logic.PLAY_STEPS

    at.toggle(key=k("fair")).set_value(True).run(timeout=TIMEOUT)
    assert not at.exception
    board = leaderboard(at)
    assert set(board["η from"]) == {"best in sweep"}
    assert run_of(at, "sgd").steps == 0  # the fair switch restarts the race
    assert at.query_params["fair"] == "1"
    at.toggle(key=k("fair")).set_value(False).run(timeout=TIMEOUT)

    at.select_slider(key=k("lr")).set_value(10.0).run(timeout=TIMEOUT)
    at.button(key=k("btn:play")).click().run(timeout=TIMEOUT)
    assert not at.exception
    sgd = run_of(at, "sgd")
    assert sgd.diverged
    assert f"diverged at step {sgd.diverged_at}" in json.dumps(race_chart(at), ensure_ascii=False)
    assert leaderboard(at).iloc[-1]["diverged at step"] == str(sgd.diverged_at)

    at.button_group(key=k("view")).set_value("3d").run(timeout=TIMEOUT)
    assert not at.exception
    assert race_chart(at)["data"][0]["type"] == "surface"


def test_reset_and_noise(at):
    step(at, 2)
    at.button(key=k("btn:reset")).click().run(timeout=TIMEOUT)
    assert run_of(at, "adam").steps == 0
    at.select_slider(key=k("noise")).set_value(1.0).run(timeout=TIMEOUT)
    assert not at.exception
    assert run_of(at, "adam").noise == (1.0, 1, 0)
    assert at.query_params["noise"] == "1"
    assert any("noisy gradients" in m.value for m in at.markdown)


def test_csv_export_is_offered(at):
    step(at, 2)
    buttons = at.get("download_button")
    assert buttons, "the CSV download button is missing"
    csv = logic.race_csv(
        [logic.Entry(n, run_of(at, n), 0.01, "shared") for n in DEFAULT4]
    ).splitlines()
    assert csv[0] == "step,optimizer,x,y,loss" and len(csv) == 1 + 4 * 3


def test_quiz_answer_is_recorded(at):
    spec = next(s for s in quiz.load_quiz(8) if s.id == "arena-takeaway")
    correct = spec.build().correct_index
    at.radio(key=quiz.widget_key(8, "arena-takeaway", "choice", 0)).set_value(correct).run(
        timeout=TIMEOUT
    )
    at.button(key=quiz.widget_key(8, "arena-takeaway", "check", 0)).click().run(timeout=TIMEOUT)
    assert not at.exception
    record = at.session_state[PROGRESS_KEY]["8"]["arena-takeaway"]
    assert record["answered"] and record["correct"]
    assert len(quiz.load_quiz(8)) >= 4
    assert any(s.generator for s in quiz.load_quiz(8))


def test_a_new_start_restarts_the_race_and_enters_the_link(at):
    step(at, 2)
    # What a click on the map does (explorer.on_landscape_click): store the picked start.
    at.session_state[k("start:ravine")] = (0.5, 2.0)
    at.run(timeout=TIMEOUT)
    assert not at.exception
    run = run_of(at, "adam")
    assert run.start == (0.5, 2.0) and run.steps == 0
    assert at.query_params["start"] == "0.5,2"


def test_fair_race_says_which_rate_each_racer_got(at):
    at.toggle(key=k("fair")).set_value(True).run(timeout=TIMEOUT)
    board = leaderboard(at)
    start = landscapes.get("ravine").start
    for name in DEFAULT4:
        sw = logic.run_sweep(name, "ravine", None, start)
        best = sw.lrs[logic.best_rate(sw, 1e-3)]
        row = board[board["optimizer"] == optimizer_name(name)].iloc[0]
        assert row["η"] == pytest.approx(best) and row["η from"] == "best in sweep"
        assert run_of(at, name).hyperparams["lr"] == pytest.approx(best)

"""Chapter 4 (Adam) in AppTest: renders, reacts, keeps its runs, shows the checked numbers."""

from functools import partial

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from chapters.ch04_adam import logic as ch04_logic
from core.progress import PROGRESS_KEY
from core.toc import chapter
from kit.state import session_key
from tests.apptest import answer, chart_data, open_chapter, page_state_in

ch04_key = partial(session_key, ch04_logic.PAGE)
ch04_state = partial(page_state_in, page=ch04_logic.PAGE)

PAGE = chapter(4).file
OTHER = chapter(0).file
TIMEOUT = 240


def open_page(at: AppTest | None = None) -> AppTest:
    return open_chapter(PAGE, at, TIMEOUT)


def run_of(at: AppTest, name: str):
    return ch04_state(at).run(name)


@pytest.fixture(scope="module")
def page() -> AppTest:
    return open_page()


def test_page_renders_without_errors(page):
    assert page.title[0].value.startswith("Chapter 4")
    assert not page.error
    assert len(page.get("plotly_chart")) >= 5
    captions = " ".join(c.value for c in page.caption)
    assert "✓ Same steps as the engine's table" in captions


def test_worked_table_shows_the_checked_numbers(page):
    table = next(t.value for t in page.table if "step 1" in t.value.columns)
    assert list(table.loc["m"]) == ["0.4", "0.26", "0.534"]
    assert list(table.loc["step size |Δθ|"]) == ["0.001", "0.000469", "0.000669"]
    assert list(table.loc["gradient g"]) == ["4", "-1", "3"]
    text = " ".join(m.value for m in page.markdown)
    for number in ("0.4", "0.26", "0.534", "0.000469", "0.000669"):
        assert number in text


def test_step_arithmetic_uses_engine_numbers(page):
    latex = " ".join(x.value for x in page.latex)
    assert "= 0.4" in latex and "= 16" in latex and "= -0.001" in latex


def test_beta_slider_changes_the_internals_chart():
    at = open_page()
    before = chart_data(at, ch04_key("viz:chart"))
    at.select_slider(key=ch04_key("viz:beta1")).set_value(0.5).run()
    assert not at.exception
    after = chart_data(at, ch04_key("viz:chart"))
    assert before != after


def test_preset_changes_the_sequence_length():
    at = open_page()
    at.segmented_control(key=ch04_key("viz:preset")).set_value("sparse").run()
    assert not at.exception
    assert at.slider(key=ch04_key("viz:step")).max == 40


def test_scrubber_steps_and_survives_a_page_switch():
    at = open_page()
    at.button(key=ch04_key("viz:step:step")).click().run()
    at.button(key=ch04_key("viz:step:step")).click().run()
    assert at.slider(key=ch04_key("viz:step")).value == 3
    assert any("m_{3}" in x.value and "= 0.534" in x.value for x in at.latex)
    at.switch_page(OTHER).run()
    open_page(at)
    assert at.slider(key=ch04_key("viz:step")).value == 3
    at.button(key=ch04_key("viz:step:reset")).click().run()
    assert at.slider(key=ch04_key("viz:step")).value == 1


def test_three_steps_survive_a_page_switch():
    at = open_page()
    for _ in range(3):
        at.button(key=ch04_key("bc:btn:step")).click().run()
    assert not at.exception
    on, off = run_of(at, "bc:on"), run_of(at, "bc:off")
    assert on.steps == off.steps == 3
    buffers = {k: np.copy(v) for k, v in on.buffers.items()}
    at.switch_page(OTHER).run()
    open_page(at)
    on_again = run_of(at, "bc:on")
    assert on_again.steps == 3
    for k, v in buffers.items():
        np.testing.assert_array_equal(on_again.buffers[k], v)
    metrics = [m.value for m in at.metric]
    assert "3" in metrics


def test_uncorrected_run_takes_longer_first_steps():
    at = open_page()
    at.button(key=ch04_key("bc:btn:step")).click().run()
    on, off = run_of(at, "bc:on"), run_of(at, "bc:off")
    first_on = np.linalg.norm(on.path[1] - on.path[0])
    first_off = np.linalg.norm(off.path[1] - off.path[0])
    assert first_off > 2 * first_on


def test_learning_rate_change_continues_and_landscape_change_resets():
    at = open_page()
    bars_before = chart_data(at, ch04_key("bc:bars"))
    for _ in range(2):
        at.button(key=ch04_key("bc:btn:step")).click().run()
    at.select_slider(key=ch04_key("bc:lr")).set_value(0.05).run()
    assert not at.exception
    assert run_of(at, "bc:on").steps == 2  # kept its history and buffers
    assert run_of(at, "bc:on").hyperparams["lr"] == 0.05
    assert chart_data(at, ch04_key("bc:bars")) != bars_before
    at.button(key=ch04_key("bc:btn:step")).click().run()
    assert run_of(at, "bc:on").steps == 3
    at.segmented_control(key=ch04_key("bc:landscape")).set_value("bowl").run()
    assert run_of(at, "bc:on").steps == 0


def test_play_precomputes_a_stretch_for_playback():
    at = open_page()
    at.button(key=ch04_key("bc:btn:play")).click().run()
    assert not at.exception
    run = run_of(at, "bc:on")
    assert run.steps == 50 and run.play_from == 0


def test_quiz_answer_is_recorded():
    at = open_page()
    qid = "why-bias-correction"
    answer(at, 4, qid, 1)
    assert not at.exception
    record = at.session_state[PROGRESS_KEY]["4"][qid]
    assert record["answered"] and record["correct"]

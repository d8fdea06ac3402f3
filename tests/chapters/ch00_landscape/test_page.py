"""Chapter 0 driven through Streamlit's AppTest: widgets, state across pages, numbers, quiz."""

import json
from functools import partial

import numpy as np
import pytest

from chapters.ch00_landscape import logic as ch00_logic
from core import quiz
from core.progress import PROGRESS_KEY
from core.toc import chapter
from kit.state import session_key
from tests.apptest import answer, open_chapter, page_state_in, page_text, shown_question

ch00_key = partial(session_key, ch00_logic.PAGE)
ch00_state = partial(page_state_in, page=ch00_logic.PAGE)

TIMEOUT = 60
PAGE = chapter(0).file


@pytest.fixture
def at():
    return open_chapter(None, timeout=TIMEOUT)


def chart_specs(at):
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def explorer_spec(at):
    for spec in chart_specs(at):
        title = (spec["layout"].get("title") or {}).get("text") or ""
        if "click anywhere" in title or "(3-D)" in title:
            return spec
    raise AssertionError("explorer chart not found")


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def test_chapter_zero_is_the_default_page_and_renders(at):
    assert at.title[0].value.startswith("Chapter 0")
    assert len(at.get("plotly_chart")) >= 4
    assert at.get("plotly_chart")


def test_learning_rate_slider_changes_the_explorer_figure(at):
    at.button(key=ch00_key("explorer:btn:step")).click().run()
    before = explorer_spec(at)
    at.select_slider(key=ch00_key("explorer:lr")).set_value(0.5).run()
    at.button(key=ch00_key("explorer:btn:step")).click().run()
    after = explorer_spec(at)
    assert before["data"] != after["data"]
    assert "0.5" in json.dumps(after["data"])


def test_steps_survive_a_page_switch(at):
    at.select_slider(key=ch00_key("explorer:lr")).set_value(0.05).run()
    for _ in range(3):
        at.button(key=ch00_key("explorer:btn:step")).click().run()
    run = ch00_state(at).run("explorer")
    assert run.steps == 3 and run.opt_state["t"] == 3
    params, losses = run.params.copy(), run.losses.copy()
    assert metric(at, "Step") == "3"

    at.switch_page(chapter(1).file).run()
    assert not at.exception
    assert at.title[0].value.startswith("Chapter 1")
    at.switch_page(PAGE).run()
    assert not at.exception

    back = ch00_state(at).run("explorer")
    assert back.steps == 3 and back.opt_state["t"] == 3
    np.testing.assert_array_equal(back.params, params)
    np.testing.assert_array_equal(back.losses, losses)
    assert metric(at, "Step") == "3"
    assert at.select_slider(key=ch00_key("explorer:lr")).value == 0.05
    at.button(key=ch00_key("explorer:btn:step")).click().run()
    assert ch00_state(at).run("explorer").steps == 4


def test_play_and_reset(at):
    at.button(key=ch00_key("explorer:btn:play")).click().run()
    run = ch00_state(at).run("explorer")
    assert run.steps > 1 and run.play_from == 0
    spec = explorer_spec(at)
    assert spec.get("frames") and spec["layout"]["updatemenus"]
    at.button(key=ch00_key("explorer:btn:reset")).click().run()
    assert ch00_state(at).run("explorer").steps == 0


def test_landscape_and_view_switches(at):
    at.button_group(key=ch00_key("explorer:landscape")).set_value("saddle").run()
    assert not at.exception
    assert ch00_state(at).run("explorer").landscape == "saddle"
    at.button_group(key=ch00_key("explorer:view")).set_value("3d").run()
    assert not at.exception
    assert explorer_spec(at)["data"][0]["type"] == "surface"
    at.button(key=ch00_key("explorer:btn:drop")).click().run()
    assert not at.exception


def test_divergence_is_labelled_not_a_traceback(at):
    at.select_slider(key=ch00_key("explorer:lr")).set_value(1.5).run()
    for _ in range(3):
        at.button(key=ch00_key("explorer:btn:play")).click().run()
    assert not at.exception
    assert "diverg" in page_text(at).lower()


def test_checked_numbers_are_on_the_page(at):
    text = page_text(at)
    # η = 0.1 (the default selection): the lesson's path and loss.
    for value in ("0.6", "1.08", "1.464", "1.771", "2.017", "0.9664"):
        assert value in text, value
    assert "≈ 3.1" in text and "≈ 10.3" in text  # steps to halve / to shrink 10×

    at.button_group(key=ch00_key("walk:eta")).set_value(0.5).run()
    table = at.table[0].value
    assert table["x"].tolist()[1] == "3"
    at.button_group(key=ch00_key("walk:eta")).set_value(1.1).run()
    table = at.table[0].value
    assert table["x"].tolist()[1:3] == ["6.6", "-1.32"]
    assert table["loss f(x)"].tolist()[1:3] == ["12.96", "18.66"]
    at.button_group(key=ch00_key("walk:eta")).set_value(0.001).run()
    text = page_text(at)
    assert "0.5443" in text and "2.595" in text


def test_wrong_source_numbers_are_absent(at):
    for eta in (0.1, 0.5, 1.1, 0.001):
        at.button_group(key=ch00_key("walk:eta")).set_value(eta).run()
        text = page_text(at)
        assert "2.97" not in text
        assert "11 steps" not in text and "33 steps" not in text
        assert "≈ 11" not in text and "≈ 33" not in text


def test_answering_quiz_questions_records_scores(at):
    answer(at, 0, "oscillation-fix", 1)
    record = at.session_state[PROGRESS_KEY]["0"]["oscillation-fix"]
    assert record == {"answered": True, "correct": True, "attempts": 1}

    question = shown_question(at, 0, "parabola-two-steps")
    answer(at, 0, "parabola-two-steps", question.correct_index)
    assert at.session_state[PROGRESS_KEY]["0"]["parabola-two-steps"]["correct"] is True
    assert any("Correct" in s.value for s in at.success)

    # Retry gives fresh numbers and a fresh radio.
    at.button(key=quiz.widget_key(0, "parabola-two-steps", "retry", 0)).click().run()
    new_slot = at.session_state[quiz.slot_key(0, "parabola-two-steps")]
    assert new_slot["attempt"] == 1 and new_slot["graded"] is None
    assert "2 of 5" in page_text(at) or "2/5" in page_text(at)


def test_checking_without_a_choice_asks_for_one(at):
    at.button(key=quiz.widget_key(0, "minus-sign", "check", 0)).click().run()
    assert not at.exception
    assert any("Pick one" in i.value for i in at.info)


def test_every_chart_on_the_page_stays_under_300_kb(at):
    at.select_slider(key=ch00_key("explorer:lr")).set_value(0.005).run()
    for _ in range(5):
        at.button(key=ch00_key("explorer:btn:play")).click().run()
    at.button_group(key=ch00_key("walk:eta")).set_value(0.001).run()
    sizes = [len(c.proto.spec) for c in at.get("plotly_chart")]
    assert sizes and max(sizes) <= 300_000, sizes
    at.button_group(key=ch00_key("explorer:view")).set_value("3d").run()
    sizes = [len(c.proto.spec) for c in at.get("plotly_chart")]
    assert max(sizes) <= 300_000, sizes


def test_leaving_the_saddle_is_not_called_crawling(at):
    # "Show me: Saddle" loads the saddle at η = 0.1; steps 19–21 roll off it, faster each step.
    at.button(key=ch00_key("showme:saddle")).click().run()
    at.button(key=ch00_key("explorer:btn:reset")).click().run()
    for _ in range(20):
        at.button(key=ch00_key("explorer:btn:step")).click().run()
    assert page_state_in(at, ch00_logic.PAGE).run("explorer").steps == 20
    captions = [c.value for c in at.caption]
    assert not any("too small for this landscape" in c for c in captions)
    assert any("rolling off the saddle" in c for c in captions)
    badges = [m.value for m in at.markdown if "badge[" in m.value]
    assert any("Picking up speed" in b for b in badges) and not any("Crawling" in b for b in badges)

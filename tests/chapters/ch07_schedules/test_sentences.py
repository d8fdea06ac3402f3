"""Sentences of chapter 7 that must match the run on screen (issue 12, item 3)."""

from functools import partial

import pytest

from chapters.ch07_schedules import logic
from core.toc import chapter
from kit.state import session_key
from tests.apptest import open_chapter, page_text

ch07_key = partial(session_key, logic.PAGE)


def before_story(epochs, batches, name="cosine", warmup_percent=10):
    result = logic.pitfall_rates(
        name, "before", epochs=epochs, batches=batches, peak=1e-3, warmup_percent=warmup_percent
    )
    return result, logic.pitfall_story("before", result, epochs, batches, epochs * batches)


def test_a_one_step_shift_in_a_short_run_is_not_called_harmless():
    result, story = before_story(2, 10)
    share = float(abs(result.actual - result.intended).max()) / 1e-3
    assert share > logic.HARMLESS_SHIFT  # 20 steps: one step is a big slice
    assert "harmless here" not in story
    assert "not harmless" in story and f"{share:.0%} of the peak" in story
    assert "warmup is cut short" in story


def test_a_one_step_shift_in_a_long_run_is_harmless():
    result, story = before_story(10, 100)
    share = float(abs(result.actual - result.intended).max()) / 1e-3
    assert share <= logic.HARMLESS_SHIFT
    assert "harmless here" in story and "not harmless" not in story
    assert f"{share:.2%} of the peak" in story


def test_without_warmup_the_story_does_not_mention_one():
    _, story = before_story(2, 10, warmup_percent=0)
    assert "not harmless" in story and "warmup" not in story


@pytest.fixture(scope="module")
def at():
    return open_chapter(chapter(7).file, timeout=120)


def test_the_page_verdict_follows_the_settings(at):
    at.button_group(key=ch07_key("pit:mistake")).set_value("before").run()
    at.slider(key=ch07_key("pit:epochs")).set_value(2).run()
    at.select_slider(key=ch07_key("pit:batches")).set_value(10).run()
    text = page_text(at)
    assert "not harmless" in text and "harmless here" not in text
    at.slider(key=ch07_key("pit:epochs")).set_value(10).run()
    at.select_slider(key=ch07_key("pit:batches")).set_value(100).run()
    text = page_text(at)
    assert "harmless here" in text and "not harmless" not in text


def test_the_visualiser_intro_says_what_a_floor_above_the_peak_does(at):
    text = page_text(at)
    assert "floor above the peak is refused" in text
    assert "Try a floor above the peak" not in text
    at.number_input(key=ch07_key("vis:min")).set_value(0.01).run()
    assert any("above the peak" in e.value for e in at.error)
    at.number_input(key=ch07_key("vis:min")).set_value(0.0).run()

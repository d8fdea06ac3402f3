"""Chapter 2's "Looking ahead" counts the step from which the loss stays below the
threshold, not the first time it passes through it (issue 12, item 3)."""

from functools import partial

import numpy as np

from chapters.ch02_momentum import logic
from core.toc import chapter
from engine import landscapes
from engine.theory import steps_to_stay_below
from kit.measure import steps_to
from kit.state import session_key
from tests.apptest import open_chapter, option_value

ch02_key = partial(session_key, logic.PAGE)
BOWL_START = tuple(landscapes.get("bowl").start)


def swinging_bowl():
    return logic.outlook("momentum", 0.3, 0.99, "bowl", BOWL_START)


def test_a_run_swinging_through_the_threshold_is_counted_from_when_it_stays():
    ahead = swinging_bowl()
    first_crossing = steps_to(ahead.losses, logic.THRESHOLD)
    settled = ahead.steps_to(logic.THRESHOLD)
    assert first_crossing is not None and settled > first_crossing
    assert settled == int(steps_to_stay_below(ahead.losses, logic.THRESHOLD))
    assert np.all(ahead.losses[settled:] <= logic.THRESHOLD)
    assert ahead.losses[settled - 1] > logic.THRESHOLD


def test_a_run_that_never_settles_says_so():
    ahead = logic.Outlook(
        losses=np.array([1.0, 1e-4, 1.0, 1e-4, 1.0]), params=np.zeros((5, 2)), diverged_at=None
    )
    assert ahead.steps_to(logic.THRESHOLD) is None
    text = logic.steps_text(None, None)
    assert text.startswith("never within") and f"{logic.LOOK_AHEAD_STEPS:,}" in text
    assert logic.steps_text(None, 8) == "never (diverges at step 8)"


def test_a_diverged_run_never_counts_as_settled():
    ahead = logic.Outlook(np.array([1.0, 1e-4, 1e-5]), np.zeros((3, 2)), diverged_at=2)
    assert ahead.steps_to(logic.THRESHOLD) is None


def test_the_page_reports_the_settled_step_for_the_bowl_at_beta_0_99():
    at = open_chapter(chapter(2).file, timeout=180)
    at.button_group(key=ch02_key("nag:landscape")).set_value("bowl").run()
    lr = at.select_slider(key=ch02_key("nag:lr"))
    lr.set_value(option_value(lr, "0.3")).run()
    at.slider(key=ch02_key("nag:beta")).set_value(0.99).run()
    assert not at.exception
    ahead = swinging_bowl()
    text = next(
        m.value
        for m in at.markdown
        if m.value.startswith("**Looking ahead** from this start with these settings")
    )
    settled = ahead.steps_to(logic.THRESHOLD)
    first_crossing = steps_to(ahead.losses, logic.THRESHOLD)
    assert f"**{settled} steps** (classical)" in text
    assert f"**{first_crossing} steps** (classical)" not in text
    assert "settles below" in text and "stays there" in text

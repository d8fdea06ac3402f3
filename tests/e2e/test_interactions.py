"""Real interactions, checked in the DOM of a real browser."""

from __future__ import annotations

import re
import time

import pytest

from core.toc import CHAPTERS
from tests.e2e.conftest import chapter_url, exceptions_on, open_page, wait_ready

pytestmark = pytest.mark.e2e

# A fingerprint of every chart's data: it changes when any trace moves.
CHART_DATA = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(g =>
    JSON.stringify((g._fullData || []).map(t => [t.name,
        t.x ? Array.from(t.x).slice(0, 400) : null,
        t.y ? Array.from(t.y).slice(0, 400) : null]))).join('|')"""


def chart_data(page) -> str:
    return page.evaluate(CHART_DATA)


def wait_for_change(page, before: str, timeout: float = 30_000) -> None:
    page.wait_for_function(f"(before) => ({CHART_DATA})() !== before", arg=before, timeout=timeout)
    wait_ready(page)


def metric_value(page, label: str) -> str:
    for metric in page.query_selector_all('[data-testid="stMetric"]'):
        if metric.query_selector('[data-testid="stMetricLabel"]').inner_text().strip() == label:
            return metric.query_selector('[data-testid="stMetricValue"]').inner_text().strip()
    raise AssertionError(f"no metric labelled {label!r}")


def button(page, text: str):
    """Buttons by their label; a material icon's ligature name may precede it."""
    return page.get_by_role("button", name=re.compile(rf"(^|[a-z_]){re.escape(text)}$"))


def click_button(page, text: str, nth: int = 0) -> None:
    target = button(page, text).nth(nth)
    target.scroll_into_view_if_needed()
    target.click()


def test_step_advances_the_counter(page, app_url):
    open_page(page, chapter_url(app_url, CHAPTERS[0]))
    assert metric_value(page, "Step") == "0"
    for expected in ("1", "2", "3"):
        click_button(page, "Step")
        page.wait_for_function(
            """(want) => Array.from(document.querySelectorAll('[data-testid="stMetric"]')).some(m =>
                m.innerText.startsWith('Step') && m.querySelector('[data-testid="stMetricValue"]').innerText.trim() === want)""",
            arg=expected,
            timeout=30_000,
        )
    assert exceptions_on(page) == []


def test_moving_the_learning_rate_slider_changes_the_chart(page, app_url):
    open_page(page, chapter_url(app_url, CHAPTERS[0]))
    click_button(page, "Step")
    wait_ready(page)
    before = chart_data(page)
    thumb = page.get_by_role("slider", name="Learning rate η (log scale)")
    thumb.focus()
    for _ in range(3):
        thumb.press("ArrowRight")
    wait_for_change(page, before)
    assert exceptions_on(page) == []


def test_clicking_the_landscape_moves_the_start_marker(page, app_url):
    open_page(page, chapter_url(app_url, CHAPTERS[0]))
    start_of = """() => { for (const g of document.querySelectorAll('.js-plotly-plot')) {
        for (const t of (g._fullData || [])) { if (t.name === 'start') return [t.x[0], t.y[0]]; } }
        return null; }"""
    page.wait_for_function(f"() => ({start_of})() !== null", timeout=30_000)
    before = page.evaluate(start_of)
    index = page.evaluate(
        """() => Array.from(document.querySelectorAll('.js-plotly-plot')).findIndex(g =>
            (g._fullData || []).some(t => t.name === 'start'))"""
    )
    chart = page.locator(".js-plotly-plot").nth(index)
    chart.scroll_into_view_if_needed()
    box = chart.locator(".nsewdrag").first.bounding_box()
    page.mouse.click(box["x"] + 0.8 * box["width"], box["y"] + 0.25 * box["height"])
    page.wait_for_function(
        f"(b) => JSON.stringify(({start_of})()) !== JSON.stringify(b)", arg=before, timeout=30_000
    )
    after = page.evaluate(start_of)
    assert after != before
    assert after[0] > before[0]  # clicked towards the right of the map
    assert exceptions_on(page) == []


def test_answering_a_quiz_question_shows_feedback(page, app_url):
    open_page(page, chapter_url(app_url, CHAPTERS[0]))
    question = page.locator('[data-testid="stRadio"]').first
    question.scroll_into_view_if_needed()
    question.locator("label").nth(1).click()  # the first option (label 0 is the hidden title)
    click_button(page, "Check answer")
    page.wait_for_selector("text=/^(Correct|Not quite)/", timeout=30_000)
    assert exceptions_on(page) == []


SIDEBAR_SCORES = """() => document.querySelector('[data-testid="stSidebar"]').innerText"""


def test_quiz_progress_survives_a_reload(page, app_url):
    """Session state dies with the connection; the progress comes back from the cookie."""
    open_page(page, chapter_url(app_url, CHAPTERS[0]))
    question = page.locator('[data-testid="stRadio"]').first
    question.scroll_into_view_if_needed()
    question.locator("label").nth(1).click()
    click_button(page, "Check answer")
    page.wait_for_selector("text=/^(Correct|Not quite)/", timeout=30_000)
    wait_ready(page)
    page.wait_for_function("() => document.cookie.includes('optimizers_progress=')", timeout=30_000)
    before = page.evaluate(SIDEBAR_SCORES)
    assert "◐" in before or "✅" in before  # chapter 0 started

    page.reload(wait_until="domcontentloaded")
    wait_ready(page)
    assert page.evaluate(SIDEBAR_SCORES) == before
    # A fresh browser (no cookie) starts clean.
    other = page.context.browser.new_context(viewport={"width": 1400, "height": 1000})
    fresh = other.new_page()
    open_page(fresh, chapter_url(app_url, CHAPTERS[0]))
    assert "◐" not in fresh.evaluate(SIDEBAR_SCORES) and "✅" not in fresh.evaluate(SIDEBAR_SCORES)
    other.close()
    assert exceptions_on(page) == []


TRACE_NAMES = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).flatMap(g =>
    (g._fullData || []).map(t => t.name || ''))"""


def racers_on_screen(page, expected: set[str] | None = None, timeout: float = 60.0) -> set[str]:
    """The optimizers whose paths are drawn, waiting until they are ``expected`` (or, with
    None, until there are any): a cold server first computes the arena's sweeps."""
    deadline = time.monotonic() + timeout
    while True:
        names = page.evaluate(TRACE_NAMES)
        racers = {n.split(" (η")[0] for n in names if " (η" in n}
        done = bool(racers) if expected is None else racers == expected
        if done or time.monotonic() > deadline:
            return racers
        page.wait_for_timeout(500)


def test_a_share_link_restores_the_arena_and_a_change_travels_in_the_link(browser, app_url):
    link = f"{app_url}/arena?land=rosenbrock&opt=adam,lion&lr=0.01&start=-1,2"
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    open_page(page, link)
    assert exceptions_on(page) == []
    assert racers_on_screen(page, {"Adam", "Lion"}) == {"Adam", "Lion"}
    assert "land=rosenbrock" in page.url

    # Tick one more racer: the link in the address bar follows the set-up…
    page.get_by_role("checkbox", name="Nesterov", exact=True).check(force=True)
    page.wait_for_function("() => location.search.includes('nesterov')", timeout=30_000)
    wait_ready(page)
    shared = page.url
    context.close()

    # …and opening that link in a fresh browser restores all three.
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    open_page(page, shared)
    assert racers_on_screen(page, {"Adam", "Lion", "Nesterov"}) == {"Adam", "Lion", "Nesterov"}
    assert exceptions_on(page) == []
    context.close()


def test_a_malformed_link_falls_back_to_defaults_with_a_notice(page, app_url):
    open_page(page, f"{app_url}/arena?land=atlantis&opt=sgd,warp&lr=fast&start=nan,1")
    assert exceptions_on(page) == []
    notices = " ".join(e.inner_text() for e in page.query_selector_all('[data-testid="stAlert"]'))
    assert "atlantis" in notices
    assert racers_on_screen(page)  # the race still runs, on defaults


@pytest.mark.parametrize("chapter", CHAPTERS[1:], ids=lambda ch: ch.url_path)
def test_every_chapter_answers_a_real_interaction(page, app_url, chapter):
    """Step where the page steps an optimizer, else move a slider: a chart must change."""
    open_page(page, chapter_url(app_url, chapter))
    before = chart_data(page)
    step = button(page, "Step")
    if step.count():
        step.first.scroll_into_view_if_needed()
        step.first.click()
    else:
        thumb = page.get_by_role("slider").first
        thumb.scroll_into_view_if_needed()
        thumb.focus()
        for _ in range(3):
            thumb.press("ArrowRight")
    wait_for_change(page, before)
    assert exceptions_on(page) == []

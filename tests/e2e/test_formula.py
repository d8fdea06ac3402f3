"""The learner's own formula in a real browser: typed on chapter 0, and from a share link."""

from __future__ import annotations

import urllib.parse

import pytest

from core.toc import CHAPTERS, chapter
from tests.e2e.conftest import chapter_url, exceptions_on, wait_ready
from tests.e2e.test_interactions import CHART_DATA, chart_data

pytestmark = pytest.mark.e2e

EGG_CRATE = "sin(3*x)*cos(3*y) + 0.1*(x**2 + y**2)"
KATEX = (
    """() => Array.from(document.querySelectorAll('.katex')).map(k => k.innerText).join(' | ')"""
)
ALERTS = """() => Array.from(document.querySelectorAll('[data-testid="stAlert"]'))
    .map(a => a.innerText).join(' | ')"""


SLOW = 180_000  # ms: sympy's first import and a busy machine


def open_slow(page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    wait_ready(page, timeout=SLOW)


def formula_field(page):
    return page.locator('input[aria-label="L(x, y) ="]')


def test_typing_a_formula_and_pressing_enter_redraws_the_map(page, app_url):
    open_slow(page, chapter_url(app_url, CHAPTERS[0]))
    page.locator("button", has_text="Your formula").first.click()
    page.wait_for_selector('input[aria-label="L(x, y) ="]', timeout=SLOW)
    wait_ready(page, timeout=SLOW)
    before = chart_data(page)
    field = formula_field(page)
    field.scroll_into_view_if_needed()
    field.fill(EGG_CRATE)
    field.press("Enter")
    page.wait_for_function(f"(before) => ({CHART_DATA})() !== before", arg=before, timeout=SLOW)
    wait_ready(page, timeout=SLOW)
    page.wait_for_function(f"() => ({KATEX})().includes('cos')", timeout=SLOW)
    assert "sin" in page.evaluate(KATEX)
    assert "f=sin" in page.url  # the address now carries the formula
    assert exceptions_on(page) == []

    # A hostile formula: a message, no traceback, the map as it was.
    shown = chart_data(page)
    field.fill("().__class__")
    field.press("Enter")
    page.wait_for_function(f"() => ({ALERTS})().includes('attribute access')", timeout=SLOW)
    wait_ready(page, timeout=SLOW)
    assert chart_data(page) == shown
    assert exceptions_on(page) == []


def test_a_share_link_with_a_formula_opens_it(browser, app_url):
    fields = {"f": "(1 - x)**2 + 100*(y - x**2)**2", "xmin": "-2", "xmax": "2"}
    fields |= {"ymin": "-1", "ymax": "3", "sx": "-1", "sy": "2"}
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    open_slow(page, f"{app_url}/?{urllib.parse.urlencode(fields)}")
    assert formula_field(page).input_value() == fields["f"]
    assert "100" in page.evaluate(KATEX)
    assert exceptions_on(page) == []

    # The same formula in the arena, racing.
    query = urllib.parse.urlencode({"land": "formula", "opt": "sgd,adam", **fields})
    open_slow(page, f"{app_url}/{chapter(8).url_path}?{query}")
    assert formula_field(page).input_value() == fields["f"]
    assert "100" in page.evaluate(KATEX)
    assert "land=formula" in page.url
    assert exceptions_on(page) == []

    # A hostile one is refused with a notice.
    open_slow(page, f"{app_url}/{chapter(8).url_path}?land=formula&f=__import__%28%27os%27%29")
    assert "refused" in page.evaluate(ALERTS)
    assert exceptions_on(page) == []
    context.close()

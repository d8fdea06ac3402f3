"""Chapter 10 in a real browser: the page loads, Step trains, the charts draw; a link from
chapter 5 opens it with that chapter's set-up."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import exceptions_on, open_page, wait_ready

pytestmark = pytest.mark.e2e

TIMEOUT = 180_000  # the first race and its figures take a few seconds on a busy machine


def chart_titles(page) -> list[str]:
    return [
        t.text_content() or ""
        for t in page.query_selector_all('[data-testid="stPlotlyChart"] .gtitle')
    ]


def test_network_page_steps_and_draws_its_charts(page, app_url):
    page.goto(f"{app_url}/network", wait_until="domcontentloaded")
    wait_ready(page, timeout=TIMEOUT)
    assert exceptions_on(page) == []
    assert "Chapter 10" in page.locator('[data-testid="stMain"] h1').first.inner_text()
    page.get_by_role("button", name=re.compile(r"\bStep$")).click()  # after its icon
    page.get_by_text("the last validation check before step 1,").wait_for(timeout=TIMEOUT)
    wait_ready(page, timeout=TIMEOUT)
    titles = chart_titles(page)
    for expected in ("Loss per racer", "Accuracy per racer", "Decision boundaries at step 1"):
        assert any(expected in t for t in titles), (expected, titles)
    assert any("Update-to-weight ratio" in t for t in titles)
    assert exceptions_on(page) == []


def test_a_link_from_chapter_5_opens_the_adamw_set_up(page, app_url):
    open_page(page, f"{app_url}/adamw")
    page.get_by_role("link", name="See AdamW and Adam + L2 side by side on a real network").click()
    page.wait_for_url("**/network?setup=adamw", timeout=TIMEOUT)
    wait_ready(page, timeout=TIMEOUT)
    assert exceptions_on(page) == []
    racers = page.locator('[data-testid="stMultiSelect"]').first.inner_text()
    assert "AdamW" in racers and "SGD" not in racers
    assert any("Confusion matrix" in t for t in chart_titles(page))

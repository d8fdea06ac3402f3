"""Every page, in a real browser: it loads from the navigation, shows no exception,
and draws every chart. Screenshots land in tests/e2e/artifacts/."""

from __future__ import annotations

import pytest

from core.toc import CHAPTERS, PROGRESS_PAGE
from tests.e2e.conftest import (
    ARTIFACTS,
    DESKTOP,
    PHONE,
    cut_off_at_width,
    exceptions_on,
    full_screenshot,
    open_page,
    start_app,
    stop_app,
)

pytestmark = pytest.mark.e2e

# Chapter 0 is the default page: Streamlit serves it at the root URL (the address bar
# shows "/" there); its own address, /landscape, is a hidden alias (test_addresses.py).
URL_PATHS = [""] + [ch.url_path for ch in CHAPTERS[1:]] + [PROGRESS_PAGE["url_path"]]


def test_navigation_lists_every_page(page, app_url):
    open_page(page, app_url)
    links = page.query_selector_all('[data-testid="stSidebarNav"] a')
    hrefs = {link.get_attribute("href").rstrip("/").rsplit("/", 1)[-1] for link in links}
    # The default page (chapter 0) is served at the root as well.
    assert set(URL_PATHS) - {""} <= hrefs


@pytest.mark.parametrize("url_path", URL_PATHS, ids=lambda u: u or "root")
def test_page_renders_without_exception_and_draws_its_charts(page, app_url, url_path):
    open_page(page, f"{app_url}/{url_path}")
    assert exceptions_on(page) == []
    charts = page.query_selector_all('[data-testid="stPlotlyChart"]')
    for chart in charts:
        assert chart.query_selector(".main-svg") is not None
    assert not page.query_selector('[role="dialog"]'), "a 'page not found' dialog opened"
    name = url_path or CHAPTERS[0].url_path
    full_screenshot(page, ARTIFACTS / f"{name}_desktop.png", DESKTOP["width"])
    full_screenshot(page, ARTIFACTS / f"{name}_phone.png", PHONE["width"])
    # Expanders open, so that what they hold is measured too.
    for summary in page.query_selector_all('[data-testid="stExpander"] summary'):
        summary.click()
    assert cut_off_at_width(page, PHONE["width"]) == []


def test_a_shared_chapter_link_opens_inside_the_app_on_a_fresh_server(browser):
    """A teacher's link to a chapter is often the first request a new server sees.

    It must run through app.py (sections, sidebar progress, wide layout), not
    Streamlit's legacy pages/-folder mode, which would take over for the whole process.
    """
    proc, base = start_app()
    try:
        context = browser.new_context(viewport=DESKTOP)
        page = context.new_page()
        chapter = CHAPTERS[4]
        open_page(page, f"{base}/{chapter.url_path}")
        nav = page.inner_text('[data-testid="stSidebarNav"]')
        assert "Foundations" in nav and "Practice" in nav
        assert chapter.label in nav
        assert page.locator("h1").first.inner_text().startswith(f"Chapter {chapter.number}")
        assert exceptions_on(page) == []
        context.close()
    finally:
        stop_app(proc)

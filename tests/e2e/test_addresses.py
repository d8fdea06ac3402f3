"""Every chapter answers at its own address: chapter 0 at the root and at /landscape."""

from __future__ import annotations

import pytest

from core.toc import CHAPTERS, chapter
from tests.e2e.conftest import exceptions_on, wait_ready

pytestmark = pytest.mark.e2e

NOT_FOUND = "Page not found"
SLOW = 300_000  # ms: a machine shared with other jobs


def open_page(page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    wait_ready(page, timeout=SLOW)


def assert_chapter_open(page, number: int) -> None:
    heading = page.locator('[data-testid="stMain"] h1').first.inner_text()
    assert heading.startswith(f"Chapter {number} ·"), heading
    assert exceptions_on(page) == []
    assert not page.query_selector('[role="dialog"]'), "a 'page not found' dialog opened"
    assert NOT_FOUND not in page.inner_text("body")


@pytest.mark.parametrize("address", ["", chapter(0).url_path], ids=["root", "landscape"])
def test_chapter_0_opens_at_the_root_and_at_its_own_address(page, app_url, address):
    open_page(page, f"{app_url}/{address}")
    page.wait_for_timeout(1500)  # a "not found" redirect would have happened by now
    assert_chapter_open(page, 0)
    path = page.evaluate("() => location.pathname").rstrip("/")
    assert path == ("" if not address else f"/{address}"), "the address must not be redirected"


def test_the_navigation_lists_chapter_0_once_and_links_it_to_the_root(page, app_url):
    open_page(page, f"{app_url}/{chapter(0).url_path}")
    labels = [a.inner_text() for a in page.query_selector_all('[data-testid="stSidebarNav"] a')]
    assert sum(chapter(0).title in label for label in labels) == 1, labels


@pytest.mark.parametrize("ch", CHAPTERS[1:], ids=lambda ch: ch.url_path)
def test_the_other_chapters_still_open_at_their_addresses(page, app_url, ch):
    page.goto(f"{app_url}/{ch.url_path}", wait_until="domcontentloaded")
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=SLOW)
    page.wait_for_function(
        "(n) => document.querySelector('[data-testid=\"stMain\"] h1')"
        ".innerText.startsWith(`Chapter ${n} `)",
        arg=ch.number,
        timeout=SLOW,
    )
    assert page.evaluate("() => location.pathname").rstrip("/") == f"/{ch.url_path}"
    assert not page.query_selector('[role="dialog"]')

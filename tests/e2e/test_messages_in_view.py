"""Messages the learner must see where they are looking (issue 12, items 2 and 10).

Only the browser shows these: Streamlit's uploader refuses a file over its own limit in the
browser, with nothing but a small red mark, so the page's limit and its message are checked
in the real DOM. The quiz's shuffle is checked here too, as the learner meets it.
"""

from __future__ import annotations

import re

import pytest

from chapters.progress import sections
from core import progress
from core.toc import CHAPTERS, PROGRESS_PAGE
from tests.e2e.conftest import PHONE, chapter_url, exceptions_on, open_page, wait_ready

pytestmark = pytest.mark.e2e

UPLOADER = '[data-testid="stFileUploader"]'


def in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_a_5_mb_progress_upload_says_why_it_is_refused_in_view(page, app_url, viewport):
    if viewport:
        page.set_viewport_size(viewport)
    open_page(page, f"{app_url}/{PROGRESS_PAGE['url_path']}")
    uploader = page.locator(UPLOADER).first
    uploader.scroll_into_view_if_needed()
    limits = page.get_by_text(sections.upload_limits_sentence())
    assert limits.is_visible()

    uploader.locator('input[type="file"]').set_input_files(
        {"name": "big.json", "mimeType": "application/json", "buffer": b" " * 5_000_000}
    )
    message = page.get_by_text(re.compile("far bigger than any progress file"))
    message.wait_for(state="visible", timeout=60_000)
    wait_ready(page)
    text = message.inner_text()
    assert f"at most {progress.MAX_IMPORT_BYTES / 1000:,.0f} kB" in text
    assert "Nothing was changed" in text and "?." not in text
    # Right under the uploader: the learner sees it without scrolling away from the file.
    message.scroll_into_view_if_needed()
    assert in_viewport(page, message) and in_viewport(page, uploader.locator("section").first)
    assert exceptions_on(page) == []


QUESTION_PROMPT = "Why does the update rule"  # chapter 0's fixed "minus-sign" question


def question_box(page):
    return page.locator('[data-testid="stVerticalBlock"]').filter(has_text=QUESTION_PROMPT).last


def shown_order(page) -> list[str]:
    labels = question_box(page).locator('[data-testid="stRadio"] label').all_inner_texts()
    return [t.strip() for t in labels if re.match(r"^[A-H]\. ", t.strip())]


def test_quiz_options_hold_still_within_an_attempt_and_reshuffle_on_retry(page, app_url):
    page.goto(chapter_url(app_url, CHAPTERS[0]), wait_until="domcontentloaded")
    wait_ready(page, timeout=240_000)  # chapter 0 is a heavy page on a busy machine
    box = question_box(page)
    box.scroll_into_view_if_needed()
    first = shown_order(page)
    assert len(first) == 4
    # A rerun from elsewhere on the page (the explorer's Step) must not move the options.
    page.get_by_role("button", name=re.compile(r"(^|[a-z_])Step$")).first.click()
    wait_ready(page, timeout=240_000)
    assert shown_order(page) == first

    orders = {tuple(o.split(". ", 1)[1] for o in first)}
    for _ in range(5):
        box = question_box(page)
        box.scroll_into_view_if_needed()
        box.locator('[data-testid="stRadio"] label').filter(has_text=re.compile(r"^A\. ")).click()
        box.get_by_role("button", name=re.compile("Check answer")).click()
        page.wait_for_selector("text=/^(Correct|Not quite)/", timeout=120_000)
        wait_ready(page, timeout=240_000)
        question_box(page).get_by_role("button", name=re.compile("Try again")).click()
        wait_ready(page, timeout=240_000)
        orders.add(tuple(o.split(". ", 1)[1] for o in shown_order(page)))
    assert len(orders) > 1  # six attempts in one order of 24: about 1 in 8 million
    assert exceptions_on(page) == []

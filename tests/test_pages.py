"""Every page in the navigation runs without an exception."""

import pytest

from chapters.progress.sections import reset_key
from core.toc import CHAPTERS, PROGRESS_PAGE
from tests.apptest import answer, open_chapter

PAGES = [ch.file for ch in CHAPTERS] + [PROGRESS_PAGE["file"]]


@pytest.mark.parametrize("page", PAGES)
def test_page_runs(page):
    at = open_chapter(page, timeout=60)
    assert at.title, "every page has a title"


def test_progress_page_shows_scores_after_an_answer():
    at = open_chapter(None, timeout=60)
    answer(at, 0, "oscillation-fix", 1)
    at.switch_page(PROGRESS_PAGE["file"]).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert table.loc[0, "Score"].startswith("1/")
    at.button(key=reset_key(0)).click().run()
    assert at.dataframe[0].value.loc[0, "Score"].startswith("0/")

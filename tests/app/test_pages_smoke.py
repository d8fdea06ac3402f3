"""Every page in the navigation runs without an exception."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ui.chapters import CHAPTERS, PROGRESS_PAGE

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ch.file for ch in CHAPTERS] + [PROGRESS_PAGE["file"]]


@pytest.mark.parametrize("page", PAGES)
def test_page_runs(page):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title, "every page has a title"


def test_progress_page_shows_scores_after_an_answer():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.radio(key="quiz::0::oscillation-fix::choice::0").set_value(1).run()
    at.button(key="quiz::0::oscillation-fix::check::0").click().run()
    at.switch_page(PROGRESS_PAGE["file"]).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert table.loc[0, "Score"].startswith("1/")
    at.button(key="progress::reset::0").click().run()
    assert at.dataframe[0].value.loc[0, "Score"].startswith("0/")

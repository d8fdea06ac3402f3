"""The table of contents: eleven chapters (0–10) and the progress page, in order."""

from pathlib import Path

import pytest

from core.toc import CHAPTERS, PROGRESS_PAGE, chapter, neighbours

ROOT = Path(__file__).resolve().parents[2]


def test_registry_lists_eleven_chapters_with_existing_files():
    assert [c.number for c in CHAPTERS] == list(range(11))
    for ch in CHAPTERS:
        assert (ROOT / ch.file).exists(), ch.file
        assert ch.icon.startswith(":material/")
    assert (ROOT / PROGRESS_PAGE["file"]).exists()
    assert len({c.url_path for c in CHAPTERS}) == 11


def test_neighbours():
    assert neighbours(0) == (None, chapter(1))
    assert neighbours(5) == (chapter(4), chapter(6))
    assert neighbours(9) == (chapter(8), chapter(10))
    assert neighbours(10) == (chapter(9), None)
    with pytest.raises(KeyError):
        chapter(42)

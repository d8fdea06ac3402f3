"""The table of contents: ten chapters and the progress page, in order."""

from pathlib import Path

import pytest

from core.toc import CHAPTERS, PROGRESS_PAGE, chapter, neighbours

ROOT = Path(__file__).resolve().parents[2]


def test_registry_lists_ten_chapters_with_existing_files():
    assert [c.number for c in CHAPTERS] == list(range(10))
    for ch in CHAPTERS:
        assert (ROOT / ch.file).exists(), ch.file
        assert ch.icon.startswith(":material/")
    assert (ROOT / PROGRESS_PAGE["file"]).exists()
    assert len({c.url_path for c in CHAPTERS}) == 10


def test_neighbours():
    assert neighbours(0) == (None, chapter(1))
    assert neighbours(5) == (chapter(4), chapter(6))
    assert neighbours(9) == (chapter(8), None)
    with pytest.raises(KeyError):
        chapter(42)

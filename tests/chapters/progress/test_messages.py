"""The progress page's messages (issue 12): one full stop after a refusal's reason, and an
oversized upload answered with a sentence that states the limit."""

import json

import pytest

from chapters.progress import sections
from chapters.progress.sections import STATE as PROGRESS_PAGE_STATE
from core import progress
from core.toc import PROGRESS_PAGE
from tests.apptest import open_chapter


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        (
            "this file is not JSON",
            "Could not use that file: this file is not JSON. Nothing was changed.",
        ),
        (
            "was it exported from this course?",
            "Could not use that file: was it exported from this course? Nothing was changed.",
        ),
        ("it ends in a stop.", "Could not use that file: it ends in a stop. Nothing was changed."),
    ],
)
def test_refusal_message_has_one_stop(reason, message):
    assert progress.refusal_message(ValueError(reason)) == message


def test_a_file_without_progress_is_refused_without_double_punctuation():
    result = progress.handle_import({}, json.dumps({"course": progress.COURSE_ID}), None)
    assert not result.ok and "?." not in result.message and ".." not in result.message


def test_the_limit_sentence_states_both_limits():
    sentence = sections.upload_limits_sentence()
    assert f"{progress.MAX_IMPORT_BYTES / 1000:,.0f} kB" in sentence
    assert f"{sections.UPLOAD_LIMIT_MB} MB" in sentence
    # A 5 MB mistake must reach the page (and its message), not stop at the browser's icon.
    assert sections.UPLOAD_LIMIT_MB * 1_000_000 > 5_000_000


@pytest.fixture
def at():
    return open_chapter(PROGRESS_PAGE["file"], timeout=120)


def upload(at, content: bytes, name="progress.json"):
    at.file_uploader(key=PROGRESS_PAGE_STATE.key("upload")).set_value(
        (name, content, "application/json")
    ).run()
    assert not at.exception, [e.value for e in at.exception]


def test_the_page_states_the_limits_beside_the_uploader(at):
    assert sections.upload_limits_sentence() in [c.value for c in at.caption]


def test_a_5_mb_upload_gets_a_sentence_with_the_limit(at):
    upload(at, b" " * 5_000_000)
    errors = [e.value for e in at.error]
    assert any(
        "far bigger than any progress file" in e
        and f"at most {progress.MAX_IMPORT_BYTES / 1000:,.0f} kB" in e
        and "Nothing was changed" in e
        for e in errors
    ), errors


def test_a_foreign_json_upload_reads_cleanly(at):
    upload(at, json.dumps({"hello": 1}).encode())
    errors = [e.value for e in at.error]
    assert errors and all("?." not in e for e in errors)

"""Quiz progress kept in a browser cookie: encoding, validation, restore-once."""

import base64
import json
import zlib

import pytest

from core import progress, quiz, remember

KNOWN = quiz.known_questions()


def full_progress(attempts: int = 999_999) -> dict:
    """Every question of the course answered, with huge attempt counts: the largest cookie."""
    return {
        chapter: {qid: {"answered": True, "correct": True, "attempts": attempts} for qid in ids}
        for chapter, ids in KNOWN.items()
    }


def pack(doc) -> str:
    raw = json.dumps(doc).encode()
    return base64.urlsafe_b64encode(zlib.compress(raw)).decode().rstrip("=")


def test_round_trip_and_cookie_safe_characters():
    store = {}
    progress.record_answer(store, 0, KNOWN["0"][0], True)
    progress.record_answer(store, 3, KNOWN["3"][1], False)
    value = remember.encode(progress.progress_of(store))
    assert set(value) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert remember.decode(value, KNOWN) == progress.progress_of(store)


def test_the_whole_course_fits_in_one_cookie():
    value = remember.encode(full_progress())
    assert len(value) <= remember.MAX_COOKIE_CHARS
    assert remember.decode(value, KNOWN) == full_progress()
    assert remember.cookie_script(full_progress()) is not None


@pytest.mark.parametrize(
    "value",
    [
        "",
        "not base64 at all!",
        "AAAA",  # base64, not zlib
        pack({"course": "another-course", "version": 1, "progress": {}}),
        pack({"course": remember.COURSE_ID, "version": 99, "progress": {}}),
        pack({"course": remember.COURSE_ID, "version": 1, "progress": {"0": {"no-such": {}}}}),
        pack(["a list"]),
    ],
)
def test_a_bad_or_foreign_cookie_is_ignored(value):
    assert remember.decode(value, KNOWN) is None


def test_a_compression_bomb_is_not_inflated():
    bomb = base64.urlsafe_b64encode(zlib.compress(b" " * 2_000_000, 9)).decode()
    assert len(bomb) < remember.MAX_COOKIE_CHARS  # small enough to arrive as a cookie
    assert remember.decode(bomb, KNOWN) is None


def test_restore_happens_once_and_never_over_existing_progress():
    saved = {"0": {KNOWN["0"][0]: {"answered": True, "correct": True, "attempts": 2}}}
    cookies = {remember.COOKIE_NAME: remember.encode(saved)}

    store = {}
    assert remember.restore(store, cookies, KNOWN) is True
    assert progress.progress_of(store) == saved
    # A learner who then resets everything is not refilled from the old cookie.
    progress.reset_all(store)
    assert remember.restore(store, cookies, KNOWN) is False
    assert progress.progress_of(store) == {}

    # A session that already has progress keeps its own.
    busy = {}
    progress.record_answer(busy, 1, KNOWN["1"][0], False)
    own = json.loads(json.dumps(progress.progress_of(busy)))
    assert remember.restore(busy, cookies, KNOWN) is False
    assert progress.progress_of(busy) == own

    # No cookie, or a broken one: nothing happens.
    for jar in ({}, {remember.COOKIE_NAME: "garbage"}):
        empty = {}
        assert remember.restore(empty, jar, KNOWN) is False
        assert progress.progress_of(empty) == {}


def test_the_script_writes_the_encoded_value_for_a_year():
    script = remember.cookie_script({})
    assert script is not None
    assert f"{remember.COOKIE_NAME}={remember.encode({})};" in script
    assert "path=/" in script and f"max-age={remember.KEEP_SECONDS}" in script

"""The progress page: scores and completion, retry, reset with confirmation, export and
import. Bad files are refused with a message and change nothing, both through the pure
functions (parse_progress, handle_import) and through the page's uploader."""

import copy
import json
from functools import partial

import pytest

from chapters.ch09_cheatsheet import logic as ch09_logic
from chapters.progress.sections import STATE as PROGRESS_PAGE_STATE
from chapters.progress.sections import reset_key
from core import progress, quiz
from core.toc import CHAPTERS, PROGRESS_PAGE
from kit.state import session_key
from tests.apptest import answer, open_chapter, page_state_in

ch09_key = partial(session_key, ch09_logic.PAGE)
ch09_state = partial(page_state_in, page=ch09_logic.PAGE)

TIMEOUT = 120
PAGE = PROGRESS_PAGE["file"]
KNOWN = {str(ch.number): quiz.question_ids(ch.number) for ch in CHAPTERS}
Q0 = quiz.question_ids(0)
Q9 = quiz.question_ids(9)


def export_of(prog):
    return json.dumps(
        {"course": progress.COURSE_ID, "version": progress.EXPORT_VERSION, "progress": prog}
    )


GOOD = {
    "0": {Q0[0]: {"answered": True, "correct": True, "attempts": 2}},
    "9": {
        Q9[0]: {"answered": True, "correct": False, "attempts": 1},
        Q9[1]: {"answered": True, "correct": True, "attempts": 3},
    },
}


# --------------------------------------------------------------------------- pure parsing


def test_export_then_parse_round_trips():
    store = {}
    progress.record_answer(store, 0, Q0[0], True)
    progress.record_answer(store, 9, Q9[0], False)
    text = progress.export_progress(store)
    assert progress.parse_progress(text, KNOWN) == store[progress.PROGRESS_KEY]
    assert progress.parse_progress(text.encode("utf-8"), KNOWN) == store[progress.PROGRESS_KEY]
    assert progress.parse_progress(export_of(GOOD), KNOWN) == GOOD


def doc_with(**changes):
    doc = {
        "course": progress.COURSE_ID,
        "version": progress.EXPORT_VERSION,
        "progress": copy.deepcopy(GOOD),
    }
    doc.update(changes)
    return doc


def record_with(**fields):
    rec = {"answered": True, "correct": True, "attempts": 1, **fields}
    return json.dumps(doc_with(progress={"0": {Q0[0]: rec}}))


BAD_FILES = {
    "empty": "",
    "not json": "hello, I am a CSV,1,2",
    "binary": b"\xff\xd8\xff\xe0\x00\x10JFIF",
    "json list": "[]",
    "no progress": json.dumps({"course": progress.COURSE_ID, "version": 1}),
    "progress a list": json.dumps(doc_with(progress=[])),
    "other course": json.dumps(doc_with(course="some-other-course")),
    "no course": json.dumps({"version": 1, "progress": GOOD}),
    "future version": json.dumps(doc_with(version=2)),
    "version as text": json.dumps(doc_with(version="1")),
    "version as bool": json.dumps(doc_with(version=True)),
    "unknown chapter": json.dumps(doc_with(progress={"42": {}})),
    "chapter not a number": json.dumps(doc_with(progress={"x": {}})),
    "unknown question": json.dumps(
        doc_with(progress={"0": {"made-up": {"answered": True, "correct": True, "attempts": 1}}})
    ),
    "question of another chapter": json.dumps(
        doc_with(progress={"0": {Q9[0]: {"answered": True, "correct": True, "attempts": 1}}})
    ),
    "record not an object": json.dumps(doc_with(progress={"0": {Q0[0]: 3}})),
    "answered as text": record_with(answered="yes"),
    "correct as number": record_with(correct=1),
    "attempts as text": record_with(attempts="many"),
    "attempts fractional": record_with(attempts=2.5),
    "attempts negative": record_with(attempts=-1),
    "attempts bool": record_with(attempts=True),
    "attempts huge": record_with(attempts=10**12),
    "extra field": record_with(secret="x"),
    "correct but unanswered": record_with(answered=False, correct=True),
    "answered, no attempts": record_with(attempts=0),
    "huge file": json.dumps(doc_with(padding="x" * (progress.MAX_IMPORT_BYTES + 10))),
    "deeply nested": "[" * 100_000 + "]" * 100_000,
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_files_are_refused_with_a_reason(name):
    with pytest.raises(ValueError) as info:
        progress.parse_progress(BAD_FILES[name], KNOWN)
    assert str(info.value)  # a readable reason


@pytest.mark.parametrize("name", BAD_FILES)
def test_a_bad_file_changes_nothing(name):
    store = {quiz.slot_key(0, "x"): {"seed": 1, "attempt": 0, "graded": 0}}
    progress.record_answer(store, 0, Q0[1], True)
    before = copy.deepcopy(store)
    result = progress.handle_import(store, BAD_FILES[name], KNOWN)
    assert not result.ok and "Nothing was changed" in result.message
    assert store == before
    assert progress.UNDO_KEY not in store


def test_a_good_import_replaces_and_can_be_undone():
    store = {quiz.slot_key(0, "x"): {"seed": 1}, ch09_key("flow:node"): "lamb"}
    progress.record_answer(store, 3, quiz.question_ids(3)[0], True)
    mine = copy.deepcopy(store[progress.PROGRESS_KEY])
    result = progress.handle_import(store, export_of(GOOD).encode(), KNOWN)
    assert result.ok and "3 answered questions (2 correct) across 2 chapters" in result.message
    assert store[progress.PROGRESS_KEY] == GOOD
    assert quiz.slot_key(0, "x") not in store  # quiz slots are redrawn against the restored scores
    assert store[ch09_key("flow:node")] == "lamb"  # unrelated state untouched
    assert progress.undo_import(store)
    assert store[progress.PROGRESS_KEY] == mine
    assert not progress.undo_import(store)  # one undo only


def test_no_file_is_not_an_import():
    store = {}
    result = progress.handle_import(store, None, KNOWN)
    assert not result.ok and store == {}


def test_summarize():
    assert progress.summarize(GOOD) == {"chapters": 2, "answered": 3, "correct": 2, "attempts": 6}
    assert progress.summarize({}) == {"chapters": 0, "answered": 0, "correct": 0, "attempts": 0}


# --------------------------------------------------------------------------- the page


@pytest.fixture
def at():
    return open_chapter(None, timeout=TIMEOUT)


def answer_first_question(at, chapter, option):
    qid = quiz.question_ids(chapter)[0]
    at.switch_page(CHAPTERS[chapter].file).run()
    answer(at, chapter, qid, option)


def open_progress(at):
    open_chapter(PAGE, at)


def table(at):
    return at.dataframe[0].value.set_index("Chapter")


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def test_page_shows_scores_attempts_and_completion(at):
    answer_first_question(at, 0, 1)  # the right answer to chapter 0's lesson question
    open_progress(at)
    rows = table(at)
    label0 = CHAPTERS[0].label
    total0 = len(quiz.question_ids(0))
    assert rows.loc[label0, "Score"] == f"1/{total0}"
    assert rows.loc[label0, "Attempts"] == 1
    assert rows.loc[label0, "Status"] == "in progress"
    assert rows.loc[label0, "Progress"] == round(100 / total0)
    assert rows.loc[CHAPTERS[9].label, "Status"] == "not started"
    total = sum(len(quiz.question_ids(ch.number)) for ch in CHAPTERS)
    assert metric(at, "Questions right") == f"1 of {total}"
    overall = next(p for p in at.get("progress") if p.proto.text.startswith("Overall"))
    assert overall.proto.value == int(100 / total)  # st.progress keeps whole percents


def test_retry_clears_one_chapter_and_links_to_its_quiz(at):
    answer_first_question(at, 0, 1)
    answer_first_question(at, 1, 0)
    open_progress(at)
    labels = [p.proto.label for p in at.get("page_link")]
    assert any(label.startswith(CHAPTERS[0].label) for label in labels)
    at.button(key=reset_key(0)).click().run()
    rows = table(at)
    assert rows.loc[CHAPTERS[0].label, "Attempts"] == 0
    assert rows.loc[CHAPTERS[1].label, "Attempts"] == 1
    assert quiz.slot_key(0, quiz.question_ids(0)[0]) not in at.session_state
    assert any("Chapter 0 cleared" in s.value for s in at.success)


def test_reset_all_asks_first(at):
    answer_first_question(at, 0, 1)
    open_progress(at)
    at.button(key=PROGRESS_PAGE_STATE.key("reset-all")).click().run()
    assert any("forgets every answer" in w.value for w in at.warning)
    at.button(key=PROGRESS_PAGE_STATE.key("reset-all-cancel")).click().run()
    assert table(at).loc[CHAPTERS[0].label, "Attempts"] == 1
    at.button(key=PROGRESS_PAGE_STATE.key("reset-all")).click().run()
    at.button(key=PROGRESS_PAGE_STATE.key("reset-all-confirm")).click().run()
    assert not at.exception
    assert table(at)["Attempts"].sum() == 0
    assert at.session_state[progress.PROGRESS_KEY] == {}


def test_download_button_offers_the_export(at):
    answer_first_question(at, 0, 1)
    open_progress(at)
    assert at.get("download_button")
    text = progress.export_progress(at.session_state)
    assert progress.parse_progress(text, KNOWN) == at.session_state[progress.PROGRESS_KEY]


def upload(at, content, name="progress.json"):
    at.file_uploader(key=PROGRESS_PAGE_STATE.key("upload")).set_value(
        (name, content, "application/json")
    ).run()
    assert not at.exception, [e.value for e in at.exception]


@pytest.mark.parametrize(
    "name",
    [
        "not json",
        "binary",
        "other course",
        "future version",
        "unknown chapter",
        "attempts fractional",
    ],
)
def test_uploading_a_bad_file_is_refused_on_the_page(at, name):
    answer_first_question(at, 0, 1)
    open_progress(at)
    before = copy.deepcopy(at.session_state[progress.PROGRESS_KEY])
    content = BAD_FILES[name]
    upload(at, content if isinstance(content, bytes) else content.encode())
    assert any("Nothing was changed" in e.value for e in at.error)
    assert not [b for b in at.button if b.key == PROGRESS_PAGE_STATE.key("restore")]
    assert at.session_state[progress.PROGRESS_KEY] == before


def test_uploading_a_good_file_previews_restores_and_undoes(at):
    answer_first_question(at, 0, 1)
    open_progress(at)
    mine = copy.deepcopy(at.session_state[progress.PROGRESS_KEY])
    upload(at, export_of(GOOD).encode())
    assert any("3 answered questions" in i.value for i in at.info)
    assert at.session_state[progress.PROGRESS_KEY] == mine  # nothing happens before the click
    at.button(key=PROGRESS_PAGE_STATE.key("restore")).click().run()
    assert not at.exception
    assert at.session_state[progress.PROGRESS_KEY] == GOOD
    assert any("Progress restored" in s.value for s in at.success)
    assert table(at).loc[CHAPTERS[9].label, "Attempts"] == 4
    at.button(key=PROGRESS_PAGE_STATE.key("undo-import")).click().run()
    assert at.session_state[progress.PROGRESS_KEY] == mine
    assert any("undone" in s.value for s in at.success)

"""Quiz progress: one plain dict under ``st.session_state["progress"]``.

Shape (JSON-friendly, so it can be exported and re-imported)::

    {"0": {"oscillation-fix": {"answered": True, "correct": True, "attempts": 1}, ...}, ...}

Keys are chapter numbers as strings, then question ids. ``correct`` is the result of
the latest attempt; ``attempts`` counts every graded answer. Every function takes the
store explicitly (``st.session_state`` in the app, a dict in tests).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Collection, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from core.quiz import KEY_PREFIX as QUIZ_KEY_PREFIX

PROGRESS_KEY = "progress"
EXPORT_VERSION = 1


@dataclass(frozen=True)
class ChapterScore:
    answered: int
    correct: int
    attempts: int
    total: int

    @property
    def done(self) -> bool:
        """Every question answered correctly."""
        return self.total > 0 and self.correct >= self.total

    @property
    def started(self) -> bool:
        return self.answered > 0


def progress_of(store: MutableMapping[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """The progress dict inside ``store`` (created empty on first use)."""
    if not isinstance(store.get(PROGRESS_KEY), dict):
        store[PROGRESS_KEY] = {}
    return store[PROGRESS_KEY]


def record_answer(
    store: MutableMapping[str, Any], chapter: int, question_id: str, correct: bool
) -> dict[str, Any]:
    """Count one graded attempt of ``question_id`` in ``chapter``; returns its record."""
    chapter_rec = progress_of(store).setdefault(str(chapter), {})
    rec = chapter_rec.setdefault(question_id, {"answered": False, "correct": False, "attempts": 0})
    rec["answered"] = True
    rec["correct"] = bool(correct)
    rec["attempts"] = int(rec.get("attempts", 0)) + 1
    # Re-assign so Streamlit notices the change of a nested value.
    store[PROGRESS_KEY] = progress_of(store)
    return rec


def chapter_score(
    store: MutableMapping[str, Any], chapter: int, question_ids: list[str]
) -> ChapterScore:
    """Score of ``chapter`` over its current questions (stale ids are ignored)."""
    recs = progress_of(store).get(str(chapter), {})
    answered = correct = attempts = 0
    for qid in question_ids:
        rec = recs.get(qid)
        if not rec:
            continue
        answered += bool(rec.get("answered"))
        correct += bool(rec.get("correct"))
        attempts += int(rec.get("attempts", 0))
    return ChapterScore(answered, correct, attempts, len(question_ids))


def reset_chapter(store: MutableMapping[str, Any], chapter: int) -> None:
    progress_of(store).pop(str(chapter), None)


def reset_all(store: MutableMapping[str, Any]) -> None:
    store[PROGRESS_KEY] = {}


def export_progress(store: MutableMapping[str, Any]) -> str:
    """The progress as a JSON document (for a download button)."""
    return json.dumps(
        {
            "course": "optimizers-interactively",
            "version": EXPORT_VERSION,
            "progress": progress_of(store),
        },
        indent=2,
        sort_keys=True,
    )


COURSE_ID = "optimizers-interactively"
MAX_IMPORT_BYTES = 200_000  # an honest export is a few kB; anything far bigger is not one
MAX_ATTEMPTS = 1_000_000
UNDO_KEY = "progress::before-import"  # the progress an import replaced, for one undo
RECORD_FIELDS = ("answered", "correct", "attempts")

Known = Mapping[str, Collection[str]]  # chapter number (as a string) -> its question ids


def refusal_message(reason: object) -> str:
    """Why a file was refused, as one message: "Could not use that file: <reason>.
    Nothing was changed." (no second full stop after a reason that ends in ? or !)."""
    text = str(reason).rstrip()
    end = "" if text.endswith((".", "?", "!")) else "."
    return f"Could not use that file: {text}{end} Nothing was changed."


def parse_progress(
    text: str | bytes, known: Known | None = None
) -> dict[str, dict[str, dict[str, Any]]]:
    """Validate an exported progress file; raises ``ValueError`` with a readable reason.

    Refused: a file over :data:`MAX_IMPORT_BYTES`, not UTF-8 or not JSON; a document
    without this course's id and :data:`EXPORT_VERSION`; chapter keys that are not
    chapter numbers, and (when ``known`` is given) chapters or question ids this course
    does not have; records with other fields, ``answered``/``correct`` that are not
    true/false, ``attempts`` that is not a whole number in [0, MAX_ATTEMPTS]; and
    records that contradict themselves (correct but unanswered, answered but never
    attempted). Nothing is modified: the caller decides what to do with the result.
    """
    size = len(text.encode("utf-8", "replace") if isinstance(text, str) else text)
    if size > MAX_IMPORT_BYTES:
        raise ValueError(
            f"this file is {size / 1000:,.0f} kB, far bigger than any progress file "
            f"(at most {MAX_IMPORT_BYTES / 1000:,.0f} kB)"
        )
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError("this file is not a text (JSON) file") from exc
    try:
        doc = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise ValueError("this file is not JSON") from exc
    if not isinstance(doc, dict) or not isinstance(doc.get("progress"), dict):
        raise ValueError("this JSON has no 'progress' section: was it exported from this course?")
    if doc.get("course") != COURSE_ID:
        raise ValueError("this file was not exported from this course")
    version = doc.get("version")
    if isinstance(version, bool) or version != EXPORT_VERSION:
        raise ValueError(
            f"this file has format version {version!r}; this course reads version {EXPORT_VERSION}"
        )
    clean: dict[str, dict[str, dict[str, Any]]] = {}
    for chapter, questions in doc["progress"].items():
        if not (isinstance(chapter, str) and chapter.isascii() and chapter.isdigit()):
            raise ValueError(f"unexpected chapter entry {chapter!r}")
        chapter = str(int(chapter))
        if known is not None and chapter not in known:
            raise ValueError(f"this course has no chapter {chapter}")
        if not isinstance(questions, dict):
            raise ValueError(f"unexpected entry for chapter {chapter}")
        clean[chapter] = {}
        for qid, rec in questions.items():
            if known is not None and qid not in known[chapter]:
                raise ValueError(f"chapter {chapter} has no question {qid!r}")
            if not isinstance(rec, dict):
                raise ValueError(f"unexpected record for question {qid!r}")
            extra = sorted(set(rec) - set(RECORD_FIELDS))
            if extra:
                raise ValueError(f"question {qid!r} has unexpected fields {', '.join(extra)}")
            answered = rec.get("answered", False)
            correct = rec.get("correct", False)
            attempts = rec.get("attempts", 0)
            if not isinstance(answered, bool) or not isinstance(correct, bool):
                raise ValueError(f"answered and correct of {qid!r} must be true or false")
            if isinstance(attempts, bool) or not isinstance(attempts, int):
                raise ValueError(f"attempts of {qid!r} is not a whole number")
            if not 0 <= attempts <= MAX_ATTEMPTS:
                raise ValueError(f"attempts of {qid!r} must be between 0 and {MAX_ATTEMPTS:,}")
            if (correct and not answered) or (answered and attempts == 0):
                raise ValueError(f"the record of {qid!r} contradicts itself")
            clean[chapter][str(qid)] = {
                "answered": answered,
                "correct": correct,
                "attempts": attempts,
            }
    return clean


def summarize(progress: Mapping[str, Mapping[str, Mapping[str, Any]]]) -> dict[str, int]:
    """Chapters with answers, answered questions, correct ones and attempts in ``progress``."""
    records = [rec for questions in progress.values() for rec in questions.values()]
    return {
        "chapters": sum(1 for questions in progress.values() if questions),
        "answered": sum(bool(r.get("answered")) for r in records),
        "correct": sum(bool(r.get("correct")) for r in records),
        "attempts": sum(int(r.get("attempts", 0)) for r in records),
    }


@dataclass(frozen=True)
class ImportResult:
    ok: bool
    message: str


def _clear_prefixed(store: MutableMapping[str, Any], prefixes: tuple[str, ...]) -> None:
    for key in [k for k in list(store.keys()) if isinstance(k, str) and k.startswith(prefixes)]:
        del store[key]


def handle_import(
    store: MutableMapping[str, Any],
    data: str | bytes | None,
    known: Known | None = None,
    *,
    clear_prefixes: tuple[str, ...] = (QUIZ_KEY_PREFIX,),
) -> ImportResult:
    """What the Restore button does: validate ``data``, then replace the progress.

    A bad (or missing) file changes nothing and says why. A good one replaces the
    progress, keeps the old one under :data:`UNDO_KEY` for :func:`undo_import`, and
    clears per-question quiz state (keys starting with ``clear_prefixes``) so every
    question is drawn fresh against the restored scores.
    """
    if data is None:
        return ImportResult(False, "Choose a progress file first.")
    try:
        clean = parse_progress(data, known)
    except ValueError as exc:
        return ImportResult(False, refusal_message(exc))
    store[UNDO_KEY] = copy.deepcopy(progress_of(store))
    store[PROGRESS_KEY] = clean
    _clear_prefixed(store, clear_prefixes)
    totals = summarize(clean)
    return ImportResult(
        True,
        f"Progress restored: {totals['answered']} answered questions "
        f"({totals['correct']} correct) across {totals['chapters']} chapters.",
    )


def undo_import(
    store: MutableMapping[str, Any], *, clear_prefixes: tuple[str, ...] = (QUIZ_KEY_PREFIX,)
) -> bool:
    """Put back the progress the last import replaced; False if there is nothing to undo."""
    previous = store.get(UNDO_KEY)
    if not isinstance(previous, dict):
        return False
    store[PROGRESS_KEY] = previous
    del store[UNDO_KEY]
    _clear_prefixed(store, clear_prefixes)
    return True

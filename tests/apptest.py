"""Helpers for driving the app in Streamlit's AppTest (tests and benchmarks share them)."""

from __future__ import annotations

import json
from pathlib import Path

from core import quiz
from kit.state import PageState

ROOT = Path(__file__).resolve().parents[1]


def option_value(w, label: str):
    """A select slider's option value from its shown label (AppTest keeps only the labels)."""
    candidates = [label]
    for parse in (int, float):
        try:
            candidates.append(parse(label.replace("−", "-")))
        except ValueError:
            pass
    for value in candidates:
        try:
            if w.format_func(value) == label:
                return value
        except Exception:  # the page's format_func may accept only its own type
            continue
    return None


def open_chapter(page_file: str | None, at=None, timeout: float = 240, query=None):
    """The app with ``page_file`` shown (a fresh AppTest unless ``at`` is given), no exception.

    ``page_file=None`` stays on the page the app opens on (no switch). ``query`` replaces the
    URL query parameters after the first run and before the switch (the arena reads them).
    """
    from streamlit.testing.v1 import AppTest

    if at is None:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
        at.run()
    if query is not None:
        at.query_params = dict(query)
    if page_file is not None:
        at.switch_page(page_file).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def chart_data(at, key: str) -> list:
    """The traces of the chart with widget key ``key``, as plotly JSON."""
    return json.loads(at.get_by_key(key).proto.spec)["data"]


def page_text(at, *, code: bool = True) -> str:
    """Everything a learner reads on the page as one string: prose, captions, metrics
    ("label: value"), code panels and their output (unless ``code=False``: source code
    may say ``np.nan``), equations, alerts, tables and data frames."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [f"{m.label}: {m.value}" for m in at.metric]
    parts += [c.value for c in at.code] if code else []
    parts += [e.value for e in at.get("latex")]
    for alerts in (at.info, at.warning, at.error, at.success):
        parts += [a.value for a in alerts]
    parts += [t.value.to_string() for t in at.table] + [f.value.to_string() for f in at.dataframe]
    return "\n".join(parts)


def page_state_in(at, page: str) -> PageState:
    """Page ``page``'s namespace in the app's session (read its runs and values)."""
    return PageState(page, at.session_state)


def answer(at, chapter: int, question_id: str, option: int, attempt: int = 0):
    """Pick option ``option`` of a quiz question, press Check; returns the app."""
    at.radio(key=quiz.widget_key(chapter, question_id, "choice", attempt)).set_value(option).run()
    at.button(key=quiz.widget_key(chapter, question_id, "check", attempt)).click().run()
    return at


def shown_question(at, chapter: int, question_id: str):
    """A quiz question as the page shows it now (a generated one with the numbers of
    its current attempt)."""
    slot = at.session_state[quiz.slot_key(chapter, question_id)]
    spec = next(s for s in quiz.load_quiz(chapter) if s.id == question_id)
    return spec.build(slot["seed"])

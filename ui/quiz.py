"""Chapter quizzes: questions from ``content/quiz/chNN.toml``, graded by pure functions.

A TOML file holds a list of ``[[questions]]``. A fixed question gives its options::

    [[questions]]
    id = "oscillation-fix"
    source = true                      # the source lesson's own question
    prompt = "If gradient descent oscillates …?"
    [[questions.options]]
    text = "Lower the learning rate"
    correct = true
    explanation = "Smaller steps stop overshooting …"

A generated question names a function registered in :mod:`ui.quiz_generators`,
which builds the prompt and options with fresh numbers from a seed and lets the
engine compute the right answer::

    [[questions]]
    id = "parabola-two-steps"
    generator = "parabola_two_steps"

:func:`render_quiz` draws a chapter's quiz and records scores with :mod:`ui.progress`.
"""

from __future__ import annotations

import secrets
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ui.chapters import CHAPTERS

QUIZ_DIR = Path(__file__).resolve().parent.parent / "content" / "quiz"
LETTERS = "ABCDEFGH"


@dataclass(frozen=True)
class Option:
    text: str
    correct: bool
    explanation: str


@dataclass(frozen=True)
class Question:
    id: str
    prompt: str
    options: tuple[Option, ...]
    source: bool = False  # the source lesson's own question
    generator: str | None = None
    seed: int | None = None  # the numbers of a generated question

    @property
    def correct_index(self) -> int:
        return next(i for i, o in enumerate(self.options) if o.correct)


@dataclass(frozen=True)
class QuestionSpec:
    """A question as written in TOML: fixed options, or the name of a generator."""

    id: str
    prompt: str = ""
    options: tuple[Option, ...] = ()
    source: bool = False
    generator: str | None = None

    def build(self, seed: int | None = None) -> Question:
        """The question to show: fixed as written, or generated from ``seed``."""
        if self.generator is None:
            return Question(self.id, self.prompt, self.options, self.source)
        from ui.quiz_generators import generate  # registry imports the engine

        seed = 0 if seed is None else int(seed)
        prompt, options = generate(self.generator, seed)
        return Question(self.id, prompt, tuple(options), self.source, self.generator, seed)


@dataclass(frozen=True)
class Grade:
    correct: bool
    chosen: int
    correct_index: int


def grade(question: Question, chosen: int | None) -> Grade | None:
    """Grade the option at index ``chosen`` (None, or out of range, is not gradable)."""
    if chosen is None or not 0 <= int(chosen) < len(question.options):
        return None
    return Grade(question.options[int(chosen)].correct, int(chosen), question.correct_index)


def validate(question: Question) -> None:
    """Raise ValueError unless the question has ≥ 2 options and exactly one correct one."""
    if len(question.options) < 2:
        raise ValueError(f"{question.id}: needs at least two options")
    if sum(o.correct for o in question.options) != 1:
        raise ValueError(f"{question.id}: needs exactly one correct option")
    if any(not o.explanation.strip() for o in question.options):
        raise ValueError(f"{question.id}: every option needs an explanation")
    if len({o.text for o in question.options}) != len(question.options):
        raise ValueError(f"{question.id}: options must differ")


def _parse_option(raw: dict[str, Any]) -> Option:
    return Option(
        text=str(raw["text"]),
        correct=bool(raw.get("correct", False)),
        explanation=str(raw.get("explanation", "")),
    )


def parse_quiz(text: str) -> tuple[QuestionSpec, ...]:
    """Question specs from TOML text (validated; raises ValueError on a bad file)."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"quiz file is not valid TOML: {exc}") from exc
    specs = []
    for raw in doc.get("questions", []):
        spec = QuestionSpec(
            id=str(raw["id"]),
            prompt=str(raw.get("prompt", "")),
            options=tuple(_parse_option(o) for o in raw.get("options", [])),
            source=bool(raw.get("source", False)),
            generator=raw.get("generator"),
        )
        if spec.generator is None:
            validate(spec.build())
        specs.append(spec)
    ids = [s.id for s in specs]
    if len(set(ids)) != len(ids):
        raise ValueError("question ids must be unique within a chapter")
    return tuple(specs)


def quiz_path(chapter: int) -> Path:
    return QUIZ_DIR / f"ch{chapter:02d}.toml"


@cache
def load_quiz(chapter: int) -> tuple[QuestionSpec, ...]:
    """The chapter's question specs (empty when it has no quiz file yet)."""
    path = quiz_path(chapter)
    if not path.exists():
        return ()
    return parse_quiz(path.read_text(encoding="utf-8"))


def question_ids(chapter: int) -> list[str]:
    return [s.id for s in load_quiz(chapter)]


def known_questions() -> dict[str, list[str]]:
    """Every chapter's question ids, for checking progress read from a file or a cookie."""
    return {str(ch.number): question_ids(ch.number) for ch in CHAPTERS}


def fresh_seed() -> int:
    return secrets.randbelow(2**31)


# --------------------------------------------------------------------------- Streamlit


def render_quiz(chapter: int, *, title: str = "Check your understanding") -> None:
    """Draw the chapter's quiz: pick an option, Check, see every option explained, Retry.

    Per-question attempt state lives under ``quiz::<chapter>::<id>`` in the session;
    scores go to :mod:`ui.progress` so the sidebar and the Progress page see them.
    """
    import streamlit as st

    from ui import progress

    specs = load_quiz(chapter)
    if not specs:
        return
    st.header(title, anchor="quiz")
    score = progress.chapter_score(st.session_state, chapter, [s.id for s in specs])
    st.caption(
        f"{score.correct} of {score.total} answered correctly"
        + (" · chapter complete ✓" if score.done else "")
        + ". Questions marked :material/casino: get new numbers on every attempt."
    )
    for number, spec in enumerate(specs, start=1):
        _render_question(st, progress, chapter, number, spec)


def _render_question(st: Any, progress: Any, chapter: int, number: int, spec: QuestionSpec) -> None:
    slot_key = f"quiz::{chapter}::{spec.id}"
    slot = st.session_state.get(slot_key)
    if not isinstance(slot, dict):
        slot = {"seed": fresh_seed(), "attempt": 0, "graded": None}
        st.session_state[slot_key] = slot
    try:
        question = spec.build(slot["seed"])
        validate(question)
    except Exception as exc:  # a generator bug must not take the page down
        st.warning(f"Question {number} could not be built ({exc}).")
        return
    radio_key = f"{slot_key}::choice::{slot['attempt']}"

    def on_check() -> None:
        chosen = st.session_state.get(radio_key)
        result = grade(question, chosen)
        if result is None:
            st.session_state[slot_key] = {**slot, "graded": "none"}
            return
        progress.record_answer(st.session_state, chapter, spec.id, result.correct)
        st.session_state[slot_key] = {**slot, "graded": result.chosen}

    def on_retry() -> None:
        st.session_state[slot_key] = {
            "seed": fresh_seed(),
            "attempt": slot["attempt"] + 1,
            "graded": None,
        }

    with st.container(border=True):
        badge = " :material/casino:" if spec.generator else ""
        from_lesson = " *(from the lesson)*" if spec.source else ""
        st.markdown(f"**Question {number}{badge}.** {question.prompt}{from_lesson}")
        graded = slot.get("graded")
        answered = isinstance(graded, int)
        st.radio(
            "Your answer",
            options=list(range(len(question.options))),
            index=None,
            format_func=lambda i: f"{LETTERS[i]}. {question.options[i].text}",
            key=radio_key,
            disabled=answered,
            label_visibility="collapsed",
        )
        if not answered:
            st.button(
                "Check answer", key=f"{slot_key}::check::{slot['attempt']}", on_click=on_check
            )
            if graded == "none":
                st.info("Pick one of the options first.")
            return
        result = grade(question, graded)
        if result and result.correct:
            st.success(f"Correct: {LETTERS[result.chosen]}.")
        else:
            st.error(f"Not quite: the answer is {LETTERS[question.correct_index]}.")
        for i, option in enumerate(question.options):
            mark = (
                ":green[:material/check_circle:]"
                if option.correct
                else (
                    ":red[:material/cancel:]"
                    if i == graded
                    else ":gray[:material/radio_button_unchecked:]"
                )
            )
            st.markdown(f"{mark} **{LETTERS[i]}.** {option.explanation}")
        retry_label = "Try again with new numbers" if spec.generator else "Try again"
        st.button(retry_label, key=f"{slot_key}::retry::{slot['attempt']}", on_click=on_retry)

"""Chapter quizzes: questions from each chapter's ``quiz.toml``, graded by pure functions.

A TOML file holds a list of ``[[questions]]``. A fixed question gives its options::

    [[questions]]
    id = "oscillation-fix"
    source = true                      # the source lesson's own question
    prompt = "If gradient descent oscillates …?"
    [[questions.options]]
    text = "Lower the learning rate"
    correct = true
    explanation = "Smaller steps stop overshooting …"

A generated question names a generator that the chapter's ``quiz.py`` registers here
with ``@register("name")``. It builds the prompt and options with fresh numbers from a
seed and lets the engine compute the right answer::

    [[questions]]
    id = "parabola-two-steps"
    generator = "parabola_two_steps"

The registry is filled by the chapters (this core imports none of them): a chapter page
imports its own ``quiz`` module before drawing its quiz. :func:`core.quiz_section.render_quiz`
draws a quiz and records scores with :mod:`core.progress`. Session keys of a quiz are
built here (:func:`slot_key` and :func:`widget_key`), so pages and tests share them.
"""

from __future__ import annotations

import secrets
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from core.toc import CHAPTERS, chapter

LETTERS = "ABCDEFGH"
KEY_PREFIX = "quiz::"  # every session key of a quiz starts with this


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


SHUFFLE_STREAM = 7  # mixed with an attempt's seed, so the order is not its numbers' draw


def display_order(question: Question, seed: int) -> tuple[int, ...]:
    """The order one attempt shows ``question``'s options in: their authored indices,
    permuted by the attempt's ``seed``.

    Every rerun of an attempt has the same seed, so the options never move under the
    learner's cursor; a new attempt draws a new seed and so, usually, a new order. The
    learner's choice is stored as the authored index, so grading never depends on where
    an option was shown.
    """
    rng = np.random.default_rng([int(seed), SHUFFLE_STREAM])
    return tuple(int(i) for i in rng.permutation(len(question.options)))


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


def quiz_path(number: int) -> Path:
    return chapter(number).quiz_file


@cache
def load_quiz(number: int) -> tuple[QuestionSpec, ...]:
    """The chapter's question specs (empty when it has no quiz file, or no such chapter)."""
    try:
        path = quiz_path(number)
    except KeyError:
        return ()
    if not path.exists():
        return ()
    return parse_quiz(path.read_text(encoding="utf-8"))


def question_ids(number: int) -> list[str]:
    return [s.id for s in load_quiz(number)]


def known_questions() -> dict[str, list[str]]:
    """Every chapter's question ids, for checking progress read from a file or a cookie."""
    return {str(ch.number): question_ids(ch.number) for ch in CHAPTERS}


def fresh_seed() -> int:
    return secrets.randbelow(2**31)


def slot_key(number: int, question_id: str) -> str:
    """The session key of one question's attempt (its seed, attempt count, grade)."""
    return f"{KEY_PREFIX}{number}::{question_id}"


def widget_key(number: int, question_id: str, widget: str, attempt: int) -> str:
    """The key of a question's ``"choice"`` radio, ``"check"`` or ``"retry"`` button in
    attempt ``attempt`` (a new attempt draws fresh widgets)."""
    return f"{slot_key(number, question_id)}::{widget}::{attempt}"


# --------------------------------------------------------------------------- generators

Generator = Callable[[np.random.Generator], tuple[str, list[Option]]]
GENERATORS: dict[str, Generator] = {}


def register(name: str) -> Callable[[Generator], Generator]:
    """Decorator: make ``fn`` the generator ``name`` that quiz files can name."""

    def wrap(fn: Generator) -> Generator:
        GENERATORS[name] = fn
        return fn

    return wrap


def generate(name: str, seed: int) -> tuple[str, list[Option]]:
    """Build generator ``name``'s question for ``seed`` (same seed, same question)."""
    if name not in GENERATORS:
        raise KeyError(f"unknown question generator {name!r}")
    return GENERATORS[name](np.random.default_rng(int(seed)))


def numeric_options(
    correct: tuple[float, str],
    wrong: Sequence[tuple[float, str]],
    rng: np.random.Generator,
    fmt: Callable[[float], str] = lambda v: f"{v:.4g}",
) -> list[Option]:
    """Shuffled options from a correct (value, explanation) and named mistakes.

    Mistakes that print the same as the answer (or as each other) are dropped, so the
    learner never sees two identical choices.
    """
    seen = {fmt(correct[0])}
    options = [Option(fmt(correct[0]), True, correct[1])]
    for value, why in wrong:
        text = fmt(value)
        if text in seen or not np.isfinite(value):
            continue
        seen.add(text)
        options.append(Option(text, False, why))
    order = rng.permutation(len(options))
    return [options[i] for i in order]

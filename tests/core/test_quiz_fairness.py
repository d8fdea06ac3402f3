"""A quiz must not be passable without reading: neither an option's length nor its
position may give the answer away, and the options are shuffled per attempt.

The fixed questions are found through the table of contents, so a new chapter's
``quiz.toml`` is checked as soon as it is registered there.
"""

from collections import Counter

import pytest

from core import quiz
from core.toc import CHAPTERS
from tests.apptest import answer, open_chapter

LENGTH_TELL_LIMIT = 1 / 3  # the right option may be the longest (or shortest) at most this often
POSITION_LIMIT = 0.40  # …and sit in any one authored position at most this often


def fixed_questions() -> list[tuple[int, quiz.Question]]:
    return [
        (ch.number, spec.build())
        for ch in CHAPTERS
        for spec in quiz.load_quiz(ch.number)
        if spec.generator is None
    ]


def test_every_chapter_with_a_quiz_has_fixed_questions_to_check():
    chapters = {number for number, _ in fixed_questions()}
    assert chapters == {ch.number for ch in CHAPTERS if quiz.load_quiz(ch.number)}
    assert len(fixed_questions()) >= 20


def _share(predicate) -> tuple[float, list[str]]:
    questions = fixed_questions()
    hits = [f"ch{n}:{q.id}" for n, q in questions if predicate(q)]
    return len(hits) / len(questions), hits


def _lengths(q: quiz.Question) -> list[int]:
    return [len(o.text) for o in q.options]


def test_the_right_option_is_rarely_the_longest():
    share, hits = _share(lambda q: _lengths(q)[q.correct_index] == max(_lengths(q)))
    assert share <= LENGTH_TELL_LIMIT, f"right option is the longest in {share:.0%}: {hits}"


def test_the_right_option_is_rarely_the_shortest():
    # Rewriting options to stop "pick the longest" must not create "pick the shortest".
    share, hits = _share(lambda q: _lengths(q)[q.correct_index] == min(_lengths(q)))
    assert share <= LENGTH_TELL_LIMIT, f"right option is the shortest in {share:.0%}: {hits}"


def test_the_right_option_has_no_favourite_position():
    questions = fixed_questions()
    positions = Counter(q.correct_index for _, q in questions)
    position, count = positions.most_common(1)[0]
    assert count / len(questions) <= POSITION_LIMIT, (
        f"{count} of {len(questions)} right options are authored in position "
        f"{quiz.LETTERS[position]}: {dict(positions)}"
    )


# --------------------------------------------------------------------------- the shuffle


def test_display_order_is_a_permutation_fixed_by_the_seed():
    question = fixed_questions()[0][1]
    n = len(question.options)
    for seed in range(50):
        order = quiz.display_order(question, seed)
        assert sorted(order) == list(range(n))
        assert quiz.display_order(question, seed) == order  # a rerun does not reorder


def test_display_order_varies_between_attempts():
    question = fixed_questions()[0][1]
    orders = {quiz.display_order(question, seed) for seed in range(60)}
    assert len(orders) >= 12  # of the 24 orders of four options
    firsts = Counter(order[0] for order in orders)
    assert len(firsts) == len(question.options)  # each option is sometimes shown first


def test_grading_follows_the_option_not_its_position():
    question = next(q for _, q in fixed_questions() if q.correct_index != 0)
    for seed in range(10):
        order = quiz.display_order(question, seed)
        shown_first = order[0]
        result = quiz.grade(question, shown_first)
        assert result.correct == question.options[shown_first].correct


# --------------------------------------------------------------------------- on the page

QUESTION = "minus-sign"  # chapter 0 (the page the app opens on), a fixed question


def shown_options(at, attempt: int) -> list[str]:
    return list(at.radio(key=quiz.widget_key(0, QUESTION, "choice", attempt)).options)


def option_texts(labels: list[str]) -> list[str]:
    return [label.split(". ", 1)[1] for label in labels]


@pytest.fixture(scope="module")
def at():
    return open_chapter(None, timeout=240)


def test_the_page_keeps_the_order_within_an_attempt_and_reshuffles_on_retry(at):
    spec = next(s for s in quiz.load_quiz(0) if s.id == QUESTION)
    authored = [o.text for o in spec.build().options]
    first = shown_options(at, 0)
    assert sorted(option_texts(first)) == sorted(authored)
    assert [label[0] for label in first] == list(quiz.LETTERS[: len(authored)])

    at.run()  # a rerun (any widget on the page) must not move the options
    assert shown_options(at, 0) == first

    orders = {tuple(option_texts(first))}
    correct = spec.build().correct_index
    for attempt in range(5):
        answer(at, 0, QUESTION, correct, attempt)
        assert any(s.value.startswith("Correct") for s in at.success)
        # The verdict names the letter the right option was shown under in this attempt.
        letter = next(
            label[0]
            for label in shown_options(at, attempt)
            if option_texts([label])[0] == authored[correct]
        )
        assert any(s.value == f"Correct: {letter}." for s in at.success)
        at.button(key=quiz.widget_key(0, QUESTION, "retry", attempt)).click().run()
        orders.add(tuple(option_texts(shown_options(at, attempt + 1))))
    # Six attempts all in one order of 24 would happen about once in 8 million runs.
    assert len(orders) > 1

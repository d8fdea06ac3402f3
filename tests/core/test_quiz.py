"""Quiz files, grading and generated questions (answered by the engine)."""

import re

import pytest

from core import progress, quiz
from core.quiz import GENERATORS, generate

SOURCE_QUESTIONS = {
    0: "If gradient descent oscillates wildly back and forth across a valley, which adjustment would help?",
    1: "Why does SGD use a random subset of data instead of all data?",
    2: "What happens to a momentum optimizer when the gradient direction suddenly reverses?",
}


@pytest.mark.parametrize("chapter", [0, 1, 2])
def test_chapter_quizzes_are_complete(chapter):
    specs = quiz.load_quiz(chapter)
    assert len(specs) >= 4
    assert any(s.generator for s in specs), "at least one generated question"
    sources = [s for s in specs if s.source]
    assert [s.prompt for s in sources] == [SOURCE_QUESTIONS[chapter]]
    for spec in specs:
        question = spec.build(seed=123)
        quiz.validate(question)


def test_grade_fixed_question():
    spec = quiz.load_quiz(0)[0]
    q = spec.build()
    right = q.correct_index
    assert quiz.grade(q, right).correct
    wrong = next(i for i in range(len(q.options)) if i != right)
    result = quiz.grade(q, wrong)
    assert not result.correct and result.correct_index == right
    assert quiz.grade(q, None) is None
    assert quiz.grade(q, 99) is None


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_generated_questions_are_valid_for_many_seeds(name):
    for seed in range(40):
        prompt, options = generate(name, seed)
        q = quiz.Question("g", prompt, tuple(options), generator=name, seed=seed)
        quiz.validate(q)
        assert quiz.grade(q, q.correct_index).correct


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_generated_questions_change_between_attempts(name):
    prompts = {generate(name, seed)[0] for seed in range(12)}
    assert len(prompts) > 1
    assert generate(name, 5) == generate(name, 5)  # same seed, same question


def test_parabola_question_answer_is_the_engine_trace():
    from engine import worked

    for seed in range(20):
        prompt, options = generate("parabola_two_steps", seed)
        answer = next(o for o in options if o.correct)
        # Recover x0 and eta from the prompt and recompute with the engine.
        x0 = float(re.search(r"x₀ = (-?[\d.]+)", prompt).group(1))
        eta = float(re.search(r"η = ([\d.]*\d)", prompt).group(1))
        expected = worked.parabola(eta, 2, x0=x0)["x"][2]
        assert float(answer.text) == pytest.approx(expected, rel=1e-3, abs=1e-3)


def test_momentum_question_matches_the_formula():
    for seed in range(10):
        prompt, options = generate("momentum_velocity", seed)
        beta = float(prompt.split("β = ")[1].split(" ")[0])
        g1 = float(prompt.split("g₁ = ")[1].split(",")[0])
        g2 = float(prompt.split("g₂ = ")[1].split(".")[0].split(" ")[0])
        answer = next(o for o in options if o.correct)
        assert float(answer.text) == pytest.approx(beta * g1 + g2, rel=1e-3)


def test_bad_quiz_files_are_rejected():
    with pytest.raises(ValueError):
        quiz.parse_quiz("not = [valid")
    two_right = """
[[questions]]
id = "q"
prompt = "?"
[[questions.options]]
text = "a"
correct = true
explanation = "x"
[[questions.options]]
text = "b"
correct = true
explanation = "y"
"""
    with pytest.raises(ValueError, match="exactly one"):
        quiz.parse_quiz(two_right)


def test_missing_quiz_file_is_empty():
    assert quiz.load_quiz(99) == ()


# --------------------------------------------------------------------------- progress


def test_progress_scores_and_export_round_trip():
    store = {}
    ids = ["a", "b", "c", "d"]
    progress.record_answer(store, 0, "a", True)
    progress.record_answer(store, 0, "b", False)
    progress.record_answer(store, 0, "b", True)
    score = progress.chapter_score(store, 0, ids)
    assert (score.answered, score.correct, score.attempts, score.total) == (2, 2, 3, 4)
    assert not score.done
    for q in ("c", "d"):
        progress.record_answer(store, 0, q, True)
    assert progress.chapter_score(store, 0, ids).done
    restored = {}
    assert progress.handle_import(restored, progress.export_progress(store)).ok
    assert restored[progress.PROGRESS_KEY] == store[progress.PROGRESS_KEY]
    progress.reset_chapter(store, 0)
    assert progress.chapter_score(store, 0, ids).answered == 0


@pytest.mark.parametrize(
    "text",
    [
        "",
        "[]",
        "{}",
        '{"progress": []}',
        '{"progress": {"x": {}}}',
        '{"progress": {"0": {"q": 3}}}',
        '{"progress": {"0": {"q": {"attempts": "many"}}}}',
    ],
)
def test_bad_progress_files_raise_value_error(text):
    with pytest.raises(ValueError):
        progress.parse_progress(text)

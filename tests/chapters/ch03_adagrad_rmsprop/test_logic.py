"""Chapter 3 helpers and quiz generators: formatting, rates from buffers, engine-graded answers."""

import math

import numpy as np
import pytest

from chapters.ch03_adagrad_rmsprop import logic
from core.quiz import Question, generate, load_quiz, validate
from engine import optimizers, worked
from kit.code_panel import run_snippet
from kit.format import thousands
from kit.measure import run_fixed_gradients
from kit.state import advance, start_run


def test_fixed_rounds_the_decimal_half_up_and_dashes_nan():
    assert logic.fixed(2.0755) == "2.0755"
    assert logic.fixed(0.9 * 2.0755 + 0.961) == "2.8290"  # 2.82895, not its float neighbour
    assert logic.fixed(float("nan")) == "—"
    assert logic.fixed(-0.00001) == "0.0000"
    assert logic.fixed(-0.0583) == "-0.0583"
    assert thousands(81750.0) == "81,750"


def test_format_worked_has_no_nan_and_keeps_columns():
    df = logic.format_worked(worked.adagrad_rmsprop()["B · AdaGrad"])
    assert "nan" not in df.to_string().lower()
    assert list(df[worked.EFFECTIVE_LR]) == ["—", "—", "—", "0.0200"]


def test_rate_at_matches_engine_effective_lr_and_is_nan_before_any_gradient():
    run = start_run("adagrad", {"lr": 0.1}, "elliptical", (-2.5, 2.5), record_buffers=True)
    assert np.all(np.isnan(logic.rate_at(run, 0)))
    run = advance(run, 5)
    opt = optimizers.make("adagrad", lr=0.1)
    expected = optimizers.effective_lr(opt, run.opt_state)
    np.testing.assert_allclose(logic.rate_at(run, 5), expected)
    assert np.all(logic.rate_at(run, 2) > logic.rate_at(run, 5))  # AdaGrad's rate only falls


def test_memory_fraction_is_rho_to_the_age():
    memory = logic.memory_fraction(0.9)
    assert memory[10] == pytest.approx(0.9**10)
    assert memory[50] == pytest.approx(0.9**50)


def test_curvature_ratio_of_the_elliptical_bowl():
    assert logic.curvature_ratio() == pytest.approx(20.0)


def test_rate_story_handles_a_flat_band():
    table = logic.rate_history("constant", 500, 0.1, 0.9)
    text = logic.rate_story(table["eff. LR AdaGrad"], table["eff. LR RMSProp"])
    assert "sits at" in text and "nan" not in text.lower()


def test_scratch_code_matches_engine():
    output, ns = run_snippet(logic.FROM_SCRATCH)
    assert "[error]" not in output and "nan" not in output.lower()
    assert logic.scratch_matches(ns, logic.worked_tables())


def test_quiz_file_has_lesson_question_and_generators():
    specs = load_quiz(3)
    assert len(specs) >= 4
    assert any(s.source for s in specs)
    assert {s.generator for s in specs if s.generator} == {
        "adagrad_effective_lr",
        "rmsprop_accumulator",
    }


@pytest.mark.parametrize("name", ["adagrad_effective_lr", "rmsprop_accumulator"])
def test_generated_questions_are_valid_for_many_seeds(name):
    for seed in range(100):
        prompt, options = generate(name, seed)
        validate(Question(name, prompt, tuple(options)))
        assert len(options) >= 3


def test_adagrad_generator_answer_is_the_engine_rate():
    prompt, options = generate("adagrad_effective_lr", 11)
    correct = next(o for o in options if o.correct)
    # Recover the question's numbers from the prompt and ask the engine again.
    eta = float(prompt.split("η = ")[1].split(",")[0])
    grads = [float(g) for g in prompt.split("gradients ")[1].split(" in ")[0].split(", ")]
    _, states = run_fixed_gradients("adagrad", {"lr": eta}, 0.0, grads)
    rate = optimizers.effective_lr(optimizers.make("adagrad", lr=eta), states[-1])[0]
    assert float(correct.text) == pytest.approx(rate, rel=1e-3)
    assert math.isclose(rate, eta / math.sqrt(sum(g * g for g in grads)), rel_tol=1e-6)

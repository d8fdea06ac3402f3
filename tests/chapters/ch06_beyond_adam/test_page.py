"""Chapter 6 driven through Streamlit's AppTest: widgets, state across pages, numbers, quiz."""

import json
from functools import partial

import numpy as np
import pytest

from chapters.ch06_beyond_adam import logic
from chapters.ch06_beyond_adam import logic as ch06_logic
from core import quiz
from core.progress import PROGRESS_KEY
from core.toc import chapter
from kit.state import session_key
from tests.apptest import answer, open_chapter, page_state_in, page_text, shown_question

ch06_key = partial(session_key, ch06_logic.PAGE)
ch06_state = partial(page_state_in, page=ch06_logic.PAGE)

TIMEOUT = 120
PAGE = chapter(6).file
OTHER = chapter(5).file


@pytest.fixture
def at():
    return open_chapter(PAGE, timeout=TIMEOUT)


def chart(at, title_part):
    for c in at.get("plotly_chart"):
        spec = json.loads(c.proto.spec)
        title = (spec["layout"].get("title") or {}).get("text") or ""
        if title_part in title:
            return spec
    raise AssertionError(f"no chart titled like {title_part!r}")


def test_page_renders_with_every_section(at):
    assert at.title[0].value.startswith("Chapter 6")
    headers = [h.value for h in at.header]
    for part in ("family tree", "LAMB", "RAdam", "Adafactor", "Lion", "Sophia", "Race"):
        assert any(part in h for h in headers), part
    assert len(at.get("plotly_chart")) >= 7
    sizes = [len(c.proto.spec) for c in at.get("plotly_chart")]
    assert max(sizes) <= 300_000, sizes


def test_update_rules_come_from_the_engine_metadata(at):

    from engine import optimizers

    latex = [e.value for e in at.get("latex")]
    for name in ("lars", "lamb", "radam", "adafactor", "lion", "sophia"):
        expected = logic.latex_lines(optimizers.info(name).update_latex)
        assert any(expected in value for value in latex), name


def test_family_tree_selectbox_shows_a_card(at):
    at.selectbox(key=ch06_key("tree:pick")).set_value("sophia").run()
    assert not at.exception
    text = page_text(at)
    assert "#### Sophia · 2023" in text
    tree = chart(at, "family tree")
    node_sizes = tree["data"][0]["marker"]["size"]
    names = tree["data"][0]["customdata"]
    assert node_sizes[names.index("sophia")] == max(node_sizes)


def test_radam_slider_changes_the_figure_data(at):
    before = chart(at, "rectification")
    assert "first adaptive one" in page_text(at)
    at.select_slider(key=ch06_key("radam:beta2")).set_value(0.99).run()
    after = chart(at, "rectification")
    assert before["data"] != after["data"]
    assert "β₂ = 0.99" in after["layout"]["title"]["text"]


def test_race_steps_survive_a_page_switch(at):
    # The race opens already played once; Reset, then three single steps.
    assert ch06_state(at).run("race:lion").steps == logic.RACE_PLAY
    at.button(key=ch06_key("race:btn:reset")).click().run()
    at.select_slider(key=ch06_key("race:lr:lion")).set_value(0.05).run()
    for _ in range(3):
        at.button(key=ch06_key("race:btn:step")).click().run()
    run = ch06_state(at).run("race:lion")
    adam = ch06_state(at).run("race:lion:adam")
    assert run.steps == adam.steps == 3 and run.opt_state["t"] == 3
    params, buffers = run.params.copy(), {k: v.copy() for k, v in run.buffers.items()}
    adam_m = adam.opt_state["m"].copy()
    before = chart(at, "click anywhere")

    at.switch_page(OTHER).run()
    assert not at.exception
    at.switch_page(PAGE).run()
    assert not at.exception

    back = ch06_state(at).run("race:lion")
    assert back.steps == 3 and back.opt_state["t"] == 3
    np.testing.assert_array_equal(back.params, params)
    for k, v in buffers.items():
        np.testing.assert_array_equal(back.buffers[k], v)
    np.testing.assert_array_equal(ch06_state(at).run("race:lion:adam").opt_state["m"], adam_m)
    assert at.select_slider(key=ch06_key("race:lr:lion")).value == 0.05
    assert chart(at, "click anywhere")["data"] == before["data"]
    table = at.dataframe[[i for i, d in enumerate(at.dataframe) if "status" in d.value][0]].value
    assert table["step"].tolist() == ["3", "3"]


def test_race_learning_rate_change_continues_and_challenger_switch_restarts(at):
    n = logic.RACE_PLAY
    assert chart(at, "click anywhere").get("frames")  # the opening race replays
    at.button(key=ch06_key("race:btn:play")).click().run()
    run = ch06_state(at).run("race:lion")
    assert run.steps == 2 * n and run.play_from == n
    at.select_slider(key=ch06_key("race:lr:lion")).set_value(0.01).run()
    retuned = ch06_state(at).run("race:lion")
    assert retuned.steps == 2 * n and retuned.hyperparams["lr"] == 0.01
    np.testing.assert_array_equal(retuned.opt_state["m"], run.opt_state["m"])
    at.button(key=ch06_key("race:btn:step")).click().run()
    assert ch06_state(at).run("race:lion").steps == 2 * n + 1

    at.selectbox(key=ch06_key("race:opt")).set_value("sophia").run()
    assert not at.exception
    assert ch06_state(at).run("race:sophia").steps == n
    at.selectbox(key=ch06_key("race:land")).set_value("rosenbrock").run()
    at.button(key=ch06_key("race:btn:drop")).click().run()
    assert not at.exception
    assert ch06_state(at).run("race:sophia").landscape == "rosenbrock"
    at.button(key=ch06_key("race:btn:reset")).click().run()
    assert ch06_state(at).run("race:sophia").steps == 0


def test_every_challenger_races_without_a_traceback(at):
    for name in ("lamb", "lars", "radam", "adafactor", "lion", "sophia"):
        at.selectbox(key=ch06_key("race:opt")).set_value(name).run()
        at.button(key=ch06_key("race:btn:play")).click().run()
        assert not at.exception, name
    # RAdam's momentum-only first steps blow up on Rosenbrock at a large rate: labelled.
    at.selectbox(key=ch06_key("race:opt")).set_value("radam").run()
    at.selectbox(key=ch06_key("race:land")).set_value("rosenbrock").run()
    at.select_slider(key=ch06_key("race:lr:radam")).set_value(0.5).run()
    at.button(key=ch06_key("race:btn:play")).click().run()
    assert not at.exception
    assert ch06_state(at).run("race:radam").diverged
    assert "diverged at step" in json.dumps(chart(at, "click anywhere"))
    at.button_group(key=ch06_key("race:view")).set_value("3d").run()
    assert not at.exception
    assert chart(at, "(3-D)")["data"][0]["type"] == "surface"


def test_lion_demo_steps_and_survives_a_page_switch(at):
    lion = at.session_state[ch06_key("vec:lion")]
    start = lion.steps
    for _ in range(3):
        at.button(key=ch06_key("lion:btn:step")).click().run()
    lion = at.session_state[ch06_key("vec:lion")]
    assert lion.steps == start + 3 and int(lion.opt_state["t"]) == start + 3
    m = lion.opt_state["m"].copy()
    spec = chart(at, "How far each weight moved")
    assert [t["name"] for t in spec["data"]] == ["Lion", "Adam"]
    assert f"step {start + 3}" in spec["layout"]["title"]["text"]
    text = page_text(at)
    assert f"At step {start + 3} every Lion weight moved by exactly 0.01 (= η)" in text

    at.switch_page(OTHER).run()
    at.switch_page(PAGE).run()
    back = at.session_state[ch06_key("vec:lion")]
    assert back.steps == start + 3
    np.testing.assert_array_equal(back.opt_state["m"], m)

    at.button(key=ch06_key("lion:btn:reset")).click().run()
    assert at.session_state[ch06_key("vec:lion")].steps == 0
    assert any("Press **Step**" in i.value for i in at.info)


def test_lion_slider_retunes_and_the_step_size_follows(at):
    at.select_slider(key=ch06_key("lion:lr")).set_value(0.003).run()
    at.button(key=ch06_key("lion:btn:step")).click().run()
    lion = at.session_state[ch06_key("vec:lion")]
    assert lion.hyperparams["lr"] == 0.003
    assert np.all(lion.records[-1]["abs_update"] == 0.003)
    assert "moved by exactly 0.003 (= η)" in page_text(at)


def test_lamb_and_sophia_demos_step(at):
    at.button(key=ch06_key("lamb:btn:play")).click().run()
    lamb = at.session_state[ch06_key("vec:lamb")]
    assert lamb.steps == 1 + 25 and lamb.play_from == 2
    assert chart(at, "relative to each layer").get("frames")
    assert "which is η" in page_text(at)

    before = at.session_state[ch06_key("vec:sophia")].steps
    at.select_slider(key=ch06_key("sophia:rho")).set_value(3.0).run()
    at.button(key=ch06_key("sophia:btn:step")).click().run()
    sophia = at.session_state[ch06_key("vec:sophia")]
    assert sophia.steps == before + 1 and sophia.hyperparams["rho"] == 3.0
    labels = [m.label for m in at.metric]
    assert "Clipped now" in labels


def test_checked_numbers_are_on_the_page(at):
    text = page_text(at)
    # 4096 × 4096 (the default size): v alone vs two factors, and Adam's m + v.
    for value in ("16,777,216", "8,192", "33,554,432", "**2,048× fewer**", "**4,096×**"):
        assert value in text, value
    # GPT-3: 175B weights, Adam's 350B extra numbers = 1.4 TB in fp32.
    assert "1.75 × 10¹¹ weights" in text
    assert "3.5 × 10¹¹ extra numbers" in text and "**1.4 TB**" in text
    # RAdam (β₂ = 0.999): ρ_t ≤ 5 for 5 steps, step 6 is the first adaptive one.
    assert "The first 5 steps have ρ_t ≤ 5" in text and "step 6 is its first adaptive" in text
    # The from-scratch Lion agrees with the engine.
    assert "matches the engine: True" in text


def test_wrong_source_numbers_are_absent(at):
    text = page_text(at)
    for wrong in ("2000×", "76×", "4 days", "first ~5"):
        assert wrong not in text, wrong


def test_memory_calculator_refuses_nonsense_and_recomputes(at):
    at.number_input(key=ch06_key("mem:rows")).set_value(0).run()
    assert not at.exception
    assert any("at least one row" in w.value for w in at.warning)
    at.number_input(key=ch06_key("mem:rows")).set_value(1024).run()
    at.number_input(key=ch06_key("mem:cols")).set_value(3072).run()
    assert not at.warning
    text = page_text(at)
    assert "3,145,728" in text and "4,096" in text  # weights and 1024 + 3072
    at.button(key=ch06_key("mem:preset:4096 × 4096")).click().run()
    assert "16,777,216" in page_text(at)


def test_answering_quiz_questions_records_scores(at):
    spec = next(s for s in quiz.load_quiz(6) if s.id == "lion-innovation")
    assert spec.source
    question = spec.build()
    answer(at, 6, "lion-innovation", question.correct_index)
    assert at.session_state[PROGRESS_KEY]["6"]["lion-innovation"]["correct"] is True

    question = shown_question(at, 6, "adafactor-state-ratio")
    wrong = next(i for i, o in enumerate(question.options) if not o.correct)
    answer(at, 6, "adafactor-state-ratio", wrong)
    record = at.session_state[PROGRESS_KEY]["6"]["adafactor-state-ratio"]
    assert record == {"answered": True, "correct": False, "attempts": 1}
    assert any("Not quite" in e.value for e in at.error)


def test_quiz_file_has_the_required_shape():
    specs = quiz.load_quiz(6)
    assert len(specs) >= 4
    assert sum(s.source for s in specs) == 1
    assert sum(s.generator is not None for s in specs) >= 1
    for spec in specs:
        question = spec.build(7)
        quiz.validate(question)


def test_page_says_which_reference_and_convention_each_optimizer_follows(at):
    from engine import optimizers

    table = next(
        t.value for t in at.table if "Convention followed" in getattr(t.value, "columns", [])
    )
    assert len(table) == len(logic.BEYOND_ADAM)
    radam = optimizers.info("radam")
    assert table.loc[radam.display_name, "Checked against"] == radam.reference
    assert "ρ_t > 5" in table.loc[radam.display_name, "Convention followed"]
    assert "paper" in table.loc[optimizers.info("lion").display_name, "Convention followed"]


def test_memory_ratios_read_alike_for_a_gpt3_sized_matrix(at):
    # 12288 × 49152: v alone shrinks 9,830×, Adam's m + v 19,661× (never 1.966e+04×).
    at.button(key=ch06_key("mem:preset:GPT-3 MLP matrix (12288 × 49152)")).click().run()
    text = page_text(at)
    assert "**9,830× fewer**" in text and "**19,661×**" in text
    assert "e+0" not in text

"""Chapter 2 driven through Streamlit's AppTest: widgets, state across pages, numbers, quiz."""

import json
from functools import partial

import numpy as np
import pytest

from chapters.ch02_momentum import logic
from chapters.ch02_momentum import logic as ch02_logic
from core import quiz
from core.progress import PROGRESS_KEY
from core.toc import chapter
from engine import landscapes, optimizers, worked
from kit.state import session_key
from tests.apptest import answer, open_chapter, page_state_in, page_text, shown_question

ch02_key = partial(session_key, ch02_logic.PAGE)
ch02_state = partial(page_state_in, page=ch02_logic.PAGE)

TIMEOUT = 90
PAGE = chapter(2).file
RACE_SGD, RACE_MOM = ch02_logic.RACE_RUNS
NAG_CLASSICAL, NAG_NESTEROV = ch02_logic.NAG_RUNS


@pytest.fixture
def at():
    return open_chapter(PAGE, timeout=TIMEOUT)


def chart_specs(at):
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def title_of(spec) -> str:
    return (spec["layout"].get("title") or {}).get("text") or ""


def chart_by_title(at, fragment: str):
    for spec in chart_specs(at):
        if fragment in title_of(spec):
            return spec
    raise AssertionError(f"no chart titled like {fragment!r}")


def race_spec(at):
    """The side-by-side ravine chart (its panel titles name SGD and momentum)."""
    for spec in chart_specs(at):
        texts = [a.get("text", "") for a in spec["layout"].get("annotations", [])]
        if any(t.startswith("SGD, η") for t in texts) or "both runs on one surface" in title_of(
            spec
        ):
            return spec
    raise AssertionError("race chart not found")


def worked_table(at):
    for table in at.table:
        if "momentum θ" in table.value.columns:
            return table.value
    raise AssertionError("worked table not found")


def test_page_renders_with_its_sections(at):
    assert at.title[0].value.startswith("Chapter 2")
    headers = [h.value for h in at.header]
    for section in ("ravine", "momentum update", "SGD vs momentum", "overshoot", "Nesterov"):
        assert any(section in h for h in headers), section
    assert len(at.get("plotly_chart")) >= 7
    labels = [p.proto.label for p in at.get("page_link")]
    assert any(label.startswith("Previous: 1") for label in labels)
    assert any(label.startswith("Next: 3") for label in labels)


def test_beta_slider_changes_the_weights_chart(at):
    before = chart_by_title(at, "What the velocity remembers")
    at.slider(key=ch02_key("ema:beta")).set_value(0.5).run()
    after = chart_by_title(at, "What the velocity remembers")
    assert before["data"] != after["data"]
    assert "β = 0.5" in title_of(after)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Window 1/(1−β)"] == "2 steps"
    assert metrics["Weight 10 steps back"] == "0.000977"  # 0.5 ** 10, from the engine


def test_race_opens_played_and_sliders_change_the_figure(at):
    sgd, mom = ch02_state(at).run(RACE_SGD), ch02_state(at).run(RACE_MOM)
    assert sgd.steps == mom.steps == logic.RACE_INTRO_STEPS
    assert sgd.start == mom.start == landscapes.get("ravine").start
    spec = race_spec(at)
    assert spec.get("frames") and spec["layout"]["updatemenus"]
    before = spec["data"]

    at.select_slider(key=ch02_key("race:lr")).set_value(0.02).run()
    at.button(key=ch02_key("race:btn:step")).click().run()
    assert race_spec(at)["data"] != before
    # A new η continues from the buffers: history kept, one more step taken.
    assert ch02_state(at).run(RACE_MOM).steps == logic.RACE_INTRO_STEPS + 1
    assert ch02_state(at).run(RACE_MOM).hyperparams == {"lr": 0.02, "beta": logic.RACE_BETA}

    at.slider(key=ch02_key("race:beta")).set_value(0.8).run()
    assert ch02_state(at).run(RACE_MOM).hyperparams["beta"] == 0.8
    at.button(key=ch02_key("race:btn:reset")).click().run()
    assert ch02_state(at).run(RACE_SGD).steps == ch02_state(at).run(RACE_MOM).steps == 0


def _looking_ahead(at) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("**Looking ahead**"))


def test_race_opens_where_momentum_calms_the_zig_zag_and_presets_show_the_sway(at):
    # At the opening β the engine's look-ahead finds momentum straying less across the
    # valley than SGD, and the page says so with the measured numbers.
    sgd = logic.outlook("sgd", logic.RACE_ETA, None, "ravine", landscapes.get("ravine").start)
    mom = logic.outlook(
        "momentum", logic.RACE_ETA, logic.RACE_BETA, "ravine", landscapes.get("ravine").start
    )
    (sgd_far, sgd_flips), (mom_far, mom_flips) = sgd.sway(), mom.sway()
    assert mom_far < sgd_far and mom_flips < sgd_flips
    text = _looking_ahead(at)
    assert "momentum has calmed the zig-zag" in text
    assert f"changes side {sgd_flips} times" in text and f"changes side {mom_flips} times" in text

    # Step a little, then the "usual β" preset: η and β set, both runs start again with
    # the opening stretch played, and the page now reports the wider sway.
    at.button(key=ch02_key("race:btn:step")).click().run()
    at.button(key=ch02_key("race:preset:usual")).click().run()
    assert not at.exception
    _, eta, beta = logic.RACE_PRESETS["usual"]
    assert at.slider(key=ch02_key("race:beta")).value == beta
    run = ch02_state(at).run(RACE_MOM)
    assert run.hyperparams == {"lr": eta, "beta": beta}
    assert run.steps == ch02_state(at).run(RACE_SGD).steps == logic.RACE_INTRO_STEPS
    assert "momentum sways wider than SGD" in _looking_ahead(at)


def test_race_steps_and_buffers_survive_a_page_switch(at):
    at.button(key=ch02_key("race:btn:reset")).click().run()
    for _ in range(3):
        at.button(key=ch02_key("race:btn:step")).click().run()
    sgd, mom = ch02_state(at).run(RACE_SGD), ch02_state(at).run(RACE_MOM)
    assert sgd.steps == mom.steps == 3
    assert mom.opt_state["t"] == 3
    velocity = np.array(mom.opt_state["velocity"], copy=True)
    path = mom.path.copy()
    # The engine, run directly, agrees with the stored buffers.
    land = landscapes.get("ravine")
    opt = optimizers.make("momentum", lr=logic.RACE_ETA, beta=logic.RACE_BETA)
    params, state = np.array(land.start, dtype=float), None
    state = opt.init(params)
    for _ in range(3):
        params, state = opt.step(params, land.grad, state)
    np.testing.assert_allclose(velocity, state["velocity"])

    at.switch_page(chapter(1).file).run()
    assert not at.exception
    at.switch_page(PAGE).run()
    assert not at.exception
    back = ch02_state(at).run(RACE_MOM)
    assert back.steps == 3 and back.opt_state["t"] == 3
    np.testing.assert_array_equal(back.opt_state["velocity"], velocity)
    np.testing.assert_array_equal(back.path, path)
    assert ch02_state(at).run(RACE_SGD).steps == 3
    at.button(key=ch02_key("race:btn:step")).click().run()
    assert ch02_state(at).run(RACE_MOM).steps == 4


def test_sgd_past_its_limit_is_labelled_not_a_traceback(at):
    at.select_slider(key=ch02_key("race:lr")).set_value(0.07).run()
    at.button(key=ch02_key("race:btn:reset")).click().run()
    at.button(key=ch02_key("race:btn:play")).click().run()
    assert not at.exception
    assert ch02_state(at).run(RACE_SGD).diverged
    assert not ch02_state(at).run(RACE_MOM).diverged  # momentum tolerates up to 2(1+β)/40
    text = page_text(at).lower()
    assert "diverg" in text
    assert any("limit" in w.value for w in at.warning)


def test_three_d_view(at):
    at.button_group(key=ch02_key("race:view")).set_value("3d").run()
    assert not at.exception
    assert race_spec(at)["data"][0]["type"] == "surface"


def test_checked_numbers_are_on_the_page(at):
    table = worked_table(at)
    assert table["momentum θ"].tolist() == ["0", "0.06", "0.1728", "0.3309", "0.5265", "0.7521"]
    assert table["velocity v"].tolist() == ["0", "-6", "-11.28", "-15.806", "-19.564", "-22.555"]
    assert table["vanilla θ"].tolist()[1] == "0.06"
    assert table["vanilla θ"].tolist()[-1] == "0.2882"
    text = page_text(at)
    for value in ("0.7521", "0.2882", "-22.555", "2.61×"):
        assert value in text, value
    # The same numbers come straight from the engine.
    engine = worked.momentum_vs_vanilla(5, eta=0.01, beta=0.9)
    np.testing.assert_allclose(
        engine["momentum θ"][1:], [0.06, 0.1728, 0.3309, 0.5265, 0.7521], atol=5e-5
    )
    np.testing.assert_allclose(
        engine["velocity v"][1:], [-6, -11.28, -15.806, -19.564, -22.555], atol=5e-4
    )


def test_step_arithmetic_selector(at):
    at.button_group(key=ch02_key("worked:step")).set_value(3).run()
    text = page_text(at)
    assert "-15.806" in text and "0.3309" in text and "-5.6544" in text


def test_overshoot_table_for_several_betas(at):
    at.get("pills")[0].set_value([0.5, 0.9, 0.99]).run()
    assert not at.exception
    frames = [t.value for t in at.table if "farthest past 3" in t.value.columns]
    assert frames
    frame = frames[0]
    assert frame.loc["0.9", "farthest past 3"] == "0.885"
    assert frame.loc["0.9", "turns back at step"] == "23"
    assert frame.loc["0.5", "first passes 3 at step"] == "never"
    # The lesson's "about 100 steps to turn around at β = 0.99" is not what happens here.
    assert frame.loc["0.99", "turns back at step"] == "22"


def test_nesterov_substeps_show_engine_numbers_and_the_fourth_steps(at):
    nesterov = ch02_state(at).run(NAG_NESTEROV)
    assert nesterov.steps == logic.NAG_INTRO_STEPS
    opt = nesterov.make_optimizer()
    look = opt.lookahead(nesterov.params, nesterov.opt_state)
    at.button(key=ch02_key("nag:btn:next")).click().run()  # ② jump ahead
    latex = "\n".join(e.value for e in at.get("latex"))
    assert logic.vec(look) in latex
    spec = chart_by_title(at, "Close-up")
    assert any(d.get("name") == "lookahead" for d in spec["data"])
    at.button(key=ch02_key("nag:btn:next")).click().run()  # ③ gradient
    at.button(key=ch02_key("nag:btn:next")).click().run()  # ④ combine
    land = landscapes.get(nesterov.landscape)
    new_params, _ = opt.step(nesterov.params, land.grad, nesterov.opt_state)
    latex = "\n".join(e.value for e in at.get("latex"))
    assert logic.vec(new_params) in latex
    at.button(key=ch02_key("nag:btn:next")).click().run()  # take the step
    assert ch02_state(at).run(NAG_NESTEROV).steps == logic.NAG_INTRO_STEPS + 1
    assert ch02_state(at).run(NAG_CLASSICAL).steps == logic.NAG_INTRO_STEPS + 1
    np.testing.assert_allclose(ch02_state(at).run(NAG_NESTEROV).params, new_params)
    assert at.session_state[ch02_key("nag:substep")] == 1


def test_nesterov_lab_landscape_switch_resets(at):
    at.button_group(key=ch02_key("nag:landscape")).set_value("bowl").run()
    assert not at.exception
    run = ch02_state(at).run(NAG_NESTEROV)
    assert run.landscape == "bowl" and run.steps == 0
    at.button(key=ch02_key("nag:btn:play")).click().run()
    assert ch02_state(at).run(NAG_NESTEROV).steps == 40
    at.button_group(key=ch02_key("nag:view")).set_value("3d").run()
    assert not at.exception


def test_from_scratch_output_matches_the_engine(at):
    code = "\n".join(c.value for c in at.code)
    for value in ("0.1728", "0.7521", "-22.555"):
        assert value in code, value
    assert any("Same θ and v" in c.value for c in at.caption)


def test_answering_quiz_questions_records_scores(at):
    spec = next(s for s in quiz.load_quiz(2) if s.id == "gradient-reverses")
    question = spec.build()
    answer(at, 2, "gradient-reverses", question.correct_index)
    record = at.session_state[PROGRESS_KEY]["2"]["gradient-reverses"]
    assert record == {"answered": True, "correct": True, "attempts": 1}

    for qid in ("memory-window", "nesterov-lookahead"):
        question = shown_question(at, 2, qid)
        answer(at, 2, qid, question.correct_index)
        assert at.session_state[PROGRESS_KEY]["2"][qid]["correct"] is True


def test_every_chart_stays_under_300_kb(at):
    for _ in range(4):
        at.button(key=ch02_key("race:btn:play")).click().run()
    at.slider(key=ch02_key("ema:beta")).set_value(0.99).run()
    sizes = [len(c.proto.spec) for c in at.get("plotly_chart")]
    assert sizes and max(sizes) <= 300_000, sizes


def test_a_new_start_resets_both_runs_and_default_start_restores_it(at):
    # A click on the chart stores the picked start under this key (see ui.explorer).
    at.session_state[ch02_key("start:ravine")] = (0.5, 3.0)
    at.run()
    sgd, mom = ch02_state(at).run(RACE_SGD), ch02_state(at).run(RACE_MOM)
    assert sgd.start == mom.start == (0.5, 3.0)
    assert sgd.steps == mom.steps == 0
    at.button(key=ch02_key("race:btn:default-start")).click().run()
    assert ch02_state(at).run(RACE_MOM).start == landscapes.get("ravine").start

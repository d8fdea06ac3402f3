"""Chapter 7 driven through Streamlit's AppTest: visualiser, schedule in action, pitfall,
worked numbers, quiz."""

import json
from functools import partial

import numpy as np
import pytest

from chapters.ch07_schedules import logic as ch07_logic
from core import quiz
from core.progress import PROGRESS_KEY
from core.toc import chapter
from kit.state import session_key
from tests.apptest import answer, open_chapter, page_state_in, page_text

TIMEOUT = 120
PAGE = chapter(7).file
ch07_key = partial(session_key, ch07_logic.PAGE)
ch07_state = partial(page_state_in, page=ch07_logic.PAGE)


@pytest.fixture
def at():
    return open_chapter(PAGE, timeout=TIMEOUT)


def chart_specs(at):
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def chart_titled(at, words):
    for spec in chart_specs(at):
        title = (spec["layout"].get("title") or {}).get("text") or ""
        if words in title:
            return spec
    raise AssertionError(f"no chart titled {words!r}")


def landscape_spec(at):
    for spec in chart_specs(at):
        if spec["data"] and (
            spec["data"][0]["type"] in ("contour", "surface")
            or spec["layout"].get("images")  # a 2-D map drawn as a background image
        ):
            return spec
    raise AssertionError("landscape chart not found")


def prose(at) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def test_page_renders_with_title_and_charts(at):
    assert at.title[0].value.startswith("Chapter 7")
    assert len(at.get("plotly_chart")) >= 5
    assert not at.error


def test_visualiser_controls_change_the_figure(at):
    before = chart_titled(at, "Learning rate over the run")
    assert [t["name"] for t in before["data"]] == [
        "Cosine decay",
        "Linear decay",
        "Inverse square root",
        "Warmup–stable–decay",
    ]
    at.slider(key=ch07_key("vis:warmup")).set_value(30).run()
    after = chart_titled(at, "Learning rate over the run")
    assert before["data"] != after["data"]
    at.pills(key=ch07_key("vis:names")).set_value(["step", "cosine"]).run()
    names = [t["name"] for t in chart_titled(at, "Learning rate over the run")["data"]]
    assert names == ["Step decay", "Cosine decay"]
    at.toggle(key=ch07_key("vis:normalised")).set_value(False).run()
    spec = chart_titled(at, "Learning rate over the run")
    assert spec["layout"]["yaxis"]["title"]["text"] == "learning rate η"
    assert not at.exception


def test_visualiser_refuses_a_floor_above_the_peak(at):
    at.number_input(key=ch07_key("vis:min")).set_value(0.01).run()
    assert not at.exception
    assert any("above the peak" in e.value for e in at.error)
    with pytest.raises(AssertionError):
        chart_titled(at, "Learning rate over the run")
    at.number_input(key=ch07_key("vis:min")).set_value(0.0).run()
    at.number_input(key=ch07_key("vis:peak")).set_value(0.0).run()
    assert not at.exception
    assert any("above zero" in e.value for e in at.error)
    at.number_input(key=ch07_key("vis:peak")).set_value(0.002).run()
    assert not at.error
    chart_titled(at, "Learning rate over the run")


def test_visualiser_with_nothing_selected_says_so(at):
    at.pills(key=ch07_key("vis:names")).set_value([]).run()
    assert not at.exception
    assert any("at least one schedule" in i.value for i in at.info)


def test_first_visit_shows_a_finished_comparison(at):
    sched = ch07_state(at).run("action:sched")
    const = ch07_state(at).run("action:const")
    assert sched.steps == 300 and not sched.diverged
    assert const.diverged  # momentum at η = 0.003 on Rosenbrock, no warmup
    assert "blew up" in page_text(at)


def test_steps_and_buffers_survive_a_page_switch(at):
    at.button(key=ch07_key("action:btn:reset")).click().run()
    assert ch07_state(at).run("action:sched").steps == 0
    for _ in range(3):
        at.button(key=ch07_key("action:btn:step")).click().run()
    sched = ch07_state(at).run("action:sched")
    const = ch07_state(at).run("action:const")
    assert sched.steps == 3 and sched.opt_state["t"] == 3
    assert const.steps == 3 and const.opt_state["t"] == 3
    velocity = sched.opt_state["velocity"].copy()
    path = sched.path.copy()
    assert metric(at, "Step") == "3"

    at.switch_page(chapter(6).file).run()
    assert not at.exception
    at.switch_page(PAGE).run()
    assert not at.exception

    back = ch07_state(at).run("action:sched")
    assert back.steps == 3 and back.opt_state["t"] == 3
    np.testing.assert_array_equal(back.opt_state["velocity"], velocity)
    np.testing.assert_array_equal(back.path, path)
    assert metric(at, "Step") == "3"
    at.button(key=ch07_key("action:btn:step")).click().run()
    assert ch07_state(at).run("action:sched").steps == 4


def test_a_rate_change_continues_and_a_landscape_change_resets(at):
    at.button(key=ch07_key("action:btn:reset")).click().run()
    for _ in range(2):
        at.button(key=ch07_key("action:btn:step")).click().run()
    before = landscape_spec(at)
    at.select_slider(key=ch07_key("action:lr")).set_value(0.001).run()
    sched = ch07_state(at).run("action:sched")
    assert sched.steps == 2 and sched.hyperparams["lr"].peak_lr == 0.001
    at.button(key=ch07_key("action:btn:step")).click().run()
    assert ch07_state(at).run("action:sched").steps == 3
    assert landscape_spec(at)["data"] != before["data"]
    at.selectbox(key=ch07_key("action:schedule")).set_value("wsd").run()
    assert ch07_state(at).run("action:sched").steps == 3
    at.button_group(key=ch07_key("action:landscape")).set_value("bowl").run()
    assert ch07_state(at).run("action:sched").steps == 0
    assert ch07_state(at).run("action:sched").landscape == "bowl"
    at.button(key=ch07_key("action:btn:step")).click().run()
    at.session_state[ch07_key("start:bowl")] = (1.0, -1.0)  # what a click on the map stores
    at.run()
    moved = ch07_state(at).run("action:sched")
    assert moved.steps == 0 and moved.start == (1.0, -1.0)
    assert ch07_state(at).run("action:const").start == (1.0, -1.0)


def test_noise_preset_and_3d_view(at):
    at.button(key=ch07_key("action:preset:noise")).click().run()
    assert not at.exception
    sched = ch07_state(at).run("action:sched")
    const = ch07_state(at).run("action:const")
    assert sched.landscape == "noisy_ravine" and sched.steps == 300
    assert not const.diverged and not sched.diverged
    assert "lower" in " ".join(i.value for i in at.info)
    at.button_group(key=ch07_key("action:view")).set_value("3d").run()
    assert not at.exception
    assert landscape_spec(at)["data"][0]["type"] == "surface"


def test_play_adds_frames(at):
    at.button(key=ch07_key("action:btn:reset")).click().run()
    at.button(key=ch07_key("action:btn:play")).click().run()
    run = ch07_state(at).run("action:sched")
    assert run.steps == 100 and run.play_from == 0
    spec = landscape_spec(at)
    assert spec.get("frames") and spec["layout"]["updatemenus"]


def test_checked_cosine_numbers_are_in_the_worked_table(at):
    table = at.table[0].value
    rates = dict(zip(table.index, table["η (engine)"], strict=True))
    assert rates["50"] == "0.0005"
    assert rates["325"] == "0.000854"
    assert rates["550"] == "0.0005"
    assert rates["775"] == "0.000146"
    assert rates["1000"] == "0"
    text = page_text(at)
    for value in ("0.000854", "0.000146", "0.0005"):
        assert value in text
    # The from-scratch snippet prints the same values and is checked against the engine.
    output = at.code[1].value
    assert "lr = 0.000854" in output and "lr = 0.000146" in output
    assert any("Same rates as the engine" in c.value for c in at.caption)


def test_the_front_loaded_claim_is_corrected(at):
    text = prose(at)
    assert "14.6%" in text  # share of the decay done a quarter of the way in
    assert "half the decay happens in the first quarter" not in text.lower()
    assert "half of the decay happens in the first quarter" not in text.lower()


def test_pitfall_mistakes(at):
    assert at.button_group(key=ch07_key("pit:mistake")).value == "per_epoch"
    summary = at.table[1].value
    assert summary.loc["as stepped", "highest η"] == "9e-05"
    assert "9.0% of the peak" in prose(at)
    for mistake in ("too_fast", "never", "before", "per_batch"):
        at.button_group(key=ch07_key("pit:mistake")).set_value(mistake).run()
        assert not at.exception
    at.slider(key=ch07_key("pit:epochs")).set_value(20).run()
    assert not at.exception


def test_answering_quiz_questions_records_scores(at):
    spec = next(s for s in quiz.load_quiz(7) if s.source)
    question = spec.build()
    answer(at, 7, spec.id, question.correct_index)
    assert at.session_state[PROGRESS_KEY]["7"][spec.id]["correct"] is True

    slot = at.session_state[quiz.slot_key(7, "cosine-rate-at-step")]
    gen = next(s for s in quiz.load_quiz(7) if s.id == "cosine-rate-at-step")
    built = gen.build(slot["seed"])
    wrong = next(i for i, o in enumerate(built.options) if not o.correct)
    answer(at, 7, "cosine-rate-at-step", wrong)
    assert at.session_state[PROGRESS_KEY]["7"]["cosine-rate-at-step"]["correct"] is False
    assert any("Not quite" in e.value for e in at.error)


def test_every_chart_stays_under_300_kb(at):
    at.selectbox(key=ch07_key("action:horizon")).set_value(1000).run()
    at.button(key=ch07_key("action:btn:drop")).click().run()
    at.number_input(key=ch07_key("vis:total")).set_value(1_000_000).run()
    at.pills(key=ch07_key("vis:names")).set_value(["constant", "step", "cosine", "linear"]).run()
    sizes = [len(c.proto.spec) for c in at.get("plotly_chart")]
    assert sizes and max(sizes) <= 300_000, sizes
    at.button_group(key=ch07_key("action:view")).set_value("3d").run()
    sizes = [len(c.proto.spec) for c in at.get("plotly_chart")]
    assert max(sizes) <= 300_000, sizes

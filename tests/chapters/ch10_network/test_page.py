"""Chapter 10 driven through Streamlit's AppTest: set-up, Step / Play / Reset, views,
refusals, a claim's experiment, the links' presets."""

import json
from functools import partial

import pytest

from chapters.ch10_network import logic as ch10_logic
from core.toc import chapter
from kit.state import session_key
from tests.apptest import open_chapter, page_state_in, page_text

TIMEOUT = 200
PAGE = chapter(10).file
key = partial(session_key, ch10_logic.PAGE)


@pytest.fixture
def at():
    return open_chapter(PAGE, timeout=TIMEOUT)


def training(at):
    return page_state_in(at, ch10_logic.PAGE).get("training")


def chart(at, name):
    return json.loads(at.get_by_key(key(f"chart:{name}")).proto.spec)


def trace_names(at, name):
    return [t.get("name") for t in chart(at, name)["data"]]


def test_page_renders_the_race_at_step_zero(at):
    assert at.title[0].value.startswith("Chapter 10")
    assert not at.error
    assert training(at).step == 0
    assert {"SGD", "Momentum", "Adam"} <= set(trace_names(at, "loss"))
    text = page_text(at)
    assert "same mini-batches in the same order" in text
    assert "CC BY 4.0" in text
    assert "No step taken yet" in text


def test_step_advances_play_trains_more_and_reset_goes_back(at):
    at.button(key=key("btn:step")).click().run()
    assert not at.exception
    assert training(at).step == 1
    assert "At step" in page_text(at) or training(at).eval_every > 1
    at.button(key=key("btn:play")).click().run()
    assert training(at).step == 1 + ch10_logic.PLAY_STEPS
    assert "leads with" in page_text(at)
    ratio = chart(at, "ratio")
    assert ratio["layout"]["yaxis"]["type"] == "log"
    assert len(chart(at, "boundary")["frames"]) >= 2
    at.button(key=key("btn:reset")).click().run()
    assert training(at).step == 0


def test_train_to_t_stops_at_t(at):
    at.number_input(key=key("total")).set_value(20).run()
    at.button(key=key("btn:to_end")).click().run()
    assert not at.exception
    assert training(at).step == 20
    assert "reached T = 20" in page_text(at)
    at.button(key=key("btn:step")).click().run()
    assert training(at).step == 20


def test_changing_the_racers_and_the_data_changes_what_is_shown(at):
    at.multiselect(key=key("racers")).set_value(["adamw", "lion"]).run()
    assert not at.exception
    names = set(trace_names(at, "loss"))
    assert {"AdamW", "Lion"} <= names and "SGD" not in names
    at.button(key=key("btn:step")).click().run()
    at.button(key=key("btn:step")).click().run()
    # AdamW gives each weight its own rate: the spread chart appears.
    assert [t["name"] for t in chart(at, "spread")["data"]] == ["AdamW"]
    at.segmented_control(key=key("data")).set_value("digits").run()
    assert not at.exception
    assert training(at).step == 0 and training(at).dataset.name == "digits"
    assert "Confusion matrix" in chart(at, "confusion")["layout"]["title"]["text"]


def test_changing_steps_or_seed_starts_a_new_race(at):
    at.button(key=key("btn:step")).click().run()
    first = training(at)
    at.number_input(key=key("seed")).set_value(3).run()
    assert training(at) is not first and training(at).step == 0


def test_bad_input_is_refused_with_a_message(at):
    at.number_input(key=key("batch")).set_value(4000).run()
    assert not at.exception
    assert any("larger than the" in e.value for e in at.error)
    at.number_input(key=key("batch")).set_value(32).run()
    at.multiselect(key=key("racers")).set_value([]).run()
    assert any("at least one optimizer" in e.value for e in at.error)


def test_a_diverging_racer_is_drawn_and_labelled(at):
    at.multiselect(key=key("racers")).set_value(["sgd", "lamb"]).run()
    at.select_slider(key=key("lr:lamb")).set_value(1.0).run()
    at.button(key=key("btn:play")).click().run()
    assert not at.exception
    assert training(at).history().diverged_at[1] >= 0
    text = page_text(at)
    assert "Diverged: LAMB" in text and "diverged at step" in text


def test_a_claims_experiment_gives_a_verdict_from_its_numbers(at):
    at.number_input(key=key("total")).set_value(30).run()
    at.button(key=key("btn:claim:lion")).click().run()
    assert not at.exception
    verdicts = [a.value for a in (*at.success, *at.warning, *at.info) if "Lion keeps" in a.value]
    assert verdicts and "numbers of state" in verdicts[0]
    assert chart(at, "claim5")["layout"]["xaxis"]["type"] == "log"


def test_a_link_from_another_chapter_opens_its_set_up():
    at = open_chapter(PAGE, timeout=TIMEOUT, query={"setup": "adamw"})
    assert list(at.multiselect(key=key("racers")).value) == ["adam", "adamw"]
    assert training(at).dataset.name == "digits"


def test_fair_rates_come_from_the_sweep(at):
    at.multiselect(key=key("racers")).set_value(["sgd", "adam"]).run()
    at.number_input(key=key("total")).set_value(20).run()
    at.segmented_control(key=key("rate_mode")).set_value("fair").run()
    assert not at.exception
    assert "Fair rates:" in page_text(at)
    racers = training(at).racers
    for racer in racers:
        assert racer.hyperparams["lr"] in ch10_logic.rate_grid(racer.optimizer)


def test_chapters_2_to_8_link_here_with_a_known_preset():
    import ast

    from core.toc import ROOT

    for number in range(2, 9):
        tree = ast.parse((ROOT / chapter(number).file).read_text())
        links = [
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and getattr(node.func, "attr", "") == "page_link"
            and node.args
            and getattr(node.args[0], "value", "") == PAGE
        ]
        assert len(links) == 1, f"chapter {number} links once to chapter 10"
        params = next(k.value for k in links[0].keywords if k.arg == "query_params")
        preset = ast.literal_eval(params)["setup"]
        assert preset in ch10_logic.PRESETS, (number, preset)


def test_the_last_chapter_links_back_to_the_cheat_sheet_and_on_to_progress(at):
    links = {p.proto.label: p.proto.page for p in at.get("page_link")}
    assert links.get("Your progress") == "progress"
    assert links.get("Previous: 9 · Cheat sheet") == "cheat-sheet"

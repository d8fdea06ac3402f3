"""Chapter 9 driven through Streamlit's AppTest: the flowchart (answers, card, path,
persistence), the engine numbers in the tables, the measured priority, the batch
calculator and the quiz."""

import json
from functools import partial

import pytest

from chapters.ch09_cheatsheet import logic, tree
from chapters.ch09_cheatsheet import logic as ch09_logic
from core.progress import PROGRESS_KEY
from core.toc import chapter
from engine import optimizers
from kit.format import fmt, format_rate, human_bytes
from kit.state import session_key
from tests.apptest import answer, open_chapter, page_state_in, page_text

TIMEOUT = 120
PAGE = chapter(9).file
ch09_key = partial(session_key, ch09_logic.PAGE)
ch09_state = partial(page_state_in, page=ch09_logic.PAGE)
NODE = ch09_key("flow:node")
TREE = tree.load_cheatsheet().tree


@pytest.fixture
def at():
    return open_chapter(PAGE, timeout=TIMEOUT)


def chart_specs(at):
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def flowchart_spec(at):
    for spec in chart_specs(at):
        names = [t.get("name") for t in spec["data"]]
        if names[-1:] == ["nodes"]:
            return spec
    raise AssertionError("flowchart not found")


def spread_spec(at):
    for spec in chart_specs(at):
        if spec["data"] and spec["data"][0].get("name") == "spread":
            return spec
    raise AssertionError("sensitivity chart not found")


def pick_answer(at, question, text):
    at.pills(key=ch09_key(f"flow:answer:{question}")).set_value(text).run()
    assert not at.exception, [e.value for e in at.exception]


def walk_to(at, leaf):
    path = TREE.path_to(leaf)
    for q, child in zip(path, path[1:], strict=False):
        pick_answer(at, q, TREE.node(child).answer)


def test_page_renders(at):
    assert at.title[0].value.startswith("Chapter 9")
    assert len(at.get("plotly_chart")) >= 2
    assert not at.error
    assert at.session_state[NODE] == TREE.root
    assert [p.key for p in at.pills] == [ch09_key(f"flow:answer:{TREE.root}")]


def test_answers_walk_the_tree_and_the_card_follows(at):
    before = flowchart_spec(at)
    assert not [v for v in before["data"][1]["x"] if v is not None]  # no path yet
    walk_to(at, "finetune")
    assert at.session_state[NODE] == "finetune"
    after = flowchart_spec(at)
    taken = [v for v in after["data"][1]["x"] if v is not None]
    assert len(taken) == 4 * (len(TREE.path_to("finetune")) - 1)
    text = page_text(at)
    node = TREE.node("finetune")
    assert "AdamW" in text and logic.fmt_range(node.lr) in text
    assert "Linear decay down to zero" in text
    per_weight = logic.state_bytes_per_weight("adamw")
    assert f"{human_bytes(per_weight)} per weight" in text
    assert human_bytes(per_weight * 1e9) in text
    links = [p.proto.label for p in at.get("page_link")]
    assert any(label.startswith("Chapter 5") for label in links)


def test_changing_an_earlier_answer_drops_the_later_ones(at):
    walk_to(at, "lion")
    assert len(at.pills) == 4
    pick_answer(at, TREE.root, TREE.node("vision-arch").answer)
    assert at.session_state[NODE] == "vision-arch"
    assert len(at.pills) == 2
    pick_answer(at, "vision-arch", None)  # deselect: back to that question
    assert at.session_state[NODE] == "vision-arch"
    assert "Next question" in page_text(at)


def test_start_over_and_a_stale_node(at):
    walk_to(at, "gan")
    at.button(key=ch09_key("flow:restart")).click().run()
    assert at.session_state[NODE] == TREE.root
    at.session_state[NODE] = "no-such-node"
    at.run()
    assert not at.exception and at.session_state[NODE] == TREE.root


def test_a_click_on_a_node_sets_the_path(at):
    # AppTest cannot click a chart: set what the on_select callback sets (the pick
    # itself is tested in tests/ui/test_cheatsheet.py).
    at.session_state[NODE] = "lars"
    at.run()
    assert [p.value for p in at.pills] == list(TREE.answers_to("lars"))
    assert "LARS" in page_text(at)


def test_path_and_settings_survive_a_page_switch(at):
    walk_to(at, "lamb")
    at.slider(key=ch09_key("sens:steps")).set_value(500).run()
    at.switch_page(chapter(4).file).run()
    assert not at.exception
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.session_state[NODE] == "lamb"
    assert [p.value for p in at.pills] == list(TREE.answers_to("lamb"))
    assert at.slider(key=ch09_key("sens:steps")).value == 500
    assert "square root" in page_text(at)


def test_sensitivity_controls_change_the_chart(at):
    before = spread_spec(at)
    at.slider(key=ch09_key("sens:steps")).set_value(100).run()
    after = spread_spec(at)
    assert before["data"] != after["data"]
    at.segmented_control(key=ch09_key("sens:landscape")).set_value("rosenbrock").run()
    third = spread_spec(at)
    assert third["data"] != after["data"]
    assert "Rosenbrock" in third["layout"]["title"]["text"]
    assert third["layout"]["xaxis"]["title"]["text"].startswith("final loss")
    result = logic.measure_sensitivity(
        "rosenbrock", 100, {h.key: h.typical for h in tree.load_cheatsheet().hyperparameters}
    )
    assert f"η = {format_rate(result.best_lr, 'practice')}" in page_text(at)


def test_tables_show_engine_numbers_and_not_the_sources_wrong_range(at):
    text = page_text(at)
    for name in optimizers.NAMES:
        info = optimizers.info(name)
        assert str(info.year) in text
    ref = next(t.value for t in at.table if "Update in words" in t.value.columns)
    row = ref[ref["Optimizer"].str.startswith("Adafactor")].iloc[0]
    assert row["State per weight (fp32)"].startswith(
        human_bytes(logic.state_bytes_per_weight("adafactor"))
    )
    hyper = next(t.value for t in at.table if "Typical range" in t.value.columns)
    ranges = dict(zip(hyper["Hyperparameter"], hyper["Typical range"], strict=True))
    assert ranges["β₂ (second moment)"] == "0.95 – 0.9999"
    assert "0.99 – 0.9999" not in text and "0.99–0.9999" not in text
    recipes = next(t.value for t in at.table if "Situation" in t.value.columns)
    assert len(recipes) == len(TREE.leaves())


def test_code_panel_output_is_produced_by_running_it(at):
    outputs = [c.value for c in at.code if c.value.startswith("peak lr")]
    assert outputs and "best peak rate on Rosenbrock" in outputs[0]
    assert "[error]" not in outputs[0]


def test_batch_calculator_computes_and_refuses_bad_input(at):
    at.number_input(key=ch09_key("batch:lr")).set_value(0.1).run()
    at.number_input(key=ch09_key("batch:base")).set_value(256).run()
    at.number_input(key=ch09_key("batch:new")).set_value(1024).run()
    text = page_text(at)
    rates = logic.scaled_rates(0.1, 256, 1024)
    assert f"η = {fmt(rates['linear'], 3)}" in text and f"η = {fmt(rates['sqrt'], 3)}" in text
    at.number_input(key=ch09_key("batch:base")).set_value(0).run()
    assert not at.exception
    assert any("at least 1" in w.value for w in at.warning)
    at.number_input(key=ch09_key("batch:base")).set_value(256).run()
    at.number_input(key=ch09_key("batch:lr")).set_value(0.0).run()
    assert any("above zero" in w.value for w in at.warning)


def test_quiz_answer_is_recorded(at):
    answer(at, 9, "bert-finetune", 0)
    assert not at.exception
    record = at.session_state[PROGRESS_KEY]["9"]["bert-finetune"]
    assert record == {"answered": True, "correct": True, "attempts": 1}
    assert any(s.value.startswith("Correct") for s in at.success)


def test_prev_and_next_links_go_to_the_arena_and_the_network_chapter(at):
    # Chapter 10 (On a real network) follows the cheat sheet; it links on to the progress page.
    links = {p.proto.label: p.proto.page for p in at.get("page_link")}
    assert links.get("Next: 10 · On a real network") == "network"
    assert links.get("Previous: 8 · Optimizer Arena") == "arena"

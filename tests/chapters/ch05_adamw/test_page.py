"""Chapter 5 (AdamW) in AppTest: renders, reacts, keeps its step, shows the checked numbers."""

from functools import partial

import pytest
from streamlit.testing.v1 import AppTest

from chapters.ch05_adamw import logic as ch05_logic
from core.progress import PROGRESS_KEY
from core.toc import chapter
from kit.state import session_key
from tests.apptest import answer, chart_data, open_chapter, page_state_in

ch05_key = partial(session_key, ch05_logic.PAGE)
ch05_state = partial(page_state_in, page=ch05_logic.PAGE)

PAGE = chapter(5).file
OTHER = chapter(4).file
TIMEOUT = 240


def open_page(at: AppTest | None = None) -> AppTest:
    return open_chapter(PAGE, at, TIMEOUT)


@pytest.fixture(scope="module")
def page() -> AppTest:
    return open_page()


def test_page_renders_without_errors(page):
    assert page.title[0].value.startswith("Chapter 5")
    assert not page.error
    assert len(page.get("plotly_chart")) >= 2
    captions = " ".join(c.value for c in page.caption)
    assert "✓ Same final weights as the engine" in captions
    # The PyTorch trap: the code and the warning box.
    assert any(
        "torch.optim.Adam(" in c.value and "torch.optim.AdamW(" in c.value for c in page.code
    )
    assert any("torch.optim.Adam(weight_decay=…)" in w.value for w in page.warning)


def test_worked_example_shows_the_checked_numbers(page):
    table = next(
        t.value for t in page.table if "AdamW" in t.value.columns and "Adam + L2" in t.value.columns
    )
    assert list(table.loc["decay removes (% of θ)"]) == ["0.005 %", "0.01 %"]
    assert list(table.loc["gradient fed to m and v"]) == ["2.5", "2"]
    text = " ".join(m.value for m in page.markdown)
    assert "removes 0.01 % of θ" in text and "removes only 0.005 %" in text
    latex = " ".join(x.value for x in page.latex)
    assert "0.005" in latex and "0.01" in latex and "-0.00025" in latex and "-0.0005" in latex


def test_engine_chains_are_the_same_links_in_another_order(page):
    table = next(t.value for t in page.table if "AdamW (decoupled)" in t.value.columns)
    adam = list(table["Adam (weight_decay = L2)"])
    adamw = list(table["AdamW (decoupled)"])
    assert sorted(adam) == sorted(adamw) and adam != adamw
    assert adam.index("add_decayed_weights") < adam.index("scale_by_adam")
    assert adamw.index("add_decayed_weights") > adamw.index("scale_by_adam")


def test_lambda_slider_changes_the_decay_chart():
    at = open_page()
    before = chart_data(at, ch05_key("decay:chart"))
    at.select_slider(key=ch05_key("decay:wd")).set_value(0.3).run()
    assert not at.exception
    assert chart_data(at, ch05_key("decay:chart")) != before


def test_busy_weight_gets_less_decay_under_l2():
    at = open_page()
    table = next(t.value for t in at.table if "L2 ÷ AdamW" in t.value.columns)
    busy = float(table.loc["busy", "L2 ÷ AdamW"].rstrip("×"))
    quiet = float(table.loc["quiet", "L2 ÷ AdamW"].rstrip("×"))
    assert busy < 1 < quiet
    assert table.loc["busy", "AdamW"] == table.loc["quiet", "AdamW"]


def test_three_steps_survive_a_page_switch():
    at = open_page()
    for _ in range(3):
        at.button(key=ch05_key("decay:step:step")).click().run()
    assert not at.exception
    assert at.slider(key=ch05_key("decay:step")).value == 4
    at.switch_page(OTHER).run()
    open_page(at)
    assert at.slider(key=ch05_key("decay:step")).value == 4
    assert any("At step 4," in m.value for m in at.markdown)


def test_equal_gradient_sizes_get_a_clear_message():
    at = open_page()
    at.segmented_control(key=ch05_key("decay:busy")).set_value(1.0).run()
    at.segmented_control(key=ch05_key("decay:quiet")).set_value(1.0).run()
    assert not at.exception
    assert any("quiet weight's gradients are at least as large" in w.value for w in at.warning)


def test_noise_toggle_runs():
    at = open_page()
    before = chart_data(at, ch05_key("decay:chart"))
    at.toggle(key=ch05_key("decay:noisy")).set_value(True).run()
    assert not at.exception
    assert chart_data(at, ch05_key("decay:chart")) != before


def test_quiz_answer_is_recorded():
    at = open_page()
    qid = "why-decouple"
    answer(at, 5, qid, 0)
    assert not at.exception
    record = at.session_state[PROGRESS_KEY]["5"][qid]
    assert record["answered"] and record["correct"]

"""Chapter 3 page (AdaGrad & RMSProp) under Streamlit's AppTest."""

import json
import re
from functools import partial

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from chapters.ch03_adagrad_rmsprop import logic as ch03_logic
from core.progress import PROGRESS_KEY
from core.toc import chapter
from kit.state import session_key
from tests.apptest import answer, open_chapter, page_state_in, page_text, shown_question

ch03_key = partial(session_key, ch03_logic.PAGE)
ch03_state = partial(page_state_in, page=ch03_logic.PAGE)

PAGE = chapter(3).file
OTHER_PAGE = chapter(0).file
TIMEOUT = 180

STEP = ch03_key("race:btn:step")
PLAY = ch03_key("race:btn:play")
RESET = ch03_key("race:btn:reset")
SCRUB = ch03_key("race:scrub")
RACE_RHO = ch03_key("race:rho")
RACE_LR_ADA = ch03_key("race:lr:adagrad")
TIME_RHO = ch03_key("time:rho")


def open_page(path: str = PAGE) -> AppTest:
    return open_chapter(path, timeout=TIMEOUT)


def charts(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def number(cell: str) -> float:
    return float(cell.replace(",", "").replace("−", "-"))


def find_table(at: AppTest, column: str, first_gradient: float | None = None):
    for table in at.table:
        df = table.value
        if column in df.columns and (
            first_gradient is None or number(df["gradient g"].iloc[-1]) == first_gradient
        ):
            return df
    raise AssertionError(f"no table with column {column!r}")


@pytest.fixture(scope="module")
def page() -> AppTest:
    return open_page()


def test_page_runs_without_exception_or_error(page):
    assert not page.exception
    assert not page.error
    assert page.title[0].value.startswith("Chapter 3")
    # race map, rate bars, loss curve, the ρ drag chart, rate over time
    assert len(page.get("plotly_chart")) == 5


def test_adagrad_checked_numbers(page):
    a = find_table(page, "G (sum of g²)", first_gradient=3.1)
    b = find_table(page, "G (sum of g²)", first_gradient=5.0)
    rate = "effective LR η/(√G+ε)"
    g = [number(v) for v in a["G (sum of g²)"]]
    assert g == pytest.approx([9, 15.25, 23.09, 32.70], abs=5e-3)
    assert a[rate].iloc[0] == "0.0333" and a[rate].iloc[-1] == "0.0175"
    assert [number(v) for v in a[rate]] == pytest.approx([0.0333, 0.0256, 0.0208, 0.0175], abs=1e-4)
    # B: no gradient for three steps → no rate ("—", never "nan"), then 0.0200 at step 4.
    assert list(b[rate]) == ["—", "—", "—", "0.0200"]


def test_rmsprop_checked_numbers(page):
    r = find_table(page, "G (average of g²)")
    rate = "effective LR η/(√G+ε)"
    assert list(r["G (average of g²)"]) == ["0.9000", "1.4350", "2.0755", "2.8290"]
    g = [number(v) for v in r["G (average of g²)"]]
    assert g == pytest.approx([0.9, 1.435, 2.076, 2.829], abs=5.01e-4)  # 3-decimal rounding
    assert r[rate].iloc[0] == "0.1054" and r[rate].iloc[-1] == "0.0595"
    side = find_table(page, "G RMSProp")
    assert list(side["eff. LR AdaGrad"]) == ["0.0333", "0.0256", "0.0208", "0.0175"]
    assert list(side["eff. LR RMSProp"]) == ["0.1054", "0.0835", "0.0694", "0.0595"]


def test_no_nan_and_no_wrong_source_numbers(page):
    text = page_text(page, code=False)
    assert not re.search(r"\bnan\b", text, re.IGNORECASE)
    # The lesson claims AdaGrad's G is about 85,000 after 10,000 steps of A's gradients;
    # the engine's sum is 10,000 × mean(g²) = 81,750.
    assert "85,000" not in text and "85000" not in text
    assert "81,750" in text
    assert "✓ Same G and rates as the engine's tables" in text


def test_step_three_times_then_leave_and_return():
    at = open_page()
    for _ in range(3):
        at.button(key=STEP).click().run()
    assert not at.exception
    ada = ch03_state(at).run("race:adagrad")
    rms = ch03_state(at).run("race:rmsprop")
    assert ada.steps == 3 and rms.steps == 3
    assert at.slider(key=SCRUB).value == 3
    acc = np.array(ada.opt_state["accumulator"])
    avg = np.array(rms.opt_state["square_avg"])
    assert np.all(acc > 0) and np.all(avg > 0)
    rates = at.table[-1].value.copy()

    at.switch_page(OTHER_PAGE).run()
    at.switch_page(PAGE).run()
    assert not at.exception
    ada2 = ch03_state(at).run("race:adagrad")
    rms2 = ch03_state(at).run("race:rmsprop")
    assert ada2.steps == 3 and rms2.steps == 3
    np.testing.assert_array_equal(ada2.opt_state["accumulator"], acc)
    np.testing.assert_array_equal(rms2.opt_state["square_avg"], avg)
    assert at.slider(key=SCRUB).value == 3
    assert at.table[-1].value.equals(rates)


def test_scrubber_moves_markers_and_bars():
    at = open_page()
    at.button(key=PLAY).click().run()
    steps = ch03_state(at).run("race:adagrad").steps
    assert steps == at.slider(key=SCRUB).value > 1
    before = charts(at)
    at.slider(key=SCRUB).set_value(1).run()
    after = charts(at)
    assert before[1]["data"] != after[1]["data"]  # the bars follow the inspected step
    assert "step 1" in after[1]["layout"]["title"]["text"]
    markers = [t for t in after[0]["data"] if "step 1<extra>" in str(t.get("hovertemplate", ""))]
    assert len(markers) == 2  # one marker per method, at step 1


def test_hyperparameter_change_continues_and_reset_restarts():
    at = open_page()
    for _ in range(3):
        at.button(key=STEP).click().run()
    acc = np.array(ch03_state(at).run("race:adagrad").opt_state["accumulator"])
    before = charts(at)[1]
    at.select_slider(key=RACE_LR_ADA).set_value(0.3).run()
    at.select_slider(key=RACE_RHO).set_value(0.99).run()
    assert not at.exception
    ada = ch03_state(at).run("race:adagrad")
    rms = ch03_state(at).run("race:rmsprop")
    assert ada.steps == 3 and ada.hyperparams["lr"] == 0.3
    assert rms.steps == 3 and rms.hyperparams["rho"] == 0.99
    np.testing.assert_array_equal(ada.opt_state["accumulator"], acc)
    assert charts(at)[1]["data"] != before["data"]  # the rate bars use the new η and ρ
    at.button(key=STEP).click().run()
    assert ch03_state(at).run("race:adagrad").steps == 4
    at.button(key=RESET).click().run()
    assert ch03_state(at).run("race:adagrad").steps == 0
    assert not at.exception


def test_rho_slider_changes_rate_over_time_chart():
    at = open_page()
    before = charts(at)[4]  # after the race map, bars, loss curve and ρ drag chart
    at.select_slider(key=TIME_RHO).set_value(0.5).run()
    after = charts(at)[4]
    assert not at.exception
    assert before["data"][1]["y"] != after["data"][1]["y"]  # RMSProp's curve moved
    assert before["data"][0]["y"] == after["data"][0]["y"]  # AdaGrad has no ρ
    assert after["layout"]["yaxis"]["type"] == "log"


def test_quiz_answer_is_recorded():
    at = open_page()
    qid = "adagrad-rate-vanishes"
    answer(at, 3, qid, 0)
    assert not at.exception
    record = at.session_state[PROGRESS_KEY]["3"][qid]
    assert record["answered"] and record["correct"]


def test_generated_quiz_question_is_graded():
    at = open_page()
    qid = "adagrad-effective-lr"
    question = shown_question(at, 3, qid)
    answer(at, 3, qid, question.correct_index)
    assert at.session_state[PROGRESS_KEY]["3"][qid]["correct"]

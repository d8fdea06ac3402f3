"""Chapter 1 (Vanilla SGD) in AppTest: runs clean, shows the checked numbers, steps and
remembers, reacts to sliders, refuses bad input, records quiz answers."""

from __future__ import annotations

import json
from functools import partial

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from chapters.ch01_sgd import logic, sections
from chapters.ch01_sgd import logic as ch01_logic
from core.progress import PROGRESS_KEY
from core.quiz import generate
from core.toc import chapter
from engine import minibatch, simulate, worked
from kit import clicks
from kit.state import PageState, session_key
from tests.apptest import answer, open_chapter, page_state_in, page_text

ch01_key = partial(session_key, ch01_logic.PAGE)
ch01_state = partial(page_state_in, page=ch01_logic.PAGE)

PAGE = chapter(1).file
OTHER = chapter(0).file
TIMEOUT = 300


def open_page() -> AppTest:
    return open_chapter(PAGE, timeout=TIMEOUT)


@pytest.fixture(scope="module")
def page() -> AppTest:
    return open_page()


def charts(at: AppTest) -> dict[str, dict]:
    """Every plotly chart on the page, by its title."""
    out = {}
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        title = ((spec.get("layout") or {}).get("title") or {}).get("text") or ""
        out[title] = spec
    return out


def chart(at: AppTest, starts: str) -> dict:
    found = [spec for title, spec in charts(at).items() if title.startswith(starts)]
    assert found, f"no chart titled {starts!r}: {list(charts(at))}"
    return found[0]


def table_with(at: AppTest, column: str):
    for table in at.table:
        frame = table.value
        if column in frame.columns:
            return frame
    raise AssertionError(f"no table with column {column!r}")


def step_count(at: AppTest) -> int:
    return int(next(m.value for m in at.metric if m.label == "Step"))


# --------------------------------------------------------------------------- runs and numbers


def test_page_runs_with_title_and_quiz(page):
    assert not page.exception
    assert any("Vanilla SGD" in t.value for t in page.title)
    assert any("Check your understanding" in h.value for h in page.header)
    assert len(page.get("plotly_chart")) >= 6


def test_checked_numbers_of_the_four_point_example(page):
    examples = table_with(page, "gradient −2x(y − θx)")
    assert list(examples["gradient −2x(y − θx)"]) == ["-2", "-8", "-12", "-32"]
    steps = table_with(page, "batch gradient").set_index("update")
    assert steps.loc["full batch", "batch gradient"] == "-13.5"
    assert steps.loc["full batch", "θ after"] == "1.135"
    assert steps.loc["mini-batch 1", "examples"] == "{1, 3}"
    assert steps.loc["mini-batch 1", "batch gradient"] == "-7"
    assert steps.loc["mini-batch 1", "θ after"] == "1.07"
    lesson_row = next(i for i in steps.index if "lesson" in i)
    true_row = next(i for i in steps.index if "true SGD" in i)
    assert steps.loc[lesson_row, "batch gradient"] == "-20"
    assert steps.loc[lesson_row, "θ after"] == "1.27"
    assert steps.loc[lesson_row, "gradient taken at θ"] == "1"  # labelled honestly: at θ₀
    assert steps.loc[true_row, "θ after"] == "1.256"  # the real sequential step
    text = page_text(page)
    assert "θ* = Σxy / Σx² = **1.9**" in text
    assert "−13.5" not in text  # numbers use ASCII minus, as fmt writes them
    # every pair of examples averages to the full-batch gradient
    assert "average is **-13.5**" in text


def test_cost_arithmetic_is_computed(page):
    metrics = {m.label: m.value for m in page.metric}
    assert metrics["One full-batch step"] == "3.33 hours"
    assert metrics["100,000 full-batch steps"] == "38 years"
    assert metrics["One step with B = 32"] == "0.32 s"
    assert metrics["Mini-batch steps in the time of one full-batch step"] == "37,500"
    assert "**12,000 s**" in page_text(page)


def test_from_scratch_output_comes_from_running_it(page):
    outputs = [c.value for c in page.code if c.value.startswith("epoch")]
    assert outputs, "the from-scratch panel printed nothing"
    learned = next(line for line in outputs[0].splitlines() if "learned theta" in line)
    value = float(learned.split("=")[1])
    assert round(value, 2) == 1.90
    assert value == pytest.approx(worked.sgd_from_scratch(), abs=1e-4)
    assert "least squares = 1.9000" in outputs[0]
    assert any("Same θ as the engine" in c.value for c in page.caption)


def test_spectrum_table_uses_the_learners_n(page):
    spectrum = table_with(page, "updates per epoch ⌈N/B⌉")
    assert spectrum["updates per epoch ⌈N/B⌉"].iloc[0] == "1,200,000"
    at = open_page()
    at.number_input(key=ch01_key("spectrum:n")).set_value(100).run()
    assert not at.exception
    small = table_with(at, "updates per epoch ⌈N/B⌉")
    assert small["updates per epoch ⌈N/B⌉"].iloc[0] == "100"
    assert small["updates per epoch ⌈N/B⌉"].iloc[1] == "7 – 2"  # ⌈100/16⌉, ⌈100/64⌉
    assert "B > N" in small["updates per epoch ⌈N/B⌉"].iloc[2]


# --------------------------------------------------------------------------- widgets


def test_batch_slider_changes_the_arrows_and_variance_marker():
    at = open_page()
    before = chart(at, "Downhill arrows")
    at.slider(key=ch01_key("grad:B")).set_value(1).run()
    assert not at.exception
    after = chart(at, "Downhill arrows")
    name = next(t["name"] for t in after["data"] if "mini-batches" in (t.get("name") or ""))
    assert "B = 1" in name
    assert json.dumps(before["data"]) != json.dumps(after["data"])
    variance = chart(at, "Gradient variance")
    assert any(t.get("name") == "your B = 1" for t in variance["data"])


def test_resample_draws_new_batches_but_keeps_the_full_arrow():
    at = open_page()
    spray = chart(at, "Downhill arrows")
    at.button(key=ch01_key("grad:resample")).click().run()
    assert at.session_state[ch01_key("grad:seed")] == 1
    again = chart(at, "Downhill arrows")
    pick = lambda spec, word: next(t for t in spec["data"] if word in (t.get("name") or ""))  # noqa: E731
    assert json.dumps(pick(spray, "mini-batches")) != json.dumps(pick(again, "mini-batches"))
    assert json.dumps(pick(spray, "full batch")) == json.dumps(pick(again, "full batch"))


def test_step_three_times_then_leave_and_return():
    at = open_page()
    at.slider(key=ch01_key("grad:B")).set_value(16).run()
    for _ in range(3):
        at.button(key=ch01_key("grad:btn:step")).click().run()
    assert not at.exception
    assert step_count(at) == 3
    paths = ch01_state(at).get(logic.paths_slot("grad"))
    assert paths.steps == 3 and paths.mini_seen[-1] == 3 * 16
    full, mini = paths.full.copy(), paths.mini.copy()

    at.switch_page(OTHER).run()
    assert not at.exception
    at.switch_page(PAGE).run()
    assert not at.exception
    assert step_count(at) == 3
    assert at.slider(key=ch01_key("grad:B")).value == 16
    back = ch01_state(at).get(logic.paths_slot("grad"))
    np.testing.assert_array_equal(back.full, full)
    np.testing.assert_array_equal(back.mini, mini)
    # one more step continues from there
    at.button(key=ch01_key("grad:btn:step")).click().run()
    np.testing.assert_array_equal(ch01_state(at).get(logic.paths_slot("grad")).full[:4], full)


def test_play_precomputes_an_animation_and_reset_returns_to_the_start():
    at = open_page()
    at.button(key=ch01_key("grad:btn:play")).click().run()
    assert not at.exception
    assert step_count(at) == logic.PLAY_STEPS
    walkers = chart(at, "Two walkers")
    assert len(walkers["frames"]) == logic.PLAY_STEPS + 1
    assert walkers["layout"]["updatemenus"], "no ▶ controls"
    at.button(key=ch01_key("grad:btn:reset")).click().run()
    assert step_count(at) == 0


def test_learning_rate_change_continues_the_run():
    at = open_page()
    at.button(key=ch01_key("grad:btn:step")).click().run()
    at.button(key=ch01_key("grad:btn:step")).click().run()
    first = ch01_state(at).get(logic.paths_slot("grad")).full.copy()
    at.select_slider(key=ch01_key("paths:lr")).set_value(0.05).run()
    assert step_count(at) == 2  # a hyperparameter change keeps the run
    at.button(key=ch01_key("grad:btn:step")).click().run()
    path = ch01_state(at).get(logic.paths_slot("grad")).full
    np.testing.assert_array_equal(path[:3], first)
    prob = minibatch.make_problem()
    expected = path[2] - 0.05 * prob.full_grad(path[2])
    np.testing.assert_allclose(path[3], expected, rtol=1e-12)


def test_too_large_a_rate_diverges_and_is_labelled():
    at = open_page()
    at.select_slider(key=ch01_key("paths:lr")).set_value(1.5).run()
    at.button(key=ch01_key("grad:btn:play")).click().run()
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "diverged at step" in warnings
    walkers = chart(at, "Two walkers")
    notes = [a.get("text", "") for a in walkers["layout"].get("annotations", [])]
    assert any("diverged at step" in t for t in notes)


def test_batch_larger_than_data_is_refused_with_a_message():
    at = open_page()
    at.number_input(key=ch01_key("cost:batch")).set_value(5_000_000).run()
    assert not at.exception
    assert any("cannot hold more examples" in w.value for w in at.warning)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Mini-batch steps in the time of one full-batch step"] == "1"


def test_saddle_demo_steps_and_full_batch_stays_on_the_ridge():
    at = open_page()
    at.button(key=ch01_key("saddle:btn:play")).click().run()
    assert not at.exception
    paths = ch01_state(at).get(logic.paths_slot("saddle"))
    assert paths.steps == logic.PLAY_STEPS
    assert np.all(paths.full[:, 1] == 0.0)  # exact gradient: never leaves y = 0
    assert np.abs(paths.mini[-1, 1]) > logic.ESCAPE_Y  # noise rolled it off
    escape = table_with(at, "median steps to escape")
    assert escape["median steps to escape"].iloc[-1].startswith("never")


def test_quiz_answer_is_recorded():
    at = open_page()
    answer(at, 1, "why-subset", 1)
    assert not at.exception
    record = at.session_state[PROGRESS_KEY]["1"]["why-subset"]
    assert record["answered"] and record["correct"]
    assert any("Correct" in s.value for s in at.success)


def test_generated_question_is_graded_by_the_engine():
    for seed in range(20):
        prompt, options = generate("four_point_batch_gradient", seed)
        right = next(o for o in options if o.correct)
        batch = prompt.split("examples {")[1].split("}")[0]
        theta = float(prompt.split("At θ = ")[1].split(",")[0])
        examples = tuple(int(i) for i in batch.split(", "))
        assert float(right.text) == pytest.approx(worked.four_point_gradient(theta, examples))
        assert len(options) >= 3 and all(o.explanation for o in options)


# --------------------------------------------------------------------------- pure helpers


def test_sync_paths_resets_on_a_new_start_only():
    store: dict = {}
    state = PageState("t", store)
    paths = sections.sync_paths(state, "x", (0.0, 0.0))
    stepper = logic.regression_stepper(0.1, 4, paths.seed)
    centre, limit = simulate.runaway_limit(logic.problem())
    moved = logic.advance_paths(paths, 3, stepper, cost=(64, 4), centre=centre, limit=limit)
    state.set(logic.paths_slot("x"), moved)
    assert sections.sync_paths(state, "x", (0.0, 0.0)).steps == 3
    fresh = sections.sync_paths(state, "x", (1.0, 1.0))
    assert fresh.steps == 0 and fresh.start == (1.0, 1.0)


def test_stepping_one_at_a_time_equals_playing_a_stretch():
    centre, limit = simulate.runaway_limit(logic.problem())
    stepper = logic.regression_stepper(0.1, 4, seed=3)
    start = logic.new_paths((0.0, 0.0), seed=3)
    played = logic.advance_paths(start, 5, stepper, cost=(64, 4), centre=centre, limit=limit)
    stepped = start
    for _ in range(5):
        stepped = logic.advance_paths(stepped, 1, stepper, cost=(64, 4), centre=centre, limit=limit)
    np.testing.assert_array_equal(played.mini, stepped.mini)
    np.testing.assert_array_equal(played.full, stepped.full)
    # the full-batch path is exactly the engine's full-batch run
    full, _ = minibatch.sgd_paths(logic.problem(), (0.0, 0.0), 0.1, 5, 4)
    np.testing.assert_allclose(played.full, full, rtol=1e-12)


def test_diverged_path_freezes_where_it_left():
    centre, limit = simulate.runaway_limit(logic.problem())
    stepper = logic.regression_stepper(3.0, 4, seed=0)
    paths = logic.advance_paths(
        logic.new_paths((0.0, 0.0)), 60, stepper, cost=(64, 4), centre=centre, limit=limit
    )
    assert paths.full_diverged is not None
    k = paths.full_diverged
    assert np.all(np.isfinite(paths.full))
    np.testing.assert_array_equal(paths.full[k:], np.repeat(paths.full[k - 1 : k], 61 - k, 0))


def test_duration_and_spectrum_helpers():
    assert logic.duration_text(12_000) == "3.33 hours"
    assert logic.duration_text(0.32) == "0.32 s"
    est = logic.CostEstimate(1_200_000, 10.0, 100_000, 32)
    assert est.batch_steps_per_full_step == 37_500
    assert logic.relative_noise(1, 1000) == pytest.approx(1.0)
    assert logic.relative_noise(1000, 1000) == 0.0
    table = logic.spectrum_table(10)
    assert "B > N" in table.iloc[1, 2]


def test_a_click_moves_the_point_and_restarts_the_walkers():
    """AppTest cannot click a chart: run the chart's on_select callback on a click
    payload in a plain store, then check that the page follows the new point."""
    store: dict = {"chart": {"selection": {"points": [{"x": 1.5, "y": -0.5}]}}}
    state = PageState(logic.PAGE, store)
    bounds = logic.problem().bounds
    on_pick = clicks.point_picker(bounds, sections.point_setter(state, "grad:point"))
    clicks.register_click(state, "grad", "chart", on_pick)
    assert state.get("grad:point") == (1.5, -0.5)
    assert clicks.click_count(state, "grad") == 1
    far = {"selection": {"points": [{"x": 99.0, "y": -99.0}]}}
    store["chart"] = far
    clicks.register_click(state, "grad", "chart", on_pick)
    (x0, x1), (y0, y1) = bounds
    assert state.get("grad:point") == (round(x1, 3), round(y0, 3))  # clamped into the map
    store["chart"] = {"selection": {"points": []}}
    clicks.register_click(state, "grad", "chart", on_pick)
    assert clicks.click_count(state, "grad") == 2  # an empty click changes nothing

    at = open_page()
    at.button(key=ch01_key("grad:btn:step")).click().run()
    at.session_state[ch01_key("grad:point")] = (1.5, -0.5)
    at.run()
    assert not at.exception
    assert step_count(at) == 0
    assert ch01_state(at).get(logic.paths_slot("grad")).start == (1.5, -0.5)
    assert any("○ the current point, (1.5, -0.5)" in c.value for c in at.caption)

"""Chapter 7's figure builder and pure helpers: traces, axes, payload, engine numbers."""

import re

import numpy as np
import pytest

from chapters.ch07_schedules import logic
from core import quiz
from engine import schedules
from kit import palette
from kit.plots.base import MAX_PATH_POINTS, figure_json_size
from kit.plots.curves import schedule_figure
from kit.plots.series import Series

BUDGET = 300_000  # bytes of JSON per figure


def curves(total=1000, names=("cosine", "linear", "wsd"), peak=1e-3):
    steps = np.arange(total + 1)
    series = [
        Series(
            n,
            schedules.make(n, peak, total, warmup_steps=total // 10)(steps),
            palette.schedule_color(n),
        )
        for n in names
    ]
    return steps, series


def test_schedule_figure_draws_one_line_per_schedule_with_labelled_axes():
    steps, series = curves()
    fig = schedule_figure(steps, series, title="rates")
    assert [t.name for t in fig.data] == ["cosine", "linear", "wsd"]
    assert all(t.mode == "lines" for t in fig.data)
    assert fig.layout.xaxis.title.text == "step"
    assert fig.layout.yaxis.title.text == "learning rate η"
    assert fig.layout.showlegend is True
    assert max(float(np.max(t.y)) for t in fig.data) == pytest.approx(1e-3, rel=1e-6)


def test_normalised_view_divides_by_the_peak_and_says_so():
    steps, series = curves()
    fig = schedule_figure(steps, series, normalise_to=1e-3)
    assert "fraction of peak" in fig.layout.yaxis.title.text
    assert fig.layout.yaxis.tickformat == ".0%"
    for trace in fig.data:
        assert float(np.max(trace.y)) == pytest.approx(1.0, rel=1e-6)


def test_points_dashes_and_vertical_lines():
    steps, series = curves(names=("cosine",))
    series.append(Series("constant", np.full(steps.shape, 1e-3), logic.CONSTANT_COLOR))
    fig = schedule_figure(
        steps,
        series,
        dashed=("constant",),
        points=[(50, 5e-4, "a"), (325, 8.54e-4, "b")],
        vlines=[(100, "warmup ends")],
        current_step=200,
        x_title="batch",
    )
    assert len(fig.data) == 3  # two lines + the worked points
    assert fig.data[0].line.dash == "solid" and fig.data[1].line.dash == "dash"
    assert list(fig.data[2].x) == [50, 325] and fig.data[2].mode == "markers"
    assert len(fig.layout.shapes) == 2  # the boundary and the current step
    assert fig.layout.annotations[0].text == "warmup ends"
    assert fig.layout.xaxis.title.text == "batch"


def test_long_schedules_are_thinned_and_stay_under_the_payload_budget():
    steps, series = curves(total=1_000_000, names=schedules.NAMES)
    fig = schedule_figure(steps, series, normalise_to=1e-3)
    assert all(len(t.x) <= MAX_PATH_POINTS for t in fig.data)
    assert figure_json_size(fig) <= BUDGET


# --------------------------------------------------------------------------- helpers


def test_build_schedules_refuses_bad_settings_with_a_message():
    built, problems = logic.build_schedules(
        ["cosine"], peak=1e-3, total=1000, warmup_percent=10, min_lr=2e-3
    )
    assert built == {} and "above the peak" in problems[0]
    built, problems = logic.build_schedules(
        ["cosine"], peak=0.0, total=1000, warmup_percent=10, min_lr=0.0
    )
    assert built == {} and "above zero" in problems[0]
    built, problems = logic.build_schedules(
        ["step", "wsd"],
        peak=1e-3,
        total=1000,
        warmup_percent=10,
        min_lr=0.0,
        options={"step": {"gamma": 5.0}},
    )
    assert list(built) == ["wsd"] and "Step decay" in problems[0]


def test_build_schedules_matches_the_engine():
    built, problems = logic.build_schedules(
        list(schedules.NAMES), peak=1e-3, total=1000, warmup_percent=10, min_lr=1e-5
    )
    assert not problems and list(built) == list(schedules.NAMES)
    t = np.arange(1001)
    for name, sched in built.items():
        ref = schedules.make(name, 1e-3, 1000, warmup_steps=100, min_lr=1e-5)
        np.testing.assert_array_equal(sched(t), ref(t))


def test_cosine_worked_table_has_the_checked_numbers():
    table = logic.cosine_worked_table()
    rates = dict(zip(table["step t"], table["η (engine)"], strict=True))
    assert rates == {
        "0": "0",
        "50": "0.0005",
        "100": "0.001",
        "325": "0.000854",
        "550": "0.0005",
        "775": "0.000146",
        "1000": "0",
    }
    extra = logic.cosine_worked_table([900])
    assert "900" in list(extra["step t"]) and len(extra) == 8


def test_cosine_is_not_front_loaded():
    assert logic.decay_done("cosine", 0.25) == pytest.approx(0.1464466, abs=1e-6)
    assert logic.decay_done("cosine", 0.5) == pytest.approx(0.5, abs=1e-12)
    assert logic.decay_done("linear", 0.25) == pytest.approx(0.25, abs=1e-12)


def test_scheduler_counters():
    assert list(logic.scheduler_counter("per_batch", 2, 3)) == [0, 1, 2, 3, 4, 5]
    assert list(logic.scheduler_counter("per_epoch", 2, 3)) == [0, 0, 0, 1, 1, 1]
    assert list(logic.scheduler_counter("too_fast", 2, 3)) == [0, 3, 6, 9, 12, 15]
    assert list(logic.scheduler_counter("never", 2, 3)) == [0] * 6
    assert list(logic.scheduler_counter("before", 2, 3)) == [1, 2, 3, 4, 5, 6]
    with pytest.raises(ValueError):
        logic.scheduler_counter("sideways", 2, 3)


def test_stepping_per_epoch_never_leaves_warmup():
    result = logic.pitfall_rates(
        "cosine", "per_epoch", epochs=10, batches=100, peak=1e-3, warmup_percent=10
    )
    assert result.actual.max() == pytest.approx(1e-3 * 9 / 100)
    assert result.intended.max() == pytest.approx(1e-3)
    summary = logic.pitfall_summary(result)
    assert summary.loc["as stepped", "highest η"] == "9e-05"
    correct = logic.pitfall_rates(
        "cosine", "per_batch", epochs=10, batches=100, peak=1e-3, warmup_percent=10
    )
    np.testing.assert_array_equal(correct.actual, correct.intended)


def test_adam_first_step_and_radam_warmup_come_from_the_engine():
    update = logic.adam_first_step((50.0, 0.02), lr=1e-3)
    np.testing.assert_allclose(update, [-1e-3, -1e-3], rtol=1e-6)
    steps = logic.radam_warmup_steps(0.999)
    assert steps["first"] < steps[0.5] < steps[0.9]


def test_short_count():
    assert logic.short_count(10_000) == "10,000"
    assert logic.short_count(1_000_000) == "1M"
    assert logic.short_count(375e6) == "375M"
    assert logic.short_count(300e9) == "300B"


# --------------------------------------------------------------------------- quiz


@pytest.mark.parametrize("name", ["cosine_rate_at_step", "scheduler_per_epoch"])
def test_generated_questions_are_valid_for_many_seeds(name):
    for seed in range(60):
        prompt, options = quiz.generate(name, seed)
        question = quiz.Question(name, prompt, tuple(options))
        quiz.validate(question)
        assert len(options) >= 3


def test_cosine_question_answer_is_the_engine_rate():
    for seed in range(10):
        prompt, options = quiz.generate("cosine_rate_at_step", seed)

        def number(pattern, text=prompt):
            return re.search(pattern, text).group(1).replace(",", "")

        warm = int(number(r"W = ([\d,]+) steps"))
        total = int(number(r"T = ([\d,]+)"))
        step = int(number(r"t = ([\d,]+)"))
        peak = float(number(r"η_max = ([\d.e-]+),"))
        expected = float(schedules.make("cosine", peak, total, warmup_steps=warm)(step))
        correct = next(o for o in options if o.correct)
        assert correct.text == f"{expected:.3g}"


def test_chapter_seven_quiz_file():
    specs = quiz.load_quiz(7)
    assert len(specs) >= 4
    assert any(s.source for s in specs)
    assert sum(s.generator is not None for s in specs) >= 1
    source = next(s for s in specs if s.source)
    assert "warmup" in source.prompt.lower()


def test_the_warmup_slider_has_one_step_per_percentage_with_the_engines_curves():
    import json

    from chapters.ch07_schedules.figures import warmup_drag_figure
    from chapters.ch07_schedules.logic import build_schedules, warmup_steps_for
    from kit.plots.series import Series

    total, peak = 1000, 0.001
    steps = np.arange(0, total + 1, 10)
    percents = [0, 10, 30]
    per_percent = []
    for p in percents:
        built, problems = build_schedules(
            ["cosine", "linear"], peak=peak, total=total, warmup_percent=p, min_lr=0.0
        )
        assert not problems
        per_percent.append([Series(n, built[n](steps), "#000") for n in ("cosine", "linear")])
    warm = [warmup_steps_for(total, p) for p in percents]
    fig = warmup_drag_figure(steps, per_percent, percents, warm, 1, total=total, normalise_to=peak)
    slider = json.loads(fig.to_json())["layout"]["sliders"][0]
    assert len(slider["steps"]) == 3 and slider["active"] == 1
    for i, step in enumerate(slider["steps"]):
        data, layout, traces = step["args"]
        assert traces == [0, 1]
        for k in range(2):
            np.testing.assert_allclose(
                data["y"][k], np.asarray(per_percent[i][k].values) / peak, rtol=1e-3
            )
        assert layout["shapes[0].x0"] == warm[i]
        assert layout["shapes[0].visible"] == (0 < warm[i] < total)
        assert f"({warm[i]:,} of {total:,} steps)" in layout["title.text"]

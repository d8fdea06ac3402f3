"""Chapter 6's figure builders and pure helpers: traces, payload, axes, pick logic, demos."""

import re

import numpy as np
import pytest

from chapters.ch06_beyond_adam import figures, logic, sections
from chapters.ch06_beyond_adam.figures import StepSeries
from chapters.ch06_beyond_adam.logic import TreeNode
from core.quiz import Question, generate, validate
from engine import optimizers, transforms
from kit import clicks, palette
from kit.format import human_bytes, human_count, thousands
from kit.measure import run_fixed_gradients
from kit.plots.base import MAX_FRAMES, figure_json_size
from kit.state import PageState

BUDGET = 300_000


def tree_fig(selected="lion"):
    names = list(optimizers.NAMES)
    return figures.family_tree_figure(
        logic.tree_nodes(names),
        logic.family_edges(names),
        selected=selected,
        ticks=logic.tree_ticks(names),
        x_break=0.0,
        title="tree",
    )


# --------------------------------------------------------------------------- family tree


def test_family_tree_has_one_clickable_trace_with_every_optimizer():
    fig = tree_fig()
    assert len(fig.data) == 1
    nodes = fig.data[0]
    assert list(nodes.customdata) == list(optimizers.NAMES)
    assert fig.layout.clickmode == "event+select"
    assert fig.layout.xaxis.title.text == "year of the paper"
    assert figure_json_size(fig) <= BUDGET


def test_family_tree_draws_an_arrow_per_parent_and_highlights_the_choice():
    fig = tree_fig("sophia")
    arrows = [a for a in fig.layout.annotations if a.showarrow]
    expected = sum(len(optimizers.info(n).parents) for n in optimizers.NAMES)
    assert len(arrows) == expected == len(logic.family_edges())
    sizes = list(fig.data[0].marker.size)
    chosen = list(optimizers.NAMES).index("sophia")
    assert sizes[chosen] == max(sizes) and sizes.count(max(sizes)) == 1


def test_family_layout_follows_the_years_and_keeps_rows_apart():
    layout = logic.family_layout()
    assert set(layout) == set(optimizers.NAMES)
    by_year = sorted(optimizers.NAMES, key=lambda n: optimizers.info(n).year)
    xs = [layout[n][0] for n in by_year]
    assert xs == sorted(xs)
    # Same year (RAdam and LAMB, Lion and Sophia) never share a point.
    points = {tuple(np.round(v, 6)) for v in layout.values()}
    assert len(points) == len(layout)


def test_labels_of_close_neighbours_alternate():
    positions = logic.label_positions({"a": (1.0, 0.0), "b": (2.0, 0.0), "c": (9.0, 0.0)})
    assert positions == {"a": "top center", "b": "bottom center", "c": "top center"}


@pytest.mark.parametrize(
    "selection, expected",
    [
        ({"points": [{"customdata": "lamb", "point_index": 0}]}, "lamb"),
        ({"points": [{"customdata": ["radam"]}]}, "radam"),
        ({"points": [{"point_index": 5}]}, optimizers.NAMES[5]),
        ({"points": [{"customdata": "nonsense", "point_index": 99}]}, None),
        ({"points": []}, None),
        (None, None),
        ({}, None),
    ],
)
def test_pick_node(selection, expected):
    assert clicks.pick_name(selection, list(optimizers.NAMES)) == expected


def test_pick_node_reads_attribute_style_selections():
    class Selection:
        points = [{"customdata": "adafactor"}]

    assert clicks.pick_name(Selection(), list(optimizers.NAMES)) == "adafactor"


# --------------------------------------------------------------------------- per-item figure


def rows(n_steps=12, n_items=5, seed=0):
    return np.abs(np.random.default_rng(seed).normal(size=(n_steps, n_items))) + 1e-3


@pytest.mark.parametrize("kind", ["markers", "bars"])
def test_per_item_figure_traces_frames_and_axes(kind):
    fig = figures.per_item_figure(
        list("abcde"),
        [StepSeries("one", rows(), "#123456"), StepSeries("two", rows(seed=1), "#654321", True)],
        steps=list(range(1, 13)),
        kind=kind,
        x_title="item",
        y_title="size",
        log_y=True,
        hlines=[(0.5, "η")],
        animate_from=1,
    )
    assert len(fig.data) == 2
    assert {t.type for t in fig.data} == {"bar" if kind == "bars" else "scatter"}
    assert len(fig.frames) == 12
    assert all(list(fr.traces) == [0, 1] for fr in fig.frames)
    assert fig.frames[-1].name == "12"
    assert fig.layout.xaxis.title.text == "item"
    assert fig.layout.yaxis.title.text.startswith("size")
    assert fig.layout.yaxis.type == "log"
    lo, hi = fig.layout.yaxis.range  # one range covering every frame
    assert lo <= np.log10(rows().min()) and hi >= np.log10(rows(seed=1).max())
    assert figure_json_size(fig) <= BUDGET


def test_per_item_figure_without_animation_shows_the_last_row():
    values = rows()
    fig = figures.per_item_figure(
        [1, 2, 3, 4, 5],
        [StepSeries("one", values)],
        steps=list(range(1, 13)),
        x_title="x",
        y_title="y",
    )
    assert not fig.frames
    np.testing.assert_allclose(fig.data[0].y, values[-1], rtol=1e-6)


def test_per_item_figure_payload_for_a_long_run():
    fig = figures.per_item_figure(
        list(range(40)),
        [StepSeries("a", rows(400, 40)), StepSeries("b", rows(400, 40, 1))],
        steps=list(range(1, 401)),
        x_title="x",
        y_title="y",
        log_y=True,
        animate_from=1,
    )
    assert len(fig.frames) <= MAX_FRAMES
    assert figure_json_size(fig) <= BUDGET


def test_rectification_figure():
    steps, _, rect, first = logic.rectification_series(0.999)
    fig = figures.rectification_figure(steps, rect, first_rectified=first)
    assert len(fig.data) == 2  # the curve and the first-adaptive-step marker
    assert fig.layout.xaxis.type == "log"
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text
    assert len(fig.layout.shapes) == 2  # the shaded momentum-only band and r = 1
    assert f"t = {first}" in fig.data[1].text[0]
    assert figure_json_size(fig) <= BUDGET


def test_bar_figure_accepts_custom_texts():
    fig = figures.bar_figure(["a", "b"], [1.0, np.nan], texts=["1 kB", "x"])
    assert list(fig.data[0].text) == ["1 kB", "—"]


def test_tree_node_defaults():
    node = TreeNode("sgd", "SGD", 0.0, 0.0)
    assert node.text_position == "top center" and node.color == palette.FALLBACK_COLOR


# --------------------------------------------------------------------------- pure helpers


def test_latex_lines_splits_only_at_top_level():
    text = logic.latex_lines(optimizers.info("adafactor").update_latex)
    assert text.startswith(r"\begin{gathered}")
    assert text.count(r" \\ ") == 4  # five equations
    assert r"\max(1,\ \mathrm{RMS}(U_t)/d)" in text  # the comma inside max() is kept
    assert logic.latex_lines(optimizers.info("sgd").update_latex) == (
        optimizers.info("sgd").update_latex
    )


def test_human_units():
    assert human_bytes(1.4e12) == "1.4 TB"
    assert human_bytes(32_768) == "32.8 kB"
    assert human_count(16_777_216) == "16,777,216"
    assert human_count(3.5e11) == "3.5 × 10¹¹"
    assert thousands(4615.4, 3) == "4,615" and thousands(16.72, 3) == "16.7"


@pytest.mark.parametrize(
    "rows_, cols_, ok",
    [(4096, 4096, True), (1, 7, True), (0, 5, False), (5, -1, False), (2.5, 3, False)],
)
def test_matrix_size_problem(rows_, cols_, ok):
    assert (logic.matrix_size_problem(rows_, cols_) is None) == ok


def test_gpt3_estimate_adds_up_to_175_billion():
    table, totals = logic.gpt3_memory()
    assert abs(totals["weights"] - 175e9) / 175e9 < 0.01
    assert totals["adam"] == 2 * totals["weights"]
    assert 0 < totals["adafactor_vectors"] < totals["adafactor"] < totals["weights"] / 1000
    assert table.iloc[-1]["tensor"] == "total"
    headline = optimizers.factored_state_numbers(logic.GPT3_PARAMS, 1)
    assert human_bytes(4 * headline["adam"]) == "1.4 TB"


def test_radam_first_adaptive_step():
    _, rho, rect, first = logic.rectification_series(0.999)
    assert first == 6
    rho_t, r_t = transforms.radam_rectification(0.999, np.arange(1, 7))
    assert np.all(np.isnan(r_t[:5])) and np.isfinite(r_t[5]) and rho_t[5] > 5


# --------------------------------------------------------------------------- demo runs


def test_stepping_one_at_a_time_repeats_a_played_run():
    for problem, opt, hp in (
        ("lion", "lion", {"lr": 0.01}),
        ("lamb", "lamb", {"lr": 0.01, "eps": 1e-6, "weight_decay": 0.0}),
        ("sophia", "sophia", {"lr": 0.05, "rho": 1.0, "update_period": 2}),
    ):
        stepped = logic.start_vec(opt, hp, problem)
        for _ in range(5):
            stepped = logic.advance_vec(stepped, 1)
        played = logic.advance_vec(logic.start_vec(opt, hp, problem), 5, play=True)
        assert stepped.steps == played.steps == 5 and played.play_from == 1
        assert stepped.losses == played.losses
        assert int(played.opt_state["t"]) == 5


def test_lion_moves_every_weight_by_exactly_eta_and_lamb_by_eta_of_its_norm():
    lion = logic.advance_vec(logic.start_vec("lion", {"lr": 0.003}, "lion"), 7)
    assert all(np.all(r["abs_update"] == 0.003) for r in lion.records)
    adam = logic.advance_vec(logic.start_vec("adam", {"lr": 0.003}, "lion"), 7)
    assert np.unique(adam.records[-1]["abs_update"]).size > 1

    hp = {"lr": 0.02, "eps": 1e-6, "weight_decay": 0.0}
    lamb = logic.advance_vec(logic.start_vec("lamb", hp, "lamb"), 3)
    np.testing.assert_allclose(lamb.records[-1]["relative_step"], 0.02, rtol=1e-9)
    adamw = logic.advance_vec(logic.start_vec("adamw", hp, "lamb"), 1)
    first = adamw.records[0]["relative_step"]
    assert first.max() / first.min() > 100  # the tiny bias vs the embedding


def test_sophia_records_clipping():
    run = logic.advance_vec(
        logic.start_vec("sophia", {"lr": 0.05, "rho": 1.0, "update_period": 10}, "sophia"), 3
    )
    rec = run.records[-1]
    assert rec["clipped"].dtype == bool and rec["clipped"].size == logic.SOPHIA_CURVATURE.size
    np.testing.assert_allclose(rec["abs_update"][rec["clipped"]], 0.05)
    assert np.all(rec["abs_unclipped"][rec["clipped"]] > 0.05)
    np.testing.assert_allclose(
        rec["abs_update"][~rec["clipped"]], rec["abs_unclipped"][~rec["clipped"]]
    )


def test_sync_vec_retunes_without_losing_buffers():
    ps = PageState("ch06", store={})
    run = sections.sync_vec(ps, "x", "lion", {"lr": 0.01}, "lion", initial_steps=4)
    assert run.steps == 4 and run.play_from == 1
    state_before = run.opt_state
    run = sections.sync_vec(ps, "x", "lion", {"lr": 0.02}, "lion")
    assert run.steps == 4 and run.hyperparams["lr"] == 0.02
    np.testing.assert_array_equal(run.opt_state["m"], state_before["m"])
    run = sections.sync_vec(ps, "x", "adam", {"lr": 0.02}, "lion", initial_steps=0)
    assert run.steps == 0 and run.optimizer == "adam"


# --------------------------------------------------------------------------- quiz generators


@pytest.mark.parametrize("name", ["adafactor_state_ratio", "lion_two_steps"])
def test_generated_questions_are_valid_and_engine_graded(name):
    for seed in range(60):
        prompt, options = generate(name, seed)
        validate(Question("q", prompt, tuple(options)))
        assert sum(o.correct for o in options) == 1
        assert all(o.explanation for o in options)


def test_lion_question_answer_comes_from_the_engine():
    for seed in range(10):
        prompt, options = generate("lion_two_steps", seed)
        correct = next(o for o in options if o.correct)
        found = re.search(
            r"θ = (\S+) with m = 0 and η = (\S+)\. It sees the gradient (\S+), then (\S+)\.",
            prompt,
        )
        theta0, lr, g1, g2 = (float(v) for v in found.groups())
        thetas, _ = run_fixed_gradients("lion", {"lr": lr}, theta0, [g1, g2])
        assert correct.text == f"{thetas[1]:.4g}"

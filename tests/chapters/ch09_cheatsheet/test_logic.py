"""Chapter 9's pure parts: the decision tree and its walk, the layout, the figures, the
tables, the measured sensitivity and the quiz generators."""

import json
import math

import numpy as np
import pytest

from chapters.ch09_cheatsheet import figures, logic
from chapters.ch09_cheatsheet import tree as flow_tree
from core import quiz
from core.quiz import generate
from engine import optimizers, schedules
from kit import clicks
from kit.format import format_rate, human_bytes
from kit.measure import averaging_window
from kit.plots.base import figure_json_size

SHEET = flow_tree.load_cheatsheet()
TREE = SHEET.tree
RANGES = {h.key: h.typical for h in SHEET.hyperparameters}


def node(node_id, kind="recommendation", **kw):
    raw = {"id": node_id, "kind": kind, **kw}
    if kind == "question":
        raw.setdefault("label", node_id)
        raw.setdefault("question", f"{node_id}?")
    else:
        raw.setdefault("situation", node_id)
        raw.setdefault("optimizer", "adamw")
        raw.setdefault("lr", [1e-4, 1e-3])
        raw.setdefault("schedule", "cosine")
    return raw


def small_tree(**overrides):
    nodes = [
        node("root", "question"),
        node("a", parent="root", answer="A", edge="a"),
        node("q", "question", parent="root", answer="B", edge="b"),
        node("c", parent="q", answer="C", edge="c"),
        node("d", parent="q", answer="D", edge="d", optimizer="lion"),
    ]
    for i, raw in enumerate(nodes):
        nodes[i] = {**raw, **overrides.get(raw["id"], {})}
    return nodes


# --------------------------------------------------------------------------- the tree


def test_the_course_tree_loads_and_covers_the_brief():
    questions = [n for n in TREE.nodes.values() if n.is_question]
    leaves = TREE.leaves()
    assert len(questions) >= 6 and len(leaves) >= 10
    used = {TREE.node(leaf).optimizer for leaf in leaves}
    assert {"adamw", "adam", "lamb", "lars", "lion", "adafactor", "adagrad", "nesterov"} <= used
    for leaf in leaves:  # every leaf is a recommendation with an engine optimizer/schedule
        n = TREE.node(leaf)
        assert not n.is_question and n.optimizer in optimizers.NAMES
        assert n.schedule in schedules.NAMES and n.lr[0] > 0 and n.tag


@pytest.mark.parametrize("leaf", TREE.leaves())
def test_walking_the_answers_to_a_leaf_reaches_it(leaf):
    answers = TREE.answers_to(leaf)
    walk = TREE.walk(answers)
    assert walk.recommendation == leaf and walk.question is None
    assert walk.path == TREE.path_to(leaf) and walk.used == len(answers)


def test_partial_and_invalid_walks_stop_at_a_question():
    start = TREE.walk([])
    assert start.path == (TREE.root,) and start.question == TREE.root and start.used == 0
    first = TREE.node(TREE.children[TREE.root][0])
    partial = TREE.walk([first.answer])
    assert partial.used == 1 and partial.path[-1] == first.id
    assert partial.question == first.id and partial.recommendation is None
    bad = TREE.walk([first.answer, "not an answer", "anything"])
    assert bad.used == 1 and bad.path == partial.path
    leaf = TREE.leaves()[0]
    beyond = TREE.walk([*TREE.answers_to(leaf), "extra"])
    assert beyond.recommendation == leaf  # answers after a leaf are ignored


def test_child_for_and_leaves_under():
    q = TREE.root
    for child in TREE.children[q]:
        assert TREE.child_for(q, TREE.node(child).answer) == child
    assert TREE.child_for(q, "nope") is None
    assert set(TREE.leaves("lm-memory")) == {"llm", "lamb", "lion", "adafactor"}


def test_small_tree_walk():
    tree = flow_tree.build_tree(small_tree())
    assert tree.walk(["B", "D"]).recommendation == "d"
    assert tree.walk(["A"]).recommendation == "a"
    assert tree.depth("d") == 2 and tree.leaves() == ["a", "c", "d"]


@pytest.mark.parametrize(
    "change, message",
    [
        ({"a": {"id": "q"}}, "duplicate"),
        ({"a": {"parent": None}}, "one root"),
        ({"a": {"parent": "nowhere"}}, "unknown parent"),
        ({"c": {"parent": "a"}}, "not a question"),
        ({"d": {"answer": "C"}}, "same answer"),
        ({"d": {"optimizer": "adamx"}}, "unknown optimizer"),
        ({"d": {"schedule": "zigzag"}}, "unknown schedule"),
        ({"d": {"lr": [1e-3, 1e-4]}}, "low ≤ high"),
        ({"d": {"lr": [0.0, 1e-4]}}, "> 0"),
        ({"d": {"lr_first": 1.0}}, "inside lr"),
        ({"d": {"kind": "branch"}}, "kind"),
        ({"c": {"answer": ""}}, "answer"),
    ],
)
def test_bad_trees_are_refused(change, message):
    with pytest.raises(ValueError, match=message):
        flow_tree.build_tree(small_tree(**change))


def test_a_question_with_one_answer_is_refused():
    nodes = [n for n in small_tree() if n["id"] != "d"]
    with pytest.raises(ValueError, match="at least two"):
        flow_tree.build_tree(nodes)


def test_parse_cheatsheet_refuses_bad_toml_and_unknown_defaults():
    with pytest.raises(ValueError, match="TOML"):
        flow_tree.parse_cheatsheet("nodes = [")
    text = flow_tree.CONTENT_PATH.read_text(encoding="utf-8").replace(
        '"adam.beta1"', '"adam.gamma"'
    )
    with pytest.raises(ValueError, match="no engine default"):
        flow_tree.parse_cheatsheet(text)


# --------------------------------------------------------------------------- layout and figure


def test_flow_layout_is_an_outline_one_row_per_node():
    """Depth-first rows: the root on top, each question right above its answers, each
    branch a block of consecutive rows, indented by depth."""
    where = flow_tree.flow_layout(TREE)
    assert where[TREE.root] == (0.0, 0.0)
    assert sorted(y for _, y in where.values()) == list(range(len(TREE.nodes)))
    for node_id, (x, y) in where.items():
        assert x == TREE.depth(node_id)
        below = [where[n][1] for n in TREE.nodes if node_id in TREE.path_to(n)]
        assert sorted(below) == list(range(int(y), int(y) + len(below)))  # a block
    for q, kids in TREE.children.items():
        rows = [where[k][1] for k in kids]
        assert rows == sorted(rows) and all(r > where[q][1] for r in rows)


# The flowchart's width on a phone (430 px less the page's padding) and on a desktop.
FLOW_WIDTHS = (398, 940)


@pytest.mark.parametrize("width", FLOW_WIDTHS)
def test_no_two_flowchart_labels_overlap_and_none_is_cut_off(width):
    nodes, _ = flow_tree.flow_figure_parts(TREE)
    boxes = flow_tree.flow_label_boxes(nodes, width)
    plot_width = width - 2 * flow_tree.FLOW_MARGIN_PX
    ids = list(boxes)
    for i, a in enumerate(ids):
        marker, text = boxes[a]
        assert not flow_tree.overlaps(marker, text)
        assert marker[0] >= 0, f"{a}'s marker is cut at the left edge"
        assert text[0] >= 0 and text[2] <= plot_width, f"{a}'s label runs off the chart"
        for b in ids[i + 1 :]:
            for box_a in boxes[a]:
                for box_b in boxes[b]:
                    assert not flow_tree.overlaps(box_a, box_b), f"{a} and {b} overlap"


def test_the_overlap_check_catches_labels_on_one_line():
    crowded = [
        flow_tree.FlowNode("a", "Memory-limited?", 1.0, 2.0, answer="from scratch"),
        flow_tree.FlowNode("b", "Fine-tuning?", 1.5, 2.1),
    ]
    boxes = flow_tree.flow_label_boxes(crowded, 398)
    assert flow_tree.overlaps(boxes["a"][1], boxes["b"][1])


def test_the_flowchart_gives_every_row_its_height():
    nodes, edges = flow_tree.flow_figure_parts(TREE)
    fig = figures.decision_tree_figure(nodes, edges, height=100)
    assert fig.layout.height >= len(TREE.nodes) * flow_tree.FLOW_ROW_PX
    assert figures.decision_tree_figure(nodes, edges, height=2000).layout.height == 2000
    rows = [f" {n.answer} → {n.label}" for n in nodes if n.answer]
    assert set(fig.data[2].text) == set(rows)  # nothing on the path: no bold


def flowchart(path):
    nodes, edges = flow_tree.flow_figure_parts(TREE)
    return figures.decision_tree_figure(nodes, edges, path=path)


def test_decision_tree_figure_draws_the_path_in_colour():
    leaf = "finetune"
    path = TREE.path_to(leaf)
    fig = flowchart(path)
    faded, taken, labels, nodes = fig.data
    assert len(fig.data) == 4
    assert taken.line.color == flow_tree.FLOW_PATH_COLOR and taken.line.width > faded.line.width
    # one elbow (4 points + a gap) per edge on the path, the rest faded
    n_edges = len(TREE.nodes) - 1
    assert len(taken.x) == 5 * (len(path) - 1)
    assert len(faded.x) == 5 * (n_edges - (len(path) - 1))
    assert taken.customdata is None and faded.customdata is None  # lines pick nothing
    ids = list(nodes.customdata)
    assert set(ids) == set(TREE.nodes)
    bright = {ids[i] for i, o in enumerate(nodes.marker.opacity) if o == 1.0}
    assert bright == set(path)  # a leaf opens nothing: only the path stays bright
    assert set(labels.customdata) == set(TREE.nodes) - {TREE.root}
    assert figure_json_size(fig) < 300_000


def test_decision_tree_figure_keeps_the_open_answers_bright():
    fig = flowchart((TREE.root,))
    nodes = fig.data[3]
    bright = {nodes.customdata[i] for i, o in enumerate(nodes.marker.opacity) if o == 1.0}
    assert bright == {TREE.root, *TREE.children[TREE.root]}
    assert len(fig.data[1].x) == 0  # nothing taken yet


def test_pick_flow_node_reads_node_ids_only():
    ids = list(TREE.nodes)
    assert clicks.pick_name({"points": [{"customdata": "lars"}]}, ids, by_index=False) == "lars"
    assert clicks.pick_name({"points": [{"customdata": ["vit"]}]}, ids, by_index=False) == "vit"
    assert clicks.pick_name({"points": [{"point_index": 3}]}, ids, by_index=False) is None  # a line
    assert clicks.pick_name({"points": [{"customdata": "elsewhere"}]}, ids, by_index=False) is None
    assert clicks.pick_name({"points": []}, ids, by_index=False) is None
    assert clicks.pick_name(None, ids, by_index=False) is None
    assert clicks.pick_name("garbage", ids, by_index=False) is None


def test_spread_figure_rows_axes_and_divergence():
    rows = [
        logic.SpreadRow(
            "η",
            np.array([0.1, 1.0, 10.0]),
            np.array([1.0, 1e-6, 5.0]),
            np.array([False, False, True]),
        ),
        logic.SpreadRow(
            "ε", np.array([1e-8, 1e-6]), np.array([0.5, 0.5]), np.array([False, False])
        ),
    ]
    fig = figures.spread_figure(rows, floor=1e-12, title="t")
    names = [t.name for t in fig.data]
    assert names == ["spread", "η", "η: diverged", "ε"]
    assert fig.layout.xaxis.type == "log"
    assert "final loss" in fig.layout.xaxis.title.text
    assert fig.layout.yaxis.title.text
    texts = [a.text for a in fig.layout.annotations]
    assert texts == ["6.0 decades", "no change"]
    assert figure_json_size(fig) < 300_000


# --------------------------------------------------------------------------- numbers and tables


@pytest.mark.parametrize(
    "value, text",
    [
        (3e-4, "3e-4"),
        (2.5e-4, "2.5e-4"),
        (1e-3, "1e-3"),
        (5e-3, "5e-3"),
        (0.01, "0.01"),
        (0.1, "0.1"),
        (30.0, "30"),
        (1e-8, "1e-8"),
        (0.0, "0"),
        (1.0, "1"),
    ],
)
def test_fmt_rate(value, text):
    assert format_rate(value, "practice") == text


def test_state_bytes_per_weight_comes_from_the_engine():
    shape = logic.MATRIX_SHAPE
    for name in optimizers.NAMES:
        expected = optimizers.state_bytes(name, shape) / (shape[0] * shape[1])
        assert logic.state_bytes_per_weight(name) == pytest.approx(expected)
    assert logic.state_bytes_per_weight("sgd") == 0
    assert logic.state_bytes_per_weight("adam") == 2 * logic.state_bytes_per_weight("lion") == 8
    assert logic.state_bytes_per_weight("adafactor") < 0.01


def test_reference_tables_follow_the_engine():
    ref = logic.optimizer_reference_table()
    assert len(ref) == len(optimizers.NAMES)
    adam = ref[ref["Optimizer"].str.startswith("Adam (")].iloc[0]
    assert adam["Year"] == str(optimizers.info("adam").year)
    assert adam["State per weight (fp32)"].startswith("8 bytes")
    recipes = logic.recipes_table(TREE)
    assert len(recipes) == len(TREE.leaves())
    lamb = recipes[recipes["Optimizer"] == "LAMB"].iloc[0]
    assert lamb["Peak learning rate"] == logic.fmt_range(TREE.node("lamb").lr)
    hyper = logic.hyperparameter_table(SHEET.hyperparameters).set_index("Hyperparameter")
    assert hyper.loc["η (learning rate)", "Default (engine)"] == "1e-3 (Adam), 0.1 (SGD)"
    beta2 = hyper.loc["β₂ (second moment)"]
    assert beta2["Typical range"] == "0.95 – 0.9999"  # not the source's 0.99 lower end
    assert "1000 steps" in beta2["Memory of the average"]
    defaults = logic.optimizer_defaults_table().set_index("Optimizer")
    assert defaults.loc["Lion", "rate η"] == format_rate(
        optimizers.info("lion").defaults["lr"], "practice"
    )


def test_lamb_recipe_scales_with_the_square_root_of_the_batch():
    assert "square root" in TREE.node("lamb").lr_note


def test_schedule_curve_and_words():
    llm = TREE.node("llm")
    steps, rates = logic.schedule_curve(llm, total=1000)
    assert rates.max() == pytest.approx(1.0)
    assert rates[0] == 0.0 and rates[-1] == pytest.approx(llm.min_lr)
    assert int(np.argmax(rates)) == round(llm.warmup * 1000)
    assert logic.schedule_short(llm) == "1% warmup + cosine to 10% of peak"
    assert "no warmup" in logic.schedule_words(TREE.node("gan"))


def test_recommendation_settings_use_engine_defaults_unless_set():
    gan = dict(logic.recommendation_settings(TREE.node("gan")))
    assert gan["β₁"] == "0.5" and gan["ε"] == "1e-8 (default)"
    cnn = dict(logic.recommendation_settings(TREE.node("cnn")))
    assert cnn["momentum β"] == "0.9"


def test_scaled_rates():
    rates = logic.scaled_rates(0.1, 256, 1024)
    assert rates["ratio"] == 4 and rates["linear"] == pytest.approx(0.4)
    assert rates["sqrt"] == pytest.approx(0.2)


def test_averaging_window():
    assert averaging_window(0.9) == pytest.approx(10)
    assert averaging_window(0.999) == pytest.approx(1000)
    assert math.isinf(averaging_window(1.0))


# --------------------------------------------------------------------------- measured priority


@pytest.mark.parametrize("landscape", logic.SENSITIVITY_LANDSCAPES)
def test_the_learning_rate_moves_the_final_loss_most(landscape):
    result = logic.measure_sensitivity(landscape, 300, RANGES)
    labels = [r.label for r in result.rows]
    assert labels == [logic.SWEPT_LABELS[k] for k in logic.SWEPT]
    lr_row = result.rows[0]
    assert result.best_lr in lr_row.values
    spread = {label: result.decades(label) for label in labels}
    assert max(spread, key=spread.get) == logic.SWEPT_LABELS["lr"]
    assert spread["ε"] < 0.05  # ε across its range changes nothing


def test_sweep_values_cover_the_typical_range():
    lrs = logic.sweep_values("lr", (1e-5, 1.0), 6)
    assert lrs[0] == pytest.approx(1e-5) and lrs[-1] == pytest.approx(1.0)
    betas = logic.sweep_values("beta2", (0.95, 0.9999), 5)
    assert betas[0] == pytest.approx(0.95) and betas[-1] == pytest.approx(0.9999)
    assert np.all(np.diff(betas) > 0)


# --------------------------------------------------------------------------- quiz


def test_chapter_9_quiz_has_the_lesson_question_and_generators():
    specs = quiz.load_quiz(9)
    assert len(specs) >= 4
    assert any(s.source and "BERT" in s.prompt for s in specs)
    assert {s.generator for s in specs if s.generator} >= {
        "cheatsheet_flowchart_walk",
        "cheatsheet_optimizer_memory",
    }
    for spec in specs:
        for seed in range(25):
            question = spec.build(seed)
            quiz.validate(question)
            if not spec.generator:
                break


@pytest.mark.parametrize("seed", range(20))
def test_flowchart_question_is_graded_by_the_walk(seed):
    prompt, options = generate("cheatsheet_flowchart_walk", seed)
    inner = prompt.split(": ", 1)[1].rsplit(". Which", 1)[0]
    answers = [a.strip("“”") for a in inner.split(" → ")]
    reached = TREE.node(TREE.walk(answers).recommendation)
    right = next(o for o in options if o.correct)
    assert right.text.startswith(flow_tree.recipe_name(reached.optimizer))
    assert logic.fmt_range(reached.lr) in right.text
    assert all(o.explanation for o in options)


@pytest.mark.parametrize("seed", range(20))
def test_memory_question_is_graded_by_the_engine(seed):
    prompt, options = generate("cheatsheet_optimizer_memory", seed)
    name = next(
        n for n in optimizers.NAMES if f"trained with {optimizers.info(n).display_name}." in prompt
    )
    millions = int(prompt.split("has ")[1].split(" million")[0].replace(",", ""))
    expected = logic.state_bytes_per_weight(name) * millions * 1e6
    right = next(o for o in options if o.correct)
    assert right.text == human_bytes(expected)
    assert len({o.text for o in options}) == len(options) >= 3


def test_figures_serialise():
    fig = flowchart(TREE.path_to("lars"))
    json.loads(fig.to_json())

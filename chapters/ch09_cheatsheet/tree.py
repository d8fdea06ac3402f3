"""The cheat sheet's decision tree: read from ``content/cheatsheet.toml`` (with the
hyperparameter ranges, the tuning priority and the chapter takeaways), walked by a
learner's answers, and laid out for the flowchart. Pure: no Streamlit, no Plotly.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from engine import optimizers, schedules
from kit import palette

CONTENT_PATH = Path(__file__).resolve().parents[2] / "content" / "cheatsheet.toml"


def recipe_name(optimizer: str) -> str:
    """The optimizer's name as a learner meets it in a recipe (its engine spec says)."""
    return optimizers.info(optimizer).recipe_name


# --------------------------------------------------------------------------- the tree


@dataclass(frozen=True)
class Node:
    """A question (it has children) or a recommendation (a leaf) of the decision tree."""

    id: str
    kind: str  # "question" | "recommendation"
    parent: str | None = None
    answer: str = ""  # the answer to the parent's question that leads here
    edge: str = ""  # that answer in two or three words, drawn on the flowchart
    label: str = ""  # a question's short form on the flowchart
    question: str = ""  # a question in full, above its answer buttons
    # recommendation fields
    situation: str = ""
    tag: str = ""  # the situation in a word or two, next to the flowchart's leaf
    optimizer: str = ""
    lr: tuple[float, float] = (0.0, 0.0)
    lr_first: float | None = None
    lr_note: str = ""
    schedule: str = ""
    warmup: float = 0.0  # fraction of the run
    min_lr: float = 0.0  # fraction of the peak
    weight_decay: tuple[float, float] = (0.0, 0.0)
    settings: dict[str, float] = field(default_factory=dict)  # beta1, beta2, eps, clip
    why: str = ""

    @property
    def is_question(self) -> bool:
        return self.kind == "question"

    @property
    def graph_label(self) -> str:
        if self.is_question:
            return self.label
        name = optimizers.info(self.optimizer).short_name  # the crowded flowchart's form
        return f"{name} · {self.tag}" if self.tag else name


@dataclass(frozen=True)
class Walk:
    """Where a sequence of answers leads: the nodes visited, and what comes next.

    ``recommendation`` is the leaf reached (None while a question is open);
    ``question`` the open question (None at a leaf); ``used`` how many answers were
    valid (a walk stops at the first answer the current question does not offer).
    """

    path: tuple[str, ...]
    question: str | None
    recommendation: str | None
    used: int


@dataclass(frozen=True)
class DecisionTree:
    nodes: dict[str, Node]
    children: dict[str, tuple[str, ...]]
    root: str

    def node(self, node_id: str) -> Node:
        return self.nodes[node_id]

    def path_to(self, node_id: str) -> tuple[str, ...]:
        """Node ids from the root to ``node_id`` (KeyError for an unknown id)."""
        path = [node_id]
        while (parent := self.nodes[path[-1]].parent) is not None:
            path.append(parent)
        return tuple(reversed(path))

    def answers_to(self, node_id: str) -> tuple[str, ...]:
        """The answers that lead from the root to ``node_id``."""
        return tuple(self.nodes[n].answer for n in self.path_to(node_id)[1:])

    def child_for(self, question: str, answer: str) -> str | None:
        """The node that ``answer`` to ``question`` leads to (None if it is not an option)."""
        for child in self.children.get(question, ()):
            if self.nodes[child].answer == answer:
                return child
        return None

    def walk(self, answers: Sequence[str]) -> Walk:
        """Follow ``answers`` from the root; stop at a leaf or at the first invalid answer."""
        path = [self.root]
        used = 0
        for answer in answers:
            current = path[-1]
            if not self.nodes[current].is_question:
                break
            child = self.child_for(current, answer)
            if child is None:
                break
            path.append(child)
            used += 1
        end = self.nodes[path[-1]]
        return Walk(
            path=tuple(path),
            question=end.id if end.is_question else None,
            recommendation=None if end.is_question else end.id,
            used=used,
        )

    def leaves(self, under: str | None = None) -> list[str]:
        """Recommendation ids in depth-first order (all, or those below node ``under``)."""
        out: list[str] = []

        def visit(node_id: str) -> None:
            kids = self.children.get(node_id, ())
            if not kids:
                out.append(node_id)
            for kid in kids:
                visit(kid)

        visit(self.root if under is None else under)
        return out

    def depth(self, node_id: str) -> int:
        return len(self.path_to(node_id)) - 1


@dataclass(frozen=True)
class Hyperparameter:
    key: str
    symbol: str
    typical: tuple[float, float]
    controls: str
    default_from: tuple[str, ...] = ()
    window: bool = False  # a β: show the averaging window 1/(1−β)
    as_percent: bool = False
    integer: bool = False


@dataclass(frozen=True)
class Priority:
    name: str
    what: str


@dataclass(frozen=True)
class CheatSheet:
    tree: DecisionTree
    hyperparameters: tuple[Hyperparameter, ...]
    priority: tuple[Priority, ...]
    takeaways: dict[int, str]


_SETTINGS = ("beta1", "beta2", "eps", "clip")


def _pair(value: Any, what: str) -> tuple[float, float]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise ValueError(f"{what} must be a [low, high] pair, got {value!r}")
    low, high = (float(v) for v in value)
    if not (math.isfinite(low) and math.isfinite(high)) or low < 0 or high < low:
        raise ValueError(f"{what} must satisfy 0 ≤ low ≤ high, got {value!r}")
    return low, high


def _parse_node(raw: Mapping[str, Any]) -> Node:
    node_id = str(raw["id"])
    kind = str(raw.get("kind", ""))
    if kind not in ("question", "recommendation"):
        raise ValueError(f"node {node_id!r}: kind must be question or recommendation")
    common = {
        "id": node_id,
        "kind": kind,
        "parent": raw.get("parent"),
        "answer": str(raw.get("answer", "")),
        "edge": str(raw.get("edge", "")),
    }
    if kind == "question":
        return Node(**common, label=str(raw["label"]), question=str(raw["question"]))
    optimizer = str(raw["optimizer"])
    if optimizer not in optimizers.NAMES:
        raise ValueError(f"node {node_id!r}: unknown optimizer {optimizer!r}")
    schedule = str(raw["schedule"])
    if schedule not in schedules.NAMES:
        raise ValueError(f"node {node_id!r}: unknown schedule {schedule!r}")
    lr = _pair(raw["lr"], f"node {node_id!r}: lr")
    if lr[0] <= 0:
        raise ValueError(f"node {node_id!r}: the learning rate must be > 0")
    warmup, min_lr = float(raw.get("warmup", 0.0)), float(raw.get("min_lr", 0.0))
    if not (0 <= warmup < 1 and 0 <= min_lr <= 1):
        raise ValueError(f"node {node_id!r}: warmup in [0, 1) and min_lr in [0, 1] please")
    lr_first = raw.get("lr_first")
    if lr_first is not None and not lr[0] <= float(lr_first) <= lr[1]:
        raise ValueError(f"node {node_id!r}: lr_first must lie inside lr")
    return Node(
        **common,
        situation=str(raw["situation"]),
        tag=str(raw.get("tag", "")),
        optimizer=optimizer,
        lr=lr,
        lr_first=None if lr_first is None else float(lr_first),
        lr_note=str(raw.get("lr_note", "")),
        schedule=schedule,
        warmup=warmup,
        min_lr=min_lr,
        weight_decay=_pair(raw.get("weight_decay", [0.0, 0.0]), f"node {node_id!r}: weight_decay"),
        settings={k: float(raw[k]) for k in _SETTINGS if k in raw},
        why=str(raw.get("why", "")),
    )


def build_tree(raw_nodes: Sequence[Mapping[str, Any]]) -> DecisionTree:
    """A validated tree: unique ids, one root, known parents, ≥ 2 answers per question,
    distinct answers per question, questions never leaves, recommendations always leaves."""
    nodes: dict[str, Node] = {}
    for raw in raw_nodes:
        node = _parse_node(raw)
        if node.id in nodes:
            raise ValueError(f"duplicate node id {node.id!r}")
        nodes[node.id] = node
    roots = [n.id for n in nodes.values() if n.parent is None]
    if len(roots) != 1:
        raise ValueError(f"the tree needs exactly one root, found {roots}")
    children: dict[str, list[str]] = {n: [] for n in nodes}
    for node in nodes.values():
        if node.parent is None:
            continue
        if node.parent not in nodes:
            raise ValueError(f"node {node.id!r}: unknown parent {node.parent!r}")
        if not nodes[node.parent].is_question:
            raise ValueError(f"node {node.id!r}: its parent {node.parent!r} is not a question")
        if not node.answer or not node.edge:
            raise ValueError(f"node {node.id!r}: needs the answer (and edge) leading to it")
        children[node.parent].append(node.id)
    for node_id, kids in children.items():
        if nodes[node_id].is_question:
            if len(kids) < 2:
                raise ValueError(f"question {node_id!r} needs at least two answers")
            answers = [nodes[k].answer for k in kids]
            if len(set(answers)) != len(answers):
                raise ValueError(f"question {node_id!r} offers the same answer twice")
    tree = DecisionTree(nodes, {k: tuple(v) for k, v in children.items()}, roots[0])
    reachable = set(tree.leaves()) | {
        n for leaf in tree.leaves() for n in tree.path_to(leaf)
    }  # path_to also rejects cycles by raising on a missing node
    if reachable != set(nodes):
        raise ValueError(f"unreachable nodes: {sorted(set(nodes) - reachable)}")
    return tree


def parse_cheatsheet(text: str) -> CheatSheet:
    """The cheat sheet from TOML text (raises ValueError with a readable reason)."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"cheat sheet is not valid TOML: {exc}") from exc
    try:
        tree = build_tree(doc.get("nodes", []))
        hyper = tuple(
            Hyperparameter(
                key=str(h["key"]),
                symbol=str(h["symbol"]),
                typical=_pair(h["typical"], f"hyperparameter {h['key']!r}: typical"),
                controls=str(h["controls"]),
                default_from=tuple(h.get("default_from", ())),
                window=bool(h.get("window", False)),
                as_percent=bool(h.get("as_percent", False)),
                integer=bool(h.get("integer", False)),
            )
            for h in doc.get("hyperparameters", [])
        )
        priority = tuple(Priority(str(p["name"]), str(p["what"])) for p in doc.get("priority", []))
        takeaways = {int(k): str(v) for k, v in doc.get("takeaways", {}).items()}
    except KeyError as exc:
        raise ValueError(f"cheat sheet entry is missing {exc}") from exc
    for h in hyper:
        for source in h.default_from:
            name, _, key = source.partition(".")
            if name not in optimizers.NAMES or key not in optimizers.info(name).defaults:
                raise ValueError(f"hyperparameter {h.key!r}: no engine default {source!r}")
    return CheatSheet(tree, hyper, priority, takeaways)


@cache
def load_cheatsheet() -> CheatSheet:
    return parse_cheatsheet(CONTENT_PATH.read_text(encoding="utf-8"))


FLOW_PATH_COLOR = "#d1495b"  # the taken path through the decision flowchart
FLOW_QUESTION_COLOR = "#2f6690"
FLOW_FADED = "#c9c9c9"

# The flowchart is an indented outline: one row per node (depth-first, a question above
# its answers), indented by depth, each row's text to the right of its marker. Rows
# never share a line, so labels cannot overlap at any width; the indent (in data units)
# is small enough that the longest row still fits a phone's 400 px.
FLOW_FONT_PX = 10.5
FLOW_ROW_PX = 23  # height of one row: the figure grows with the tree
FLOW_MARGIN_PX = 8
FLOW_X_SPAN = 18.0  # depths shown across the width: x runs from -0.8 to this
FLOW_MARKER_PX = 18  # the largest marker (a node on the path)
FLOW_ARROW = " → "  # between a node's answer and its label: "text → Fine-tuning?"


@dataclass(frozen=True)
class FlowNode:
    """One node of the decision flowchart, already placed (``x`` = depth, ``y`` = row).

    ``kind`` is ``"question"`` (drawn as a diamond) or ``"recommendation"`` (a circle in
    the optimizer's colour). ``answer`` is the answer that leads here (the root has none).
    """

    id: str
    label: str
    x: float
    y: float
    kind: str = "question"
    color: str = FLOW_QUESTION_COLOR
    hover: str = ""
    text_position: str = "middle right"
    answer: str = ""

    @property
    def text(self) -> str:
        """The row's text: the answer that leads here, then the node's label (after a
        space that keeps it clear of the marker's outline)."""
        return f" {self.answer}{FLOW_ARROW}{self.label}" if self.answer else f" {self.label}"


@dataclass(frozen=True)
class FlowEdge:
    """An answer leading from question ``parent`` to node ``child``; ``label`` is drawn on it."""

    parent: str
    child: str
    label: str = ""


def flow_layout(tree: DecisionTree) -> dict[str, tuple[float, float]]:
    """(x, y) of every node: x is its depth, y its row in depth-first order (the root on
    row 0, each question directly above its answers, each branch a block of rows)."""
    where: dict[str, tuple[float, float]] = {}

    def visit(node_id: str, depth: int) -> None:
        where[node_id] = (float(depth), float(len(where)))
        for kid in tree.children.get(node_id, ()):
            visit(kid, depth + 1)

    visit(tree.root, 0)
    return where


def flow_figure_parts(
    tree: DecisionTree,
) -> tuple[list[FlowNode], list[FlowEdge]]:
    """Nodes and edges of :func:`chapters.ch09_cheatsheet.figures.decision_tree_figure` for ``tree``."""
    where = flow_layout(tree)
    nodes = []
    for node_id, node in tree.nodes.items():
        x, y = where[node_id]
        if node.is_question:
            hover = f"<b>{node.question}</b>"
            color = FLOW_QUESTION_COLOR
        else:
            hover = f"<b>{recipe_name(node.optimizer)}</b><br>{node.situation}"
            color = palette.optimizer_color(node.optimizer)
        if node.answer:
            hover += f"<br>answer: {node.answer}"
        nodes.append(
            FlowNode(node_id, node.graph_label, x, y, node.kind, color, hover, answer=node.edge)
        )
    edges = [
        FlowEdge(node.parent, node_id, node.edge)
        for node_id, node in tree.nodes.items()
        if node.parent is not None
    ]
    return nodes, edges


def flow_ranges(nodes: Sequence[FlowNode]) -> tuple[tuple[float, float], tuple[float, float]]:
    """The flowchart's x range and (reversed: row 0 on top) y range, in data units."""
    rows = max((n.y for n in nodes), default=0.0)
    return (-0.8, FLOW_X_SPAN), (rows + 0.6, -0.6)


def flow_height(nodes: Sequence[FlowNode], at_least: int = 0) -> int:
    """The figure height that gives every row :data:`FLOW_ROW_PX`."""
    rows = int(max((n.y for n in nodes), default=0.0)) + 1
    return max(int(at_least), round((rows + 1.2) * FLOW_ROW_PX) + 2 * FLOW_MARGIN_PX)


def text_width_px(text: str, font_px: float = FLOW_FONT_PX, bold: bool = True) -> float:
    """An estimate of a label's width: about 0.6 em per character (0.65 in bold)."""
    return len(text) * font_px * (0.65 if bold else 0.6)


Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels from the plot's top left


def flow_label_boxes(nodes: Sequence[FlowNode], width_px: float) -> dict[str, tuple[Box, Box]]:
    """Where each node's marker and text land when the figure is ``width_px`` wide:
    ``{id: (marker box, text box)}``, estimated from character counts and font size
    (every label taken as bold, the widest it gets)."""
    (x0, x1), (y_bottom, y_top) = flow_ranges(nodes)
    plot_w = width_px - 2 * FLOW_MARGIN_PX
    plot_h = flow_height(nodes) - 2 * FLOW_MARGIN_PX
    half_marker = FLOW_MARKER_PX / 2
    half_text = FLOW_FONT_PX * 0.65
    boxes = {}
    for n in nodes:
        px = (n.x - x0) / (x1 - x0) * plot_w
        py = (n.y - y_top) / (y_bottom - y_top) * plot_h
        marker = (px - half_marker, py - half_marker, px + half_marker, py + half_marker)
        start = px + half_marker + 2
        text = (start, py - half_text, start + text_width_px(n.text), py + half_text)
        boxes[n.id] = (marker, text)
    return boxes


def overlaps(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]

"""Chapter 9 (cheat sheet): the decision tree, its walk, the reference tables, the
measured tuning priority and the page sections that draw them.

The tree and the ranges live in ``content/cheatsheet.toml``. The pure part of this
module (loading, :meth:`DecisionTree.walk`, :func:`flow_layout`, the tables, the
sensitivity sweep) runs without Streamlit and is tested in ``tests/ui``; the page
sections at the bottom only arrange widgets around it.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from engine import landscapes, optimizers, schedules, simulate
from ui import figures, palette
from ui.chapters import CHAPTERS
from ui.numbers import fmt, superscript

CONTENT_PATH = Path(__file__).resolve().parent.parent / "content" / "cheatsheet.toml"

# Where each optimizer is taught (the recommendation card links there).
OPTIMIZER_CHAPTER: dict[str, int] = {
    "sgd": 1,
    "momentum": 2,
    "nesterov": 2,
    "adagrad": 3,
    "rmsprop": 3,
    "adam": 4,
    "adamw": 5,
    "radam": 6,
    "lamb": 6,
    "lars": 6,
    "adafactor": 6,
    "lion": 6,
    "sophia": 6,
}
SCHEDULE_CHAPTER = 7

# Optimizer names as a learner meets them in a recipe (Nesterov is SGD with it switched on).
RECIPE_NAMES = {"nesterov": "SGD + Nesterov momentum"}
SHORT_NAMES = {"nesterov": "SGD + Nesterov"}  # on the crowded flowchart


def chapter_of(optimizer: str) -> int:
    """The chapter that teaches ``optimizer`` (6, "Beyond Adam", for anything newer)."""
    return OPTIMIZER_CHAPTER.get(optimizer, 6)


def recipe_name(optimizer: str) -> str:
    return RECIPE_NAMES.get(optimizer, optimizers.info(optimizer).display_name)


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
        name = SHORT_NAMES.get(self.optimizer, optimizers.info(self.optimizer).display_name)
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


def flow_layout(tree: DecisionTree) -> dict[str, tuple[float, float]]:
    """(x, y) of every node: x is the depth (every leaf in the last column), y a row.

    Leaves take consecutive rows in depth-first order; a question sits at the mean row
    of its children, so each branch reads as a block. The root gets a row of its own
    above everything, where its label has room.
    """
    leaves = tree.leaves()
    last = max(tree.depth(n) for n in leaves)
    rows: dict[str, float] = {leaf: float(i) for i, leaf in enumerate(leaves)}
    rows[tree.root] = -1.0

    def row(node_id: str) -> float:
        if node_id not in rows:
            rows[node_id] = float(np.mean([row(k) for k in tree.children[node_id]]))
        return rows[node_id]

    return {
        n: (float(last if not tree.nodes[n].is_question else tree.depth(n)), row(n))
        for n in tree.nodes
    }


def flow_figure_parts(
    tree: DecisionTree,
) -> tuple[list[figures.FlowNode], list[figures.FlowEdge]]:
    """Nodes and edges of :func:`ui.figures.decision_tree_figure` for ``tree``."""
    where = flow_layout(tree)
    nodes = []
    for node_id, node in tree.nodes.items():
        x, y = where[node_id]
        if node.is_question:
            hover = f"<b>{node.question}</b>"
            color = figures.FLOW_QUESTION_COLOR
            position = "top right" if node.parent is None else "top center"
        else:
            hover = f"<b>{recipe_name(node.optimizer)}</b><br>{node.situation}"
            color = palette.optimizer_color(node.optimizer)
            position = "middle right"
        if node.answer:
            hover += f"<br>answer: {node.answer}"
        nodes.append(
            figures.FlowNode(node_id, node.graph_label, x, y, node.kind, color, hover, position)
        )
    edges = [
        figures.FlowEdge(node.parent, node_id, node.edge)
        for node_id, node in tree.nodes.items()
        if node.parent is not None
    ]
    return nodes, edges


def pick_flow_node(selection: Any, ids: Sequence[str]) -> str | None:
    """The node a click on the flowchart chose: the first point whose ``customdata`` is a
    node id (clicks on the edge lines carry none and choose nothing)."""
    try:
        points = selection["points"]
    except (KeyError, TypeError, IndexError):
        points = getattr(selection, "points", None)
    for point in points or ():
        try:
            value = point.get("customdata") if hasattr(point, "get") else None
        except TypeError:
            value = None
        if isinstance(value, list | tuple) and value:
            value = value[0]
        if isinstance(value, str) and value in ids:
            return value
    return None


# --------------------------------------------------------------------------- engine numbers

MATRIX_SHAPE = (1024, 1024)  # the weight matrix used to count optimizer state per weight


@cache
def state_bytes_per_weight(name: str) -> float:
    """Bytes of optimizer state per fp32 weight, counted by the engine on a square matrix
    (so Adafactor's factoring shows); ``0`` for plain SGD."""
    return optimizers.state_bytes(name, MATRIX_SHAPE) / float(np.prod(MATRIX_SHAPE))


def human_bytes(n: float) -> str:
    """Bytes in decimal units (kB, MB, GB, TB), 3 significant figures."""
    n = float(n)
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n:.3g} bytes"


def averaging_window(beta: float) -> float:
    """How many recent steps an exponential moving average with factor β mostly holds: 1/(1−β)."""
    return math.inf if beta >= 1 else 1.0 / (1.0 - beta)


def fmt_rate(value: float) -> str:
    """A learning rate or decay as practitioners write it: 3e-4, 0.01, 0.1, 30."""
    if value == 0:
        return "0"
    if abs(value) < 1e-2:
        mantissa, exponent = f"{value:.2e}".split("e")
        mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa}e{int(exponent)}"
    return f"{value:.4g}"


def fmt_range(pair: tuple[float, float]) -> str:
    low, high = pair
    return fmt_rate(low) if low == high else f"{fmt_rate(low)} – {fmt_rate(high)}"


def schedule_curve(node: Node, total: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """Steps and rates of a recommendation's schedule over a ``total``-step run (peak 1)."""
    warmup = int(round(node.warmup * total))
    sched = schedules.make(node.schedule, 1.0, total, warmup_steps=warmup, min_lr=node.min_lr)
    steps = np.arange(total + 1)
    return steps, sched(steps)


def schedule_words(node: Node) -> str:
    """“Cosine decay to 10 % of the peak, after a 1 % warmup”, built from the node's numbers."""
    title = schedules.info(node.schedule)["title"]
    parts = [title]
    if node.schedule in ("cosine", "linear", "wsd") and node.min_lr > 0:
        parts.append(f"down to {node.min_lr:.0%} of the peak")
    elif node.schedule in ("cosine", "linear", "wsd"):
        parts.append("down to zero")
    text = " ".join(parts)
    if node.warmup > 0:
        text += f", after a linear warmup over the first {node.warmup:.0%} of the run"
    else:
        text += ", no warmup"
    return text


SCHEDULE_SHORT = {
    "constant": "constant",
    "step": "step decay",
    "cosine": "cosine",
    "linear": "linear decay",
    "inverse_sqrt": "1/√t decay",
    "wsd": "warmup–stable–decay",
}


def schedule_short(node: Node) -> str:
    """“1% warmup + cosine to 10% of peak”: the schedule in a table cell."""
    text = SCHEDULE_SHORT.get(node.schedule, node.schedule)
    if node.schedule in ("cosine", "linear", "wsd"):
        text += f" to {node.min_lr:.0%} of peak" if node.min_lr > 0 else " to 0"
    return (f"{node.warmup:.0%} warmup + " if node.warmup > 0 else "") + text


def recommendation_settings(node: Node) -> list[tuple[str, str]]:
    """(name, value) of the other settings: the node's own, or the engine's defaults."""
    defaults = optimizers.info(node.optimizer).defaults
    names = {
        "beta1": "β₁" if "beta1" in defaults else "momentum β",
        "beta2": "β₂",
        "eps": "ε",
    }
    rows = []
    for key in ("beta1", "beta2", "eps"):
        engine_key = "beta" if key == "beta1" and "beta" in defaults else key
        if key in node.settings:
            rows.append((names[key], fmt_rate(node.settings[key])))
        elif engine_key in defaults:
            rows.append((names[key], f"{fmt_rate(defaults[engine_key])} (default)"))
    if "clip" in node.settings:
        rows.append(("clip the gradient norm at", f"{node.settings['clip']:g}"))
    return rows


# --------------------------------------------------------------------------- tables


def recipes_table(tree: DecisionTree) -> pd.DataFrame:
    """Every recommendation of the tree as one row (the lesson's quick-reference table)."""
    rows = []
    for leaf in tree.leaves():
        node = tree.node(leaf)
        rows.append(
            {
                "Situation": node.situation,
                "Optimizer": recipe_name(node.optimizer),
                "Peak learning rate": fmt_range(node.lr),
                "Schedule": schedule_short(node),
                "Weight decay": fmt_range(node.weight_decay),
            }
        )
    return pd.DataFrame(rows)


def optimizer_reference_table() -> pd.DataFrame:
    """Every engine optimizer: year, update in words, state, bytes per weight, best use."""
    rows = []
    for name in sorted(optimizers.NAMES, key=lambda n: (optimizers.info(n).year, n)):
        info = optimizers.info(name)
        buffers = ", ".join(info.buffers) or "none"
        rows.append(
            {
                "Optimizer": f"{info.display_name} (ch. {chapter_of(name)})",
                "Year": str(info.year),
                "Update in words": info.innovation,
                "State per weight (fp32)": f"{human_bytes(state_bytes_per_weight(name))} "
                f"({buffers})",
                "Best for": info.best_for,
            }
        )
    return pd.DataFrame(rows)


def engine_default(source: str) -> float:
    name, _, key = source.partition(".")
    return float(optimizers.info(name).defaults[key])


def hyperparameter_table(hyper: Sequence[Hyperparameter]) -> pd.DataFrame:
    """Default (from the engine), typical range (from practice) and what each one does."""

    def show(value: float, h: Hyperparameter) -> str:
        if h.as_percent:
            return f"{value:.0%}"
        if h.integer:
            return f"{int(value):,}"
        return fmt_rate(value)

    rows = []
    for h in hyper:
        defaults = [
            f"{fmt_rate(engine_default(s))} ({optimizers.info(s.partition('.')[0]).display_name})"
            for s in h.default_from
        ]
        low, high = h.typical
        memory = ""
        if h.window and h.default_from:
            beta = engine_default(h.default_from[0])
            memory = (
                f"default averages ≈ {averaging_window(beta):.0f} steps; "
                f"range {averaging_window(low):.0f} – {averaging_window(high):,.0f}"
            )
        rows.append(
            {
                "Hyperparameter": h.symbol,
                "Default (engine)": ", ".join(defaults) or "—",
                "Typical range": f"{show(low, h)} – {show(high, h)}",
                "Memory of the average": memory or "—",
                "What it controls": h.controls,
            }
        )
    return pd.DataFrame(rows)


DEFAULT_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("rate η", ("lr",)),
    ("β / β₁", ("beta", "beta1")),
    ("β₂ / ρ", ("beta2", "rho")),
    ("ε", ("eps", "eps2")),
    ("weight decay λ", ("weight_decay",)),
    ("other", ("trust_coefficient", "clip_threshold", "update_period", "bias_correction")),
)


def optimizer_defaults_table() -> pd.DataFrame:
    """Each optimizer's default hyperparameters, straight from ``optimizers.info``."""
    rows = []
    for name in optimizers.NAMES:
        info = optimizers.info(name)
        defaults = dict(info.defaults)
        row = {"Optimizer": info.display_name}
        for column, keys in DEFAULT_COLUMNS:
            found = [k for k in keys if k in defaults]
            if column == "other":
                bits = [
                    # Spaced names, so a narrow column can wrap them.
                    f"{k.replace('_', ' ')} = {defaults[k]:g}"
                    for k in found
                    if k != "bias_correction"
                ]
                row[column] = ", ".join(bits) or "—"
            elif name == "sophia" and column == "β₂ / ρ":
                row[column] = f"β₂ = {defaults['beta2']:g}, ρ = {defaults['rho']:g}"
            else:
                row[column] = fmt_rate(float(defaults[found[0]])) if found else "—"
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- measured priority

SENSITIVITY_OPTIMIZER = "adamw"
SENSITIVITY_LANDSCAPES = ("ravine", "rosenbrock", "elliptical", "beale")
SENSITIVITY_FLOOR = 1e-12
SWEPT = ("lr", "beta1", "beta2", "eps")
SWEPT_LABELS = {
    "lr": "learning rate η",
    "weight_decay": "weight decay λ",
    "beta2": "β₂",
    "beta1": "β₁",
    "eps": "ε",
}


def sweep_values(key: str, typical: tuple[float, float], n: int = 9) -> np.ndarray:
    """``n`` values across a typical range: log-spaced for η and ε, evenly in 1−β for the
    β's (0.95 … 0.9999 spans decades of memory), evenly for λ."""
    low, high = typical
    if key in ("lr", "eps"):
        return np.geomspace(low, high, n)
    if key in ("beta1", "beta2"):
        return 1.0 - np.geomspace(1.0 - low, 1.0 - high, n)
    return np.linspace(low, high, n)


@dataclass(frozen=True)
class Sensitivity:
    """Final losses of AdamW runs with one hyperparameter swept at a time.

    The learning rate is swept first (others at their defaults); the others are then
    swept at the best rate found, in the order a practitioner would tune them.
    """

    landscape: str
    steps: int
    best_lr: float
    rows: tuple[figures.SpreadRow, ...]

    def decades(self, label: str) -> float:
        """Spread of the final loss for one row, in powers of ten (floored losses)."""
        row = next(r for r in self.rows if r.label == label)
        ok = ~np.asarray(row.diverged, dtype=bool) & np.isfinite(row.final_losses)
        losses = np.maximum(np.asarray(row.final_losses)[ok], SENSITIVITY_FLOOR)
        return float(np.log10(losses.max() / losses.min())) if losses.size else math.nan


def _final_losses(landscape: str, steps: int, hyper: dict[str, np.ndarray]) -> simulate.Trajectory:
    land = landscapes.get(landscape)
    batch = max(np.size(v) for v in hyper.values())
    opt = optimizers.make(
        SENSITIVITY_OPTIMIZER, **{k: np.asarray(v, dtype=float)[:, None] for k, v in hyper.items()}
    )
    starts = np.broadcast_to(np.asarray(land.start, dtype=float), (batch, 2))
    return simulate.run(opt, land, starts, steps)


def measure_sensitivity(
    landscape: str, steps: int, ranges: Mapping[str, tuple[float, float]], n: int = 9
) -> Sensitivity:
    """Sweep each hyperparameter in :data:`SWEPT` across ``ranges[key]`` with the engine."""
    lrs = sweep_values("lr", ranges["lr"], n)
    lr_run = _final_losses(landscape, steps, {"lr": lrs})
    lr_loss = np.where(lr_run.diverged, np.inf, lr_run.losses[-1])
    best_lr = float(lrs[int(np.argmin(lr_loss))])
    rows = [
        figures.SpreadRow(SWEPT_LABELS["lr"], lrs, lr_run.losses[-1], np.asarray(lr_run.diverged))
    ]
    for key in SWEPT[1:]:
        values = sweep_values(key, ranges[key], n)
        run = _final_losses(landscape, steps, {"lr": np.full(n, best_lr), key: values})
        fmt_code = ".5g" if key.startswith("beta") else ".3g"
        rows.append(
            figures.SpreadRow(
                SWEPT_LABELS[key], values, run.losses[-1], np.asarray(run.diverged), fmt_code
            )
        )
    return Sensitivity(landscape, int(steps), best_lr, tuple(rows))


def scaled_rates(base_lr: float, base_batch: int, new_batch: int) -> dict[str, float]:
    """The learning rate for a new batch size by the linear rule (SGD, Goyal et al.) and
    the square-root rule (Adam-type and LAMB): η·(B/B₀) and η·√(B/B₀)."""
    ratio = float(new_batch) / float(base_batch)
    return {"linear": base_lr * ratio, "sqrt": base_lr * math.sqrt(ratio), "ratio": ratio}


# --------------------------------------------------------------------------- Streamlit sections
# Everything below draws on the page; the functions above are the tested logic.

PAGE = "ch09"


def _ps():
    from ui.state import PageState

    return PageState(PAGE)


def flow_node_key() -> str:
    return f"{PAGE}::flow:node"


def current_node(tree: DecisionTree) -> str:
    """The node the learner has walked to (the root on a first visit or after a bad value)."""
    import streamlit as st

    node = st.session_state.get(flow_node_key())
    if node not in tree.nodes:
        node = tree.root
        st.session_state[flow_node_key()] = node
    return node


def _set_node(node_id: str) -> None:
    import streamlit as st

    st.session_state[flow_node_key()] = node_id


def _on_answer(tree: DecisionTree, question: str, key: str) -> None:
    """A pill changed: go to the node its answer leads to, or back to the question."""
    import streamlit as st

    answer = st.session_state.get(key)
    child = tree.child_for(question, answer) if answer else None
    _set_node(child or question)


def _on_flow_click(tree: DecisionTree, chart_key: str) -> None:
    import streamlit as st

    ps = _ps()
    event = st.session_state.get(chart_key)
    selection = getattr(event, "selection", None)
    if selection is None and isinstance(event, dict):
        selection = event.get("selection")
    picked = pick_flow_node(selection, list(tree.nodes))
    if picked is not None:
        _set_node(picked)
    ps.set("flow:clicks", ps.get("flow:clicks", 0) + 1)  # a fresh chart drops the selection


def flowchart() -> None:
    """The decision flowchart: click nodes or answer the questions; the card follows."""
    import streamlit as st

    tree = load_cheatsheet().tree

    @st.fragment
    def body() -> None:
        ps = _ps()
        node_id = current_node(tree)
        path = tree.path_to(node_id)
        nodes, edges = flow_figure_parts(tree)
        chart_key = ps.key(f"flow:chart:{ps.get('flow:clicks', 0)}")
        fig = figures.decision_tree_figure(nodes, edges, path=path, height=500)
        st.plotly_chart(
            fig,
            key=chart_key,
            on_select=lambda: _on_flow_click(tree, chart_key),
            selection_mode="points",
            config={"displayModeBar": False},
        )
        st.caption(
            "Diamonds are questions, circles are recommendations (in each optimizer's colour). "
            "Click any node to jump there; your path is drawn in red, the answers open at its "
            "end are labelled, the rest is faded."
        )
        left, right = st.columns([1, 1], gap="large")
        with left:
            st.markdown("**Your answers**")
            for depth, q in enumerate(p for p in path if tree.node(p).is_question):
                options = [tree.node(k).answer for k in tree.children[q]]
                key = ps.key(f"flow:answer:{q}")
                on_path = path.index(q) + 1 < len(path)
                st.session_state[key] = (
                    tree.node(path[path.index(q) + 1]).answer if on_path else None
                )
                st.pills(
                    f"{depth + 1}. {tree.node(q).question}",
                    options,
                    key=key,
                    on_change=_on_answer,
                    args=(tree, q, key),
                    wrap=True,
                )
            st.button(
                "Start over",
                key=ps.key("flow:restart"),
                icon=":material/restart_alt:",
                on_click=_set_node,
                args=(tree.root,),
                disabled=node_id == tree.root,
            )
        with right:
            node = tree.node(node_id)
            if node.is_question:
                reachable = tree.leaves(node_id)
                names = sorted({recipe_name(tree.node(leaf).optimizer) for leaf in reachable})
                with st.container(border=True):
                    st.markdown(f"**Next question:** {node.question}")
                    st.caption(
                        f"{len(reachable)} recommendations are still possible from here: "
                        + ", ".join(names)
                        + "."
                    )
            else:
                recommendation_card(node)

    body()


def recommendation_card(node: Node) -> None:
    """Optimizer (linked to its chapter), learning rate, schedule (drawn), weight decay."""
    import streamlit as st

    from ui.chapters import CHAPTERS as ALL

    info = optimizers.info(node.optimizer)
    ch = next(c for c in ALL if c.number == chapter_of(node.optimizer))
    sched_ch = next(c for c in ALL if c.number == SCHEDULE_CHAPTER)
    color = palette.optimizer_color(node.optimizer)
    with st.container(border=True):
        st.markdown(
            f"<span style='color:{color};font-size:1.4em'>●</span> "
            f"<span style='font-size:1.25em'><b>{recipe_name(node.optimizer)}</b></span>"
            f" &nbsp;·&nbsp; {node.situation}",
            unsafe_allow_html=True,
        )
        st.page_link(ch.file, label=f"Chapter {ch.label}", icon=":material/menu_book:")
        lr_text = fmt_range(node.lr)
        if node.lr_first is not None:
            lr_text += f" (try {fmt_rate(node.lr_first)} first)"
        if node.lr_note:
            lr_text += f"; {node.lr_note}"
        per_weight = state_bytes_per_weight(node.optimizer)
        st.markdown(
            f"**Peak learning rate** {lr_text}  \n"
            f"**Schedule** {schedule_words(node)}  \n"
            f"**Weight decay** {fmt_range(node.weight_decay)}"
            + "  \n"
            + "**Other settings** "
            + "; ".join(f"{k} {v}" for k, v in recommendation_settings(node))
            + "  \n"
            + f"**Optimizer state** {info.memory}: {human_bytes(per_weight)} per weight, "
            f"{human_bytes(per_weight * 1e9)} for a billion weights"
        )
        steps, rates = schedule_curve(node)
        fig = figures.schedule_figure(
            steps,
            [figures.Series(schedules.info(node.schedule)["title"], rates, color)],
            normalise_to=1.0,
            x_title="step of a 1,000-step run",
            height=190,
        )
        fig.update_layout(showlegend=False, margin={"t": 10, "b": 10})
        fig.update_yaxes(title_text="share of peak", tickformat=".0%")
        st.plotly_chart(fig, config={"displayModeBar": False}, key=f"{PAGE}::card:schedule")
        st.caption(
            f"In PyTorch: `{schedules.torch_equivalent(node.schedule)}`"
            if node.warmup > 0
            else f"Schedule shape, as a fraction of the peak rate. More in chapter {sched_ch.number}."
        )
        st.markdown(f"**Why.** {node.why}")
        st.page_link(
            sched_ch.file,
            label=f"Schedules: chapter {sched_ch.label}",
            icon=":material/show_chart:",
        )


def chapter_cards(takeaways: Mapping[int, str]) -> None:
    """One card per chapter (0–8): title linking to the page, takeaway, quiz score."""
    import streamlit as st

    from ui.nav import chapter_score, score_text

    shown = [ch for ch in CHAPTERS if ch.number in takeaways]
    for start in range(0, len(shown), 3):
        cols = st.columns(3, gap="small")
        for col, ch in zip(cols, shown[start : start + 3], strict=False):
            with col, st.container(border=True, height="stretch"):
                st.page_link(ch.file, label=ch.label, icon=ch.icon)
                st.markdown(takeaways[ch.number])
                score = chapter_score(ch.number)
                if score.total:
                    st.caption(f"Quiz: {score_text(score)}")


def sensitivity_section(ranges: Mapping[str, tuple[float, float]]) -> None:
    """Measured tuning priority: how far the final loss moves per swept hyperparameter."""
    import streamlit as st

    from ui.controls import choice

    @st.cache_data(show_spinner="Sweeping with the engine…", max_entries=32)
    def measured(landscape: str, steps: int, ranges_items: tuple) -> Sensitivity:
        return measure_sensitivity(landscape, steps, dict(ranges_items))

    @st.fragment
    def body() -> None:
        ps = _ps()
        left, right = st.columns([2, 3], gap="medium")
        with left:
            landscape = choice(
                ps,
                "sens:landscape",
                "Landscape",
                list(SENSITIVITY_LANDSCAPES),
                format_func=lambda n: landscapes.get(n).title,
            )
        with right:
            steps = st.slider(
                "Steps per run",
                min_value=50,
                max_value=1000,
                value=300,
                step=50,
                key=ps.key("sens:steps"),
                persist_state="session",
            )
        result = measured(landscape, int(steps), tuple(sorted(ranges.items())))
        fig = figures.spread_figure(
            result.rows,
            floor=SENSITIVITY_FLOOR,
            title=f"AdamW on {landscapes.get(landscape).title}: final loss as each one is swept",
        )
        st.plotly_chart(fig, config={"displayModeBar": False}, key=ps.key("sens:chart"))
        order = sorted(result.rows, key=lambda r: -result.decades(r.label))
        ranking = ", ".join(f"{r.label} {fmt(result.decades(r.label), 2)}" for r in order)
        others = ", ".join(r.label for r in result.rows[1:])
        st.markdown(
            f"Measured just now, {len(result.rows[0].values)} engine runs per row. The rate was "
            f"swept first with everything else at its default; the best rate found, "
            f"η = {fmt_rate(result.best_lr)}, was then kept while {others} each swept their "
            f"typical range. Spread of the final loss, in powers of ten: {ranking}. "
            f"Largest here: **{order[0].label}**."
        )
        floor_text = "10" + superscript(round(math.log10(SENSITIVITY_FLOOR)))
        st.caption(
            "Each dot is one run (light: low end of the range, dark: high end). Losses below "
            f"{floor_text} count as at the minimum. Batch size, schedule and weight decay are "
            "left out: this toy has exact gradients and two weights, and on it weight decay "
            "would only pull the point off the minimum, while in a real network its job is to "
            "help the model generalise."
        )

    body()


def batch_scaling_calculator() -> None:
    """Rescale a learning rate for a new batch size, by the linear and square-root rules."""
    import streamlit as st

    ps = _ps()
    c1, c2, c3 = st.columns(3)
    with c1:
        base_lr = st.number_input(
            "Learning rate that works",
            min_value=0.0,
            value=3e-4,
            format="%g",
            key=ps.key("batch:lr"),
            persist_state="session",
        )
    with c2:
        base_batch = st.number_input(
            "…at batch size",
            min_value=0,
            value=256,
            step=1,
            key=ps.key("batch:base"),
            persist_state="session",
        )
    with c3:
        new_batch = st.number_input(
            "New batch size",
            min_value=0,
            value=4096,
            step=1,
            key=ps.key("batch:new"),
            persist_state="session",
        )
    if base_lr <= 0 or not math.isfinite(base_lr):
        st.warning("Enter a learning rate above zero.")
        return
    if base_batch < 1 or new_batch < 1:
        st.warning("Batch sizes must be whole numbers of at least 1.")
        return
    rates = scaled_rates(base_lr, int(base_batch), int(new_batch))
    st.markdown(
        f"The batch grows by a factor of {fmt(rates['ratio'], 4)}. "
        f"**Linear rule** (SGD with momentum): η = {fmt(rates['linear'], 3)}. "
        f"**Square-root rule** (Adam-type, LAMB): η = {fmt(rates['sqrt'], 3)}."
    )
    if rates["ratio"] > 8:
        st.caption(
            "Either way, a jump this large needs a warmup, and beyond a few thousand examples "
            "per batch plain rules stop holding: that is where LARS and LAMB come in."
        )

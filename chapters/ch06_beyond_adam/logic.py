"""Chapter 6's pure logic: the family tree's layout, the many-weights demos (Lion, LAMB,
Sophia) as :class:`VecRun` records, RAdam's rectification, the memory of Adam and
Adafactor for a matrix and for GPT-3, and the race against Adam. No Streamlit, no
Plotly.

Every number comes from the engine at render time: optimizer metadata
(``optimizers.info``), optimizer steps (``step_with_info``), memory counts
(``factored_state_numbers``, ``state_bytes``) and RAdam's rectification term. The
demos' runs are kept in the page's session namespace, so Step, Play and Reset work as
on a landscape and a page switch finds them where they were.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from engine import optimizers, transforms
from kit import palette
from kit.format import fmt, format_rate, human_bytes, human_count, optimizer_name, thousands
from kit.status import run_status

PAGE = "ch06"
# The optimizers this chapter teaches (each engine spec names its chapter), in engine order.
BEYOND_ADAM = tuple(n for n in optimizers.NAMES if optimizers.info(n).chapter == 6)
PLAY_STEPS = 25  # steps per Play in the many-weights demos
INITIAL_STEPS = 10  # a demo run is first shown after this many steps (▶ replays them)
MAX_DEMO_STEPS = 400  # a demo run keeps at most this many steps

Params = np.ndarray | dict[str, np.ndarray]


def latex_lines(update_latex: str) -> str:
    """An update rule split at its top-level separators into one line per equation.

    The engine writes a rule as equations joined by ``,\\quad``-style spacers; a
    ``gathered`` block stacks them, which reads better and fits a phone screen.
    """
    parts: list[str] = []
    depth = 0
    start = 0
    i = 0
    separator = re.compile(r"[,;]\s*\\(?:qquad|quad|\s)\s*")
    while i < len(update_latex):
        ch = update_latex[i]
        if ch in "{([":
            depth += 1
        elif ch in "})]":
            depth = max(0, depth - 1)
        elif ch in ",;" and depth == 0:
            match = separator.match(update_latex, i)
            if match:
                parts.append(update_latex[start:i].strip())
                start = i = match.end()
                continue
        i += 1
    parts.append(update_latex[start:].strip())
    parts = [p for p in parts if p]
    if len(parts) == 1:
        return parts[0]
    return r"\begin{gathered}" + r" \\ ".join(parts) + r"\end{gathered}"


# --------------------------------------------------------------------------- family tree

MODERN_FROM = 2010  # the x axis is stretched from this year on
EARLY_SQUEEZE = 8.0  # before it, this many years share one unit of x


def year_position(year: int) -> float:
    """x of a node: one unit per year from 2010, older years squeezed (monotone)."""
    if year >= MODERN_FROM:
        return float(year - MODERN_FROM)
    return -1.5 - (MODERN_FROM - year) / EARLY_SQUEEZE


def family_edges(names: Sequence[str] = optimizers.NAMES) -> list[tuple[str, str, bool]]:
    """(parent, child, primary) from the engine's metadata; the first parent is primary."""
    edges = []
    for name in names:
        for i, parent in enumerate(optimizers.info(name).parents):
            if parent in names:
                edges.append((parent, name, i == 0))
    return edges


def family_layout(names: Sequence[str] = optimizers.NAMES) -> dict[str, tuple[float, float]]:
    """Position of each optimizer: x from its year, y from a tidy tree of first parents.

    Leaves of the first-parent tree take consecutive rows in depth-first order (small
    branches first, then by year); a parent sits at the mean row of its children.
    """
    names = list(names)
    children: dict[str, list[str]] = {n: [] for n in names}
    roots = []
    for name in names:
        parents = [p for p in optimizers.info(name).parents if p in children]
        if parents:
            children[parents[0]].append(name)
        else:
            roots.append(name)

    def size(name: str) -> int:
        return 1 + sum(size(c) for c in children[name])

    rows: dict[str, float] = {}
    next_row = [0.0]

    def place(name: str) -> float:
        kids = sorted(children[name], key=lambda c: (size(c), optimizers.info(c).year, c))
        if not kids:
            rows[name] = next_row[0]
            next_row[0] += 1.0
        else:
            rows[name] = float(np.mean([place(c) for c in kids]))
        return rows[name]

    for root in sorted(roots, key=lambda r: optimizers.info(r).year):
        place(root)
    return {n: (year_position(optimizers.info(n).year), rows[n]) for n in names}


def label_positions(layout: Mapping[str, tuple[float, float]]) -> dict[str, str]:
    """Text above each node, except below when a neighbour close by already has it above."""
    positions: dict[str, str] = {}
    for name in sorted(layout, key=lambda n: layout[n]):
        x, y = layout[name]
        crowded = any(
            positions[other] == "top center"
            and abs(layout[other][0] - x) <= 1.6
            and abs(layout[other][1] - y) < 0.75
            for other in positions
        )
        positions[name] = "bottom center" if crowded else "top center"
    return positions


@dataclass(frozen=True)
class TreeNode:
    """One optimizer in the family tree, already placed: ``x`` from its year, ``y`` a lane."""

    name: str
    label: str
    x: float
    y: float
    color: str = palette.FALLBACK_COLOR
    hover: str = ""
    text_position: str = "top center"


def tree_nodes(names: Sequence[str] = optimizers.NAMES) -> list[TreeNode]:
    layout = family_layout(names)
    positions = label_positions(layout)
    nodes = []
    for name in names:
        info = optimizers.info(name)
        x, y = layout[name]
        nodes.append(
            TreeNode(
                name=name,
                label=info.display_name,
                x=x,
                y=y,
                color=palette.optimizer_color(name),
                hover=f"<b>{info.display_name}</b> ({info.year})<br>{info.innovation}",
                text_position=positions[name],
            )
        )
    return nodes


def tree_ticks(names: Sequence[str] = optimizers.NAMES) -> list[tuple[float, str]]:
    years = sorted({optimizers.info(n).year for n in names})
    return [(year_position(y), str(y)) for y in years]


CARD_SHAPE = (1024, 1024)  # the example matrix for "how much memory" in cards and the table


def comparison_table(
    state_bytes: Mapping[str, int], names: Sequence[str] = optimizers.NAMES
) -> pd.DataFrame:
    """Year, idea, memory and best use of every optimizer, from the engine's metadata;
    ``state_bytes[name]`` is its state for one :data:`CARD_SHAPE` matrix."""
    n_rows, n_cols = CARD_SHAPE
    # "1024² matrix" is short enough for a phone's column header.
    shape_text = f"{n_rows}²" if n_rows == n_cols else f"{n_rows}×{n_cols}"
    rows = []
    for name in sorted(names, key=lambda n: (optimizers.info(n).year, n)):
        info = optimizers.info(name)
        rows.append(
            {
                "Optimizer": info.display_name,
                "Year": str(info.year),
                "Key innovation": info.innovation,
                "Memory": info.memory,
                f"State, {shape_text} matrix (fp32)": human_bytes(state_bytes[name]),
                "Best for": info.best_for,
            }
        )
    return pd.DataFrame(rows)


def reference_table(names: Sequence[str] = BEYOND_ADAM) -> pd.DataFrame:
    """What each optimizer is proven equal to, and where that reference's convention
    (rather than the paper's) is what the engine follows — from the engine's metadata."""
    return pd.DataFrame(
        [
            {
                "Optimizer": optimizers.info(name).display_name,
                "Checked against": optimizers.info(name).reference,
                "Convention followed": optimizers.info(name).convention or "the paper's",
            }
            for name in names
        ]
    )


# --------------------------------------------------------------------------- many-weights demos


@dataclass(frozen=True)
class Problem:
    """A synthetic training problem with many weights; its gradient noise is seeded by step."""

    name: str
    start: Callable[[], Params]
    grad: Callable[[Params, int], Params]  # (params, 1-based step) -> gradient
    loss: Callable[[Params], float]


LION_WEIGHTS = 40


def lion_problem() -> Problem:
    """Weights on a quadratic with curvatures from 0.05 to 5, plus mini-batch noise."""
    rng = np.random.default_rng(6)
    d = LION_WEIGHTS
    curvature = rng.permutation(np.geomspace(0.05, 5.0, d))
    target = rng.normal(0.0, 1.0, d)
    start = target + rng.normal(0.0, 2.0, d)

    def grad(p: Params, t: int) -> np.ndarray:
        noise = np.random.default_rng((6, t)).normal(0.0, 0.5, d)
        return curvature * (np.asarray(p) - target) + noise

    def loss(p: Params) -> float:
        return float(0.5 * np.sum(curvature * (np.asarray(p) - target) ** 2))

    return Problem("lion", lambda: start.copy(), grad, loss)


LAYERS: tuple[tuple[str, tuple[int, ...], float], ...] = (
    # name, shape, scale of the initial weights (very different norms on purpose)
    ("embedding", (64, 16), 1.0),
    ("attention", (16, 16), 0.1),
    ("mlp", (16, 64), 0.05),
    ("layernorm gain", (16,), 0.0),  # starts at exactly 1 (see lamb_problem)
    ("output bias", (64,), 2e-4),
)


def lamb_problem() -> Problem:
    """A small 'network' of five tensors whose norms differ by orders of magnitude."""
    rng = np.random.default_rng(7)
    start: dict[str, np.ndarray] = {}
    target: dict[str, np.ndarray] = {}
    for name, shape, scale in LAYERS:
        start[name] = np.ones(shape) if scale == 0.0 else rng.normal(0.0, scale, shape)
        target[name] = start[name] * 0.5 + rng.normal(0.0, 0.01, shape)

    def grad(p: Params, t: int) -> dict[str, np.ndarray]:
        noise = np.random.default_rng((7, t))
        return {
            k: (np.asarray(v) - target[k]) + noise.normal(0.0, 0.05, np.shape(v))
            for k, v in dict(p).items()
        }

    def loss(p: Params) -> float:
        return float(sum(0.5 * np.sum((np.asarray(v) - target[k]) ** 2) for k, v in p.items()))

    return Problem("lamb", lambda: {k: v.copy() for k, v in start.items()}, grad, loss)


SOPHIA_CURVATURE = np.geomspace(0.01, 100.0, 24)  # a diagonal Hessian spanning 10⁴
SOPHIA_INITIAL_STEPS = 25


def sophia_problem() -> Problem:
    """24 weights on a quadratic whose curvatures span four orders of magnitude."""
    rng = np.random.default_rng(8)
    start = rng.normal(0.0, 1.0, SOPHIA_CURVATURE.size)

    def grad(p: Params, t: int) -> np.ndarray:
        return SOPHIA_CURVATURE * np.asarray(p)

    def loss(p: Params) -> float:
        return float(0.5 * np.sum(SOPHIA_CURVATURE * np.asarray(p) ** 2))

    return Problem("sophia", lambda: start.copy(), grad, loss)


PROBLEMS: dict[str, Callable[[], Problem]] = {
    "lion": lion_problem,
    "lamb": lamb_problem,
    "sophia": sophia_problem,
}


def record_step(
    opt: optimizers.Optimizer, info: Mapping[str, Any], before: Params, new_state: Mapping
) -> dict[str, np.ndarray]:
    """What the demos show after one step, taken from ``step_with_info``'s notes."""
    if isinstance(before, dict):
        leaves = list(before)
        rel = []
        ratio = []
        for leaf in leaves:
            norm = float(np.linalg.norm(before[leaf]))
            step = float(np.linalg.norm(info[f"update/{leaf}"]))
            rel.append(step / norm if norm > 0 else np.nan)
            ratio.append(float(np.ravel(info.get(f"trust_ratio/{leaf}", [np.nan]))[0]))
        return {"relative_step": np.array(rel), "trust_ratio": np.array(ratio)}
    record = {"abs_update": np.abs(np.asarray(info["update"], dtype=np.float64))}
    if "clipped" in info:
        hp = opt.hyperparams
        unclipped = new_state["m"] / np.maximum(hp["rho"] * new_state["h"], hp["eps"])
        record["abs_unclipped"] = np.abs(hp["lr"] * unclipped)
        record["clipped"] = np.asarray(info["clipped"], dtype=bool)
    return record


@dataclass(frozen=True)
class VecRun:
    """One optimizer on one many-weights problem: settings, live buffers, per-step records."""

    optimizer: str
    hyperparams: dict[str, Any]
    problem: str
    params: Params
    opt_state: dict[str, Any]
    losses: tuple[float, ...]
    records: tuple[dict[str, np.ndarray], ...] = ()
    play_from: int | None = None
    start_params: Params = field(default=None, repr=False)

    @property
    def steps(self) -> int:
        return len(self.records)

    def make_optimizer(self) -> optimizers.Optimizer:
        return optimizers.make(self.optimizer, **self.hyperparams)


def start_vec(optimizer: str, hyperparams: Mapping[str, Any], problem: str) -> VecRun:
    prob = PROBLEMS[problem]()
    params = prob.start()
    opt = optimizers.make(optimizer, **dict(hyperparams))
    return VecRun(
        optimizer=optimizer,
        hyperparams=dict(hyperparams),
        problem=problem,
        params=params,
        opt_state=opt.init(params),
        losses=(prob.loss(params),),
        start_params=params,
    )


def advance_vec(run: VecRun, n: int = 1, *, play: bool = False) -> VecRun:
    """``run`` after ``n`` more steps, continuing from its buffers (pure)."""
    n = max(0, min(int(n), MAX_DEMO_STEPS - run.steps))
    if n == 0:
        return run
    prob = PROBLEMS[run.problem]()
    opt = run.make_optimizer()
    params, state = run.params, run.opt_state
    losses, records = list(run.losses), list(run.records)
    with np.errstate(all="ignore"):
        for _ in range(n):
            t = int(state["t"]) + 1
            new_params, state, info = opt.step_with_info(
                params, lambda p, t=t: prob.grad(p, t), state
            )
            records.append(record_step(opt, info, params, state))
            params = new_params
            losses.append(prob.loss(params))
    return dataclasses.replace(
        run,
        params=params,
        opt_state=state,
        losses=tuple(losses),
        records=tuple(records),
        play_from=run.steps + 1 if play else None,
    )


def restart_vec(run: VecRun) -> VecRun:
    return start_vec(run.optimizer, run.hyperparams, run.problem)


def step_rows(run: VecRun, key: str) -> np.ndarray:
    return np.stack([r[key] for r in run.records]) if run.records else np.empty((0, 0))


def first_play_step(*runs: VecRun) -> int | None:
    starts = [r.play_from for r in runs if r.play_from is not None]
    return min(starts) if starts else None


def step_size_summary(runs: Mapping[str, VecRun]) -> pd.DataFrame:
    """|Δθ| of the latest step per optimizer: smallest, median, largest, distinct values."""
    rows = []
    for label, run in runs.items():
        last = run.records[-1]["abs_update"]
        rows.append(
            {
                "": label,
                "min |Δθ|": fmt(float(last.min()), 3),
                "median": fmt(float(np.median(last)), 3),
                "max": fmt(float(last.max()), 3),
                "sizes": str(np.unique(last).size),
            }
        )
    return pd.DataFrame(rows)


def lamb_story(lamb: VecRun, adamw: VecRun) -> str:
    """The latest step of both runs in words, with the engine's numbers."""
    layers = list(lamb.start_params)
    without = adamw.records[-1]["relative_step"]
    with_ratio = lamb.records[-1]["relative_step"]
    lo, hi = int(np.nanargmin(without)), int(np.nanargmax(without))
    story = (
        f"At step {lamb.steps}, without the trust ratio the *{layers[hi]}* moved by "
        f"{fmt(float(without[hi]), 3)} × its own size and the *{layers[lo]}* by only "
        f"{fmt(float(without[lo]), 3)} ×: a {thousands(float(without[hi] / without[lo]), 3)}-fold "
        "spread. With the trust ratio every layer moved by "
        f"{fmt(float(np.nanmin(with_ratio)), 4)} × its size"
        + (
            f" (up to {fmt(float(np.nanmax(with_ratio)), 4)})"
            if fmt(float(np.nanmax(with_ratio)), 4) != fmt(float(np.nanmin(with_ratio)), 4)
            else ""
        )
        + ", which is η."
    )
    if adamw.steps > 1:
        history = step_rows(adamw, "relative_step")
        k, layer = np.unravel_index(int(np.nanargmax(history)), history.shape)
        story += (
            f" The largest AdamW step so far came at step {k + 1}: "
            f"{fmt(float(history[k, layer]), 3)} × the size of the *{layers[layer]}*. "
            "Such a step rewrites a layer instead of nudging it, and afterwards the layer "
            "is no longer small, which is why its later relative steps shrink."
        )
    return story


def layer_table(lamb: VecRun, adamw: VecRun) -> pd.DataFrame:
    """Per layer: shape, weight norm, LAMB's trust ratio and both relative steps."""
    rows = []
    last_lamb = lamb.records[-1] if lamb.records else None
    last_adamw = adamw.records[-1] if adamw.records else None
    for i, name in enumerate(lamb.start_params):
        params = lamb.params[name]
        row = {
            "layer": name,
            "shape": "×".join(str(s) for s in np.shape(params)),
            "‖θ‖ AdamW run": fmt(float(np.linalg.norm(adamw.params[name])), 3),
            "‖θ‖ LAMB run": fmt(float(np.linalg.norm(params)), 3),
        }
        if last_lamb is not None and last_adamw is not None:
            row["trust ratio ‖θ‖/‖r‖"] = fmt(float(last_lamb["trust_ratio"][i]), 3)
            row["‖Δθ‖/‖θ‖ AdamW"] = fmt(float(last_adamw["relative_step"][i]), 3)
            row["‖Δθ‖/‖θ‖ LAMB"] = fmt(float(last_lamb["relative_step"][i]), 3)
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- RAdam


RADAM_BETA2 = (0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 0.9995, 0.9999)
RADAM_HORIZON = 30_000


def rectification_series(beta2: float, horizon: int = RADAM_HORIZON):
    """Steps (log-spaced), ρ_t and r_t from the engine, and the first step with ρ_t > 5."""
    steps = np.unique(np.round(np.geomspace(1, horizon, 500)).astype(int))
    early = np.arange(1, 41)
    steps = np.union1d(steps, early)
    rho, rect = transforms.radam_rectification(beta2, steps)
    adaptive = np.flatnonzero(np.isfinite(rect))
    first = int(steps[adaptive[0]]) if adaptive.size else None
    return steps, np.asarray(rho), np.asarray(rect), first


# --------------------------------------------------------------------------- Adafactor memory


MEMORY_PRESETS = {"4096 × 4096": (4096, 4096), "GPT-3 MLP matrix (12288 × 49152)": (12288, 49152)}
MAX_SIDE = 1_000_000


def matrix_size_problem(rows: Any, cols: Any) -> str | None:
    """A message refusing a nonsensical matrix size, or None when it is usable."""
    try:
        r, c = float(rows), float(cols)
    except (TypeError, ValueError):
        return "Enter whole numbers for rows and columns."
    if not (np.isfinite(r) and np.isfinite(c)) or r != int(r) or c != int(c):
        return "Rows and columns must be whole numbers."
    if r < 1 or c < 1:
        return "A weight matrix needs at least one row and one column: enter sizes of 1 or more."
    if r > MAX_SIDE or c > MAX_SIDE:
        return f"Keep each side at most {MAX_SIDE:,}: no real layer is wider than that."
    return None


GPT3 = {"layers": 96, "d_model": 12288, "vocab": 50257, "context": 2048}
GPT3_PARAMS = 175_000_000_000  # the headline parameter count of GPT-3
VECTORS_PER_LAYER = 13  # biases (3d + d + 4d + d) and two LayerNorms (2 × 2d), in units of d


def gpt3_shapes(
    layers: int = GPT3["layers"],
    d_model: int = GPT3["d_model"],
    vocab: int = GPT3["vocab"],
    context: int = GPT3["context"],
) -> list[tuple[str, tuple[int, ...], int]]:
    """GPT-3's parameter tensors as (name, shape, how many), GPT-2-style layout."""
    d = d_model
    return [
        ("token embedding", (vocab, d), 1),
        ("position embedding", (context, d), 1),
        ("attention q, k, v (fused)", (d, 3 * d), layers),
        ("attention output", (d, d), layers),
        ("MLP in", (d, 4 * d), layers),
        ("MLP out", (4 * d, d), layers),
        ("biases and LayerNorm (vectors)", (VECTORS_PER_LAYER * d,), layers),
        ("final LayerNorm", (2 * d,), 1),
    ]


def gpt3_memory(shapes=None) -> tuple[pd.DataFrame, dict[str, int]]:
    """Adam's and Adafactor's state for every GPT-3 tensor, from the engine's counts.

    Matrices use ``factored_state_numbers``; vectors are not factored, so their
    Adafactor state is counted with ``state_bytes`` (one number per weight).
    """
    shapes = gpt3_shapes() if shapes is None else shapes
    rows = []
    totals = {"weights": 0, "adam": 0, "adafactor": 0, "adafactor_vectors": 0}
    for name, shape, count in shapes:
        if len(shape) == 2:
            n = optimizers.factored_state_numbers(*shape)
        else:
            weights = int(np.prod(shape))
            n = {
                "weights": weights,
                "adam": 2 * weights,
                "adafactor": optimizers.state_bytes("adafactor", shape, bytes_per_number=1),
            }
        for k in ("weights", "adam", "adafactor"):
            totals[k] += count * n[k]
        if len(shape) != 2:
            totals["adafactor_vectors"] += count * n["adafactor"]
        rows.append(
            {
                "tensor": name,
                "shape": " × ".join(f"{s:,}" for s in shape),
                "copies": str(count),
                "weights": human_count(count * n["weights"]),
                "Adam state (numbers)": human_count(count * n["adam"]),
                "Adafactor state (numbers)": human_count(count * n["adafactor"]),
            }
        )
    rows.append(
        {
            "tensor": "total",
            "shape": "",
            "copies": "",
            "weights": human_count(totals["weights"]),
            "Adam state (numbers)": human_count(totals["adam"]),
            "Adafactor state (numbers)": human_count(totals["adafactor"]),
        }
    )
    return pd.DataFrame(rows), totals


# --------------------------------------------------------------------------- race vs Adam


RACE_LANDSCAPES = ("ravine", "rosenbrock", "saddle", "elliptical", "beale", "himmelblau")
RACE_PLAY = 60


def race_label(run) -> str:
    return f"{optimizer_name(run.optimizer)} η={format_rate(run.hyperparams['lr'])}"


def race_table(runs) -> pd.DataFrame:
    rows = []
    for run in runs:
        status = run_status(run)
        rows.append(
            {
                "optimizer": optimizer_name(run.optimizer),
                "step": str(run.steps),
                "loss": fmt(run.loss, 4),
                "θ": f"({fmt(run.params[0], 3)}, {fmt(run.params[1], 3)})",
                "status": status.label,
            }
        )
    return pd.DataFrame(rows)

"""Chapter 9's pure logic: recipes and reference tables from the engine's metadata, the
recommendation in words, the measured tuning priority (a sweep per hyperparameter) and
the batch-size rules. No Streamlit, no Plotly. The decision tree itself is
:mod:`chapters.ch09_cheatsheet.tree`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from chapters.ch09_cheatsheet.tree import DecisionTree, Hyperparameter, Node, recipe_name
from engine import landscapes, optimizers, schedules, simulate
from kit.format import format_rate, human_bytes
from kit.measure import averaging_window, state_bytes

SCHEDULE_CHAPTER = 7  # where schedules are taught (the recommendation card links there)


def chapter_of(optimizer: str) -> int:
    """The chapter that teaches ``optimizer`` (its engine spec says)."""
    return optimizers.info(optimizer).chapter


# --------------------------------------------------------------------------- engine numbers

MATRIX_SHAPE = (1024, 1024)  # the weight matrix used to count optimizer state per weight


def state_bytes_per_weight(name: str) -> float:
    """Bytes of optimizer state per fp32 weight, counted by the engine on a square matrix
    (so Adafactor's factoring shows); ``0`` for plain SGD."""
    return state_bytes(name, MATRIX_SHAPE) / float(np.prod(MATRIX_SHAPE))


def fmt_range(pair: tuple[float, float]) -> str:
    low, high = pair
    return (
        format_rate(low, "practice")
        if low == high
        else f"{format_rate(low, 'practice')} – {format_rate(high, 'practice')}"
    )


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
            rows.append((names[key], format_rate(node.settings[key], "practice")))
        elif engine_key in defaults:
            rows.append((names[key], f"{format_rate(defaults[engine_key], 'practice')} (default)"))
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
        return format_rate(value, "practice")

    rows = []
    for h in hyper:
        defaults = [
            f"{format_rate(engine_default(s), 'practice')} ({optimizers.info(s.partition('.')[0]).display_name})"
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
                row[column] = format_rate(float(defaults[found[0]]), "practice") if found else "—"
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
class SpreadRow:
    """One hyperparameter swept across its range: final loss per value (from the engine).

    ``values`` are the hyperparameter's values, ``final_losses`` the loss each run ended
    at and ``diverged`` which runs blew up. ``value_format`` formats a value for hovers.
    """

    label: str
    values: np.ndarray
    final_losses: np.ndarray
    diverged: np.ndarray
    value_format: str = ".3g"


@dataclass(frozen=True)
class Sensitivity:
    """Final losses of AdamW runs with one hyperparameter swept at a time.

    The learning rate is swept first (others at their defaults); the others are then
    swept at the best rate found, in the order a practitioner would tune them.
    """

    landscape: str
    steps: int
    best_lr: float
    rows: tuple[SpreadRow, ...]

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
    rows = [SpreadRow(SWEPT_LABELS["lr"], lrs, lr_run.losses[-1], np.asarray(lr_run.diverged))]
    for key in SWEPT[1:]:
        values = sweep_values(key, ranges[key], n)
        run = _final_losses(landscape, steps, {"lr": np.full(n, best_lr), key: values})
        fmt_code = ".5g" if key.startswith("beta") else ".3g"
        rows.append(
            SpreadRow(SWEPT_LABELS[key], values, run.losses[-1], np.asarray(run.diverged), fmt_code)
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


def still_possible_sentence(names: Sequence[str]) -> str:
    """What is left to recommend below a question: the distinct optimizers, counted as
    the learner reads them (two recipes for one optimizer are one name, not two)."""
    distinct = sorted(set(names))
    if len(distinct) == 1:
        return f"Whatever you answer from here, the recommendation is {distinct[0]}."
    return f"{len(distinct)} optimizers are still possible from here: " + ", ".join(distinct) + "."

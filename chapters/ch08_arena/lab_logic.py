"""Chapter 8's races you can trust, as pure logic: the grids of the sensitivity maps, seed
fans and their ranking, basins of attraction and what a click on them picks, and each
racer's learning-rate schedule with its share-link keys. No Streamlit, no Plotly.

Every result is one batched :mod:`engine.lab` call per optimizer (a grid of
hyperparameters, of seeds or of starts as the batch axis).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from chapters.ch08_arena.link import LANDSCAPES, SCHEDULE_KEY_PREFIX, Point, own_lr_range
from engine import lab, landscapes, optimizers, schedules, simulate
from kit.format import fmt, format_rate, optimizer_name

# --------------------------------------------------------------------------- fairness

FAIRNESS_RULES: tuple[str, ...] = (
    "**Same start**: every racer leaves from the point on the map.",
    "**Same seeds**: with gradient noise on, every racer sees the same noise draws "
    "(seed by seed in the fans below).",
    "**Same step budget**: every racer gets the same number of updates.",
    "**Its own best rate when “fair” is on**: each racer uses the learning rate that "
    "finished soonest in its own sweep, so none wins by the choice of rate alone.",
)

# --------------------------------------------------------------------------- maps

MAP_N = 32  # cells a side of every sensitivity map
MAP_STEPS = 300
MAP_OPTIMIZERS: tuple[str, ...] = tuple(lab.SECOND_AXIS)
SECOND_LABEL = {"beta": "β", "beta1": "β₁", "rho": "ρ"}
SECOND_MAX = {"beta": 0.99, "beta1": 0.99, "rho": 0.999}


def map_lrs(name: str, n: int = MAP_N) -> np.ndarray:
    """The map's learning rates: a log grid over the engine's range for ``name``."""
    low, high = own_lr_range(name)
    return simulate.log_grid(low, high, n)


def map_second_values(name: str, n: int = MAP_N) -> np.ndarray:
    return np.linspace(0.0, SECOND_MAX[lab.SECOND_AXIS[name]], n)


def sensitivity(
    name: str, landscape: landscapes.Landscape, start: Point, threshold: float
) -> lab.SensitivityMap:
    """One batched engine call: ``name`` at every (η, second) cell of its map."""
    return lab.sensitivity_map(
        name,
        landscape,
        start,
        MAP_STEPS,
        map_lrs(name),
        map_second_values(name),
        threshold=threshold,
    )


def map_summary(result: lab.SensitivityMap) -> dict[str, Any]:
    """A row of the maps' table: the best cell and how wide the good region is."""
    second = SECOND_LABEL[result.second]
    best = result.best_cell
    row = {"optimizer": optimizer_name(result.optimizer)}
    if best is None:
        row |= {
            "best η": math.nan,
            "best second knob": "—",
            "steps to ε": "never",
            "cells reaching ε": "0 %",
            "good η span (decades)": 0.0,
        }
        return row
    r, c = best
    row |= {
        "best η": float(result.lrs[c]),
        "best second knob": f"{second} = {fmt(float(result.second_values[r]), 3)}",
        "steps to ε": str(int(result.steps_to[r, c])),
        "cells reaching ε": f"{100 * result.good_fraction:.0f} %",
        "good η span (decades)": round(result.good_decades, 2),
    }
    return row


def map_sentence(result: lab.SensitivityMap) -> str:
    """One line about a map, computed from it."""
    name = optimizer_name(result.optimizer)
    best = result.best_cell
    if best is None:
        return (
            f"{name}: no cell of its map reaches loss ≤ {result.threshold:g} in {MAP_STEPS} steps."
        )
    r, c = best
    second = SECOND_LABEL[result.second]
    return (
        f"{name}: best at η = {format_rate(float(result.lrs[c]), 'compact')}, "
        f"{second} = {fmt(float(result.second_values[r]), 3)} "
        f"({int(result.steps_to[r, c])} steps); {100 * result.good_fraction:.0f} % of the "
        f"map reaches ε, and at the best {second} the good rates span "
        f"{fmt(result.good_decades, 2)} decades."
    )


# --------------------------------------------------------------------------- seed fans

FAN_SEEDS = 32
FAN_STEPS = 300
FAN_SIGMAS: tuple[float, ...] = (0.1, 0.25, 0.5, 1.0, 2.0)
FAN_DEFAULT_SIGMA = 0.5
FAN_PATH_POINTS = 60  # points per seed's path drawn on the map (payload)


def fan_seeds(first_seed: int, n: int = FAN_SEEDS) -> np.ndarray:
    """The seeds every racer is run with: the arena's seed and the next n − 1."""
    return np.arange(int(first_seed), int(first_seed) + n)


def fan(
    name: str,
    lr: float,
    landscape: landscapes.Landscape,
    start: Point,
    sigma: float,
    seeds: Sequence[int] | np.ndarray,
    schedule: RacerSchedule | None = None,
) -> lab.SeedFan:
    """``name`` at ``lr`` (or under ``schedule``) from ``start``, once per seed, batched."""
    rate = lr if schedule is None else schedule.build(lr, FAN_STEPS)
    opt = optimizers.make(name, lr=rate)
    return lab.seed_fan(opt, landscape, start, FAN_STEPS, sigma, seeds=seeds)


def fan_table(fans: Mapping[str, lab.SeedFan]) -> list[dict[str, Any]]:
    """The fans' leaderboard: ranked by median final loss, with each band and whether the
    racer is clear of the next one ("no clear winner" when their bands overlap)."""
    rows = []
    ranked = lab.rank_fans(fans)
    for i, (label, median, clear) in enumerate(ranked):
        low, high = fans[label].final_band
        diverged = int(fans[label].diverged.sum())
        if i + 1 == len(ranked):
            verdict = "—"
        elif clear:
            verdict = f"ahead of {optimizer_name(ranked[i + 1][0])}"
        else:
            verdict = f"no clear winner vs {optimizer_name(ranked[i + 1][0])}"
        rows.append(
            {
                "rank": i + 1,
                "optimizer": optimizer_name(label),
                "median final loss": median,
                "10 % of seeds below": low,
                "90 % of seeds below": high,
                "diverged seeds": diverged,
                "verdict": verdict,
            }
        )
    return rows


def fan_verdict(fans: Mapping[str, lab.SeedFan]) -> str:
    """One sentence: a clear winner, or which racers the seeds cannot tell apart."""
    ranked = lab.rank_fans(fans)
    if len(ranked) < 2:
        return ""
    leader, runner_up = ranked[0][0], ranked[1][0]
    if ranked[0][2]:
        return (
            f"**{optimizer_name(leader)} wins clearly**: its 10–90 % band of final losses "
            f"lies below {optimizer_name(runner_up)}'s, so the win is not luck of the seed."
        )
    tied = [optimizer_name(leader)]
    for label, _, _ in ranked[1:]:
        if lab.bands_overlap(fans[leader], fans[label]):
            tied.append(optimizer_name(label))
    return (
        f"**No clear winner** between {', '.join(tied[:-1])} and {tied[-1]}: their 10–90 % "
        f"bands overlap, so {optimizer_name(leader)}'s lower median may be the luck of the seeds."
    )


def fan_paths(result: lab.SeedFan, points: int = FAN_PATH_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """Every seed's path as one x and one y array (NaN between seeds), thinned, cut at
    divergence: one trace draws the whole fan."""
    steps = result.params.shape[0]
    index = np.unique(np.linspace(0, steps - 1, min(points, steps)).round().astype(int))
    xs, ys = [], []
    for seed in range(result.params.shape[1]):
        path = result.params[index, seed]
        finite = np.isfinite(path).all(axis=-1) & (np.abs(path) < 1e6).all(axis=-1)
        path = path[finite]
        xs.append(np.append(path[:, 0], np.nan))
        ys.append(np.append(path[:, 1], np.nan))
    return np.concatenate(xs), np.concatenate(ys)


# --------------------------------------------------------------------------- basins

BASIN_N = 48
BASIN_STEPS = 500
MAX_BASIN_RACERS = 4
BASIN_DEFAULT = "himmelblau"  # four minima: the richest picture


def basin_landscapes() -> tuple[str, ...]:
    """The arena's landscapes with several declared minima (where basins mean something)."""
    return tuple(n for n in LANDSCAPES if len(landscapes.get(n).minima) >= 2)


def basin_map(name: str, lr: float, landscape: str) -> lab.Basins:
    """``name`` from every start of a BASIN_N² grid over the map: one batched call."""
    opt = optimizers.make(name, lr=lr)
    return lab.basins(opt, landscapes.get(landscape), n=BASIN_N, steps=BASIN_STEPS)


def basin_names(result: lab.Basins) -> dict[int, str]:
    """Each label of a basin map in words: the minimum's coordinates, or what went wrong."""
    names = {i: f"minimum ({fmt(x, 3)}, {fmt(y, 3)})" for i, (x, y) in enumerate(result.minima)}
    names[lab.DIVERGED] = "diverged"
    names[lab.TRAVELLING] = "still travelling"
    return names


def basin_shares(result: lab.Basins) -> dict[str, float]:
    """Share of starts per outcome, in the order of :func:`basin_names`."""
    return {text: result.share(label) for label, text in basin_names(result).items()}


def shares_text(shares: Mapping[str, float]) -> str:
    """ "62 % to minimum (3, 2), 38 % diverged": the outcomes, largest first, none below 1 %."""
    shown = sorted(((v, k) for k, v in shares.items() if v >= 0.005), reverse=True)
    return ", ".join(
        f"{100 * v:.0f} % {'to ' if k.startswith('minimum') else ''}{k}" for v, k in shown
    )


def basin_outcome(result: lab.Basins, point: Point) -> str:
    """Where the start nearest ``point`` ends up, in words."""
    col = int(np.argmin(np.abs(result.xs - point[0])))
    row = int(np.argmin(np.abs(result.ys - point[1])))
    return basin_names(result)[int(result.label[row, col])]


def race_from(name: str, lr: float, landscape: str, start: Point) -> simulate.Trajectory:
    """One run of ``name`` from a clicked start, as long as the basins' runs."""
    land = landscapes.get(landscape)
    opt = optimizers.make(name, lr=lr)
    return simulate.run(opt, land, np.asarray(start, dtype=float), BASIN_STEPS)


def run_outcome(traj: simulate.Trajectory, landscape: str) -> tuple[str, int | None]:
    """Where a run from a clicked start ended, in words (the basins' rule: within 2 % of
    the box of a minimum), and the first step from which it stayed that close."""
    if traj.diverged_at is not None:
        return f"diverged at step {int(traj.diverged_at)}", None
    land = landscapes.get(landscape)
    (x0, x1), (y0, y1) = land.bounds
    tolerance = 0.02 * max(x1 - x0, y1 - y0)
    minima = np.asarray(land.minima, dtype=float)
    distance = np.linalg.norm(traj.params[:, None, :] - minima, axis=-1)  # (steps+1, minima)
    nearest = int(distance[-1].argmin())
    if distance[-1, nearest] > tolerance:
        return f"still travelling after {BASIN_STEPS} steps", None
    far = distance[:, nearest] > tolerance
    arrived = int(far.size - np.argmax(far[::-1])) if far.any() else 0
    x, y = minima[nearest]
    return f"minimum ({fmt(x, 3)}, {fmt(y, 3)})", arrived


# --------------------------------------------------------------------------- schedules

SCHEDULE_NAMES: tuple[str, ...] = schedules.NAMES
WARMUP_PERCENTS: tuple[int, ...] = (0, 5, 10, 20, 30)


@dataclass(frozen=True)
class RacerSchedule:
    """A chapter-7 schedule for one racer: its shape and warmup share of the step budget."""

    name: str = "constant"
    warmup_percent: int = 0

    @property
    def is_plain(self) -> bool:
        """Constant with no warmup: the racer's rate, unchanged."""
        return self.name == "constant" and self.warmup_percent == 0

    def build(self, peak_lr: float, total_steps: int) -> schedules.Schedule:
        warmup = round(total_steps * self.warmup_percent / 100)
        return schedules.make(self.name, float(peak_lr), int(total_steps), warmup_steps=warmup)

    def label(self) -> str:
        title = schedules.info(self.name)["title"]
        return title if self.warmup_percent == 0 else f"{title}, {self.warmup_percent} % warmup"


def schedules_to_query(chosen: Mapping[str, RacerSchedule]) -> dict[str, str]:
    """The racers' schedules as share-link keys (plain ones are left out)."""
    return {
        f"{SCHEDULE_KEY_PREFIX}{name}": f"{s.name}:{int(s.warmup_percent)}"
        for name, s in chosen.items()
        if not s.is_plain
    }


def parse_schedules(
    query: Mapping[str, Any], racing: Sequence[str]
) -> tuple[dict[str, RacerSchedule], list[str]]:
    """The racers' schedules from a share link, and the problems found (never raises)."""
    chosen: dict[str, RacerSchedule] = {}
    problems: list[str] = []
    for key, raw in query.items():
        if not str(key).startswith(SCHEDULE_KEY_PREFIX):
            continue
        name = str(key)[len(SCHEDULE_KEY_PREFIX) :]
        value = str(raw[-1] if isinstance(raw, list | tuple) and raw else raw)
        if name not in optimizers.NAMES or name not in racing:
            problems.append(f"a schedule for `{name[:24]}`, which is not racing")
            continue
        shape, _, warmup_text = value.partition(":")
        try:
            warmup = int(warmup_text or 0)
        except ValueError:
            warmup = -1
        if shape not in SCHEDULE_NAMES or warmup not in WARMUP_PERCENTS:
            problems.append(
                f"{optimizer_name(name)}'s schedule `{value[:24]}` is not one of "
                f"{', '.join(SCHEDULE_NAMES)} with a warmup of "
                f"{', '.join(str(w) for w in WARMUP_PERCENTS)} %"
            )
            continue
        chosen[name] = RacerSchedule(shape, warmup)
    return chosen, problems


def is_schedule_key(key: str) -> bool:
    return str(key).startswith(SCHEDULE_KEY_PREFIX)

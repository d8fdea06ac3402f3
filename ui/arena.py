"""Chapter 8's Optimizer Arena: the set-up, its share link, the sweeps and the race tables.

The pure parts need no Streamlit session and are unit-tested on their own:

- :class:`Setup` with :func:`parse_setup` / :func:`setup_to_query`: the arena set-up as
  URL query parameters, and back. A malformed link never raises: every bad field
  falls back to its default and is listed as a problem for the page to show.
- :func:`best_rate` and :func:`forgiving_range`: what a learning-rate sweep says.
- :func:`leaderboard`, :func:`race_csv`, :func:`first_step_table`: the race as tables.

Everything numeric comes from the engine (``simulate.run`` / ``simulate.sweep``).
"""

from __future__ import annotations

import math
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from engine import landscapes, optimizers, simulate
from ui.controls import log_options, nearest_option
from ui.state import Noise, Run, landscape_of

PAGE = "ch08"
URL_PATH = "arena"

LANDSCAPES: tuple[str, ...] = (
    "ravine",
    "rosenbrock",
    "saddle",
    "bowl",
    "elliptical",
    "himmelblau",
    "rastrigin",
    "beale",
    "noisy_ravine",
)
DEFAULT_LANDSCAPE = "ravine"
DEFAULT_OPTIMIZERS: tuple[str, ...] = ("sgd", "momentum", "rmsprop", "adam")

# The shared learning-rate slider: a log grid wide enough for every optimizer's taste.
LR_LOW, LR_HIGH, LR_DEFAULT = 1e-4, 10.0, 0.01
# Gradient noise: σ of one example's gradient, averaged over a batch of B (σ/√B).
NOISE_OPTIONS: tuple[float, ...] = (0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0)
BATCH_OPTIONS: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64)
SEED_MAX = 9999
# The loss threshold that ends a race (a log slider).
THRESHOLD_LOW, THRESHOLD_HIGH, THRESHOLD_DEFAULT = 1e-8, 1.0, 1e-3
SPEEDS: tuple[int, ...] = tuple(range(1, 11))
DEFAULT_SPEED = 5
PLAY_STEPS = 100
SWEEP_STEPS = 200  # horizon of the learning-rate sweep (final loss is measured here)
SWEEP_POINTS = 64  # learning rates per sweep (a log grid)
BAND_FACTOR = 2.0  # "forgiving": final loss within this factor of the best
LOSS_FLOOR = 1e-12  # smaller losses are drawn at this value on log axes
TRUE_VALUES = {"1", "true", "yes", "on"}
FALSE_VALUES = {"0", "false", "no", "off"}
IGNORED_KEYS = {"embed", "embed_options"}  # Streamlit's own query parameters
MAX_SHOWN = 24  # characters of a bad value quoted back in a notice

Point = tuple[float, float]


def shared_lr_options() -> list[float]:
    return log_options(LR_LOW, LR_HIGH)


def own_lr_range(name: str) -> tuple[float, float]:
    """The engine's slider range for optimizer ``name``'s learning rate."""
    low, high, _ = optimizers.info(name).ranges["lr"]
    return float(low), float(high)


def own_lr_options(name: str) -> list[float]:
    return log_options(*own_lr_range(name))


def display_name(name: str) -> str:
    return optimizers.info(name).display_name


# --------------------------------------------------------------------------- the set-up


@dataclass(frozen=True)
class Setup:
    """Everything a share link carries. ``start=None`` means the landscape's own start."""

    landscape: str = DEFAULT_LANDSCAPE
    optimizers: tuple[str, ...] = DEFAULT_OPTIMIZERS
    lr: float = LR_DEFAULT
    overrides: dict[str, float] = field(default_factory=dict)
    noise: float = 0.0
    batch: int = 1
    seed: int = 0
    start: Point | None = None
    fair: bool = False

    @property
    def noise_spec(self) -> Noise | None:
        """``(σ, batch, seed)`` for :func:`ui.state.landscape_of`, or None without noise."""
        return (float(self.noise), int(self.batch), int(self.seed)) if self.noise > 0 else None

    def start_point(self) -> Point:
        if self.start is not None:
            return self.start
        x, y = landscapes.get(self.landscape).start
        return float(x), float(y)

    def rate_for(self, name: str) -> float:
        """The rate ``name`` races at without the fair switch: its own, else the shared one."""
        return float(self.overrides.get(name, self.lr))


def _num(value: float) -> str:
    """A number for a URL: short, exact enough to restore the slider value."""
    text = f"{float(value):.6g}"
    return "0" if text == "-0" else text


def setup_to_query(setup: Setup) -> dict[str, str]:
    """The set-up as query parameters (the share link). Inverse of :func:`parse_setup`."""
    query = {
        "land": setup.landscape,
        "opt": ",".join(setup.optimizers),
        "lr": _num(setup.lr),
    }
    for name in setup.optimizers:
        if name in setup.overrides:
            query[f"lr_{name}"] = _num(setup.overrides[name])
    if setup.noise > 0:
        query["noise"] = _num(setup.noise)
        query["batch"] = str(int(setup.batch))
        query["seed"] = str(int(setup.seed))
    start = setup.start_point()
    query["start"] = f"{_num(start[0])},{_num(start[1])}"
    if setup.fair:
        query["fair"] = "1"
    return query


def share_path(query: Mapping[str, str], url_path: str = URL_PATH) -> str:
    """``/arena?land=…&opt=…``: the path and query a share link needs."""
    return f"/{url_path}?" + urllib.parse.urlencode(dict(query), safe=",")


def _quote(value: Any) -> str:
    """A bad value quoted back safely in a markdown notice (short, no backticks)."""
    text = str(value).replace("`", "'").replace("\n", " ")
    if len(text) > MAX_SHOWN:
        text = text[:MAX_SHOWN] + "…"
    return f"`{text}`"


def _single(value: Any) -> str:
    """One query value (a repeated key gives a list: the last one wins, as in Streamlit)."""
    if isinstance(value, list | tuple):
        return str(value[-1]) if value else ""
    return str(value)


def _parse_float(text: str) -> float | None:
    try:
        value = float(text.strip())
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _parse_int(text: str) -> int | None:
    value = _parse_float(text)
    if value is None or not float(value).is_integer():
        return None
    return int(value)


def _in_range(value: float, low: float, high: float) -> bool:
    return low * (1 - 1e-9) <= value <= high * (1 + 1e-9)


def parse_setup(query: Mapping[str, Any]) -> tuple[Setup, list[str]]:
    """The set-up a share link describes, and a list of problems found in it.

    Pure and total: any mapping of strings (or lists of strings) gives a valid
    :class:`Setup`. Every field that is missing takes its default silently; every field
    that is malformed or out of range takes its default and adds a problem. Learning
    rates and noise are snapped to the nearest notch of their slider.
    """
    problems: list[str] = []
    values = {str(k): _single(v) for k, v in query.items()}
    defaults = Setup()

    landscape = defaults.landscape
    if "land" in values:
        if values["land"] in LANDSCAPES:
            landscape = values["land"]
        else:
            problems.append(f"unknown landscape {_quote(values['land'])}")

    chosen: tuple[str, ...] = defaults.optimizers
    if "opt" in values:
        names, unknown = [], []
        for raw in values["opt"].split(","):
            name = raw.strip().lower()
            if not name:
                continue
            if name in optimizers.NAMES:
                if name not in names:
                    names.append(name)
            else:
                unknown.append(raw.strip())
        if unknown:
            problems.append("unknown optimizer " + ", ".join(_quote(u) for u in unknown))
        if names:
            chosen = tuple(n for n in optimizers.NAMES if n in names)  # the engine's order
        else:
            problems.append("no known optimizer in the link, so the default four race")

    lr = defaults.lr
    if "lr" in values:
        value = _parse_float(values["lr"])
        if value is None:
            problems.append(f"learning rate {_quote(values['lr'])} is not a number")
        elif not _in_range(value, LR_LOW, LR_HIGH):
            problems.append(
                f"learning rate {_quote(values['lr'])} is outside {_num(LR_LOW)}–{_num(LR_HIGH)}"
            )
        else:
            lr = nearest_option(shared_lr_options(), value)

    overrides: dict[str, float] = {}
    for key, text in values.items():
        if not key.startswith("lr_"):
            continue
        name = key[3:]
        if name not in optimizers.NAMES:
            problems.append(f"learning rate for an unknown optimizer {_quote(name)}")
            continue
        if name not in chosen:
            problems.append(f"a learning rate for {display_name(name)}, which is not racing")
            continue
        value = _parse_float(text)
        low, high = own_lr_range(name)
        if value is None or not _in_range(value, low, high):
            problems.append(
                f"{display_name(name)}'s learning rate {_quote(text)} is not a number "
                f"in {_num(low)}–{_num(high)}"
            )
            continue
        overrides[name] = nearest_option(own_lr_options(name), value)

    noise, batch, seed = defaults.noise, defaults.batch, defaults.seed
    if "noise" in values:
        value = _parse_float(values["noise"])
        if value is None or not 0 <= value <= max(NOISE_OPTIONS):
            problems.append(
                f"noise {_quote(values['noise'])} is not a number in 0–{_num(max(NOISE_OPTIONS))}"
            )
        else:
            noise = min(NOISE_OPTIONS, key=lambda option: abs(option - value))
    if "batch" in values:
        value = _parse_int(values["batch"])
        if value not in BATCH_OPTIONS:
            allowed = ", ".join(str(b) for b in BATCH_OPTIONS)
            problems.append(f"batch size {_quote(values['batch'])} is not one of {allowed}")
        else:
            batch = int(value)
    if "seed" in values:
        value = _parse_int(values["seed"])
        if value is None or not 0 <= value <= SEED_MAX:
            problems.append(f"seed {_quote(values['seed'])} is not a whole number 0–{SEED_MAX}")
        else:
            seed = int(value)

    start = defaults.start
    if "start" in values:
        parts = values["start"].split(",")
        point = [_parse_float(p) for p in parts] if len(parts) == 2 else [None]
        (x0, x1), (y0, y1) = landscapes.get(landscape).bounds
        if any(v is None for v in point):
            problems.append(f"start {_quote(values['start'])} is not two numbers x,y")
        elif not (x0 <= point[0] <= x1 and y0 <= point[1] <= y1):
            problems.append(
                f"start {_quote(values['start'])} lies outside the "
                f"{landscapes.get(landscape).title} map"
            )
        else:
            start = (round(float(point[0]), 3), round(float(point[1]), 3))

    fair = defaults.fair
    if "fair" in values:
        flag = values["fair"].strip().lower()
        if flag in TRUE_VALUES | FALSE_VALUES:
            fair = flag in TRUE_VALUES
        else:
            problems.append(f"fair {_quote(values['fair'])} is not 1 or 0")

    known = {"land", "opt", "lr", "noise", "batch", "seed", "start", "fair"} | IGNORED_KEYS
    for key in values:
        if key not in known and not key.startswith("lr_"):
            problems.append(f"unknown parameter {_quote(key)}")

    setup = Setup(
        landscape=landscape,
        optimizers=chosen,
        lr=lr,
        overrides=overrides,
        noise=noise,
        batch=batch,
        seed=seed,
        start=start,
        fair=fair,
    )
    return setup, problems


# --------------------------------------------------------------------------- sweeps


@dataclass(frozen=True)
class SweepResult:
    """One optimizer's sweep: ``losses`` is (steps+1, n), one column per rate."""

    optimizer: str
    lrs: np.ndarray
    losses: np.ndarray
    diverged_at: np.ndarray

    @property
    def final(self) -> np.ndarray:
        return self.losses[-1]

    @property
    def ok(self) -> np.ndarray:
        """Rates whose run never diverged."""
        return (self.diverged_at < 0) & np.isfinite(self.final)

    def steps_to(self, threshold: float) -> np.ndarray:
        """First step at or below ``threshold`` per rate (−1: never, or diverged first)."""
        reached = (self.losses <= threshold) & self.ok[None, :]
        return np.where(reached.any(axis=0), reached.argmax(axis=0), -1)


def sweep_grid(name: str, points: int = SWEEP_POINTS) -> np.ndarray:
    """The log grid of rates swept for ``name``: its engine slider range."""
    low, high = own_lr_range(name)
    return simulate.log_grid(low, high, points)


def run_sweep(
    name: str,
    landscape: str,
    noise: Noise | None,
    start: Point,
    steps: int = SWEEP_STEPS,
    points: int = SWEEP_POINTS,
) -> SweepResult:
    """One batched ``simulate.sweep`` call: ``name`` at every rate of its grid."""
    lrs = sweep_grid(name, points)
    traj = simulate.sweep(name, landscape_of(landscape, noise), start, steps, lrs)
    return SweepResult(
        optimizer=name,
        lrs=lrs,
        losses=np.asarray(traj.losses, dtype=np.float64),
        diverged_at=np.asarray(traj.diverged_at, dtype=np.int64),
    )


def best_rate(sweep: SweepResult, threshold: float) -> int | None:
    """Index of the best rate in a sweep: the race winner among runs that end finished.

    Runs whose final loss is at or below ``threshold`` have finished and stayed there;
    among them the one that crossed the line first wins (ties: lower final loss). A run
    that dipped under the line and bounced back out does not count. When no run ends
    finished, the lowest final loss wins; when every rate diverged, there is none.
    """
    ok = sweep.ok
    if not ok.any():
        return None
    final = np.where(ok, sweep.final, np.inf)
    finished = final <= threshold
    if finished.any():
        steps = np.where(finished, sweep.steps_to(threshold), np.iinfo(np.int64).max)
        candidates = np.flatnonzero(steps == steps.min())
        return int(candidates[np.argmin(final[candidates])])
    return int(np.argmin(final))


@dataclass(frozen=True)
class ForgivingRange:
    """The stretch of rates around the best one whose final loss is still good."""

    best: int
    low: float
    high: float
    at_low_edge: bool  # the range runs into the end of the swept grid
    at_high_edge: bool

    @property
    def width(self) -> float:
        """high / low: how many times the rate can change and still do well."""
        return self.high / self.low


def forgiving_range(
    sweep: SweepResult, threshold: float, factor: float = BAND_FACTOR
) -> ForgivingRange | None:
    """Rates next to the best whose final loss is within ``factor``× of the best one's.

    A final loss at or below ``threshold`` counts as good too (the run has finished,
    and comparing 1e-30 with 1e-20 would only measure rounding). The range is the
    unbroken run of good rates around the best rate.
    """
    best = best_rate(sweep, threshold)
    if best is None:
        return None
    final = sweep.final
    limit = max(factor * float(final[best]), threshold)
    good = sweep.ok & (final <= limit)
    lo = hi = best
    while lo - 1 >= 0 and good[lo - 1]:
        lo -= 1
    while hi + 1 < len(good) and good[hi + 1]:
        hi += 1
    return ForgivingRange(
        best=best,
        low=float(sweep.lrs[lo]),
        high=float(sweep.lrs[hi]),
        at_low_edge=lo == 0,
        at_high_edge=hi == len(good) - 1,
    )


def format_rate(value: float) -> str:
    return f"{value:.3g}" if value >= 1e-3 else f"{value:.0e}"


def range_text(name: str, rng: ForgivingRange | None) -> str:
    """“Adam: 0.003–0.3, a 100× range” (with ≤/≥ where the grid ran out)."""
    if rng is None:
        return f"{display_name(name)}: diverged at every rate swept"
    if rng.low == rng.high:
        return (
            f"{display_name(name)}: only {format_rate(rng.low)} (the neighbouring rates on the "
            f"grid already end more than {BAND_FACTOR:g}× worse)"
        )
    low = ("≤ " if rng.at_low_edge else "") + format_rate(rng.low)
    high = ("≥ " if rng.at_high_edge else "") + format_rate(rng.high)
    edge = " (at least: the grid ends there)" if rng.at_low_edge or rng.at_high_edge else ""
    return f"{display_name(name)}: {low} – {high}, a {rng.width:.3g}× range{edge}"


# --------------------------------------------------------------------------- race tables


@dataclass(frozen=True)
class Entry:
    """One racer: its run and where its learning rate came from."""

    optimizer: str
    run: Run
    lr: float
    rate_source: str  # "shared", "own" or "best in sweep"


def steps_to_threshold(run: Run, threshold: float) -> int | None:
    """First step whose loss is at or below ``threshold`` (before any divergence)."""
    last = run.steps if run.diverged_at is None else min(run.diverged_at, run.steps)
    reached = np.flatnonzero(np.asarray(run.losses[: last + 1]) <= threshold)
    if run.diverged_at is not None:
        reached = reached[reached < run.diverged_at]
    return int(reached[0]) if reached.size else None


def last_sane(run: Run) -> int:
    """The last step worth showing: the divergence step, or the current one."""
    return run.steps if run.diverged_at is None else min(run.diverged_at, run.steps)


def leaderboard(entries: Sequence[Entry], threshold: float) -> pd.DataFrame:
    """The race as a table, best first: reached the threshold (sooner first), then still
    running (lower loss first), then diverged (later first)."""
    rows = []
    for e in entries:
        reach = steps_to_threshold(e.run, threshold)
        last = last_sane(e.run)
        x, y = e.run.path[last]
        final = float(e.run.losses[last])
        if reach is not None:
            order = (0, reach, final)
        elif e.run.diverged_at is None:
            order = (1, 0, final)
        else:
            order = (2, -e.run.diverged_at, 0.0)
        rows.append(
            (
                order,
                {
                    "optimizer": display_name(e.optimizer),
                    "η": e.lr,
                    "η from": e.rate_source,
                    "steps to threshold": reach,
                    "loss now": final,
                    "diverged at step": e.run.diverged_at,
                    "ends at": f"({x:.3g}, {y:.3g})",
                },
            )
        )
    rows.sort(key=lambda r: r[0])
    table = pd.DataFrame([r[1] for r in rows])
    if not table.empty:
        table.insert(0, "rank", range(1, len(table) + 1))
        for column in ("steps to threshold", "diverged at step"):
            table[column] = table[column].astype("Int64")
    return table


def race_csv(entries: Sequence[Entry]) -> str:
    """The race as CSV: step, optimizer, x, y, loss (each run up to its divergence)."""
    frames = []
    for e in entries:
        last = last_sane(e.run)
        frames.append(
            pd.DataFrame(
                {
                    "step": np.arange(last + 1),
                    "optimizer": e.optimizer,
                    "x": e.run.path[: last + 1, 0],
                    "y": e.run.path[: last + 1, 1],
                    "loss": e.run.losses[: last + 1],
                }
            )
        )
    if not frames:
        return "step,optimizer,x,y,loss\n"
    return pd.concat(frames, ignore_index=True).to_csv(index=False)


def first_step_table(
    names: Sequence[str], rates: Mapping[str, float], landscape: str, noise: Noise | None, start
) -> pd.DataFrame:
    """Every racer's first update from the same start, in units of its learning rate.

    The gradient is the same for all; what each optimizer does with it is not. Δθ/η
    is the step measured in learning rates: −g for SGD, about −sign(g) for Adam.
    """
    land = landscape_of(landscape, noise)
    params = np.asarray(start, dtype=np.float64)
    rows = []
    for name in names:
        opt = optimizers.make(name, lr=rates[name])
        with np.errstate(all="ignore"):
            new, _, info = opt.step_with_info(params, land.gradient_fn(0), opt.init(params))
        grad = np.asarray(info["grad"], dtype=np.float64)
        step = np.asarray(new, dtype=np.float64) - params
        rows.append(
            {
                "optimizer": display_name(name),
                "η": rates[name],
                "g₁ (x)": grad[0],
                "g₁ (y)": grad[1],
                "Δθ₁/η (x)": step[0] / rates[name] if rates[name] else np.nan,
                "Δθ₁/η (y)": step[1] / rates[name] if rates[name] else np.nan,
                "step length ‖Δθ₁‖": float(np.linalg.norm(step)),
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- what to notice


def nearest_minimum(landscape: str, point: np.ndarray) -> tuple[Point, float]:
    """The landscape's known minimum closest to ``point`` and the distance to it."""
    minima = np.asarray(landscapes.get(landscape).minima, dtype=np.float64)
    dist = np.linalg.norm(minima - np.asarray(point, dtype=np.float64), axis=-1)
    i = int(np.argmin(dist))
    return (float(minima[i, 0]), float(minima[i, 1])), float(dist[i])


def ridge_escape(
    names: Sequence[str], rates: Mapping[str, float], start_x: float, steps: int = SWEEP_STEPS
) -> dict[str, float]:
    """Saddle, started exactly on its ridge (y = 0): |y| after ``steps`` per optimizer.

    0 means it never left the ridge. The gradient's y-part is exactly 0 there, so no
    deterministic optimizer gets a push off it, momentum or not.
    """
    land = landscapes.get("saddle")
    out = {}
    for name in names:
        traj = simulate.run(optimizers.make(name, lr=rates[name]), land, (start_x, 0.0), steps)
        last = steps if traj.diverged_at is None else traj.diverged_at
        out[name] = float(abs(traj.params[last][1]))
    return out


LANDSCAPE_NOTES: dict[str, str] = {
    "ravine": (
        "A ravine is steep across and nearly flat along. Watch plain SGD bounce from wall "
        "to wall while it inches down the floor; momentum averages the bounces away and "
        "builds speed along the floor; RMSProp and Adam divide each coordinate by its own "
        "gradient size, so the steep and the flat direction move at a similar pace."
    ),
    "rosenbrock": (
        "Reaching the banana-shaped valley is quick; following its curved, almost flat "
        "floor to (1, 1) is the hard part. The gradient points mostly across the valley, "
        "so a fixed-rate method either crawls along it or is thrown across it."
    ),
    "saddle": (
        "Near the saddle at the origin the gradient almost vanishes, so every method slows "
        "down; how long each one lingers depends on how fast it amplifies the small "
        "sideways offset of the start."
    ),
    "bowl": (
        "The easy case: every direction curves the same, the gradient points straight at "
        "the minimum, and only the step size matters."
    ),
    "elliptical": (
        "One direction curves far more than the other. A single global rate must stay "
        "below the steep direction's limit, so the shallow direction crawls; per-coordinate "
        "rates fix that."
    ),
    "himmelblau": (
        "Four equally low minima: the contest is as much about which basin a method ends "
        "in as about speed. Look at the “ends at” column."
    ),
    "rastrigin": (
        "Dozens of dimples: gradient methods tend to settle in the nearest one. Bigger "
        "steps, momentum or noise can hop over ridges, and none of that is a guarantee."
    ),
    "beale": (
        "Flat plateaus beside very steep walls: a rate small enough for the walls crawls on "
        "the plateau, and one big enough for the plateau flies off the walls."
    ),
    "noisy_ravine": (
        "The ravine with a noisy gradient, as from mini-batches: paths jitter, and runs "
        "hover around the minimum instead of settling on it. Compare the noise σ and batch "
        "size controls below."
    ),
}


# --------------------------------------------------------------------------- Streamlit
# Everything below draws widgets; the functions above stay pure.

import plotly.graph_objects as go  # noqa: E402
import streamlit as st  # noqa: E402 - the pure part above is importable and tested first

from ui import controls, explorer, figures, palette  # noqa: E402
from ui.state import PageState, advance, sync_run  # noqa: E402

RUN_PREFIX = "race:"


def page_state() -> PageState:
    return PageState(PAGE)


@st.cache_data(show_spinner=False, max_entries=160)
def cached_sweep(
    name: str, landscape: str, noise: Noise | None, start: Point, steps: int = SWEEP_STEPS
) -> SweepResult:
    """:func:`run_sweep`, cached across reruns and sessions (one batched call each)."""
    return run_sweep(name, landscape, noise, start, steps)


def load_setup(ps: PageState, setup: Setup) -> None:
    """Put a set-up into the arena's widgets (before they are drawn) and its start."""
    ss = st.session_state
    ss[ps.key("land")] = setup.landscape
    for name in optimizers.NAMES:
        ss[ps.key(f"opt:{name}")] = name in setup.optimizers
        ss[ps.key(f"own:{name}")] = name in setup.overrides
        if name in setup.overrides:
            ss[ps.key(f"lr:{name}")] = setup.overrides[name]
    ss[ps.key("lr")] = setup.lr
    ss[ps.key("noise")] = setup.noise
    ss[ps.key("batch")] = setup.batch
    ss[ps.key("seed")] = setup.seed
    ss[ps.key("fair")] = setup.fair
    if setup.start is None:
        ps.pop(f"start:{setup.landscape}")
    else:
        ps.set(f"start:{setup.landscape}", setup.start)


def apply_link(ps: PageState) -> list[str] | None:
    """Restore the set-up from the URL when the URL says something new.

    Returns the problems found (an empty list for a clean link), or None when the URL
    holds nothing new (empty, or the query this page wrote itself).
    """
    try:
        incoming = st.query_params.to_dict()
    except Exception:  # a broken query string must not take the page down
        return ["the query string could not be read"]
    if not incoming or incoming == ps.get("url:synced"):
        return None
    setup, problems = parse_setup(incoming)
    load_setup(ps, setup)
    return problems


def sync_link(ps: PageState, setup: Setup) -> dict[str, str]:
    """Write the set-up into the URL (only when it changed) and remember it."""
    query = setup_to_query(setup)
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)
    ps.set("url:synced", query)
    return query


def on_fair_change() -> None:
    """The fair switch changes every rate at once: start the race again from step 0."""
    ps = page_state()
    for name in optimizers.NAMES:
        ps.pop(f"run:{RUN_PREFIX}{name}")


def setup_controls(ps: PageState) -> tuple[Setup, dict[str, Any]]:
    """Draw the arena's controls; return the set-up and the display settings."""
    landscape = controls.landscape_picker(ps, list(LANDSCAPES), name="land")
    st.markdown("**Racers** (each in its course colour on the charts)")
    with st.container(horizontal=True, gap="small"):
        chosen = [
            name
            for name in optimizers.NAMES
            if st.checkbox(
                display_name(name),
                value=name in DEFAULT_OPTIMIZERS,
                key=ps.key(f"opt:{name}"),
                help=optimizers.info(name).innovation,
                persist_state=controls.PERSIST,
            )
        ]
    c1, c2, c3 = st.columns(3, gap="medium")
    with c1:
        lr = controls.log_slider(
            ps,
            "lr",
            "Shared learning rate η (log scale)",
            low=LR_LOW,
            high=LR_HIGH,
            default=LR_DEFAULT,
            help="Every racer uses this rate, unless it has its own (below) or the fair "
            "switch is on.",
        )
    with c2:
        threshold = controls.log_slider(
            ps,
            "threshold",
            "Finish line: loss threshold",
            low=THRESHOLD_LOW,
            high=THRESHOLD_HIGH,
            default=THRESHOLD_DEFAULT,
            help="A racer finishes at the first step whose loss is at or below this.",
        )
    with c3:
        speed = st.select_slider(
            "Playback speed",
            options=list(SPEEDS),
            value=DEFAULT_SPEED,
            key=ps.key("speed"),
            help="How fast ▶ on the chart replays the precomputed race.",
            persist_state=controls.PERSIST,
        )
    c4, c5 = st.columns([3, 2], gap="medium", vertical_alignment="center")
    with c4:
        fair = st.toggle(
            "Fair race: every racer at its own best rate from the sweep",
            value=False,
            key=ps.key("fair"),
            on_change=on_fair_change,
            help="Off: the shared rate (or a racer's own). On: the rate that reached the "
            f"finish line fastest in a {SWEEP_STEPS}-step sweep. Switching restarts the race.",
            persist_state=controls.PERSIST,
        )
    with c5:
        view = controls.view_toggle(ps, name="view")

    overrides: dict[str, float] = {}
    with st.expander("Own learning rates (override the shared one)", icon=":material/tune:"):
        if fair:
            st.caption("The fair switch is on, so every racer uses its best rate instead.")
        for name in chosen:
            left, right = st.columns([1, 3], vertical_alignment="center")
            with left:
                own = st.checkbox(
                    f"Own η for {display_name(name)}",
                    value=False,
                    key=ps.key(f"own:{name}"),
                    persist_state=controls.PERSIST,
                )
            with right:
                low, high = own_lr_range(name)
                value = controls.log_slider(
                    ps,
                    f"lr:{name}",
                    f"{display_name(name)}'s η",
                    low=low,
                    high=high,
                    default=lr,
                    help=f"The engine's range for {display_name(name)}: "
                    f"{format_rate(low)}–{format_rate(high)}.",
                )
            if own:
                overrides[name] = value
        if not chosen:
            st.caption("Pick at least one racer first.")

    with st.expander("Gradient noise (mini-batch)", icon=":material/grain:"):
        n1, n2, n3 = st.columns(3, gap="medium")
        with n1:
            noise = st.select_slider(
                "Noise σ per example",
                options=list(NOISE_OPTIONS),
                value=0.0,
                key=ps.key("noise"),
                help="Standard deviation of one example's gradient noise. 0 = exact gradients.",
                persist_state=controls.PERSIST,
            )
        with n2:
            batch = st.select_slider(
                "Batch size B",
                options=list(BATCH_OPTIONS),
                value=1,
                key=ps.key("batch"),
                help="Averaging B examples divides the noise's standard deviation by √B.",
                persist_state=controls.PERSIST,
            )
        with n3:
            seed = controls.number(
                ps,
                "seed",
                "Noise seed",
                min_value=0,
                max_value=SEED_MAX,
                default=0,
                step=1,
                help="The same seed replays the same noise, step for step.",
            )
        effective = float(noise) / math.sqrt(int(batch))
        if landscape == "noisy_ravine" and noise == 0:
            own_noise = landscapes.get("noisy_ravine").noise_std
            st.caption(
                f"The noisy ravine brings its own noise (σ = {own_noise:g}); a σ above 0 "
                "here replaces it."
            )
        elif noise > 0:
            st.caption(f"Noise on each gradient coordinate: σ/√B = {effective:.3g}.")

    setup = Setup(
        landscape=landscape,
        optimizers=tuple(chosen),
        lr=float(lr),
        overrides=overrides,
        noise=float(noise),
        batch=int(batch),
        seed=int(seed),
        start=explorer.start_for(ps, landscape),
        fair=bool(fair),
    )
    return setup, {"view": view, "speed": int(speed), "threshold": float(threshold)}


def race_rates(
    setup: Setup, sweeps: Mapping[str, SweepResult], threshold: float
) -> tuple[dict[str, float], dict[str, str]]:
    """Each racer's learning rate and where it came from."""
    rates, sources = {}, {}
    for name in setup.optimizers:
        best = best_rate(sweeps[name], threshold) if setup.fair else None
        if best is not None:
            rates[name], sources[name] = float(sweeps[name].lrs[best]), "best in sweep"
        elif name in setup.overrides:
            rates[name], sources[name] = setup.overrides[name], "own"
        else:
            rates[name] = setup.lr
            sources[name] = "shared" if not setup.fair else "shared (all diverged)"
    return rates, sources


def sync_race(
    ps: PageState, setup: Setup, rates: Mapping[str, float], sources: Mapping[str, str]
) -> list[Entry]:
    """Bring every racer's stored run in line with the set-up; newcomers catch up.

    A racer that was unticked loses its run; one that joins mid-race is advanced to
    the step the others have reached, so the leaderboard compares like with like.
    """
    for name in optimizers.NAMES:
        if name not in setup.optimizers:
            ps.pop(f"run:{RUN_PREFIX}{name}")
    runs = {}
    for name in setup.optimizers:
        try:
            runs[name] = sync_run(
                ps,
                RUN_PREFIX + name,
                optimizer=name,
                hyperparams={"lr": rates[name]},
                landscape=setup.landscape,
                start=setup.start_point(),
                noise=setup.noise_spec,
            )
        except ValueError as exc:  # an invalid value: say so, keep the page alive
            st.warning(f"{display_name(name)} cannot race with these settings ({exc}).")
    target = max((r.steps for r in runs.values()), default=0)
    for name, run in runs.items():
        if run.steps < target and not run.diverged:
            runs[name] = ps.update_run(RUN_PREFIX + name, advance(run, target - run.steps))
    return [Entry(name, runs[name], rates[name], sources[name]) for name in runs]


def entry_trace(entry: Entry) -> figures.PathTrace:
    return figures.PathTrace(
        label=f"{display_name(entry.optimizer)} (η {format_rate(entry.lr)})",
        path=entry.run.path,
        losses=entry.run.losses,
        color=palette.optimizer_color(entry.optimizer),
        diverged_at=entry.run.diverged_at,
    )


LOG_COLOR = {"rosenbrock", "beale", "himmelblau"}  # steep walls: colour by log loss


def payload_caps(racers: int) -> dict[str, int]:
    """Frames and path points per racer that keep the race map under its JSON budget.

    Both grow with the number of racers, so the caps shrink with it: 4 racers keep the
    figure defaults, all 13 share the budget.
    """
    racers = max(1, int(racers))
    return {
        "max_frames": min(figures.MAX_FRAMES, max(40, 1500 // racers)),
        "max_path_points": min(figures.MAX_PATH_POINTS, max(150, 4000 // racers)),
    }


def _tagged(build: Callable[..., go.Figure], meta: str, *args: Any, **kwargs: Any) -> go.Figure:
    """``build(*args, **kwargs)`` with ``meta`` set (the browser tests find charts by it)."""
    return build(*args, **kwargs).update_layout(meta=meta)


def race_view(ps: PageState, setup: Setup, settings: Mapping[str, Any]) -> list[Entry]:
    """Buttons, the landscape with every path, loss curves, leaderboard, export and link."""
    threshold = settings["threshold"]
    sweeps = {
        name: cached_sweep(name, setup.landscape, setup.noise_spec, setup.start_point())
        for name in setup.optimizers
    }
    rates, sources = race_rates(setup, sweeps, threshold)
    entries = sync_race(ps, setup, rates, sources)
    if not entries:
        st.info("Tick at least one racer above to start a race.", icon=":material/flag:")
        return entries
    controls.run_buttons(
        ps, [RUN_PREFIX + e.optimizer for e in entries], play_steps=PLAY_STEPS, drop_ball=False
    )
    entries = [
        Entry(e.optimizer, ps.run(RUN_PREFIX + e.optimizer) or e.run, e.lr, e.rate_source)
        for e in entries
    ]
    land = landscape_of(setup.landscape, setup.noise_spec)
    traces = [entry_trace(e) for e in entries]
    plays = [e.run.play_from for e in entries if e.run.play_from is not None]
    view = settings["view"]
    step = max(e.run.steps for e in entries)
    fig = figures.memo_figure(
        _tagged,
        figures.landscape_figure,
        "arena:race",
        explorer.landscape_grid(setup.landscape),
        view=view,
        trajectories=traces,
        start=setup.start_point(),
        minima=land.minima,
        saddles=land.saddles,
        loss_fn=land.loss,
        animate_from=min(plays) if plays else 0,
        click_grid=explorer.CLICK_GRID_N if view == "2d" else 0,
        log_color=setup.landscape in LOG_COLOR,
        height=520 if view == "2d" else 540,
        frame_ms=round(400 / settings["speed"]),
        **payload_caps(len(traces)),
    )
    left, right = st.columns([3, 2], gap="medium")
    with left:
        where = "click the map to start there" if view == "2d" else "drag to turn the surface"
        st.markdown(f"**{land.title}, step {step}:** {where}")
        explorer.landscape_chart(
            ps, "race", setup.landscape, fig, view, hint_3d="Switch to 2-D to click a new start."
        )
    with right:
        st.markdown("**Loss per step** (dashed: the finish line)")
        loss_fig = figures.memo_figure(
            _tagged,
            figures.loss_curve_figure,
            "arena:loss",
            traces,
            log_y=True,
            threshold=threshold,
            title=None,
            height=520 if view == "2d" else 540,
            max_points=payload_caps(len(traces))["max_path_points"],
            min_loss=LOSS_FLOOR,
        )
        st.plotly_chart(loss_fig, key=ps.key("race:loss"), config={"displayModeBar": False})
    st.caption(
        "Hover a path for its step and loss. **Step** moves every racer one update, "
        f"**Play {PLAY_STEPS}** computes {PLAY_STEPS} more and ▶ on the map replays them, "
        "**Reset** puts everyone back on the start with empty buffers. A run that blows up "
        "stops where it diverged, marked ✕. Losses below 10⁻¹² are drawn at 10⁻¹²."
    )

    st.subheader("Leaderboard")
    board = leaderboard(entries, threshold)
    shown = board.copy()
    for column in ("steps to threshold", "diverged at step"):
        shown[column] = [("—" if pd.isna(v) else str(int(v))) for v in board[column]]
    st.dataframe(
        shown,
        hide_index=True,
        column_config={
            "rank": st.column_config.NumberColumn("#", width="small"),
            "η": st.column_config.NumberColumn("η", format="%.3g"),
            "steps to threshold": st.column_config.TextColumn(
                f"steps to loss ≤ {threshold:g}", help="First step at or below the finish line"
            ),
            "loss now": st.column_config.NumberColumn("loss now", format="%.3e"),
            "diverged at step": st.column_config.TextColumn("diverged at step"),
        },
        key=ps.key("race:board"),
    )
    finished = board[board["steps to threshold"].notna()] if not board.empty else board
    if step == 0:
        st.caption("Press **Step** or **Play** to start the race.")
    elif not finished.empty:
        lead = finished.iloc[0]
        st.caption(
            f"Step {step}: **{lead['optimizer']}** crossed the finish line first, at step "
            f"{int(lead['steps to threshold'])}."
        )
    else:
        st.caption(f"Step {step}: nobody has reached loss ≤ {threshold:g} yet.")

    query = sync_link(ps, setup)
    share, export = st.columns([3, 2], gap="medium")
    with share:
        st.markdown("**Copy share link** (landscape, racers, rates, noise and start)")
        st.code(share_link(query), language=None, wrap_lines=True)
    with export:
        st.markdown("**Export**")
        st.download_button(
            "Download the race (CSV)",
            data=lambda done=tuple(entries): race_csv(done),  # built only when clicked
            file_name=f"arena-{setup.landscape}-step{step}.csv",
            mime="text/csv",
            icon=":material/download:",
            on_click="ignore",
            key=ps.key("race:csv"),
        )
        st.caption("Columns: step, optimizer, x, y, loss.")
    return entries


def share_link(query: Mapping[str, str]) -> str:
    """The share link: the full URL when the browser told us the address, else path+query."""
    path = share_path(query)
    try:
        url = st.context.url
    except Exception:
        url = None
    if url:
        parts = urllib.parse.urlsplit(str(url))
        if parts.scheme and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}{path}"
    return path


def sweeps_for(setup: Setup) -> dict[str, SweepResult]:
    return {
        name: cached_sweep(name, setup.landscape, setup.noise_spec, setup.start_point())
        for name in setup.optimizers
    }


def sensitivity_rows(
    sweeps: Mapping[str, SweepResult], threshold: float
) -> tuple[list[figures.SweepCurve], pd.DataFrame, dict[str, ForgivingRange | None]]:
    """Curves for the chart, the summary table and each racer's forgiving range."""
    curves, rows, ranges = [], [], {}
    for name, sw in sweeps.items():
        rng = forgiving_range(sw, threshold)
        ranges[name] = rng
        curves.append(
            figures.SweepCurve(
                label=display_name(name),
                lrs=sw.lrs,
                final_losses=sw.final,
                diverged_at=sw.diverged_at,
                color=palette.optimizer_color(name),
                best=None if rng is None else rng.best,
                band=None if rng is None else (rng.low, rng.high),
            )
        )
        steps = sw.steps_to(threshold)
        rows.append(
            {
                "optimizer": display_name(name),
                "rates swept": f"{format_rate(sw.lrs[0])}–{format_rate(sw.lrs[-1])}",
                "best η": None if rng is None else float(sw.lrs[rng.best]),
                "steps to threshold at best η": "—"
                if rng is None or steps[rng.best] < 0
                else str(int(steps[rng.best])),
                "final loss at best η": None if rng is None else float(sw.final[rng.best]),
                "rates that diverged": f"{int((~sw.ok).sum())} of {sw.lrs.size}",
            }
        )
    table = pd.DataFrame(rows)
    if not table.empty:
        for column in ("best η", "final loss at best η"):
            table[column] = table[column].astype("Float64")  # a gap reads <NA>, not nan
    return curves, table, ranges


def sensitivity_view(ps: PageState, setup: Setup, settings: Mapping[str, Any]) -> None:
    """Final loss against learning rate for every racer, with its forgiving range."""
    if not setup.optimizers:
        st.info("Tick at least one racer in the arena to sweep its learning rate.")
        return
    threshold = settings["threshold"]
    sweeps = sweeps_for(setup)
    curves, table, ranges = sensitivity_rows(sweeps, threshold)
    st.markdown(
        f"**{landscape_of(setup.landscape, setup.noise_spec).title}: final loss after "
        f"{SWEEP_STEPS} steps at {SWEEP_POINTS} learning rates per racer**"
    )
    st.plotly_chart(
        figures.memo_figure(
            _tagged,
            figures.lr_sensitivity_figure,
            "arena:sweep",
            curves,
            current_lr=setup.lr,
            threshold=threshold,
            loss_title=f"final loss after {SWEEP_STEPS} steps (log)",
            floor=LOSS_FLOOR,
            height=420,
        ),
        key=ps.key("sweep:chart"),
        config={"displayModeBar": False},
    )
    st.caption(
        "Each curve is one batched engine call: the racer run from the arena's start at "
        f"{SWEEP_POINTS} learning rates at once, for {SWEEP_STEPS} steps. Thick stretch: "
        f"rates within {BAND_FACTOR:g}× of the best final loss (or under the finish line). "
        "Star: the best rate (the one the fair race uses). ✕ along the top: the run "
        "diverged. Dotted line: the shared rate. Losses below 10⁻¹² sit on the floor."
    )
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            "best η": st.column_config.NumberColumn(format="%.3g"),
            "final loss at best η": st.column_config.NumberColumn(format="%.2e"),
        },
        key=ps.key("sweep:table"),
    )
    measured = {n: r for n, r in ranges.items() if r is not None}
    lines = [f"- {range_text(name, rng)}" for name, rng in ranges.items()]
    st.markdown("\n".join(lines))
    if len(measured) >= 2:
        st.markdown(forgiving_verdict(measured))


def forgiving_verdict(ranges: Mapping[str, ForgivingRange]) -> str:
    """Who is most forgiving here, or that nobody clearly is (widths within 2× of each other)."""
    widest = max(ranges, key=lambda n: ranges[n].width)
    narrowest = min(ranges, key=lambda n: ranges[n].width)
    wide, narrow = ranges[widest].width, ranges[narrowest].width
    if wide < 2 * narrow:
        return (
            "No racer is clearly more forgiving here: the ranges are within 2× of each other "
            f"({narrow:.3g}× to {wide:.3g}×)."
        )
    edge = ranges[widest].at_low_edge or ranges[widest].at_high_edge
    return (
        f"Here the most forgiving racer is **{display_name(widest)}**, with "
        f"{'at least ' if edge else ''}a {wide:.3g}× range of good rates; the least is "
        f"**{display_name(narrowest)}** "
        f"({narrow:.3g}×)."
    )


def quadratic_curvature(landscape: str) -> float | None:
    """Largest curvature of a quadratic landscape (the same everywhere), else None."""
    land = landscapes.get(landscape)
    a = land.hessian_diag(np.asarray(land.start, dtype=np.float64))
    b = land.hessian_diag(np.array([0.37, -0.61]))
    if not np.allclose(a, b):
        return None
    return float(np.max(a))


def notice_lines(setup: Setup, entries: Sequence[Entry], threshold: float) -> list[str]:
    """Computed observations for the current landscape and racers (markdown bullets)."""
    lines: list[str] = []
    sweeps = sweeps_for(setup)
    finishers = []
    never, dipped = [], []
    for name, sw in sweeps.items():
        best = best_rate(sw, threshold)
        steps = sw.steps_to(threshold)
        if best is not None and sw.final[best] <= threshold and steps[best] >= 0:
            finishers.append((int(steps[best]), name, float(sw.lrs[best])))
        elif (steps >= 0).any():
            dipped.append(name)
        else:
            never.append(name)
    finishers.sort()
    if finishers:
        order = ", then ".join(
            f"{display_name(n)} (step {s}, η {format_rate(lr)})" for s, n, lr in finishers
        )
        lines.append(
            f"**Fair race, from the sweep:** each racer at its own best rate reaches loss "
            f"≤ {threshold:g} in this order: {order}."
        )
    if dipped:
        names = ", ".join(display_name(n) for n in dipped)
        lines.append(
            f"{names} dipped below loss {threshold:g} at some rates but bounced back out: "
            f"no rate swept ends below it after {SWEEP_STEPS} steps."
        )
    if never:
        names = ", ".join(display_name(n) for n in never)
        lines.append(
            f"{names} never reached loss ≤ {threshold:g} within {SWEEP_STEPS} steps at any "
            "rate swept."
        )
    curvature = quadratic_curvature(setup.landscape)
    if curvature and "sgd" in sweeps:
        sw = sweeps["sgd"]
        bad = sw.lrs[~sw.ok]
        limit = 2.0 / curvature
        if bad.size:
            lines.append(
                f"**SGD's speed limit:** this landscape is quadratic with largest curvature "
                f"{curvature:g}, so plain gradient descent is stable only for η < 2/{curvature:g}"
                f" = {limit:.3g}. The sweep agrees: the smallest rate at which SGD diverged is "
                f"{format_rate(float(bad.min()))}."
            )
    if setup.landscape == "saddle" and setup.optimizers:
        rates = {e.optimizer: e.lr for e in entries} or {n: setup.lr for n in setup.optimizers}
        x0 = setup.start_point()[0]
        escaped = ridge_escape(list(rates), rates, x0)
        left = [display_name(n) for n, y in escaped.items() if y > 1e-9]
        stuck = [display_name(n) for n, y in escaped.items() if y <= 1e-9]
        text = (
            f"**Started exactly on the ridge** (x = {x0:g}, y = 0), {SWEEP_STEPS} steps at "
            "the racers' rates: "
        )
        if stuck:
            text += f"{', '.join(stuck)} never left it"
        if left:
            text += ("; " if stuck else "") + f"{', '.join(left)} did"
        text += (
            ". On the ridge the y-gradient is exactly 0, and an optimizer that has never "
            "seen a y-gradient has no y-velocity either: momentum alone does not escape a "
            "perfect saddle. Real training always has some noise (try the noise σ) or an "
            f"offset, like the default start's y = {landscapes.get('saddle').start[1]:g}."
        )
        lines.append(text)
    if setup.landscape in ("himmelblau", "rastrigin") and entries and entries[0].run.steps > 0:
        ends = []
        for e in entries:
            point = e.run.path[last_sane(e.run)]
            (mx, my), dist = nearest_minimum(setup.landscape, point)
            where = (
                f"the minimum at ({mx:.3g}, {my:.3g})"
                if dist < 0.05
                else f"({point[0]:.3g}, {point[1]:.3g}), loss {e.run.losses[last_sane(e.run)]:.3g}"
            )
            ends.append(f"{display_name(e.optimizer)} → {where}")
        lines.append("**Where your racers are now:** " + "; ".join(ends) + ".")
    return lines


@st.cache_data(show_spinner=False, max_entries=4)
def from_scratch_agrees(source: str, lrs: tuple[float, ...] = (0.01, 0.1)) -> bool | None:
    """Whether the page's hand-written race finishes at the same steps as the engine.

    Runs ``source`` for its ``race``, ``sgd``, ``momentum`` and ``adam`` and races each
    on the ravine at every rate in ``lrs``, against ``simulate.run`` of the engine's
    optimizer (None when the snippet defines no ``race``). Cached by the source: the
    answer only changes when the code does.
    """
    from ui.code_panel import run_snippet

    _, namespace = run_snippet(source)
    race = namespace.get("race")
    if not callable(race):
        return None
    ravine = landscapes.get("ravine")
    agree = True
    for lr in lrs:
        for name in ("sgd", "momentum", "adam"):
            traj = simulate.run(optimizers.make(name, lr=lr), ravine, ravine.start, 200)
            engine_step = traj.steps_to(1e-3)
            if traj.diverged_at is not None and engine_step is not None:
                engine_step = engine_step if engine_step < traj.diverged_at else None
            mine = race(namespace[name], lr, start=tuple(np.asarray(ravine.start, float)))
            agree = agree and mine == engine_step
    return agree

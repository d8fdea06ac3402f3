"""The arena's set-up and its share link: what a race is, as URL query parameters.

:class:`Setup` with :func:`parse_setup` / :func:`setup_to_query`, and how far the race has
gone (:data:`STEP_KEY`, read by :func:`parse_step`): runs are deterministic (noise is
seeded), so a reload or a shared link recomputes the race to the same step. A malformed
link never raises: every bad field falls back to its default and is listed as a problem
for the page to show. Every key a link may carry is listed once, in :data:`LINK_KEYS`.
Pure: no Streamlit, no Plotly.
"""

from __future__ import annotations

import math
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine import landscapes, optimizers
from engine.formula import PARAM_KEYS, FormulaError, FormulaSpec, parse_params, to_params
from kit import own_landscape
from kit.format import optimizer_name
from kit.options import log_options, nearest_option
from kit.state import MAX_STEPS, Noise, landscape_of

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
LR_LOW = 1e-4
LR_HIGH = 10.0
LR_DEFAULT = 0.01
# Gradient noise: σ of one example's gradient, averaged over a batch of B (σ/√B).
NOISE_OPTIONS: tuple[float, ...] = (0.0, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0)
BATCH_OPTIONS: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64)
SEED_MAX = 9999
TRUE_VALUES = {"1", "true", "yes", "on"}
FALSE_VALUES = {"0", "false", "no", "off"}
IGNORED_KEYS = {"embed", "embed_options"}  # Streamlit's own query parameters
STEP_KEY = "step"
# Every query parameter the arena's link carries (a new one goes here, and into
# setup_to_query and its parser): anything else in a link is reported as unknown.
LINK_KEYS: dict[str, str] = {
    "land": "the landscape",
    "opt": "the racers, comma-separated",
    "lr": "the shared learning rate",
    "noise": "gradient noise σ per example",
    "batch": "batch size B",
    "seed": "noise seed",
    "start": "the start point x,y",
    "fair": "the fair-race switch, 1 or 0",
    STEP_KEY: "how many steps the race has run",
    # A typed formula (land=formula): engine.formula's share-link fields.
    "f": "the formula L(x, y)",
    "xmin": "the formula's view box, x from",
    "xmax": "the formula's view box, x to",
    "ymin": "the formula's view box, y from",
    "ymax": "the formula's view box, y to",
    "sx": "the formula's start, x",
    "sy": "the formula's start, y",
}
LINK_PREFIXES: dict[str, str] = {
    "lr_": "a racer's own learning rate, lr_<optimizer>",
    "sched_": "a racer's schedule, sched_<optimizer>=<schedule>:<warmup %>",
}
MAX_SHOWN = 24  # characters of a bad value quoted back in a notice

Point = tuple[float, float]

# ---------------------------------------------------------------- schedules (issue 15)
# Each racer's learning-rate schedule travels as its own key, sched_<optimizer>=
# <schedule>:<warmup %>, read and written by chapters.ch08_arena.lab_logic
# (parse_schedules / schedules_to_query); parse_setup only lets these keys through.
SCHEDULE_KEY_PREFIX = "sched_"
# ---------------------------------------------------------------- end of schedules


def shared_lr_options() -> list[float]:
    return log_options(LR_LOW, LR_HIGH)


def own_lr_range(name: str) -> tuple[float, float]:
    """The engine's slider range for optimizer ``name``'s learning rate."""
    low, high, _ = optimizers.info(name).ranges["lr"]
    return float(low), float(high)


def own_lr_options(name: str) -> list[float]:
    return log_options(*own_lr_range(name))


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
        """``(σ, batch, seed)`` for :func:`kit.state.landscape_of`, or None without noise."""
        return (float(self.noise), int(self.batch), int(self.seed)) if self.noise > 0 else None

    def start_point(self) -> Point:
        if self.start is not None:
            return self.start
        x, y = landscape_of(self.landscape).start  # a built-in landscape or a formula key
        return float(x), float(y)

    def rate_for(self, name: str) -> float:
        """The rate ``name`` races at without the fair switch: its own, else the shared one."""
        return float(self.overrides.get(name, self.lr))


def _num(value: float) -> str:
    """A number for a URL: short, exact enough to restore the slider value."""
    text = f"{float(value):.6g}"
    return "0" if text == "-0" else text


def setup_to_query(setup: Setup, step: int = 0) -> dict[str, str]:
    """The set-up as query parameters (the share link), with the race's ``step`` when it
    has begun. Inverse of :func:`parse_setup` and :func:`parse_step`."""
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
    if own_landscape.is_formula_key(setup.landscape):
        query.update(formula_query(setup.landscape, start))
    else:
        query["start"] = f"{_num(start[0])},{_num(start[1])}"
    if setup.fair:
        query["fair"] = "1"
    if int(step) > 0:
        query[STEP_KEY] = str(int(step))
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
    if "land" in values and values["land"] != FORMULA_LAND:
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
            problems.append(f"a learning rate for {optimizer_name(name)}, which is not racing")
            continue
        value = _parse_float(text)
        low, high = own_lr_range(name)
        if value is None or not _in_range(value, low, high):
            problems.append(
                f"{optimizer_name(name)}'s learning rate {_quote(text)} is not a number "
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
    is_formula = values.get("land") == FORMULA_LAND or ("f" in values and "land" not in values)
    if is_formula:  # the learner's own formula: its own fields, start included
        landscape, start, formula_problems = parse_formula(values)
        problems.extend(formula_problems)
    elif "f" in values:
        problems.append("a formula (f) came with a built-in landscape, so it was ignored")
    if "start" in values and not is_formula:
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

    for key in values:
        if (
            key not in LINK_KEYS
            and key not in IGNORED_KEYS
            and not key.startswith(tuple(LINK_PREFIXES))
        ):
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


# --------------------------------------------------------------------------- the learner's formula
# land=formula&f=...&xmin=...&xmax=...&ymin=...&ymax=...&sx=...&sy=... (engine.formula's
# share-link fields); the arena's own "start" is not written for a formula.

FORMULA_LAND = own_landscape.FORMULA_CHOICE


def formula_query(key: str, start: Point) -> dict[str, str]:
    """The ``land=formula`` fields of a share link for formula key ``key``."""
    spec = own_landscape.spec_of(key)
    return {"land": FORMULA_LAND, **to_params(FormulaSpec(spec.formula, spec.bounds, start))}


def parse_formula(values: Mapping[str, str]) -> tuple[str, Point | None, list[str]]:
    """The formula key, start and problems of a link's formula fields (no sympy: the
    formula is only checked here; the page builds it). A refused formula leaves the
    default landscape, with the reason as the problem."""
    fields = {key: values[key] for key in PARAM_KEYS if key in values}
    try:
        spec = parse_params(fields)
    except FormulaError as error:
        return DEFAULT_LANDSCAPE, None, [f"the formula was refused: {error}"]
    return own_landscape.formula_key(spec.formula, spec.bounds), spec.start, []


def parse_step(query: Mapping[str, Any]) -> tuple[int | None, list[str]]:
    """How many steps the link says the race has run, and the problems found.

    None when the link does not say (a race not yet begun); a value that is not a whole
    number in 0–:data:`kit.state.MAX_STEPS` gives step 0 and a problem. Pure and total.
    """
    if STEP_KEY not in query:
        return None, []
    text = _single(query[STEP_KEY])
    value = _parse_int(text)
    if value is None or not 0 <= value <= MAX_STEPS:
        return 0, [
            f"step {_quote(text)} is not a whole number 0–{MAX_STEPS}, so the race starts at step 0"
        ]
    return int(value), []

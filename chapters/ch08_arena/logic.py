"""Chapter 8's pure logic: what a learning-rate sweep says (the best rate, the forgiving
range), the race as tables (leaderboard, CSV, first steps) and what to notice on each
landscape. No Streamlit, no Plotly.

Everything numeric comes from the engine (``simulate.run`` / ``simulate.sweep``); the
race's set-up and its share link are :mod:`chapters.ch08_arena.link`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from chapters.ch08_arena.link import Point, Setup, own_lr_range
from engine import landscapes, optimizers, simulate
from kit import palette
from kit.format import format_rate, optimizer_name
from kit.measure import stable_lr_limit, steps_to
from kit.plots.series import PathTrace
from kit.state import Noise, Run, landscape_of

PAGE = "ch08"
# The loss threshold that ends a race (a log slider).
THRESHOLD_LOW = 1e-8
THRESHOLD_HIGH = 1.0
THRESHOLD_DEFAULT = 1e-3
SPEEDS: tuple[int, ...] = tuple(range(1, 11))
DEFAULT_SPEED = 5
PLAY_STEPS = 100
SWEEP_STEPS = 200  # horizon of the learning-rate sweep (final loss is measured here)
SWEEP_POINTS = 64  # learning rates per sweep (a log grid)
BAND_FACTOR = 2.0  # "forgiving": final loss within this factor of the best
LOSS_FLOOR = 1e-12  # smaller losses are drawn at this value on log axes


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
        return np.where(self.ok, steps_to(self.losses, threshold, self.diverged_at), -1)


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


def range_text(name: str, rng: ForgivingRange | None) -> str:
    """“Adam: 0.003–0.3, a 100× range” (with ≤/≥ where the grid ran out)."""
    if rng is None:
        return f"{optimizer_name(name)}: diverged at every rate swept"
    if rng.low == rng.high:
        return (
            f"{optimizer_name(name)}: only {format_rate(rng.low, 'compact')} (the neighbouring rates on the "
            f"grid already end more than {BAND_FACTOR:g}× worse)"
        )
    low = ("≤ " if rng.at_low_edge else "") + format_rate(rng.low, "compact")
    high = ("≥ " if rng.at_high_edge else "") + format_rate(rng.high, "compact")
    edge = " (at least: the grid ends there)" if rng.at_low_edge or rng.at_high_edge else ""
    return f"{optimizer_name(name)}: {low} – {high}, a {rng.width:.3g}× range{edge}"


# --------------------------------------------------------------------------- race tables


@dataclass(frozen=True)
class Entry:
    """One racer: its run and where its learning rate came from."""

    optimizer: str
    run: Run
    lr: float
    rate_source: str  # "shared", "own" or "best in sweep"


def leaderboard(entries: Sequence[Entry], threshold: float) -> pd.DataFrame:
    """The race as a table, best first: reached the threshold (sooner first), then still
    running (lower loss first), then diverged (later first)."""
    rows = []
    for e in entries:
        reach = steps_to(e.run.losses, threshold, e.run.diverged_at)
        last = e.run.last_sane_step
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
                    "optimizer": optimizer_name(e.optimizer),
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
        # A run that started where the loss is not a number has none: a gap, not "nan".
        loss = table["loss now"].astype(float)
        table["loss now"] = loss.where(np.isfinite(loss)).astype("Float64")
    return table


def race_csv(entries: Sequence[Entry]) -> str:
    """The race as CSV: step, optimizer, x, y, loss (each run up to its divergence)."""
    frames = []
    for e in entries:
        last = e.run.last_sane_step
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
                "optimizer": optimizer_name(name),
                "η": rates[name],
                "g₁ (x)": grad[0],
                "g₁ (y)": grad[1],
                "Δθ₁/η (x)": step[0] / rates[name] if rates[name] else np.nan,
                "Δθ₁/η (y)": step[1] / rates[name] if rates[name] else np.nan,
                "step length ‖Δθ₁‖": float(np.linalg.norm(step)),
            }
        )
    table = pd.DataFrame(rows)
    # A start where a typed formula is not a number has no gradient: gaps, not "nan".
    for column in table.columns.drop(["optimizer"], errors="ignore"):
        values = table[column].astype(float)
        table[column] = values.where(np.isfinite(values)).astype("Float64")
    return table


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

FORMULA_NOTE = (
    "Your formula: nobody wrote these notes in advance, so read the race itself. Which "
    "racers reach the lowest minimum found, which settle in another basin (the “ends "
    "at” column), and which step into a blank patch where the formula is not a "
    "number and stop there, marked diverged?"
)

RUN_PREFIX = "race:"


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


def entry_trace(entry: Entry) -> PathTrace:
    return PathTrace(
        label=f"{optimizer_name(entry.optimizer)} (η {format_rate(entry.lr, 'compact')})",
        path=entry.run.path,
        losses=entry.run.losses,
        color=palette.optimizer_color(entry.optimizer),
        diverged_at=entry.run.diverged_at,
    )


LOG_COLOR = {"rosenbrock", "beale", "himmelblau"}  # steep walls: colour by log loss


@dataclass(frozen=True)
class SweepCurve:
    """One optimizer's learning-rate sweep: final loss per rate, from ``simulate.sweep``.

    ``diverged_at`` holds the engine's divergence step per rate (−1 = never). ``best``
    is the index of the rate the page calls best; ``band`` the (low, high) rates of its
    forgiving range, drawn as a highlighter over that part of the curve.
    """

    label: str
    lrs: np.ndarray
    final_losses: np.ndarray
    diverged_at: np.ndarray
    color: str = palette.FALLBACK_COLOR
    best: int | None = None
    band: tuple[float, float] | None = None


def sensitivity_rows(
    sweeps: Mapping[str, SweepResult], threshold: float
) -> tuple[list[SweepCurve], pd.DataFrame, dict[str, ForgivingRange | None]]:
    """Curves for the chart, the summary table and each racer's forgiving range."""
    curves, rows, ranges = [], [], {}
    for name, sw in sweeps.items():
        rng = forgiving_range(sw, threshold)
        ranges[name] = rng
        curves.append(
            SweepCurve(
                label=optimizer_name(name),
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
                "optimizer": optimizer_name(name),
                "rates swept": f"{format_rate(sw.lrs[0], 'compact')}–{format_rate(sw.lrs[-1], 'compact')}",
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
        f"Here the most forgiving racer is **{optimizer_name(widest)}**, with "
        f"{'at least ' if edge else ''}a {wide:.3g}× range of good rates; the least is "
        f"**{optimizer_name(narrowest)}** "
        f"({narrow:.3g}×)."
    )


def quadratic_curvature(landscape: str) -> float | None:
    """Largest curvature of a quadratic landscape (the same everywhere), else None."""
    land = landscape_of(landscape)  # a built-in landscape or a typed formula
    a = land.hessian_diag(np.asarray(land.start, dtype=np.float64))
    b = land.hessian_diag(np.array([0.37, -0.61]))
    if not np.allclose(a, b):
        return None
    return float(np.max(a))


def notice_lines(
    setup: Setup,
    entries: Sequence[Entry],
    threshold: float,
    sweeps: Mapping[str, SweepResult],
) -> list[str]:
    """Computed observations for the current landscape and racers (markdown bullets);
    ``sweeps`` holds each racer's learning-rate sweep."""
    lines: list[str] = []
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
            f"{optimizer_name(n)} (step {s}, η {format_rate(lr, 'compact')})"
            for s, n, lr in finishers
        )
        lines.append(
            f"**Fair race, from the sweep:** each racer at its own best rate reaches loss "
            f"≤ {threshold:g} in this order: {order}."
        )
    if dipped:
        names = ", ".join(optimizer_name(n) for n in dipped)
        lines.append(
            f"{names} dipped below loss {threshold:g} at some rates but bounced back out: "
            f"no rate swept ends below it after {SWEEP_STEPS} steps."
        )
    if never:
        names = ", ".join(optimizer_name(n) for n in never)
        lines.append(
            f"{names} never reached loss ≤ {threshold:g} within {SWEEP_STEPS} steps at any "
            "rate swept."
        )
    curvature = quadratic_curvature(setup.landscape)
    if curvature and "sgd" in sweeps:
        sw = sweeps["sgd"]
        bad = sw.lrs[~sw.ok]
        limit = stable_lr_limit(setup.landscape)
        if bad.size:
            lines.append(
                f"**SGD's speed limit:** this landscape is quadratic with largest curvature "
                f"{curvature:g}, so plain gradient descent is stable only for η < 2/{curvature:g}"
                f" = {limit:.3g}. The sweep agrees: the smallest rate at which SGD diverged is "
                f"{format_rate(float(bad.min()), 'compact')}."
            )
    if setup.landscape == "saddle" and setup.optimizers:
        rates = {e.optimizer: e.lr for e in entries} or {n: setup.lr for n in setup.optimizers}
        x0 = setup.start_point()[0]
        escaped = ridge_escape(list(rates), rates, x0)
        left = [optimizer_name(n) for n, y in escaped.items() if y > 1e-9]
        stuck = [optimizer_name(n) for n, y in escaped.items() if y <= 1e-9]
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
            point = e.run.path[e.run.last_sane_step]
            (mx, my), dist = nearest_minimum(setup.landscape, point)
            where = (
                f"the minimum at ({mx:.3g}, {my:.3g})"
                if dist < 0.05
                else f"({point[0]:.3g}, {point[1]:.3g}), loss {e.run.losses[e.run.last_sane_step]:.3g}"
            )
            ends.append(f"{optimizer_name(e.optimizer)} → {where}")
        lines.append("**Where your racers are now:** " + "; ".join(ends) + ".")
    return lines

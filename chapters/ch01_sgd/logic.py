"""Chapter 1's pure logic: the cost arithmetic, the seeded regression, two walkers (full
batch and mini-batch) stepped together, the noise measurements, the batch-size spectrum.
No Streamlit, no Plotly.

Every number comes from the engine (``engine.minibatch``, ``engine.worked``,
``engine.landscapes``/``optimizers``/``simulate``) or from plain arithmetic on the
learner's inputs. The two stepping demos keep a :class:`TwoPaths` record in the
session: one full-batch path and one mini-batch path from the same start.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from engine import landscapes, minibatch, optimizers, simulate, worked
from kit.format import fmt
from kit.plots.series import Grid, Point

PAGE = "ch01"


N_ARROWS = 30  # mini-batch arrows drawn at once
ARROW_SCALE = 0.6  # arrows show −ARROW_SCALE·∇: long enough to read, short enough to fit
VARIANCE_DRAWS = 2000  # batches drawn per batch size to measure the variance
GRID_N = 100
CLICK_GRID_N = 40
PLAY_STEPS = 40
DEFAULT_BATCH = 8
SADDLE_START: Point = (-2.5, 0.0)  # exactly on the ridge: clean descent never leaves it
SADDLE_SIGMA = 1.0  # one example's gradient noise on the saddle demo
ESCAPE_Y = 0.5  # |y| beyond this counts as having rolled off the saddle
ESCAPE_RUNS = 200
ESCAPE_LR = 0.1
SECONDS_PER_YEAR = 365.25 * 24 * 3600


@cache
def problem() -> minibatch.Problem:
    """The chapter's seeded two-weight regression (the engine's defaults)."""
    return minibatch.make_problem()


# --------------------------------------------------------------------------- cost arithmetic


@dataclass(frozen=True)
class CostEstimate:
    """What full-batch and mini-batch training cost under "every example costs the same"."""

    examples: int
    ms_per_example: float
    steps: int
    batch_size: int

    @property
    def full_step_seconds(self) -> float:
        return self.examples * self.ms_per_example / 1000.0

    @property
    def full_total_seconds(self) -> float:
        return self.full_step_seconds * self.steps

    @property
    def batch_step_seconds(self) -> float:
        return self.batch_size * self.ms_per_example / 1000.0

    @property
    def batch_total_seconds(self) -> float:
        return self.batch_step_seconds * self.steps

    @property
    def batch_steps_per_full_step(self) -> float:
        return self.examples / self.batch_size


def duration_text(seconds: float) -> str:
    """A duration in the unit a person would use: s, minutes, hours, days or years."""
    if not math.isfinite(seconds):
        return "—"
    units = (
        (SECONDS_PER_YEAR, "years"),
        (86400.0, "days"),
        (3600.0, "hours"),
        (60.0, "minutes"),
    )
    for size, name in units:
        if seconds >= 2 * size:
            return f"{fmt(seconds / size, 3)} {name}"
    return f"{fmt(seconds, 3)} s"


def seconds_text(seconds: float) -> str:
    """Seconds with thousands separators (12,000 s) or significant figures (0.32 s)."""
    if seconds >= 1000:
        return f"{seconds:,.0f} s"
    return f"{fmt(seconds, 3)} s"


# --------------------------------------------------------------------------- two paths


@dataclass(frozen=True)
class TwoPaths:
    """A full-batch path and a mini-batch path from one start, stepped together.

    ``full``/``mini`` are (steps+1, 2); ``full_seen``/``mini_seen`` count the examples
    each has processed by each step; a path that runs away is frozen where it was and
    its ``*_diverged`` step recorded. ``seed`` fixes the mini-batch noise of every step,
    so stepping one at a time and playing a stretch give the same path.
    """

    start: Point
    seed: int
    full: np.ndarray
    mini: np.ndarray
    full_seen: np.ndarray
    mini_seen: np.ndarray
    full_diverged: int | None = None
    mini_diverged: int | None = None
    play_from: int | None = None

    @property
    def steps(self) -> int:
        return len(self.full) - 1


def paths_slot(name: str) -> str:
    """Where the page keeps the :class:`TwoPaths` ``name`` in its namespace."""
    return f"paths:{name}"


def new_paths(start: Point, seed: int = 0) -> TwoPaths:
    p = np.asarray(start, dtype=np.float64).reshape(1, 2)
    zero = np.zeros(1)
    return TwoPaths((float(p[0, 0]), float(p[0, 1])), int(seed), p, p.copy(), zero, zero.copy())


# A stepper maps (which path, current point, step index) to the next point.
Stepper = Callable[[str, np.ndarray, int], np.ndarray]


def advance_paths(
    paths: TwoPaths,
    n: int,
    stepper: Stepper,
    *,
    cost: tuple[int, int],
    centre: np.ndarray,
    limit: float,
    play: bool = False,
) -> TwoPaths:
    """``paths`` after ``n`` more steps of each (pure).

    ``cost`` is the examples one step reads (full, mini). A point that stops being
    finite or lands farther than ``limit`` from ``centre`` counts as diverged: the path
    freezes at its last sane point, as the engine's simulator does.
    """
    n = max(0, int(n))
    if n == 0:
        return paths
    full, mini = list(paths.full), list(paths.mini)
    full_seen, mini_seen = list(paths.full_seen), list(paths.mini_seen)
    diverged = {"full": paths.full_diverged, "mini": paths.mini_diverged}
    tracks = {"full": (full, full_seen, cost[0]), "mini": (mini, mini_seen, cost[1])}
    with np.errstate(all="ignore"):
        for k in range(paths.steps, paths.steps + n):
            for which, (track, seen, per_step) in tracks.items():
                here = track[-1]
                if diverged[which] is not None:
                    track.append(here)
                    seen.append(seen[-1])
                    continue
                nxt = np.asarray(stepper(which, here, k), dtype=np.float64).reshape(2)
                if not np.all(np.isfinite(nxt)) or np.max(np.abs(nxt - centre)) > limit:
                    diverged[which] = k + 1
                    nxt = here
                track.append(nxt)
                seen.append(seen[-1] + per_step)
    return dataclasses.replace(
        paths,
        full=np.array(full),
        mini=np.array(mini),
        full_seen=np.array(full_seen),
        mini_seen=np.array(mini_seen),
        full_diverged=diverged["full"],
        mini_diverged=diverged["mini"],
        play_from=paths.steps if play else None,
    )


def batch_seed(seed: int, step: int) -> int:
    """The seed of one step's mini-batch: a fixed function of the run's seed and the step."""
    return int(seed) * 1_000_003 + int(step)


def regression_stepper(lr: float, batch_size: int, seed: int) -> Stepper:
    """One engine ``sgd`` step on the regression: full gradient or one seeded mini-batch."""
    prob = problem()

    def step(which: str, point: np.ndarray, k: int) -> np.ndarray:
        full, mini = minibatch.sgd_paths(prob, point, lr, 1, batch_size, seed=batch_seed(seed, k))
        return (full if which == "full" else mini)[1]

    return step


def saddle_stepper(lr: float, batch_size: int, seed: int) -> Stepper:
    """One engine ``sgd`` step on the saddle: clean, or with mini-batch-sized noise."""
    clean = landscapes.get("saddle")
    noisy = landscapes.noisy(clean, SADDLE_SIGMA, batch_size, seed)
    opt = optimizers.make("sgd", lr=lr)

    def step(which: str, point: np.ndarray, k: int) -> np.ndarray:
        land = clean if which == "full" else noisy
        new, _ = opt.step(point, land.gradient_fn(k), opt.init(point))
        return new

    return step


def vec_text(v: np.ndarray, digits: int = 3) -> str:
    return f"({fmt(float(v[0]), digits)}, {fmt(float(v[1]), digits)})"


def all_pairs_table(theta0: float) -> tuple[pd.DataFrame, np.ndarray, float]:
    """Every batch of two examples at θ₀ and its gradient; also the full-batch gradient."""
    pairs = list(itertools.combinations(range(1, 5), 2))
    grads = [worked.four_point_gradient(theta0, pair) for pair in pairs]
    full = worked.four_point_gradient(theta0)
    frame = pd.DataFrame(
        {
            "batch": ["{" + ", ".join(str(i) for i in pair) + "}" for pair in pairs],
            "batch gradient": [fmt(g, 4) for g in grads],
        }
    )
    return frame, np.array(grads), full


# --------------------------------------------------------------------------- spectrum


SPECTRUM = (
    (1, 1, "Pure SGD", "hardware mostly idle; very erratic steps"),
    (16, 64, "Small mini-batch", "moderate hardware use; generalises well"),
    (128, 512, "Standard mini-batch", "high hardware use; generalises well"),
    (1024, 8192, "Large mini-batch", "very high hardware use; learning rate needs retuning"),
)


def relative_noise(batch: int, n: int) -> float:
    """Std of a size-B batch gradient relative to one example's: √((1/B)(N−B)/(N−1))."""
    if n <= 1:
        return 0.0
    return math.sqrt((n - batch) / (batch * (n - 1)))


def spectrum_table(n: int) -> pd.DataFrame:
    """The batch-size spectrum for a data set of ``n`` examples, computed."""

    def span(lo: str, hi: str) -> str:
        return lo if lo == hi else f"{lo} – {hi}"

    rows = []
    for lo, hi, name, practice in SPECTRUM:
        if lo > n:
            rows.append(
                {
                    "batch size B": span(f"{lo:,}", f"{hi:,}"),
                    "name": name,
                    "updates per epoch ⌈N/B⌉": f"— (B > N = {n:,})",
                    "noise std vs one example": "—",
                    "in practice": practice,
                }
            )
            continue
        hi = min(hi, n)
        rows.append(
            {
                "batch size B": span(f"{lo:,}", f"{hi:,}"),
                "name": name,
                "updates per epoch ⌈N/B⌉": span(f"{math.ceil(n / lo):,}", f"{math.ceil(n / hi):,}"),
                "noise std vs one example": span(
                    fmt(relative_noise(lo, n), 3), fmt(relative_noise(hi, n), 3)
                ),
                "in practice": practice,
            }
        )
    rows.append(
        {
            "batch size B": f"N = {n:,}",
            "name": "Full batch (gradient descent)",
            "updates per epoch ⌈N/B⌉": "1",
            "noise std vs one example": "0",
            "in practice": "if it fits in memory at all; no noise to escape sharp minima",
        }
    )
    return pd.DataFrame(rows)


def problem_grid(n: int = GRID_N) -> Grid:
    """The regression loss on an n×n grid over its plotting box, as float32."""
    prob = problem()
    (x0, x1), (y0, y1) = prob.bounds
    xs = np.linspace(x0, x1, n)
    ys = np.linspace(y0, y1, n)
    gx, gy = np.meshgrid(xs, ys)
    z = prob.loss(np.stack([gx, gy], axis=-1))
    return xs.astype(np.float32), ys.astype(np.float32), z.astype(np.float32)


def variance_data(point: Point, seed: int) -> dict[str, np.ndarray | float]:
    """Measured and theoretical variance of the batch gradient at ``point`` for many B."""
    prob = problem()
    w = np.asarray(point, dtype=np.float64)
    n = prob.n
    # Powers of two below N; at B = N the variance is exactly 0 (nothing to measure).
    measured_sizes = (2 ** np.arange(int(math.log2(n)) + 1)).astype(int)
    measured_sizes = measured_sizes[measured_sizes < n]
    dense = np.unique(np.round(np.geomspace(1, n, 80)).astype(int))
    sigma2 = prob.per_example_variance(w)
    return {
        "sizes": measured_sizes,
        "measured": prob.gradient_variance(w, measured_sizes, VARIANCE_DRAWS, seed),
        "dense": dense,
        "theory": prob.theoretical_variance(w, dense),
        "plain": sigma2 / dense,
        "sigma2": sigma2,
    }


def measured_variance(point: Point, batch_size: int, seed: int) -> float:
    prob = problem()
    w = np.asarray(point, dtype=np.float64)
    return float(prob.gradient_variance(w, [batch_size], VARIANCE_DRAWS, seed)[0])


def escape_table(lr: float, sizes: tuple[int, ...] = (1, 4, 16, 64, 256)) -> pd.DataFrame:
    """Median steps to roll off the saddle, over many seeded runs, for several batch sizes."""
    saddle = landscapes.get("saddle")
    opt = optimizers.make("sgd", lr=lr)
    starts = np.tile(np.asarray(SADDLE_START, dtype=np.float64), (ESCAPE_RUNS, 1))
    horizon = 400
    rows = []
    for size in sizes:
        land = landscapes.noisy(saddle, SADDLE_SIGMA, size, seed=7)
        traj = simulate.run(opt, land, starts, horizon)
        off = np.abs(traj.params[..., 1]) > ESCAPE_Y
        first = np.where(off.any(axis=0), off.argmax(axis=0), -1)
        escaped = first >= 0
        rows.append(
            {
                "batch size B": f"{size:,}",
                "noise std σ/√B": fmt(SADDLE_SIGMA / math.sqrt(size), 3),
                "median steps to escape": fmt(float(np.median(first[escaped])), 3)
                if escaped.mean() >= 0.5
                else f"> {horizon}",
                "runs escaped": f"{int(escaped.sum())} of {ESCAPE_RUNS}",
            }
        )
    clean = simulate.run(opt, saddle, np.asarray(SADDLE_START), horizon)
    stuck = not np.any(np.abs(clean.params[:, 1]) > ESCAPE_Y)
    rows.append(
        {
            "batch size B": "full batch",
            "noise std σ/√B": "0",
            "median steps to escape": f"never (> {horizon})" if stuck else "escapes",
            "runs escaped": f"0 of {ESCAPE_RUNS}" if stuck else f"{ESCAPE_RUNS} of {ESCAPE_RUNS}",
        }
    )
    return pd.DataFrame(rows)

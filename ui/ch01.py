"""Chapter 1's interactive pieces (the page script keeps the prose and the order).

Every number these widgets print comes from the engine (``engine.minibatch``,
``engine.worked``, ``engine.landscapes``/``optimizers``) or from plain arithmetic on
the learner's inputs, done here at render time; nothing is typed into the prose.

The two stepping demos (full batch against mini-batch on the regression bowl, and
the saddle escape) keep a :class:`TwoPaths` record in the session: one full-batch
path and one mini-batch path from the same start, advanced together by Step / Play.
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
import streamlit as st

from engine import landscapes, minibatch, optimizers, simulate, worked
from ui import controls, figures, palette
from ui.numbers import fmt
from ui.state import PageState

PAGE = "ch01"
Point = tuple[float, float]

N_ARROWS = 30  # mini-batch arrows drawn at once
ARROW_SCALE = 0.6  # arrows show −ARROW_SCALE·∇: long enough to read, short enough to fit
VARIANCE_DRAWS = 2000  # batches drawn per batch size to measure the variance
GRID_N = 100
CLICK_GRID_N = 40
PLAY_STEPS = 40
DEFAULT_BATCH = 8
RUNAWAY_FACTOR = 100.0  # like engine.simulate: this many half-widths out counts as lost
SADDLE_START: Point = (-2.5, 0.0)  # exactly on the ridge: clean descent never leaves it
SADDLE_SIGMA = 1.0  # one example's gradient noise on the saddle demo
ESCAPE_Y = 0.5  # |y| beyond this counts as having rolled off the saddle
ESCAPE_RUNS = 200
ESCAPE_LR = 0.1
SECONDS_PER_YEAR = 365.25 * 24 * 3600
FULL_COLOR = figures.FULL_BATCH_COLOR
MINI_COLOR = palette.optimizer_color("sgd")


def ps() -> PageState:
    return PageState(PAGE)


@cache
def problem() -> minibatch.Problem:
    """The chapter's seeded two-weight regression (the engine's defaults)."""
    return minibatch.make_problem()


@st.cache_data(show_spinner=False)
def problem_grid(n: int = GRID_N) -> figures.Grid:
    """The regression loss on an n×n grid over its plotting box, as float32."""
    prob = problem()
    (x0, x1), (y0, y1) = prob.bounds
    xs = np.linspace(x0, x1, n)
    ys = np.linspace(y0, y1, n)
    gx, gy = np.meshgrid(xs, ys)
    z = prob.loss(np.stack([gx, gy], axis=-1))
    return xs.astype(np.float32), ys.astype(np.float32), z.astype(np.float32)


@st.cache_data(show_spinner=False)
def saddle_grid(n: int = GRID_N) -> figures.Grid:
    xs, ys, z = landscapes.get("saddle").grid(n)
    return np.asarray(xs, np.float32), np.asarray(ys, np.float32), np.asarray(z, np.float32)


MAP_STYLE = {"raster": True, "light_valleys": True}
"""How this chapter draws its loss maps: light valleys (the arrows and paths there stay
readable) painted as an image, which, unlike a contour trace, stays on screen during ▶."""


MARKERS_IN_CAPTION = ("minimum", "saddle point", "start", "current point")


def soften(fig, view: str, legend_rows: int = 2):
    """Room above a landscape for a two-row legend; the fixed markers (minimum, start …)
    leave the legend, which keeps it short on a phone, and the caption names them."""
    fig.update_layout(margin={"t": 40 + 22 * legend_rows})
    fig.update_traces(showlegend=False, selector=lambda t: t.name in MARKERS_IN_CAPTION)
    return fig


def dotted(fig, steps: int, up_to: int = 60):
    """Mark every step on a short loss curve (a lone first point is otherwise invisible)."""
    if steps <= up_to:
        fig.update_traces(mode="lines+markers", marker={"size": 5}, selector={"mode": "lines"})
    return fig


# Figure builders with this chapter's finishing touches, for ``figures.memo_figure``: a
# rerun that changes nothing a chart shows reuses the chart instead of rebuilding it.


def softened_chart(build: Callable, view: str, legend_rows: int, /, *args, **kwargs):
    """``soften(build(*args, view=view, **kwargs), view, legend_rows)``."""
    return soften(build(*args, view=view, **kwargs), view, legend_rows)


def dotted_chart(build: Callable, steps: int, /, *args, **kwargs):
    """``dotted(build(*args, **kwargs), steps)``."""
    return dotted(build(*args, **kwargs), steps)


def excess_loss_chart(excess: list[figures.PathTrace], steps: int):
    """Loss above the optimum per step, every step marked while the run is short."""
    curve = figures.loss_curve_figure(excess, title="Loss above the optimum, per step", height=300)
    log = curve.layout.yaxis.type == "log"
    curve.update_yaxes(title_text="loss above optimum" + (" (log scale)" if log else ""))
    return dotted(curve, steps)


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


def cost_calculator() -> CostEstimate:
    """The ImageNet arithmetic, with the learner's own numbers."""
    state = ps()
    c1, c2, c3, c4 = st.columns(4)
    with c1:
        n = controls.number(
            state,
            "cost:n",
            "Training examples N",
            min_value=1,
            max_value=10**10,
            default=1_200_000,
            step=100_000,
            help="ImageNet's training set has about 1.2 million images.",
        )
    with c2:
        ms = controls.number(
            state,
            "cost:ms",
            "ms per example (forward + backward)",
            min_value=0.001,
            max_value=100_000.0,
            default=10.0,
            step=1.0,
            help="Roughly a ResNet-50 image on one GPU.",
        )
    with c3:
        steps = controls.number(
            state,
            "cost:steps",
            "Update steps to converge",
            min_value=1,
            max_value=10**9,
            default=100_000,
            step=10_000,
        )
    with c4:
        batch = controls.number(
            state,
            "cost:batch",
            "Mini-batch size B",
            min_value=1,
            max_value=10**10,
            default=32,
            step=1,
        )
    n, steps, batch = int(n), int(steps), int(batch)
    if batch > n:
        st.warning(
            f"A mini-batch cannot hold more examples than the data set has ({n:,}); "
            f"the numbers below use B = N = {n:,}."
        )
        batch = n
    est = CostEstimate(n, float(ms), steps, batch)
    with st.container(horizontal=True, gap="medium"):
        st.metric(
            "One full-batch step",
            duration_text(est.full_step_seconds),
            help=f"{n:,} examples × {fmt(est.ms_per_example)} ms = "
            f"{seconds_text(est.full_step_seconds)}",
            border=True,
            width="content",
        )
        st.metric(
            f"{steps:,} full-batch steps",
            duration_text(est.full_total_seconds),
            border=True,
            width="content",
        )
        st.metric(
            f"One step with B = {batch:,}",
            duration_text(est.batch_step_seconds),
            border=True,
            width="content",
        )
        st.metric(
            "Mini-batch steps in the time of one full-batch step",
            f"{est.batch_steps_per_full_step:,.0f}"
            if est.batch_steps_per_full_step >= 100
            else fmt(est.batch_steps_per_full_step, 4),
            border=True,
            width="content",
        )
    st.markdown(
        f"One exact gradient costs {n:,} × {fmt(est.ms_per_example)} ms = "
        f"**{seconds_text(est.full_step_seconds)}**, about "
        f"**{duration_text(est.full_step_seconds)}** for a single step. Times {steps:,} "
        f"steps, that is **{duration_text(est.full_total_seconds)}** of computing. With "
        f"B = {batch:,} a step takes {duration_text(est.batch_step_seconds)}, so "
        f"{steps:,} of them take {duration_text(est.batch_total_seconds)}."
    )
    return est


# --------------------------------------------------------------------------- pipeline


def pipeline_demo() -> None:
    """Shuffle → split → update → repeat, on ten numbered examples, as four cards."""
    state = ps()
    n_demo = 10
    left, right = st.columns([3, 2], vertical_alignment="bottom")
    with left:
        batch = st.slider(
            "Batch size B for this picture",
            min_value=1,
            max_value=n_demo,
            value=3,
            key=state.key("pipe:B"),
            persist_state=controls.PERSIST,
        )
    with right:
        st.button(
            "Next epoch (reshuffle)",
            key=state.key("pipe:next"),
            icon=":material/shuffle:",
            on_click=lambda: state.set("pipe:epoch", state.get("pipe:epoch", 1) + 1),
        )
    epoch = int(state.get("pipe:epoch", 1))
    order = minibatch.batch_indices(n_demo, n_demo, 1, seed=epoch)[0] + 1
    batches = [order[i : i + batch] for i in range(0, n_demo, batch)]
    updates = len(batches)
    ragged = n_demo % batch != 0

    cards = st.columns(4, gap="small")
    with cards[0], st.container(border=True, height="stretch"):
        st.markdown("**① Shuffle**")
        st.caption(f"Epoch {epoch}: a fresh random order of the {n_demo} examples.")
        st.markdown(" ".join(f"`{i}`" for i in order))
    with cards[1], st.container(border=True, height="stretch"):
        st.markdown("**② Split**")
        st.caption(f"Cut the order into chunks of B = {batch}.")
        st.markdown("  \n".join(" ".join(f"`{i}`" for i in b) for b in batches))
        if ragged:
            short = len(batches[-1])
            st.caption(f"The last batch is short: {short} example{'s' if short != 1 else ''}.")
    with cards[2], st.container(border=True, height="stretch"):
        st.markdown("**③ Update, once per batch**")
        st.caption("Forward and backward on the batch only, then one step.")
        st.markdown("θ ← θ − η · ∇L̃(θ)")
    with cards[3], st.container(border=True, height="stretch"):
        st.markdown("**④ Epoch done: repeat**")
        st.caption("Every example was used exactly once.")
        st.markdown(
            f"⌈N/B⌉ = ⌈{n_demo}/{batch}⌉ = **{updates} update{'s' if updates != 1 else ''}** "
            "this epoch. Reshuffle and go again."
        )


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


def runaway(bounds: tuple[Point, Point]) -> tuple[np.ndarray, float]:
    (x0, x1), (y0, y1) = bounds
    centre = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    return centre, RUNAWAY_FACTOR * max(x1 - x0, y1 - y0) / 2


def sync_paths(state: PageState, name: str, start: Point) -> TwoPaths:
    """The stored paths ``name``; a new start begins afresh (a new seed, too)."""
    paths = state.get(f"paths:{name}")
    if not isinstance(paths, TwoPaths):
        return state.set(f"paths:{name}", new_paths(start, seed=0))
    if not np.allclose(paths.start, start):
        return state.set(f"paths:{name}", new_paths(start, seed=paths.seed + 1))
    return paths


def step_buttons(
    state: PageState,
    name: str,
    stepper: Stepper,
    *,
    cost: tuple[int, int],
    bounds: tuple[Point, Point],
    play_steps: int = PLAY_STEPS,
) -> None:
    """Step / Play / Reset for the stored :class:`TwoPaths` ``name`` (callbacks)."""
    centre, limit = runaway(bounds)

    def move(n: int, play: bool) -> None:
        paths = state.get(f"paths:{name}")
        if isinstance(paths, TwoPaths):
            state.set(
                f"paths:{name}",
                advance_paths(paths, n, stepper, cost=cost, centre=centre, limit=limit, play=play),
            )

    def reset() -> None:
        paths = state.get(f"paths:{name}")
        if isinstance(paths, TwoPaths):
            state.set(f"paths:{name}", new_paths(paths.start, seed=paths.seed + 1))

    with st.container(horizontal=True, gap="small"):
        st.button(
            "Step",
            key=state.key(f"{name}:btn:step"),
            on_click=move,
            args=(1, False),
            icon=":material/skip_next:",
            type="primary",
            help="One update of each path",
        )
        st.button(
            f"Play {play_steps}",
            key=state.key(f"{name}:btn:play"),
            on_click=move,
            args=(play_steps, True),
            icon=":material/play_arrow:",
            help=f"Compute {play_steps} more updates; ▶ under the chart replays them",
        )
        st.button(
            "Reset",
            key=state.key(f"{name}:btn:reset"),
            on_click=reset,
            icon=":material/restart_alt:",
            help="Back to the start; the mini-batch path gets a fresh sequence of batches",
        )


def click_key(state: PageState, name: str) -> str:
    """Chart key that changes after every click, so a new click is never swallowed."""
    return state.key(f"{name}:chart:{state.get(f'{name}:clicks', 0)}")


def on_click(state: PageState, name: str, chart_key: str, target: str, bounds) -> None:
    """``on_select`` callback: a click on the contour stores the point in ``target``."""
    event = st.session_state.get(chart_key)
    selection = getattr(event, "selection", None)
    if selection is None and isinstance(event, dict):
        selection = event.get("selection")
    point = figures.pick_start(selection, bounds)
    if point is None:
        return
    state.set(target, point)
    state.set(f"{name}:clicks", state.get(f"{name}:clicks", 0) + 1)


def clickable_chart(state: PageState, name: str, fig, target: str, bounds, view: str) -> None:
    if view == "2d":
        key = click_key(state, name)
        st.plotly_chart(
            fig,
            key=key,
            on_select=lambda: on_click(state, name, key, target, bounds),
            selection_mode="points",
            config={"displayModeBar": False},
        )
    else:
        st.plotly_chart(fig, key=state.key(f"{name}:chart3d"), config={"displayModeBar": False})
        st.caption("Drag to turn the surface. Switch to 2-D to click a new point.")


# --------------------------------------------------------------------------- gradient noise


@st.cache_data(show_spinner=False)
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


@st.cache_data(show_spinner=False)
def measured_variance(point: Point, batch_size: int, seed: int) -> float:
    prob = problem()
    w = np.asarray(point, dtype=np.float64)
    return float(prob.gradient_variance(w, [batch_size], VARIANCE_DRAWS, seed)[0])


def grad_point(state: PageState) -> Point:
    point = state.get("grad:point")
    if point is None:
        start = problem().start
        point = (round(float(start[0]), 3), round(float(start[1]), 3))
    return float(point[0]), float(point[1])


def vec_text(v: np.ndarray, digits: int = 3) -> str:
    return f"({fmt(float(v[0]), digits)}, {fmt(float(v[1]), digits)})"


def gradient_noise_lab() -> None:
    """Full-batch vs mini-batch gradients, the 1/B law, and paths with Step/Play/Reset."""

    @st.fragment
    def lab() -> None:
        state = ps()
        prob = problem()
        n = prob.n
        c1, c2, c3 = st.columns([4, 3, 2], vertical_alignment="bottom")
        with c1:
            batch = st.slider(
                f"Batch size B (1 … N = {n})",
                min_value=1,
                max_value=n,
                value=DEFAULT_BATCH,
                key=state.key("grad:B"),
                persist_state=controls.PERSIST,
                help="How many of the N examples each mini-batch averages.",
            )
        with c2:
            view = controls.view_toggle(state, name="grad:view")
        with c3:
            st.button(
                "Resample",
                key=state.key("grad:resample"),
                icon=":material/casino:",
                on_click=lambda: state.set("grad:seed", state.get("grad:seed", 0) + 1),
                help="Draw a new set of random mini-batches",
            )
        seed = int(state.get("grad:seed", 0))
        point = grad_point(state)
        w = np.asarray(point)
        full = prob.full_grad(w)
        grads = prob.batch_grads(w, batch, N_ARROWS, seed)
        mean = grads.mean(axis=0)
        theory = float(prob.theoretical_variance(w, [batch])[0])
        downhill = int(np.sum(grads @ full > 0))
        miss = float(np.sqrt(np.mean(np.sum((grads - full) ** 2, axis=-1))))

        left, right = st.columns([3, 2], gap="medium")
        with left:
            fig = figures.memo_figure(
                softened_chart,
                figures.gradient_spray_figure,
                view,
                2,
                problem_grid(),
                point,
                tuple(-ARROW_SCALE * full),
                -ARROW_SCALE * grads,
                mean_vector=tuple(-ARROW_SCALE * mean),
                loss_fn=prob.loss,
                minima=[tuple(prob.optimum)],
                full_label="full batch (all N)",
                batch_label=f"{N_ARROWS} mini-batches of B = {batch}",
                mean_label=f"average of the {N_ARROWS}",
                click_grid=CLICK_GRID_N,
                **MAP_STYLE,
                title="Downhill arrows at the current point: click to move it"
                if view == "2d"
                else "Downhill arrows on the loss surface",
                height=480 if view == "2d" else 520,
            )
            clickable_chart(state, "grad", fig, "grad:point", prob.bounds, view)
            st.caption(
                f"Each arrow is −{fmt(ARROW_SCALE)} × a gradient, so it points downhill and "
                f"fits on the plot. ○ the current point, {vec_text(w)}; ★ the least-squares "
                f"optimum, {vec_text(prob.optimum)}."
            )
        with right:
            data = variance_data(point, seed)
            current = measured_variance(point, batch, seed) if batch < n else 0.0
            st.plotly_chart(
                figures.memo_figure(
                    figures.variance_figure,
                    data["dense"],
                    data["theory"],
                    data["sizes"],
                    data["measured"],
                    plain=data["plain"],
                    current=(batch, current),
                    title="Gradient variance against batch size",
                    height=330,
                ),
                key=state.key("grad:variance"),
                config={"displayModeBar": False},
            )
            st.caption(
                f"Measured: the spread of {VARIANCE_DRAWS:,} random batches per B. At B = N = "
                f"{n} every batch is the whole data set, so the variance is exactly 0 and "
                "has no place on a log axis."
            )
            st.markdown(
                f"""
| at this point | value |
| --- | --- |
| full-batch gradient ∇L | {vec_text(full)} |
| average of the {N_ARROWS} batch gradients | {vec_text(mean)} |
| batch arrows pointing downhill | {downhill} of {N_ARROWS} |
| variance for B = {batch}: measured | {fmt(current, 3)} |
| variance for B = {batch}: theory | {fmt(theory, 3)} |
| typical miss ‖g_B − ∇L‖ of the arrows drawn | {fmt(miss, 3)} |
"""
            )

        st.subheader("Take steps: full batch against mini-batches")
        st.markdown(
            f"""
Both walkers start at the current point and use the same learning rate. The black one
computes the exact gradient from all N = {n} examples before every step; the blue one
looks at a fresh random batch of B. Change B or η mid-run and both carry on from where
they are; click the map to start somewhere else.
"""
        )
        lr = controls.lr_slider(
            state, "paths:lr", low=0.005, high=1.5, default=0.1, extra=(0.8, 0.9, 1.1)
        )
        paths = sync_paths(state, "grad", point)
        step_buttons(
            state,
            "grad",
            regression_stepper(lr, batch, paths.seed),
            cost=(n, batch),
            bounds=prob.bounds,
        )
        paths = state.get("paths:grad")
        regression_paths_view(state, paths, view, batch, lr)

    lab()


def regression_paths_view(
    state: PageState, paths: TwoPaths, view: str, batch: int, lr: float
) -> None:
    prob = problem()
    floor = float(prob.loss(prob.optimum))
    with np.errstate(all="ignore"):
        loss_full = prob.loss(paths.full)
        loss_mini = prob.loss(paths.mini)
    full_label = "full batch"
    mini_label = f"mini-batch B = {batch}"
    on_map = [
        figures.PathTrace(full_label, paths.full, loss_full, FULL_COLOR, paths.full_diverged),
        figures.PathTrace(mini_label, paths.mini, loss_mini, MINI_COLOR, paths.mini_diverged),
    ]
    excess = [
        dataclasses.replace(on_map[0], losses=loss_full - floor),
        dataclasses.replace(on_map[1], losses=loss_mini - floor),
    ]
    left, right = st.columns([3, 2], gap="medium")
    with left:
        fig = figures.memo_figure(
            softened_chart,
            figures.landscape_figure,
            view,
            1,
            problem_grid(),
            trajectories=on_map,
            start=paths.start,
            minima=[tuple(prob.optimum)],
            loss_fn=prob.loss,
            animate_from=paths.play_from if paths.play_from is not None else 0,
            **MAP_STYLE,
            click_grid=CLICK_GRID_N if view == "2d" else 0,
            title="Two walkers from one start: click to move the start"
            if view == "2d"
            else "Two walkers on the loss surface",
            height=460 if view == "2d" else 500,
        )
        clickable_chart(state, "paths", fig, "grad:point", prob.bounds, view)
    with right:
        with st.container(horizontal=True, gap="medium"):
            st.metric("Step", paths.steps, width="content")
            st.metric("Loss, full batch", fmt(float(loss_full[-1]), 4), width="content")
            st.metric(f"Loss, B = {batch}", fmt(float(loss_mini[-1]), 4), width="content")
        x_axis = controls.choice(
            state,
            "paths:x",
            "Horizontal axis",
            ["steps", "examples"],
            format_func=lambda v: {"steps": "steps", "examples": "examples processed"}[v],
        )
        if x_axis == "steps":
            curve = figures.memo_figure(excess_loss_chart, excess, paths.steps)
        else:
            curve = figures.memo_figure(
                dotted_chart,
                figures.loss_vs_examples_figure,
                paths.steps,
                excess,
                [paths.full_seen, paths.mini_seen],
                y_title="loss above the optimum",
                title="Loss above the optimum, per example processed",
                height=300,
            )
        st.plotly_chart(
            curve,
            key=state.key("paths:curve"),
            config={"displayModeBar": False},
        )
    for label, diverged in ((full_label, paths.full_diverged), (mini_label, paths.mini_diverged)):
        if diverged is not None:
            st.warning(
                f"The {label} walker diverged at step {diverged} (η = "
                f"{controls.format_rate(lr)} is too large for it): its path is drawn up to "
                "there. Lower η or press Reset."
            )
    st.caption("○ the start, ★ the optimum; the big dots are where the walkers are now.")
    if paths.steps:
        st.caption(
            f"After {paths.steps} steps the full-batch walker has read "
            f"{int(paths.full_seen[-1]):,} examples and the mini-batch walker "
            f"{int(paths.mini_seen[-1]):,}. The loss floor (noise in the data) is "
            f"{fmt(floor, 4)}; the curves show the loss above it."
        )


# --------------------------------------------------------------------------- worked example


def worked_controls() -> tuple[float, float]:
    state = ps()
    c1, c2 = st.columns(2)
    with c1:
        theta0 = controls.choice(
            state,
            "worked:theta0",
            "Start θ₀",
            [0.0, 0.5, 1.0, 1.5, 2.5],
            default=1.0,
            format_func=lambda v: f"θ₀ = {v:g}",
        )
    with c2:
        lr = controls.choice(
            state,
            "worked:lr",
            "Learning rate η",
            [0.005, 0.01, 0.02, 0.05],
            default=0.01,
            format_func=lambda v: f"η = {v:g}",
        )
    return float(theta0), float(lr)


def table_text(table: dict[str, np.ndarray], digits: int = 4) -> pd.DataFrame:
    """An engine table as strings: numbers with ``digits`` significant figures."""
    out = {}
    for name, column in table.items():
        col = np.asarray(column)
        if col.dtype.kind in "iu":
            out[name] = [str(int(v)) for v in col]
        elif col.dtype.kind == "f":
            out[name] = [fmt(float(v), digits) for v in col]
        else:
            out[name] = [str(v) for v in col]
    return pd.DataFrame(out)


def four_point_data(theta0: float) -> None:
    st.table(table_text(worked.four_point_examples(theta0)), hide_index=True)


def four_point_steps(theta0: float, lr: float) -> dict[str, np.ndarray]:
    table = worked.four_point_sgd(theta0, lr)
    st.table(table_text(table), hide_index=True)
    return table


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


# --------------------------------------------------------------------------- saddle demo


@st.cache_data(show_spinner=False)
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


def saddle_demo() -> None:
    """Clean gradient descent stalls on the saddle's ridge; mini-batch noise rolls it off."""

    @st.fragment
    def demo() -> None:
        state = ps()
        saddle = landscapes.get("saddle")
        c1, c2, c3 = st.columns([3, 3, 2], vertical_alignment="bottom")
        with c1:
            batch = st.select_slider(
                "Batch size B (noise std σ/√B)",
                options=[1, 2, 4, 8, 16, 32, 64, 128, 256],
                value=4,
                key=state.key("saddle:B"),
                persist_state=controls.PERSIST,
            )
        with c2:
            lr = controls.lr_slider(state, "saddle:lr", low=0.01, high=0.6, default=0.1)
        with c3:
            view = controls.view_toggle(state, name="saddle:view")
        start = state.get("saddle:start") or SADDLE_START
        paths = sync_paths(state, "saddle", start)
        step_buttons(
            state,
            "saddle",
            saddle_stepper(lr, int(batch), paths.seed),
            cost=(0, 0),
            bounds=saddle.bounds,
        )
        paths = state.get("paths:saddle")
        with np.errstate(all="ignore"):
            loss_full = saddle.loss(paths.full)
            loss_mini = saddle.loss(paths.mini)
        traces = [
            figures.PathTrace("full batch", paths.full, loss_full, FULL_COLOR, paths.full_diverged),
            figures.PathTrace(
                f"mini-batch B = {batch}", paths.mini, loss_mini, MINI_COLOR, paths.mini_diverged
            ),
        ]
        left, right = st.columns([3, 2], gap="medium")
        with left:
            fig = figures.memo_figure(
                softened_chart,
                figures.landscape_figure,
                view,
                1,
                saddle_grid(),
                trajectories=traces,
                start=paths.start,
                minima=saddle.minima,
                saddles=saddle.saddles,
                loss_fn=saddle.loss,
                animate_from=paths.play_from if paths.play_from is not None else 0,
                **MAP_STYLE,
                click_grid=CLICK_GRID_N if view == "2d" else 0,
                title="The saddle: click to choose a start" if view == "2d" else "The saddle",
                height=420 if view == "2d" else 480,
            )
            clickable_chart(state, "saddlemap", fig, "saddle:start", saddle.bounds, view)
        with right:
            with st.container(horizontal=True, gap="medium"):
                st.metric("Step", paths.steps, width="content")
                st.metric("y, full batch", fmt(float(paths.full[-1, 1]), 3), width="content")
                st.metric(f"y, B = {batch}", fmt(float(paths.mini[-1, 1]), 3), width="content")
            st.plotly_chart(
                figures.memo_figure(
                    dotted_chart,
                    figures.loss_curve_figure,
                    paths.steps,
                    traces,
                    title="Loss per step",
                    height=280,
                ),
                key=state.key("saddle:curve"),
                config={"displayModeBar": False},
            )
        for label, diverged in (
            ("full-batch", paths.full_diverged),
            ("mini-batch", paths.mini_diverged),
        ):
            if diverged is not None:
                st.warning(
                    f"The {label} walker diverged at step {diverged}: η = "
                    f"{controls.format_rate(lr)} is too large here. Lower η or press Reset."
                )
        st.caption(
            f"○ the start, {vec_text(np.asarray(paths.start))}; ✕ the saddle point; ★ the two "
            "minima. The mini-batch gradient here is the exact gradient plus Gaussian noise "
            f"of std σ/√B with σ = {fmt(SADDLE_SIGMA)}."
        )

    demo()


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


def spectrum_section() -> None:
    state = ps()
    n = controls.number(
        state,
        "spectrum:n",
        "Your training-set size N",
        min_value=1,
        max_value=10**10,
        default=1_200_000,
        step=1000,
        help="Any whole number from 1 to ten billion.",
    )
    st.table(spectrum_table(int(n)), hide_index=True)
    st.caption(
        "Updates per epoch and noise are computed for your N; the noise column is the "
        "standard deviation of the batch gradient as a fraction of one example's, "
        "√((1/B)·(N−B)/(N−1)). The last column gives rules of thumb."
    )

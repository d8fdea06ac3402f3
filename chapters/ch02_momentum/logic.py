"""Chapter 2's pure logic: the lesson's constants, momentum's memory, the races' outlook,
the worked table's arithmetic and one Nesterov update taken apart. No Streamlit, no
Plotly.

Every number comes from the engine at render time: velocities from the engine's
``momentum`` optimizer fed chosen gradients, trajectories from ``simulate.run`` (through
:mod:`kit.state`), tables from ``engine.worked``, and the Nesterov sub-steps from
``opt.lookahead`` and ``opt.step_with_info``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine import landscapes, optimizers, simulate, worked
from engine.theory import steps_to_stay_below
from kit.format import fmt, format_rate, latex_number, latex_rate
from kit.measure import averaging_window, stable_lr_limit
from kit.state import PageState, Run, advance, sync_run
from kit.status import WINDOW, RunStatus, run_status

PAGE = "ch02"
# The chapter draws Nesterov as the lesson does: the ball θ, its gradient taken at θ − ηβv.
LESSON_FORM: dict[str, dict[str, bool]] = {"nesterov": {"lookahead": True}}

# The lesson's hand calculation: η = 0.01, β = 0.9 on (θ − 3)² from θ = 0, five steps.
LESSON_ETA = 0.01
LESSON_BETA = 0.9
TABLE_STEPS = 5

RACE_LANDSCAPE = "ravine"
RACE_RUNS = ("race:sgd", "race:momentum")
RACE_ETA = 0.045  # plain SGD zig-zags visibly here (|1 − 40η| = 0.8, sign flipping)
RACE_ETA_EXTRA = (0.04, 0.045, 0.06, 0.08, 0.09)
# The race opens at a moderate β, where momentum visibly calms SGD's zig-zag; the presets
# show the usual β = 0.9 (faster, but it sways) and too much memory.
RACE_BETA = 0.5
DRAG_STEPS = 60  # steps per β in the in-figure β slider (as one Play of the race)
DRAG_BETAS = (*(round(0.05 * k, 2) for k in range(20)), 0.97, 0.99)  # its notches
RACE_PRESETS = {
    "calm": ("Moderate β: the zig-zag calms", RACE_ETA, RACE_BETA),
    "usual": ("The usual β = 0.9: faster, but it sways", RACE_ETA, 0.9),
    "heavy": ("β = 0.99: too much memory", RACE_ETA, 0.99),
}
SWAY_WINDOW = (20, 40)  # steps over which the sideways swing across the ravine is measured
NAG_LANDSCAPES = ("elliptical", "bowl")
NAG_RUNS = ("nag:classical", "nag:nesterov")
NAG_ETA = 0.05
RACE_INTRO_STEPS = 60  # the race opens already played, so the contrast shows at once
NAG_INTRO_STEPS = 2  # the Nesterov lab opens with the ball moving fast past the minimum
THRESHOLD = 1e-3  # "reached the minimum" for the step counts shown under the races
LOOK_AHEAD_STEPS = 1500  # how far ahead the outlook runs are computed

BETA_GUIDE = (0.0, 0.5, 0.9, 0.99, 0.999)
BETA_GUIDE_TEXT = {
    0.0: "No memory: plain SGD, every step reacts only to the newest gradient.",
    0.5: "Light smoothing; still jumpy. Rarely used.",
    0.9: "The standard choice: smooths noise, still turns within a few dozen steps.",
    0.99: "Heavy: very smooth, slow to turn; overshoots a lot. For very noisy gradients.",
    0.999: "Barely reacts to new gradients. Not used for momentum (Adam's β₂ lives here).",
}
OVERSHOOT_BETAS = (0.0, 0.5, 0.8, 0.9, 0.95, 0.99)
OVERSHOOT_STEPS = 2000
OVERSHOOT_PLOT_STEPS = 200
SETTLE_TOLERANCE = 0.01
SUBSTEPS = {
    1: "① The ball",
    2: "② Jump ahead",
    3: "③ Gradient",
    4: "④ Step",
}


def vec(a: np.ndarray, digits: int = 4) -> str:
    """A 2-vector as LaTeX text, e.g. (0.5,\\ -1.25); powers of ten as ×10^k."""
    a = np.asarray(a, dtype=np.float64).reshape(-1)
    return r"(" + r",\ ".join(latex_number(float(v), digits) for v in a) + r")"


# --------------------------------------------------------------------------- engine views


def momentum_velocities(beta: float, gradients: np.ndarray) -> np.ndarray:
    """The engine's momentum velocity after each of a fixed sequence of gradients.

    ``gradients`` has shape (T, 2); the result (T, 2) is v after steps 1…T, starting
    from rest. The weights are never used for anything but feeding the gradients.
    """
    grads = np.asarray(gradients, dtype=np.float64)
    opt = optimizers.make("momentum", lr=1.0, beta=beta)
    params = np.zeros(2)
    state = opt.init(params)
    out = np.empty_like(grads)
    for t, g in enumerate(grads):
        params, state = opt.step(params, lambda _p, g=g: g, state)
        out[t] = state["velocity"]
    return out


def impulse_weights(beta: float, ages: int) -> np.ndarray:
    """Weight of a gradient k steps old in the velocity, k = 0…ages−1 (β^k, from the engine).

    Feed one unit gradient and then zeros: the velocity k steps later is exactly the
    weight that gradient still carries.
    """
    grads = np.zeros((ages, 2))
    grads[0, 0] = 1.0
    return momentum_velocities(beta, grads)[:, 0]


def steady_vs_alternating(beta: float, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Velocity under a steady gradient +1 (along the valley) and an alternating ±1 (across)."""
    grads = np.zeros((steps, 2))
    grads[:, 0] = 1.0
    grads[:, 1] = np.where(np.arange(steps) % 2 == 0, 1.0, -1.0)
    v = momentum_velocities(beta, grads)
    return v[:, 0], v[:, 1]


@dataclass(frozen=True)
class Outlook:
    """A run computed ahead from the start, for the summary under a race."""

    losses: np.ndarray
    params: np.ndarray
    diverged_at: int | None

    def steps_to(self, threshold: float) -> int | None:
        """First step from which the loss stays at or below ``threshold`` for the rest of
        the look-ahead (None: it never settles there, or it diverges). A run that swings
        through the threshold and out again has not reached it."""
        if self.diverged_at is not None:
            return None
        step = int(steps_to_stay_below(self.losses, threshold))
        return None if step < 0 else step

    def sway(self, window: tuple[int, int] = SWAY_WINDOW) -> tuple[float, int]:
        """How far the ball strays across the ravine (its steep axis θ₁, whose floor is
        θ₁ = 0) during ``window``: the largest |θ₁| and how often θ₁ changes sign."""
        first, last = window
        if self.diverged_at is not None:
            last = min(last, self.diverged_at)
        across = self.params[first : last + 1, 0]
        if across.size == 0:
            return float("nan"), 0
        flips = int(np.count_nonzero(np.signbit(across[1:]) != np.signbit(across[:-1])))
        return float(np.max(np.abs(across))), flips

    def overshoot(self, start: tuple[float, float], minimum: tuple[float, float]) -> float:
        """Farthest distance past the minimum, along the line from the start through it."""
        m = np.asarray(minimum, dtype=np.float64)
        u = np.asarray(start, dtype=np.float64) - m
        norm = float(np.linalg.norm(u))
        if norm == 0:
            return 0.0
        last = len(self.losses) if self.diverged_at is None else self.diverged_at
        past = -((self.params[:last] - m) @ (u / norm))
        return max(0.0, float(np.max(past)))


def outlook(
    optimizer: str, lr: float, beta: float | None, landscape: str, start: tuple[float, float]
) -> Outlook:
    hp = {"lr": lr} if beta is None else {"lr": lr, "beta": beta}
    hp.update(LESSON_FORM.get(optimizer, {}))
    traj = simulate.run(
        optimizers.make(optimizer, **hp), landscapes.get(landscape), start, LOOK_AHEAD_STEPS
    )
    return Outlook(traj.losses, traj.params, traj.diverged_at)


def sway_sentence(sgd: Outlook, mom: Outlook) -> str:
    """How far each run strays across the ravine once the first rush is over."""
    (sgd_far, sgd_flips), (mom_far, mom_flips) = sgd.sway(), mom.sway()
    if not (np.isfinite(sgd_far) and np.isfinite(mom_far)):
        return ""
    first, last = SWAY_WINDOW
    verdict = (
        "momentum has calmed the zig-zag"
        if mom_far < sgd_far
        else "momentum sways wider than SGD: its inertia carries it past the floor"
    )
    return (
        f" Across the valley, between steps {first} and {last}, SGD is still up to "
        f"{fmt(sgd_far, 2)} off the floor and changes side {sgd_flips} times; momentum is up "
        f"to {fmt(mom_far, 2)} off and changes side {mom_flips} times: {verdict}."
    )


def steps_text(n: int | None, diverged_at: int | None) -> str:
    if diverged_at is not None:
        return f"never (diverges at step {diverged_at})"
    if n is None:
        return f"never within {LOOK_AHEAD_STEPS:,} steps"
    return f"{n} steps"


# --------------------------------------------------------------------------- the ravine


def ravine_facts() -> dict[str, float]:
    """Gradient and curvature of the ravine at its start, from the engine."""
    land = landscapes.get(RACE_LANDSCAPE)
    start = np.asarray(land.start, dtype=np.float64)
    g = land.grad(start)
    h = land.hessian_diag(start)
    return {
        "x0": float(start[0]),
        "y0": float(start[1]),
        "gx": float(g[0]),
        "gy": float(g[1]),
        "ratio": abs(float(g[0]) / float(g[1])),
        "hx": float(h[0]),
        "hy": float(h[1]),
        "sgd_limit": stable_lr_limit(RACE_LANDSCAPE),
    }


def memory_ages(w: float) -> int:
    """How many past gradients the weights chart shows for a window of ``w`` steps."""
    return int(min(max(60, math.ceil(3 * w)), 400))


def buildup_horizon(w: float) -> int:
    """How many steps the velocity build-up chart runs for a window of ``w`` steps."""
    return int(min(max(40, math.ceil(2.5 * w)), 300))


# --------------------------------------------------------------------------- SGD vs momentum


def sync_with_intro(state: PageState, name: str, intro_steps: int, **settings) -> Run:
    """:func:`kit.state.sync_run`, but a run created on the first visit opens ``intro_steps`` in.

    Later fresh runs (Reset, a new start or landscape) begin at step 0 as usual.
    """
    first_visit = state.run(name) is None
    run = sync_run(state, name, **settings)
    if first_visit and intro_steps:
        run = state.update_run(name, advance(run, intro_steps, play=True))
    return run


def race_labels(eta: float, beta: float) -> tuple[str, str]:
    rate = format_rate(eta)
    return f"SGD, η = {rate}", f"Momentum, η = {rate}, β = {fmt(beta, 3)}"


SWING_SPAN = 20  # steps over which a swinging run's net progress is measured


def momentum_status(run: Run) -> RunStatus:
    """The course's status badge, except that a momentum run whose loss rises and falls
    while dropping overall is *swinging* (overshoot), not crawling.

    The shared classifier reads a non-monotone loss window as slow progress; with
    momentum that pattern is the ball swinging past the floor and back.
    """
    status = run_status(run)  # the course's shared classifier (kit.status)
    if run.optimizer == "sgd" or status.code not in ("crawling", "converging") or run.steps < 4:
        return status
    recent = np.asarray(run.losses[-WINDOW - 1 :], dtype=np.float64)
    if not np.any(np.diff(recent) > 0):
        return status
    span = min(SWING_SPAN, run.steps)
    before = float(run.losses[-1 - span])
    detail = "The loss rises and falls as the ball overshoots and swings back"
    if run.loss > 0 and before > run.loss:
        detail += f", but it is {fmt(before / run.loss, 3)}× lower than {span} steps ago."
    else:
        detail += f", with no net progress over the last {span} steps."
    return RunStatus("oscillating", "Swinging", detail)


BETA_GRID = np.round(np.arange(0.0, 0.995, 0.01), 2)


def fastest_beta(lr: float, landscape: str, start: tuple[float, float]) -> tuple[float, int | None]:
    """The β (on a 0.01 grid) that reaches :data:`THRESHOLD` first, as one batched engine run.

    Returns (β, steps); steps is None when no β gets there within the look-ahead.
    """
    betas = BETA_GRID[:, None]
    opt = optimizers.make("momentum", lr=lr, beta=betas)
    starts = np.broadcast_to(np.asarray(start, dtype=np.float64), (len(BETA_GRID), 2))
    traj = simulate.run(opt, landscapes.get(landscape), starts, LOOK_AHEAD_STEPS)
    # Counted as the Looking-ahead sentence counts: from when each run stays below.
    settled = np.where(traj.diverged_at >= 0, -1, steps_to_stay_below(traj.losses, THRESHOLD))
    first = np.where(settled < 0, np.iinfo(np.int64).max, settled)
    best = int(np.argmin(first))
    steps = int(first[best]) if first[best] != np.iinfo(np.int64).max else None
    return float(BETA_GRID[best]), steps


# --------------------------------------------------------------------------- worked table


def lesson_table() -> dict[str, np.ndarray]:
    return worked.momentum_vs_vanilla(TABLE_STEPS, eta=LESSON_ETA, beta=LESSON_BETA)


def worked_table_frame(table: dict[str, np.ndarray]) -> pd.DataFrame:
    """The engine's table as readable strings: θ to 4 and v, g to 5 significant figures."""
    digits = {
        "momentum gradient g": 5,
        "velocity v": 5,
        "momentum θ": 4,
        "vanilla gradient g": 5,
        "vanilla θ": 4,
    }
    out = {"step": [str(int(s)) for s in table["step"]]}
    for name, d in digits.items():
        out[name] = [fmt(float(v), d) for v in table[name]]
    return pd.DataFrame(out).set_index("step")


def step_arithmetic(table: dict[str, np.ndarray], t: int) -> str:
    """Markdown with the three lines of momentum step ``t`` and the matching vanilla step."""
    th, v, g = table["momentum θ"], table["velocity v"], table["momentum gradient g"]
    vth, vg = table["vanilla θ"], table["vanilla gradient g"]
    b, e = fmt(LESSON_BETA), fmt(LESSON_ETA)
    lines = [
        f"**Momentum, step {t}**",
        "",
        f"- gradient at θ = {fmt(float(th[t - 1]), 5)}: g = 2(θ − 3) = **{fmt(float(g[t]), 5)}**",
        f"- velocity: v = β·v + g = {b} × ({fmt(float(v[t - 1]), 5)}) + ({fmt(float(g[t]), 5)}) "
        f"= **{fmt(float(v[t]), 5)}**",
        f"- position: θ = θ − η·v = {fmt(float(th[t - 1]), 5)} − {e} × ({fmt(float(v[t]), 5)}) "
        f"= **{fmt(float(th[t]), 4)}**",
        "",
        f"**Plain SGD, step {t}:** g = {fmt(float(vg[t]), 5)}, θ = {fmt(float(vth[t - 1]), 5)} "
        f"− {e} × ({fmt(float(vg[t]), 5)}) = **{fmt(float(vth[t]), 4)}**",
    ]
    if t == 1:
        lines.append(
            "\nWith the velocity starting at rest, the first momentum step is exactly the SGD step."
        )
    else:
        ratio = float(v[t] / g[t])
        lines.append(
            f"\nThe velocity is {fmt(ratio, 3)}× the fresh gradient: it still carries the "
            "earlier gradients, so the step is that much longer than plain SGD's."
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------- overshoot


def overshoot(beta: float) -> worked.Overshoot:
    return worked.momentum_overshoot(beta, eta=LESSON_ETA, steps=OVERSHOOT_STEPS)


def overshoot_row(beta: float, result: worked.Overshoot) -> dict[str, str]:
    """One row of the overshoot table: when momentum with ``beta`` passes 3, turns, settles."""
    theta = result.table["θ"]
    crossed = np.nonzero(theta > worked.PARABOLA_MINIMUM)[0]
    far = np.nonzero(np.abs(theta - worked.PARABOLA_MINIMUM) >= SETTLE_TOLERANCE)[0]
    settled = int(far[-1]) + 1 if far.size else 0
    return {
        "β": fmt(beta, 3),
        "memory 1/(1−β)": fmt(averaging_window(beta), 4),
        "first passes 3 at step": str(int(crossed[0])) if crossed.size else "never",
        "turns back at step": str(result.peak_step) if result.peak_step is not None else "—",
        "farthest past 3": fmt(result.max_overshoot, 3) if result.peak_step else "0",
        f"stays within {fmt(SETTLE_TOLERANCE)} of 3 from step": (
            str(settled) if settled <= OVERSHOOT_STEPS else f"> {OVERSHOOT_STEPS}"
        ),
    }


# --------------------------------------------------------------------------- Nesterov


@dataclass(frozen=True)
class NesterovAnatomy:
    """One Nesterov update taken apart, every vector from the engine."""

    theta: np.ndarray  # where the ball is
    velocity: np.ndarray  # v before the update
    lookahead: np.ndarray  # θ − ηβv (opt.lookahead)
    grad: np.ndarray  # ∇L at the lookahead (step_with_info's grad)
    grad_here: np.ndarray  # ∇L at θ (what classical momentum would use)
    new_velocity: np.ndarray
    new_theta: np.ndarray
    lr: float
    beta: float


def nesterov_anatomy(run: Run) -> NesterovAnatomy:
    land = landscapes.get(run.landscape)
    opt = run.make_optimizer()
    theta = np.asarray(run.params, dtype=np.float64)
    state = run.opt_state
    with np.errstate(all="ignore"):  # a diverged run may overflow here; shown as ∞
        look = np.asarray(opt.lookahead(theta, state), dtype=np.float64)
        new_theta, new_state, info = opt.step_with_info(theta, land.grad, state)
    return NesterovAnatomy(
        theta=theta,
        velocity=np.asarray(state["velocity"], dtype=np.float64),
        lookahead=look,
        grad=np.asarray(info["grad"], dtype=np.float64),
        grad_here=np.asarray(land.grad(theta), dtype=np.float64),
        new_velocity=np.asarray(new_state["velocity"], dtype=np.float64),
        new_theta=np.asarray(new_theta, dtype=np.float64),
        lr=float(opt.hyperparams["lr"]),
        beta=float(opt.hyperparams["beta"]),
    )


def substep_text(a: NesterovAnatomy, substep: int, steps_done: int) -> tuple[str, str]:
    """(markdown, LaTeX) explaining one sub-step with the engine's numbers."""
    b, e = latex_number(a.beta, 3), latex_rate(a.lr)  # both go into LaTeX
    if substep == 1:
        at_rest = not np.any(a.velocity)
        md = f"After {steps_done} steps the Nesterov ball sits at θ with velocity v" + (
            ". It is **at rest** (v = 0), so this time the lookahead is the ball itself."
            if at_rest
            else ". The blue arrow is where that velocity alone would carry it: a coast of −ηβv."
        )
        tex = rf"\begin{{aligned}}\theta &= {vec(a.theta)}\\ v &= {vec(a.velocity)}\end{{aligned}}"
        return md, tex
    if substep == 2:
        md = (
            "**Jump ahead** along the old velocity, before looking at any gradient. "
            "The hollow grey circle is this lookahead point."
        )
        tex = (
            r"\begin{aligned}\tilde\theta &= \theta - \eta\beta v\\ "
            rf"&= {vec(a.theta)} - {e}\cdot{b}\cdot{vec(a.velocity)}\\ "
            rf"&= {vec(a.lookahead)}\end{{aligned}}"
        )
        return md, tex
    if substep == 3:
        md = (
            "**Measure the slope at the lookahead**, not at the ball. The red arrow is the "
            "step that gradient asks for, −η∇L, drawn from the lookahead; the grey one is "
            "what classical momentum would use, the gradient at the ball, "
            f"({fmt(float(a.grad_here[0]), 4)}, {fmt(float(a.grad_here[1]), 4)})."
        )
        flipped = [
            i
            for i in range(2)
            if a.grad_here[i] != 0 and np.sign(a.grad[i]) != np.sign(a.grad_here[i])
        ]
        if flipped:
            i = flipped[0]
            md += (
                f" Along θ{'₁₂'[i]} they disagree: at the ball the slope is "
                f"{fmt(float(a.grad_here[i]), 4)}, at the lookahead {fmt(float(a.grad[i]), 4)}. "
                "The coast would already carry the ball past the floor, so the gradient there "
                "pushes back."
            )
        tex = (
            r"\begin{aligned}g &= \nabla L(\tilde\theta)\\ "
            rf"&= {vec(a.grad)}\\ -\eta g &= {vec(-a.lr * a.grad)}\end{{aligned}}"
        )
        return md, tex
    md = (
        "**Combine and step.** The new velocity is the old one, decayed, plus the lookahead "
        "gradient; the ball moves by −η times it. The move lands exactly where the two "
        "arrows end: coast, then correct."
    )
    tex = (
        r"\begin{aligned}v' &= \beta v + g\\ "
        rf"&= {b}\cdot{vec(a.velocity)} + {vec(a.grad)}\\ "
        rf"&= {vec(a.new_velocity)}\\[4pt] "
        r"\theta' &= \theta - \eta v'\\ "
        rf"&= {vec(a.theta)} - {e}\cdot{vec(a.new_velocity)}\\ "
        rf"&= {vec(a.new_theta)}\end{{aligned}}"
    )
    return md, tex


def zoom_ranges(points: list[np.ndarray], bounds) -> tuple[list[float], list[float]]:
    """A square-ish window around the given points, inside the landscape's bounds."""
    pts = np.asarray([p for p in points if np.all(np.isfinite(p))], dtype=np.float64)
    if pts.size == 0:
        return list(bounds[0]), list(bounds[1])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    span = max(float(np.max(hi - lo)), 0.05) * 0.8 + 0.05
    centre = (lo + hi) / 2
    ranges = []
    for axis in range(2):
        low, high = bounds[axis]
        lo_ax, hi_ax = max(low, centre[axis] - span), min(high, centre[axis] + span)
        ranges.append([lo_ax, hi_ax] if hi_ax > lo_ax else [low, high])  # off the map
    return ranges[0], ranges[1]


def format_beta(beta: float) -> str:
    """β as the sliders show it: two decimals (0.9 → "0.90")."""
    return f"{beta:.2f}"

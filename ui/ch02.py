"""Chapter 2's interactive pieces (the page script keeps the prose and the order).

Every number these widgets print comes from the engine at render time: velocities
from the engine's ``momentum`` optimizer fed chosen gradients, trajectories from
``simulate.run`` through :mod:`ui.state`, tables from ``engine.worked``, and the
Nesterov sub-steps from ``opt.lookahead`` and ``opt.step_with_info``. The helpers
here only choose what to show and format it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from engine import landscapes, optimizers, simulate, worked
from ui import controls, explorer, figures, palette
from ui.numbers import fmt
from ui.state import PageState, Run, advance, sync_run
from ui.status import WINDOW, RunStatus

# The chapter draws Nesterov as the lesson does: the ball θ, its gradient taken at θ − ηβv.
LESSON_FORM: dict[str, dict[str, bool]] = {"nesterov": {"lookahead": True}}

PAGE = "ch02"

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
RACE_PRESETS = {
    "calm": ("Moderate β: the zig-zag calms", RACE_ETA, RACE_BETA),
    "usual": ("The usual β = 0.9: faster, but it sways", RACE_ETA, 0.9),
    "heavy": ("β = 0.99: too much memory", RACE_ETA, 0.99),
}
SWAY_WINDOW = (20, 40)  # steps over which the sideways swing across the ravine is measured
NAG_LANDSCAPES = ("elliptical", "bowl")
NAG_RUNS = ("nag:classical", "nag:nesterov")
STEP_COLOR = "#333333"  # the combined Nesterov step, apart from the red gradient arrow
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


def ps() -> PageState:
    return PageState(PAGE)


def beta_slider(state: PageState, name: str, label: str, default: float = LESSON_BETA) -> float:
    """β from 0 to 0.99 in steps of 0.01 (the engine's slider range for momentum)."""
    low, high, _ = optimizers.info("momentum").ranges["beta"]
    return float(
        st.slider(
            label,
            min_value=float(low),
            max_value=float(high),
            value=float(default),
            step=0.01,
            key=state.key(name),
            persist_state="session",
            help="How much of the old velocity each step keeps. β = 0 is plain SGD.",
        )
    )


def vec(a: np.ndarray, digits: int = 4) -> str:
    """A 2-vector as LaTeX text, e.g. (0.5,\\ -1.25)."""
    a = np.asarray(a, dtype=np.float64).reshape(-1)
    return r"(" + r",\ ".join(fmt(float(v), digits) for v in a) + r")"


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


@st.cache_data(show_spinner=False, max_entries=64)
def impulse_weights(beta: float, ages: int) -> np.ndarray:
    """Weight of a gradient k steps old in the velocity, k = 0…ages−1 (β^k, from the engine).

    Feed one unit gradient and then zeros: the velocity k steps later is exactly the
    weight that gradient still carries.
    """
    grads = np.zeros((ages, 2))
    grads[0, 0] = 1.0
    return momentum_velocities(beta, grads)[:, 0]


@st.cache_data(show_spinner=False, max_entries=64)
def steady_vs_alternating(beta: float, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Velocity under a steady gradient +1 (along the valley) and an alternating ±1 (across)."""
    grads = np.zeros((steps, 2))
    grads[:, 0] = 1.0
    grads[:, 1] = np.where(np.arange(steps) % 2 == 0, 1.0, -1.0)
    v = momentum_velocities(beta, grads)
    return v[:, 0], v[:, 1]


def window(beta: float) -> float:
    """The effective memory 1/(1 − β) in steps (the sum of all the weights β^k)."""
    return 1.0 / (1.0 - beta) if beta < 1 else math.inf


@dataclass(frozen=True)
class Outlook:
    """A run computed ahead from the start, for the summary under a race."""

    losses: np.ndarray
    params: np.ndarray
    diverged_at: int | None

    def steps_to(self, threshold: float) -> int | None:
        below = np.nonzero(self.losses <= threshold)[0]
        return int(below[0]) if below.size else None

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


@st.cache_data(show_spinner=False, max_entries=128)
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
    return f"{n} steps" if n is not None else f"more than {LOOK_AHEAD_STEPS} steps"


def stability_limit(landscape: str, beta: float = 0.0) -> float:
    """Largest stable η on a quadratic landscape: 2(1 + β) / (largest curvature).

    β = 0 is plain gradient descent's 2/λ; heavy-ball momentum stays stable up to
    2(1 + β)/λ. The curvature comes from the engine's exact Hessian diagonal.
    """
    land = landscapes.get(landscape)
    curvature = float(np.max(land.hessian_diag(np.asarray(land.start, dtype=np.float64))))
    return 2.0 * (1.0 + beta) / curvature


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
        "sgd_limit": stability_limit(RACE_LANDSCAPE),
    }


def memory_ages(w: float) -> int:
    """How many past gradients the weights chart shows for a window of ``w`` steps."""
    return int(min(max(60, math.ceil(3 * w)), 400))


def buildup_horizon(w: float) -> int:
    """How many steps the velocity build-up chart runs for a window of ``w`` steps."""
    return int(min(max(40, math.ceil(2.5 * w)), 300))


# The chart builders below take plain values, so ``figures.memo_figure`` can reuse a
# figure whose inputs did not change (a rerun of the page redraws the same charts).


def ema_weights_chart(beta: float) -> go.Figure:
    """The weights β^k as bars, with the window marked."""
    w = window(beta)
    ages = memory_ages(w)
    return figures.ema_weights_figure(
        np.arange(ages),
        impulse_weights(beta, ages),
        window=w,
        title=f"What the velocity remembers at β = {fmt(beta, 3)}",
        height=300,
    )


def velocity_buildup_chart(beta: float) -> go.Figure:
    """Velocity under a steady and an alternating unit gradient, with 1/(1 − β) marked."""
    w = window(beta)
    horizon = buildup_horizon(w)
    steady, alternating = steady_vs_alternating(beta, horizon)
    fig = figures.step_curves_figure(
        np.arange(1, horizon + 1),
        [
            figures.Series("steady gradient +1 (along the valley)", steady, "#2a9d8f"),
            figures.Series("alternating ±1 (across the valley)", alternating, "#e76f51"),
        ],
        value_title="velocity v",
        log_y=False,
        title="Velocity built from the same-sized gradients",
        height=300,
    )
    fig.add_hline(
        y=w,
        line={"color": "#444", "width": 1, "dash": "dash"},
        annotation_text="1/(1−β)",
        annotation_position="bottom right",
    )
    fig.update_layout(hovermode="closest")
    return fig


# --------------------------------------------------------------------------- EMA section


def ema_explorer() -> None:
    """β slider → the weights β^k as bars, the window, and steady vs alternating gradients."""

    @st.fragment
    def body() -> None:
        state = ps()
        beta = beta_slider(state, "ema:beta", "Momentum β")
        w = window(beta)
        weights = impulse_weights(beta, memory_ages(w))
        c1, c2, c3, c4 = st.columns(4)
        c1.metric("Window 1/(1−β)", f"{fmt(w, 3)} steps")
        for col, k in zip((c2, c3, c4), (10, 20, 50), strict=True):
            col.metric(
                f"Weight {k} steps back",
                fmt(float(weights[k]), 3),
                help=f"β^{k}: what is left of a gradient from {k} steps ago",
            )
        left, right = st.columns(2, gap="medium")
        with left:
            st.plotly_chart(
                figures.memo_figure(ema_weights_chart, beta),
                key=state.key("ema:weights"),
                config={"displayModeBar": False},
            )
        horizon = buildup_horizon(w)
        steady, alternating = steady_vs_alternating(beta, horizon)
        with right:
            st.plotly_chart(
                figures.memo_figure(velocity_buildup_chart, beta),
                key=state.key("ema:buildup"),
                config={"displayModeBar": False},
            )
        tail = alternating[-2:]
        st.markdown(
            f"Feed the engine's momentum a gradient of +1 every step and the velocity climbs "
            f"to **{fmt(float(steady[-1]), 4)}** after {horizon} steps, closing in on "
            f"1/(1 − β) = {fmt(w, 4)}: a steady slope is amplified. Feed it +1, −1, +1, … and "
            f"the velocity just wobbles between **{fmt(float(tail.min()), 3)}** and "
            f"**{fmt(float(tail.max()), 3)}**: the flip-flopping part mostly cancels."
        )

    body()


# --------------------------------------------------------------------------- SGD vs momentum


def sync_with_intro(state: PageState, name: str, intro_steps: int, **settings) -> Run:
    """:func:`ui.state.sync_run`, but a run created on the first visit opens ``intro_steps`` in.

    Later fresh runs (Reset, a new start or landscape) begin at step 0 as usual.
    """
    first_visit = state.run(name) is None
    run = sync_run(state, name, **settings)
    if first_visit and intro_steps:
        run = state.update_run(name, advance(run, intro_steps, play=True))
    return run


def race_labels(eta: float, beta: float) -> tuple[str, str]:
    rate = controls.format_rate(eta)
    return f"SGD, η = {rate}", f"Momentum, η = {rate}, β = {fmt(beta, 3)}"


SWING_SPAN = 20  # steps over which a swinging run's net progress is measured


def run_status(run: Run) -> RunStatus:
    """The course's status badge, except that a momentum run whose loss rises and falls
    while dropping overall is *swinging* (overshoot), not crawling.

    The shared classifier reads a non-monotone loss window as slow progress; with
    momentum that pattern is the ball swinging past the floor and back.
    """
    status = explorer.run_status(run)
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


def run_summary(run: Run, label: str) -> None:
    """Step, loss and status of one run, compact enough for a narrow column."""
    with st.container(horizontal=True, gap="small"):
        st.metric(f"{label}: loss", fmt(run.loss, 4), width="content")
        st.metric("step", run.steps, width="content")
    explorer.status_badge(run_status(run))


BETA_GRID = np.round(np.arange(0.0, 0.995, 0.01), 2)


@st.cache_data(show_spinner=False, max_entries=64)
def fastest_beta(lr: float, landscape: str, start: tuple[float, float]) -> tuple[float, int | None]:
    """The β (on a 0.01 grid) that reaches :data:`THRESHOLD` first, as one batched engine run.

    Returns (β, steps); steps is None when no β gets there within the look-ahead.
    """
    betas = BETA_GRID[:, None]
    opt = optimizers.make("momentum", lr=lr, beta=betas)
    starts = np.broadcast_to(np.asarray(start, dtype=np.float64), (len(BETA_GRID), 2))
    traj = simulate.run(opt, landscapes.get(landscape), starts, LOOK_AHEAD_STEPS)
    reached = traj.losses <= THRESHOLD
    first = np.where(reached.any(axis=0), reached.argmax(axis=0), np.iinfo(np.int64).max)
    best = int(np.argmin(first))
    steps = int(first[best]) if reached[:, best].any() else None
    return float(BETA_GRID[best]), steps


def _race_preset(name: str) -> None:
    """Set the race's η and β and run both balls again from the start (intro played)."""
    state = ps()
    _, eta, beta = RACE_PRESETS[name]
    st.session_state[state.key("race:lr")] = eta
    st.session_state[state.key("race:beta")] = beta
    for run_name in RACE_RUNS:
        state.pop(f"run:{run_name}")


def sgd_vs_momentum() -> None:
    """SGD and momentum on the ravine, same start, stepped together."""

    @st.fragment
    def body() -> None:
        state = ps()
        land = landscapes.get(RACE_LANDSCAPE)
        controls.try_buttons(
            state,
            "race:",
            {name: label for name, (label, _, _) in RACE_PRESETS.items()},
            _race_preset,
        )
        c1, c2, c3 = st.columns([4, 4, 3], vertical_alignment="bottom")
        with c1:
            eta = controls.log_slider(
                state,
                "race:lr",
                "Learning rate η, both runs (log scale)",
                low=0.001,
                high=0.1,
                default=RACE_ETA,
                extra=RACE_ETA_EXTRA,
                help="The same η for both balls. Plain SGD diverges here above "
                f"η = {fmt(stability_limit(RACE_LANDSCAPE), 3)}.",
            )
        with c2:
            beta = beta_slider(state, "race:beta", "Momentum β (right-hand run)", RACE_BETA)
        with c3:
            view = controls.view_toggle(state, "race:view")
        start = explorer.start_for(state, RACE_LANDSCAPE)
        sync_with_intro(
            state,
            RACE_RUNS[0],
            RACE_INTRO_STEPS,
            optimizer="sgd",
            hyperparams={"lr": eta},
            landscape=RACE_LANDSCAPE,
            start=start,
        )
        sync_with_intro(
            state,
            RACE_RUNS[1],
            RACE_INTRO_STEPS,
            optimizer="momentum",
            hyperparams={"lr": eta, "beta": beta},
            landscape=RACE_LANDSCAPE,
            start=start,
        )
        with st.container(horizontal=True, gap="small", vertical_alignment="center"):
            controls.run_buttons(
                state, RACE_RUNS, play_steps=60, drop_ball=False, key_prefix="race:"
            )
            if not np.allclose(start, land.start):
                st.button(
                    "Default start",
                    key=state.key("race:btn:default-start"),
                    on_click=lambda: state.pop(f"start:{RACE_LANDSCAPE}"),
                    icon=":material/home:",
                    help="Put both balls back at the landscape's usual start",
                )
        sgd, mom = state.run(RACE_RUNS[0]), state.run(RACE_RUNS[1])
        sgd_label, mom_label = race_labels(eta, beta)
        traces = [explorer.path_trace(sgd, sgd_label), explorer.path_trace(mom, mom_label)]
        play_from = min((r.play_from for r in (sgd, mom) if r.play_from is not None), default=0)
        grid = explorer.landscape_grid(RACE_LANDSCAPE)
        if view == "2d":
            key = state.key(f"race:chart:{state.get('race:clicks', 0)}")
            fig = figures.memo_figure(
                figures.paired_landscape_figure,
                grid,
                traces,
                start=start,
                minima=land.minima,
                animate_from=play_from,
                click_grid=explorer.CLICK_GRID_N,
                height=500,
            )
            st.plotly_chart(
                fig,
                key=key,
                on_select=lambda: explorer.on_landscape_click(state, "race", RACE_LANDSCAPE, key),
                selection_mode="points",
                config={"displayModeBar": False},
            )
            st.caption(
                "Same start (open circle), same η, stepped together; the star is the minimum. "
                "Click either panel to start both balls there; ▶ replays both at once."
            )
        else:
            fig = figures.memo_figure(
                figures.landscape_figure,
                grid,
                view="3d",
                trajectories=traces,
                start=start,
                minima=land.minima,
                loss_fn=land.loss,
                animate_from=play_from,
                title=f"{land.title} (3-D): both runs on one surface",
                height=520,
            )
            st.plotly_chart(fig, key=state.key("race:chart3d"))
            st.caption("Drag to turn the surface. Switch to 2-D to click a new start.")

        left, right = st.columns(2, gap="medium")
        with left:
            run_summary(sgd, "SGD")
        with right:
            run_summary(mom, "Momentum")
        explorer.loss_chart(
            state,
            "race:loss",
            traces,
            log_y=True,
            title="Loss per step, both runs (log scale)",
            height=300,
        )
        ahead_sgd = outlook("sgd", eta, None, RACE_LANDSCAPE, start)
        ahead_mom = outlook("momentum", eta, beta, RACE_LANDSCAPE, start)
        st.markdown(
            f"**Looking ahead** (the engine ran both from this start with these settings): "
            f"the loss drops below {fmt(THRESHOLD)} after "
            f"**{steps_text(ahead_sgd.steps_to(THRESHOLD), ahead_sgd.diverged_at)}** for SGD "
            f"and **{steps_text(ahead_mom.steps_to(THRESHOLD), ahead_mom.diverged_at)}** "
            "for momentum." + sway_sentence(ahead_sgd, ahead_mom)
        )
        best_beta, best_steps = fastest_beta(eta, RACE_LANDSCAPE, start)
        if best_steps is not None:
            st.markdown(
                f"A sweep over β (one batched engine run) finds the fastest β at this η to be "
                f"**{fmt(best_beta, 3)}**, with {best_steps} steps: enough memory to build speed "
                "along the floor, not so much that the sway across the valley lingers."
            )
        sgd_limit = stability_limit(RACE_LANDSCAPE)
        mom_limit = stability_limit(RACE_LANDSCAPE, beta)
        if eta >= sgd_limit:
            st.warning(
                f"η = {controls.format_rate(eta)} is at or past plain SGD's limit here, "
                f"2 / curvature = {fmt(sgd_limit, 3)}: every step across the valley lands at "
                "least as far out as the last."
                + (
                    f" Momentum tolerates more, up to 2(1 + β) / curvature = {fmt(mom_limit, 3)}."
                    if eta < mom_limit
                    else ""
                ),
                icon=":material/warning:",
            )

    body()


# --------------------------------------------------------------------------- β guide


def beta_guide() -> None:
    """What each common β means: window and the weight of a 10-step-old gradient."""
    rows = []
    for beta in BETA_GUIDE:
        w = impulse_weights(beta, 11)
        rows.append(
            {
                "β": fmt(beta, 3),
                "window 1/(1−β), steps": fmt(window(beta), 4),
                "weight of a gradient 10 steps old": fmt(float(w[10]), 3),
                "in practice": BETA_GUIDE_TEXT[beta],
            }
        )
    st.table(pd.DataFrame(rows).set_index("β"))


# --------------------------------------------------------------------------- worked table


@st.cache_data(show_spinner=False)
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


def worked_tables() -> None:
    """The 5-step table and, for a chosen step, its arithmetic with the engine's numbers."""
    state = ps()
    table = lesson_table()
    st.table(worked_table_frame(table))
    st.caption(
        f"Computed just now by the engine's `momentum` and `sgd` with η = {fmt(LESSON_ETA)}, "
        f"β = {fmt(LESSON_BETA)}, from θ = 0. Row t shows the gradient step t used "
        "(taken at the previous row's θ), the velocity after it and the new θ."
    )
    step = controls.choice(
        state,
        "worked:step",
        "Show the arithmetic of step",
        list(range(1, TABLE_STEPS + 1)),
        default=2,
        format_func=lambda t: f"step {t}",
    )
    st.markdown(step_arithmetic(table, int(step)))
    th, v, plain = table["momentum θ"], table["velocity v"], table["vanilla θ"]
    n = TABLE_STEPS
    st.markdown(
        f"After {n} steps momentum stands at θ = **{fmt(float(th[n]), 4)}**, plain SGD at "
        f"θ = **{fmt(float(plain[n]), 4)}**: momentum has covered "
        f"**{fmt(float(th[n] / plain[n]), 3)}×** the distance. Its velocity is still growing "
        f"({fmt(float(v[n - 1]), 5)} → {fmt(float(v[n]), 5)}), because every gradient so far "
        "pointed the same way."
    )


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


@st.cache_data(show_spinner=False, max_entries=32)
def overshoot(beta: float) -> worked.Overshoot:
    return worked.momentum_overshoot(beta, eta=LESSON_ETA, steps=OVERSHOOT_STEPS)


def overshoot_row(beta: float) -> dict[str, str]:
    result = overshoot(beta)
    theta = result.table["θ"]
    crossed = np.nonzero(theta > worked.PARABOLA_MINIMUM)[0]
    far = np.nonzero(np.abs(theta - worked.PARABOLA_MINIMUM) >= SETTLE_TOLERANCE)[0]
    settled = int(far[-1]) + 1 if far.size else 0
    return {
        "β": fmt(beta, 3),
        "memory 1/(1−β)": fmt(window(beta), 4),
        "first passes 3 at step": str(int(crossed[0])) if crossed.size else "never",
        "turns back at step": str(result.peak_step) if result.peak_step is not None else "—",
        "farthest past 3": fmt(result.max_overshoot, 3) if result.peak_step else "0",
        f"stays within {fmt(SETTLE_TOLERANCE)} of 3 from step": (
            str(settled) if settled <= OVERSHOOT_STEPS else f"> {OVERSHOOT_STEPS}"
        ),
    }


def beta_color(beta: float) -> str:
    """A colour per β, light (little memory) to dark (much memory)."""
    scale = ("#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b")
    i = OVERSHOOT_BETAS.index(beta) if beta in OVERSHOOT_BETAS else len(scale) - 1
    return scale[min(i, len(scale) - 1)]


def overshoot_chart(betas: tuple[float, ...], what: str) -> go.Figure:
    """θ (or the loss) against step on (θ − 3)² for each β, the minimum marked."""
    n = OVERSHOOT_PLOT_STEPS
    series = []
    for beta in betas:
        table = overshoot(beta).table
        values = table["θ"][: n + 1] if what == "theta" else table["loss f(θ)"][: n + 1]
        series.append(figures.Series(f"β = {fmt(beta, 3)}", values, beta_color(beta)))
    fig = figures.step_curves_figure(
        np.arange(n + 1),
        series,
        value_title="θ" if what == "theta" else "loss f(θ)",
        log_y=what == "loss",
        title=f"Momentum on (θ − 3)² from θ = 0, η = {fmt(LESSON_ETA)}",
        height=340,
    )
    if what == "theta":
        fig.add_hline(
            y=worked.PARABOLA_MINIMUM,
            line={"color": "#444", "width": 1, "dash": "dash"},
            annotation_text="minimum θ = 3",
            annotation_position="bottom right",
        )
    fig.update_layout(hovermode="closest")
    return fig


def overshoot_explorer() -> None:
    """Pick several β: θ against step on (θ − 3)² at η = 0.01, and a table of the overshoot."""
    state = ps()
    key = state.key("over:betas")
    picked = st.pills(
        "Momentum β (pick several)",
        list(OVERSHOOT_BETAS),
        selection_mode="multi",
        default=[0.0, 0.9, 0.99],
        format_func=lambda b: f"β = {fmt(b, 3)}",
        key=key,
        persist_state="session",
    )
    betas = sorted(b for b in (picked or []) if b in OVERSHOOT_BETAS)
    if not betas:
        st.info("Pick at least one β to draw its path.")
        return
    what = controls.choice(
        state,
        "over:what",
        "Plot",
        ["theta", "loss"],
        format_func=lambda w: {"theta": "position θ", "loss": "loss (log scale)"}[w],
    )
    fig = figures.memo_figure(overshoot_chart, tuple(betas), what)
    st.plotly_chart(fig, key=state.key("over:chart"), config={"displayModeBar": False})
    st.table(pd.DataFrame([overshoot_row(b) for b in betas]).set_index("β"))
    st.caption(
        f"All from the engine's momentum, {OVERSHOOT_STEPS} steps each; "
        '"turns back" is the step where the velocity changes sign past the minimum.'
    )


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


def substep_arrows(a: NesterovAnatomy, substep: int) -> list[figures.Arrow]:
    """The arrows drawn at each sub-step (real displacements, so they chain head to tail)."""
    arrows: list[figures.Arrow] = []
    coast = a.lookahead - a.theta  # −ηβv
    if substep >= 1 and np.linalg.norm(coast) > 0:
        arrows.append(
            figures.Arrow(
                tuple(a.theta),
                tuple(coast),
                color=palette.VELOCITY_COLOR,
                label="coast −ηβv" if substep <= 2 else "",
            )
        )
    if substep == 3 and np.linalg.norm(a.grad_here) > 0:
        arrows.append(
            figures.Arrow(
                tuple(a.theta),
                tuple(-a.lr * a.grad_here),
                color=palette.GHOST_COLOR,
                label="classical −η∇L(θ)",
            )
        )
    if substep >= 3:
        arrows.append(
            figures.Arrow(
                tuple(a.lookahead),
                tuple(-a.lr * a.grad),
                color=palette.GRADIENT_COLOR,
                label="−η∇L(lookahead)" if substep == 3 else "",
            )
        )
    if substep >= 4:
        arrows.append(
            figures.Arrow(
                tuple(a.theta),
                tuple(a.new_theta - a.theta),
                color=STEP_COLOR,
                label="step −ηv′",
            )
        )
    return arrows


def substep_text(a: NesterovAnatomy, substep: int, steps_done: int) -> tuple[str, str]:
    """(markdown, LaTeX) explaining one sub-step with the engine's numbers."""
    b, e = fmt(a.beta, 3), controls.format_rate(a.lr)
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


def next_substep(state: PageState) -> None:
    """Callback: advance the sub-step; after ④ take the step (both runs) and start over."""
    key = state.key("nag:substep")
    current = st.session_state.get(key, 1)
    if current not in SUBSTEPS:
        current = 1
    if current < 4:
        st.session_state[key] = current + 1
        return
    for name in NAG_RUNS:
        run = state.run(name)
        if run is not None:
            state.update_run(name, advance(run, 1))
    st.session_state[key] = 1


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


def nesterov_closeup(
    grid: figures.Grid,
    traces: list[figures.PathTrace],
    minima,
    arrows: list[figures.Arrow],
    *,
    ghost: tuple[float, float] | None,
    title: str,
    ranges: tuple[list[float], list[float]],
) -> go.Figure:
    """The zoomed landscape around one Nesterov update, drawn at true angles."""
    close = figures.landscape_figure(
        grid,
        trajectories=traces,
        minima=minima,
        arrows=arrows,
        ghost=ghost,
        title=title,
        height=440,
    )
    close.update_xaxes(range=ranges[0])
    close.update_yaxes(range=ranges[1], scaleanchor="x", scaleratio=1)  # true angles
    return close


def nesterov_lab() -> None:
    """Classical and Nesterov momentum stepped together, with one Nesterov update dissected."""

    @st.fragment
    def body() -> None:
        state = ps()
        c1, c2 = st.columns([3, 2], vertical_alignment="bottom")
        with c1:
            land_name = controls.landscape_picker(state, list(NAG_LANDSCAPES), name="nag:landscape")
        with c2:
            view = controls.view_toggle(state, "nag:view")
        c3, c4 = st.columns(2, vertical_alignment="bottom")
        with c3:
            eta = controls.log_slider(
                state,
                "nag:lr",
                "Learning rate η (log scale)",
                low=0.001,
                high=0.3,
                default=NAG_ETA,
                extra=(0.04, 0.25),
            )
        with c4:
            beta = beta_slider(state, "nag:beta", "Momentum β (both runs)")
        land = landscapes.get(land_name)
        start = explorer.start_for(state, land_name)
        for name, opt_name in zip(NAG_RUNS, ("momentum", "nesterov"), strict=True):
            sync_with_intro(
                state,
                name,
                NAG_INTRO_STEPS,
                optimizer=opt_name,
                # Nesterov in the lesson's form: the ball is θ, the gradient taken ahead.
                hyperparams={"lr": eta, "beta": beta, **LESSON_FORM.get(opt_name, {})},
                landscape=land_name,
                start=start,
            )
        controls.run_buttons(state, NAG_RUNS, play_steps=40, drop_ball=False, key_prefix="nag:")
        classical, nesterov = state.run(NAG_RUNS[0]), state.run(NAG_RUNS[1])
        traces = [
            explorer.path_trace(classical, "Classical"),
            explorer.path_trace(nesterov, "Nesterov"),
        ]
        substep = st.session_state.get(state.key("nag:substep"), 1)
        substep = substep if substep in SUBSTEPS else 1
        anatomy = nesterov_anatomy(nesterov)
        play_from = min(
            (r.play_from for r in (classical, nesterov) if r.play_from is not None), default=0
        )
        grid = explorer.landscape_grid(land_name)

        left, right = st.columns(2, gap="medium")
        with left:
            fig = figures.memo_figure(
                figures.landscape_figure,
                grid,
                view=view,
                trajectories=traces,
                start=start,
                minima=land.minima,
                ghost=tuple(anatomy.lookahead) if substep >= 2 else None,
                loss_fn=land.loss,
                animate_from=play_from,
                click_grid=explorer.CLICK_GRID_N if view == "2d" else 0,
                title=None if view == "2d" else f"{land.title} (3-D)",
                height=440 if view == "2d" else 480,
            )
            if view == "2d":
                key = explorer.click_chart_key(state, "nag")
                st.plotly_chart(
                    fig,
                    key=key,
                    on_select=lambda: explorer.on_landscape_click(state, "nag", land_name, key),
                    selection_mode="points",
                    config={"displayModeBar": False},
                )
                st.caption(
                    f"{land.title}, whole run. Click the map to start both balls there; "
                    "the hollow grey circle is Nesterov's lookahead."
                )
            else:
                st.plotly_chart(fig, key=state.key("nag:chart3d"))
        with right:
            close = figures.memo_figure(
                nesterov_closeup,
                grid,
                traces,
                land.minima,
                substep_arrows(anatomy, substep),
                ghost=tuple(anatomy.lookahead) if substep >= 2 else None,
                title=f"Close-up of Nesterov's step {nesterov.steps + 1}, {SUBSTEPS[substep]}",
                ranges=zoom_ranges(
                    [
                        anatomy.theta,
                        anatomy.lookahead,
                        anatomy.new_theta,
                        anatomy.lookahead - anatomy.lr * anatomy.grad,
                        anatomy.theta - anatomy.lr * anatomy.grad_here,
                    ],
                    land.bounds,
                ),
            )
            st.plotly_chart(close, key=state.key("nag:close"), config={"displayModeBar": False})

        with st.container(horizontal=True, gap="small", vertical_alignment="bottom"):
            substep = controls.choice(
                state,
                "nag:substep",
                "The next Nesterov update, one sub-step at a time",
                list(SUBSTEPS),
                format_func=lambda k: SUBSTEPS[k],
            )
            st.button(
                "Next sub-step" if substep < 4 else "Take the step (both runs)",
                key=state.key("nag:btn:next"),
                on_click=next_substep,
                args=(state,),
                icon=":material/redo:",
                type="primary",
            )
        text, maths = st.columns(2, gap="medium")
        md, tex = substep_text(anatomy, substep, nesterov.steps)
        with text:
            st.markdown(md)
            if nesterov.diverged:
                st.warning(
                    f"The Nesterov run diverged at step {nesterov.diverged_at}: lower η "
                    "and press Reset."
                )
        with maths:
            st.latex(tex)

        a, b = st.columns(2, gap="medium")
        with a:
            run_summary(classical, "Classical")
        with b:
            run_summary(nesterov, "Nesterov")
        explorer.loss_chart(
            state, "nag:loss", traces, log_y=True, title="Loss per step (log scale)", height=280
        )
        ahead_c = outlook("momentum", eta, beta, land_name, start)
        ahead_n = outlook("nesterov", eta, beta, land_name, start)
        minimum = land.minima[0]
        st.markdown(
            "**Looking ahead** from this start with these settings (computed by the engine): "
            f"classical momentum swings up to **{fmt(ahead_c.overshoot(start, minimum), 3)}** "
            f"past the minimum, Nesterov up to **{fmt(ahead_n.overshoot(start, minimum), 3)}** "
            "(measured along the line from the start through the minimum). The loss falls "
            f"below {fmt(THRESHOLD)} after "
            f"**{steps_text(ahead_c.steps_to(THRESHOLD), ahead_c.diverged_at)}** (classical) "
            f"and **{steps_text(ahead_n.steps_to(THRESHOLD), ahead_n.diverged_at)}** (Nesterov)."
        )

    body()


# --------------------------------------------------------------------------- reference


def variants_table() -> None:
    """SGD, momentum and Nesterov from the engine's metadata."""
    rows = []
    for name in ("sgd", "momentum", "nesterov"):
        info = optimizers.info(name)
        defaults = ", ".join(
            f"{'η' if k == 'lr' else 'β' if k == 'beta' else k} = {fmt(float(v), 3)}"
            for k, v in info.defaults.items()
            if k in ("lr", "beta")
        )
        rows.append(
            {
                "variant": f"{info.display_name} ({info.year})",
                "idea": info.innovation,
                "best for": info.best_for,
                "memory": info.memory,
                "engine defaults": defaults,
            }
        )
    st.table(pd.DataFrame(rows).set_index("variant"))

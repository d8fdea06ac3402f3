"""Chapter 7's interactive pieces (the page script keeps the prose and the order).

Every learning rate, loss and ratio shown here is computed by ``engine.schedules``,
``engine.worked`` or an engine simulation at render time. The pure helpers at the top
(no Streamlit calls) are tested on their own; the fragments below draw the widgets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from engine import landscapes, optimizers, schedules, transforms, worked
from ui import controls, explorer, figures, palette
from ui.explorer import landscape_chart, landscape_grid, start_for
from ui.numbers import fmt
from ui.state import PageState, Run, advance, sync_run

PAGE = "ch07"
PERSIST = "session"

# The lesson's worked example: T = 1000 steps, 100 of them warmup, peak 0.001, floor 0.
WORKED_TOTAL = 1000
WORKED_WARMUP = 100
WORKED_PEAK = 0.001
WORKED_STEPS = (0, 50, 100, 325, 550, 775, 1000)

VISUALISER_DEFAULT = ("cosine", "linear", "inverse_sqrt", "wsd")
DECAY_NAMES = tuple(n for n in schedules.NAMES if n != "constant")

ACTION_OPTIMIZERS = ("sgd", "momentum", "adam")
ACTION_LANDSCAPES = ("rosenbrock", "noisy_ravine", "ravine", "bowl")
ACTION_HORIZONS = (100, 200, 300, 500, 1000)
ACTION_PLAY = 100  # updates per Play click
CONST, SCHED = "action:const", "action:sched"  # the two runs of "Schedule in action"
CONSTANT_COLOR = palette.schedule_color("constant")

# One-click set-ups for "Schedule in action" (inputs, not results: the runs compute the rest).
PRESETS: dict[str, dict[str, object]] = {
    "warmup": {
        "label": "Warmup saves a large rate",
        "optimizer": "momentum",
        "landscape": "rosenbrock",
        "lr": 0.003,
        "schedule": "cosine",
        "warmup": 10,
        "horizon": 300,
    },
    "noise": {
        "label": "Decay settles through noise",
        "optimizer": "momentum",
        "landscape": "noisy_ravine",
        "lr": 0.01,
        "schedule": "cosine",
        "warmup": 10,
        "horizon": 300,
    },
}

# The scheduler.step() mistakes: how the scheduler's counter relates to the batch index k.
MISTAKES: dict[str, str] = {
    "per_batch": "Every batch (correct)",
    "per_epoch": "Once per epoch",
    "too_fast": "Every batch, schedule in epochs",
    "never": "Never",
    "before": "Before optimizer.step()",
}


def ps() -> PageState:
    return PageState(PAGE)


# --------------------------------------------------------------------------- pure helpers


def warmup_steps_for(total: int, percent: float) -> int:
    """Warmup length in steps for a warmup of ``percent`` % of ``total`` steps."""
    return int(round(int(total) * float(percent) / 100.0))


def build_schedules(
    names: Sequence[str],
    *,
    peak: float,
    total: int,
    warmup_percent: float,
    min_lr: float,
    options: Mapping[str, Mapping[str, float]] | None = None,
) -> tuple[dict[str, schedules.Schedule], list[str]]:
    """The engine schedules ``names`` for these settings, and plain-language problems.

    Nothing raises: an invalid combination (a floor above the peak, a zero peak …) is
    returned as a message for ``st.error`` and the schedule is left out.
    """
    options = options or {}
    problems: list[str] = []
    if not np.isfinite(peak) or peak <= 0:
        problems.append(
            f"The peak rate must be above zero (it is {fmt(peak)}): a schedule scales it, "
            "and a zero peak leaves nothing to scale."
        )
        return {}, problems
    if not np.isfinite(min_lr) or min_lr < 0:
        problems.append(f"The minimum rate cannot be negative (it is {fmt(min_lr)}).")
        return {}, problems
    if min_lr > peak:
        problems.append(
            f"The minimum rate ({fmt(min_lr)}) is above the peak ({fmt(peak)}). A schedule "
            "decays from its peak down to its minimum, so the minimum has to be the smaller "
            "one: lower the minimum or raise the peak."
        )
        return {}, problems
    built: dict[str, schedules.Schedule] = {}
    warm = warmup_steps_for(total, warmup_percent)
    for name in names:
        try:
            built[name] = schedules.make(
                name, peak, int(total), warmup_steps=warm, min_lr=min_lr, **options.get(name, {})
            )
        except ValueError as exc:
            problems.append(f"{schedules.info(name)['title']} cannot be built: {exc}.")
    return built, problems


def schedule_summary(built: Mapping[str, schedules.Schedule], total: int) -> pd.DataFrame:
    """η at a quarter, half, three quarters and the end of the run, and the average η.

    Rates are shown as a fraction of the peak; the average over the whole run is the
    share of "constant-rate training" a schedule spends.
    """
    checkpoints = (0.25, 0.5, 0.75, 1.0)
    steps = np.arange(int(total) + 1)
    rows = []
    for name, sched in built.items():
        peak = sched.peak_lr
        at = sched(np.array([round(c * total) for c in checkpoints]))
        rows.append(
            {
                "schedule": schedules.info(name)["title"],
                **{
                    f"η at {c:.0%} of T": f"{fmt(float(v), 3)} ({float(v) / peak:.0%})"
                    for c, v in zip(checkpoints, at, strict=True)
                },
                "average η over the run": f"{float(np.mean(sched(steps))) / peak:.0%} of peak",
            }
        )
    return pd.DataFrame(rows)


def decay_done(name: str, progress: float) -> float:
    """Share of the way from peak to minimum a schedule has fallen at ``progress`` ∈ [0, 1]
    of its decay phase (engine schedule with no warmup, peak 1 and floor 0)."""
    total = 1000
    sched = schedules.make(name, 1.0, total)
    return 1.0 - float(sched(round(progress * total)))


def short_count(count: float) -> str:
    """10,000 / 1M / 375M / 300B: big counts as a reader says them."""
    for size, suffix in ((1e9, "B"), (1e6, "M")):
        if count >= size:
            return f"{count / size:g}{suffix}"
    return f"{count:,.0f}"


def cosine_worked_table(extra_steps: Sequence[int] = ()) -> pd.DataFrame:
    """The lesson's cosine table from ``engine.worked.cosine_table``, with the arithmetic
    written out for each row (the inputs in the formula, the engine's value after it)."""
    at = sorted({*WORKED_STEPS, *(int(s) for s in extra_steps)})
    table = worked.cosine_table(
        peak_lr=WORKED_PEAK, total=WORKED_TOTAL, warmup=WORKED_WARMUP, at=tuple(at)
    )
    arithmetic = []
    for step, rate in zip(table["step"], table["learning rate η"], strict=True):
        step = int(step)
        if step < WORKED_WARMUP:
            arithmetic.append(f"{WORKED_PEAK:g} × {step} / {WORKED_WARMUP} = {fmt(rate, 3)}")
        else:
            done = min(step, WORKED_TOTAL) - WORKED_WARMUP
            arithmetic.append(
                f"{WORKED_PEAK:g} × (1 + cos(π · {done} / {WORKED_TOTAL - WORKED_WARMUP})) / 2"
                f" = {fmt(rate, 3)}"
            )
    return pd.DataFrame(
        {
            "step t": [str(int(s)) for s in table["step"]],
            "phase": list(table["phase"]),
            "progress p": ["—" if not np.isfinite(p) else f"{p:.3g}" for p in table["progress p"]],
            "η (engine)": [fmt(float(v), 3) for v in table["learning rate η"]],
            "share of peak": [f"{float(v):.1%}" for v in table["fraction of peak"]],
            "by hand": arithmetic,
        }
    )


def scheduler_counter(mistake: str, epochs: int, batches: int) -> np.ndarray:
    """What the scheduler's step counter reads at each batch k = 0 … E·B − 1.

    The schedule is built in batches (T = E·B). ``per_batch`` is the intended k;
    ``per_epoch`` counts epochs instead (k // B); ``too_fast`` is a schedule written in
    epochs but stepped every batch, i.e. B times too fast (k·B in batch units);
    ``never`` stays at 0; ``before`` steps the scheduler before the optimizer, one ahead.
    """
    k = np.arange(int(epochs) * int(batches))
    counters = {
        "per_batch": k,
        "per_epoch": k // int(batches),
        "too_fast": k * int(batches),
        "never": np.zeros_like(k),
        "before": k + 1,
    }
    if mistake not in counters:
        raise ValueError(f"unknown mistake {mistake!r}")
    return counters[mistake]


@dataclass(frozen=True)
class PitfallResult:
    batches: np.ndarray  # batch index k
    intended: np.ndarray  # η the schedule meant for batch k
    actual: np.ndarray  # η the optimizer used at batch k
    schedule: schedules.Schedule


def pitfall_rates(
    name: str, mistake: str, *, epochs: int, batches: int, peak: float, warmup_percent: float
) -> PitfallResult:
    """Intended and actual learning rate per batch for one way of calling scheduler.step()."""
    total = int(epochs) * int(batches)
    sched = schedules.make(name, peak, total, warmup_steps=warmup_steps_for(total, warmup_percent))
    k = np.arange(total)
    return PitfallResult(k, sched(k), sched(scheduler_counter(mistake, epochs, batches)), sched)


def pitfall_summary(result: PitfallResult) -> pd.DataFrame:
    """Intended vs actual rate: first batch, highest, last batch and average."""
    rows = []
    pairs = (("meant (stepped every batch)", result.intended), ("as stepped", result.actual))
    for label, rates in pairs:
        rows.append(
            {
                "": label,
                "first batch": fmt(float(rates[0]), 3),
                "highest η": fmt(float(rates.max()), 3),
                "last batch": fmt(float(rates[-1]), 3),
                "average η": fmt(float(rates.mean()), 3),
            }
        )
    return pd.DataFrame(rows).set_index("")


def adam_first_step(gradients: tuple[float, float] = (50.0, 0.02), lr: float = 0.001) -> np.ndarray:
    """Adam's very first update for two weights with very different gradients (engine)."""
    opt = optimizers.make("adam", lr=lr)
    params = np.zeros(2)
    _, _, info = opt.step_with_info(
        params, lambda p: np.asarray(gradients, float), opt.init(params)
    )
    return np.asarray(info["update"], dtype=float)


def radam_warmup_steps(beta2: float = 0.999, levels: Sequence[float] = (0.5, 0.9)) -> dict:
    """When RAdam's variance rectification r_t switches on and reaches each level."""
    t = np.arange(1, 20001)
    _, rect = transforms.radam_rectification(beta2, t)
    filled = np.nan_to_num(rect, nan=0.0)
    return {
        "first": int(t[np.isfinite(rect)][0]),
        **{level: int(t[filled >= level][0]) for level in levels},
    }


def action_schedule(
    name: str, lr: float, horizon: int, warmup_percent: float
) -> schedules.Schedule:
    """The schedule of "Schedule in action": peak ``lr``, floor 0, over ``horizon`` steps."""
    return schedules.make(
        name, lr, int(horizon), warmup_steps=warmup_steps_for(horizon, warmup_percent)
    )


def tail_loss(run: Run, window: int = 20) -> float:
    """Average loss over the last ``window`` steps (noisy runs jitter step to step)."""
    last = run.steps if run.diverged_at is None else min(run.diverged_at, run.steps)
    losses = run.losses[: last + 1]
    return float(np.mean(losses[-window:]))


# --------------------------------------------------------------------------- Streamlit

SHAPE_NOTES: dict[str, str] = {
    "step": (
        "The oldest recipe, and still common for convolutional networks: hold the rate, "
        "then cut it by a fixed factor γ at a few chosen points, usually by ten. Each cut "
        "lets the weights settle into a narrower part of the valley, and the training loss "
        "often drops in a visible cliff right after it. The catch is choosing *when* to cut. "
        "Here the interval k is counted from the end of warmup."
    ),
    "cosine": (
        "Half a cosine wave from the peak down to the floor (zero, or a small fraction of "
        "the peak). It has no kinks and no milestones to choose: just the peak, the floor "
        "and the length of the run. That makes it the default for most transformer "
        "training, and it matches or beats hand-placed step schedules in practice."
    ),
    "linear": (
        "A straight ramp down to the floor. Simple and surprisingly strong: GPT-2 and many "
        "BERT fine-tuning recipes use it. Compared with cosine it gives up rate earlier "
        "and lands more gently at the very end."
    ),
    "inverse_sqrt": (
        "The schedule of the original Transformer paper: after warmup the rate falls like "
        "1/√t, fast at first and then ever more slowly. It stays well above cosine late in "
        "training, and it never needs to know the total length, so a run can simply "
        "continue."
    ),
    "wsd": (
        "Warmup, then a long **stable** phase at the peak, then a short, steep decay at the "
        "end (recent large models such as MiniCPM use it). Because nothing depends on the "
        "total length until the last stretch, you can keep training in the stable phase, "
        "branch off a decay whenever you want a finished model, and keep going from before "
        "the decay."
    ),
}


def shape_tabs() -> None:
    """One tab per decay shape: its formula (from the engine), when it is used."""
    tabs = st.tabs([schedules.info(n)["title"] for n in DECAY_NAMES])
    for tab, name in zip(tabs, DECAY_NAMES, strict=True):
        meta = schedules.info(name)
        with tab:
            st.markdown(f"*{meta['description']}*")
            st.latex(meta["latex"])
            st.markdown(SHAPE_NOTES[name])
            if name == "step":
                st.latex(r"\eta_t = \eta_0\,\gamma^{\lfloor t/k \rfloor}")
                st.caption(
                    "The textbook form just above has no warmup. The formula at the top of "
                    "this tab, which the engine uses, counts the k-step intervals from the "
                    "end of warmup."
                )
            if name == "inverse_sqrt":
                paper_warmup = 4000  # the Transformer paper's warmup length (an input)
                st.markdown(
                    "The paper writes it as "
                    r"$\eta_t = d^{-1/2}\min\left(t^{-1/2},\ t\,W^{-3/2}\right)$, whose "
                    f"top, at t = W, is $d^{{-1/2}}W^{{-1/2}}$: with its W = {paper_warmup:,} "
                    f"that is {paper_warmup**-0.5:.4f} × d^(−1/2), not a rate you chose. "
                    "The form used here divides that scale out, so the curve peaks at exactly "
                    "η_max at the end of warmup and is η_max·√(W/t) after it."
                )


def visualiser() -> None:
    """Schedule visualiser: several schedules overlaid, normalised or absolute."""

    @st.fragment
    def body() -> None:
        state = ps()
        names = st.pills(
            "Schedules to compare",
            list(schedules.NAMES),
            selection_mode="multi",
            default=list(VISUALISER_DEFAULT),
            format_func=lambda n: schedules.info(n)["title"],
            key=state.key("vis:names"),
            persist_state=PERSIST,
        )
        c1, c2, c3, c4 = st.columns(4)
        with c1:
            total = controls.number(
                state,
                "vis:total",
                "Total steps T",
                min_value=10,
                max_value=1_000_000,
                default=1000,
                step=100,
            )
        with c2:
            warm_pct = st.slider(
                "Warmup (% of T)",
                min_value=0,
                max_value=50,
                value=10,
                key=state.key("vis:warmup"),
                persist_state=PERSIST,
            )
        with c3:
            peak = controls.number(
                state,
                "vis:peak",
                "Peak rate η_max",
                min_value=0.0,
                max_value=10.0,
                default=0.001,
                step=0.0005,
                format="%g",
            )
        with c4:
            floor = controls.number(
                state,
                "vis:min",
                "Minimum rate η_min",
                min_value=0.0,
                max_value=10.0,
                default=0.0,
                step=0.0001,
                format="%g",
            )
        left, right = st.columns([1, 2], vertical_alignment="center")
        with left:
            normalised = st.toggle(
                "Show η as a fraction of the peak",
                value=True,
                key=state.key("vis:normalised"),
                persist_state=PERSIST,
            )
        with right, st.expander("Shape settings (step decay, warmup–stable–decay)"):
            s1, s2, s3 = st.columns(3)
            gamma = s1.slider(
                "Step decay: factor γ",
                min_value=0.05,
                max_value=1.0,
                value=0.1,
                step=0.05,
                key=state.key("vis:gamma"),
                persist_state=PERSIST,
            )
            every = s2.slider(
                "Step decay: drop every (% of T)",
                min_value=5,
                max_value=50,
                value=30,
                step=5,
                key=state.key("vis:every"),
                persist_state=PERSIST,
            )
            decay_pct = s3.slider(
                "WSD: final decay (% of T)",
                min_value=0,
                max_value=100,
                value=20,
                step=5,
                key=state.key("vis:wsd"),
                persist_state=PERSIST,
            )
        if not names:
            st.info("Pick at least one schedule above to draw it.")
            return
        built, problems = build_schedules(
            names,
            peak=float(peak),
            total=int(total),
            warmup_percent=warm_pct,
            min_lr=float(floor),
            options={
                "step": {"gamma": gamma, "step_size": max(1, round(int(total) * every / 100))},
                "wsd": {"decay_fraction": decay_pct / 100},
            },
        )
        for problem in problems:
            st.error(problem, icon=":material/block:")
        if not built:
            return
        steps = np.arange(int(total) + 1)
        warm = warmup_steps_for(int(total), warm_pct)
        fig = figures.memo_figure(
            figures.schedule_figure,
            steps,
            [
                figures.Series(schedules.info(n)["title"], s(steps), palette.schedule_color(n))
                for n, s in built.items()
            ],
            normalise_to=float(peak) if normalised else None,
            vlines=[(warm, "warmup ends")] if 0 < warm < int(total) else [],
            title="Learning rate over the run",
            height=380,
        )
        st.plotly_chart(fig, key=state.key("vis:chart"), config={"displayModeBar": False})
        st.dataframe(schedule_summary(built, int(total)), hide_index=True)
        st.caption(
            f"Warmup lasts {warm:,} of {int(total):,} steps. The last column is the average "
            "rate over the whole run: how much of a constant-peak run's total step length "
            "each schedule spends."
        )

    body()


def cosine_worked() -> None:
    """The lesson's hand calculation, computed by the engine, plus a step of your own."""
    state = ps()
    with st.columns([1, 2])[0]:
        own = controls.number(
            state,
            "worked:own",
            "Add a step of your own to the table",
            min_value=0,
            max_value=WORKED_TOTAL,
            default=900,
            step=25,
        )
    table = cosine_worked_table([int(own)])
    st.table(table.set_index("step t"))
    sched = schedules.make("cosine", WORKED_PEAK, WORKED_TOTAL, warmup_steps=WORKED_WARMUP)
    steps = np.arange(WORKED_TOTAL + 1)
    rates = sched(np.asarray(WORKED_STEPS))
    fig = figures.memo_figure(
        figures.schedule_figure,
        steps,
        [figures.Series("warmup + cosine", sched(steps), palette.schedule_color("cosine"))],
        points=[
            (t, float(r), f"step {t}: η = {fmt(float(r), 3)}")
            for t, r in zip(WORKED_STEPS, rates, strict=True)
        ],
        vlines=[(WORKED_WARMUP, "warmup ends")],
        title="The worked example: the table's rows on the curve",
        height=300,
    )
    st.plotly_chart(fig, key=state.key("worked:chart"), config={"displayModeBar": False})


def _set_preset(name: str) -> None:
    state = ps()
    preset = PRESETS[name]
    for field in ("optimizer", "landscape", "lr", "schedule", "warmup", "horizon"):
        st.session_state[state.key(f"action:{field}")] = preset[field]
    state.set("action:autoplay", True)


def schedule_in_action() -> None:
    """The same optimizer twice on one landscape: constant η vs the chosen schedule."""

    @st.fragment
    def body() -> None:
        state = ps()
        controls.try_buttons(
            state, "action:", {name: str(p["label"]) for name, p in PRESETS.items()}, _set_preset
        )
        c1, c2, c3 = st.columns([2, 4, 2], vertical_alignment="bottom")
        with c1:
            opt_name = controls.choice(
                state,
                "action:optimizer",
                "Optimizer",
                ACTION_OPTIMIZERS,
                default="momentum",
                format_func=lambda n: optimizers.info(n).display_name,
            )
        with c2:
            land_name = controls.landscape_picker(
                state, ACTION_LANDSCAPES, name="action:landscape", default="rosenbrock"
            )
        with c3:
            view = controls.view_toggle(state, name="action:view")
        c4, c5, c6, c7 = st.columns([3, 2, 2, 2], vertical_alignment="bottom")
        with c4:
            lr = controls.lr_slider(
                state,
                "action:lr",
                low=1e-4,
                high=1.0,
                default=0.003,
                label="Peak rate η (the constant run uses it throughout)",
            )
        with c5:
            sched_name = st.selectbox(
                "Schedule",
                list(DECAY_NAMES),
                index=list(DECAY_NAMES).index("cosine"),
                format_func=lambda n: schedules.info(n)["title"],
                key=state.key("action:schedule"),
                persist_state=PERSIST,
            )
        with c6:
            warm_pct = st.slider(
                "Warmup (% of T)",
                min_value=0,
                max_value=50,
                value=10,
                key=state.key("action:warmup"),
                persist_state=PERSIST,
            )
        with c7:
            horizon = st.selectbox(
                "Schedule length T",
                list(ACTION_HORIZONS),
                index=list(ACTION_HORIZONS).index(300),
                key=state.key("action:horizon"),
                persist_state=PERSIST,
            )
        try:
            sched = action_schedule(sched_name, lr, int(horizon), warm_pct)
        except ValueError as exc:  # the controls keep values valid; belt and braces
            st.error(f"That schedule cannot be built: {exc}.")
            return
        land = landscapes.get(land_name)
        start = start_for(state, land_name)
        title = optimizers.info(opt_name).display_name
        first_visit = state.run(SCHED) is None  # show a finished comparison straight away
        const_run = sync_run(
            state,
            CONST,
            optimizer=opt_name,
            hyperparams={"lr": lr},
            landscape=land_name,
            start=start,
        )
        sched_run = sync_run(
            state,
            SCHED,
            optimizer=opt_name,
            hyperparams={"lr": sched},
            landscape=land_name,
            start=start,
        )
        if state.pop("action:autoplay", False) or first_visit:
            const_run = state.update_run(CONST, advance(const_run, int(horizon), play=True))
            sched_run = state.update_run(SCHED, advance(sched_run, int(horizon), play=True))
        controls.run_buttons(
            state, [CONST, SCHED], play_steps=ACTION_PLAY, drop_ball=True, key_prefix="action:"
        )
        const_run = state.run(CONST) or const_run
        sched_run = state.run(SCHED) or sched_run
        sched_title = schedules.info(sched_name)["title"].lower()
        traces = [
            figures.PathTrace(
                f"constant η = {controls.format_rate(lr)}",
                const_run.path,
                const_run.losses,
                CONSTANT_COLOR,
                const_run.diverged_at,
            ),
            figures.PathTrace(
                f"{sched_title} schedule",
                sched_run.path,
                sched_run.losses,
                palette.optimizer_color(opt_name),
                sched_run.diverged_at,
            ),
        ]
        play_from = sched_run.play_from if sched_run.play_from is not None else 0
        left, right = st.columns([3, 2], gap="medium")
        with left:
            st.markdown(
                f"**{title} on {land.title}**"
                + (": click the map to start both runs there" if view == "2d" else " (3-D)")
            )
            fig = figures.memo_figure(
                figures.landscape_figure,
                landscape_grid(land_name),
                view=view,
                trajectories=traces,
                start=sched_run.start,
                minima=land.minima,
                loss_fn=land.loss,
                animate_from=play_from,
                click_grid=40 if view == "2d" else 0,
                log_color=land_name == "rosenbrock",
                title=None,
                height=470 if view == "2d" else 500,
            )
            landscape_chart(state, "action", land_name, fig, view)
        steps_done = max(const_run.steps, sched_run.steps)
        with right:
            with st.container(horizontal=True, gap="medium"):
                st.metric("Step", steps_done, width="content")
                st.metric(
                    f"η now ({sched_title})", fmt(float(sched(steps_done)), 3), width="content"
                )
            with st.container(horizontal=True, gap="medium"):
                st.metric("Loss · constant", _loss_text(const_run), width="content")
                st.metric(f"Loss · {sched_title}", _loss_text(sched_run), width="content")
            explorer.loss_chart(
                state, "action:loss", traces, log_y=True, title="Loss per step", height=260
            )
            shown = np.arange(max(int(horizon), steps_done) + 1)
            st.plotly_chart(
                figures.memo_figure(
                    figures.schedule_figure,
                    shown,
                    [
                        figures.Series("constant", np.full(shown.shape, lr), CONSTANT_COLOR),
                        figures.Series(
                            sched_title, sched(shown), palette.optimizer_color(opt_name)
                        ),
                    ],
                    dashed=("constant",),
                    current_step=steps_done,
                    title="Learning rate used at each step",
                    height=230,
                ),
                key=state.key("action:lr_chart"),
                config={"displayModeBar": False},
            )
        _action_verdict(const_run, sched_run, sched_title, land_name)
        st.caption(f"**{land.title}.** {land.description}")

    body()


def _loss_text(run: Run) -> str:
    """The run's loss for a metric, or where it blew up."""
    if run.diverged:
        return f"diverged at step {run.diverged_at}"
    return fmt(run.loss, 3)


def _action_verdict(const_run: Run, sched_run: Run, sched_title: str, land_name: str) -> None:
    """One sentence about what the two runs did, from their losses."""
    if const_run.steps == 0 and sched_run.steps == 0:
        st.info("Press **Drop ball**, **Step** or **Play** to start both runs.")
        return
    if const_run.diverged and not sched_run.diverged:
        st.warning(
            f"The constant rate blew up at step {const_run.diverged_at}; the {sched_title} run "
            f"with its warmup survived and is at loss {fmt(sched_run.loss, 3)}. Its first "
            "steps were tiny while the gradients were huge."
        )
        return
    if sched_run.diverged and const_run.diverged:
        st.warning(
            f"Both runs diverged (constant at step {const_run.diverged_at}, {sched_title} at "
            f"step {sched_run.diverged_at}): the peak rate is too large for this landscape even "
            "after warmup. Lower η, or lengthen the warmup."
        )
        return
    if sched_run.diverged:
        st.warning(f"The {sched_title} run diverged at step {sched_run.diverged_at}.")
        return
    window = 20
    const_tail, sched_tail = tail_loss(const_run, window), tail_loss(sched_run, window)
    noisy = landscapes.get(land_name).noise_std > 0
    ratio = const_tail / sched_tail if sched_tail > 0 else float("inf")
    if sched_tail < const_tail:
        verdict = f"{fmt(ratio, 2)}× lower" if np.isfinite(ratio) else "lower"
    else:
        verdict = "higher"
    text = (
        f"Average loss over the last {window} steps: constant {fmt(const_tail, 3)}, "
        f"{sched_title} {fmt(sched_tail, 3)} ({verdict})."
    )
    if noisy:
        text += (
            " With noisy gradients a constant rate keeps jittering around the floor; a "
            "decaying rate shrinks the jitter with it."
        )
    elif verdict == "higher":
        text += (
            " On a clean landscape a safe constant rate simply keeps its full speed: the "
            "schedule pays off when the early gradients are wild or the late ones are noisy."
        )
    st.info(text)


def pitfall() -> None:
    """What the optimizer really gets when scheduler.step() is called at the wrong time."""

    @st.fragment
    def body() -> None:
        state = ps()
        mistake = controls.choice(
            state,
            "pit:mistake",
            "scheduler.step() is called …",
            list(MISTAKES),
            default="per_epoch",
            format_func=MISTAKES.get,
        )
        c1, c2, c3 = st.columns(3)
        with c1:
            name = st.selectbox(
                "Schedule (meant per batch)",
                list(DECAY_NAMES),
                index=list(DECAY_NAMES).index("cosine"),
                format_func=lambda n: schedules.info(n)["title"],
                key=state.key("pit:schedule"),
                persist_state=PERSIST,
            )
        with c2:
            epochs = st.slider(
                "Epochs",
                min_value=2,
                max_value=30,
                value=10,
                key=state.key("pit:epochs"),
                persist_state=PERSIST,
            )
        with c3:
            batches = st.select_slider(
                "Batches per epoch",
                options=[10, 20, 50, 100, 200, 500],
                value=100,
                key=state.key("pit:batches"),
                persist_state=PERSIST,
            )
        peak, warm_pct = WORKED_PEAK, 10
        result = pitfall_rates(
            name,
            mistake,
            epochs=int(epochs),
            batches=int(batches),
            peak=peak,
            warmup_percent=warm_pct,
        )
        total = int(epochs) * int(batches)
        series = [figures.Series("meant: stepped every batch", result.intended, CONSTANT_COLOR)]
        if mistake != "per_batch":
            series.append(
                figures.Series(
                    f"as stepped: {MISTAKES[mistake].lower()}",
                    result.actual,
                    palette.DIVERGED_COLOR,
                )
            )
        fig = figures.memo_figure(
            figures.schedule_figure,
            result.batches,
            series,
            dashed=("meant: stepped every batch",),
            vlines=[(e * int(batches), "") for e in range(1, int(epochs))]
            if int(epochs) <= 15
            else [],
            x_title="batch (optimizer.step() calls)",
            title=f"Learning rate the optimizer actually used, {int(epochs)} epochs × "
            f"{int(batches)} batches",
            height=320,
        )
        st.plotly_chart(fig, key=state.key("pit:chart"), config={"displayModeBar": False})
        if int(epochs) <= 15:
            st.caption("Dotted lines mark the end of each epoch.")
        st.table(pitfall_summary(result))
        st.markdown(_pitfall_story(mistake, result, int(epochs), int(batches), total))

    body()


def _pitfall_story(
    mistake: str, result: PitfallResult, epochs: int, batches: int, total: int
) -> str:
    """What went wrong, in words, with the engine's numbers."""
    peak = result.schedule.peak_lr
    actual_max = float(result.actual.max()) / peak
    mean_ratio = float(result.actual.mean()) / max(float(result.intended.mean()), 1e-300)
    warm = result.schedule.warmup_steps
    if mistake == "per_batch":
        return (
            f"Right: one scheduler step per optimizer step, so after all {total:,} batches "
            "the schedule has run from start to end exactly once."
        )
    if mistake == "per_epoch":
        return (
            f"The schedule was built for {total:,} steps but is stepped only {epochs} times, "
            f"once per epoch, so its counter never gets past {epochs - 1}. "
            + (
                f"That is still inside the {warm}-step warmup: the rate never climbs above "
                f"{actual_max:.1%} of the peak, and the run ends before it has really started."
                if epochs - 1 < warm
                else f"The rate tops out at {actual_max:.1%} of the peak."
            )
            + f" On average the optimizer gets {mean_ratio:.1%} of the rate it was meant to."
        )
    if mistake == "too_fast":
        finished = int(np.argmax(np.arange(total) * batches >= total))
        return (
            f"Here the schedule was written in epochs ({epochs} of them) but stepped every "
            f"batch, so it runs {batches}× too fast: it is over after {finished} batches, "
            f"less than one epoch, and the rest of training runs at the floor, "
            f"{fmt(float(result.actual[-1]), 3)}. On average the optimizer gets "
            f"{mean_ratio:.1%} of the rate it was meant to."
        )
    if mistake == "never":
        return (
            "The scheduler's counter stays at 0, so the optimizer keeps the schedule's "
            f"first value for the whole run: {fmt(float(result.actual[0]), 3)}. With a "
            "warmup that starts from zero nothing moves at all; without warmup you would "
            "silently train at a constant peak rate."
        )
    gap = float(np.max(np.abs(result.actual - result.intended)))
    return (
        "Calling the scheduler first skips the schedule's first value: every batch uses "
        "the rate meant for the next one (PyTorch warns about this order). The largest "
        f"difference from the intended rate is only {fmt(gap, 3)} ({gap / peak:.2%} of the "
        "peak): harmless here, but it is a sign the loop is in the wrong order."
    )


FROM_SCRATCH = '''
import numpy as np


def warmup_cosine(step, total, warmup, peak, floor=0.0):
    """Linear warmup to `peak`, then half a cosine down to `floor` at `total`."""
    step = np.asarray(step, dtype=float)
    ramp = peak * step / max(warmup, 1)
    done = np.clip((step - warmup) / max(total - warmup, 1), 0.0, 1.0)
    glide = floor + (peak - floor) * 0.5 * (1.0 + np.cos(np.pi * done))
    return np.where(step < warmup, ramp, glide)


steps = np.array([0, 50, 100, 325, 550, 775, 1000])
for t, lr in zip(steps, warmup_cosine(steps, total=1000, warmup=100, peak=1e-3)):
    print(f"step {t:4d}: lr = {lr:.6f}")
'''


def torch_panel() -> None:
    """The PyTorch spelling of each schedule (engine.schedules.torch_equivalent)."""
    state = ps()
    name = st.selectbox(
        "Schedule",
        list(schedules.NAMES),
        index=list(schedules.NAMES).index("cosine"),
        format_func=lambda n: schedules.info(n)["title"],
        key=state.key("torch:schedule"),
        persist_state=PERSIST,
    )
    code = (
        "import torch\n"
        "from torch.optim.lr_scheduler import (\n"
        "    CosineAnnealingLR, LambdaLR, LinearLR, SequentialLR, StepLR,\n"
        ")\n\n"
        "opt = torch.optim.AdamW(model.parameters(), lr=peak_lr)\n"
        f"scheduler = {schedules.torch_equivalent(name)}\n\n"
        "for batch in loader:  # one scheduler step per optimizer step\n"
        "    loss = loss_fn(model(batch.x), batch.y)\n"
        "    loss.backward()\n"
        "    opt.step()\n"
        "    scheduler.step()  # after opt.step(), never before\n"
        "    opt.zero_grad()\n"
    )
    st.code(code, language="python", wrap_lines=True)
    st.caption(
        "Shown, not run: PyTorch is not part of this app. peak_lr, warmup_steps, "
        "total_steps, min_lr and the rest are your own settings; LinearLR cannot start "
        "from exactly zero, hence its tiny start factor."
    )

"""Chapter 7's interactive sections (the page script keeps the prose and the order): the
shape tabs, the schedule visualiser, the worked cosine table, the schedule in action on
a landscape, the scheduler.step() pitfall and the PyTorch spelling."""

from __future__ import annotations

import numpy as np
import streamlit as st

from chapters.ch07_schedules import figures
from chapters.ch07_schedules.logic import (
    ACTION_HORIZONS,
    ACTION_LANDSCAPES,
    ACTION_OPTIMIZERS,
    ACTION_PLAY,
    CONSTANT_COLOR,
    DECAY_NAMES,
    DRAG_SAMPLES,
    MISTAKES,
    PAGE,
    PRESETS,
    SHAPE_NOTES,
    VISUALISER_DEFAULT,
    WARMUP_DRAG_PERCENTS,
    WORKED_PEAK,
    WORKED_STEPS,
    WORKED_TOTAL,
    WORKED_WARMUP,
    action_schedule,
    build_schedules,
    cosine_worked_table,
    loss_text,
    pitfall_rates,
    pitfall_story,
    pitfall_summary,
    schedule_summary,
    tail_loss,
    warmup_steps_for,
)
from engine import landscapes, optimizers, schedules
from kit import charts, controls, explorer, palette
from kit.controls import page_state, persistent
from kit.explorer import landscape_chart, landscape_grid, start_for
from kit.format import fmt, format_rate, times
from kit.plots.curves import schedule_figure
from kit.plots.landscape import landscape_figure
from kit.plots.memo import memo_figure
from kit.plots.series import PathTrace, Series
from kit.state import Run, advance, sync_run

CONST, SCHED = "action:const", "action:sched"  # the two runs of "Schedule in action"


STATE = page_state(PAGE)


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
        state = STATE
        names = st.pills(
            "Schedules to compare",
            list(schedules.NAMES),
            selection_mode="multi",
            default=list(VISUALISER_DEFAULT),
            format_func=lambda n: schedules.info(n)["title"],
            **persistent(state, "vis:names"),
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
                **persistent(state, "vis:warmup"),
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
                **persistent(state, "vis:normalised"),
            )
        with right, st.expander("Shape settings (step decay, warmup–stable–decay)"):
            s1, s2, s3 = st.columns(3)
            gamma = s1.slider(
                "Step decay: factor γ",
                min_value=0.05,
                max_value=1.0,
                value=0.1,
                step=0.05,
                **persistent(state, "vis:gamma"),
            )
            every = s2.slider(
                "Step decay: drop every (% of T)",
                min_value=5,
                max_value=50,
                value=30,
                step=5,
                **persistent(state, "vis:every"),
            )
            decay_pct = s3.slider(
                "WSD: final decay (% of T)",
                min_value=0,
                max_value=100,
                value=20,
                step=5,
                **persistent(state, "vis:wsd"),
            )
        if not names:
            st.info("Pick at least one schedule above to draw it.")
            return
        shape_options = {
            "step": {"gamma": gamma, "step_size": max(1, round(int(total) * every / 100))},
            "wsd": {"decay_fraction": decay_pct / 100},
        }
        built, problems = build_schedules(
            names,
            peak=float(peak),
            total=int(total),
            warmup_percent=warm_pct,
            min_lr=float(floor),
            options=shape_options,
        )
        for problem in problems:
            st.error(problem, icon=":material/block:")
        if not built:
            return
        warm = warmup_steps_for(int(total), warm_pct)
        # Every warmup percentage's curves go into the chart, so the slider inside it
        # redraws them in the browser while it is dragged (sampled at ≤ 400 steps: the
        # payload holds every percentage's curves).
        steps = np.unique(np.round(np.linspace(0, int(total), min(int(total) + 1, DRAG_SAMPLES))))
        percents = sorted({*WARMUP_DRAG_PERCENTS, int(warm_pct)})
        per_percent = []
        for percent in percents:
            at_percent, _ = build_schedules(
                list(built),
                peak=float(peak),
                total=int(total),
                warmup_percent=percent,
                min_lr=float(floor),
                options=shape_options,
            )
            per_percent.append(
                [
                    Series(
                        schedules.info(n)["title"],
                        at_percent[n](steps.astype(int)) if n in at_percent else steps * np.nan,
                        palette.schedule_color(n),
                    )
                    for n in built
                ]
            )
        fig = memo_figure(
            figures.warmup_drag_figure,
            steps.astype(int),
            per_percent,
            percents,
            [warmup_steps_for(int(total), p) for p in percents],
            percents.index(int(warm_pct)),
            total=int(total),
            normalise_to=float(peak) if normalised else None,
        )
        charts.plotly_chart(fig, key=state.key("vis:chart"), config={"displayModeBar": False})
        st.dataframe(schedule_summary(built, int(total)), hide_index=True)
        st.caption(
            "Drag the slider inside the chart to see every shape respond to the warmup at "
            f"once. The table is for the Warmup slider above: {warm:,} of {int(total):,} "
            "warmup steps. Its last column is the average rate over the whole run: how much "
            "of a constant-peak run's total step length each schedule spends."
        )

    body()


def cosine_worked() -> None:
    """The lesson's hand calculation, computed by the engine, plus a step of your own."""
    state = STATE
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
    fig = memo_figure(
        schedule_figure,
        steps,
        [Series("warmup + cosine", sched(steps), palette.schedule_color("cosine"))],
        points=[
            (t, float(r), f"step {t}: η = {fmt(float(r), 3)}")
            for t, r in zip(WORKED_STEPS, rates, strict=True)
        ],
        vlines=[(WORKED_WARMUP, "warmup ends")],
        title="The worked example: the table's rows on the curve",
        height=300,
    )
    charts.plotly_chart(fig, key=state.key("worked:chart"), config={"displayModeBar": False})


def _set_preset(name: str) -> None:
    state = STATE
    preset = PRESETS[name]
    for field in ("optimizer", "landscape", "lr", "schedule", "warmup", "horizon"):
        st.session_state[state.key(f"action:{field}")] = preset[field]
    state.set("action:autoplay", True)


def schedule_in_action() -> None:
    """The same optimizer twice on one landscape: constant η vs the chosen schedule."""

    @st.fragment
    def body() -> None:
        state = STATE
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
                **persistent(state, "action:schedule"),
            )
        with c6:
            warm_pct = st.slider(
                "Warmup (% of T)",
                min_value=0,
                max_value=50,
                value=10,
                **persistent(state, "action:warmup"),
            )
        with c7:
            horizon = st.selectbox(
                "Schedule length T",
                list(ACTION_HORIZONS),
                index=list(ACTION_HORIZONS).index(300),
                **persistent(state, "action:horizon"),
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
            PathTrace(
                f"constant η = {format_rate(lr)}",
                const_run.path,
                const_run.losses,
                CONSTANT_COLOR,
                const_run.diverged_at,
            ),
            PathTrace(
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
            fig = memo_figure(
                landscape_figure,
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
                st.metric("Loss · constant", loss_text(const_run), width="content")
                st.metric(f"Loss · {sched_title}", loss_text(sched_run), width="content")
            explorer.loss_chart(
                state, "action:loss", traces, log_y=True, title="Loss per step", height=260
            )
            shown = np.arange(max(int(horizon), steps_done) + 1)
            charts.plotly_chart(
                memo_figure(
                    schedule_figure,
                    shown,
                    [
                        Series("constant", np.full(shown.shape, lr), CONSTANT_COLOR),
                        Series(sched_title, sched(shown), palette.optimizer_color(opt_name)),
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
        verdict = f"{times(ratio, 2)} lower" if np.isfinite(ratio) else "lower"
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
        state = STATE
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
                **persistent(state, "pit:schedule"),
            )
        with c2:
            epochs = st.slider(
                "Epochs",
                min_value=2,
                max_value=30,
                value=10,
                **persistent(state, "pit:epochs"),
            )
        with c3:
            batches = controls.option_slider(
                state,
                "pit:batches",
                "Batches per epoch",
                [10, 20, 50, 100, 200, 500],
                default=100,
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
        series = [Series("meant: stepped every batch", result.intended, CONSTANT_COLOR)]
        if mistake != "per_batch":
            series.append(
                Series(
                    f"as stepped: {MISTAKES[mistake].lower()}",
                    result.actual,
                    palette.DIVERGED_COLOR,
                )
            )
        fig = memo_figure(
            schedule_figure,
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
        charts.plotly_chart(fig, key=state.key("pit:chart"), config={"displayModeBar": False})
        if int(epochs) <= 15:
            st.caption("Dotted lines mark the end of each epoch.")
        st.table(pitfall_summary(result))
        st.markdown(pitfall_story(mistake, result, int(epochs), int(batches), total))

    body()


def torch_panel() -> None:
    """The PyTorch spelling of each schedule (engine.schedules.torch_equivalent)."""
    state = STATE
    name = st.selectbox(
        "Schedule",
        list(schedules.NAMES),
        index=list(schedules.NAMES).index("cosine"),
        format_func=lambda n: schedules.info(n)["title"],
        **persistent(state, "torch:schedule"),
    )
    code = (
        "import torch\n"
        "from torch.optim.lr_scheduler import (\n"
        "    CosineAnnealingLR, LambdaLR, LinearLR, SequentialLR, StepLR, \n"
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

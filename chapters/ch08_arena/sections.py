"""Chapter 8's interactive sections: the arena's controls (restored from a share link),
the race with its leaderboard, export and link, and the learning-rate sensitivity."""

from __future__ import annotations

import dataclasses
import math
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from chapters.ch08_arena import figures, lab_sections, logic
from chapters.ch08_arena.figures import payload_caps
from chapters.ch08_arena.link import (
    BATCH_OPTIONS,
    DEFAULT_LANDSCAPE,
    DEFAULT_OPTIMIZERS,
    LANDSCAPES,
    LR_DEFAULT,
    LR_HIGH,
    LR_LOW,
    NOISE_OPTIONS,
    SEED_MAX,
    Setup,
    own_lr_range,
    parse_setup,
    parse_step,
    setup_to_query,
    share_path,
)
from chapters.ch08_arena.logic import (
    BAND_FACTOR,
    DEFAULT_SPEED,
    LOG_COLOR,
    LOSS_FLOOR,
    PAGE,
    PLAY_STEPS,
    RUN_PREFIX,
    SPEEDS,
    SWEEP_POINTS,
    SWEEP_STEPS,
    THRESHOLD_DEFAULT,
    THRESHOLD_HIGH,
    THRESHOLD_LOW,
    Entry,
    SweepResult,
    entry_trace,
    forgiving_verdict,
    leaderboard,
    race_csv,
    race_rates,
    range_text,
    run_sweep,
    sensitivity_rows,
)
from engine import landscapes, optimizers, simulate
from engine.formula import FormulaError, FormulaSpec
from kit import charts, controls, explorer, formula_box, own_landscape
from kit.code_panel import run_snippet
from kit.controls import page_state, persistent
from kit.format import format_rate, optimizer_name
from kit.measure import steps_to
from kit.plots.curves import loss_curve_figure
from kit.plots.landscape import landscape_figure
from kit.plots.memo import memo_figure
from kit.plots.series import Point
from kit.state import (
    Noise,
    PageState,
    Run,
    advance,
    landscape_of,
    replay_to,
    start_run,
    sync_run,
)

STATE = page_state(PAGE)
FORMULA_BOX = "formula"  # the formula box's fields: "formula:text", "formula:xmin" …
FORMULA_CHOICE = own_landscape.FORMULA_CHOICE


def file_label(landscape: str) -> str:
    """A landscape's name for a file name ("formula" for a typed one)."""
    return FORMULA_CHOICE if own_landscape.is_formula_key(landscape) else landscape


@st.cache_data(show_spinner=False, max_entries=160)
def cached_sweep(
    name: str, landscape: str, noise: Noise | None, start: Point, steps: int = SWEEP_STEPS
) -> SweepResult:
    """:func:`run_sweep`, cached across reruns and sessions (one batched call each)."""
    return run_sweep(name, landscape, noise, start, steps)


def load_setup(ps: PageState, setup: Setup) -> list[str]:
    """Put a set-up into the arena's widgets (before they are drawn) and its start;
    returns the problems met (a formula the engine refuses to build)."""
    ss = st.session_state
    problems = []
    if own_landscape.is_formula_key(setup.landscape):
        try:  # into the formula box; the picker shows "Your formula"
            spec = own_landscape.spec_of(setup.landscape)
            formula_box.load(ps, FORMULA_BOX, FormulaSpec(spec.formula, spec.bounds, setup.start))
            setup = dataclasses.replace(setup, landscape=FORMULA_CHOICE)
        except FormulaError as error:
            problems.append(f"the formula was refused: {error}")
            setup = dataclasses.replace(setup, landscape=DEFAULT_LANDSCAPE, start=None)
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
    if setup.landscape == FORMULA_CHOICE:
        return problems  # the formula box holds its start
    if setup.start is None:
        ps.pop(f"start:{setup.landscape}")
    else:
        ps.set(f"start:{setup.landscape}", setup.start)
    return problems


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
    step, step_problems = parse_step(incoming)
    problems += load_setup(ps, setup)
    problems += lab_sections.load_schedules(ps, incoming, setup.optimizers)  # issue 15
    ps.set("url:step", step or 0)  # the race view replays the race to this step
    return problems + step_problems


def link_notice(ps: PageState) -> None:
    """Restore the arena from the link (see :func:`apply_link`) and, when parts of the
    link were unusable, say so where the page opens, in view."""
    problems = apply_link(ps)
    if problems:
        st.warning(
            "This link could not be used as it is, so these parts fell back to the "
            "defaults: " + "; ".join(problems) + ".",
            icon=":material/link_off:",
        )


@st.cache_data(show_spinner="Replaying the race to the step in the link…", max_entries=64)
def replayed_run(
    optimizer: str,
    hyperparams: tuple[tuple[str, float], ...],
    landscape: str,
    start: Point,
    noise: Noise | None,
    step: int,
) -> Run:
    """A racer recomputed from its start to ``step`` (cached: a link shared with a class
    is opened by many sessions, and a long race costs seconds to replay)."""
    fresh = start_run(optimizer, dict(hyperparams), landscape, start, noise=noise)
    return replay_to(fresh, step)


def replay_linked_step(ps: PageState, entries: Sequence[Entry]) -> list[Entry]:
    """After a link was opened: every racer recomputed to the step the link carries."""
    step = ps.pop("url:step")
    if step is None:
        return list(entries)
    replayed = []
    for e in entries:
        run = e.run
        if run.steps != step:
            settings = tuple(sorted(run.hyperparams.items()))
            run = replayed_run(run.optimizer, settings, run.landscape, run.start, run.noise, step)
        replayed.append(
            Entry(e.optimizer, ps.update_run(RUN_PREFIX + e.optimizer, run), e.lr, e.rate_source)
        )
    return replayed


def sync_link(ps: PageState, setup: Setup, step: int = 0) -> dict[str, str]:
    """Write the set-up and the race's step into the URL (only when they changed) and
    remember them."""
    query = setup_to_query(setup, step)
    query |= lab_sections.schedule_query(ps, setup.optimizers)  # issue 15: schedules
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)
    ps.set("url:synced", query)
    return query


def on_fair_change() -> None:
    """The fair switch changes every rate at once: start the race again from step 0."""
    for name in optimizers.NAMES:
        STATE.drop_run(RUN_PREFIX + name)


def setup_controls(ps: PageState) -> tuple[Setup, dict[str, Any]]:
    """Draw the arena's controls; return the set-up and the display settings."""
    landscape = controls.landscape_picker(ps, [*LANDSCAPES, FORMULA_CHOICE], name="land")
    if landscape == FORMULA_CHOICE:  # the typed landscape's key stands in for a name
        landscape = formula_box.formula_box(ps, FORMULA_BOX)
    st.markdown("**Racers** (each in its course colour on the charts)")
    with st.container(horizontal=True, gap="small"):
        chosen = [
            name
            for name in optimizers.NAMES
            if st.checkbox(
                optimizer_name(name),
                value=name in DEFAULT_OPTIMIZERS,
                help=optimizers.info(name).innovation,
                **persistent(ps, f"opt:{name}"),
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
        speed = controls.option_slider(
            ps,
            "speed",
            "Playback speed",
            SPEEDS,
            default=DEFAULT_SPEED,
            help="How fast ▶ on the chart replays the precomputed race.",
        )
    c4, c5 = st.columns([3, 2], gap="medium", vertical_alignment="center")
    with c4:
        fair = st.toggle(
            "Fair race: every racer at its own best rate from the sweep",
            value=False,
            on_change=on_fair_change,
            help="Off: the shared rate (or a racer's own). On: the rate that reached the "
            f"finish line fastest in a {SWEEP_STEPS}-step sweep. Switching restarts the race.",
            **persistent(ps, "fair"),
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
                    f"Own η for {optimizer_name(name)}",
                    value=False,
                    **persistent(ps, f"own:{name}"),
                )
            with right:
                low, high = own_lr_range(name)
                value = controls.log_slider(
                    ps,
                    f"lr:{name}",
                    f"{optimizer_name(name)}'s η",
                    low=low,
                    high=high,
                    default=lr,
                    help=f"The engine's range for {optimizer_name(name)}: "
                    f"{format_rate(low, 'compact')}–{format_rate(high, 'compact')}.",
                )
            if own:
                overrides[name] = value
        if not chosen:
            st.caption("Pick at least one racer first.")

    with st.expander("Gradient noise (mini-batch)", icon=":material/grain:"):
        n1, n2, n3 = st.columns(3, gap="medium")
        with n1:
            noise = controls.option_slider(
                ps,
                "noise",
                "Noise σ per example",
                NOISE_OPTIONS,
                default=0.0,
                help="Standard deviation of one example's gradient noise. 0 = exact gradients.",
            )
        with n2:
            batch = controls.option_slider(
                ps,
                "batch",
                "Batch size B",
                BATCH_OPTIONS,
                default=1,
                help="Averaging B examples divides the noise's standard deviation by √B.",
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


def sync_race(
    ps: PageState, setup: Setup, rates: Mapping[str, float], sources: Mapping[str, str]
) -> list[Entry]:
    """Bring every racer's stored run in line with the set-up; newcomers catch up.

    A racer that was unticked loses its run; one that joins mid-race is advanced to
    the step the others have reached, so the leaderboard compares like with like.
    """
    for name in optimizers.NAMES:
        if name not in setup.optimizers:
            ps.drop_run(RUN_PREFIX + name)
    runs = {}
    for name in setup.optimizers:
        try:
            runs[name] = sync_run(
                ps,
                RUN_PREFIX + name,
                optimizer=name,
                hyperparams={"lr": lab_sections.race_lr(ps, name, rates[name])},
                landscape=setup.landscape,
                start=setup.start_point(),
                noise=setup.noise_spec,
            )
        except ValueError as exc:  # an invalid value: say so, keep the page alive
            st.warning(f"{optimizer_name(name)} cannot race with these settings ({exc}).")
    target = max((r.steps for r in runs.values()), default=0)
    for name, run in runs.items():
        if run.steps < target and not run.diverged:
            runs[name] = ps.update_run(RUN_PREFIX + name, advance(run, target - run.steps))
    return [Entry(name, runs[name], rates[name], sources[name]) for name in runs]


def race_view(ps: PageState, setup: Setup, settings: Mapping[str, Any]) -> list[Entry]:
    """Buttons, the landscape with every path, loss curves, leaderboard, export and link."""
    threshold = settings["threshold"]
    sweeps = {
        name: cached_sweep(name, setup.landscape, setup.noise_spec, setup.start_point())
        for name in setup.optimizers
    }
    rates, sources = race_rates(setup, sweeps, threshold)
    entries = replay_linked_step(ps, sync_race(ps, setup, rates, sources))
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
    fig = memo_figure(
        figures.tagged,
        figures.without_legend,
        "arena:race",
        landscape_figure,
        explorer.landscape_grid(setup.landscape),
        view=view,
        trajectories=traces,
        start=setup.start_point(),
        minima=own_landscape.marked_minima(land),
        saddles=land.saddles,
        loss_fn=land.loss,
        animate_from=min(plays) if plays else 0,
        click_grid=explorer.CLICK_GRID_N if view == "2d" else 0,
        log_color=setup.landscape in LOG_COLOR
        or (
            own_landscape.is_formula_key(setup.landscape)
            and own_landscape.skewed(explorer.landscape_grid(setup.landscape)[2])
        ),
        height=520 if view == "2d" else 540,
        frame_ms=round(400 / settings["speed"]),
        **payload_caps(len(traces)),
    )
    marks = ["★ minimum"] + (["✕ saddle point"] if land.saddles else []) + ["○ start"]
    st.html(figures.racer_key_html([(t.label, t.color) for t in traces], marks))
    left, right = st.columns([3, 2], gap="medium")
    with left:
        where = "click the map to start there" if view == "2d" else "drag to turn the surface"
        st.markdown(f"**{land.title}, step {step}:** {where}")
        explorer.landscape_chart(
            ps, "race", setup.landscape, fig, view, hint_3d="Switch to 2-D to click a new start."
        )
    with right:
        st.markdown("**Loss per step** (dashed: the finish line)")
        loss_fig = memo_figure(
            figures.tagged,
            figures.without_legend,
            "arena:loss",
            loss_curve_figure,
            traces,
            log_y=True,
            threshold=threshold,
            title=None,
            height=520 if view == "2d" else 540,
            max_points=payload_caps(len(traces))["max_path_points"],
            min_loss=LOSS_FLOOR,
        )
        charts.plotly_chart(loss_fig, key=ps.key("race:loss"), config={"displayModeBar": False})
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
    # Every racer's row in view (no inner scroll) and column widths that add up to less
    # than a desktop page; on a phone the table scrolls sideways with the names pinned.
    st.dataframe(
        shown,
        hide_index=True,
        height="content",
        column_config={
            "rank": st.column_config.NumberColumn("#", width=36, pinned=True),
            "optimizer": st.column_config.TextColumn("optimizer", width=96, pinned=True),
            "η": st.column_config.NumberColumn("η", format="%.3g", width=64),
            "η from": st.column_config.TextColumn("η from", width=128),
            "steps to threshold": st.column_config.TextColumn(
                f"steps to loss ≤ {threshold:g}",
                help="First step at or below the finish line",
                width=136,
            ),
            "loss now": st.column_config.NumberColumn("loss now", format="%.3e", width=92),
            "diverged at step": st.column_config.TextColumn("diverged at", width=92),
            "ends at": st.column_config.TextColumn("ends at (x, y)", width=160),
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

    query = sync_link(ps, setup, step)
    share, export = st.columns([3, 2], gap="medium")
    with share:
        st.markdown("**Copy share link** (landscape, racers, rates, noise, start and step)")
        st.code(share_link(query), language=None, wrap_lines=True)
    with export:
        st.markdown("**Export**")
        st.download_button(
            "Download the race (CSV)",
            data=lambda done=tuple(entries): race_csv(done),  # built only when clicked
            file_name=f"arena-{file_label(setup.landscape)}-step{step}.csv",
            mime="text/csv",
            icon=":material/download:",
            on_click="ignore",
            key=ps.key("race:csv"),
        )
        st.caption("Columns: step, optimizer, x, y, loss.")
    return entries


def notice_lines(setup: Setup, entries: Sequence[Entry], threshold: float) -> list[str]:
    """:func:`logic.notice_lines` with the racers' (cached) sweeps."""
    return logic.notice_lines(setup, entries, threshold, sweeps_for(setup))


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
    charts.plotly_chart(
        memo_figure(
            figures.tagged,
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
        height="content",  # one row per racer, all in view
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


@st.cache_data(show_spinner=False, max_entries=4)
def from_scratch_agrees(source: str, lrs: tuple[float, ...] = (0.01, 0.1)) -> bool | None:
    """Whether the page's hand-written race finishes at the same steps as the engine.

    Runs ``source`` for its ``race``, ``sgd``, ``momentum`` and ``adam`` and races each
    on the ravine at every rate in ``lrs``, against ``simulate.run`` of the engine's
    optimizer (None when the snippet defines no ``race``). Cached by the source: the
    answer only changes when the code does.
    """
    _, namespace = run_snippet(source)
    race = namespace.get("race")
    if not callable(race):
        return None
    ravine = landscapes.get("ravine")
    agree = True
    for lr in lrs:
        for name in ("sgd", "momentum", "adam"):
            traj = simulate.run(optimizers.make(name, lr=lr), ravine, ravine.start, 200)
            engine_step = steps_to(traj.losses, 1e-3, traj.diverged_at)
            mine = race(namespace[name], lr, start=tuple(np.asarray(ravine.start, float)))
            agree = agree and mine == engine_step
    return agree

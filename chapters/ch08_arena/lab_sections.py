"""Chapter 8's trust sections: the fairness rules, sensitivity maps, seed fans, basins of
attraction (click a start to race from there) and each racer's learning-rate schedule.

Each computation is one batched engine call per optimizer, cached (bounded) across
reruns and sessions; a first computation that takes a while shows a spinner.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from chapters.ch08_arena import lab_logic
from chapters.ch08_arena.lab_figures import (
    basin_figure,
    fan_loss_figure,
    fan_map_figure,
    sensitivity_heatmap,
)
from chapters.ch08_arena.lab_logic import (
    BASIN_N,
    BASIN_STEPS,
    FAIRNESS_RULES,
    FAN_DEFAULT_SIGMA,
    FAN_SEEDS,
    FAN_SIGMAS,
    FAN_STEPS,
    MAP_N,
    MAP_OPTIMIZERS,
    MAP_STEPS,
    MAX_BASIN_RACERS,
    SCHEDULE_NAMES,
    WARMUP_PERCENTS,
    RacerSchedule,
)
from chapters.ch08_arena.link import Setup
from chapters.ch08_arena.logic import LOG_COLOR, PAGE, Entry, SweepResult, best_rate, run_sweep
from engine import lab, landscapes, optimizers, schedules
from kit import charts, clicks, explorer, palette
from kit.controls import page_state, persistent
from kit.format import fmt, format_rate, optimizer_name
from kit.plots.memo import memo_figure
from kit.state import Noise, PageState, landscape_of

STATE = page_state(PAGE)
SCHEDULE_HORIZON = 500  # steps a racer's schedule spans in the race (then it holds)


def fairness_rules() -> None:
    st.markdown("\n".join(f"{i}. {rule}" for i, rule in enumerate(FAIRNESS_RULES, 1)))


# --------------------------------------------------------------------------- maps


@st.cache_data(
    show_spinner="Running every cell of the maps (one batched call each)…", max_entries=96
)
def cached_map(
    name: str, landscape: str, noise: Noise | None, start: tuple[float, float], threshold: float
) -> lab.SensitivityMap:
    return lab_logic.sensitivity(name, landscape_of(landscape, noise), start, threshold)


def sensitivity_maps_view(ps: PageState, setup: Setup, threshold: float) -> None:
    """One heatmap per racer that has a second knob, side by side, and a summary table."""
    names = [n for n in setup.optimizers if n in MAP_OPTIMIZERS]
    if not names:
        st.info(
            "None of the racers has a second knob to map. Tick "
            + ", ".join(optimizer_name(n) for n in MAP_OPTIMIZERS)
            + " in the arena.",
            icon=":material/grid_on:",
        )
        return
    start = setup.start_point()
    results = {
        n: cached_map(n, setup.landscape, setup.noise_spec, start, float(threshold)) for n in names
    }
    columns = st.columns(min(3, len(names)), gap="small")
    for i, name in enumerate(names):
        with columns[i % len(columns)]:
            charts.plotly_chart(
                memo_figure(sensitivity_heatmap, results[name], steps=MAP_STEPS),
                key=ps.key(f"lab:map:{name}"),
                config={"displayModeBar": False},
            )
    st.caption(
        f"Each map is {MAP_N}×{MAP_N} runs of {MAP_STEPS} steps from the arena's start, one "
        f"batched engine call. Colour: steps until the loss stays at or below "
        f"{threshold:g} (dark is fast). Grey: never within {MAP_STEPS} steps. Red: "
        "diverged. Star: the best cell."
    )
    st.dataframe(
        pd.DataFrame([lab_logic.map_summary(r) for r in results.values()]),
        hide_index=True,
        column_config={"best η": st.column_config.NumberColumn(format="%.3g")},
        key=ps.key("lab:maps:table"),
    )
    st.markdown("\n".join(f"- {lab_logic.map_sentence(r)}" for r in results.values()))
    others = [optimizer_name(n) for n in setup.optimizers if n not in MAP_OPTIMIZERS]
    if others:
        st.caption(
            f"No map for {', '.join(others)}: only the learning rate to tune here, so the "
            "sweep above is their map."
        )


# --------------------------------------------------------------------------- seed fans


@st.cache_data(show_spinner="Running every racer from 32 seeds…", max_entries=128)
def cached_fan(
    name: str,
    lr: float,
    landscape: str,
    start: tuple[float, float],
    sigma: float,
    first_seed: int,
    schedule: RacerSchedule | None,
) -> lab.SeedFan:
    return lab_logic.fan(
        name,
        lr,
        landscape_of(landscape),
        start,
        sigma,
        lab_logic.fan_seeds(first_seed),
        schedule,
    )


def seed_fans_view(ps: PageState, setup: Setup, entries: Sequence[Entry], threshold: float) -> None:
    """Every racer from FAN_SEEDS noise seeds: median and band, paths, ranked leaderboard."""
    if not entries:
        st.info("Tick at least one racer in the arena to run its seed fan.")
        return
    if setup.noise > 0:
        sigma = setup.noise / math.sqrt(setup.batch)
        st.caption(
            f"Gradient noise as in the arena: σ/√B = {fmt(sigma, 3)} per coordinate, seeds "
            f"{setup.seed}–{setup.seed + FAN_SEEDS - 1}."
        )
    else:
        sigma = float(
            st.select_slider(
                "Gradient noise σ for the fans (the arena's own noise is off)",
                options=list(FAN_SIGMAS),
                value=FAN_DEFAULT_SIGMA,
                help="Per-coordinate noise on every gradient. Turn the arena's noise on to "
                "use its σ and batch size instead.",
                **persistent(ps, "lab:fan:sigma"),
            )
        )
    chosen = racer_schedules(ps)
    start = setup.start_point()
    fans = {
        e.optimizer: cached_fan(
            e.optimizer, e.lr, setup.landscape, start, sigma, setup.seed, chosen.get(e.optimizer)
        )
        for e in entries
    }
    left, right = st.columns([1, 1], gap="medium")
    with left:
        charts.plotly_chart(
            memo_figure(fan_loss_figure, fans, threshold=threshold),
            key=ps.key("lab:fan:loss"),
            config={"displayModeBar": False},
        )
    with right:
        land = landscape_of(setup.landscape)
        charts.plotly_chart(
            memo_figure(
                fan_map_figure,
                explorer.landscape_grid(setup.landscape),
                fans,
                start=start,
                minima=land.minima,
                log_color=setup.landscape in LOG_COLOR,
                title=f"{land.title}: {FAN_SEEDS} paths per racer",
                height=420,
            ),
            key=ps.key("lab:fan:map"),
            config={"displayModeBar": False},
        )
    table = pd.DataFrame(lab_logic.fan_table(fans))
    st.dataframe(
        table,
        hide_index=True,
        column_config={
            "rank": st.column_config.NumberColumn("#", width="small"),
            "median final loss": st.column_config.NumberColumn(format="%.3e"),
            "10 % of seeds below": st.column_config.NumberColumn(format="%.3e"),
            "90 % of seeds below": st.column_config.NumberColumn(format="%.3e"),
        },
        key=ps.key("lab:fan:table"),
    )
    verdict = lab_logic.fan_verdict(fans)
    if verdict:
        st.markdown(verdict)
    st.caption(
        f"Every racer: {FAN_SEEDS} runs of {FAN_STEPS} steps from the same start at the rate "
        "it races with, seed i of every racer drawing the same noise. One batched engine call "
        "per racer. Ranked by the median final loss; the 10–90 % band is where the middle "
        "80 % of seeds ended."
    )


# --------------------------------------------------------------------------- basins


@st.cache_data(show_spinner="Running every start of the grid…", max_entries=64)
def cached_basins(name: str, lr: float, landscape: str) -> lab.Basins:
    return lab_logic.basin_map(name, lr, landscape)


@st.cache_data(show_spinner=False, max_entries=256)
def cached_race_from(name: str, lr: float, landscape: str, start: tuple[float, float]):
    return lab_logic.race_from(name, lr, landscape, start)


@st.cache_data(show_spinner=False, max_entries=64)
def cached_basin_sweep(name: str, landscape: str) -> SweepResult:
    """The racer's learning-rate sweep from the basin landscape's own start (no noise)."""
    start = tuple(float(v) for v in landscapes.get(landscape).start)
    return run_sweep(name, landscape, None, start)


def basin_rate(name: str, landscape: str, threshold: float) -> tuple[float, str]:
    """The racer's best rate on the basin landscape (its sweep from the landscape's start),
    else its engine default."""
    sweep = cached_basin_sweep(name, landscape)
    best = best_rate(sweep, threshold)
    if best is None:
        return float(optimizers.info(name).defaults["lr"]), "default"
    return float(sweep.lrs[best]), "best in sweep"


def _reset_basin_start() -> None:
    """A new basin landscape: the clicked start goes back to that landscape's own start."""
    ps = STATE
    land = landscapes.get(ps.get("lab:basin:land"))
    ps.set("lab:basin:x", float(land.start[0]))
    ps.set("lab:basin:y", float(land.start[1]))


def basins_view(ps: PageState, setup: Setup, threshold: float) -> None:
    """Grids of starts coloured by the minimum each racer reaches; click to race from one."""
    options = lab_logic.basin_landscapes()
    default = setup.landscape if setup.landscape in options else lab_logic.BASIN_DEFAULT
    if default not in options:
        default = options[0]
    land_key = "lab:basin:land"
    if ps.get(land_key) not in options:
        ps.set(land_key, default)
    landscape = (
        st.segmented_control(
            "Landscape with several minima",
            list(options),
            format_func=lambda n: landscapes.get(n).title,
            required=True,
            on_change=_reset_basin_start,
            **persistent(ps, land_key),
        )
        or default
    )
    land = landscapes.get(landscape)
    racers = list(setup.optimizers)[:MAX_BASIN_RACERS]
    if not racers:
        st.info("Tick at least one racer in the arena to colour its basins.")
        return
    if len(setup.optimizers) > MAX_BASIN_RACERS:
        st.caption(
            f"The first {MAX_BASIN_RACERS} racers are shown: "
            + ", ".join(optimizer_name(n) for n in racers)
            + "."
        )
    (x0, x1), (y0, y1) = land.bounds
    if ps.get("lab:basin:x") is None or ps.get("lab:basin:y") is None:
        ps.set("lab:basin:x", float(land.start[0]))
        ps.set("lab:basin:y", float(land.start[1]))

    def on_point(point: tuple[float, float]) -> None:
        ps.set("lab:basin:x", float(point[0]))
        ps.set("lab:basin:y", float(point[1]))

    k1, k2 = st.columns(2)
    with k1:
        x = st.number_input(
            "Start θ₁",
            min_value=float(x0),
            max_value=float(x1),
            step=0.1,
            format="%.3f",
            help="The same as clicking a map: every racer races from this start.",
            **persistent(ps, "lab:basin:x"),
        )
    with k2:
        y = st.number_input(
            "Start θ₂",
            min_value=float(y0),
            max_value=float(y1),
            step=0.1,
            format="%.3f",
            help="The same as clicking a map: every racer races from this start.",
            **persistent(ps, "lab:basin:y"),
        )
    start = (float(x), float(y))
    columns = st.columns(min(len(racers), 2), gap="medium")
    lines = []
    for i, name in enumerate(racers):
        lr, source = basin_rate(name, landscape, threshold)
        result = cached_basins(name, lr, landscape)
        traj = cached_race_from(name, lr, landscape, start)
        outcome, arrived = lab_logic.run_outcome(traj, landscape)
        shares = lab_logic.basin_shares(result)
        with columns[i % len(columns)]:
            fig = memo_figure(
                basin_figure,
                result,
                title=f"{optimizer_name(name)} (η {format_rate(lr, 'compact')}, {source})",
                path=traj.params[: (traj.diverged_at or BASIN_STEPS) + 1],
                path_color=palette.optimizer_color(name),
            )
            clicks.clickable_chart(
                ps, f"lab:basin:{name}", fig, clicks.point_picker(land.bounds, on_point)
            )
        when = f" (there from step {arrived})" if arrived is not None else ""
        lines.append(
            f"- **{optimizer_name(name)}** from ({fmt(start[0], 3)}, {fmt(start[1], 3)}): "
            f"{outcome}{when}. Over the whole grid: {lab_logic.shares_text(shares)}."
        )
    st.markdown("\n".join(lines))
    st.caption(
        f"Each map: {BASIN_N}×{BASIN_N} starts run for {BASIN_STEPS} steps in one batched "
        "engine call, each racer at its own best rate for this landscape. A start is "
        "coloured by the minimum its run ends within 2 % of the map's width of; red: it "
        "diverged; grey: still travelling. The line is the race from the chosen start."
    )


# --------------------------------------------------------------------------- schedules


def schedule_key(name: str) -> tuple[str, str]:
    return f"lab:sched:{name}", f"lab:warm:{name}"


def racer_schedules(ps: PageState) -> dict[str, RacerSchedule]:
    """The schedules chosen for the racers (only non-plain ones), from the session."""
    chosen = {}
    for name in optimizers.NAMES:
        shape_key, warm_key = schedule_key(name)
        shape = ps.get(shape_key, "constant")
        warm = ps.get(warm_key, 0)
        if shape in SCHEDULE_NAMES and warm in WARMUP_PERCENTS:
            s = RacerSchedule(shape, int(warm))
            if not s.is_plain:
                chosen[name] = s
    return chosen


def race_lr(ps: PageState, name: str, lr: float) -> Any:
    """What a racer's ``lr`` hyperparameter is in the race: its rate, or the schedule
    that peaks at it (over SCHEDULE_HORIZON steps)."""
    chosen = racer_schedules(ps).get(name)
    return lr if chosen is None else chosen.build(lr, SCHEDULE_HORIZON)


def schedule_controls(ps: PageState, racers: Sequence[str]) -> None:
    """A schedule and a warmup per racer (chapter 7's shapes); the share link carries them."""
    with st.expander("Learning-rate schedules (chapter 7)", icon=":material/show_chart:"):
        if not racers:
            st.caption("Pick at least one racer first.")
            return
        st.caption(
            f"Each racer's rate becomes the peak of its schedule, which spans "
            f"{SCHEDULE_HORIZON} steps (after that the rate stays where the schedule ended). "
            "Changing a schedule carries on from where each racer is."
        )
        for name in racers:
            shape_key, warm_key = schedule_key(name)
            left, right = st.columns([3, 2], vertical_alignment="bottom")
            with left:
                st.selectbox(
                    f"{optimizer_name(name)}'s schedule",
                    list(SCHEDULE_NAMES),
                    index=0,
                    format_func=lambda s: schedules.info(s)["title"],
                    **persistent(ps, shape_key),
                )
            with right:
                st.select_slider(
                    "warmup",
                    options=list(WARMUP_PERCENTS),
                    value=0,
                    format_func=lambda w: f"{w} %",
                    **persistent(ps, warm_key),
                )


def load_schedules(ps: PageState, query: Mapping[str, Any], racing: Sequence[str]) -> list[str]:
    """Put a share link's schedules into the widgets (before they are drawn)."""
    chosen, problems = lab_logic.parse_schedules(query, racing)
    for name in optimizers.NAMES:
        shape_key, warm_key = schedule_key(name)
        s = chosen.get(name, RacerSchedule())
        ps.set(shape_key, s.name)
        ps.set(warm_key, s.warmup_percent)
    return problems


def schedule_query(ps: PageState, racing: Sequence[str]) -> dict[str, str]:
    chosen = {n: s for n, s in racer_schedules(ps).items() if n in racing}
    return lab_logic.schedules_to_query(chosen)

"""The Loss Landscape Explorer: one optimizer, one ball, a landscape you can click.

Reusable by any chapter: pick the optimizer, the landscapes offered and the range of
the learning-rate slider. Everything it shows comes from the engine; its state
lives in the page's namespace, so it survives page switches.

Example::

    from kit.explorer import landscape_explorer
    landscape_explorer("ch00", optimizer="sgd", landscape_names=("bowl", "ravine", "saddle"))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import streamlit as st

from kit import charts, clicks, controls, own_landscape, palette
from kit.format import fmt, format_rate
from kit.formula_box import apply_link, formula_box, sync_link, typeset
from kit.options import log_options
from kit.plots.curves import loss_curve_figure
from kit.plots.landscape import landscape_figure
from kit.plots.memo import memo_figure
from kit.plots.series import Grid, PathTrace
from kit.plots.sweep import describe_final_loss, sweep_map_figure
from kit.state import PageState, Run, landscape_of, sync_run
from kit.status import RunStatus, run_status
from kit.sweeps import SweepRuns, nearest_index, sweep_runs

GRID_N = 100  # contour / surface resolution (≤ 150 keeps the payload small)
CLICK_GRID_N = 40
LR_EXTRA = (0.9, 1.1)  # the notches controls.lr_slider adds to its log grid


@st.cache_data(show_spinner=False, max_entries=32)
def landscape_grid(name: str, n: int = GRID_N) -> Grid:
    """``landscape.grid(n)`` as float32, cached across reruns and sessions."""
    xs, ys, z = landscape_of(name).grid(n)  # a built-in landscape or a formula key's
    z = np.where(np.isfinite(z), z, np.nan)  # a typed formula's non-finite patches: gaps
    return np.asarray(xs, np.float32), np.asarray(ys, np.float32), np.asarray(z, np.float32)


def path_trace(run: Run, label: str | None = None) -> PathTrace:
    """A run as the figure builders want it, in its optimizer's course colour."""
    lr = run.hyperparams.get("lr")
    default_label = f"{run.optimizer.upper()}" + (f" η={format_rate(lr)}" if lr else "")
    return PathTrace(
        label=label or default_label,
        path=run.path,
        losses=run.losses,
        color=palette.optimizer_color(run.optimizer),
        diverged_at=run.diverged_at,
    )


def start_for(ps: PageState, landscape: str) -> tuple[float, float]:
    """The start point chosen for ``landscape`` on this page (the landscape's default at first)."""
    start = ps.get(f"start:{landscape}")
    if start is None:
        start = landscape_of(landscape).start
    return float(start[0]), float(start[1])


def loss_chart(ps: PageState, name: str, traces: Sequence[PathTrace], **options: Any) -> None:
    """The loss-per-step chart of ``traces`` under key ``name`` (memoised; ``options`` as
    for :func:`kit.plots.curves.loss_curve_figure`)."""
    charts.plotly_chart(
        memo_figure(loss_curve_figure, list(traces), **options),
        key=ps.key(name),
        config={"displayModeBar": False},
    )


def landscape_chart(
    ps: PageState,
    name: str,
    landscape: str,
    fig,
    view: str,
    *,
    hint_3d: str | None = clicks.DRAG_HINT,
) -> None:
    """Draw a run's landscape figure: in 2-D a click on the map moves the start of the
    page's runs on ``landscape`` there (a new start resets them); in 3-D the surface
    can be turned."""
    clicks.map_chart(
        ps,
        name,
        fig,
        view,
        bounds=landscape_of(landscape).bounds,
        on_point=lambda point: ps.set(f"start:{landscape}", point),
        hint_3d=hint_3d,
        current=start_for(ps, landscape),
    )


def status_badge(status: RunStatus) -> None:
    st.badge(status.label, color=palette.STATUS_COLORS.get(status.code, "gray"))
    st.caption(status.detail)


def run_metrics(run: Run) -> None:
    """Step, loss and position of a run, as metrics (loss change vs the previous step)."""
    delta = None
    if run.steps >= 1 and np.isfinite(run.losses[-2]) and np.isfinite(run.loss):
        delta = fmt(run.loss - float(run.losses[-2]), 3)
    with st.container(horizontal=True, gap="medium"):
        if run.diverged and run.last_sane_step < run.steps:
            # The engine froze the run where it blew up: the counter says so, instead of
            # claiming steps that never moved the ball.
            st.metric(
                "Step",
                f"{run.last_sane_step} of {run.steps}",
                width="content",
                help=f"The run stopped at step {run.last_sane_step}: the loss blew up there, "
                f"so the other {run.steps - run.last_sane_step} steps changed nothing.",
            )
        else:
            st.metric("Step", run.steps, width="content")
        st.metric("Loss", fmt(run.loss, 4), delta=delta, delta_color="inverse", width="content")
    # Position as a caption: long numbers in a third metric made the row wrap.
    st.caption(f"Ball at θ = ({run.params[0]:.3f}, {run.params[1]:.3f})")


@st.cache_data(show_spinner=False, max_entries=64)
def cached_sweep(
    optimizer: str,
    landscape: str,
    start: tuple[float, float],
    steps: int,
    param: str,
    values: tuple[float, ...],
    fixed: tuple[tuple[str, float], ...] = (),
) -> SweepRuns:
    """:func:`kit.sweeps.sweep_runs`, cached (one batched engine call per set-up)."""
    return sweep_runs(optimizer, landscape, start, steps, param, values, dict(fixed))


def drag_chart(
    ps: PageState,
    name: str,
    *,
    optimizer: str,
    landscape: str,
    start: tuple[float, float],
    steps: int,
    param: str,
    values: Sequence[float],
    fixed: dict[str, float] | None = None,
    active_value: float,
    value_name: str,
    format_value: Callable[[float], str] = format_rate,
    describe: Callable[[SweepRuns, int], str] = describe_final_loss,
    title_prefix: str = "",
    log_color: bool = False,
    height: int = 460,
    note: str = "",
) -> SweepRuns:
    """A landscape with a slider *inside* the chart over ``values`` of ``param``: dragging
    it redraws the path in the browser, with no rerun (the runs are all precomputed, in
    one batched engine call). It starts at the value nearest ``active_value`` (the
    page's own slider, where there is one). ``note`` (markdown) goes beside the chart on a
    wide screen, above it on a phone. Returns the runs, for text about them."""
    runs = cached_sweep(
        optimizer,
        landscape,
        (float(start[0]), float(start[1])),
        int(steps),
        param,
        tuple(float(v) for v in values),
        tuple(sorted((fixed or {}).items())),
    )
    land = landscape_of(landscape)
    fig = memo_figure(
        sweep_map_figure,
        landscape_grid(landscape),
        runs,
        value_name=value_name,
        format_value=format_value,
        describe=describe,
        active=nearest_index(runs.values, active_value),
        minima=tuple(tuple(m) for m in land.minima),
        title_prefix=title_prefix,
        log_color=log_color,
        height=height,
    )
    left, right = st.columns([3, 2], gap="medium", vertical_alignment="center")
    with right:
        st.markdown(note)
    with left:
        charts.plotly_chart(fig, key=ps.key(name), config={"displayModeBar": False})
    return runs


def landscape_explorer(
    page: str,
    *,
    optimizer: str = "sgd",
    landscape_names: Sequence[str] = ("bowl", "ravine", "saddle"),
    name: str = "explorer",
    lr_default: float = 0.1,
    lr_range: tuple[float, float] = (0.001, 1.5),
    play_steps: int = 40,
    formula: bool = False,
    drag_lr: bool = False,
) -> None:
    """Draw the explorer (controls, landscape, status, loss curve) in a fragment.

    ``formula=True`` adds "Your formula" to the landscapes: a box to type one in
    (:mod:`kit.formula_box`), restored from and kept in the page's address.
    ``drag_lr=True`` adds, under it, the same landscape and start with a learning-rate
    slider inside the chart (every notch of the page's η slider precomputed for
    ``play_steps`` steps), so dragging it shows at once where η stops working.
    """
    choices = list(landscape_names) + ([own_landscape.FORMULA_CHOICE] if formula else [])

    @st.fragment
    def explorer() -> None:
        ps = controls.page_state(page)
        link_problem = apply_link(ps, f"{name}:formula", f"{name}:landscape") if formula else None
        if link_problem:
            st.warning(link_problem, icon=":material/link_off:")
        widths = [4, 2, 3] if formula else [3, 2, 4]  # room for a fourth landscape
        c1, c2, c3 = st.columns(widths, vertical_alignment="bottom")
        with c1:
            land_name = controls.landscape_picker(ps, choices, name=f"{name}:landscape")
        with c2:
            view = controls.view_toggle(ps, name=f"{name}:view")
        with c3:
            lr = controls.lr_slider(
                ps,
                f"{name}:lr",
                low=lr_range[0],
                high=lr_range[1],
                default=lr_default,
                extra=LR_EXTRA,
            )
        if formula:
            chosen = land_name == own_landscape.FORMULA_CHOICE
            if chosen:  # the typed landscape's key stands in for a built-in name
                land_name = formula_box(ps, f"{name}:formula", show_math=False)
            sync_link(ps, f"{name}:formula", chosen)
        land = landscape_of(land_name)
        run = sync_run(
            ps,
            name,
            optimizer=optimizer,
            hyperparams={"lr": lr},
            landscape=land_name,
            start=start_for(ps, land_name),
        )
        controls.run_buttons(ps, [name], play_steps=play_steps, key_prefix=f"{name}:")
        run = ps.run(name) or run  # the buttons' callbacks may have moved it

        left, right = st.columns([3, 2], gap="medium")
        with left:
            fig = landscape_figure(
                landscape_grid(land_name),
                view=view,
                trajectories=[path_trace(run)],
                start=run.start,
                minima=own_landscape.marked_minima(land),
                saddles=land.saddles,
                loss_fn=land.loss,
                animate_from=run.play_from if run.play_from is not None else 0,
                log_color=own_landscape.is_formula_key(land_name)
                and own_landscape.skewed(landscape_grid(land_name)[2]),
                click_grid=CLICK_GRID_N if view == "2d" else 0,
                title=f"{land.title}: click anywhere to start there"
                if view == "2d"
                else f"{land.title} (3-D)",
                height=460 if view == "2d" else 500,
            )
            landscape_chart(ps, name, land_name, fig, view)
        with right:
            run_metrics(run)
            status_badge(run_status(run))
            loss_chart(ps, f"{name}:loss", [path_trace(run)], title="Loss per step", height=280)
        st.caption(f"**{land.title}.** {land.description}")
        if own_landscape.is_formula_key(land_name):  # its formula and derivatives, typeset
            typeset(land_name)
        if drag_lr and view == "2d":
            drag_chart(
                ps,
                f"{name}:drag",
                optimizer=optimizer,
                landscape=land_name,
                start=run.start,
                steps=play_steps,
                param="lr",
                values=log_options(*lr_range, LR_EXTRA),
                active_value=lr,
                value_name="η",
                title_prefix="SGD, ",
                note=f"**Drag η inside the chart.** The same landscape and start, {play_steps} "
                "steps at every η on the slider above, all computed at once: drag the "
                "slider under the map and the path follows as you move. Above the map: the "
                "η on screen and how its run ended.",
            )

    explorer()

"""Chapter 6's interactive pieces (the page script keeps the prose and the order).

Every number these widgets print comes from the engine at render time: optimizer
metadata (``optimizers.info``), optimizer steps (``step_with_info``), memory counts
(``factored_state_numbers``, ``state_bytes``) and RAdam's rectification term. The
helpers here choose what to show and format it.

Three small "many weights" demos (Lion, LAMB, Sophia) step optimizers on synthetic
problems with one numpy array (or one dict of arrays) of parameters. Their runs are
:class:`VecRun` records kept in the page's session namespace, so Step, Play and Reset
work as on a landscape and a page switch finds them where they were.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from engine import landscapes, optimizers, transforms
from ui import controls, explorer, figures, palette
from ui.figures import StepSeries, TreeNode
from ui.numbers import fmt
from ui.state import PageState, advance, sync_run

PAGE = "ch06"
BEYOND_ADAM = ("lamb", "lars", "radam", "adafactor", "lion", "sophia")
PLAY_STEPS = 25  # steps per Play in the many-weights demos
INITIAL_STEPS = 10  # a demo run is first shown after this many steps (▶ replays them)
MAX_DEMO_STEPS = 400  # a demo run keeps at most this many steps

Params = np.ndarray | dict[str, np.ndarray]


def ps() -> PageState:
    return PageState(PAGE)


def display_name(name: str) -> str:
    return optimizers.info(name).display_name


# --------------------------------------------------------------------------- formatting


def human_bytes(n: float) -> str:
    """Bytes in decimal units (kB, MB, GB, TB), 3 significant figures."""
    n = float(n)
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n:.0f} bytes"


SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def human_count(n: float) -> str:
    """A large count as a learner reads it: 16,777,216, or 3.5 × 10¹¹ from a billion on."""
    n = float(n)
    if abs(n) >= 1e9:
        exponent = int(np.floor(np.log10(abs(n))))
        return f"{n / 10**exponent:.3g} × 10{str(exponent).translate(SUPERSCRIPTS)}"
    return f"{int(round(n)):,}"


def fold(ratio: float) -> str:
    """A ratio as a learner reads it: 3 significant figures, thousands with separators."""
    return f"{ratio:,.0f}" if abs(ratio) >= 1000 else fmt(ratio, 3)


def latex_lines(update_latex: str) -> str:
    """An update rule split at its top-level separators into one line per equation.

    The engine writes a rule as equations joined by ``,\\quad``-style spacers; a
    ``gathered`` block stacks them, which reads better and fits a phone screen.
    """
    parts: list[str] = []
    depth = 0
    start = 0
    i = 0
    separator = re.compile(r"[,;]\s*\\(?:qquad|quad|\s)\s*")
    while i < len(update_latex):
        ch = update_latex[i]
        if ch in "{([":
            depth += 1
        elif ch in "})]":
            depth = max(0, depth - 1)
        elif ch in ",;" and depth == 0:
            match = separator.match(update_latex, i)
            if match:
                parts.append(update_latex[start:i].strip())
                start = i = match.end()
                continue
        i += 1
    parts.append(update_latex[start:].strip())
    parts = [p for p in parts if p]
    if len(parts) == 1:
        return parts[0]
    return r"\begin{gathered}" + r" \\ ".join(parts) + r"\end{gathered}"


# --------------------------------------------------------------------------- family tree

MODERN_FROM = 2010  # the x axis is stretched from this year on
EARLY_SQUEEZE = 8.0  # before it, this many years share one unit of x


def year_position(year: int) -> float:
    """x of a node: one unit per year from 2010, older years squeezed (monotone)."""
    if year >= MODERN_FROM:
        return float(year - MODERN_FROM)
    return -1.5 - (MODERN_FROM - year) / EARLY_SQUEEZE


def family_edges(names: Sequence[str] = optimizers.NAMES) -> list[tuple[str, str, bool]]:
    """(parent, child, primary) from the engine's metadata; the first parent is primary."""
    edges = []
    for name in names:
        for i, parent in enumerate(optimizers.info(name).parents):
            if parent in names:
                edges.append((parent, name, i == 0))
    return edges


def family_layout(names: Sequence[str] = optimizers.NAMES) -> dict[str, tuple[float, float]]:
    """Position of each optimizer: x from its year, y from a tidy tree of first parents.

    Leaves of the first-parent tree take consecutive rows in depth-first order (small
    branches first, then by year); a parent sits at the mean row of its children.
    """
    names = list(names)
    children: dict[str, list[str]] = {n: [] for n in names}
    roots = []
    for name in names:
        parents = [p for p in optimizers.info(name).parents if p in children]
        if parents:
            children[parents[0]].append(name)
        else:
            roots.append(name)

    def size(name: str) -> int:
        return 1 + sum(size(c) for c in children[name])

    rows: dict[str, float] = {}
    next_row = [0.0]

    def place(name: str) -> float:
        kids = sorted(children[name], key=lambda c: (size(c), optimizers.info(c).year, c))
        if not kids:
            rows[name] = next_row[0]
            next_row[0] += 1.0
        else:
            rows[name] = float(np.mean([place(c) for c in kids]))
        return rows[name]

    for root in sorted(roots, key=lambda r: optimizers.info(r).year):
        place(root)
    return {n: (year_position(optimizers.info(n).year), rows[n]) for n in names}


def label_positions(layout: Mapping[str, tuple[float, float]]) -> dict[str, str]:
    """Text above each node, except below when a neighbour close by already has it above."""
    positions: dict[str, str] = {}
    for name in sorted(layout, key=lambda n: layout[n]):
        x, y = layout[name]
        crowded = any(
            positions[other] == "top center"
            and abs(layout[other][0] - x) <= 1.6
            and abs(layout[other][1] - y) < 0.75
            for other in positions
        )
        positions[name] = "bottom center" if crowded else "top center"
    return positions


def tree_nodes(names: Sequence[str] = optimizers.NAMES) -> list[TreeNode]:
    layout = family_layout(names)
    positions = label_positions(layout)
    nodes = []
    for name in names:
        info = optimizers.info(name)
        x, y = layout[name]
        nodes.append(
            TreeNode(
                name=name,
                label=info.display_name,
                x=x,
                y=y,
                color=palette.optimizer_color(name),
                hover=f"<b>{info.display_name}</b> ({info.year})<br>{info.innovation}",
                text_position=positions[name],
            )
        )
    return nodes


def tree_ticks(names: Sequence[str] = optimizers.NAMES) -> list[tuple[float, str]]:
    years = sorted({optimizers.info(n).year for n in names})
    return [(year_position(y), str(y)) for y in years]


@st.cache_data(show_spinner=False)
def state_bytes_cached(name: str, shape: tuple[int, ...]) -> int:
    return optimizers.state_bytes(name, shape)


CARD_SHAPE = (1024, 1024)  # the example matrix for "how much memory" in cards and the table


def on_tree_click(state: PageState, chart_key: str) -> None:
    """``on_select`` callback: a click on a node makes it the chosen optimizer."""
    event = st.session_state.get(chart_key)
    selection = getattr(event, "selection", None)
    if selection is None and isinstance(event, dict):
        selection = event.get("selection")
    name = figures.pick_node(selection, list(optimizers.NAMES))
    if name is None:
        return
    st.session_state[state.key("tree:pick")] = name
    state.set("tree:clicks", state.get("tree:clicks", 0) + 1)


def optimizer_card(name: str) -> None:
    """Year, paper, idea, update rule, buffers and best use of one optimizer."""
    info = optimizers.info(name)
    with st.container(border=True):
        st.markdown(f"#### {info.display_name} · {info.year}")
        st.caption(info.paper)
        st.markdown(f"**Key idea.** {info.innovation}")
        st.latex(latex_lines(info.update_latex))
        buffers = ", ".join(f"`{b}`" for b in info.buffers) or "none"
        shape_text = "×".join(str(s) for s in CARD_SHAPE)
        st.markdown(
            f"**State it keeps.** {buffers}: {info.memory}. For one {shape_text} weight "
            f"matrix in fp32 that is {human_bytes(state_bytes_cached(name, CARD_SHAPE))}."
        )
        st.markdown(f"**Best for.** {info.best_for}")
        if info.parents:
            parents = ", ".join(display_name(p) for p in info.parents)
            st.markdown(f"**Grew out of.** {parents}")


def family_tree() -> None:
    """The optimizer family tree: click a node (or pick from the list) to read its card."""

    @st.fragment
    def tree() -> None:
        state = ps()
        names = list(optimizers.NAMES)
        pick_key = state.key("tree:pick")
        if st.session_state.get(pick_key) not in names:
            st.session_state[pick_key] = "lion"
        left, right = st.columns([3, 2], gap="medium")
        with right:
            chosen = st.selectbox(
                "Optimizer (or click a node)",
                names,
                format_func=lambda n: f"{display_name(n)} ({optimizers.info(n).year})",
                key=pick_key,
            )
            optimizer_card(chosen)
        with left:
            chart_key = state.key(f"tree:chart:{state.get('tree:clicks', 0)}")
            fig = figures.memo_figure(
                figures.family_tree_figure,
                tree_nodes(names),
                family_edges(names),
                selected=chosen,
                ticks=tree_ticks(names),
                x_break=year_position(MODERN_FROM) - 0.75,
                title="Optimizer family tree: click a node",
                height=460,
            )
            st.plotly_chart(
                fig,
                key=chart_key,
                on_select=lambda: on_tree_click(state, chart_key),
                selection_mode="points",
                config={"displayModeBar": False},
            )
            st.caption(
                "Arrows run from an idea to the optimizers built on it (fainter arrows: a "
                "second parent). Left of the dotted line the time axis is squeezed."
            )

    tree()


def comparison_table(names: Sequence[str] = optimizers.NAMES) -> pd.DataFrame:
    """Year, idea, memory and best use of every optimizer, from the engine's metadata."""
    n_rows, n_cols = CARD_SHAPE
    # "1024² matrix" is short enough for a phone's column header.
    shape_text = f"{n_rows}²" if n_rows == n_cols else f"{n_rows}×{n_cols}"
    rows = []
    for name in sorted(names, key=lambda n: (optimizers.info(n).year, n)):
        info = optimizers.info(name)
        rows.append(
            {
                "Optimizer": info.display_name,
                "Year": str(info.year),
                "Key innovation": info.innovation,
                "Memory": info.memory,
                f"State, {shape_text} matrix (fp32)": human_bytes(
                    state_bytes_cached(name, CARD_SHAPE)
                ),
                "Best for": info.best_for,
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- many-weights demos


@dataclass(frozen=True)
class Problem:
    """A synthetic training problem with many weights; its gradient noise is seeded by step."""

    name: str
    start: Callable[[], Params]
    grad: Callable[[Params, int], Params]  # (params, 1-based step) -> gradient
    loss: Callable[[Params], float]


LION_WEIGHTS = 40


def _lion_problem() -> Problem:
    """Weights on a quadratic with curvatures from 0.05 to 5, plus mini-batch noise."""
    rng = np.random.default_rng(6)
    d = LION_WEIGHTS
    curvature = rng.permutation(np.geomspace(0.05, 5.0, d))
    target = rng.normal(0.0, 1.0, d)
    start = target + rng.normal(0.0, 2.0, d)

    def grad(p: Params, t: int) -> np.ndarray:
        noise = np.random.default_rng((6, t)).normal(0.0, 0.5, d)
        return curvature * (np.asarray(p) - target) + noise

    def loss(p: Params) -> float:
        return float(0.5 * np.sum(curvature * (np.asarray(p) - target) ** 2))

    return Problem("lion", lambda: start.copy(), grad, loss)


LAYERS: tuple[tuple[str, tuple[int, ...], float], ...] = (
    # name, shape, scale of the initial weights (very different norms on purpose)
    ("embedding", (64, 16), 1.0),
    ("attention", (16, 16), 0.1),
    ("mlp", (16, 64), 0.05),
    ("layernorm gain", (16,), 0.0),  # starts at exactly 1 (see _lamb_problem)
    ("output bias", (64,), 2e-4),
)


def _lamb_problem() -> Problem:
    """A small 'network' of five tensors whose norms differ by orders of magnitude."""
    rng = np.random.default_rng(7)
    start: dict[str, np.ndarray] = {}
    target: dict[str, np.ndarray] = {}
    for name, shape, scale in LAYERS:
        start[name] = np.ones(shape) if scale == 0.0 else rng.normal(0.0, scale, shape)
        target[name] = start[name] * 0.5 + rng.normal(0.0, 0.01, shape)

    def grad(p: Params, t: int) -> dict[str, np.ndarray]:
        noise = np.random.default_rng((7, t))
        return {
            k: (np.asarray(v) - target[k]) + noise.normal(0.0, 0.05, np.shape(v))
            for k, v in dict(p).items()
        }

    def loss(p: Params) -> float:
        return float(sum(0.5 * np.sum((np.asarray(v) - target[k]) ** 2) for k, v in p.items()))

    return Problem("lamb", lambda: {k: v.copy() for k, v in start.items()}, grad, loss)


SOPHIA_CURVATURE = np.geomspace(0.01, 100.0, 24)  # a diagonal Hessian spanning 10⁴
SOPHIA_INITIAL_STEPS = 25


def _sophia_problem() -> Problem:
    """24 weights on a quadratic whose curvatures span four orders of magnitude."""
    rng = np.random.default_rng(8)
    start = rng.normal(0.0, 1.0, SOPHIA_CURVATURE.size)

    def grad(p: Params, t: int) -> np.ndarray:
        return SOPHIA_CURVATURE * np.asarray(p)

    def loss(p: Params) -> float:
        return float(0.5 * np.sum(SOPHIA_CURVATURE * np.asarray(p) ** 2))

    return Problem("sophia", lambda: start.copy(), grad, loss)


PROBLEMS: dict[str, Callable[[], Problem]] = {
    "lion": _lion_problem,
    "lamb": _lamb_problem,
    "sophia": _sophia_problem,
}


def record_step(
    opt: optimizers.Optimizer, info: Mapping[str, Any], before: Params, new_state: Mapping
) -> dict[str, np.ndarray]:
    """What the demos show after one step, taken from ``step_with_info``'s notes."""
    if isinstance(before, dict):
        leaves = list(before)
        rel = []
        ratio = []
        for leaf in leaves:
            norm = float(np.linalg.norm(before[leaf]))
            step = float(np.linalg.norm(info[f"update/{leaf}"]))
            rel.append(step / norm if norm > 0 else np.nan)
            ratio.append(float(np.ravel(info.get(f"trust_ratio/{leaf}", [np.nan]))[0]))
        return {"relative_step": np.array(rel), "trust_ratio": np.array(ratio)}
    record = {"abs_update": np.abs(np.asarray(info["update"], dtype=np.float64))}
    if "clipped" in info:
        hp = opt.hyperparams
        unclipped = new_state["m"] / np.maximum(hp["rho"] * new_state["h"], hp["eps"])
        record["abs_unclipped"] = np.abs(hp["lr"] * unclipped)
        record["clipped"] = np.asarray(info["clipped"], dtype=bool)
    return record


@dataclass(frozen=True)
class VecRun:
    """One optimizer on one many-weights problem: settings, live buffers, per-step records."""

    optimizer: str
    hyperparams: dict[str, Any]
    problem: str
    params: Params
    opt_state: dict[str, Any]
    losses: tuple[float, ...]
    records: tuple[dict[str, np.ndarray], ...] = ()
    play_from: int | None = None
    start_params: Params = field(default=None, repr=False)

    @property
    def steps(self) -> int:
        return len(self.records)

    def make_optimizer(self) -> optimizers.Optimizer:
        return optimizers.make(self.optimizer, **self.hyperparams)


def start_vec(optimizer: str, hyperparams: Mapping[str, Any], problem: str) -> VecRun:
    prob = PROBLEMS[problem]()
    params = prob.start()
    opt = optimizers.make(optimizer, **dict(hyperparams))
    return VecRun(
        optimizer=optimizer,
        hyperparams=dict(hyperparams),
        problem=problem,
        params=params,
        opt_state=opt.init(params),
        losses=(prob.loss(params),),
        start_params=params,
    )


def advance_vec(run: VecRun, n: int = 1, *, play: bool = False) -> VecRun:
    """``run`` after ``n`` more steps, continuing from its buffers (pure)."""
    n = max(0, min(int(n), MAX_DEMO_STEPS - run.steps))
    if n == 0:
        return run
    prob = PROBLEMS[run.problem]()
    opt = run.make_optimizer()
    params, state = run.params, run.opt_state
    losses, records = list(run.losses), list(run.records)
    with np.errstate(all="ignore"):
        for _ in range(n):
            t = int(state["t"]) + 1
            new_params, state, info = opt.step_with_info(
                params, lambda p, t=t: prob.grad(p, t), state
            )
            records.append(record_step(opt, info, params, state))
            params = new_params
            losses.append(prob.loss(params))
    return dataclasses.replace(
        run,
        params=params,
        opt_state=state,
        losses=tuple(losses),
        records=tuple(records),
        play_from=run.steps + 1 if play else None,
    )


def restart_vec(run: VecRun) -> VecRun:
    return start_vec(run.optimizer, run.hyperparams, run.problem)


def sync_vec(
    state: PageState,
    name: str,
    optimizer: str,
    hyperparams: Mapping[str, Any],
    problem: str,
    *,
    initial_steps: int = INITIAL_STEPS,
) -> VecRun:
    """The stored demo run ``name``, brought in line with the current settings.

    A new optimizer or problem starts afresh (and takes ``initial_steps`` steps, so the
    demo has something to show; Reset goes back to step 0); new hyperparameters carry
    on from the current buffers (an invalid value is refused with a message).
    """
    run = state.get(f"vec:{name}")
    if not isinstance(run, VecRun) or run.optimizer != optimizer or run.problem != problem:
        fresh = start_vec(optimizer, hyperparams, problem)
        if initial_steps:
            fresh = advance_vec(fresh, initial_steps, play=True)
        return state.set(f"vec:{name}", fresh)
    if dict(run.hyperparams) != dict(hyperparams):
        try:
            optimizers.make(optimizer, **dict(hyperparams))
        except ValueError as exc:
            st.warning(f"That setting was refused: {exc}. Keeping the previous one.")
            return run
        run = state.set(
            f"vec:{name}", dataclasses.replace(run, hyperparams=dict(hyperparams), play_from=None)
        )
    return run


def vec_buttons(state: PageState, names: Sequence[str], *, key_prefix: str) -> None:
    """Step / Play / Reset for the demo runs ``names`` (they move together)."""

    def apply(fn: Callable[[VecRun], VecRun]) -> None:
        for name in names:
            run = state.get(f"vec:{name}")
            if isinstance(run, VecRun):
                state.set(f"vec:{name}", fn(run))

    buttons = (
        ("Step", "step", lambda: apply(lambda r: advance_vec(r, 1)), ":material/skip_next:"),
        (
            f"Play {PLAY_STEPS}",
            "play",
            lambda: apply(lambda r: advance_vec(r, PLAY_STEPS, play=True)),
            ":material/play_arrow:",
        ),
        ("Reset", "reset", lambda: apply(restart_vec), ":material/restart_alt:"),
    )
    with st.container(horizontal=True, gap="small"):
        for label, slug, callback, icon in buttons:
            st.button(
                label,
                key=state.key(f"{key_prefix}btn:{slug}"),
                on_click=callback,
                icon=icon,
                help={
                    "step": "One update of every weight",
                    "play": f"{PLAY_STEPS} more updates; ▶ on the chart replays them",
                    "reset": "Back to the starting weights, with fresh buffers",
                }[slug],
            )


def _rows(run: VecRun, key: str) -> np.ndarray:
    return np.stack([r[key] for r in run.records]) if run.records else np.empty((0, 0))


def _play_from(*runs: VecRun) -> int | None:
    starts = [r.play_from for r in runs if r.play_from is not None]
    return min(starts) if starts else None


# --------------------------------------------------------------------------- Lion demo


def lion_demo() -> None:
    """Lion vs Adam on 40 noisy weights: how far each weight moves in one step."""

    @st.fragment
    def demo() -> None:
        state = ps()
        lr = controls.log_slider(
            state,
            "lion:lr",
            "Learning rate η (both optimizers)",
            low=1e-4,
            high=0.1,
            default=0.01,
            help="The same η for Lion and Adam, so their step sizes can be compared directly.",
        )
        lion = sync_vec(state, "lion", "lion", {"lr": lr}, "lion")
        adam = sync_vec(state, "lion:adam", "adam", {"lr": lr}, "lion")
        vec_buttons(state, ["lion", "lion:adam"], key_prefix="lion:")
        lion = state.get("vec:lion") or lion
        adam = state.get("vec:lion:adam") or adam
        if lion.steps == 0:
            st.info("Press **Step** or **Play** to take the first update.", icon=":material/info:")
            return
        steps = list(range(1, lion.steps + 1))
        fig = figures.memo_figure(
            figures.per_item_figure,
            list(range(1, lion.records[-1]["abs_update"].size + 1)),
            [
                StepSeries("Lion", _rows(lion, "abs_update"), palette.optimizer_color("lion")),
                StepSeries("Adam", _rows(adam, "abs_update"), palette.optimizer_color("adam")),
            ],
            steps=steps,
            x_title="weight number",
            y_title="|Δθ| this step",
            log_y=True,
            hlines=[(lr, f"η = {controls.format_rate(lr)}")],
            animate_from=_play_from(lion, adam),
            item_hover="weight %{x}",
            title=f"How far each weight moved at step {lion.steps}",
            height=360,
        )
        left, right = st.columns([3, 2], gap="medium")
        with left:
            st.plotly_chart(fig, key=state.key("lion:chart"), config={"displayModeBar": False})
        with right:
            st.dataframe(
                step_size_summary({"Lion": lion, "Adam": adam}),
                hide_index=True,
            )
            lion_last = lion.records[-1]["abs_update"]
            adam_last = adam.records[-1]["abs_update"]
            ratio = float(np.mean(lion_last) / np.mean(adam_last))
            st.markdown(
                f"At step {lion.steps} every Lion weight moved by exactly "
                f"{fmt(float(lion_last.max()), 4)} (= η), while Adam's moves ranged from "
                f"{fmt(float(adam_last.min()), 3)} to {fmt(float(adam_last.max()), 3)}. "
                f"On average Lion moved each weight **{fmt(ratio, 3)}×** as far as Adam, "
                "which is why Lion wants a smaller η."
            )
            st.caption(
                f"Loss after step {lion.steps}: Lion {fmt(lion.losses[-1], 4)}, "
                f"Adam {fmt(adam.losses[-1], 4)} (started at {fmt(lion.losses[0], 4)})."
            )

    demo()


def step_size_summary(runs: Mapping[str, VecRun]) -> pd.DataFrame:
    """|Δθ| of the latest step per optimizer: smallest, median, largest, distinct values."""
    rows = []
    for label, run in runs.items():
        last = run.records[-1]["abs_update"]
        rows.append(
            {
                "": label,
                "min |Δθ|": fmt(float(last.min()), 3),
                "median": fmt(float(np.median(last)), 3),
                "max": fmt(float(last.max()), 3),
                "sizes": str(np.unique(last).size),
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- LAMB demo


def lamb_demo() -> None:
    """AdamW vs LAMB on five tensors of very different norms: relative step per layer."""

    @st.fragment
    def demo() -> None:
        state = ps()
        lr = controls.log_slider(
            state,
            "lamb:lr",
            "Learning rate η (both optimizers)",
            low=1e-4,
            high=0.1,
            default=0.01,
        )
        hp = {"lr": lr, "eps": 1e-6, "weight_decay": 0.0}
        lamb = sync_vec(state, "lamb", "lamb", hp, "lamb", initial_steps=1)
        adamw = sync_vec(state, "lamb:adamw", "adamw", hp, "lamb", initial_steps=1)
        vec_buttons(state, ["lamb", "lamb:adamw"], key_prefix="lamb:")
        lamb = state.get("vec:lamb") or lamb
        adamw = state.get("vec:lamb:adamw") or adamw
        if lamb.steps == 0:
            st.info("Press **Step** or **Play** to take the first update.", icon=":material/info:")
            st.dataframe(layer_table(lamb, adamw), hide_index=True)
            return
        layers = list(lamb.start_params)
        fig = figures.memo_figure(
            figures.per_item_figure,
            layers,
            [
                StepSeries(
                    "without trust ratio (AdamW)",
                    _rows(adamw, "relative_step"),
                    palette.optimizer_color("adamw"),
                ),
                StepSeries(
                    "with trust ratio (LAMB)",
                    _rows(lamb, "relative_step"),
                    palette.optimizer_color("lamb"),
                ),
            ],
            steps=list(range(1, lamb.steps + 1)),
            kind="bars",
            x_title="layer",
            y_title="‖Δθ‖ / ‖θ‖ this step",
            log_y=True,
            hlines=[(lr, f"η = {controls.format_rate(lr)}")],
            animate_from=_play_from(lamb, adamw),
            title=f"Step size relative to each layer's weights, step {lamb.steps}",
            height=380,
        )
        st.plotly_chart(fig, key=state.key("lamb:chart"), config={"displayModeBar": False})
        st.dataframe(layer_table(lamb, adamw), hide_index=True)
        st.markdown(lamb_story(lamb, adamw))

    demo()


def lamb_story(lamb: VecRun, adamw: VecRun) -> str:
    """The latest step of both runs in words, with the engine's numbers."""
    layers = list(lamb.start_params)
    without = adamw.records[-1]["relative_step"]
    with_ratio = lamb.records[-1]["relative_step"]
    lo, hi = int(np.nanargmin(without)), int(np.nanargmax(without))
    story = (
        f"At step {lamb.steps}, without the trust ratio the *{layers[hi]}* moved by "
        f"{fmt(float(without[hi]), 3)} × its own size and the *{layers[lo]}* by only "
        f"{fmt(float(without[lo]), 3)} ×: a {fold(float(without[hi] / without[lo]))}-fold "
        "spread. With the trust ratio every layer moved by "
        f"{fmt(float(np.nanmin(with_ratio)), 4)} × its size"
        + (
            f" (up to {fmt(float(np.nanmax(with_ratio)), 4)})"
            if fmt(float(np.nanmax(with_ratio)), 4) != fmt(float(np.nanmin(with_ratio)), 4)
            else ""
        )
        + ", which is η."
    )
    if adamw.steps > 1:
        history = _rows(adamw, "relative_step")
        k, layer = np.unravel_index(int(np.nanargmax(history)), history.shape)
        story += (
            f" The largest AdamW step so far came at step {k + 1}: "
            f"{fmt(float(history[k, layer]), 3)} × the size of the *{layers[layer]}*. "
            "Such a step rewrites a layer instead of nudging it, and afterwards the layer "
            "is no longer small, which is why its later relative steps shrink."
        )
    return story


def layer_table(lamb: VecRun, adamw: VecRun) -> pd.DataFrame:
    """Per layer: shape, weight norm, LAMB's trust ratio and both relative steps."""
    rows = []
    last_lamb = lamb.records[-1] if lamb.records else None
    last_adamw = adamw.records[-1] if adamw.records else None
    for i, name in enumerate(lamb.start_params):
        params = lamb.params[name]
        row = {
            "layer": name,
            "shape": "×".join(str(s) for s in np.shape(params)),
            "‖θ‖ AdamW run": fmt(float(np.linalg.norm(adamw.params[name])), 3),
            "‖θ‖ LAMB run": fmt(float(np.linalg.norm(params)), 3),
        }
        if last_lamb is not None and last_adamw is not None:
            row["trust ratio ‖θ‖/‖r‖"] = fmt(float(last_lamb["trust_ratio"][i]), 3)
            row["‖Δθ‖/‖θ‖ AdamW"] = fmt(float(last_adamw["relative_step"][i]), 3)
            row["‖Δθ‖/‖θ‖ LAMB"] = fmt(float(last_lamb["relative_step"][i]), 3)
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- Sophia demo


def sophia_demo() -> None:
    """Sophia on 24 weights with curvatures from 0.01 to 100: clipped vs unclipped steps."""

    @st.fragment
    def demo() -> None:
        state = ps()
        c1, c2, c3 = st.columns(3)
        with c1:
            lr = controls.log_slider(
                state,
                "sophia:lr",
                "Learning rate η (the clip bound)",
                low=1e-3,
                high=0.3,
                default=0.05,
            )
        with c2:
            rho = controls.log_slider(
                state,
                "sophia:rho",
                "ρ (scale of the Hessian)",
                low=1e-3,
                high=10.0,
                default=1.0,
            )
        with c3:
            period = st.select_slider(
                "Refresh h every k steps",
                options=[1, 2, 5, 10, 20],
                value=10,
                key=state.key("sophia:k"),
                persist_state="session",
            )
        run = sync_vec(
            state,
            "sophia",
            "sophia",
            {"lr": lr, "rho": rho, "update_period": period},
            "sophia",
            initial_steps=SOPHIA_INITIAL_STEPS,
        )
        vec_buttons(state, ["sophia"], key_prefix="sophia:")
        run = state.get("vec:sophia") or run
        if run.steps == 0:
            st.info("Press **Step** or **Play** to take the first update.", icon=":material/info:")
            return
        color = palette.optimizer_color("sophia")
        steps = list(range(1, run.steps + 1))
        fig = figures.memo_figure(
            figures.per_item_figure,
            [float(c) for c in SOPHIA_CURVATURE],
            [
                StepSeries("unclipped η·m/max(ρh, ε)", _rows(run, "abs_unclipped"), color, True),
                StepSeries("Sophia's step (clipped)", _rows(run, "abs_update"), color),
            ],
            steps=steps,
            x_title="curvature of the weight's direction (log scale)",
            y_title="|step|",
            log_x=True,
            log_y=True,
            hlines=[(lr, f"clip bound η = {controls.format_rate(lr)}")],
            animate_from=run.play_from,
            item_hover="curvature %{x:.3g}",
            title=f"Each weight's step at step {run.steps}",
            height=380,
        )
        clipped = np.stack([r["clipped"] for r in run.records]).mean(axis=1)
        left, right = st.columns([3, 2], gap="medium")
        with left:
            st.plotly_chart(fig, key=state.key("sophia:chart"), config={"displayModeBar": False})
        with right:
            now = run.records[-1]["clipped"]
            with st.container(horizontal=True):
                st.metric("Step", run.steps, width="content")
                st.metric(
                    "Clipped now",
                    f"{int(now.sum())} of {now.size}",
                    help="Weights whose step hit the bound ±η",
                    width="content",
                )
                st.metric("Loss", fmt(run.losses[-1], 4), width="content")
            st.plotly_chart(
                figures.memo_figure(
                    figures.step_curves_figure,
                    steps,
                    [figures.Series("fraction clipped", clipped, color)],
                    value_title="fraction of weights clipped",
                    log_y=False,
                    title="Clipping over time",
                    height=240,
                ),
                key=state.key("sophia:frac"),
                config={"displayModeBar": False},
            )

    demo()


# --------------------------------------------------------------------------- RAdam


RADAM_BETA2 = (0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 0.9995, 0.9999)
RADAM_HORIZON = 30_000


def rectification_series(beta2: float, horizon: int = RADAM_HORIZON):
    """Steps (log-spaced), ρ_t and r_t from the engine, and the first step with ρ_t > 5."""
    steps = np.unique(np.round(np.geomspace(1, horizon, 500)).astype(int))
    early = np.arange(1, 41)
    steps = np.union1d(steps, early)
    rho, rect = transforms.radam_rectification(beta2, steps)
    adaptive = np.flatnonzero(np.isfinite(rect))
    first = int(steps[adaptive[0]]) if adaptive.size else None
    return steps, np.asarray(rho), np.asarray(rect), first


def radam_demo() -> None:
    @st.fragment
    def demo() -> None:
        state = ps()
        beta2 = st.select_slider(
            "β₂ (how long v remembers)",
            options=list(RADAM_BETA2),
            value=0.999,
            key=state.key("radam:beta2"),
            persist_state="session",
        )
        steps, rho, rect, first = rectification_series(beta2)
        left, right = st.columns([3, 2], gap="medium")
        with left:
            st.plotly_chart(
                figures.memo_figure(
                    figures.rectification_figure,
                    steps,
                    rect,
                    first_rectified=first,
                    title=f"RAdam's rectification r_t for β₂ = {beta2:g}",
                    height=340,
                ),
                key=state.key("radam:chart"),
                config={"displayModeBar": False},
            )
        with right:
            rho_inf = 2.0 / (1.0 - beta2) - 1.0
            half = next((int(t) for t, r in zip(steps, rect, strict=True) if r >= 0.5), None)
            near = next((int(t) for t, r in zip(steps, rect, strict=True) if r >= 0.9), None)
            st.markdown(
                f"With β₂ = {beta2:g}, ρ∞ = {fmt(rho_inf, 5)}. The first "
                f"{(first or 1) - 1} steps have ρ_t ≤ 5, so RAdam takes plain momentum steps; "
                f"step {first} is its first adaptive one, with r_t = "
                f"{fmt(float(rect[steps == first][0]), 3) if first else '—'}. "
                f"r_t passes 0.5 at step {half if half else '—'} and 0.9 at step "
                f"{near if near else '—'}."
            )
            shown = np.arange(1, (first or 1) + 4)
            rho_s, rect_s = transforms.radam_rectification(beta2, shown)
            st.dataframe(
                pd.DataFrame(
                    {
                        "step t": [str(t) for t in shown],
                        "ρ_t": [fmt(float(v), 4) for v in rho_s],
                        "r_t": [
                            fmt(float(v), 3) if np.isfinite(v) else "— (momentum step)"
                            for v in rect_s
                        ],
                    }
                ),
                hide_index=True,
            )

    demo()


# --------------------------------------------------------------------------- Adafactor memory


MEMORY_PRESETS = {"4096 × 4096": (4096, 4096), "GPT-3 MLP matrix (12288 × 49152)": (12288, 49152)}
MAX_SIDE = 1_000_000


def memory_calculator() -> None:
    """Adam's and Adafactor's state for a matrix size the learner types in."""

    @st.fragment
    def calc() -> None:
        state = ps()
        rows_key, cols_key = state.key("mem:rows"), state.key("mem:cols")

        def preset(label: str) -> None:
            st.session_state[rows_key], st.session_state[cols_key] = MEMORY_PRESETS[label]

        controls.try_buttons(
            state,
            "mem:",
            {label: label for label in MEMORY_PRESETS},
            preset,
            title=None,
            icon=":material/grid_on:",
        )
        c1, c2 = st.columns(2)
        with c1:
            rows = st.number_input(
                "Rows", min_value=0, max_value=MAX_SIDE, value=4096, step=1, key=rows_key
            )
        with c2:
            cols = st.number_input(
                "Columns", min_value=0, max_value=MAX_SIDE, value=4096, step=1, key=cols_key
            )
        message = matrix_size_problem(rows, cols)
        if message:
            st.warning(message, icon=":material/block:")
            return
        rows, cols = int(rows), int(cols)
        numbers = optimizers.factored_state_numbers(rows, cols)
        adam_bytes = 4 * numbers["adam"]
        factored_bytes = 4 * numbers["adafactor"]
        with st.container(horizontal=True, gap="medium"):
            st.metric("Weights", f"{numbers['weights']:,}", width="content")
            st.metric(
                "Adam state (m and v)",
                f"{numbers['adam']:,}",
                help=f"{human_bytes(adam_bytes)} in fp32",
                width="content",
            )
            st.metric(
                "Adafactor state (row + column)",
                f"{numbers['adafactor']:,}",
                help=f"{human_bytes(factored_bytes)} in fp32",
                width="content",
            )
        v_ratio = numbers["weights"] / numbers["adafactor"]
        all_ratio = numbers["adam"] / numbers["adafactor"]
        st.markdown(
            f"Adam's second moment alone is a full {rows:,} × {cols:,} matrix of "
            f"{numbers['weights']:,} numbers; Adafactor keeps {rows:,} + {cols:,} = "
            f"{numbers['adafactor']:,} instead, **{fmt(v_ratio, 4)}× fewer**. Counting Adam's "
            f"first moment too, the whole optimizer state shrinks **{fmt(all_ratio, 4)}×**, "
            f"from {human_bytes(adam_bytes)} to {human_bytes(factored_bytes)} in fp32."
        )
        if min(rows, cols) == 1:
            st.caption(
                "A matrix with one row or column is really a vector: factoring it saves "
                "nothing over a plain second moment."
            )
        chart = figures.memo_figure(
            memory_figure, rows, cols, 4 * numbers["weights"], adam_bytes, factored_bytes
        )
        st.plotly_chart(chart, key=state.key("mem:chart"), config={"displayModeBar": False})

    calc()


def memory_figure(
    rows: int, cols: int, weight_bytes: int, adam_bytes: int, factored_bytes: int
) -> go.Figure:
    """Bars of the weights', Adam's and Adafactor's bytes for one rows × cols matrix."""
    chart = figures.bar_figure(
        ["weights", "Adam state", "Adafactor state"],
        [weight_bytes, adam_bytes, factored_bytes],
        colors=[
            palette.FALLBACK_COLOR,
            palette.optimizer_color("adam"),
            palette.optimizer_color("adafactor"),
        ],
        value_title="bytes in fp32 (log scale)",
        log_y=True,
        texts=[human_bytes(weight_bytes), human_bytes(adam_bytes), human_bytes(factored_bytes)],
        title=f"Memory for one {rows:,} × {cols:,} matrix",
        height=300,
    )
    chart.update_yaxes(dtick=1, exponentformat="SI")  # only powers of ten on the log axis
    return chart


def matrix_size_problem(rows: Any, cols: Any) -> str | None:
    """A message refusing a nonsensical matrix size, or None when it is usable."""
    try:
        r, c = float(rows), float(cols)
    except (TypeError, ValueError):
        return "Enter whole numbers for rows and columns."
    if not (np.isfinite(r) and np.isfinite(c)) or r != int(r) or c != int(c):
        return "Rows and columns must be whole numbers."
    if r < 1 or c < 1:
        return "A weight matrix needs at least one row and one column: enter sizes of 1 or more."
    if r > MAX_SIDE or c > MAX_SIDE:
        return f"Keep each side at most {MAX_SIDE:,}: no real layer is wider than that."
    return None


GPT3 = {"layers": 96, "d_model": 12288, "vocab": 50257, "context": 2048}
GPT3_PARAMS = 175_000_000_000  # the headline parameter count of GPT-3
VECTORS_PER_LAYER = 13  # biases (3d + d + 4d + d) and two LayerNorms (2 × 2d), in units of d


def gpt3_shapes(
    layers: int = GPT3["layers"],
    d_model: int = GPT3["d_model"],
    vocab: int = GPT3["vocab"],
    context: int = GPT3["context"],
) -> list[tuple[str, tuple[int, ...], int]]:
    """GPT-3's parameter tensors as (name, shape, how many), GPT-2-style layout."""
    d = d_model
    return [
        ("token embedding", (vocab, d), 1),
        ("position embedding", (context, d), 1),
        ("attention q, k, v (fused)", (d, 3 * d), layers),
        ("attention output", (d, d), layers),
        ("MLP in", (d, 4 * d), layers),
        ("MLP out", (4 * d, d), layers),
        ("biases and LayerNorm (vectors)", (VECTORS_PER_LAYER * d,), layers),
        ("final LayerNorm", (2 * d,), 1),
    ]


def gpt3_memory(shapes=None) -> tuple[pd.DataFrame, dict[str, int]]:
    """Adam's and Adafactor's state for every GPT-3 tensor, from the engine's counts.

    Matrices use ``factored_state_numbers``; vectors are not factored, so their
    Adafactor state is counted with ``state_bytes`` (one number per weight).
    """
    shapes = gpt3_shapes() if shapes is None else shapes
    rows = []
    totals = {"weights": 0, "adam": 0, "adafactor": 0, "adafactor_vectors": 0}
    for name, shape, count in shapes:
        if len(shape) == 2:
            n = optimizers.factored_state_numbers(*shape)
        else:
            weights = int(np.prod(shape))
            n = {
                "weights": weights,
                "adam": 2 * weights,
                "adafactor": optimizers.state_bytes("adafactor", shape, bytes_per_number=1),
            }
        for k in ("weights", "adam", "adafactor"):
            totals[k] += count * n[k]
        if len(shape) != 2:
            totals["adafactor_vectors"] += count * n["adafactor"]
        rows.append(
            {
                "tensor": name,
                "shape": " × ".join(f"{s:,}" for s in shape),
                "copies": str(count),
                "weights": human_count(count * n["weights"]),
                "Adam state (numbers)": human_count(count * n["adam"]),
                "Adafactor state (numbers)": human_count(count * n["adafactor"]),
            }
        )
    rows.append(
        {
            "tensor": "total",
            "shape": "",
            "copies": "",
            "weights": human_count(totals["weights"]),
            "Adam state (numbers)": human_count(totals["adam"]),
            "Adafactor state (numbers)": human_count(totals["adafactor"]),
        }
    )
    return pd.DataFrame(rows), totals


# --------------------------------------------------------------------------- race vs Adam


RACE_LANDSCAPES = ("ravine", "rosenbrock", "saddle", "elliptical", "beale", "himmelblau")
RACE_LR = {
    "adam": 0.05,
    "radam": 0.05,
    "lamb": 0.05,
    "lars": 2.0,
    "adafactor": 0.05,
    "lion": 0.02,
    "sophia": 0.03,
}
RACE_PLAY = 60


def race() -> None:
    """A new optimizer against Adam on a landscape: Step/Play/Reset, click to set the start."""

    @st.fragment
    def arena() -> None:
        state = ps()
        top = st.columns([2, 2, 2], vertical_alignment="bottom")
        with top[0]:
            challenger = st.selectbox(
                "Challenger",
                list(BEYOND_ADAM),
                index=list(BEYOND_ADAM).index("lion"),
                format_func=display_name,
                key=state.key("race:opt"),
                persist_state="session",
            )
        with top[1]:
            land_name = st.selectbox(
                "Landscape",
                list(RACE_LANDSCAPES),
                format_func=lambda n: landscapes.get(n).title,
                key=state.key("race:land"),
                persist_state="session",
            )
        with top[2]:
            view = controls.view_toggle(state, name="race:view")
        low, high, _ = optimizers.info(challenger).ranges["lr"]
        c1, c2 = st.columns(2)
        with c1:
            lr_new = controls.lr_slider(
                state,
                f"race:lr:{challenger}",
                low=low,
                high=high,
                default=RACE_LR[challenger],
                extra=(),
                label=f"{display_name(challenger)} learning rate η (log scale)",
            )
        with c2:
            adam_low, adam_high, _ = optimizers.info("adam").ranges["lr"]
            lr_adam = controls.lr_slider(
                state,
                "race:lr:adam",
                low=adam_low,
                high=adam_high,
                default=RACE_LR["adam"],
                extra=(),
                label="Adam learning rate η (log scale)",
            )
        land = landscapes.get(land_name)
        start = explorer.start_for(state, land_name)
        new_name, adam_name = f"race:{challenger}", f"race:{challenger}:adam"
        first_visit = state.run(new_name) is None
        sync_run(
            state,
            new_name,
            optimizer=challenger,
            hyperparams={"lr": lr_new},
            landscape=land_name,
            start=start,
        )
        sync_run(
            state,
            adam_name,
            optimizer="adam",
            hyperparams={"lr": lr_adam},
            landscape=land_name,
            start=start,
        )
        if first_visit:  # open with a race already run (▶ replays it; Reset clears it)
            for name in (new_name, adam_name):
                state.update_run(name, advance(state.run(name), RACE_PLAY, play=True))
        controls.run_buttons(state, [new_name, adam_name], play_steps=RACE_PLAY, key_prefix="race:")
        runs = [state.run(new_name), state.run(adam_name)]
        traces = [explorer.path_trace(r, label=race_label(r)) for r in runs]
        plays = [r.play_from for r in runs if r.play_from is not None]
        left, right = st.columns([3, 2], gap="medium")
        with left:
            fig = figures.memo_figure(
                figures.landscape_figure,
                explorer.landscape_grid(land_name),
                view=view,
                trajectories=traces,
                start=start,
                minima=land.minima,
                saddles=land.saddles,
                loss_fn=land.loss,
                animate_from=min(plays) if plays else 0,
                click_grid=explorer.CLICK_GRID_N if view == "2d" else 0,
                log_color=land_name in ("rosenbrock", "beale"),
                title=f"{land.title}: click anywhere to start there"
                if view == "2d"
                else f"{land.title} (3-D)",
                height=460 if view == "2d" else 500,
            )
            explorer.landscape_chart(state, "race", land_name, fig, view)
        with right:
            st.dataframe(race_table(runs), hide_index=True)
            explorer.loss_chart(state, "race:loss", traces, title="Loss per step", height=300)
        st.caption(f"**{land.title}.** {land.description}")

    arena()


def race_label(run) -> str:
    return f"{display_name(run.optimizer)} η={controls.format_rate(run.hyperparams['lr'])}"


def race_table(runs) -> pd.DataFrame:
    rows = []
    for run in runs:
        status = explorer.run_status(run)
        rows.append(
            {
                "optimizer": display_name(run.optimizer),
                "step": str(run.steps),
                "loss": fmt(run.loss, 4),
                "θ": f"({fmt(run.params[0], 3)}, {fmt(run.params[1], 3)})",
                "status": status.label,
            }
        )
    return pd.DataFrame(rows)

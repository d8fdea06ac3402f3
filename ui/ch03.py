"""Chapter 3's interactive pieces (the page script keeps the prose and the order).

Every number these helpers show comes from the engine at render time: the worked
tables from ``engine.worked``, the race from ``engine.simulate`` through
:mod:`ui.state`, the effective rates from ``optimizers.effective_lr``.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import streamlit as st

from engine import landscapes, optimizers, worked
from ui import controls, explorer, figures, palette
from ui.numbers import fmt
from ui.state import PageState, Run, buffers_at, sync_run

PAGE = "ch03"
LESSON_LR = 0.1  # the lesson's η for the hand calculation
LESSON_RHO = 0.9  # the lesson's ρ for the hand calculation
LANDSCAPE = "elliptical"
METHODS = ("adagrad", "rmsprop")
ACCUMULATOR = {"adagrad": "accumulator", "rmsprop": "square_avg"}
RHO_OPTIONS = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999)
PLAY_STEPS = 50
AXIS_LABELS = ("θ₁ (steep axis)", "θ₂ (gentle axis)")
DECIMALS = 4  # worked tables: fixed decimals, so 2.0755 is not shown as 2.075
FLAW_STEPS = (100, 10_000)  # "after 100 steps … after 10,000 steps" in the lesson
MEMORY_AGES = (10, 50)  # how much of a gradient this many steps old RMSProp still holds
CONSTANT_G = 1.0
NOISE_SEED = 3
HORIZONS = (500, 2000, 10_000)


def curvature_ratio() -> float:
    """How many times more sharply the race landscape curves along θ₁ than along θ₂."""
    land = landscapes.get(LANDSCAPE)
    h = np.asarray(land.hessian_diag(np.asarray(land.start, dtype=float)), dtype=float)
    return float(h[0] / h[1])


def ps() -> PageState:
    return PageState(PAGE)


def display_name(name: str) -> str:
    return optimizers.info(name).display_name


# --------------------------------------------------------------------------- worked tables


@st.cache_data(show_spinner=False)
def worked_tables(lr: float = LESSON_LR, rho: float = LESSON_RHO) -> dict[str, dict]:
    """The lesson's three hand-calculation tables, run by the engine."""
    return worked.adagrad_rmsprop(lr=lr, rho=rho)


@st.cache_data(show_spinner=False)
def side_by_side(lr: float = LESSON_LR, rho: float = LESSON_RHO) -> dict:
    return worked.adagrad_vs_rmsprop(worked.PARAM_A_GRADS, lr=lr, rho=rho)


def fixed(value: float, decimals: int = DECIMALS) -> str:
    """A table cell with fixed decimals; "—" where there is no value (no gradient yet)."""
    v = float(value)
    if math.isnan(v):
        return "—"
    # Round the decimal the engine meant (2.82895, not its binary neighbour 2.8289499…)
    # half-up, as a hand calculation would.
    exact = Decimal(f"{v:.12g}").quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = f"{exact:f}"
    return text[1:] if text.startswith("-") and exact == 0 else text


def big(value: float, digits: int = 4) -> str:
    """Large values with thousands separators (81,750), small ones as :func:`fmt`."""
    v = float(value)
    if math.isfinite(v) and abs(v) >= 1000:
        return f"{v:,.0f}"
    return fmt(v, digits)


def format_worked(table: dict) -> pd.DataFrame:
    """An engine table as readable strings: whole steps, gradients as given, the rest fixed."""
    out: dict[str, list[str]] = {}
    for name, column in table.items():
        if name == "step":
            out[name] = [str(int(v)) for v in column]
        elif name == "gradient g":
            out[name] = [fmt(float(v)) for v in column]
        else:
            out[name] = [fixed(v) for v in column]
    return pd.DataFrame(out).set_index("step")


def flaw_numbers() -> dict[str, float]:
    """AdaGrad's G and rate, and RMSProp's G, after long runs of parameter A's gradients."""
    table = long_run(tuple(worked.PARAM_A_GRADS), max(FLAW_STEPS))
    out = {}
    for n in FLAW_STEPS:
        out[f"G_ada_{n}"] = float(table["G AdaGrad"][n - 1])
        out[f"rate_ada_{n}"] = float(table["eff. LR AdaGrad"][n - 1])
        out[f"G_rms_{n}"] = float(table["G RMSProp"][n - 1])
        out[f"rate_rms_{n}"] = float(table["eff. LR RMSProp"][n - 1])
    return out


@st.cache_data(show_spinner=False)
def long_run(pattern: tuple[float, ...], steps: int) -> dict:
    """Both methods fed ``pattern`` over and over for ``steps`` steps (η and ρ of the lesson)."""
    grads = np.resize(np.asarray(pattern, dtype=float), steps)
    return worked.adagrad_vs_rmsprop(grads, lr=LESSON_LR, rho=LESSON_RHO)


@st.cache_data(show_spinner=False)
def memory_fraction(rho: float, ages: tuple[int, ...] = MEMORY_AGES) -> dict[int, float]:
    """Share of a squared gradient still inside RMSProp's G after ``age`` more steps.

    Measured, not assumed: feed one gradient of 1, then zeros, and read G.
    """
    steps = max(ages)
    table = worked.adaptive_rate_table("rmsprop", [1.0] + [0.0] * steps, lr=LESSON_LR, rho=rho)
    g = table["G (average of g²)"]
    return {age: float(g[age] / g[0]) for age in ages}


# --------------------------------------------------------------------------- the race


def rate_at(run: Run, step: int) -> np.ndarray:
    """Each axis's effective rate η/(√G+ε) after ``step`` updates (NaN where G = 0)."""
    step = max(0, min(int(step), run.steps))
    buffers = buffers_at(run, step)
    acc = np.asarray(buffers[ACCUMULATOR[run.optimizer]], dtype=np.float64)
    with np.errstate(all="ignore"):
        rate = optimizers.effective_lr(run.make_optimizer(), {"t": step, **buffers})
    return np.where(acc > 0, np.asarray(rate, dtype=np.float64), np.nan)


def accumulator_at(run: Run, step: int) -> np.ndarray:
    step = max(0, min(int(step), run.steps))
    return np.asarray(buffers_at(run, step)[ACCUMULATOR[run.optimizer]], dtype=np.float64)


def rho_slider(state: PageState, name: str, label: str = "ρ for RMSProp (memory)") -> float:
    key = state.key(name)
    if key in st.session_state and st.session_state[key] not in RHO_OPTIONS:
        del st.session_state[key]
    return float(
        st.select_slider(
            label,
            options=list(RHO_OPTIONS),
            value=LESSON_RHO,
            key=key,
            help="How much of the old average survives each step. Larger ρ = longer memory.",
            persist_state=controls.PERSIST,
        )
    )


def scrubber(state: PageState, steps: int) -> int:
    """A slider over the steps computed so far; it jumps to the newest step after a Step/Play."""
    key = state.key("race:scrub")
    if state.get("race:scrub_seen") != steps or key not in st.session_state:
        st.session_state[key] = steps
        state.set("race:scrub_seen", steps)
    if steps == 0:
        st.caption("Press **Step** or **Play** to get steps you can scrub through.")
        return 0
    return int(
        st.slider(
            "Inspect step (moves the markers and the bars)",
            min_value=0,
            max_value=steps,
            step=1,
            key=key,
            persist_state=controls.PERSIST,
        )
    )


def race_trace(run: Run, marker_step: int) -> figures.PathTrace:
    return figures.PathTrace(
        label=display_name(run.optimizer),
        path=run.path,
        losses=run.losses,
        color=palette.optimizer_color(run.optimizer),
        diverged_at=run.diverged_at,
        marker_step=marker_step,
    )


def rate_table(runs: dict[str, Run], step: int) -> pd.DataFrame:
    rows = []
    for name, run in runs.items():
        k = min(step, run.steps)
        acc, rate = accumulator_at(run, k), rate_at(run, k)
        rows.append(
            {
                "method": display_name(name),
                "G θ₁": big(acc[0]),
                "G θ₂": big(acc[1]),
                "rate θ₁": fmt(rate[0]),
                "rate θ₂": fmt(rate[1]),
                "loss": fmt(float(run.losses[k])),
            }
        )
    return pd.DataFrame(rows).set_index("method")


def adaptive_race() -> None:
    """AdaGrad and RMSProp from one start on the elliptical bowl, with a step scrubber."""

    @st.fragment
    def race() -> None:
        state = ps()
        land = landscapes.get(LANDSCAPE)
        c1, c2, c3 = st.columns(3, vertical_alignment="bottom")
        with c1:
            lr_ada = controls.lr_slider(
                state,
                "race:lr:adagrad",
                low=0.001,
                high=1.0,
                default=LESSON_LR,
                extra=(),
                label="η for AdaGrad",
            )
        with c2:
            lr_rms = controls.lr_slider(
                state,
                "race:lr:rmsprop",
                low=0.001,
                high=1.0,
                default=LESSON_LR,
                extra=(),
                label="η for RMSProp",
            )
        with c3:
            rho = rho_slider(state, "race:rho")
        hyper = {"adagrad": {"lr": lr_ada}, "rmsprop": {"lr": lr_rms, "rho": rho}}
        start = explorer.start_for(state, LANDSCAPE)
        for name in METHODS:
            sync_run(
                state,
                f"race:{name}",
                optimizer=name,
                hyperparams=hyper[name],
                landscape=LANDSCAPE,
                start=start,
                record_buffers=True,
            )
        b1, b2 = st.columns([3, 2], vertical_alignment="bottom")
        with b1:
            controls.run_buttons(
                state,
                [f"race:{name}" for name in METHODS],
                play_steps=PLAY_STEPS,
                drop_ball=False,
                key_prefix="race:",
            )
        with b2:
            view = controls.view_toggle(state, name="race:view")
        runs = {name: state.run(f"race:{name}") for name in METHODS}
        steps = max(run.steps for run in runs.values())
        step = scrubber(state, steps)

        left, right = st.columns([3, 2], gap="medium")
        traces = [race_trace(run, step) for run in runs.values()]
        play_from = [run.play_from for run in runs.values() if run.play_from is not None]
        with left:
            st.markdown(
                f"**{land.title}**: click anywhere to start there"
                if view == "2d"
                else f"**{land.title}** (3-D)"
            )
            fig = figures.landscape_figure(
                explorer.landscape_grid(LANDSCAPE),
                view=view,
                trajectories=traces,
                start=start,
                minima=land.minima,
                loss_fn=land.loss,
                animate_from=min(play_from) if play_from else 0,
                click_grid=explorer.CLICK_GRID_N if view == "2d" else 0,
                title=None,  # said above the chart: a long legend must not run into it
                height=470 if view == "2d" else 500,
            )
            explorer.landscape_chart(state, "race", LANDSCAPE, fig, view)
        with right:
            rates = {name: rate_at(run, step) for name, run in runs.items()}
            st.plotly_chart(
                figures.grouped_bar_figure(
                    AXIS_LABELS,
                    [
                        figures.Series(
                            display_name(name), rates[name], palette.optimizer_color(name)
                        )
                        for name in METHODS
                    ],
                    value_title="η / (√G + ε)",
                    empty_text="no gradient yet: press Step",
                    title=f"Effective learning rate per axis at step {step}",
                    log_y=True,
                    height=290,
                ),
                key=state.key("race:bars"),
                config={"displayModeBar": False},
            )
            explorer.loss_chart(
                state, "race:loss", traces, current_step=step, title="Loss per step", height=250
            )
        st.table(rate_table(runs, step))
        st.markdown(race_story(runs, step, rates))

    race()


def race_story(runs: dict[str, Run], step: int, rates: dict[str, np.ndarray]) -> str:
    """What to notice at the inspected step, with its numbers."""
    if step == 0:
        return (
            "At step 0 no gradient has arrived yet, so neither method has a rate to show "
            "(the bars are empty and the table says —). Press **Step** and watch both bars appear."
        )
    ratios = {}
    for name in METHODS:
        r = rates[name]
        if np.all(np.isfinite(r)) and r[0] > 0:
            ratios[display_name(name)] = fmt(r[1] / r[0], 3)
    text = ""
    if ratios:
        detail = ", ".join(f"{k} {v}×" for k, v in ratios.items())
        text = (
            f"**At step {step}**, rate on θ₂ ÷ rate on θ₁: {detail}. Each axis's rate is "
            "scaled to its own gradient history, so the steep axis is held back and the "
            "gentle one is sped up."
        )
    ada, rms = runs["adagrad"], runs["rmsprop"]
    k_ada, k_rms = min(step, ada.steps), min(step, rms.steps)
    text += (
        f" Loss: AdaGrad {fmt(float(ada.losses[k_ada]))}, RMSProp {fmt(float(rms.losses[k_rms]))}."
    )
    r_ada = rates["adagrad"]
    first = rate_at(ada, 1) if ada.steps >= 1 else None
    if first is not None and np.all(np.isfinite(first)) and step > 1:
        text += (
            f" AdaGrad's rate on θ₁ is now {fmt(r_ada[0] / first[0], 3)} of what it was "
            "after step 1: it only ever shrinks."
        )
    for run in (ada, rms):
        if run.diverged:
            text += (
                f" {display_name(run.optimizer)} diverged at step {run.diverged_at}: lower its η."
            )
    return text


# --------------------------------------------------------------------------- long horizon


def gradient_sequence(kind: str, steps: int) -> np.ndarray:
    """The gradient one weight receives: constant, or seeded mini-batch-like noise."""
    if kind == "constant":
        return np.full(steps, CONSTANT_G)
    return np.random.default_rng(NOISE_SEED).normal(0.0, CONSTANT_G, steps)


@st.cache_data(show_spinner=False, max_entries=24)
def rate_history(kind: str, steps: int, lr: float, rho: float) -> dict:
    return worked.adagrad_vs_rmsprop(gradient_sequence(kind, steps), lr=lr, rho=rho)


GRADIENT_KINDS = {
    "constant": f"constant g = {CONSTANT_G:g}",
    "noisy": f"noisy g (mean 0, spread {CONSTANT_G:g})",
}


def rate_over_time() -> None:
    @st.fragment
    def chart() -> None:
        state = ps()
        c1, c2 = st.columns(2, vertical_alignment="bottom")
        with c1:
            kind = controls.choice(
                state,
                "time:kind",
                "Gradient the weight receives",
                list(GRADIENT_KINDS),
                format_func=GRADIENT_KINDS.get,
            )
        with c2:
            steps = controls.choice(
                state,
                "time:steps",
                "Steps",
                list(HORIZONS),
                default=2000,
                format_func=lambda n: f"{n:,}",
            )
        c3, c4 = st.columns(2, vertical_alignment="bottom")
        with c3:
            lr = controls.lr_slider(
                state,
                "time:lr",
                low=0.001,
                high=1.0,
                default=LESSON_LR,
                extra=(),
                label="η (both methods)",
            )
        with c4:
            rho = rho_slider(state, "time:rho")
        table = rate_history(kind, int(steps), lr, rho)
        ada, rms = table["eff. LR AdaGrad"], table["eff. LR RMSProp"]
        st.plotly_chart(
            figures.step_curves_figure(
                table["step"],
                [
                    figures.Series("AdaGrad", ada, palette.optimizer_color("adagrad")),
                    figures.Series(f"RMSProp ρ={rho:g}", rms, palette.optimizer_color("rmsprop")),
                ],
                value_title="effective LR η/(√G+ε)",
                title=f"Effective learning rate over {int(steps):,} steps, same η = "
                f"{controls.format_rate(lr)}",
                height=360,
            ),
            key=state.key("time:chart"),
            config={"displayModeBar": False},
        )
        st.markdown(rate_story(ada, rms))

    chart()


def rate_story(ada: np.ndarray, rms: np.ndarray) -> str:
    """The long run in words, with its numbers."""
    n = len(ada)
    tail = rms[n // 2 :]
    low, high = float(np.nanmin(tail)), float(np.nanmax(tail))
    band = (
        f"it sits at **{fmt(high)}**"
        if high <= low * 1.001
        else f"it ranges from **{fmt(low)}** to **{fmt(high)}**"
    )
    return (
        f"After step 1 both rates are set by the first gradient (AdaGrad {fmt(ada[0])}, "
        f"RMSProp {fmt(rms[0])}). After {n:,} steps AdaGrad's has fallen to "
        f"**{fmt(ada[-1])}**, {fmt(ada[0] / ada[-1], 3)}× smaller than at step 1, and it "
        f"is still falling. RMSProp's does not drift: over the second half of the run {band}."
    )


# --------------------------------------------------------------------------- code panel

FROM_SCRATCH = '''
import numpy as np

from engine.worked import PARAM_A_GRADS, PARAM_B_GRADS


def adagrad_step(theta, grad, G, lr=0.1, eps=1e-8):
    G = G + grad**2  # every squared gradient, kept for ever
    return theta - lr * grad / (np.sqrt(G) + eps), G


def rmsprop_step(theta, grad, G, lr=0.1, rho=0.9, eps=1e-8):
    G = rho * G + (1 - rho) * grad**2  # old squares fade by a factor rho per step
    return theta - lr * grad / (np.sqrt(G) + eps), G


def show(values, spec):
    """Format a pair of numbers; a dash where no gradient has arrived yet (NaN rate)."""
    return "(" + ", ".join("—" if np.isnan(v) else format(v, spec) for v in values) + ")"


grads = np.stack([PARAM_A_GRADS, PARAM_B_GRADS], axis=1)  # one row per step: (A, B)
lr, eps = 0.1, 1e-8
history = {}
for name, step in (("AdaGrad", adagrad_step), ("RMSProp", rmsprop_step)):
    theta, G = np.zeros(2), np.zeros(2)
    history[name] = []
    print(f"{name}: G and effective LR for (A, B)")
    for t, g in enumerate(grads, start=1):
        theta, G = step(theta, g, G, lr=lr, eps=eps)
        rate = np.where(G > 0, lr / (np.sqrt(G) + eps), np.nan)
        history[name].append((G.copy(), rate))
        print(f"  step {t}: G = {show(G, '.6g')}  rate = {show(rate, '.4f')}")
'''


def scratch_matches(namespace: dict) -> bool:
    """Do the snippet's G and rates equal the engine's worked tables (AdaGrad A, B; RMSProp A)?"""
    history = namespace.get("history")
    if not isinstance(history, dict) or set(history) != {"AdaGrad", "RMSProp"}:
        return False
    tables = worked_tables()
    checks = [
        ("AdaGrad", 0, tables["A · AdaGrad"]),
        ("AdaGrad", 1, tables["B · AdaGrad"]),
        ("RMSProp", 0, tables["A · RMSProp"]),
    ]
    for name, col, table in checks:
        g_col = next(c for c in table if c.startswith("G ("))
        got_g = np.array([g[col] for g, _ in history[name]])
        got_rate = np.array([r[col] for _, r in history[name]])
        if not np.allclose(got_g, table[g_col], rtol=1e-9, atol=1e-12):
            return False
        if not np.allclose(got_rate, table[worked.EFFECTIVE_LR], rtol=1e-6, equal_nan=True):
            return False
    return True


def torch_snippet() -> str:
    """PyTorch spelling, with the engine's default hyperparameters filled in."""
    ada = optimizers.info("adagrad").defaults
    rms = optimizers.info("rmsprop").defaults
    return (
        "import torch\n\n"
        "model = torch.nn.Linear(10, 1)\n\n"
        f"adagrad = torch.optim.Adagrad(model.parameters(), lr={ada['lr']:g}, eps={ada['eps']:g})\n"
        "# torch calls RMSProp's decay rate rho 'alpha'; pass it explicitly\n"
        f"rmsprop = torch.optim.RMSprop(model.parameters(), lr={rms['lr']:g}, "
        f"alpha={rms['rho']:g}, eps={rms['eps']:g})\n\n"
        "# one training step looks the same for both\n"
        "loss = model(torch.randn(32, 10)).pow(2).mean()\n"
        "rmsprop.zero_grad()\n"
        "loss.backward()\n"
        "rmsprop.step()\n"
    )

"""Chapter 3's pure logic: the lesson's constants, the worked tables formatted as by
hand, each axis's effective rate during the race, and the long runs in words. No
Streamlit, no Plotly.

Every number comes from the engine at render time: the worked tables from
``engine.worked``, the race from ``engine.simulate`` (through :mod:`kit.state`), the
effective rates from ``optimizers.effective_lr``.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from engine import landscapes, optimizers, worked
from kit import palette
from kit.format import fmt, optimizer_name, thousands
from kit.plots.series import PathTrace
from kit.state import Run, buffers_at

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


# --------------------------------------------------------------------------- worked tables


def worked_tables(lr: float = LESSON_LR, rho: float = LESSON_RHO) -> dict[str, dict]:
    """The lesson's three hand-calculation tables, run by the engine."""
    return worked.adagrad_rmsprop(lr=lr, rho=rho)


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


def flaw_numbers(table: dict) -> dict[str, float]:
    """AdaGrad's G and rate, and RMSProp's G, after long runs of parameter A's gradients
    (``table``: :func:`long_run` of them for ``max(FLAW_STEPS)`` steps)."""
    out = {}
    for n in FLAW_STEPS:
        out[f"G_ada_{n}"] = float(table["G AdaGrad"][n - 1])
        out[f"rate_ada_{n}"] = float(table["eff. LR AdaGrad"][n - 1])
        out[f"G_rms_{n}"] = float(table["G RMSProp"][n - 1])
        out[f"rate_rms_{n}"] = float(table["eff. LR RMSProp"][n - 1])
    return out


def long_run(pattern: tuple[float, ...], steps: int) -> dict:
    """Both methods fed ``pattern`` over and over for ``steps`` steps (η and ρ of the lesson)."""
    grads = np.resize(np.asarray(pattern, dtype=float), steps)
    return worked.adagrad_vs_rmsprop(grads, lr=LESSON_LR, rho=LESSON_RHO)


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


def race_trace(run: Run, marker_step: int) -> PathTrace:
    return PathTrace(
        label=optimizer_name(run.optimizer),
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
                "method": optimizer_name(name),
                "G θ₁": thousands(acc[0]),
                "G θ₂": thousands(acc[1]),
                "rate θ₁": fmt(rate[0]),
                "rate θ₂": fmt(rate[1]),
                "loss": fmt(float(run.losses[k])),
            }
        )
    return pd.DataFrame(rows).set_index("method")


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
            ratios[optimizer_name(name)] = fmt(r[1] / r[0], 3)
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
                f" {optimizer_name(run.optimizer)} diverged at step {run.diverged_at}: lower its η."
            )
    return text


# --------------------------------------------------------------------------- long horizon


def gradient_sequence(kind: str, steps: int) -> np.ndarray:
    """The gradient one weight receives: constant, or seeded mini-batch-like noise."""
    if kind == "constant":
        return np.full(steps, CONSTANT_G)
    return np.random.default_rng(NOISE_SEED).normal(0.0, CONSTANT_G, steps)


def rate_history(kind: str, steps: int, lr: float, rho: float) -> dict:
    return worked.adagrad_vs_rmsprop(gradient_sequence(kind, steps), lr=lr, rho=rho)


GRADIENT_KINDS = {
    "constant": f"constant g = {CONSTANT_G:g}",
    "noisy": f"noisy g (mean 0, spread {CONSTANT_G:g})",
}


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


def scratch_matches(namespace: dict, tables: dict[str, dict]) -> bool:
    """Do the snippet's G and rates equal the engine's worked ``tables`` (AdaGrad A, B;
    RMSProp A)?"""
    history = namespace.get("history")
    if not isinstance(history, dict) or set(history) != {"AdaGrad", "RMSProp"}:
        return False
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

"""Chapter 4's pure logic: the lesson's gradients and settings, the presets, Adam's
buffers step by step (with and without bias correction) and LaTeX number formatting.
No Streamlit, no Plotly. Every number comes from the engine's ``adam``."""

from __future__ import annotations

import numpy as np

from engine import landscapes, optimizers, simulate, worked
from kit import palette
from kit.format import latex_number
from kit.plots.series import PathTrace
from kit.state import Run

PAGE = "ch04"
# The lesson's hand calculation: Adam on the gradients 4, −1, 3 from θ = 0.
LESSON_GRADS = (4.0, -1.0, 3.0)
LESSON_SETTINGS = {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "theta0": 0.0}
SEQUENCE_LENGTH = 40  # steps of the generated presets
PRESETS: dict[str, str] = {
    "lesson": "Lesson: " + ", ".join(f"{g:g}".replace("-", "−") for g in LESSON_GRADS),
    "noisy": "Noisy",
    "flip": "Sign-flipping",
    "sparse": "Sparse",
}
PRESET_STORY: dict[str, str] = {
    "lesson": "The three gradients worked by hand below: a big push, a small pull back, "
    "another push.",
    "noisy": "Gradients scattered widely around a small positive mean, like mini-batch "
    "gradients. Watch m smooth the noise while v measures its size.",
    "flip": "A gradient that swings between large positive and negative values, with a "
    "small positive average: a weight bouncing across a ravine.",
    "sparse": "Mostly zero, with a rare large gradient: a weight that only a few examples "
    "touch, like the embedding of a rare word.",
}
BETA1_OPTIONS = (0.0, 0.5, 0.8, 0.9, 0.95, 0.99)
BETA2_OPTIONS = (0.9, 0.99, 0.995, 0.999, 0.9999)
DRAG_STEPS = 50  # steps per β₁ in the in-figure β₁ slider (as one Play of the comparison)
BIAS_STEPS = (1, 2, 5, 10, 20, 50, 100, 500, 1000, 5000)  # rows of the bias-factor table
FIRST_STEPS = 10  # steps compared in the bias-correction bar chart
COMPARE_LANDSCAPES = ("rosenbrock", "beale", "bowl", "elliptical")
LOG_COLOURED = ("rosenbrock", "beale")  # steep landscapes read better on a log colour scale
ADAM_COLOR = palette.optimizer_color("adam")
NAIVE_COLOR = "#e4572e"  # Adam without bias correction: a variant, not a course optimizer
DEFAULTS = optimizers.info("adam").defaults


# --------------------------------------------------------------------------- engine calls


def preset_gradients(name: str, seed: int = 0) -> np.ndarray:
    """The gradient sequence of a preset (seeded, so a preset always shows the same run)."""
    if name == "lesson":
        return np.array(LESSON_GRADS)
    rng = np.random.default_rng(seed)
    n = SEQUENCE_LENGTH
    if name == "noisy":
        return np.round(0.5 + 2.0 * rng.standard_normal(n), 2)
    if name == "flip":
        signs = np.where(np.arange(n) % 2 == 0, 1.0, -1.0)
        return np.round(0.5 + 3.0 * signs + 0.3 * rng.standard_normal(n), 2)
    if name == "sparse":
        grads = np.zeros(n)
        hits = rng.random(n) < 0.12
        hits[2] = True  # make sure the first spike comes early
        grads[hits] = np.round(4.0 + rng.random(int(hits.sum())), 2)
        return grads
    raise ValueError(f"unknown preset {name!r}")


def adam_internals(
    grads: tuple[float, ...], lr: float, beta1: float, beta2: float
) -> dict[str, np.ndarray]:
    """Adam's buffers per step for a gradient sequence (engine ``worked.adam_three_steps``),
    plus the step that Adam *without* bias correction would take from the same history."""
    table = worked.adam_three_steps(
        grads=grads, lr=lr, beta1=beta1, beta2=beta2, eps=DEFAULTS["eps"]
    )
    naive = optimizers.make("adam", lr=lr, beta1=beta1, beta2=beta2, bias_correction=False)
    params = np.zeros(1)
    state = naive.init(params)
    naive_updates = []
    for g in grads:
        params, state, info = naive.step_with_info(
            params, lambda _p, g=g: np.array([float(g)]), state
        )
        naive_updates.append(float(info["update"][0]))
    return {**table, "naive Δθ": np.array(naive_updates)}


def unit_gradient(_params: np.ndarray) -> np.ndarray:
    return np.ones(1)


def constant_gradient_bias(beta1: float, beta2: float, steps: int = max(BIAS_STEPS)) -> dict:
    """Feed Adam a gradient of exactly 1 at every step, with and without bias correction.

    The true average of the gradient (and of its square) is 1, so whatever m and v
    show instead is the pull of their zero start. Returns per-step arrays from the
    engine: ``m``, ``v`` (uncorrected), ``m_hat``, ``v_hat``, and both step sizes.
    """
    out = {}
    for corrected in (True, False):
        opt = optimizers.make(
            "adam", lr=1.0, beta1=beta1, beta2=beta2, eps=0.0, bias_correction=corrected
        )
        params = np.zeros(1)
        state = opt.init(params)
        m, v, m_hat, v_hat, size = [], [], [], [], []
        for _ in range(steps):
            params, state, info = opt.step_with_info(params, unit_gradient, state)
            m.append(float(state["m"][0]))
            v.append(float(state["v"][0]))
            m_hat.append(float(info["m_hat"][0]))
            v_hat.append(float(info["v_hat"][0]))
            size.append(abs(float(info["update"][0])))
        key = "corrected" if corrected else "naive"
        out[key] = {
            "m": np.array(m),
            "v": np.array(v),
            "m_hat": np.array(m_hat),
            "v_hat": np.array(v_hat),
            "size": np.array(size),
        }
    return out


def first_step_sizes(
    landscape: str, start: tuple[float, float], lr: float, steps: int = FIRST_STEPS
) -> dict[str, np.ndarray]:
    """Length of each of the first ``steps`` moves, with and without bias correction."""
    land = landscapes.get(landscape)
    sizes = {}
    for label, corrected in (("corrected", True), ("naive", False)):
        traj = simulate.run(
            optimizers.make("adam", lr=lr, bias_correction=corrected), land, start, steps
        )
        moves = np.diff(traj.params, axis=0)
        sizes[label] = np.linalg.norm(moves, axis=-1)
    return sizes


# --------------------------------------------------------------------------- formatting


def tex(value: float, digits: int = 4) -> str:
    """A number for LaTeX: ``fmt`` digits, powers of ten written out (the course-wide
    :func:`kit.format.latex_number`)."""
    return latex_number(value, digits)


def tex_factor(value: float, digits: int = 4) -> str:
    """A number that multiplies something: negative ones in brackets."""
    text = tex(value, digits)
    return f"({text})" if value < 0 else text


def beta_label(value: float) -> str:
    return f"{value:g}"


# --------------------------------------------------------------------------- landscape comparison

RUNS = ("bc:on", "bc:off")


def comparison_traces(on: Run, off: Run) -> list[PathTrace]:
    return [
        PathTrace("Adam (corrected)", on.path, on.losses, ADAM_COLOR, on.diverged_at),
        PathTrace("without correction", off.path, off.losses, NAIVE_COLOR, off.diverged_at),
    ]

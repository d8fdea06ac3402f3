"""Chapter 8 · The Optimizer Arena.

Reads top to bottom like the lesson: how a race is judged, the arena itself (race,
leaderboard, share link, export), the learning-rate sweep, what to notice, the first
step of every racer worked out, the caveat, code, quiz.
"""

import numpy as np
import pandas as pd
import streamlit as st

from chapters.ch08_arena import lab_logic, lab_sections, logic, quiz, sections
from core.nav import chapter_header, prev_next_links
from engine import landscapes, optimizers
from kit.code_panel import code_panel

chapter_header(8)
# A link that could not be used as it is says so here, where the page opens.
sections.link_notice(sections.STATE)

st.markdown(
    """
Every chapter so far put one optimizer, maybe two, on a landscape. Here they all go
on the same one, from the same start, and race. Nothing is faked: each racer runs
the engine's implementation of its update rule, the same code behind every earlier
chart, one update per step.

A race is only as honest as its rules, though. Give SGD a learning rate that suits
Adam and SGD loses, and the other way round. So the arena comes with a **fair race**
switch that hands every racer its own best rate, and with a **sweep** that measures
how wide the band of good rates is for each one. That is how "Adam is forgiving"
stops being a slogan and becomes a number.
"""
)

st.header("How a race is judged")
st.markdown(
    "A racer finishes at the first step whose loss is at or below the finish line ε (you set it):"
)
st.latex(r"T(\varepsilon) \;=\; \min\,\{\, t \;:\; L(\theta_t) \le \varepsilon \,\}")
st.markdown(
    """
Racers that never get there are ranked by their loss now, and a racer that blows up is
stopped at the step it diverged. For the fair race each optimizer is first run at many
learning rates on a log grid; its best rate η\\* is the one that finishes soonest (or,
if none finishes, ends lowest):
"""
)
st.latex(r"\eta^{*} \;=\; \arg\min_{\eta \,\in\, \text{grid}} \; T_\eta(\varepsilon)")
st.markdown(
    """
Real gradients come from mini-batches, so they are noisy. The arena can add that noise:
each example's gradient is off by a Gaussian of size σ, and averaging a batch of B
examples shrinks it by √B. The noise is seeded, so a race can be replayed exactly.
"""
)
st.latex(
    r"\tilde g_t \;=\; \nabla L(\theta_t) \;+\; \frac{\sigma}{\sqrt{B}}\,\xi_t,"
    r"\qquad \xi_t \sim \mathcal N(0, I)"
)

st.subheader("The rules of a fair race")
st.markdown("Every comparison on this page, the race and the checks below it, keeps four rules:")
lab_sections.fairness_rules()


@st.fragment
def arena_fragment() -> None:
    ps = sections.STATE
    st.header("The arena")
    st.markdown(
        """
Pick a landscape and tick the racers. **Play** computes a stretch of steps and the ▶
button on the map replays it smoothly; **Step** moves everyone one update. Click the
map to start from somewhere else (that restarts the race). A new learning rate carries
on from where each racer is, with its buffers intact. Every set-up is in the page's
address, so you can share it.
"""
    )
    setup, settings = sections.setup_controls(ps)
    lab_sections.schedule_controls(ps, setup.optimizers)
    entries = sections.race_view(ps, setup, settings)

    st.header("Learning-rate sensitivity")
    st.markdown(
        f"""
How much does a racer care about its learning rate? Below, each one is run from the
arena's start at {logic.SWEEP_POINTS} rates spread evenly on a log scale over the range
the engine allows it, {logic.SWEEP_STEPS} steps each, and its final loss is plotted
against the rate. A racer is *forgiving* when the curve has a wide flat floor: many
rates do about as well as the best one. The width of that floor, the ratio of its
largest to its smallest rate, is the number to compare.
"""
    )
    st.latex(
        r"\text{good rates: } L_{N}(\eta) \le "
        rf"\max\!\big({logic.BAND_FACTOR:g}\,L_{{N}}(\eta^{{*}}),\ \varepsilon\big)"
    )
    st.latex(r"\text{width} = \eta_{\max} / \eta_{\min}")
    st.markdown(
        f"$L_N$ is the final loss after $N = {logic.SWEEP_STEPS}$ steps. The forgiving range "
        r"is the unbroken stretch of good rates around the best one, $\eta^*$."
    )
    sections.sensitivity_view(ps, setup, settings)

    st.header("Sensitivity maps: two knobs at once")
    st.markdown(
        """
The sweep varies the learning rate alone. Most optimizers have a second knob that
matters as much: momentum's β, Adam's β₁, RMSProp's ρ. Each map below runs one racer at
every combination of the two, from the arena's start, and colours each cell by how many
steps it took to reach the finish line. A wide dark region means a forgiving optimizer;
a thin one means you must tune both knobs together.
"""
    )
    lab_sections.sensitivity_maps_view(ps, setup, settings["threshold"])

    st.header("Seed fans: is the winner just lucky?")
    st.markdown(
        f"""
With noisy gradients one race is one roll of the dice. Here every racer runs from
{lab_logic.FAN_SEEDS} seeds, the same seeds for everyone, and the leaderboard ranks them by
the median. When two racers' 10–90 % bands overlap the page says so: the seeds cannot
tell them apart.
"""
    )
    lab_sections.seed_fans_view(ps, setup, entries, settings["threshold"])

    st.header("Basins of attraction")
    st.markdown(
        """
On a landscape with several minima, *which* minimum a run reaches depends on where it
starts and on how the optimizer moves. Each map colours a grid of starts by the minimum
that racer ends in. Momentum can carry a run over a ridge into a neighbouring basin,
so its map may look quite different from plain SGD's. Click a map (or type a start) to
race everyone from there.
"""
    )
    lab_sections.basins_view(ps, setup, settings["threshold"])

    st.header("What to notice")
    st.markdown(logic.LANDSCAPE_NOTES.get(setup.landscape, logic.FORMULA_NOTE))
    lines = sections.notice_lines(setup, entries, settings["threshold"])
    if lines:
        st.markdown("\n".join(f"- {line}" for line in lines))

    st.header("One gradient, many different steps")
    st.markdown(
        r"""
Why do the racers split up at once? They all feel the same gradient at the start, but
turn it into different steps. The table is every racer's first update from the
arena's start, worked out by the engine, with the step measured in learning rates
(Δθ/η). Plain SGD steps by −g, so its real step grows with the gradient and a steep
wall throws it. Adam's first step is m̂/√v̂ = g/|g| per coordinate, about −1 in each
direction whatever the gradient's size: the learning rate *is* the step length. That
is the reason behind its wide forgiving range.
"""
    )
    st.latex(r"\text{SGD: } \Delta\theta = -\eta\, g")
    st.latex(
        r"\text{Adam, step 1: } \Delta\theta = -\eta\,\frac{\hat m_1}{\sqrt{\hat v_1}+\epsilon}"
        r" \approx -\eta\,\operatorname{sign}(g)"
    )
    if entries:
        table = logic.first_step_table(
            [e.optimizer for e in entries],
            {e.optimizer: e.lr for e in entries},
            setup.landscape,
            setup.noise_spec,
            setup.start_point(),
        )
        st.dataframe(
            table,
            hide_index=True,
            height="content",  # one row per racer, all in view
            column_config={
                column: st.column_config.NumberColumn(format="%.4g")
                for column in table.columns
                if column != "optimizer"
            },
            key=ps.key("first-step"),
        )
        st.caption(
            "Computed just now with each optimizer's `step_with_info`, at the rate it races "
            "with, from the start shown on the map."
        )
        rms = table[table["optimizer"] == "RMSProp"]
        rho = optimizers.info("rmsprop").defaults["rho"]
        first = rms.iloc[0]["Δθ₁/η (x)"] if not rms.empty else None
        size = (
            abs(float(first)) if first is not None and pd.notna(first) else float("nan")
        )  # <NA>: a gap
        if np.isclose(size, 1 / np.sqrt(1 - rho), rtol=1e-3):  # a clear, non-zero gradient
            st.markdown(
                f"RMSProp's first step is {size:.4g} learning rates per coordinate, not 1: its "
                f"average of g² starts at zero and is not bias-corrected, so after one step "
                f"it holds only (1 − ρ)·g², and the step is η/√(1 − ρ) = "
                f"η/√{1 - rho:.2g} = {1 / np.sqrt(1 - rho):.4g}·η. Adam's bias correction "
                "exists to remove exactly this cold-start jump."
            )


arena_fragment()

st.header("Don't over-interpret the arena")
st.markdown(
    """
The arena is two-dimensional, and unless you add noise its gradients are exact. Real
training moves millions or billions of weights at once, on mini-batch gradients, on a
landscape nobody can draw. What does carry over is the *behaviour*: zig-zagging across
a ravine, stalling near a saddle, per-coordinate scaling taming uneven curvature,
momentum building speed along a gentle slope. What does not carry over is the
scoreboard. Which optimizer wins a real problem depends on the model, its size, the
data, the noise and how much tuning each candidate got; a 2-D race cannot settle it.
Use the arena to build intuition, then measure on the problem you have.
"""
)

FROM_SCRATCH = '''
import numpy as np


def ravine_loss(p):  # L(x, y) = 20 x² + y²/4: steep across, flat along
    return 20 * p[0] ** 2 + 0.25 * p[1] ** 2


def ravine_grad(p):
    return np.array([40 * p[0], 0.5 * p[1]])


def sgd(p, g, state, lr, t):
    return p - lr * g


def momentum(p, g, state, lr, t, beta=0.9):
    state["v"] = beta * state.get("v", 0.0) + g
    return p - lr * state["v"]


def adam(p, g, state, lr, t, b1=0.9, b2=0.999, eps=1e-8):
    state["m"] = b1 * state.get("m", 0.0) + (1 - b1) * g
    state["v"] = b2 * state.get("v", 0.0) + (1 - b2) * g * g
    m_hat = state["m"] / (1 - b1**t)
    v_hat = state["v"] / (1 - b2**t)
    return p - lr * m_hat / (np.sqrt(v_hat) + eps)


def race(update, lr, start=(1.0, -3.5), steps=200, finish=1e-3):
    """Step until the loss is at or below `finish`; return that step (None: never)."""
    p, state = np.array(start), {}
    with np.errstate(all="ignore"):  # a diverging run overflows quietly
        for t in range(1, steps + 1):
            p = update(p, ravine_grad(p), state, lr, t)
            if ravine_loss(p) <= finish:
                return t
    return None


for lr in (0.01, 0.1):
    results = {f.__name__: race(f, lr) for f in (sgd, momentum, adam)}
    shown = [f"{name} {step if step else '-'}" for name, step in results.items()]
    print(f"lr={lr}: finishing step " + ", ".join(shown))
'''

WITH_ENGINE = """
import numpy as np

from engine import landscapes, simulate

ravine = landscapes.get("ravine")
rates = simulate.log_grid(1e-4, 1.0, 48)
for name in ("sgd", "adam"):
    sweep = simulate.sweep(name, ravine, ravine.start, steps=200, lrs=rates)
    final = sweep.losses[-1]
    alive = sweep.diverged_at < 0
    best = int(np.argmin(np.where(alive, final, np.inf)))
    good = alive & (final <= max(2 * final[best], 1e-3))
    lo, hi = rates[good].min(), rates[good].max()
    print(f"{name}: best lr {rates[best]:.3g}, good from {lo:.3g} to {hi:.3g} ({hi / lo:.3g}x)")
"""

st.header("From scratch")
namespace = code_panel(
    FROM_SCRATCH,
    title="A three-optimizer race in plain numpy",
    caption="SGD, momentum and Adam written out by hand, raced on the ravine from "
    f"{tuple(landscapes.get('ravine').start)} to loss {1e-3:g}. The output is what this code "
    "printed when the page loaded.",
)
if callable(namespace.get("race")):
    if sections.from_scratch_agrees(FROM_SCRATCH):
        st.caption("✓ The same finishing steps as the course engine (checked at render time).")
    else:
        st.caption("✗ These finishing steps differ from the course engine's.")
code_panel(
    WITH_ENGINE,
    title="The sweep behind the sensitivity chart, in the engine",
    caption="One batched call per optimizer: all 48 learning rates advance together.",
    expanded=False,
)

st.page_link(
    "chapters/ch10_network/page.py",
    label="See all thirteen race on a real network, at fair rates (chapter 10)",
    icon=":material/hub:",
    query_params={"setup": "arena"},
)
quiz.render()
prev_next_links(8)

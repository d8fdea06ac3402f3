"""Chapter 7 · Learning-rate schedules.

Reads top to bottom like the lesson: why one rate is not enough, warmup, the decay
shapes, the visualiser, the cosine worked by hand (by the engine), a schedule in
action on a landscape, the scheduler.step() pitfall, code, quiz.
"""

import numpy as np
import pandas as pd
import streamlit as st

from chapters.ch07_schedules import logic, quiz, sections
from core.nav import chapter_header, prev_next_links
from engine import schedules
from kit.code_panel import code_panel
from kit.format import fmt

chapter_header(7)

st.markdown(
    """
Early in training the weights are nowhere near a good solution, and big strides make
fast progress. Late in training the weights sit near the bottom of a valley, and the
same big strides only bounce them from wall to wall. No single learning rate is right
for both moments, so modern training changes it as it goes. The rule that sets η for
each step is the **learning-rate schedule**.

A schedule is not the same thing as Adam's per-weight scaling. Think of a mixing desk:
Adam's second moment is the **equaliser**, turning each weight's channel up or down
relative to the others; the schedule is the **master volume**, one number that
multiplies every step at once. Adam does not remove the need for it: its steps are
roughly η in size whatever the gradient, so near a minimum only a smaller η makes
them smaller.
"""
)
st.latex(r"\theta_{t+1} = \theta_t - \eta_t \cdot \text{(the optimizer's direction)}_t")

# --------------------------------------------------------------------------- warmup
st.header("Warmup: start gently")
st.markdown(
    """
Almost every modern run begins with a **warmup**: the rate starts at (or near) zero and
climbs in a straight line to its peak over the first W steps.
"""
)
st.latex(r"\eta_t = \eta_{\max}\,\frac{t}{W} \qquad \text{for } t < W")

big, small = 50.0, 0.02
first_update = logic.adam_first_step((big, small), lr=logic.WORKED_PEAK)
beta2 = 0.999
radam = logic.radam_warmup_steps(beta2)
st.markdown(
    f"""
Why start slowly? Two reasons, and both are worst at the very beginning.

- **The first gradients are large and misleading.** The weights are random, so the
  loss is high and its slope is steep, and that slope says little about where good
  solutions lie. A full-size step along it can throw the model into a region it
  never recovers from.
- **Adam's statistics are built from almost nothing.** After one step, v̂ is just the
  square of one gradient, so m̂/√v̂ is ±1 in every coordinate: the very first update
  is a full-size step of η wherever the gradient points, however big or small it
  was. The engine shows it: with gradients {big:g} and {small:g}, Adam's first update
  moves both weights by {fmt(first_update[0], 3)} and {fmt(first_update[1], 3)}
  (η = {logic.WORKED_PEAK:g}). The estimate of v only becomes trustworthy after many
  steps. RAdam (chapter 6) measures this: with β₂ = {beta2:g} its variance rectification
  switches on only at step {radam["first"]}, reaches half strength at step
  {radam[0.5]:,} and 90 % at step {radam[0.9]:,}. It is, in effect, an automatic warmup.

Warmup buys time: tiny steps while the gradients are chaotic and the statistics are
young, full speed once both have settled. It usually lasts a few percent of the run.
"""
)


# Published warmup lengths (inputs); the share is computed below.
RECIPES = (("BERT", 10_000, 1_000_000, "steps"), ("GPT-3", 375e6, 300e9, "tokens"))
st.dataframe(
    pd.DataFrame(
        {
            "model": [name for name, *_ in RECIPES],
            "warmup": [f"{logic.short_count(warm)} {unit}" for _, warm, _, unit in RECIPES],
            "whole run": [f"{logic.short_count(total)} {unit}" for _, _, total, unit in RECIPES],
            "warmup share": [f"{warm / total:.2%}" for _, warm, total, _ in RECIPES],
        }
    ),
    hide_index=True,
)
st.caption(
    "Two published recipes (the share is computed from the published lengths). GPT-3 "
    "counts its warmup in tokens, not steps."
)

# --------------------------------------------------------------------------- shapes
st.header("After warmup: how to come down")
st.markdown(
    """
Once at the peak, the rate has to come down again so the run can settle. There are
a handful of popular shapes. Every formula below is the one the course's engine
evaluates (W is the warmup length, T the total number of steps, and the warmup branch
is the same straight line for all of them).
"""
)
sections.shape_tabs()

# --------------------------------------------------------------------------- visualiser
st.header("Schedule visualiser")
st.markdown(
    """
Pick several schedules and compare them on one chart. The default view divides
every curve by its peak, so the shapes line up; switch it off to see the actual
rates. Stretch the warmup or raise the floor η_min and watch the shapes respond; a
floor above the peak is refused with a message, since a schedule decays from its peak
down to its floor.
"""
)
sections.visualiser()

# --------------------------------------------------------------------------- worked
st.header("By hand: warmup plus cosine")
st.markdown(
    f"""
Take the lesson's setting: T = {logic.WORKED_TOTAL:,} steps, the first
W = {logic.WORKED_WARMUP} of them warmup, peak η_max = {logic.WORKED_PEAK:g} and floor 0.
During warmup the rate is η_max·t/W. After it, measure how far through the decay phase
you are, p = (t − W)/(T − W), and take the cosine of πp:
"""
)
st.latex(
    # Two lines, so that the formula fits a phone's width.
    r"\begin{gathered}\eta_t = \eta_{\min} + \tfrac12(\eta_{\max} - \eta_{\min})"
    r"\bigl(1 + \cos \pi p\bigr),\\ p = \frac{t - W}{T - W}\end{gathered}"
)
sections.cosine_worked()

quarter_cos = logic.decay_done("cosine", 0.25)
half_cos = logic.decay_done("cosine", 0.5)
quarter_lin = logic.decay_done("linear", 0.25)
st.markdown(
    f"""
**Where does the decay happen?** A quarter of the way through the decay phase, cosine
has given up only {quarter_cos:.1%} of the gap between peak and floor (linear decay
has given up {quarter_lin:.0%}). Exactly half of the decay is done at the midpoint
({half_cos:.0%}), and the last quarter is as gentle as the first. So cosine is not
front-loaded, whatever you may read: it lingers near the peak, falls fastest in the
middle and eases into the floor. That long stretch of high rate early on is where
most of the progress is made, and the gentle landing is the fine-tuning.
"""
)

# --------------------------------------------------------------------------- in action
st.header("Schedule in action")
st.markdown(
    """
The same optimizer, started from the same point, runs twice: once at a **constant**
rate η and once on the **schedule** you choose, peaking at that same η. Step through
it, or press Play and use ▶ on the chart. Click the contour map to start both runs
somewhere else. Changing η or the schedule carries on from where the runs are;
changing the optimizer, the landscape or the start begins again.

The two presets show the two jobs a schedule does. On Rosenbrock, momentum at the
chosen η is thrown off by the steep walls at the start; warmup keeps the first steps
small until it is in the valley. On the noisy ravine, every gradient is perturbed, so
a constant rate jitters forever; decay shrinks the jitter as it goes.
"""
)
sections.schedule_in_action()

# --------------------------------------------------------------------------- pitfall
st.header("The scheduler.step() pitfall")
st.markdown(
    """
In PyTorch the optimizer and the scheduler are two separate objects. `opt.step()`
updates the weights; `scheduler.step()` only advances the schedule's counter and
writes the next rate into the optimizer. Forget it and the rate never changes. Call
it in the wrong place and the schedule runs at the wrong speed, with no error message,
just a strange training curve. Pick a mistake and see the rate the optimizer really got:
"""
)
sections.pitfall()

st.subheader("Beyond schedules: schedule-free training")
st.markdown(
    """
Every schedule above needs the run's length, or at least the point where decay
starts, decided in advance. Schedule-free optimizers (Defazio and colleagues, 2024)
drop the schedule: they keep an extra averaged copy of the weights and evaluate the
model there, which does the smoothing a decaying rate would do. Training can then
stop whenever you like.
"""
)

# --------------------------------------------------------------------------- code
st.header("From scratch")
namespace = code_panel(
    logic.FROM_SCRATCH,
    title="Warmup + cosine in a few lines of numpy",
    caption="The whole schedule, vectorised. The output below is what this code printed "
    "when the page loaded.",
)
scratch = namespace.get("warmup_cosine")
if scratch is not None:
    probe = np.arange(0, logic.WORKED_TOTAL + 1, 5)
    engine_sched = schedules.make(
        "cosine", logic.WORKED_PEAK, logic.WORKED_TOTAL, warmup_steps=logic.WORKED_WARMUP
    )
    gap = float(
        np.max(
            np.abs(
                scratch(probe, logic.WORKED_TOTAL, logic.WORKED_WARMUP, logic.WORKED_PEAK)
                - engine_sched(probe)
            )
        )
    )
    if gap < 1e-12:
        st.caption(
            f"✓ Same rates as the engine's schedule at all {probe.size} steps checked "
            "(compared when the page loaded)."
        )
    else:
        st.warning(f"The snippet and the engine differ by up to {fmt(gap, 3)}.")

st.subheader("The PyTorch spelling")
st.markdown(
    "The same schedules with `torch.optim.lr_scheduler`, and the loop order that keeps them honest:"
)
sections.torch_panel()

st.page_link(
    "chapters/ch10_network/page.py",
    label="See warmup and cosine decay train a real network (chapter 10)",
    icon=":material/hub:",
    query_params={"setup": "schedules"},
)
quiz.render()
prev_next_links(7)

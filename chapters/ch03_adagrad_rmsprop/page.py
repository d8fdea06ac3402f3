"""Chapter 3 · AdaGrad & RMSProp.

Reads top to bottom like the lesson: why one learning rate cannot suit every weight,
AdaGrad's running sum (worked by the engine), why that sum is fatal, RMSProp's moving
average, the race on the elliptical bowl, the rates over a long run, code, quiz.
"""

import streamlit as st

from chapters.ch03_adagrad_rmsprop import logic, quiz, sections
from core.nav import chapter_header, prev_next_links
from engine import optimizers, worked
from kit.code_panel import code_panel
from kit.format import fmt, thousands

chapter_header(3)

ADA = optimizers.info("adagrad")
RMS = optimizers.info("rmsprop")
tables = sections.worked_tables()
ada_a, ada_b, rms_a = tables["A · AdaGrad"], tables["B · AdaGrad"], tables["A · RMSProp"]
RATE = worked.EFFECTIVE_LR

st.header("One learning rate, many kinds of weights")
st.markdown(
    """
Think of a language model's embedding table: one row of numbers per word in the
vocabulary. A word like *the* shows up in nearly every batch, so its row receives a
gradient at almost every step. A word like *serendipitous* turns up once in a
thousand batches; its row sits untouched for long stretches and then gets a single
nudge.

A single global learning rate has to serve both rows. Set it low enough that the
busy row does not overshoot, and the rare row barely moves in the few chances it
gets. Set it high enough for the rare row, and the busy row bounces around. The
same tension appears in every network: some weights sit on busy paths and see large,
frequent gradients, others sit in quiet corners.

The idea of this chapter: **let each weight keep its own learning rate**, and set it
from that weight's own gradient history. A weight that has already received a lot of
gradient gets smaller steps; a weight that has seen little keeps larger ones.
"""
)

st.header("AdaGrad: add up every squared gradient")
st.markdown(
    f"""
AdaGrad ({ADA.paper}, {ADA.year}) keeps one extra number per weight, an
**accumulator** G. At every step it adds the square of the new gradient g, and then
divides the step by the square root of what it has collected:
"""
)
st.latex(r"G_t = G_{t-1} + g_t^2")
st.latex(r"\theta_t = \theta_{t-1} - \frac{\eta}{\sqrt{G_t} + \epsilon}\, g_t")
st.markdown(
    """
η is the base learning rate and ε a tiny constant that prevents a division by zero.
The factor in front of g is the weight's **effective learning rate**:
"""
)
st.latex(r"\eta_{\text{eff}} = \frac{\eta}{\sqrt{G_t} + \epsilon}")
st.markdown(
    """
Large or frequent gradients make G big and the effective rate small; small or rare
gradients leave G small and the rate large. Each coordinate has its own G, so each
gets its own rate. (The lesson writes √(G + ε); the course engine, like PyTorch, adds
ε after the root. With a tiny ε the two agree to every digit shown here.)
"""
)

st.subheader("Hand calculation: two weights, four steps")
grads_a = ", ".join(fmt(g) for g in worked.PARAM_A_GRADS)
grads_b = ", ".join(fmt(g) for g in worked.PARAM_B_GRADS)
st.markdown(
    f"""
Take η = {fmt(logic.LESSON_LR)} and two weights run side by side by the same AdaGrad
optimizer. Weight **A** is busy: its gradients are {grads_a}. Weight **B** is quiet:
its gradients are {grads_b}, silent for three steps and then one spike. The tables
were computed by the engine when this page loaded (4 decimals; "—" means no gradient
has arrived yet, so there is no rate to speak of).
"""
)
left, right = st.columns(2, gap="medium")
with left:
    st.markdown("**Weight A (busy) · AdaGrad**")
    st.table(logic.format_worked(ada_a))
with right:
    st.markdown("**Weight B (quiet) · AdaGrad**")
    st.table(logic.format_worked(ada_b))
a_rates, b_rates = ada_a[RATE], ada_b[RATE]
g_col = next(c for c in ada_a if c.startswith("G ("))
st.markdown(
    f"""
A's accumulator climbs {", ".join(logic.fixed(g, 2) for g in ada_a[g_col])}, so its rate
sinks from {logic.fixed(a_rates[0])} to {logic.fixed(a_rates[-1])}: after four steps it
keeps only {fmt(a_rates[-1] / a_rates[0], 2)} of its first value. B's accumulator
stays at zero until its spike, so at step 4 it gets a rate of **{logic.fixed(b_rates[-1])}**,
larger than A's {logic.fixed(a_rates[-1])}, although B's gradient is the bigger one.
The weight with the short history gets the bigger step when its rare gradient finally
comes. That is exactly what the embedding table needed.
"""
)

st.header("AdaGrad's flaw: the sum never shrinks")
flaw = sections.flaw_numbers()
short, long_ = logic.FLAW_STEPS
st.markdown(
    f"""
Every term added to G is a square, so G can only grow, and the effective rate can only
fall. Keep feeding weight A its four gradients in a loop: after {short:,} steps
G = {thousands(flaw[f"G_ada_{short}"])} and the rate is {fmt(flaw[f"rate_ada_{short}"], 3)};
after {long_:,} steps G = {thousands(flaw[f"G_ada_{long_}"])} and the rate is
**{fmt(flaw[f"rate_ada_{long_}"], 3)}**, {fmt(flaw[f"rate_ada_{short}"] / flaw[f"rate_ada_{long_}"], 3)}×
smaller again. Over a million steps it would be all but zero: the optimizer stops
learning not because it has arrived, but because its memory of old gradients has
grown too heavy.

For a convex problem with a single fixed minimum, a rate that slowly dies is
acceptable, even useful: you want to slow down near the bottom. Deep networks are
different. Training runs for millions of steps, the landscape shifts as other layers
change, and a weight may need to move a long way late in training. A rate that only
ever decays is fatal there.
"""
)

st.header("RMSProp: let old gradients fade")
st.markdown(
    """
RMSProp, which Geoffrey Hinton introduced in a lecture of his online course rather
than in a paper, changes one line. Instead of a running **sum** of squared gradients
it keeps an exponential moving **average**:
"""
)
st.latex(r"G_t = \rho\, G_{t-1} + (1-\rho)\, g_t^2")
st.latex(r"\theta_t = \theta_{t-1} - \frac{\eta}{\sqrt{G_t} + \epsilon}\, g_t")
memory = sections.memory_fraction(logic.LESSON_RHO)
age_a, age_b = logic.MEMORY_AGES
st.markdown(
    f"""
The update of θ is unchanged. ρ, a number just below 1, decides how fast the
past fades: each step keeps a fraction ρ of the old average. With ρ = {fmt(logic.LESSON_RHO)},
a squared gradient from {age_a} steps ago still counts for {fmt(memory[age_a], 2)} of its
original weight, one from {age_b} steps ago for only {fmt(memory[age_b], 2)}
(both measured by feeding the engine a single gradient followed by zeros).
So G tracks the *recent* size of the gradient; it settles instead of growing, and the
effective rate can recover when gradients get smaller.

One RMSProp or AdaGrad step, in order:

1. compute the gradient g (ordinary backpropagation, the same for both);
2. update G: AdaGrad adds g², RMSProp mixes g² into its average;
3. compute the effective rate η / (√G + ε), one per weight;
4. move each weight: θ ← θ − rate · g.
"""
)
st.subheader("Hand calculation: weight A under RMSProp")
st.markdown(
    f"Same gradients {grads_a}, η = {fmt(logic.LESSON_LR)}, ρ = {fmt(logic.LESSON_RHO)}, "
    "computed by the engine (4 decimals):"
)
st.table(logic.format_worked(rms_a))
both = sections.side_by_side()
st.markdown("**Side by side on weight A**")
st.table(logic.format_worked(both))
rms_g = next(c for c in rms_a if c.startswith("G ("))
st.markdown(
    f"""
AdaGrad's G runs {", ".join(logic.fixed(g, 2) for g in both["G AdaGrad"])} and will keep
climbing; RMSProp's runs {", ".join(logic.fixed(g, 4) for g in rms_a[rms_g])} and levels
off near the typical size of g². Fed A's gradients for {long_:,} steps, RMSProp's G is
{fmt(flaw[f"G_rms_{long_}"], 4)} (AdaGrad's: {thousands(flaw[f"G_ada_{long_}"])}), and its
rate is still {fmt(flaw[f"rate_rms_{long_}"], 3)}, where it was after {short:,} steps.
Because G starts at zero, RMSProp's first rates ({logic.fixed(rms_a[RATE][0])} at step 1)
are larger than its long-run level: the average has not filled up yet. Adam's bias
correction (next chapter) is the fix for that.
"""
)

st.header("AdaGrad vs RMSProp on an elliptical landscape")
st.markdown(
    f"""
The bowl below curves {fmt(logic.curvature_ratio(), 3)} times more sharply along θ₁ than
along θ₂, the 2-D picture of a busy
weight and a quiet one. Both optimizers start from the same point. **Step** one
update at a time or **Play** a stretch (then ▶ on the chart replays it smoothly), and
drag **Inspect step** to move both markers back in time. The bars show each axis's
effective learning rate for each method at the inspected step (log scale). Changing η
or ρ mid-run continues from the current accumulators; clicking the map starts again
from there.

What to notice: both paths run straight at the minimum instead of zig-zagging, because
each axis's rate is scaled to its own gradient size: the steep axis gets a small rate,
the gentle one a large rate. AdaGrad's bars shrink with every step and its ball slows
to a crawl. RMSProp's rates level off, so it arrives quickly; but since its average
shrinks along with the gradient, its steps stay roughly η long even at the bottom, so
it cannot settle exactly: play on and watch its loss dip, then bounce back up.
"""
)
sections.adaptive_race()

st.header("Effective learning rate over time")
st.markdown(
    """
Now a long run, one weight, both methods starting from the same η. With a constant
gradient, AdaGrad's rate decays like 1/√t for ever while RMSProp's settles at once.
With noisy gradients RMSProp's rate wanders with the recent gradient sizes, but it
never drifts to zero. The y axis is logarithmic, so equal ratios look like equal
distances.
"""
)
sections.rate_over_time()

st.success(
    f"""
**History.** AdaGrad ({ADA.year}) was designed for sparse problems such as text, where
most features are rare, and for online and convex learning, where a decaying rate
is a strength. RMSProp ({RMS.year}) was the small fix that made per-weight rates
work for deep networks, and it was the default choice for recurrent networks until
Adam arrived.
""",
    icon=":material/history_edu:",
)
st.info(
    """
**Common confusion: adaptive rates are not momentum.** AdaGrad and RMSProp only
rescale each coordinate of the raw gradient. They keep no velocity and do no
smoothing of the direction, so every step still points where the current gradient
points, coordinate by coordinate. Adam, next, is what you get by adding momentum
(chapter 2) on top of RMSProp's rates.
""",
    icon=":material/lightbulb:",
)

st.header("From scratch")
namespace = code_panel(
    logic.FROM_SCRATCH,
    title="AdaGrad and RMSProp in a few lines of numpy",
    caption="The only difference between the two is the line that updates G. The output "
    "below is what this code printed when the page loaded.",
)
if logic.scratch_matches(namespace, tables):
    st.caption("✓ Same G and rates as the engine's tables above (checked at render time).")
else:
    st.warning("The from-scratch output does not match the engine's tables.")
with st.expander("The same in PyTorch", icon=":material/code:"):
    st.code(logic.torch_snippet(), language="python")
    st.caption(
        "The learning rates are the course engine's defaults. PyTorch names RMSProp's ρ "
        "`alpha` and has its own defaults for it and for ε, so pass them explicitly when "
        "you compare with this page."
    )

st.page_link(
    "chapters/ch10_network/page.py",
    label="See AdaGrad and RMSProp train a real network (chapter 10)",
    icon=":material/hub:",
    query_params={"setup": "adaptive"},
)
quiz.render()
prev_next_links(3)

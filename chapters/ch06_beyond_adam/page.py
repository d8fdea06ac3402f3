"""Chapter 6 · Beyond Adam.

Reads top to bottom like the lesson: a map of the family, then one section per idea
(trust ratio, rectification, factored moments, sign updates, clipped curvature), each
with its update rule from the engine's metadata and a live demo, then a race against
Adam, the comparison table, code, quiz.
"""

import streamlit as st

from chapters.ch06_beyond_adam import logic, quiz, sections
from core.nav import chapter_header, prev_next_links
from engine import optimizers
from kit.code_panel import code_panel
from kit.format import fmt, human_bytes, human_count

chapter_header(6)
info = optimizers.info

st.markdown(
    """
Adam is the default for good reasons, but it is not the last word. Ever since it
appeared, people have kept tinkering with it, chasing one of three goals: train with **enormous
batches** without losing accuracy, spend **less memory** on the optimizer, or take
**better-shaped steps** by looking at curvature. None of the results is a brand-new
algorithm. Each one keeps most of Adam and changes a single link in the chain, which
is why you can understand all of them with what you already know.
"""
)

st.header("The family tree")
st.markdown(
    """
Every optimizer in this course, placed by the year its paper appeared and connected to
the ideas it borrowed. Click a node (or choose from the list) to see its update rule,
the state it keeps and where it shines.
"""
)
sections.family_tree()

# --------------------------------------------------------------------------- LAMB & LARS
st.header("LAMB & LARS: one step size per layer")
st.markdown(
    """
To train faster you can spread each batch over more accelerators, which means bigger
batches and, to keep the number of epochs sane, a bigger learning rate. Push that far
enough (batches of tens of thousands of examples) and training goes unstable: one
global η is too bold for some layers and too timid for others. In a transformer the
embedding matrix, an attention block and a bias vector have weights whose sizes differ
by orders of magnitude, yet Adam hands each of their weights a step of about η.

LARS and LAMB fix this per **layer** (per tensor). Before applying the step to a layer
they compare the size of its weights with the size of the proposed update, and rescale
the update by that **trust ratio**:
"""
)
st.latex(
    r"\phi_\ell = \frac{\lVert \theta_\ell \rVert}{\lVert r_\ell \rVert},\qquad "
    r"\theta_\ell \leftarrow \theta_\ell - \eta\,\phi_\ell\, r_\ell"
)
st.markdown(
    """
Here r is whatever direction the base optimizer proposes. A layer whose weights are
large compared with its update gets a bold step; a layer whose update would dwarf its
weights gets a cautious one. Since ‖φ r‖ = ‖θ‖, every layer moves by the same
*fraction* η of its own size. LARS puts the ratio on top of SGD with momentum (with a
small trust coefficient c), LAMB on top of AdamW:
"""
)
col_lars, col_lamb = st.columns(2)
with col_lars:
    st.markdown(f"**{info('lars').display_name}** ({info('lars').year})")
    st.latex(logic.latex_lines(info("lars").update_latex))
with col_lamb:
    st.markdown(f"**{info('lamb').display_name}** ({info('lamb').year})")
    st.latex(logic.latex_lines(info("lamb").update_latex))
st.markdown(
    f"""
LAMB's paper is titled *{info("lamb").paper.split(", ", 1)[-1]}*: with it, BERT
pre-training ran stably at batch sizes in the tens of thousands across a whole TPU pod.

**Try it.** Below, a toy network of {len(logic.LAYERS)} tensors: a big embedding, two small
weight matrices, a LayerNorm gain of ones and a nearly-zero bias. AdamW and LAMB take the same
steps on the same noisy gradients; the bars show how large each layer's step is
compared with the layer itself.
"""
)
sections.lamb_demo()
st.markdown(
    """
Adam sizes each weight's step on its own, so a tensor of small weights is pushed
around by steps as large as its weights, while a tensor of large weights hardly
changes. The trust ratio puts every layer on the same footing. The flip side shows
too: a tensor near zero gets an almost-zero step, so it can hardly grow. That is why
practical LAMB and LARS set-ups usually leave biases and LayerNorm parameters out of
the trust ratio.
"""
)

# --------------------------------------------------------------------------- RAdam
st.header("RAdam: a warmup built into the optimizer")
st.markdown(
    """
Bias correction fixes the *average* of Adam's second moment in the first steps, but not
its *reliability*. After two or three gradients, v̂ is an average of almost nothing,
so the adaptive rate η/√v̂ swings wildly from one step to the next. Practitioners
tame this with a learning-rate **warmup** (chapter 7). RAdam (Liu et al.) derives the
fix instead. It estimates the length of the moving average, ρ_t, and only trusts the
adaptive rate once ρ_t > 5; before that it takes plain momentum steps. Afterwards it
multiplies Adam's step by a rectification term r_t that starts small and rises to 1:
"""
)
st.latex(logic.latex_lines(info("radam").update_latex))
st.latex(
    logic.latex_lines(
        r"\rho_\infty = \frac{2}{1-\beta_2} - 1,\qquad "
        r"r_t = \sqrt{\frac{(\rho_t-4)(\rho_t-2)\,\rho_\infty}"
        r"{(\rho_\infty-4)(\rho_\infty-2)\,\rho_t}}"
    )
)
st.markdown(
    "Move β₂ and watch how long the built-in warmup lasts. The longer v remembers, the "
    "longer RAdam waits before trusting it fully."
)
sections.radam_demo()

# --------------------------------------------------------------------------- Adafactor
st.header("Adafactor: the second moment in factored form")
st.markdown(
    """
Adam keeps two extra numbers per weight, m and v, so its state is twice the size of the
model. For a model with hundreds of billions of weights that state no longer fits
beside the model. Adafactor (Shazeer & Stern) notices that v for a weight *matrix* is
itself a matrix of positive numbers that is well approximated by an outer product.
It keeps only a running mean per **row** (R) and per **column** (C) of g², and
rebuilds the full estimate from them when it needs it:
"""
)
st.latex(logic.latex_lines(info("adafactor").update_latex))
st.markdown(
    """
For an m × n matrix that is m + n numbers instead of m · n. Adafactor as used here also
drops the first moment, and its step is *relative*: proportional to the RMS of the
weights and capped by an update-clipping threshold d. Enter a matrix size (or use a
preset) to see the saving:
"""
)
sections.memory_calculator()

st.subheader("The GPT-3 example")
gpt3_table, gpt3_totals = logic.gpt3_memory()
headline = optimizers.factored_state_numbers(logic.GPT3_PARAMS, 1)
g = logic.GPT3
st.markdown(
    f"""
GPT-3 has about {human_count(headline["weights"])} weights. Adam's m and v make
{human_count(headline["adam"])} extra numbers, which in fp32 (4 bytes each) is
**{human_bytes(4 * headline["adam"])}** of optimizer state, before counting the
weights themselves or their gradients.

For Adafactor the shapes matter, so here is an estimate from the architecture. I
assumed {g["layers"]} layers of width d = {g["d_model"]:,} in the GPT-2 layout (a fused
query-key-value matrix d × 3d, an output projection d × d, an MLP of d × 4d and 4d × d),
a vocabulary of {g["vocab"]:,} tokens, a context of {g["context"]:,} positions, and
biases and LayerNorm vectors kept unfactored ({logic.VECTORS_PER_LAYER} d numbers per
layer).
"""
)
st.dataframe(gpt3_table, hide_index=True)
st.markdown(
    f"""
These shapes add up to {human_count(gpt3_totals["weights"])} weights, matching the
headline figure. Adam's state for them is
{human_bytes(4 * gpt3_totals["adam"])}; Adafactor's is
**{human_bytes(4 * gpt3_totals["adafactor"])}**, about
{gpt3_totals["adam"] / gpt3_totals["adafactor"]:,.0f} times less. Of what remains,
{gpt3_totals["adafactor_vectors"] / gpt3_totals["adafactor"]:.0%} is the unfactored
vectors: after factoring, the small tensors dominate.
"""
)

# --------------------------------------------------------------------------- Lion
st.header("Lion: keep only the sign")
st.markdown(
    """
Lion (Chen et al.) was not designed by hand: it came out of an automated search over
programs that update weights, and what the search found is strikingly simple. Blend the
momentum with the new gradient, keep only the **sign** of the blend, and move every
weight by exactly η in that direction. The momentum itself is updated afterwards with a
slower β₂:
"""
)
st.latex(logic.latex_lines(info("lion").update_latex))
lion_defaults = info("lion").defaults
st.markdown(
    f"""
No second moment, no square root, no division: one buffer instead of Adam's two, so
half the optimizer memory. Because a sign is always ±1, every weight takes a full-size
step every time, whereas Adam's steps shrink whenever recent gradients disagree. So
Lion needs a learning rate several times smaller than AdamW's
(the default used here is η = {lion_defaults["lr"]:g}, with β₁ = {lion_defaults["beta1"]:g} and
β₂ = {lion_defaults["beta2"]:g}). Weight decay is then scaled up by the same factor, so that
the product η·λ, which sets how strongly weights shrink, stays about the same.

**Try it.** {logic.LION_WEIGHTS} weights with very different curvatures and noisy
gradients; Lion and Adam get the same η. Step a few times and compare how far each weight moves.
"""
)
sections.lion_demo()

# --------------------------------------------------------------------------- Sophia
st.header("Sophia: curvature, with a safety clip")
st.markdown(
    """
Every method so far reads only first derivatives. Curvature, the second derivative,
says how fast the slope changes: in a sharply curved direction a small step is enough;
along a flat one a large step is safe. Newton's method divides the gradient by the
curvature to get exactly that. Adam only approximates it: √v measures how big the
gradients are, which is related to curvature but not the same.

Sophia (Liu et al.) estimates the diagonal of the Hessian h cheaply (Hutchinson's
trick: multiply the Hessian by a random ±1 probe u and keep u ⊙ Hu, only every k
steps) and divides its momentum by it. Where h is tiny or negative, that quotient would explode,
so each coordinate's step is **clipped** to at most η:
"""
)
st.latex(logic.latex_lines(info("sophia").update_latex))
curv = logic.SOPHIA_CURVATURE
st.markdown(
    f"""
Unclipped, the step is (η/ρ)·m/h, a damped Newton step. Clipped, it falls back to η
times the sign of m, which is Lion-like. **Try it:** {curv.size} weights whose curvatures
span {fmt(curv.min())} to {fmt(curv.max())}. Hollow circles are the steps Sophia would
take without the clip, filled ones the steps it takes.
"""
)
sections.sophia_demo()
st.markdown(
    """
Early on h is still small (it starts from zero and is refreshed only every k steps), so
most weights start out clipped and Sophia behaves much like sign momentum. As the curvature
estimate builds up, the stiff directions fall below the bound and get Newton-sized
steps, while the flat ones stay clipped. A larger ρ or a smaller k gets there sooner.
"""
)

# --------------------------------------------------------------------------- race
st.header("Race them against Adam")
st.markdown(
    """
Choose a challenger and a landscape, then **Drop ball**, **Step** or **Play**. Both
optimizers start from the same point (click the contour to move it). Changing a
learning rate mid-run carries on from the current buffers; a new landscape or start
begins again. Two dimensions are a caricature for methods designed for millions of
weights (a trust ratio over a 2-vector, a factored 1 × 2 "matrix"), so read this for
the character of each update rule, not for a verdict.
"""
)
sections.race()

# --------------------------------------------------------------------------- table
st.header("All of them at a glance")
st.table(sections.comparison_table().set_index("Optimizer"))
st.markdown(
    """
Read the table top to bottom and three trends stand out. Optimizers use **more
curvature information** (from raw gradients, to running averages of g², to a Hessian
estimate). They spend **less memory** (factored moments, a single sign-momentum
buffer). And they **need less tuning** (RAdam's built-in warmup, LAMB's per-layer
scaling). Underneath, every one of them still performs the same move: subtract a step
size times a direction.
"""
)

st.subheader("Which reference, which convention")
st.markdown(
    """
Papers leave details open (where ε goes, when a rectification switches on, how weight
decay meets the rate), and libraries settle them differently. Every optimizer here is
checked step by step against a reference implementation, at a constant rate and under a
schedule; where that reference's choice differs from the paper's, the engine follows the
reference, and says so:
"""
)
st.table(logic.reference_table().set_index("Optimizer"))

# --------------------------------------------------------------------------- code
FROM_SCRATCH = '''
import numpy as np
from engine import optimizers


def lion_step(theta, m, grad, lr=0.01, beta1=0.9, beta2=0.99):
    """One Lion update: move every weight by exactly lr, then refresh the momentum."""
    direction = np.sign(beta1 * m + (1 - beta1) * grad)
    theta = theta - lr * direction
    m = beta2 * m + (1 - beta2) * grad
    return theta, m


def trust_ratio(theta, update):
    """LAMB/LARS: rescale a layer's update so its norm equals the weights' norm."""
    w, u = np.linalg.norm(theta), np.linalg.norm(update)
    return w / u if w > 0 and u > 0 else 1.0


rng = np.random.default_rng(0)
theta, m = rng.normal(size=6), np.zeros(6)
engine_lion = optimizers.make("lion", lr=0.01)
engine_theta, state = theta.copy(), engine_lion.init(theta)
for t in range(3):
    grad = rng.normal(size=6)
    new_theta, m = lion_step(theta, m, grad)
    print(f"step {t + 1}: |change| =", np.round(np.abs(new_theta - theta), 6))
    theta = new_theta
    engine_theta, state = engine_lion.step(engine_theta, lambda p, g=grad: g, state)
print("matches the engine:", np.allclose(theta, engine_theta))

layer = rng.normal(scale=0.01, size=(4, 4))  # small weights
adam_like = np.sign(rng.normal(size=(4, 4)))  # an Adam-sized proposal, |r| = 1 per weight
ratio = trust_ratio(layer, adam_like)
print(f"trust ratio {ratio:.4f}: the step shrinks to {np.linalg.norm(ratio * adam_like):.4f},"
      f" the norm of the weights ({np.linalg.norm(layer):.4f})")
'''

st.header("From scratch")
code_panel(
    FROM_SCRATCH,
    title="Lion and the trust ratio in a few lines of numpy",
    caption="Lion written out by hand, checked against the course engine on the same gradients, "
    "then the trust ratio on one small layer. The output is what this code printed just now.",
)

st.page_link(
    "chapters/ch10_network/page.py",
    label="See LAMB, Lion, Adafactor and Sophia on a real network (chapter 10)",
    icon=":material/hub:",
    query_params={"setup": "beyond"},
)
quiz.render()
prev_next_links(6)

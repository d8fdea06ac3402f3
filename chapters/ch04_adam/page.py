"""Chapter 4 · Adam.

Reads top to bottom like the lesson: the five lines, why bias correction, the
internals visualiser, the corrected and uncorrected runs side by side, three steps
by hand (by the engine), code, why Adam won, quiz.
"""

import numpy as np
import streamlit as st

from chapters.ch04_adam import logic, quiz, sections
from core.nav import chapter_header, prev_next_links
from engine import optimizers
from kit.code_panel import code_panel
from kit.format import fmt

chapter_header(4)
adam = optimizers.info("adam")
d = adam.defaults

st.markdown(
    f"""
The last two chapters fixed two different problems. **Momentum** (chapter 2) keeps a
running average of the gradients, so the direction stops flip-flopping. **RMSProp**
(chapter 3) keeps a running average of the *squared* gradients, so every weight gets a
step size matched to how large its own gradients usually are.

**Adam**, short for *adaptive moment estimation* ({adam.paper}, {adam.year}), simply
does both. Each weight carries two small buffers: m, the average gradient, which says
*where* to go, and v, the average squared gradient, which says *how big* the weight's
gradients tend to be. The step divides the first by the square root of the second.
"""
)

st.header("Five lines")
st.markdown("At step t, with gradient g_t, Adam does this for every weight:")
sections.five_lines()
sections.symbol_table()
st.markdown(
    """
Lines 1 and 2 are momentum and RMSProp almost word for word (this momentum averages
with weights β₁ and 1 − β₁, rather than summing). Line 5 divides the average direction
by the typical size. A weight whose gradients are always huge gets a huge m̂ *and* a
huge √v̂, and the two cancel; a weight with tiny gradients gets tiny values on both
sides, which cancel as well. Either way the step comes out near η, which is why the
same learning rate works across layers and problems whose gradients differ by orders
of magnitude. Lines 3 and 4 are new, and the next section is about them.
"""
)

st.header("Why bias correction?")
st.markdown(
    f"""
Both buffers start at zero. After the first gradient, with β₁ = {fmt(d["beta1"])}:
"""
)
st.latex(r"m_1 = \beta_1\cdot 0 + (1-\beta_1)\,g_1 = (1-\beta_1)\,g_1")
st.markdown(
    f"""
That is only {fmt(100 * (1 - d["beta1"]))} % of the one gradient we have actually
seen. The average is dragged towards the zero it started from, and the drag fades
slowly. Unrolling the recursion, every gradient gets a weight, and if the gradients
all share one mean, the expected value of m_t is
"""
)
st.latex(
    r"\mathbb{E}[m_t] = (1-\beta_1)\sum_{k=1}^{t}\beta_1^{\,t-k}\,\mathbb{E}[g]"
    r" = \big(1-\beta_1^{\,t}\big)\,\mathbb{E}[g]"
)
st.markdown(
    """
So m_t is short by exactly the factor 1 − β₁ᵗ, and dividing by that factor (line 3)
removes the shortfall. The same holds for v with β₂. The table makes it concrete: feed
the engine's Adam a gradient of exactly 1 at every step, so the true averages of g and
g² are both 1, and look at what the raw buffers hold.
"""
)
sections.bias_table(d["beta1"], d["beta2"])
st.markdown(
    """
m catches up within a few dozen steps, but v, with β₂ so close to 1, is still far too
small after hundreds. The step divides by √v, so an **uncorrected** Adam starts out
taking steps several times larger than η, and stays oversized for thousands of steps
(m recovers quickly while √v lags behind). The corrected m̂ and v̂ are right from the
first step.
"""
)
sections.inflation_chart(d["beta1"], d["beta2"])

st.header("Adam internals visualiser")
st.markdown(
    """
Pick a gradient sequence and watch every buffer. The top panel shows the gradients
(grey bars) with m and its corrected form m̂; the middle one v and v̂; the bottom one the
step Adam takes, against dotted lines at ±η and, dashed, the step an uncorrected Adam
would take from the same gradients. Move β₁ and β₂ to see how memory changes the
picture, and step through to read each step's arithmetic with the real numbers.
"""
)
sections.internals_visualiser()
st.markdown(
    f"""
Things to notice. With the **sign-flipping** sequence the gradient swings by several
units every step, but m̂ follows only its small average, so each step is a fraction of η
and they all go the same way: Adam does not chase the oscillation. With the **sparse**
sequence each rare spike sets the weight moving, and it keeps moving through the quiet
steps that follow, because m forgets over roughly {fmt(1 / (1 - d["beta1"]), 4)} steps and
v over roughly {fmt(1 / (1 - d["beta2"]), 4)}. Compare the dashed line: without the
correction every one of those steps would be several times larger. With β₁ = 0 the top
panel's m̂ is just the gradient, and Adam becomes RMSProp with bias correction.
"""
)

st.header("With and without bias correction, on a landscape")
st.markdown(
    """
Two balls start from the same point with the same η: green is Adam, orange is the same
algorithm with lines 3 and 4 deleted. **Step** moves both by one update, **Play**
computes a stretch and lets ▶ on the chart replay it, **Reset** starts over. Click the
contour to choose a new start; change η mid-run and both continue from their buffers.
"""
)
sections.bias_comparison()
st.markdown(
    """
Without the correction the early steps are several times longer than η. That is a
larger learning rate in disguise, and it can even pull ahead for a while, on the gentle
bowl for instance. But it is not the rate you chose, it drifts by itself over the first
thousands of steps, and early on it flings the ball from wall to wall across Rosenbrock's
valley (the spikes in its loss curve). With the correction, η means what it says from
the very first step.
"""
)

st.header("Three steps by hand")
lesson_grads = ", ".join(f"{g:g}".replace("-", "−") for g in logic.LESSON_GRADS)
st.markdown(
    f"""
One weight, the gradients {lesson_grads}, and the default settings. Every number below
is the engine's Adam, step by step (the visualiser's *Lesson* preset shows the same run).
"""
)
table = sections.worked_table()
lr = logic.LESSON_SETTINGS["lr"]
size = table["step size |Δθ|"]
m = table["m"]
m_hat = table["m̂"]
st.markdown(
    f"""
- **Step 1.** m = {fmt(m[0])} is a tenth of the gradient, but m̂ = {fmt(m_hat[0])} and
  √v̂ = {fmt(float(table["v̂"][0]) ** 0.5)} undo that, and the step is
  {fmt(size[0], 3)}, i.e. {fmt(size[0] / lr, 4)} × η. That is no coincidence: on the
  first step m̂ = g and √v̂ = |g|, so Adam's first step is η whatever the size of the
  gradient.
- **Step 2.** The gradient flips to {fmt(table["gradient g"][1])}, yet m only drops to
  {fmt(m[1])}: it still remembers the +4. θ keeps moving the same way, but the step
  shrinks to {fmt(size[1], 3)} ({fmt(size[1] / lr, 3)} × η) because the history now
  disagrees with itself.
- **Step 3.** The gradient is positive again, m rises to {fmt(m[2])}, and the step grows
  back to {fmt(size[2], 3)} ({fmt(size[2] / lr, 3)} × η).
"""
)

st.header("Why Adam became the default")
st.markdown(
    """
- **Forgiving of the learning rate.** Because the step is normalised to about η, one
  value (the default is a good start) works on problems whose raw gradients differ by
  orders of magnitude. Plain SGD needs η retuned for each.
- **Fast early progress.** m smooths noisy mini-batch gradients, and the per-weight
  scaling keeps slow weights from stalling while fast ones overshoot.
- **Good with sparse gradients.** A weight that rarely gets a gradient has a small v,
  so when a gradient finally arrives it still takes a sizeable step, a good part of η,
  and keeps moving for a while after (the *sparse* preset above). Embeddings of rare
  words and rare items in recommenders depend on this.

It is not perfect. On some problems, image classification with ResNets being the
famous one, Adam gets to a decent model quickly and then stalls at a worse final result
than carefully scheduled SGD with momentum. One suspected reason is how Adam interacts
with weight decay, which is exactly what the next chapter fixes.
"""
)

st.header("From scratch")
FROM_SCRATCH = '''
import numpy as np


class Adam:
    """Adam for one array of weights: two buffers and a step counter."""

    def __init__(self, shape, lr=1e-3, beta1=0.9, beta2=0.999,
                 eps=1e-8):
        self.lr, self.eps = lr, eps
        self.beta1, self.beta2 = beta1, beta2
        self.m = np.zeros(shape)  # running average of gradients
        self.v = np.zeros(shape)  # running average of squared gradients
        self.t = 0

    def step(self, weights, grad):
        self.t += 1
        self.m = self.beta1 * self.m + (1 - self.beta1) * grad
        self.v = self.beta2 * self.v + (1 - self.beta2) * grad**2
        # undo the pull of the zero start
        m_hat = self.m / (1 - self.beta1**self.t)
        v_hat = self.v / (1 - self.beta2**self.t)
        update = self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
        return weights - update, update


# The lesson's three gradients, on one weight.
adam, w = Adam(shape=1), np.zeros(1)
for g in (4.0, -1.0, 3.0):
    w, update = adam.step(w, np.array([g]))
    m, v = adam.m[0], adam.v[0]
    print(f"t={adam.t} g={g:+.0f} m={m:.4g} v={v:.4g} step={update[0]:.3g}")

# Gradients a million times apart: both first steps are about lr.
adam, w = Adam(shape=2), np.zeros(2)
w, update = adam.step(w, np.array([1000.0, 0.001]))
print("first steps for g = 1000 and g = 0.001:", np.round(update, 6))
'''
namespace = code_panel(
    FROM_SCRATCH,
    title="Adam in a dozen lines of numpy",
    caption="The whole optimizer. The output below is what this code printed when the page loaded.",
)
scratch = namespace.get("Adam")
if scratch is not None:
    check, weights = scratch(shape=1), np.zeros(1)
    ours = []
    for g in table["gradient g"]:
        weights, step_taken = check.step(weights, np.array([float(g)]))
        ours.append(float(step_taken[0]))
    if np.allclose(ours, -table["Δθ (signed)"], rtol=1e-9, atol=1e-15):
        st.caption("✓ Same steps as the engine's table above (checked at render time).")
    else:
        st.warning("The from-scratch steps differ from the engine's table.")
st.markdown("In PyTorch the same optimizer, with the same defaults, is one line:")
st.code(
    "optimizer = torch.optim.Adam(\n"
    f"    model.parameters(), lr={d['lr']:g}, betas=({d['beta1']:g}, {d['beta2']:g}), "
    f"eps={d['eps']:g}\n)",
    language="python",
)

st.page_link(
    "chapters/ch10_network/page.py",
    label="See Adam race momentum and RMSProp on a real network (chapter 10)",
    icon=":material/hub:",
    query_params={"setup": "adam"},
)
quiz.render()
prev_next_links(4)

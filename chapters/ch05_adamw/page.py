"""Chapter 5 · AdamW.

Reads top to bottom like the lesson: weight decay as L2, why the two part ways under
Adam, the fix, a worked step (by the engine), the busy and quiet weights, the engine's
two chains, the PyTorch trap, code, quiz.
"""

import numpy as np
import streamlit as st

from chapters.ch05_adamw import logic, quiz, sections
from core.nav import chapter_header, prev_next_links
from engine import optimizers
from kit.code_panel import code_panel
from kit.format import fmt

chapter_header(5)
adamw = optimizers.info("adamw")

st.markdown(
    """
Adam has a quiet flaw, and it only shows when you add weight decay, which nearly every
large model does. To see it, first pin down what weight decay is, then watch what
Adam's per-weight rescaling does to it.
"""
)

st.header("Weight decay is a pull towards zero")
st.markdown(
    """
Very large weights are a warning sign: a model can use them to fit the noise in its
training data rather than the pattern. **Weight decay** discourages them with a gentle,
constant pull of every weight towards zero. The classic way to get that pull is **L2
regularisation**: add a penalty on the squared size of the weights to the loss.
"""
)
st.latex(
    r"L_{\text{total}}(\theta) = L_{\text{data}}(\theta) + \frac{\lambda}{2}\,\lVert\theta\rVert^2"
)
st.markdown("The penalty's gradient is λθ, so the gradient the optimizer sees becomes g + λθ.")
st.markdown("Plug that into one SGD step and the decay appears as a shrink factor:")
st.latex(
    r"\theta_t = \theta_{t-1} - \eta\,(g_t + \lambda\theta_{t-1})"
    r" = (1-\eta\lambda)\,\theta_{t-1} - \eta\, g_t"
)
lesson_lr, lesson_wd = 0.01, 0.01  # the lesson's example setting (inputs, not results)
factor = logic.sgd_shrink_factor(lesson_lr, lesson_wd)
st.markdown(
    f"""
Every step multiplies the weights by 1 − ηλ before the usual gradient step. With
η = {fmt(lesson_lr)} and λ = {fmt(lesson_wd)}, one step of the engine's SGD turns a weight
of 1 with no data gradient into {fmt(factor, 6)}: a {fmt(100 * (1 - factor), 3)} % shrink.
Tiny per step, but over thousands of steps it keeps the weights in check. For SGD, then,
"add λθ to the gradient" (L2) and "shrink θ by 1 − ηλ" (weight decay) are one and the
same update.
"""
)

st.header("Under Adam, L2 and weight decay part ways")
st.markdown(
    """
Adam does not use the gradient as it is. Whatever goes in is averaged into m, its
square into v, and the step is m̂ / √v̂. With L2, λθ is part of what goes in, so it gets
divided by √v̂ like everything else:
"""
)
st.latex(
    r"\begin{aligned}"
    r"\Delta\theta &\approx -\eta\,\frac{g + \lambda\theta}{\sqrt{\hat v}}\\"
    r"\text{so the decay part} &\approx -\eta\,\frac{\lambda\,\theta}{\sqrt{\hat v}}"
    r"\end{aligned}"
)
st.markdown(
    """
Now the decay depends on the weight's gradient history. A **busy** weight, one with
large gradients, has a large v̂, so its decay is divided by a large number and nearly
disappears. A **quiet** weight has a small v̂, and its decay is magnified. That is the
wrong way round: busy weights, often in the last layers, tend to grow the largest and
need the pull the most. The regularisation you asked for with λ is no longer the
regularisation you get.
"""
)

st.header("The fix: decouple the decay")
st.markdown(
    f"""
{adamw.paper} ({adamw.year}) moved the decay out of the gradient. Adam's averages see the
data gradient only, and the shrink is applied to the weights directly, after the
rescaling:
"""
)
st.latex(
    r"""
\begin{aligned}
m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t\\
v_t &= \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2\\
\theta_t &= (1-\eta\lambda)\,\theta_{t-1} \;-\; \eta\,\frac{\hat m_t}{\sqrt{\hat v_t}+\epsilon}
\end{aligned}
"""
)
st.markdown(
    "Here g_t is the data gradient alone. "
    "Every weight now loses the same fraction ηλ of itself per step, whatever its gradients "
    "have been. The engine writes the same rule as"
)
st.latex(adamw.update_latex)

st.header("One step by hand")
worked = sections.worked_section()
st.markdown(
    f"""
AdamW removes {fmt(worked["decoupled"], 3)} % of θ, the full ηλ you asked for. Adam + L2
removes only {fmt(worked["l2"], 3)} %: its decay was divided by √v̂ along with the
gradient, so it is {fmt(worked["decoupled"] / worked["l2"], 3)}× weaker here.
"""
)

st.header("Adam + L2 vs AdamW: a busy weight and a quiet weight")
st.markdown(
    """
Two weights start at the same value. One gets large gradients at every step, the other
small ones. Both are trained twice, once with Adam + L2 and once with AdamW, with the
same λ. The top panel shows the share of θ that the decay removes at each step (log
scale), the lower one those shares added up over the run. Step through, or move λ and
the gradient sizes, and compare the bars.
"""
)
sections.busy_quiet_comparison()
st.markdown(
    """
AdamW's lines sit on top of each other: the busy and the quiet weight get exactly the
same proportional decay. Adam + L2 splits them. The busy weight's decay is crushed by
its large √v̂, while the quiet weight's is boosted. Push λ up and something else shows:
once λθ dwarfs the quiet weight's own gradient, Adam normalises the decay itself, and
even the quiet weight gets less than AdamW gives it. Under L2, λ simply does not mean
what it says.
"""
)

st.header("The engine's two chains")
st.markdown(
    """
The course engine builds each optimizer as a short chain of small transforms, each
doing one thing to the update. Adam + L2 and AdamW are made of **the same links in a
different order**: add λθ, rescale by Adam, scale by η. Put the decay before the
rescaling and it is L2; put it after and it is decoupled. Here are the engine's two
chains, link by link:
"""
)
sections.engine_chains()

st.header("The PyTorch trap")
defaults = adamw.defaults
lr_text, wd_text = f"{defaults['lr']:g}", f"{defaults['weight_decay']:g}"
st.code(
    f"""# Decoupled weight decay: what you almost always want.
optimizer = torch.optim.AdamW(
    model.parameters(), lr={lr_text}, weight_decay={wd_text}
)

# L2 in disguise: λθ is added to the gradient, then rescaled by Adam.
optimizer = torch.optim.Adam(
    model.parameters(), lr={lr_text}, weight_decay={wd_text}
)""",
    language="python",
)
st.warning(
    "**Same argument name, different algorithm.** `torch.optim.Adam(weight_decay=…)` adds "
    "λθ to the gradient, which is L2 regularisation, weakened for every busy weight. "
    "`torch.optim.AdamW(weight_decay=…)` applies decoupled decay. If you want Adam with "
    "weight decay, use AdamW.",
    icon=":material/warning:",
)
st.markdown(
    """
AdamW is now the default for training transformers (the GPT, BERT, ViT and LLaMA
families among them): the only change from Adam is where one term enters the update,
and it makes λ behave as intended.
"""
)

st.header("From scratch")
FROM_SCRATCH = '''
import numpy as np


def train(grads, theta0, decoupled, lr=1e-3, wd=0.1, beta1=0.9, beta2=0.999, eps=1e-8):
    """Adam + L2 (decoupled=False) or AdamW (decoupled=True) fed a list of gradients."""
    theta = np.array(theta0, dtype=float)
    m, v = np.zeros_like(theta), np.zeros_like(theta)
    for t, g in enumerate(grads, start=1):
        if not decoupled:
            g = g + wd * theta  # L2: the decay joins the gradient ...
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g**2  # ... and is divided by √v̂ with it
        m_hat = m / (1 - beta1**t)
        v_hat = v / (1 - beta2**t)
        step = m_hat / (np.sqrt(v_hat) + eps)
        if decoupled:
            step = step + wd * theta  # AdamW: the decay skips the division
        theta = theta - lr * step
    return theta


# Two weights sitting at their data optimum: gradients are pure noise around zero,
# large for the busy weight, small for the quiet one. Only the decay pulls steadily.
rng = np.random.default_rng(0)
grads = rng.standard_normal((300, 1)) * np.array([10.0, 0.1])
start = [5.0, 5.0]
no_decay = train(grads, start, decoupled=True, wd=0.0)
for name, decoupled in (("Adam + L2", False), ("AdamW", True)):
    pulled = no_decay - train(grads, start, decoupled)
    print(f"{name:9}  decay pulled the busy weight by {pulled[0]:.4f}, the quiet one by {pulled[1]:.4f}")
'''
namespace = code_panel(
    FROM_SCRATCH,
    title="Adam + L2 and AdamW in numpy",
    caption="One function, one flag: where λθ enters. The output below is what this code "
    "printed when the page loaded.",
)
if "train" in namespace and "grads" in namespace:
    train, grads, start = namespace["train"], namespace["grads"], namespace["start"]
    ours = {name: train(grads, start, name == "adamw") for name in ("adam", "adamw")}
    matches = all(
        np.allclose(ours[name], sections.engine_final_weights(name, grads, start), rtol=1e-12)
        for name in ours
    )
    if matches:
        st.caption(
            "✓ Same final weights as the engine's adam (with weight_decay) and adamw fed the "
            "same gradients (checked at render time)."
        )
    else:
        st.warning("The from-scratch weights differ from the engine's.")
    resting = train(grads, start, True, wd=0.0)
    pull_l2, pull_w = resting - ours["adam"], resting - ours["adamw"]
    st.markdown(
        f"""
Here the gradients average zero, so without decay the weights would only jitter. AdamW
pulls both weights in by the same amount, {fmt(pull_w[0], 3)}. Adam + L2 pulls the busy
weight in by only {fmt(pull_l2[0], 3)} and the quiet one by {fmt(pull_l2[1], 3)},
{fmt(pull_l2[1] / pull_l2[0], 3)} times as much as the busy one: the imbalance of the chart
above, now in the weights themselves.
"""
    )

st.page_link(
    "chapters/ch10_network/page.py",
    label="See AdamW and Adam + L2 side by side on a real network (chapter 10)",
    icon=":material/hub:",
    query_params={"setup": "adamw"},
)
quiz.render()
prev_next_links(5)

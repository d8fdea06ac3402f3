"""Chapter 0 · The Landscape Problem.

Reads top to bottom like the lesson: the slope, the update rule, a parabola worked by
hand (by the engine), the explorer, the ways to fail, saddles, code, quiz.
"""

import streamlit as st

from chapters.ch00_landscape import quiz, sections
from chapters.ch00_landscape.logic import EXPLORER_LANDSCAPES, EXPLORER_LR_RANGE, PAGE
from core.nav import chapter_header, prev_next_links
from kit.code_panel import code_panel
from kit.explorer import landscape_explorer
from kit.format import fmt
from kit.measure import stable_lr_limit

chapter_header(0)

st.markdown(
    """
Picture yourself on a hillside in thick fog. You cannot see the valley, or anything
more than a step away, but your feet tell you which way the ground tilts. So you take
a step downhill, feel again, and step again.

Training a neural network is that walk. Every setting of the weights is a point on a
**loss landscape**, and the height there is the loss: how wrong the model is with those
weights. Low ground is good. The only thing the training algorithm can sense is the
tilt of the ground where it stands right now, and that tilt has a name: the
**gradient**.
"""
)

st.header("The gradient is the local slope")
st.markdown(
    "Start with a single weight and the loss below. Its lowest point is at x = 3, and its "
    "derivative is the slope at any x:"
)
st.latex(r"f(x) = (x-3)^2 \qquad\qquad f'(x) = 2\,(x-3)")
st.markdown(
    """
The derivative carries two pieces of news. Its **sign** says which way is uphill, and
its **size** says how steep the climb is. Since it points uphill, we walk the other
way. Move the point and watch the tangent line:
"""
)
sections.gradient_probe()
st.markdown(
    """
A real network has millions of weights, so the single slope becomes a vector of
slopes, one partial derivative per weight: the gradient. Each entry answers "if I
nudge *this* weight up a little, how fast does the loss grow?", and the whole vector
points uphill in weight space.
"""
)
st.latex(
    r"\nabla L(\theta) = \Big(\tfrac{\partial L}{\partial \theta_1},\ "
    r"\tfrac{\partial L}{\partial \theta_2},\ \dots,\ \tfrac{\partial L}{\partial \theta_d}\Big)"
)

st.header("The update rule")
st.markdown("One step of gradient descent moves every weight a little way against the gradient:")
st.latex(r"\theta \;\leftarrow\; \theta \;-\; \eta\,\nabla L(\theta)")
st.markdown(
    """
| Symbol | Read it as | What it is |
| --- | --- | --- |
| θ | theta, the parameters | every weight of the model, stacked into one vector |
| η | eta, the learning rate | one positive number: how far to move per step |
| ∇L(θ) | the gradient | the slope of the loss in every weight's direction, at the current θ |
| ← | "becomes" | overwrite θ with the new value |

The minus sign does the work: the gradient points uphill, so subtracting it heads
downhill. The learning rate decides the stride, and as you are about to see, that one
number can make the walk graceful, painfully slow or explosive.
"""
)

st.header("Walking down a parabola, step by step")
st.markdown(
    """
Run the rule on f(x) = (x − 3)² from x = 0. Each row below is one step: read the
slope at the current x, multiply by η, subtract. Pick a learning rate to compare the
four cases the lesson works through.
"""
)
sections.parabola_walkthrough()
with st.expander("All four learning rates side by side", icon=":material/table_chart:"):
    sections.four_rates_summary()

st.subheader("Why the steps shrink: the convergence factor")
st.markdown("Subtract 3 from both sides of one update and the slope formula tidies up:")
st.latex(
    r"\begin{aligned} x_{t+1} - 3 &= x_t - 3 - \eta\cdot 2\,(x_t - 3) \\"
    r" &= (1 - 2\eta)\,(x_t - 3) \end{aligned}"
)
st.markdown(
    """
So every step multiplies the distance to the minimum by the same factor, |1 − 2η|. The
distance shrinks geometrically when that factor is below 1, and grows when it is
above 1. How many steps does it take to halve the distance, or to cut it tenfold?
"""
)
sections.convergence_calculator()

st.header("Loss Landscape Explorer")
st.markdown(
    """
Now two weights, so the landscape is a surface. Choose a shape and a learning rate,
then **Drop ball** (or **Step** one update at a time, or **Play** a stretch). Click
anywhere on the contour map to start from there. Changing η mid-run carries on from
where the ball is; changing the landscape or the start begins again.
"""
)
st.markdown(
    "Or pick **Your formula** and type any function of x and y: the course works out "
    "its gradient for you and the ball rolls on it."
)
landscape_explorer(
    PAGE,
    optimizer="sgd",
    landscape_names=EXPLORER_LANDSCAPES,
    lr_range=EXPLORER_LR_RANGE,
    formula=True,
    drag_lr=True,
)

st.header("Three ways to fail")
bowl_limit = stable_lr_limit("bowl")
st.markdown(
    f"""
**1 · Divergence: η too large.** The bowl curves the same amount in every direction,
and any η above 2 / curvature = {fmt(bowl_limit)} overshoots by more than it corrects.
The ball leaps to the far slope, lands higher, leaps back higher still, until the
numbers overflow. In a real training run this is the loss turning into `NaN`.
"""
)
sections.show_me("Divergence", "bowl", 1.1, "diverge")
st.markdown(
    """
**2 · Crawling: η too small.** Every step is safe, but tiny. On the bowl that is only
slow. In the ravine it is hopeless: the floor slopes so gently along its length that
the ball needs thousands of steps to get anywhere, and a real budget runs out first.
"""
)
sections.show_me("Crawling", "ravine", 0.005, "crawl")
st.markdown(
    """
**3 · Saddle points.** A saddle curves up in one direction and down in another, like
the middle of a horse's saddle. Right at its centre the gradient is zero, so the ball
slows to a crawl there even though lower ground lies to either side. It escapes only
once a tiny sideways offset has grown enough to roll it off.
"""
)
sections.show_me("Saddle", "saddle", 0.1, "saddle")

st.subheader("Why saddles, not minima, are the real obstacle")
st.markdown(
    """
Wherever the gradient is zero, each direction curves either up or down. A minimum
needs *every* direction to curve up. If each direction were a coin toss, the chance
of that in d dimensions would be (1/2)<sup>d</sup>, which vanishes as d grows. Nearly
every flat spot in a large network is therefore a saddle, and the fear of "getting
stuck in a bad local minimum" mostly misses the real problem: saddles and long, flat
plateaus.
""",
    unsafe_allow_html=True,
)
sections.saddle_calculator()

st.header("One number rules everything")
st.markdown(
    """
With plain gradient descent the whole outcome hangs on η. Too large and the run
blows up; too small and it wastes days. Worse, the right value changes as training
goes: big strides help far from a minimum, small ones are needed close to it. And
different weights want different strides: weights deep in a network often see tiny
gradients, while those near the output see large ones.

Every method in the chapters ahead is an answer to one question: *how can the step
size adapt by itself?* Mini-batches make each step cheap (chapter 1), momentum
smooths the path (chapter 2), and adaptive methods give each weight its own rate
(chapters 3–5).
"""
)

FROM_SCRATCH = '''
def descend(slope, x, lr, steps):
    """Plain gradient descent on one number: return every position visited."""
    visited = [x]
    for _ in range(steps):
        x = x - lr * slope(x)  # step against the slope
        visited.append(x)
    return visited


def slope(x):
    return 2 * (x - 3)  # derivative of (x - 3) ** 2


for lr in (0.1, 0.5, 1.1):
    xs = descend(slope, x=0.0, lr=lr, steps=5)
    print(f"lr={lr}: " + ", ".join(f"{x:.4g}" for x in xs))
'''

WITH_ENGINE = """
from engine import landscapes, optimizers, simulate

bowl = landscapes.get("bowl")
for lr in (0.01, 0.1, 1.1):
    run = simulate.run(optimizers.make("sgd", lr=lr), bowl, bowl.start, steps=30)
    verdict = f"diverged at step {run.diverged_at}" if run.diverged_at else "ok"
    print(f"lr={lr}: loss {run.losses[0]:.3g} -> {run.losses[-1]:.3g} ({verdict})")
"""

st.header("From scratch")
namespace = code_panel(
    FROM_SCRATCH,
    title="Gradient descent from scratch, in plain Python",
    caption="The whole algorithm for one weight. The output below is what this code printed "
    "when the page loaded.",
)
engine_path = sections.parabola_table(0.1, 5)["x"]
scratch_path = namespace.get("descend", lambda *a, **k: [])(namespace["slope"], 0.0, 0.1, 5)
if len(scratch_path) == len(engine_path) and all(
    abs(a - b) < 1e-12 for a, b in zip(scratch_path, engine_path, strict=True)
):
    st.caption("✓ Same positions as the engine's table above (checked at render time).")
code_panel(
    WITH_ENGINE,
    title="The same rule in the course engine, on the 2-D bowl",
    caption="The engine behind every chart in this course, called directly.",
    expanded=False,
)

quiz.render()
prev_next_links(0)

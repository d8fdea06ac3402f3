"""Chapter 2 · Momentum.

Reads top to bottom like the lesson: the ravine, the velocity, the moving average,
SGD and momentum side by side, a hand calculation, overshoot, Nesterov's lookahead,
code from scratch, quiz.
"""

import numpy as np
import streamlit as st

from chapters.ch02_momentum import logic, quiz, sections, theory_section
from core.nav import chapter_header, prev_next_links
from engine import landscapes, optimizers
from kit.code_panel import code_panel
from kit.format import fmt
from kit.measure import averaging_window

chapter_header(2)

momentum_info = optimizers.info("momentum")
nesterov_info = optimizers.info("nesterov")
default_beta = float(momentum_info.defaults["beta"])

st.markdown(
    """
Drop a ping-pong ball into a half-pipe and it rattles from wall to wall, never
getting up much speed in any one direction. Drop a bowling ball into the same
half-pipe and it rolls straight down the middle: its weight carries it through the
small side-to-side bumps, and the one direction that keeps pulling it, downhill,
wins. This chapter gives the optimizer that weight.
"""
)

# --------------------------------------------------------------------------- ravine
st.header("The ravine problem")
facts = logic.ravine_facts()
ravine = landscapes.get(logic.RACE_LANDSCAPE)
st.markdown(
    "Picture a long, narrow trough: steep walls across it, a gentle slope along its floor. "
    "The engine's ravine is exactly that:"
)
st.latex(ravine.latex)
st.markdown(
    f"""
At the usual start, ({fmt(facts["x0"])}, {fmt(facts["y0"])}), the gradient is
({fmt(facts["gx"])}, {fmt(facts["gy"])}): the push **across** the trough (x) is
{fmt(facts["ratio"], 3)} times the push **along** it (y), the direction we actually
need to travel. The walls curve {fmt(facts["hx"] / facts["hy"], 3)} times more sharply
than the floor (curvatures {fmt(facts["hx"])} and {fmt(facts["hy"])}).

Plain SGD has one learning rate for both directions, and that is the trap. The steep
direction caps η: past 2 / curvature = {fmt(facts["sgd_limit"], 3)} every step across
the trough lands farther out than the last, and the run diverges. Above
1 / curvature = {fmt(1 / facts["hx"], 3)} each step already jumps over the floor to the
opposite wall, so the ball zig-zags. Along the floor the same small η moves only a
sliver per step, and the run crawls.

Look at what the zig-zag does to the gradients, though. Across the trough they **flip
sign** every step (left wall, right wall, left wall …); along it they **keep the same
sign**. Add up the recent gradients and the flip-flopping part cancels while the
steady part piles up. A running sum of gradients is called a **velocity**, and
stepping along it is **momentum**.
"""
)

# --------------------------------------------------------------------------- update rule
st.header("The momentum update")
st.markdown("Momentum keeps one extra vector, the velocity v, the same shape as θ. Each step:")
st.latex(momentum_info.update_latex)
st.markdown(
    f"""
| Symbol | Name | Meaning |
| --- | --- | --- |
| v<sub>t</sub> | velocity | the accumulated gradient history: the ball's inertia |
| β | momentum coefficient | how much of the old velocity survives each step (the engine's default is {fmt(default_beta)}) |
| g<sub>t</sub> | gradient | the fresh (mini-batch) gradient ∇L(θ<sub>t−1</sub>) |
| v<sub>0</sub> | starting velocity | zero: the ball starts at rest |

Read the first line as "keep a fraction β of how I was moving and add today's
gradient", the second as "move along that". With β = 0 the velocity is just the
current gradient, and plain SGD is back.
""",
    unsafe_allow_html=True,
)

st.subheader("Velocity is an exponentially weighted sum of gradients")
st.markdown("Unroll the recursion from v₀ = 0 and a pattern appears:")
st.latex(r"v_1 = g_1,\qquad v_2 = \beta g_1 + g_2,\qquad v_3 = \beta^2 g_1 + \beta g_2 + g_3")
st.latex(
    r"v_t = \sum_{k=0}^{t-1} \beta^{k}\, g_{t-k} = g_t + \beta g_{t-1} + \beta^2 g_{t-2} + \dots"
)
st.markdown(
    """
The gradient from k steps ago still counts, but with weight β<sup>k</sup>; since
β < 1 old gradients fade away geometrically. All the weights together add up to
1/(1 − β), which is why that number is called the **effective window**: the velocity
behaves roughly like the sum of the last 1/(1 − β) gradients. (Strictly, v is
1/(1 − β) times an exponential moving average, so on a steady slope the steps get
about that many times longer than plain SGD's. Chapter 4's Adam divides that factor
back out.) Move β and watch the memory stretch:
""",
    unsafe_allow_html=True,
)
sections.ema_explorer()

# --------------------------------------------------------------------------- race
st.header("See it: SGD vs momentum on the ravine")
st.markdown(
    """
Both balls start at the same point with the same learning rate; the right one has
momentum. The page opens with the first stretch already run: press ▶ under the chart
to replay it side by side. **Step** moves both by one update, **Play** computes a
stretch more, **Reset** puts both back at the start. Change η or β mid-run and both
carry on from where they are; click a panel to start both somewhere else.
"""
)
sections.sgd_vs_momentum()
st.markdown(
    f"""
**What to notice.** On the left, SGD jumps from one wall of the trough to the other on
every step while it creeps up the floor. On the right, the velocity adds up the steady
pull along the floor, while the pushes across it alternate in sign and largely cancel:
with a moderate β the zig-zag calms and the ball covers the trough in far fewer steps.
Now try the usual β = {fmt(logic.RACE_PRESETS["usual"][2])}: faster still, but the same inertia that builds speed carries
the ball past the floor, and it sways from wall to wall in wider, slower arcs. With too
much memory the sway takes over. The sweep above finds the best compromise for the
current η. Push η past SGD's limit and only the momentum run survives.
"""
)

st.subheader("What β controls")
st.markdown("The effective window sets the character of the optimizer:")
sections.beta_guide()
st.markdown(
    f'When people say "SGD with momentum" they nearly always mean β = {fmt(default_beta)}: '
    "enough memory to smooth out noise and zig-zags, little enough to change course "
    "within a few dozen steps."
)

# --------------------------------------------------------------------------- theory
st.header("The theory of the ravine")
st.markdown(
    "On this ravine the race above is not a matter of luck: it can be predicted. The loss "
    "is two independent directions, each with its own curvature λ:"
)
st.latex(r"L(x, y) = \tfrac12\left(\lambda_{\max}\, x^2 + \lambda_{\min}\, y^2\right)")
st.markdown(
    """
Plain gradient descent multiplies the distance in each direction by 1 − ηλ per step, so
the worse of the two sets its speed. Momentum also remembers its last step, so in each
direction it follows a two-term recursion:
"""
)
st.latex(r"x_{t+1} = (1 + \beta - \eta\lambda)\, x_t - \beta\, x_{t-1}")
st.markdown(
    """
The larger root (in size) of z² − (1 + β − ηλ) z + β = 0, worst over the two directions,
is the **rate** ρ: the error shrinks by ρ every step. Complex or negative roots mean the
run swings to and fro across the minimum (**oscillates**); real positive ones mean it
creeps in from one side (**monotone**); ρ ≥ 1 means it **diverges**.

The best settings have closed forms (Polyak, 1964), and they depend on the ravine only
through its **condition number** κ = λ<sub>max</sub> / λ<sub>min</sub>. Slide κ and watch
both maps reshape and the best β climb towards 1.
""",
    unsafe_allow_html=True,
)
theory_section.theory_of_the_ravine()

# --------------------------------------------------------------------------- worked
st.header("By hand: five steps of momentum")
table = sections.lesson_table()
st.markdown(
    f"""
Back to the one-weight parabola f(θ) = (θ − 3)², slope f′(θ) = 2(θ − 3), starting at
θ = 0. Momentum runs with η = {fmt(logic.LESSON_ETA)} and β = {fmt(logic.LESSON_BETA)};
plain SGD with the same η runs beside it.

Why such a small learning rate? On a steady slope the velocity
grows to about 1/(1 − β) = {fmt(averaging_window(logic.LESSON_BETA), 3)} gradients' worth,
so every step would be that many times longer. Turning momentum on and η down go
together.
"""
)
sections.worked_tables()

# --------------------------------------------------------------------------- overshoot
st.header("Momentum's dark side: overshoot")
st.markdown(
    """
The inertia that speeds the ball down a steady slope also makes it hard to stop. When
it passes the minimum the gradient reverses, but the velocity still points the old
way: the new gradients first have to cancel the stored ones, and until they do the
ball keeps rolling uphill on the far side. Then it comes back, overshoots the other
way, and so on, each swing smaller by a factor of roughly √β.

Below, the same parabola and η as the table, run long enough to see the whole story.
Pick several values of β to compare.
"""
)
sections.overshoot_explorer()
over = {b: sections.overshoot(b) for b in (0.0, default_beta)}
plain_story = (
    "At β = 0 (plain SGD) the ball never crosses θ = 3; it only creeps up on it."
    if over[0.0].peak_step is None
    else f"Even at β = 0 the ball crosses θ = 3, by {fmt(over[0.0].max_overshoot, 3)}."
)
st.markdown(
    f"""
{plain_story} At β = {fmt(default_beta)} it swings {fmt(over[default_beta].max_overshoot, 3)} past the
minimum before turning back at step {over[default_beta].peak_step}. The higher β, the
farther it swings and, above all, the longer the swinging lasts: the number of steps to
settle grows roughly like 1/(1 − β). How *soon* the ball turns around depends mostly
on how steep the valley is; how long it keeps oscillating is β's doing.

In a real training run this shows up as a loss curve that dips, bumps up, and dips
lower again (switch the plot to the loss to see it). That sawtooth is normal with
momentum. If the bumps **grow** instead of shrink, the learning rate is too high.
"""
)

# --------------------------------------------------------------------------- Nesterov
st.header("Nesterov: look before you leap")
st.markdown(
    f"""
Classical momentum measures the gradient where the ball **is**, then adds the stored
velocity on top. When the velocity is large, the ball is about to land somewhere quite
different, and the gradient at its current spot may say "keep going" even though the
landing point is already past the minimum.

Nesterov's accelerated gradient (NAG, {nesterov_info.year}) fixes the order: first let the velocity carry
the ball ahead, then measure the gradient **there**, at the lookahead point, and use it
to correct the velocity before committing:
"""
)
st.latex(r"\tilde\theta = \theta_{t-1} - \eta\beta v_{t-1},\qquad g_t = \nabla L(\tilde\theta)")
st.latex(r"v_t = \beta v_{t-1} + g_t,\qquad \theta_t = \theta_{t-1} - \eta v_t")
st.markdown(
    """
Classical: gradient at θ → update velocity → step. Nesterov: jump ahead by the old
velocity → gradient there → update velocity → step. Both cost one gradient per step;
Nesterov just asks about the slope where it is about to land. Near a minimum that
gradient already points back, so the velocity is trimmed before the overshoot rather
than after it.

Below, both kinds of momentum start together. Walk through the **next** Nesterov update
one sub-step at a time: the ball, the jump to the ghost (the lookahead), the gradient
measured there, and the step they combine into. Every vector shown is the engine's own.
"""
)
sections.nesterov_lab()
st.caption(
    "In PyTorch, `SGD(nesterov=True)` stores the lookahead point itself as the weights; "
    "the two forms take the same steps, shifted by ηβv."
)

# --------------------------------------------------------------------------- smoothing
st.header("The smoothing view")
st.markdown(
    f"""
β = {fmt(default_beta)} means that each step keeps {fmt(100 * default_beta)} % of the
old velocity and adds one fresh gradient to it. One noisy gradient cannot turn a heavy
ball. Components that flip sign from
step to step, like the rattle across a ravine or mini-batch noise, largely cancel in
the sum; components that stay put accumulate. Momentum finds out which is which from
the gradient history alone, without knowing anything about the landscape, for the
price of one extra vector of memory and one hyperparameter.
"""
)

# --------------------------------------------------------------------------- code
st.header("From scratch")
FROM_SCRATCH = '''
import numpy as np


def momentum_step(theta, v, grad, lr, beta):
    """Classical: add the gradient to the velocity, then move."""
    v = beta * v + grad(theta)
    return theta - lr * v, v


def nesterov_step(theta, v, grad, lr, beta):
    """Nesterov: take the gradient at the lookahead point."""
    peek = theta - lr * beta * v
    v = beta * v + grad(peek)
    return theta - lr * v, v


def grad(theta):
    return 2 * (theta - 3)  # slope of (theta - 3) ** 2


for name, step in (("momentum", momentum_step), ("nesterov", nesterov_step)):
    theta, v = np.zeros(1), np.zeros(1)
    print(name)
    for t in range(1, 6):
        theta, v = step(theta, v, grad, lr=0.01, beta=0.9)
        print(f"  step {t}: theta = {theta[0]:.4f}   v = {v[0]:.3f}")
'''
namespace = code_panel(
    FROM_SCRATCH,
    title="Momentum and Nesterov in a dozen lines of numpy",
    caption="One velocity per weight, one multiply-add per step. The output is what this "
    "code printed when the page loaded.",
)
scratch_theta, scratch_v = [], []
theta_s, v_s = np.zeros(1), np.zeros(1)
for _ in range(logic.TABLE_STEPS):
    theta_s, v_s = namespace["momentum_step"](
        theta_s, v_s, namespace["grad"], logic.LESSON_ETA, logic.LESSON_BETA
    )
    scratch_theta.append(float(theta_s[0]))
    scratch_v.append(float(v_s[0]))
if all(
    abs(a - b) < 1e-12 for a, b in zip(scratch_theta, table["momentum θ"][1:], strict=True)
) and all(abs(a - b) < 1e-12 for a, b in zip(scratch_v, table["velocity v"][1:], strict=True)):
    st.caption("✓ Same θ and v as the engine's five-step table above (checked at render time).")

WITH_ENGINE = """
from engine import landscapes, optimizers, simulate

ravine = landscapes.get("ravine")
for name, settings in (
    ("sgd", {"lr": 0.045}),
    ("momentum", {"lr": 0.045, "beta": 0.9}),
    ("nesterov", {"lr": 0.045, "beta": 0.9}),
):
    run = simulate.run(optimizers.make(name, **settings), ravine, ravine.start, steps=300)
    if run.diverged:
        print(f"{name:>9}: diverged at step {run.diverged_at}")
    else:
        print(f"{name:>9}: loss below 0.001 after {run.steps_to(1e-3)} steps")
"""
code_panel(
    WITH_ENGINE,
    title="The same three optimizers in the course engine, on the ravine",
    caption="The engine behind every chart on this page, called directly.",
    expanded=False,
)
st.markdown("In PyTorch all three are one class with different flags:")
st.code(
    """import torch

# vanilla, classical momentum, Nesterov momentum
plain = torch.optim.SGD(model.parameters(), lr=0.1)
heavy = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
ahead = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9,
                        nesterov=True)""",
    language="python",
)
st.caption("Shown for reference, not run here: the course engine does not depend on PyTorch.")

# --------------------------------------------------------------------------- reference
st.header("When to use which")
sections.variants_table()
st.markdown(
    """
SGD with (Nesterov) momentum is still the optimizer of choice for image
classification, where it often generalises better than Adam. The price is tuning: it
wants a carefully scheduled learning rate (chapter 7), while Adam is more forgiving,
which is one reason Adam dominates language and generative models.
"""
)

st.header("What momentum does not fix")
st.markdown(
    """
Momentum tames the zig-zag and speeds up travel along consistent slopes, but every
weight still shares one global learning rate. A weight that only ever sees tiny
gradients gets the same η as one that sees huge ones. Giving each weight its own,
self-tuning step size is the next idea: AdaGrad and RMSProp.
"""
)

st.page_link(
    "chapters/ch10_network/page.py",
    label="See momentum and Nesterov race SGD on a real network (chapter 10)",
    icon=":material/hub:",
    query_params={"setup": "momentum"},
)
quiz.render()
prev_next_links(2)

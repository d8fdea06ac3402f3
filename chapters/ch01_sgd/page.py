"""Chapter 1 · Vanilla SGD.

Reads top to bottom like the lesson: what an exact gradient costs, the mini-batch
estimator and why it is unbiased, the training loop, the noise lab (arrows, the 1/B
law, two walkers), the four-point example by hand, why noise helps, the batch-size
spectrum, code, quiz.
"""

import numpy as np
import streamlit as st

from chapters.ch01_sgd import logic, quiz, sections
from core.nav import chapter_header, prev_next_links
from engine import worked
from kit.code_panel import code_panel
from kit.format import fmt

chapter_header(1)

st.markdown(
    """
In chapter 0 the gradient was handed to us: one formula, one number. In a real model
the loss is not one formula but an **average over the training set**, one term per
example. With ℓ the loss on a single example, f the model and N the number of
examples:
"""
)
st.latex(r"L(\theta) = \frac{1}{N}\sum_{i=1}^{N} \ell\big(f(x_i;\theta),\,y_i\big)")
st.markdown("The gradient of an average is the average of the gradients:")
st.latex(r"\nabla L(\theta) = \frac{1}{N}\sum_{i=1}^{N} \nabla \ell_i(\theta)")
st.markdown(
    """
So one exact gradient means touching every example: run each through the model,
score it, backpropagate, and only then average the N per-example gradients into a
single step.
"""
)

st.header("What one exact gradient costs")
st.markdown(
    """
Put numbers on it. Take an ImageNet-sized data set and a network that needs about ten
milliseconds to push one image forward and back. Change any input to see the bill
recomputed.
"""
)
sections.cost_calculator()
st.markdown(
    """
Nobody trains like this. The escape is hidden in the formula above: the full gradient
is an *average*, and an average can be estimated from a sample.
"""
)

st.header("A handful of examples is enough")
st.markdown(
    """
Shuffle the example indices into a random order π and keep only the first B of them,
a **mini-batch**. Averaging their gradients gives an estimate of the full gradient:
"""
)
st.latex(r"\nabla\tilde L(\theta) = \frac{1}{B}\sum_{j=1}^{B} \nabla \ell_{\pi_j}(\theta)")
st.markdown(
    """
Each π<sub>j</sub> on its own is equally likely to be any of the N examples. That is
all it takes for the estimate to be **unbiased**: on average over the random draw it
equals the true gradient.
""",
    unsafe_allow_html=True,
)
st.latex(
    r"\begin{aligned}\mathbb{E}\big[\nabla\tilde L(\theta)\big]"
    r"&= \frac{1}{B}\sum_{j=1}^{B} \mathbb{E}\big[\nabla\ell_{\pi_j}(\theta)\big] \\"
    r"&= \frac{1}{B}\sum_{j=1}^{B} \frac{1}{N}\sum_{i=1}^{N} \nabla\ell_i(\theta)"
    r"= \nabla L(\theta)\end{aligned}"
)
st.markdown(
    """
Unbiased is not exact: any single batch misses, sometimes by a lot. How much it
misses is measured by the variance. With σ² the spread of single-example gradients
around their mean, a batch of B drawn without replacement has
"""
)
st.latex(
    r"\operatorname{Var}\big[\nabla\tilde L\big] = \frac{\sigma^2}{B}\cdot\frac{N-B}{N-1}"
    r",\qquad \text{where}"
)
st.latex(r"\sigma^2 = \frac{1}{N}\sum_{i=1}^{N}\big\|\nabla\ell_i - \nabla L\big\|^2")
st.markdown(
    """
For B much smaller than N the second factor is close to 1 and the variance simply
falls like 1/B: four times the batch, a quarter of the variance, half the typical
error. At B = N the factor is zero, because every "batch" is the whole data set.

Plug the estimate into the update rule and you have **stochastic gradient descent**
(SGD). Nothing else changes:
"""
)
st.latex(r"\theta \;\leftarrow\; \theta \;-\; \eta\,\nabla\tilde L(\theta)")
st.markdown(
    """
"Stochastic" because the step now depends on which examples happened to be drawn.
Each step is cheaper by a factor of N/B and noisier; the calculator above shows how
many noisy steps fit in the time of one exact one.
"""
)

st.subheader("The training loop: shuffle, split, update, repeat")
st.markdown(
    """
In practice the batches are not drawn independently. Each **epoch** shuffles the data
once, cuts the shuffled order into batches and takes one step per batch, so every
example is used exactly once per epoch. Here are ten examples going through it:
"""
)
sections.pipeline_demo()
st.markdown(
    """
Reshuffling every epoch matters. With a fixed order the same batches come back in the
same sequence every epoch, and the run can end up fitting that sequence rather than
the data. Frameworks shuffle by default (`DataLoader(shuffle=True)`); a hand-written
loader has to remember to.
"""
)

st.header("Full-batch vs mini-batch gradients")
st.markdown(
    f"""
Time to see the noise. Below is a small regression with two weights, fitted to
N = {logic.problem().n} noisy examples by mean squared error, so its loss is a tilted
bowl. At the current point the **black arrow** is the exact full-batch direction and
the **blue arrows** are {logic.N_ARROWS} random mini-batches of size B. The orange dotted
arrow is their average.

- Drag B down to 1 and the arrows scatter wildly; push it up and they close in on
  the black one.
- **Resample** draws new batches. The scatter changes, the average stays near black:
  that is unbiasedness.
- Click near the star (the optimum). The black arrow shrinks to nothing, but the blue
  ones do not: close to a minimum the noise is all that is left.
"""
)
sections.gradient_noise_lab()
st.markdown(
    """
The variance plot is the 1/B law measured: each hollow circle is the
spread of thousands of random batches, and it sits on the theory line. Two walkers
make the cost-benefit concrete. Per *step*, the full-batch walker wins: it never
wastes a step. Per *example processed* (switch the horizontal axis), the mini-batch
walker is usually far ahead, because each of its steps reads only B examples instead
of N. That is the trade SGD makes.
"""
)

st.header("Worked by hand: four points")
st.markdown(
    """
Shrink everything to a size you can check with a pencil: four data points, a line
through the origin y = θx, and the squared error of each point.
"""
)
st.latex(r"\ell_i(\theta) = (y_i - \theta x_i)^2")
st.markdown("Its slope with respect to θ, the per-example gradient:")
st.latex(r"\frac{\partial \ell_i}{\partial\theta} = -2\,x_i\,(y_i - \theta x_i)")
theta0, lr = sections.worked_controls()
st.markdown(f"Each point's gradient at θ₀ = {theta0:g}:")
sections.four_point_data(theta0)
steps = sections.four_point_steps(theta0, lr)
full_g, first_g, stale_g, fresh_g = (float(v) for v in steps["batch gradient"])
full_t, first_t, stale_t, fresh_t = (float(v) for v in steps["θ after"])
theta_star = worked.least_squares_theta()
st.markdown(
    f"""
Read the table row by row (η = {lr:g}):

- **Full batch.** The mean of all four gradients is {fmt(full_g)}, so one step moves θ
  from {theta0:g} to **{fmt(full_t)}**. It cost four gradient evaluations.
- **Mini-batch 1**, examples 1 and 3: gradient {fmt(first_g)}, θ → **{fmt(first_t)}**.
- **Mini-batch 2**, examples 2 and 4, as the lesson computes it: it reuses the
  gradient taken at θ₀, {fmt(stale_g)}, and steps from {fmt(first_t)} to
  **{fmt(stale_t)}**. This is a shortcut, not what SGD does. Because both batch
  gradients come from the same θ₀, the two steps add up to exactly one full-batch step
  with twice the learning rate.
- **Mini-batch 2, as SGD really runs**: the gradient is taken where θ is now,
  {fmt(first_t)}. The residuals there are smaller, so the gradient is {fmt(fresh_g)}
  and θ lands at **{fmt(fresh_t)}**.

The same four gradient evaluations bought one step in full batch and two steps in
mini-batches, and either way the two small steps got further towards the best fit,
θ* = Σxy / Σx² = **{fmt(theta_star)}**. The two batch gradients disagree a lot
({fmt(first_g)} against {fmt(stale_g)} at θ₀) because batch 2 holds the two points
with large x, where errors weigh most. That disagreement is the variance.
"""
)
pairs, pair_grads, full_at_theta0 = logic.all_pairs_table(theta0)
left, right = st.columns([2, 3], gap="medium")
with left:
    st.table(pairs, hide_index=True)
with right:
    st.markdown(
        f"""
**Unbiased, checked.** The table lists all {len(pair_grads)} batches of two you could
draw at θ₀ = {theta0:g}. Their gradients range from {fmt(pair_grads.min())} to
{fmt(pair_grads.max())}, yet their average is **{fmt(pair_grads.mean())}**, exactly the
full-batch gradient {fmt(full_at_theta0)}.
A single draw can be far off; the draw *on average* is not.
"""
    )

st.header("Why the noise helps")
st.markdown(
    """
Noise sounds like a pure cost, a price paid for cheap steps. It is also useful, in
three ways.

**It shakes the walker out of sharp minima.** A sharp minimum is a narrow pit: low
loss, but only in a tiny region, so a small change of the weights sends the loss up.
Such pits tend to memorise the training set. Mini-batch noise jostles every step, and
a jostle that is harmless in a wide basin is enough to throw the walker out of a
narrow pit.

**Flat minima generalise better.** In a wide, flat basin the loss hardly changes when
the weights move a little. Test data behave like a slight shift of the training data,
so a flat minimum keeps its low loss on them, while a sharp one may not. Because the
noise makes sharp minima unstable, SGD tends to settle in flat ones: a regulariser you
never had to write down. It is also why very large batches, with little noise, can
generalise worse unless retuned.

**It pushes the walker off saddle points.** At a saddle the exact gradient is zero,
so full-batch descent that arrives exactly on the ridge stays there. A mini-batch
gradient is almost never exactly zero, and smaller batches push harder. Below, both
walkers start exactly on the saddle's ridge.
"""
)
sections.saddle_demo()
st.markdown(
    f"""
Over {logic.ESCAPE_RUNS} seeded runs from the same ridge point (η = {logic.ESCAPE_LR:g}), the number of
steps until |y| passes {logic.ESCAPE_Y:g}, which means rolling off towards a minimum:
"""
)
st.table(sections.escape_table(logic.ESCAPE_LR), hide_index=True)

st.header("The batch-size spectrum")
st.markdown(
    """
B is a dial between two extremes: one example per step (the most noise, the most
updates) and the whole data set (no noise, one update per epoch). Enter your data
set's size to see what each range of B means for it.
"""
)
sections.spectrum_section()
st.markdown(
    """
Most tasks train well with B somewhere between 32 and 256. Much smaller and the steps
are so noisy that progress becomes erratic (and the hardware idles); much larger and
the helpful noise fades, so the learning rate has to be retuned, typically scaled up
in proportion to B (the "linear scaling rule").
"""
)

FROM_SCRATCH = '''
import numpy as np

xs = np.array([1.0, 2.0, 3.0, 4.0])
ys = np.array([2.0, 4.0, 5.0, 8.0])


def train(theta, lr=0.01, batch_size=2, epochs=50, seed=0):
    """Mini-batch SGD for the line y = theta * x under squared error."""
    rng = np.random.default_rng(seed)
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(xs))  # 1. shuffle
        for first in range(0, len(xs), batch_size):  # 2. split into batches
            pick = order[first : first + batch_size]
            x, y = xs[pick], ys[pick]
            error = theta * x - y  # forward pass and residuals
            slope = np.mean(2 * x * error)  # 3. the batch gradient dL/dtheta
            theta = theta - lr * slope  # 4. one update per batch
        if epoch in (1, 10, 25, epochs):
            print(f"epoch {epoch:>2}: theta = {theta:.4f}")
    return theta


theta = train(1.0)
print(f"learned theta = {theta:.4f}")
print(f"least squares = {np.sum(xs * ys) / np.sum(xs * xs):.4f}")
'''

TORCH = """
import torch

xs = torch.tensor([[1.0], [2.0], [3.0], [4.0]])
ys = torch.tensor([[2.0], [4.0], [5.0], [8.0]])
loader = torch.utils.data.DataLoader(
    torch.utils.data.TensorDataset(xs, ys), batch_size=2, shuffle=True
)

model = torch.nn.Linear(1, 1, bias=False)
torch.nn.init.constant_(model.weight, 1.0)
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

for epoch in range(50):
    for x, y in loader:  # shuffle + split, done by the loader
        optimizer.zero_grad()  # clear last batch's gradient first
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()  # fills .grad with the batch gradient
        optimizer.step()  # theta <- theta - lr * grad
print(model.weight.item())
"""

WITH_ENGINE = """
from engine import minibatch

problem = minibatch.make_problem()
floor = problem.loss(problem.optimum)
budget = 640  # every run may read this many examples, in total
for batch in (1, 8, problem.n):
    steps = budget // batch
    _, mini = minibatch.sgd_paths(problem, problem.start, lr=0.1, steps=steps, batch_size=batch)
    gap = problem.loss(mini[-1]) - floor
    print(f"B = {batch:>2}: {steps:>3} steps on {budget} examples, loss above optimum {gap:.4f}")
"""

st.header("From scratch")
namespace = code_panel(
    FROM_SCRATCH,
    title="Mini-batch SGD in a dozen lines of numpy",
    caption="The four-point example, trained with the shuffle → split → update loop. The output "
    "below is what this code printed when the page loaded.",
)
engine_theta = worked.sgd_from_scratch()
trained = namespace.get("theta")
if isinstance(trained, float | np.floating) and abs(float(trained) - engine_theta) < 1e-12:
    st.caption(
        f"✓ Same θ as the engine's own run of this loop, {fmt(engine_theta, 4)} "
        "(checked at render time)."
    )
with st.expander("The same loop in PyTorch (shown, not run here)", icon=":material/code:"):
    st.code(TORCH.strip("\n"), language="python")
    st.markdown(
        """
`optimizer.step()` performs the update for every parameter of the model at once, and
the `DataLoader` does the shuffling and splitting. Note `zero_grad()`: PyTorch *adds*
each new gradient into `.grad`, so forgetting to clear it makes every step use the sum
of all gradients so far, one of the most common PyTorch bugs. (The loader's shuffle
uses PyTorch's own random numbers, so its θ differs from the numpy run in the last
digits.)
"""
    )
code_panel(
    WITH_ENGINE,
    title="The chapter's regression in the course engine",
    caption="The engine behind the arrows and walkers above, called directly: the same "
    "budget of examples spent as a few exact steps or many noisy ones.",
    expanded=False,
)

st.header("What SGD still gets wrong")
st.markdown(
    """
Cheap steps fix the cost problem, but SGD keeps two weaknesses of plain gradient
descent.

**No memory.** Each step looks only at the current batch. In a narrow ravine the
gradient points mostly across the valley, so SGD bounces from wall to wall while
creeping along the floor, and the batch noise makes the bouncing worse.

**One step size for everything.** A single η serves every weight, yet some weights
see large, steep gradients and others tiny, flat ones; in deep networks the two can
differ by orders of magnitude between layers.

The next chapter attacks the first problem with a simple physical idea: give the
ball some mass, so it builds up speed along the floor and stops rattling between
the walls.
"""
)

quiz.render()
prev_next_links(1)

"""Chapter 9 · Cheat sheet.

No new ideas: a decision flowchart that ends in a recipe, the reference tables, the
order to tune things in (measured on a toy), the whole course in nine cards, a quiz.
Data: content/cheatsheet.toml; the tree, logic and sections beside this file.
"""

import streamlit as st

from chapters.ch09_cheatsheet import logic, quiz, sections
from chapters.ch09_cheatsheet.tree import load_cheatsheet
from core.nav import chapter_header, prev_next_links
from engine import optimizers
from kit.code_panel import code_panel

chapter_header(9)
sheet = load_cheatsheet()
tree = sheet.tree

st.markdown(
    """
You have met every piece of the modern optimizer toolkit, from the bare update rule to
adaptive methods and schedules. This page adds nothing new. It folds the course into
the decisions you actually face at the start of a training run: which optimizer,
which learning rate, which schedule, how much weight decay, and what to tune first
when time is short.
"""
)

st.header("The decision flowchart")
st.markdown(
    f"""
Answer a few questions about your model and data, and the flowchart ends in a
recommendation. It has {sum(tree.node(n).is_question for n in tree.nodes)} questions
and {len(tree.leaves())} possible recipes. Either click your way through the nodes of
the chart or pick answers under it; both walk the same tree, and your path stays put
if you leave the page and come back.
"""
)
sections.flowchart()
st.caption(
    "The learning rates are peak values for typical model sizes, gathered from the papers "
    "that made each recipe popular and from common practice. Treat them as the centre of "
    "your first sweep, not as the answer."
)

st.subheader("Every recipe at a glance")
st.markdown(
    "All the end points of the flowchart in one table, for when you already know your situation:"
)
st.table(logic.recipes_table(tree), hide_index=True)

st.header("Quick reference: every optimizer")
st.markdown(
    """
Underneath the variety, every optimizer in this course takes the same shape: a
direction built from the gradients seen so far, scaled by one learning rate. What
differs is the direction, and how much memory it costs to build it.
"""
)
st.latex(r"\theta_t = \theta_{t-1} - \eta_t\, u_t")
st.latex(
    r"u_t = \begin{cases} g_t & \text{SGD} \\ v_t & \text{momentum} \\"
    r" \hat m_t / (\sqrt{\hat v_t} + \epsilon) & \text{Adam} \\"
    r" \operatorname{sign}(c_t) & \text{Lion} \end{cases}"
)
st.markdown(
    "The table comes from the course engine's own metadata. The state column is counted "
    "by the engine from the buffers it really allocates for a weight matrix, which is why "
    "Adafactor's factored statistics come out at a tiny fraction of a byte per weight. The "
    "chapter that teaches each one is in brackets."
)
st.table(logic.optimizer_reference_table(), hide_index=True)

st.header("Hyperparameter cheat sheet")
st.markdown(
    """
The defaults are the engine's (which follow PyTorch's); the typical ranges are what
papers and practitioners use. For the two averaging factors, the table also gives the
rough number of recent steps each average remembers:
"""
)
st.latex(r"\text{window} \approx \frac{1}{1-\beta}")
st.table(logic.hyperparameter_table(sheet.hyperparameters), hide_index=True)
beta2_low = next(h.typical[0] for h in sheet.hyperparameters if h.key == "beta2")
st.caption(
    "A note on β₂: the lesson this course follows starts its range higher, but large "
    f"language models are usually trained with β₂ = {beta2_low:g} (GPT-3, LLaMA), so the "
    "range here starts there."
)
st.subheader("Each optimizer's defaults")
st.markdown(
    "Straight from `optimizers.info(name).defaults`, so they are exactly what every "
    "simulation in this course starts from. Most follow PyTorch; a few are tuned for the "
    "course's 2-D landscapes (Sophia's rate, for one), so for real training start from "
    "the recipes above."
)
st.table(logic.optimizer_defaults_table(), hide_index=True)

st.header("Tuning priority")
st.markdown("With a limited budget for tuning, spend it in this order:")
st.markdown(
    "\n".join(
        f"{i}. **{item.name}.** {item.what}" for i, item in enumerate(sheet.priority, start=1)
    )
)

st.subheader("Measured: the learning rate comes first")
st.markdown(
    """
Is the rate really the setting that matters most? Here is an experiment you can run
right now. The engine trains AdamW on a landscape once per value while one
hyperparameter sweeps its typical range from the table above, and the chart shows
where each run ended up. A long bar means the choice of that setting mattered a lot.
"""
)
sections.sensitivity_section({h.key: h.typical for h in sheet.hyperparameters})

with st.expander("Changing the batch size? Rescale the learning rate", icon=":material/calculate:"):
    st.markdown(
        """
A bigger batch averages away more noise, so each step can afford to be longer. Two
rules of thumb say how much longer, for a batch that grows from B to B′:
"""
    )
    st.latex(
        r"\begin{aligned}\eta' &= \eta\,\frac{B'}{B} && \text{(linear: SGD)} \\"
        r"\eta' &= \eta\,\sqrt{\frac{B'}{B}} && \text{(square root: Adam, LAMB)}\end{aligned}"
    )
    sections.batch_scaling_calculator()

adamw = optimizers.info("adamw")
st.info(
    f"**The 80/20 rule.** Start with {adamw.display_name}, a short warmup and cosine decay, "
    "and sweep the learning rate. That gets you most of the way. The rest takes weeks of "
    "tuning that only pays off for large production runs, and even there most teams start "
    "from the published settings of a similar model.",
    icon=":material/lightbulb:",
)

FROM_SCRATCH = """
import numpy as np

from engine import landscapes, optimizers, schedules, simulate

land = landscapes.get("rosenbrock")
steps = 500

# One warmup + cosine shape with peak 1, scaled by eight peak rates at once:
# a single batched run sweeps them all.
shape = schedules.make(
    "cosine", peak_lr=1.0, total_steps=steps, warmup_steps=steps // 20, min_lr=0.1
)
peaks = simulate.log_grid(1e-3, 3.0, 8)
opt = optimizers.make("adamw", lr=lambda t: peaks[:, None] * shape(t))
run = simulate.run(opt, land, np.tile(land.start, (len(peaks), 1)), steps)

for peak, loss, blew_up in zip(peaks, run.final_loss, run.diverged):
    note = "  (diverged)" if blew_up else ""
    print(f"peak lr {peak:<7.3g} final loss {loss:.3g}{note}")
best = peaks[np.argmin(np.where(run.diverged, np.inf, run.final_loss))]
print(f"best peak rate on {land.title}: {best:.3g}")
"""

st.header("From scratch: the 80/20 recipe in code")
code_panel(
    FROM_SCRATCH,
    title="AdamW + warmup + cosine, with a learning-rate sweep",
    caption="The recipe above, on the Rosenbrock valley, using the course engine. The output "
    "is what this code printed when the page loaded.",
)

st.header("The whole course on one page")
st.markdown("One card per chapter, each a link back to it, with your quiz score so far.")
sections.chapter_cards(sheet.takeaways)
st.markdown(
    """
Every optimizer here is one idea dressed in different engineering: move the weights a
little way in a direction that lowers the loss. Momentum chooses the direction more
wisely, adaptive methods choose the step per weight, schedules choose it over time.
"""
)

quiz.render()
prev_next_links(9)

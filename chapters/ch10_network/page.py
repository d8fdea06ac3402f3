"""Chapter 10 · On a real network.

Reads top to bottom like the lesson: from surfaces to networks, the set-up, the race,
what each network learned, inside the optimizer, five claims put to the test, quiz.
"""

import streamlit as st

from chapters.ch10_network import quiz, sections
from core.nav import chapter_header, prev_next_links
from engine import datasets

chapter_header(10)

st.markdown(
    """
Every chapter so far rolled a ball over a surface of two weights. A neural network has
thousands, its loss surface cannot be drawn, and every gradient comes from a random
handful of examples. This chapter trains a real network, a small multilayer perceptron
written in numpy, with any of the thirteen optimizers of the course, live, all of them on
the same data from the same starting weights. Then it looks inside the optimizers while
they train and puts five of the course's claims to the test on what you see.
"""
)

st.header("Set up the race")
st.markdown(
    """
Four data sets are points in the plane with two classes, made from a seed as TensorFlow
Playground makes them: two spirals, two moons, a disc in a ring, XOR. The fifth is real:
handwritten digits, 8×8 pixels each, ten classes. The network has one to three hidden
layers and ends in a softmax over the classes; the loss is the cross-entropy.
"""
)
st.caption(
    f"Digits: {datasets.DIGITS_CITATION}. Shipped with the course as a 45 KB file "
    "(engine/data/digits.npz, rebuilt by tools/make_digits.py); nothing is downloaded."
)
setup = sections.setup_panel()

if setup is not None:
    st.header("The race")
    st.markdown(
        """
**Step** takes one update for every racer; **Play** fifty; **Train to T** the rest of the
race under a progress bar that **Stop** can interrupt without losing what was trained.
Changing anything above starts a new race from step 0. The bold curves are measured on
the validation set, which no racer trains on; the faint ones are each step's mini-batch.
A run whose loss explodes is stopped where it diverged and marked ✕.
"""
    )
    training = sections.race_section(setup)
    if training is not None:
        history = sections.race_history(setup, training)
        st.header("What each network learned")
        if training.dataset.name == "digits":
            st.markdown(
                """
For the digits, the confusion matrix counts which digit each validation image is and which
one the network said; everything off the diagonal is a mistake. Beside it, the mistakes
themselves: some are hard even for a person.
"""
            )
        else:
            st.markdown(
                """
Each panel colours the plane by what one racer's network says: orange where it answers
class 1, blue where it answers class 0, white on the boundary. Same data, same starting
weights, different optimizers: the boundaries grow differently.
"""
            )
        sections.learned_section(setup, training, history)

        st.header("Inside the optimizer")
        st.markdown(
            """
On a surface you could watch the ball. On a network, practitioners watch two numbers per
layer. The **update-to-weight ratio** ‖Δw‖/‖w‖ says how much of a layer one step changes:
a common rule of thumb wants it near 10⁻³ (far above, the layer is being thrown around;
far below, it barely learns). The **gradient norm** per layer shows where the signal is.
And an adaptive method turns one global η into a different step for every weight: the
last chart shows how far apart those steps are.
"""
        )
        sections.inside_section(setup, training, history)

    st.header("Five claims, put to the test")
    st.markdown(
        """
The course made claims on two-dimensional surfaces. Do they hold on this network? Each
experiment below trains on the data and network you set up above (batched, a few seconds,
cached), and its verdict says what the numbers show, including when a claim does not hold
at this small scale.
"""
    )
    sections.claims_section(setup)

quiz.render()
prev_next_links(10)

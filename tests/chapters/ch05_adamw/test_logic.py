"""Chapter 5's logic and figure: the decay runs, the chains of links, the shrink factor."""

import numpy as np
import pytest

from chapters.ch05_adamw import figures, logic
from engine import optimizers, worked
from kit.plots.base import MAX_FRAMES, figure_json_size

BUDGET = 300_000  # bytes of JSON per figure


def test_decay_figure_from_the_engine_is_small_and_labelled():
    runs = {
        logic.BUSY: worked.effective_decay(10.0, steps=logic.STEPS),
        logic.QUIET: worked.effective_decay(0.1, steps=logic.STEPS),
    }
    fig = figures.decay_figure(runs, step=120)
    assert len(fig.data) == 8 + 4  # 4 curves per panel, cursor + markers per panel
    assert len(fig.frames) <= MAX_FRAMES
    assert fig.layout.yaxis.type == "log"
    assert fig.layout.yaxis.title.text and fig.layout.yaxis2.title.text
    assert fig.layout.xaxis2.title.text == "step"
    assert figure_json_size(fig) <= BUDGET


def test_chain_links_read_from_the_engine():
    assert list(optimizers.chain_links("adam")) == [
        "add_decayed_weights",
        "scale_by_adam",
        "scale_by_learning_rate",
    ]
    assert list(optimizers.chain_links("adamw"))[:2] == ["scale_by_adam", "add_decayed_weights"]


def test_sgd_shrink_factor_is_one_minus_eta_lambda():
    assert logic.sgd_shrink_factor(0.01, 0.01) == pytest.approx(0.9999, abs=1e-15)


def test_engine_final_weights_match_a_manual_adamw():
    grads = np.array([[1.0, -2.0], [0.5, 0.5]])
    out = logic.engine_final_weights("adamw", grads, [1.0, 1.0], lr=0.1, wd=0.0)
    # First Adam step is ±lr per coordinate.
    assert out.shape == (2,) and np.all(np.isfinite(out))
    assert out[0] < 1.0 < out[1]

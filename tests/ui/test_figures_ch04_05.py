"""Figures and helpers of chapters 4 (Adam) and 5 (AdamW): step panels, presets, decay runs."""

import json

import numpy as np
import pytest

from engine import optimizers, worked
from ui import ch04, ch05, figures
from ui.figures import PanelCurve, StepPanel

BUDGET = 300_000  # bytes of JSON per figure


def adam_panels(grads):
    data = worked.adam_three_steps(grads=grads)
    steps = data["step"].astype(int)
    panels = [
        StepPanel(
            "gradient and m",
            (
                PanelCurve("g", data["gradient g"], bars=True),
                PanelCurve("m", data["m"], dash="dot"),
                PanelCurve("m̂", data["m̂"]),
            ),
        ),
        StepPanel("v", (PanelCurve("v", data["v"]), PanelCurve("v̂", data["v̂"]))),
        StepPanel(
            "update Δθ",
            (
                PanelCurve("Δθ", data["Δθ (signed)"], bars=True),
                PanelCurve("±η", np.full(len(steps), 1e-3), marked=False),
                PanelCurve("±η", np.full(len(steps), -1e-3), marked=False),
            ),
        ),
    ]
    return steps, panels


def test_step_panels_trace_counts_and_axes():
    steps, panels = adam_panels((4.0, -1.0, 3.0))
    fig = figures.step_panels_figure(steps, panels, highlight=2, animate=True)
    curves = sum(len(p.curves) for p in panels)
    assert len(fig.data) == curves + 2 * len(panels)  # + a cursor and markers per panel
    layout = fig.layout
    assert layout.yaxis.title.text == "gradient and m"
    assert layout.yaxis2.title.text == "v"
    assert layout.yaxis3.title.text == "update Δθ"
    assert layout.xaxis3.title.text == "step"
    assert layout.xaxis3.dtick == 1  # a few steps: whole-number ticks
    # One legend entry per label, even when a label appears twice (±η).
    shown = [t.name for t in fig.data if t.showlegend]
    assert len(shown) == len(set(shown)) and "±η" in shown


def test_highlight_marks_the_chosen_step_in_every_panel():
    steps, panels = adam_panels((4.0, -1.0, 3.0))
    fig = figures.step_panels_figure(steps, panels, highlight=2)
    cursors = [t for t in fig.data if t.name == "selected step" and t.mode == "lines"]
    dots = [t for t in fig.data if t.name == "selected step" and t.mode == "markers"]
    assert len(cursors) == len(dots) == 3
    assert all(list(c.x) == [2, 2] for c in cursors)
    m_hat = worked.adam_three_steps()["m̂"][1]
    assert dots[0].y[2] == pytest.approx(m_hat, rel=1e-6)  # g, m, m̂ are marked in panel 1
    assert len(dots[2].y) == 1  # the ±η lines carry no marker
    assert not fig.frames  # no playback unless asked


def test_playback_frames_move_only_the_highlight():
    grads = tuple(ch04.preset_gradients("noisy"))
    steps, panels = adam_panels(grads)
    fig = figures.step_panels_figure(steps, panels, highlight=10, animate=True)
    moving = [i for i, t in enumerate(fig.data) if t.name == "selected step"]
    assert len(fig.frames) == len(steps)
    for frame in fig.frames:
        assert list(frame.traces) == moving
    assert fig.layout.sliders[0].active == 9  # starts where the scrubber is
    assert fig.frames[4].data[0].x == (5, 5)
    assert figures.figure_json_size(fig) <= BUDGET
    json.loads(fig.to_json())


def test_log_panel_drops_non_positive_values_and_labels_decades():
    steps = np.arange(1, 6)
    panel = StepPanel("share (log)", (PanelCurve("a", [0.0, 1e-3, -1.0, 1e-2, 2e-2]),), log_y=True)
    fig = figures.step_panels_figure(steps, [panel], highlight=1)
    y = np.asarray(fig.data[0].y, dtype=float)
    assert np.isnan(y[0]) and np.isnan(y[2]) and y[3] == pytest.approx(1e-2)
    assert fig.layout.yaxis.type == "log" and fig.layout.yaxis.dtick == "D2"
    assert fig.data[-1].y[0] is None  # the marker on a missing value is left out


def test_decay_figure_from_the_engine_is_small_and_labelled():
    runs = {
        ch05.BUSY: worked.effective_decay(10.0, steps=ch05.STEPS),
        ch05.QUIET: worked.effective_decay(0.1, steps=ch05.STEPS),
    }
    fig = ch05.decay_figure(runs, step=120)
    assert len(fig.data) == 8 + 4  # 4 curves per panel, cursor + markers per panel
    assert len(fig.frames) <= figures.MAX_FRAMES
    assert fig.layout.yaxis.type == "log"
    assert fig.layout.yaxis.title.text and fig.layout.yaxis2.title.text
    assert fig.layout.xaxis2.title.text == "step"
    assert figures.figure_json_size(fig) <= BUDGET


def test_internals_figure_includes_the_uncorrected_step():
    data = ch04.adam_internals((4.0, -1.0, 3.0), 1e-3, 0.9, 0.999)
    fig = ch04.internals_figure(data, 1e-3, step=1)
    naive = next(t for t in fig.data if t.name == "no bias correction")
    # The uncorrected first step is (1 − β₁)/√(1 − β₂) times Adam's.
    assert naive.y[0] / data["Δθ (signed)"][0] == pytest.approx(0.1 / np.sqrt(0.001), rel=1e-6)
    assert figures.figure_json_size(fig) <= BUDGET


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize("name", list(ch04.PRESETS))
def test_presets_are_seeded_and_finite(name):
    a, b = ch04.preset_gradients(name, 3), ch04.preset_gradients(name, 3)
    np.testing.assert_array_equal(a, b)
    assert np.all(np.isfinite(a)) and len(a) >= 3
    if name == "sparse":
        assert np.mean(a == 0) > 0.5 and np.any(a != 0)
    if name == "flip":
        assert np.all(np.sign(a[:-1]) != np.sign(a[1:]))


def test_constant_gradient_bias_matches_the_formula():
    data = ch04.constant_gradient_bias(0.9, 0.999, steps=20)
    t = np.arange(1, 21)
    np.testing.assert_allclose(data["naive"]["m"], 1 - 0.9**t, rtol=1e-12)
    np.testing.assert_allclose(data["naive"]["v"], 1 - 0.999**t, rtol=1e-12)
    np.testing.assert_allclose(data["corrected"]["m_hat"], 1.0, rtol=1e-12)


def test_first_step_sizes_show_the_uncorrected_jump():
    sizes = ch04.first_step_sizes("bowl", (-2.4, 1.8), 0.1, steps=3)
    assert sizes["corrected"][0] == pytest.approx(0.1 * np.sqrt(2), rel=1e-6)
    assert sizes["naive"][0] / sizes["corrected"][0] == pytest.approx(np.sqrt(10), rel=1e-6)


def test_tex_writes_powers_of_ten():
    assert ch04.tex(1e-8) == "10^{-8}"
    assert ch04.tex(2.5e-9) == r"2.5\times 10^{-9}"
    assert ch04.tex(0.26) == "0.26"
    assert ch04.tex_factor(-1.0) == "(-1)"


def test_chain_links_read_from_the_engine():
    assert list(optimizers.chain_links("adam")) == [
        "add_decayed_weights",
        "scale_by_adam",
        "scale_by_learning_rate",
    ]
    assert list(optimizers.chain_links("adamw"))[:2] == ["scale_by_adam", "add_decayed_weights"]


def test_sgd_shrink_factor_is_one_minus_eta_lambda():
    assert ch05.sgd_shrink_factor(0.01, 0.01) == pytest.approx(0.9999, abs=1e-15)


def test_engine_final_weights_match_a_manual_adamw():
    grads = np.array([[1.0, -2.0], [0.5, 0.5]])
    out = ch05.engine_final_weights("adamw", grads, [1.0, 1.0], lr=0.1, wd=0.0)
    # First Adam step is ±lr per coordinate.
    assert out.shape == (2,) and np.all(np.isfinite(out))
    assert out[0] < 1.0 < out[1]

"""Chapter 4's figures and logic: the internals panels, presets, the bias numbers."""

import numpy as np
import pytest

from chapters.ch04_adam import figures, logic
from kit.plots.base import figure_json_size

BUDGET = 300_000  # bytes of JSON per figure


def test_internals_figure_includes_the_uncorrected_step():
    data = logic.adam_internals((4.0, -1.0, 3.0), 1e-3, 0.9, 0.999)
    fig = figures.internals_figure(data, 1e-3, step=1)
    naive = next(t for t in fig.data if t.name == "no bias correction")
    # The uncorrected first step is (1 − β₁)/√(1 − β₂) times Adam's.
    assert naive.y[0] / data["Δθ (signed)"][0] == pytest.approx(0.1 / np.sqrt(0.001), rel=1e-6)
    assert figure_json_size(fig) <= BUDGET


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize("name", list(logic.PRESETS))
def test_presets_are_seeded_and_finite(name):
    a, b = logic.preset_gradients(name, 3), logic.preset_gradients(name, 3)
    np.testing.assert_array_equal(a, b)
    assert np.all(np.isfinite(a)) and len(a) >= 3
    if name == "sparse":
        assert np.mean(a == 0) > 0.5 and np.any(a != 0)
    if name == "flip":
        assert np.all(np.sign(a[:-1]) != np.sign(a[1:]))


def test_constant_gradient_bias_matches_the_formula():
    data = logic.constant_gradient_bias(0.9, 0.999, steps=20)
    t = np.arange(1, 21)
    np.testing.assert_allclose(data["naive"]["m"], 1 - 0.9**t, rtol=1e-12)
    np.testing.assert_allclose(data["naive"]["v"], 1 - 0.999**t, rtol=1e-12)
    np.testing.assert_allclose(data["corrected"]["m_hat"], 1.0, rtol=1e-12)


def test_first_step_sizes_show_the_uncorrected_jump():
    sizes = logic.first_step_sizes("bowl", (-2.4, 1.8), 0.1, steps=3)
    assert sizes["corrected"][0] == pytest.approx(0.1 * np.sqrt(2), rel=1e-6)
    assert sizes["naive"][0] / sizes["corrected"][0] == pytest.approx(np.sqrt(10), rel=1e-6)


def test_tex_writes_powers_of_ten():
    assert logic.tex(1e-8) == "10^{-8}"
    assert logic.tex(2.5e-9) == r"2.5\times 10^{-9}"
    assert logic.tex(0.26) == "0.26"
    assert logic.tex_factor(-1.0) == "(-1)"

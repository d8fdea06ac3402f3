"""Chapter 2's theory of the ravine: the closed forms on screen against engine.theory and
the textbook formulas, the plane's figure (optimum marker, region labels), the click
reader, and the run's sentences."""

import math

import numpy as np
import pytest

from chapters.ch02_momentum import theory_logic as tl
from chapters.ch02_momentum.theory_figures import (
    CHOSEN_NAME,
    OPTIMUM_NAME,
    lr_ticks,
    plane_figure,
    run_loss_figure,
)
from engine import theory
from engine.theory import DIVERGES, MONOTONE, OSCILLATES


def test_kappa_80_closed_forms_match_the_textbook():
    forms = tl.closed_forms(80)
    lam_min, lam_max = 0.5, 40.0
    assert forms.lam_min == pytest.approx(lam_min)
    assert forms.lam_max == pytest.approx(lam_max)
    assert forms.kappa == pytest.approx(80)
    assert forms.momentum_beta == pytest.approx(((math.sqrt(80) - 1) / (math.sqrt(80) + 1)) ** 2)
    assert forms.momentum_rate == pytest.approx((math.sqrt(80) - 1) / (math.sqrt(80) + 1))
    assert forms.momentum_lr == pytest.approx((2 / (math.sqrt(lam_min) + math.sqrt(lam_max))) ** 2)
    assert forms.gd_lr == pytest.approx(2 / (lam_min + lam_max))
    assert forms.gd_rate == pytest.approx(79 / 81)


@pytest.mark.parametrize("kappa", tl.KAPPAS)
def test_closed_forms_equal_engine_theory_for_every_kappa(kappa):
    forms = tl.closed_forms(kappa)
    ravine = theory.Ravine.with_condition(kappa)
    assert (forms.momentum_lr, forms.momentum_beta, forms.momentum_rate) == pytest.approx(
        ravine.momentum_best
    )
    # The optimum's spectral radius is √β*, and GD's best rate is its max |1 − ηλ|.
    assert float(ravine.momentum_rate(forms.momentum_lr, forms.momentum_beta)) == pytest.approx(
        forms.momentum_rate, rel=1e-6
    )
    assert float(ravine.gd_rate(forms.gd_lr)) == pytest.approx(forms.gd_rate)
    start = tl.start_loss(ravine)
    assert forms.momentum_steps == float(
        theory.predicted_steps_to(forms.momentum_rate, start, tl.EPSILON)
    )
    assert forms.gd_steps >= forms.momentum_steps  # momentum's best never loses to GD's


def test_steeper_ravines_want_more_memory():
    betas = [tl.closed_forms(k).momentum_beta for k in tl.KAPPAS]
    assert betas == sorted(betas) and betas[-1] < 1


@pytest.fixture(scope="module")
def maps80():
    return tl.plane_maps(80, n=24, steps=150)


def test_plane_maps_predicted_is_the_spectral_radius(maps80):
    ravine = theory.Ravine.with_condition(80)
    lr, beta = np.meshgrid(maps80.lrs, maps80.betas)
    np.testing.assert_allclose(maps80.predicted, ravine.momentum_rate(lr, beta))
    assert set(np.unique(maps80.regions)) == {MONOTONE, OSCILLATES, DIVERGES}
    # Measured and predicted agree where both converge, and divergence where predicted.
    assert maps80.agreement < 0.01
    assert maps80.divergence_agrees > 0.97


def test_region_labels_sit_inside_their_regions(maps80):
    cells = tl.region_label_cells(maps80.regions)
    assert set(cells) == {MONOTONE, OSCILLATES, DIVERGES}
    for code, (row, col) in cells.items():
        assert maps80.regions[row, col] == code


def test_plane_figure_marks_the_optimum_and_labels_regions(maps80):
    forms = tl.closed_forms(80)
    optimum = (forms.momentum_lr, forms.momentum_beta)
    fig = plane_figure(maps80, "predicted", optimum=optimum, chosen=(0.02, 0.5), clickable=True)
    star = next(t for t in fig.data if t.name == OPTIMUM_NAME)
    assert star.x[0] == pytest.approx(math.log10(theory.Ravine.with_condition(80).momentum_best[0]))
    assert star.y[0] == pytest.approx(theory.Ravine.with_condition(80).momentum_best[1])
    chosen = next(t for t in fig.data if t.name == CHOSEN_NAME)
    assert chosen.x[0] == pytest.approx(math.log10(0.02))
    labels = {a.text for a in fig.layout.annotations}
    assert labels == {"<b>monotone</b>", "<b>oscillates</b>", "<b>diverges</b>"}
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text
    assert "Predicted" in fig.layout.title.text
    grid = next(t for t in fig.data if t.name == "click grid")
    assert len(grid.x) == maps80.lrs.size * maps80.betas.size


def test_measured_figure_greys_out_diverged_cells(maps80):
    fig = plane_figure(maps80, "measured", optimum=(0.08, 0.6))
    z = np.asarray(fig.data[0].z, dtype=float)
    assert np.isnan(z[maps80.measured_diverged]).all()
    assert "Measured" in fig.layout.title.text
    with pytest.raises(ValueError):
        plane_figure(maps80, "guessed", optimum=(0.08, 0.6))


def test_lr_ticks_lie_inside_the_grid(maps80):
    values, labels = lr_ticks(maps80.lrs)
    assert values and len(values) == len(labels)
    low, high = np.log10(maps80.lrs[[0, -1]])
    assert all(low <= v <= high for v in values)


def test_a_click_snaps_to_the_nearest_cell(maps80):
    lrs, betas = maps80.lrs, maps80.betas
    by_data = {"points": [{"customdata": [lrs[3] * 1.01, betas[7] + 0.001]}]}
    assert tl.pick_plane_point(by_data, lrs, betas) == (lrs[3], betas[7])
    by_xy = {"points": [{"x": float(np.log10(lrs[5])), "y": float(betas[2])}]}
    assert tl.pick_plane_point(by_xy, lrs, betas) == (lrs[5], betas[2])
    assert tl.pick_plane_point({"points": []}, lrs, betas) is None
    assert tl.pick_plane_point({"points": [{"x": "nan", "y": 1}]}, lrs, betas) is None
    assert tl.pick_plane_point(None, lrs, betas) is None


def test_the_run_at_the_optimum_converges_and_says_so():
    forms = tl.closed_forms(80)
    run = tl.point_run(80, forms.momentum_lr, forms.momentum_beta)
    assert run.diverged_at == -1
    assert run.predicted_rate == pytest.approx(forms.momentum_rate, rel=1e-6)
    assert run.predicted_steps == forms.momentum_steps
    assert 0 < run.measured_steps <= tl.RUN_STEPS
    text = tl.run_sentence(run)
    assert f"step {run.measured_steps}" in text and "oscillates" in text


def test_a_run_past_the_limit_diverges_and_says_so():
    run = tl.point_run(80, 0.2, 0.5)
    assert run.region == DIVERGES and run.diverged_at > 0
    assert f"diverged at step {run.diverged_at}" in tl.run_sentence(run)
    assert tl.steps_label(run.predicted_steps) == "never"
    fig = run_loss_figure(run)
    assert any(t.name == f"diverged at step {run.diverged_at}" for t in fig.data)


def test_a_slow_run_is_not_there_within_the_run():
    run = tl.point_run(80, 0.001, 0.0)
    assert run.region == MONOTONE and run.measured_steps == -1
    assert "still above" in tl.run_sentence(run)
    assert tl.steps_label(-1, tl.RUN_STEPS) == f"not within {tl.RUN_STEPS}"

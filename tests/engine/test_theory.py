"""Chapter 2's theory of the ravine: closed forms, and the engine's runs agreeing with them."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine import landscapes, optimizers, simulate, theory


def test_the_built_in_ravine_has_condition_number_80():
    ravine = theory.Ravine.with_condition(80)
    across, along = landscapes.RAVINE_CURVATURES
    assert (ravine.lam_max, ravine.lam_min) == (across, along)
    built_in, rebuilt = landscapes.get("ravine"), ravine.landscape()
    points = np.random.default_rng(0).uniform(-2, 2, size=(50, 2))
    np.testing.assert_allclose(rebuilt.loss(points), built_in.loss(points), rtol=1e-15)
    np.testing.assert_allclose(rebuilt.grad(points), built_in.grad(points), rtol=1e-15)
    assert rebuilt.bounds == built_in.bounds and rebuilt.start == built_in.start


@pytest.mark.parametrize("kappa", [1.0, 4.0, 80.0, 1000.0])
def test_closed_forms(kappa):
    ravine = theory.Ravine.with_condition(kappa, lam_min=0.5)
    assert ravine.kappa == pytest.approx(kappa)
    assert ravine.gd_best_lr == pytest.approx(2 / (0.5 + 0.5 * kappa))
    assert ravine.gd_best_rate == pytest.approx((kappa - 1) / (kappa + 1))
    assert float(ravine.gd_rate(ravine.gd_best_lr)) == pytest.approx(ravine.gd_best_rate)
    lr, beta, rate = ravine.momentum_best
    assert lr == pytest.approx((2 / (math.sqrt(0.5) + math.sqrt(0.5 * kappa))) ** 2)
    assert beta == pytest.approx(((math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1)) ** 2)
    assert rate == pytest.approx(math.sqrt(beta))
    # At the optimum both directions are critically damped: the spectral radius is √β*.
    assert float(ravine.momentum_rate(lr, beta)) == pytest.approx(rate, abs=1e-6)


def test_kappa_80_numbers():
    ravine = theory.Ravine.with_condition(80)
    lr, beta, rate = ravine.momentum_best
    assert beta == pytest.approx(((math.sqrt(80) - 1) / (math.sqrt(80) + 1)) ** 2, rel=1e-15)
    assert beta == pytest.approx(0.638208, abs=1e-6)
    assert rate == pytest.approx(0.798879, abs=1e-6)
    assert ravine.gd_best_rate == pytest.approx(79 / 81)
    # Momentum's best rate beats gradient descent's best by far.
    assert rate < ravine.gd_best_rate - 0.15


def test_momentum_without_beta_is_gradient_descent():
    ravine = theory.Ravine.with_condition(20)
    lrs = np.geomspace(1e-3, 0.5, 40)
    np.testing.assert_allclose(ravine.momentum_rate(lrs, 0.0), ravine.gd_rate(lrs), atol=1e-12)


def test_regions():
    ravine = theory.Ravine.with_condition(80)
    lr, beta, _ = ravine.momentum_best
    assert ravine.momentum_region(0.001, 0.0) == theory.MONOTONE  # tiny steps creep in
    assert ravine.momentum_region(0.045, 0.0) == theory.OSCILLATES  # ηλ_max > 1: swings
    assert ravine.momentum_region(0.06, 0.0) == theory.DIVERGES  # ηλ_max > 2
    assert ravine.momentum_region(lr, 0.95) == theory.OSCILLATES  # heavy ball rings
    assert ravine.momentum_region(0.2, 0.5) == theory.DIVERGES


def test_predicted_steps():
    assert theory.predicted_steps_to(0.5, 1.0, 1e-3) == math.ceil(
        math.log(1e-3) / (2 * math.log(0.5))
    )
    assert theory.predicted_steps_to(1.0, 1.0, 1e-3) == np.inf
    assert theory.predicted_steps_to(0.5, 1e-4, 1e-3) == 0


def test_steps_to_stay_below_ignores_a_passing_crossing():
    losses = np.array([5.0, 0.5, 2.0, 0.4, 0.2, 0.1])
    assert theory.steps_to_stay_below(losses, 1.0) == 3
    assert theory.steps_to_stay_below(losses, 0.01) == -1
    assert theory.steps_to_stay_below(np.array([0.1, 0.05]), 1.0) == 0


def test_fitted_rate_recovers_a_geometric_curve():
    t = np.arange(101)
    losses = np.stack([3.0 * 0.9 ** (2 * t), 0.7 * 0.5 ** (2 * t)], axis=1)
    np.testing.assert_allclose(theory.fitted_rate(losses), [0.9, 0.5], rtol=1e-10)


def test_measured_map_agrees_with_the_prediction():
    ravine = theory.Ravine.with_condition(80)
    lrs = np.geomspace(0.002, 0.08, 12)
    betas = np.array([0.0, 0.3, 0.6, 0.8])
    measured = ravine_map = theory.measured_rates(ravine, lrs, betas, steps=300)
    predicted = ravine.momentum_rate(*np.meshgrid(lrs, betas))
    stable = predicted < 0.99  # slower runs are still in their first phase after 300 steps
    np.testing.assert_allclose(measured.rate[stable], predicted[stable], atol=0.02)
    diverges = ravine.momentum_region(*np.meshgrid(lrs, betas)) == theory.DIVERGES
    assert diverges.any()
    # Fast growth runs 100 half-widths off within 300 steps; a rate just above 1 grows
    # too slowly to be flagged, but its fitted rate is not below 1.
    np.testing.assert_array_equal(ravine_map.diverged[predicted >= 1.05], True)
    slow_growth = diverges & (predicted < 1.05)
    assert np.all(ravine_map.diverged[slow_growth] | (measured.rate[slow_growth] >= 0.99))
    assert not ravine_map.diverged[predicted < 0.999].any()


def test_measured_map_rows_equal_single_runs():
    ravine = theory.Ravine.with_condition(30)
    measured = theory.measured_rates(ravine, [0.01, 0.05], [0.5, 0.9], steps=50)
    single = simulate.run(
        optimizers.make("momentum", lr=0.05, beta=0.9),
        ravine.landscape(),
        ravine.landscape().start,
        50,
    )
    np.testing.assert_array_equal(measured.losses[:, 1, 1], single.losses)


def test_bad_ravines_are_refused():
    with pytest.raises(ValueError, match="κ"):
        theory.Ravine.with_condition(0.5)
    with pytest.raises(ValueError):
        theory.Ravine(0.0, 1.0)
    with pytest.raises(ValueError):
        landscapes.quadratic_ravine(-1, 1)

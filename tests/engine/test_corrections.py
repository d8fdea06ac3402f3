"""Regression tests for the engine corrections of issue 10 and the bad input it refuses.

The values here are worked by hand from each algorithm's definition; the step-by-step
agreement with the reference libraries is in test_reference_parity.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from engine import landscapes, optimizers, schedules, simulate


def run_steps(opt, params, grad_fn, steps):
    state = opt.init(params)
    for _ in range(steps):
        params, state = opt.step(params, grad_fn, state)
    return params, state


def square_grad(p):
    return 2 * p  # f = θ²


# 1. Nesterov under a schedule -----------------------------------------------------------


def torch_nesterov_by_hand(rates, beta, theta, steps):
    """torch.optim.SGD(nesterov=True) written out: v = βv + g(φ); φ -= η_t (g + βv)."""
    velocity = 0.0
    for t in range(steps):
        g = 2 * theta
        velocity = beta * velocity + g
        theta = theta - rates[t] * (g + beta * velocity)
    return theta


def test_nesterov_equals_torch_under_a_step_schedule():
    """The issue's repro: after 4 steps torch holds −0.0826 where the old engine said 0.0735."""
    schedule = schedules.make("step", 0.1, 100, step_size=2, gamma=0.5)
    opt = optimizers.make("nesterov", lr=schedule, beta=0.9)
    params, _ = run_steps(opt, np.array([1.0]), square_grad, 4)
    expected = torch_nesterov_by_hand(schedule(np.arange(4)), 0.9, 1.0, 4)
    np.testing.assert_allclose(params, [expected], rtol=1e-14)
    assert params[0] == pytest.approx(-0.0826, abs=5e-5)


def test_nesterov_lesson_form_equals_torch_at_a_constant_rate_only():
    rate, beta = 0.1, 0.9
    lesson = optimizers.make("nesterov", lr=rate, beta=beta, lookahead=True)
    params, state = run_steps(lesson, np.array([1.0]), square_grad, 6)
    torch_phi = torch_nesterov_by_hand([rate] * 6, beta, 1.0, 6)
    np.testing.assert_allclose(lesson.lookahead(params, state), [torch_phi], rtol=1e-12)

    schedule = schedules.make("step", 0.1, 100, step_size=2, gamma=0.5)
    lesson = optimizers.make("nesterov", lr=schedule, beta=beta, lookahead=True)
    params, state = run_steps(lesson, np.array([1.0]), square_grad, 4)
    assert lesson.lookahead(params, state)[0] == pytest.approx(0.0735, abs=5e-5)


# 2, 3. LARS trust ratio ------------------------------------------------------------------


def lars_first_step(weights, grads, weight_decay, coefficient=1.0, lr=1.0):
    opt = optimizers.make(
        "lars", lr=lr, beta=0.9, weight_decay=weight_decay, trust_coefficient=coefficient
    )
    params = {"W": np.asarray(weights, dtype=float)}
    state = opt.init(params)
    _, _, notes = opt.step_with_info(params, lambda p: {"W": np.asarray(grads, float)}, state)
    return float(np.asarray(notes["trust_ratio/W"]).reshape(-1)[0]), notes


def test_lars_divides_by_grad_norm_plus_decayed_weight_norm():
    """The issue's example: ‖W‖ = 3, ‖g‖ = 4, λ = 0.5, c = 1 → 3 / (4 + 1.5), not 0.702."""
    ratio, notes = lars_first_step([[3.0, 0.0]], [[0.0, 4.0]], weight_decay=0.5)
    assert ratio == pytest.approx(3 / 5.5, rel=1e-15)
    # The ratio scales the decayed gradient g + λθ; the first velocity is that step.
    np.testing.assert_allclose(notes["update/W"], -(3 / 5.5) * np.array([[1.5, 4.0]]))


def test_lars_update_latex_shows_the_papers_denominator():
    latex = optimizers.info("lars").update_latex
    assert r"\lVert g_t\rVert + \lambda\lVert\theta_{t-1}\rVert" in latex


@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
def test_lars_ratio_is_one_for_a_zero_tensor(weight_decay):
    """A zero-initialised bias gets its plain gradient step, not c times it."""
    ratio, notes = lars_first_step([[0.0, 0.0]], [[1.0, -2.0]], weight_decay, coefficient=1e-3)
    assert ratio == 1.0
    np.testing.assert_allclose(notes["update/W"], -np.array([[1.0, -2.0]]))


def test_lars_ratio_is_one_for_a_zero_gradient_without_decay():
    ratio, _ = lars_first_step([[1.0, 2.0]], [[0.0, 0.0]], 0.0, coefficient=1e-3)
    assert ratio == 1.0


# 4. Noisy sweeps are B separate runs -----------------------------------------------------


def test_noisy_sweep_equals_its_single_runs_row_for_row():
    land = landscapes.get("noisy_ravine")
    rates = simulate.log_grid(1e-3, 0.05, 64)
    batch = simulate.sweep("momentum", land, land.start, 60, rates)
    for row in (0, 17, 63):
        single = simulate.run(optimizers.make("momentum", lr=rates[row]), land, land.start, 60)
        np.testing.assert_array_equal(batch.params[:, row], single.params)


def test_a_seed_fan_gives_each_run_its_own_seeds_noise():
    clean = landscapes.get("ravine")
    seeds = [3, 0, 11]
    fan = landscapes.noisy(clean, sigma=1.0, seed=seeds)
    starts = np.broadcast_to(clean.start, (3, 2))
    together = simulate.run(optimizers.make("sgd", lr=0.02), fan, starts, 30)
    for row, seed in enumerate(seeds):
        alone = landscapes.noisy(clean, sigma=1.0, seed=seed)
        single = simulate.run(optimizers.make("sgd", lr=0.02), alone, clean.start, 30)
        np.testing.assert_array_equal(together.params[:, row], single.params)
    assert not np.allclose(together.params[-1, 0], together.params[-1, 1])


@pytest.mark.parametrize("bad", [-1, 1.5, True, "7", []])
def test_noisy_refuses_a_bad_seed(bad):
    with pytest.raises(ValueError, match="seed"):
        landscapes.noisy(landscapes.get("ravine"), 1.0, seed=bad)


# 5. Every optimizer takes a schedule wherever it takes a rate ------------------------------


@pytest.mark.parametrize("name", optimizers.NAMES)
def test_every_optimizer_steps_under_a_schedule(name):
    schedule = schedules.make("cosine", 0.01, 10, warmup_steps=2)
    opt = optimizers.make(name, lr=schedule)
    params = {"W": np.array([[1.0, -2.0], [0.5, 3.0]]), "b": np.array([0.3, -0.1])}
    grad = {"W": np.array([[0.2, -0.4], [1.0, 0.5]]), "b": np.array([0.1, 0.2])}
    new, _ = run_steps(opt, params, lambda p: grad, 5)
    assert all(np.all(np.isfinite(v)) for v in new.values())
    assert any(not np.allclose(new[k], params[k]) for k in params)


def test_adafactor_uses_the_scheduled_rate_in_its_relative_step():
    schedule = schedules.make("cosine", 0.01, 10, warmup_steps=2)
    opt = optimizers.make("adafactor", lr=schedule)
    params = {"W": np.ones((2, 3))}
    state = opt.init(params)
    for t in (1, 2, 3):
        params, state, notes = opt.step_with_info(params, lambda p: {"W": np.ones((2, 3))}, state)
        expected = min(float(schedule(t - 1)), 1 / np.sqrt(t))
        assert float(np.asarray(notes["relative_step/W"])) == pytest.approx(expected)


# Bad input gets a clear error -------------------------------------------------------------


@pytest.mark.parametrize("bad_rate", [-0.1, np.nan, np.inf])
def test_a_schedule_giving_a_bad_rate_is_refused_at_that_step(bad_rate):
    opt = optimizers.make("sgd", lr=lambda step: 0.1 if step < 2 else bad_rate)
    params, state = np.array([1.0]), opt.init(np.array([1.0]))
    for _ in range(2):
        params, state = opt.step(params, square_grad, state)
    with pytest.raises(ValueError, match="rate must be finite and ≥ 0"):
        opt.step(params, square_grad, state)


def test_a_schedule_giving_a_bad_rate_is_refused_by_adafactor_too():
    opt = optimizers.make("adafactor", lr=lambda step: -1.0)
    with pytest.raises(ValueError, match="rate must be finite"):
        opt.step(
            {"W": np.ones((2, 2))},
            lambda p: {"W": np.ones((2, 2))},
            opt.init({"W": np.ones((2, 2))}),
        )


@pytest.mark.parametrize("name", optimizers.NAMES)
def test_a_gradient_shaped_unlike_the_params_is_refused(name):
    opt = optimizers.make(name)
    params = np.array([1.0, 2.0])
    with pytest.raises(ValueError, match="shape"):
        opt.step(params, lambda p: np.ones((3, 2)), opt.init(params))


def test_a_gradient_missing_a_leaf_is_refused():
    opt = optimizers.make("adam")
    params = {"W": np.ones((2, 2)), "b": np.ones(2)}
    with pytest.raises(ValueError, match="leaves"):
        opt.step(params, lambda p: {"W": np.ones((2, 2))}, opt.init(params))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_params_are_refused_at_init(bad):
    with pytest.raises(ValueError, match="finite"):
        optimizers.make("adam").init(np.array([1.0, bad]))
    with pytest.raises(ValueError, match="'b'"):
        optimizers.make("sgd").init({"W": np.ones((2, 2)), "b": np.array([bad, 0.0])})


@pytest.mark.parametrize("name", ["lamb", "lars", "adafactor"])
def test_zero_dimensional_params_are_one_scalar_tensor(name):
    """A 0-d array is a tensor with one weight: norms and RMS are its absolute value."""
    opt = optimizers.make(name, lr=0.1)
    scalar, _ = run_steps(opt, np.array(2.0), lambda p: 2 * p, 3)
    as_dict, _ = run_steps(opt, {"w": np.array(2.0)}, lambda p: {"w": 2 * p["w"]}, 3)
    assert np.ndim(scalar) == 0 and np.isfinite(scalar)
    assert float(scalar) == pytest.approx(float(as_dict["w"]), rel=1e-15)
    assert float(scalar) < 2.0


def test_lamb_on_a_scalar_moves_by_lr_times_its_size():
    """Trust ratio |θ|/|r| on a 0-d tensor: the first step is exactly η·|θ| against the sign of g."""
    opt = optimizers.make("lamb", lr=0.1)
    params, _ = run_steps(opt, np.array(2.0), lambda p: 2 * p, 1)
    assert float(params) == pytest.approx(2.0 - 0.1 * 2.0, rel=1e-12)


# Metadata says where a reference's convention is followed --------------------------------


@pytest.mark.parametrize("name", optimizers.NAMES)
def test_every_optimizer_names_its_reference(name):
    assert optimizers.info(name).reference


def test_radam_names_torchs_threshold_convention():
    assert "ρ_t > 5" in optimizers.info("radam").convention

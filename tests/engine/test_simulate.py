"""Runs, races and sweeps: batching, continuation, divergence."""

from __future__ import annotations

import numpy as np
import pytest

from engine import landscapes, optimizers, simulate


def test_a_run_records_every_step_and_its_loss():
    bowl = landscapes.get("bowl")
    traj = simulate.run(optimizers.make("sgd", lr=0.1), bowl, bowl.start, 25)
    assert traj.params.shape == (26, 2)
    assert traj.losses.shape == (26,)
    np.testing.assert_allclose(traj.losses, bowl.loss(traj.params))
    assert traj.diverged_at is None
    assert traj.losses[-1] < 1e-3 * traj.losses[0]


def test_stepping_one_update_at_a_time_repeats_the_precomputed_run():
    """What the Step button does (continue from the state) equals one long run."""
    land = landscapes.get("noisy_ravine")
    opt = optimizers.make("adam", lr=0.05)
    whole = simulate.run(opt, land, land.start, 12)
    params, state = np.asarray(land.start, dtype=float), None
    for _ in range(12):
        piece = simulate.run(opt, land, params, 1, state=state)
        params, state = piece.final_params, piece.final_state
    np.testing.assert_array_equal(params, whole.final_params)
    assert state["t"] == 12


def test_a_diverging_run_is_frozen_and_its_step_reported():
    bowl = landscapes.get("bowl")
    traj = simulate.run(optimizers.make("sgd", lr=1.5), bowl, bowl.start, 200)
    k = traj.diverged_at
    assert isinstance(k, int) and 0 < k < 200
    assert np.all(np.isfinite(traj.params)) and np.all(np.isfinite(traj.losses))
    np.testing.assert_array_equal(
        traj.params[k:], np.broadcast_to(traj.params[k - 1], traj.params[k:].shape)
    )
    assert traj.losses[k - 1] > traj.losses[0]  # it was blowing up before it was stopped


def test_a_nan_producing_run_is_caught_at_the_first_bad_step():
    rosen = landscapes.get("rosenbrock")
    traj = simulate.run(optimizers.make("sgd", lr=1.0), rosen, rosen.start, 50)
    assert traj.diverged_at is not None and traj.diverged_at <= 5
    assert np.all(np.isfinite(traj.params))


def test_in_a_batch_only_the_diverged_runs_freeze():
    bowl = landscapes.get("bowl")
    lrs = np.array([0.1, 1.2, 0.3])
    traj = simulate.sweep("sgd", bowl, bowl.start, 100, lrs)
    assert traj.params.shape == (101, 3, 2)
    assert traj.diverged_at[0] == -1 and traj.diverged_at[2] == -1
    assert traj.diverged_at[1] > 0
    assert traj.final_loss[0] < 1e-6 and traj.final_loss[2] < 1e-6
    single = simulate.run(optimizers.make("sgd", lr=1.2), bowl, bowl.start, 100)
    assert single.diverged_at == traj.diverged_at[1]


@pytest.mark.parametrize("name", optimizers.NAMES)
def test_a_sweep_equals_separate_runs(name):
    land = landscapes.get("rosenbrock")
    lrs = simulate.log_grid(1e-4, 1e-2, 4)
    traj = simulate.sweep(name, land, land.start, 40, lrs)
    for i, lr in enumerate(lrs):
        one = simulate.run(optimizers.make(name, lr=float(lr)), land, land.start, 40)
        np.testing.assert_allclose(traj.params[:, i], one.params, rtol=1e-10, atol=1e-14)


def test_recorded_states_and_diagnostics_have_one_entry_per_step():
    land = landscapes.get("elliptical")
    traj = simulate.run(
        optimizers.make("adam", lr=0.1), land, land.start, 7, record_state=True, record_info=True
    )
    assert traj.states["m"].shape == (8, 2) and traj.states["v"].shape == (8, 2)
    np.testing.assert_array_equal(traj.states["m"][0], 0.0)
    assert traj.info["m_hat"].shape == (7, 2)
    np.testing.assert_allclose(traj.info["update"], np.diff(traj.params, axis=0))


def test_race_runs_every_optimizer_from_the_same_start():
    land = landscapes.get("ravine")
    result = simulate.race(["sgd", "momentum", "adam"], land, land.start, 30)
    assert list(result) == ["sgd", "momentum", "adam"]
    for traj in result.values():
        np.testing.assert_array_equal(traj.params[0], land.start)


def test_steps_to_threshold():
    bowl = landscapes.get("bowl")
    traj = simulate.run(optimizers.make("sgd", lr=0.1), bowl, bowl.start, 60)
    k = traj.steps_to(1e-3)
    assert traj.losses[k] <= 1e-3 < traj.losses[k - 1]
    assert traj.steps_to(-1.0) is None


def test_bad_arguments_are_refused():
    bowl = landscapes.get("bowl")
    with pytest.raises(ValueError):
        simulate.run(optimizers.make("sgd"), bowl, [1.0, 2.0, 3.0], 5)
    with pytest.raises(ValueError):
        simulate.run(optimizers.make("sgd"), bowl, bowl.start, -1)
    with pytest.raises(ValueError):
        simulate.log_grid(1.0, 0.1, 10)

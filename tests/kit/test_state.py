"""Run records: stepping, playing, retuning and restarting are pure and exact."""

import numpy as np
import pytest

from engine import landscapes, optimizers, simulate
from kit import state
from kit.state import PageState, advance, restart, retune, start_run, sync_run


def test_stepping_one_at_a_time_equals_one_long_run():
    run = start_run("momentum", {"lr": 0.01, "beta": 0.9}, "ravine", (1.0, -3.5))
    for _ in range(5):
        run = advance(run, 1)
    land = landscapes.get("ravine")
    traj = simulate.run(optimizers.make("momentum", lr=0.01, beta=0.9), land, (1.0, -3.5), 5)
    assert run.steps == 5
    np.testing.assert_allclose(run.path, traj.params)
    np.testing.assert_allclose(run.losses, traj.losses)
    np.testing.assert_allclose(run.buffers["velocity"], traj.final_state["velocity"])
    assert run.opt_state["t"] == 5


def test_play_marks_the_new_stretch_and_step_clears_it():
    run = advance(start_run("sgd", {"lr": 0.1}, "bowl", (1.0, 1.0)), 3)
    played = advance(run, 10, play=True)
    assert played.steps == 13 and played.play_from == 3
    assert advance(played, 1).play_from is None


def test_retune_keeps_history_and_buffers():
    run = advance(start_run("momentum", {"lr": 0.01, "beta": 0.9}, "bowl", (2.0, 0.0)), 4)
    tuned = retune(run, {"lr": 0.02, "beta": 0.9})
    assert tuned.steps == 4
    np.testing.assert_array_equal(tuned.buffers["velocity"], run.buffers["velocity"])
    nxt = advance(tuned, 1)
    v = 0.9 * run.buffers["velocity"] + 2 * run.params
    np.testing.assert_allclose(nxt.params, run.params - 0.02 * v)


def test_retune_rejects_invalid_values():
    run = start_run("sgd", {"lr": 0.1}, "bowl", (1.0, 1.0))
    with pytest.raises(ValueError):
        retune(run, {"lr": -1.0})


def test_restart_goes_back_to_the_start():
    run = advance(start_run("sgd", {"lr": 0.1}, "bowl", (1.0, 1.0)), 7)
    fresh = restart(run)
    assert fresh.steps == 0 and fresh.start == (1.0, 1.0)
    assert restart(run, (0.5, 0.5)).start == (0.5, 0.5)


def test_divergence_is_recorded_and_stepping_stops():
    run = advance(start_run("sgd", {"lr": 1.5}, "bowl", (2.0, 2.0)), 200)
    assert run.diverged and run.diverged_at is not None
    assert advance(run, 5) is run
    assert np.all(np.isfinite(run.losses))


def test_history_is_capped():
    run = advance(start_run("sgd", {"lr": 0.01}, "bowl", (1.0, 1.0)), state.MAX_STEPS + 50)
    assert run.steps == state.MAX_STEPS


def test_recorded_buffers_follow_each_step():
    run = start_run("momentum", {"lr": 0.01, "beta": 0.9}, "bowl", (1.0, 0.0), record_buffers=True)
    run = advance(advance(run, 2), 3)
    assert run.buffer_history["velocity"].shape == (6, 2)
    np.testing.assert_allclose(state.buffers_at(run, 5)["velocity"], run.buffers["velocity"])
    np.testing.assert_allclose(state.buffers_at(run, 0)["velocity"], [0.0, 0.0])


def test_page_state_namespaces_keys():
    store = {}
    a, b = PageState("ch00", store), PageState("ch01", store)
    a.set("x", 1)
    b.set("x", 2)
    assert store == {"ch00::x": 1, "ch01::x": 2}
    assert a.get("x") == 1 and a.get("missing", 5) == 5


def test_sync_run_resets_on_landscape_or_start_and_retunes_on_hyperparameters():
    ps = PageState("p", {})
    settings = {
        "optimizer": "sgd",
        "hyperparams": {"lr": 0.1},
        "landscape": "bowl",
        "start": (1.0, 1.0),
    }
    run = sync_run(ps, "r", **settings)
    ps.update_run("r", advance(run, 3))
    same = sync_run(ps, "r", **settings)
    assert same.steps == 3
    tuned = sync_run(ps, "r", **{**settings, "hyperparams": {"lr": 0.2}})
    assert tuned.steps == 3 and tuned.hyperparams == {"lr": 0.2}
    moved = sync_run(ps, "r", **{**settings, "hyperparams": {"lr": 0.2}, "start": (0.0, 1.0)})
    assert moved.steps == 0
    other = sync_run(ps, "r", **{**settings, "landscape": "ravine"})
    assert other.steps == 0 and other.landscape == "ravine"


# --------------------------------------------------------------------------- replay_to


@pytest.mark.parametrize("noise", [None, (1.0, 4, 7)])
def test_replay_to_equals_stepping_there_one_update_at_a_time(noise):
    """A reload recomputes a race from its link: it must land exactly where Step did."""
    run = start_run("adam", {"lr": 0.05}, "rosenbrock", (-1.0, 2.0), noise=noise)
    stepped = run
    for _ in range(23):
        stepped = advance(stepped, 1)
    replayed = state.replay_to(run, 23)
    assert replayed.steps == 23
    np.testing.assert_array_equal(replayed.path, stepped.path)
    np.testing.assert_array_equal(replayed.losses, stepped.losses)
    for key, value in stepped.opt_state.items():
        np.testing.assert_array_equal(replayed.opt_state[key], value)
    # backwards too (a link to an earlier step), and a run already there is kept as it is
    assert state.replay_to(stepped, 5).steps == 5
    np.testing.assert_array_equal(state.replay_to(stepped, 5).path, stepped.path[:6])
    assert state.replay_to(stepped, 23) is stepped


def test_replay_to_is_clamped_to_the_history_limit():
    run = start_run("sgd", {"lr": 0.01}, "bowl", (1.0, 1.0))
    assert state.replay_to(run, -5).steps == 0
    assert state.replay_to(run, state.MAX_STEPS + 10).steps == state.MAX_STEPS

"""The run-status classifier, on synthetic histories and on real engine runs."""

import numpy as np
import pytest

from engine import landscapes, optimizers, simulate
from kit.status import classify_run


def geometric(start, factor, n):
    return start * factor ** np.arange(n + 1)


def test_ready_before_the_first_step():
    assert classify_run(np.array([9.0])).code == "ready"


def test_fast_geometric_decay_is_converging():
    assert classify_run(geometric(9.0, 0.64, 5), grad_norm=1.0).code == "converging"


def test_slow_decay_is_crawling():
    assert classify_run(geometric(9.0, 0.995, 30), grad_norm=3.0).code == "crawling"


def test_engine_divergence_wins():
    status = classify_run(geometric(9.0, 0.5, 5), diverged_at=3)
    assert status.code == "diverging" and "3" in status.detail


def test_growing_bounces_are_diverging():
    assert classify_run(geometric(9.0, 1.44, 4), grad_norm=10.0).code == "diverging"


def test_non_finite_loss_is_diverging():
    assert classify_run(np.array([1.0, np.inf])).code == "diverging"


def test_zero_slope_with_negative_curvature_is_a_saddle():
    losses = np.array([7.25, 3.0, 1.5, 1.0001, 1.0])
    status = classify_run(losses, grad_norm=1e-5, min_curvature=-2.0)
    assert status.code == "saddle"


def test_zero_slope_with_positive_curvature_has_converged():
    losses = np.array([4.0, 1.0, 0.5, 0.2])
    assert classify_run(losses, grad_norm=1e-6, min_curvature=2.0).code == "converged"


def test_at_the_floor_is_converged():
    assert classify_run(np.array([9.0, 0.0]), grad_norm=0.0).code == "converged"


def run_engine(landscape, lr, steps, start=None):
    land = landscapes.get(landscape)
    traj = simulate.run(optimizers.make("sgd", lr=lr), land, start or land.start, steps)
    p = traj.params[-1]
    return classify_run(
        traj.losses,
        diverged_at=traj.diverged_at,
        grad_norm=float(np.linalg.norm(land.grad(p))),
        min_curvature=float(np.min(land.hessian_diag(p))),
        start_grad_norm=float(np.linalg.norm(land.grad(traj.params[0]))),
        path=traj.params,
    )


@pytest.mark.parametrize(
    ("landscape", "lr", "steps", "expected"),
    [
        ("bowl", 0.1, 10, {"converging"}),
        ("bowl", 1.1, 10, {"diverging"}),
        ("bowl", 1.5, 40, {"diverging"}),
        ("bowl", 0.005, 20, {"crawling"}),
        ("ravine", 0.005, 40, {"crawling"}),
        ("saddle", 0.1, 17, {"saddle"}),
        ("saddle", 0.05, 30, {"saddle"}),
        ("saddle", 0.01, 30, {"crawling"}),
        ("saddle", 0.1, 80, {"converged"}),
        ("ravine", 0.05, 30, {"oscillating"}),
        ("bowl", 0.5, 3, {"converged"}),
    ],
)
def test_engine_runs_get_the_lesson_status(landscape, lr, steps, expected):
    assert run_engine(landscape, lr, steps).code in expected


def test_steady_bounce_is_oscillating():
    path = np.array([[(-1.0) ** k, 1.0 - 0.001 * k] for k in range(12)])
    losses = np.full(12, 20.0) - 0.001 * np.arange(12)
    assert classify_run(losses, grad_norm=40.0, path=path).code == "oscillating"


# Leaving the saddle (issue 12): slow progress that speeds up every step is not a crawl.


def test_steps_growing_each_time_is_picking_up_speed_not_crawling():
    # The loss falls by more on each step, and each step is longer than the last.
    losses = 10.0 - 0.001 * np.arange(12) ** 2
    path = np.array([[0.0, 0.001 * k**2] for k in range(12)])
    status = classify_run(losses, grad_norm=0.5, path=path)
    assert status.code == "accelerating" and "crawl" not in status.label.lower()
    # The same slow drops at a steady pace are still a crawl.
    steady = 10.0 - 0.001 * np.arange(12)
    steady_path = np.array([[0.0, 0.001 * k] for k in range(12)])
    assert classify_run(steady, grad_norm=0.5, path=steady_path).code == "crawling"


@pytest.mark.parametrize("steps", [18, 19, 20, 21, 22])
def test_the_ball_leaving_the_saddle_is_picking_up_speed(steps):
    status = run_engine("saddle", 0.1, steps)
    assert status.code == "accelerating"
    assert "saddle" in status.detail and "too small" not in status.detail

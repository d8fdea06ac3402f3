"""The mini-batch model: unbiased batch gradients whose variance falls like 1/B."""

from __future__ import annotations

import numpy as np
import pytest

from engine import minibatch

approx = pytest.approx


@pytest.fixture(scope="module")
def problem() -> minibatch.Problem:
    return minibatch.make_problem(n=64, seed=0)


def test_problem_shapes_and_immutability(problem):
    assert problem.X.shape == (64, 2) and problem.y.shape == (64,)
    assert problem.n == 64
    with pytest.raises(ValueError):
        problem.X[0, 0] = 1.0
    with pytest.raises(AttributeError):
        problem.noise = 2.0  # type: ignore[misc]
    (x0, x1), (y0, y1) = problem.bounds
    assert x0 < problem.optimum[0] < x1 and y0 < problem.optimum[1] < y1
    assert x0 < problem.start[0] < x1 and y0 < problem.start[1] < y1


def test_same_seed_same_problem():
    a, b = minibatch.make_problem(seed=3), minibatch.make_problem(seed=3)
    c = minibatch.make_problem(seed=4)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y)
    assert not np.array_equal(a.X, c.X)


def test_contour_is_a_tilted_ellipse(problem):
    eigenvalues, eigenvectors = np.linalg.eigh(problem.curvature)
    assert eigenvalues.min() > 0
    assert eigenvalues.max() / eigenvalues.min() > 3  # not a circle
    assert np.abs(eigenvectors).min() > 0.2  # axes not aligned with w1, w2


def test_loss_is_vectorised(problem):
    grid = np.stack(np.meshgrid(np.linspace(-1, 4, 7), np.linspace(-4, 2, 5)), axis=-1)
    losses = problem.loss(grid)
    assert losses.shape == (5, 7)
    direct = np.mean((grid @ problem.X.T - problem.y) ** 2, axis=-1)
    assert losses == approx(direct, rel=1e-10)


def test_full_grad_matches_finite_differences(problem):
    rng = np.random.default_rng(1)
    h = 1e-6
    for w in rng.uniform(-3, 3, size=(5, 2)):
        numeric = np.array(
            [(problem.loss(w + h * e) - problem.loss(w - h * e)) / (2 * h) for e in np.eye(2)]
        )
        assert problem.full_grad(w) == approx(numeric, rel=1e-5, abs=1e-6)


def test_full_grad_is_mean_of_per_example_grads(problem):
    w = np.array([0.3, -2.0])
    assert problem.per_example_grads(w).shape == (64, 2)
    assert problem.per_example_grads(w).mean(axis=0) == approx(problem.full_grad(w))


def test_optimum_has_zero_gradient(problem):
    assert problem.full_grad(problem.optimum) == approx([0.0, 0.0], abs=1e-10)
    assert problem.loss(problem.optimum) < problem.loss(problem.optimum + [0.01, -0.01])
    assert problem.optimum == approx(minibatch.TRUE_WEIGHTS, abs=0.3)


def test_batch_gradient_is_unbiased(problem):
    w = problem.start
    for size in (1, 4, 16):
        grads = problem.batch_grads(w, size, n_batches=20000, seed=2)
        standard_error = np.sqrt(problem.theoretical_variance(w, [size])[0] / 20000)
        assert np.linalg.norm(grads.mean(axis=0) - problem.full_grad(w)) < 5 * standard_error


def test_batches_are_without_replacement_and_seeded(problem):
    idx = problem.batch_indices(16, 50, seed=7)
    assert idx.shape == (50, 16)
    assert all(len(set(row)) == 16 for row in idx.tolist())
    assert np.array_equal(idx, problem.batch_indices(16, 50, seed=7))
    assert not np.array_equal(idx, problem.batch_indices(16, 50, seed=8))
    w = problem.start
    assert np.array_equal(
        problem.batch_grads(w, 8, 30, seed=1), problem.batch_grads(w, 8, 30, seed=1)
    )


def test_variance_follows_one_over_b(problem):
    w = problem.start
    sizes = [1, 2, 4, 8, 16, 32]
    empirical = problem.gradient_variance(w, sizes, n_batches=4000, seed=0)
    theory = problem.theoretical_variance(w, sizes)
    # Sample variance of 4000 draws: relative error ≈ √(2/4000) ≈ 2 % (more for heavy tails).
    assert empirical == approx(theory, rel=0.15)
    assert np.all(np.diff(empirical) < 0)
    # Doubling B roughly halves the variance (exactly, up to the finite-population factor).
    assert theory[0] / theory[1] == approx(2 * 63 / 62, rel=1e-12)


def test_full_batch_has_no_variance(problem):
    w = problem.start
    assert problem.gradient_variance(w, [64], n_batches=50)[0] == approx(0.0, abs=1e-20)
    assert problem.theoretical_variance(w, [64])[0] == 0.0
    assert problem.theoretical_variance(w, [1])[0] == approx(problem.per_example_variance(w))


def test_invalid_batch_sizes(problem):
    with pytest.raises(ValueError):
        problem.batch_grads(problem.start, 0)
    with pytest.raises(ValueError):
        problem.batch_grads(problem.start, 65)
    with pytest.raises(ValueError):
        problem.theoretical_variance(problem.start, [0])


def test_sgd_paths(problem):
    full, mini = minibatch.sgd_paths(
        problem, problem.start, lr=0.1, steps=200, batch_size=4, seed=0
    )
    assert full.shape == mini.shape == (201, 2)
    assert np.array_equal(full[0], problem.start) and np.array_equal(mini[0], problem.start)
    assert problem.loss(full[-1]) < problem.loss(full[0])
    assert problem.loss(mini[-1]) < problem.loss(mini[0])
    assert np.linalg.norm(full[-1] - problem.optimum) < 0.05
    again = minibatch.sgd_paths(problem, problem.start, lr=0.1, steps=200, batch_size=4, seed=0)
    assert np.array_equal(again[1], mini)
    other = minibatch.sgd_paths(problem, problem.start, lr=0.1, steps=200, batch_size=4, seed=1)
    assert not np.array_equal(other[1], mini)


def test_full_size_batches_follow_the_full_batch_path(problem):
    full, mini = minibatch.sgd_paths(
        problem, problem.start, lr=0.1, steps=30, batch_size=64, seed=0
    )
    assert mini == approx(full, abs=1e-12)


def test_sgd_paths_full_batch_is_plain_gradient_descent(problem):
    full, _ = minibatch.sgd_paths(problem, problem.start, lr=0.05, steps=3, batch_size=8)
    w = problem.start.copy()
    for k in range(3):
        w = w - 0.05 * problem.full_grad(w)
        assert full[k + 1] == approx(w)

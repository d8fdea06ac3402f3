"""Tests for engine.landscapes: derivatives, critical points, shapes, noise."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from engine import landscapes

NAMES = landscapes.NAMES
CLEAN_NAMES = [n for n in NAMES if landscapes.get(n).noise_std == 0]


def random_points(ls: landscapes.Landscape, n: int = 20, seed: int = 0) -> np.ndarray:
    """``n`` uniform random points inside the landscape's bounds, shape (n, 2)."""
    rng = np.random.default_rng(seed)
    (x0, x1), (y0, y1) = ls.bounds
    return np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])


def central_diff(fn, xy: np.ndarray, axis: int, h: float = 1e-3) -> np.ndarray:
    """Richardson-extrapolated central difference of ``fn`` along coordinate ``axis``."""
    step = np.zeros(2)
    step[axis] = 1.0

    def diff(width: float) -> np.ndarray:
        return (fn(xy + width * step) - fn(xy - width * step)) / (2 * width)

    return (4 * diff(h / 2) - diff(h)) / 3


def full_hessian(ls: landscapes.Landscape, point: tuple[float, float]) -> np.ndarray:
    """Hessian at ``point``: analytic diagonal, off-diagonal from differences of the gradient."""
    xy = np.asarray(point, dtype=float)
    off = central_diff(lambda p: ls.grad(p)[..., 0], xy, axis=1)
    hxx, hyy = ls.hessian_diag(xy)
    return np.array([[hxx, off], [off, hyy]])


# --- registry --------------------------------------------------------------------


def test_names_in_order_and_noisy_one_registered() -> None:
    assert NAMES[:8] == (
        "bowl",
        "ravine",
        "saddle",
        "elliptical",
        "rosenbrock",
        "himmelblau",
        "rastrigin",
        "beale",
    )
    assert "noisy_ravine" in NAMES
    assert landscapes.get("noisy_ravine").noise_std > 0
    assert len(set(NAMES)) == len(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_get_returns_named_landscape_with_metadata(name: str) -> None:
    ls = landscapes.get(name)
    assert ls.name == name
    assert ls.title and ls.latex and ls.description
    (x0, x1), (y0, y1) = ls.bounds
    assert x0 < x1 and y0 < y1
    for x, y in (ls.start, *ls.minima, *ls.saddles):
        assert x0 <= x <= x1 and y0 <= y <= y1
    assert ls.minima


@pytest.mark.parametrize("bad", ["nope", "", "Bowl", None])
def test_get_refuses_unknown_names(bad: object) -> None:
    with pytest.raises(ValueError, match="bowl, ravine"):
        landscapes.get(bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", NAMES)
def test_landscapes_pickle(name: str) -> None:
    ls = landscapes.get(name)
    clone = pickle.loads(pickle.dumps(ls))
    assert clone == ls
    xy = random_points(ls)
    np.testing.assert_array_equal(clone.loss(xy), ls.loss(xy))


# --- derivatives -------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_grad_matches_finite_differences(name: str) -> None:
    ls = landscapes.get(name)
    xy = random_points(ls)
    numeric = np.stack([central_diff(ls.loss, xy, axis) for axis in (0, 1)], axis=-1)
    analytic = ls.grad(xy)
    scale = np.abs(analytic).max()
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8 * max(scale, 1.0))


@pytest.mark.parametrize("name", NAMES)
def test_hessian_diag_matches_finite_differences(name: str) -> None:
    ls = landscapes.get(name)
    xy = random_points(ls, seed=1)
    numeric = np.stack(
        [central_diff(lambda p, a=axis: ls.grad(p)[..., a], xy, axis) for axis in (0, 1)],
        axis=-1,
    )
    analytic = ls.hessian_diag(xy)
    scale = np.abs(analytic).max()
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-8 * max(scale, 1.0))


# --- critical points -----------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_minima_are_global_with_zero_loss_and_gradient(name: str) -> None:
    ls = landscapes.get(name)
    minima = np.array(ls.minima)
    losses = ls.loss(minima)
    np.testing.assert_allclose(losses, 0.0, atol=1e-12)
    np.testing.assert_allclose(ls.grad(minima), 0.0, atol=1e-8)
    assert losses.max() <= ls.loss(random_points(ls, n=2000, seed=2)).min()
    assert losses.max() <= ls.grid(150)[2].min() + 1e-6
    for point in ls.minima:
        assert np.all(np.linalg.eigvalsh(full_hessian(ls, point)) > 0)


@pytest.mark.parametrize("name", NAMES)
def test_saddles_are_critical_points_with_indefinite_hessian(name: str) -> None:
    ls = landscapes.get(name)
    for point in ls.saddles:
        np.testing.assert_allclose(ls.grad(np.array(point)), 0.0, atol=1e-8)
        low, high = np.linalg.eigvalsh(full_hessian(ls, point))
        assert low < 0 < high


@pytest.mark.parametrize("name", ["saddle", "himmelblau"])
def test_saddle_hessian_diagonal_has_mixed_signs(name: str) -> None:
    ls = landscapes.get(name)
    assert ls.saddles
    for point in ls.saddles:
        hxx, hyy = ls.hessian_diag(np.array(point))
        assert hxx * hyy < 0


def test_listed_saddles() -> None:
    assert landscapes.get("saddle").saddles == ((0.0, 0.0),)
    assert len(landscapes.get("himmelblau").saddles) == 4
    assert len(landscapes.get("himmelblau").minima) == 4


def test_himmelblau_minima_match_published_values() -> None:
    published = [
        (3.0, 2.0),
        (-2.805118, 3.131312),
        (-3.779310, -3.283186),
        (3.584428, -1.848126),
    ]
    np.testing.assert_allclose(landscapes.get("himmelblau").minima, published, atol=5e-7)


def test_classic_minima() -> None:
    assert landscapes.get("rosenbrock").minima == ((1.0, 1.0),)
    assert landscapes.get("beale").minima == ((3.0, 0.5),)
    assert landscapes.get("rastrigin").minima == ((0.0, 0.0),)
    rosen = landscapes.get("rosenbrock")
    assert rosen.bounds == ((-2.0, 2.0), (-1.0, 3.0)) and rosen.start == (-1.5, 2.0)


# --- the lessons the quadratic landscapes are built for --------------------------------


def test_ravine_and_elliptical_curvature_ratios() -> None:
    hxx, hyy = landscapes.get("ravine").hessian_diag(np.zeros(2))
    assert 50 <= hxx / hyy <= 100
    hxx, hyy = landscapes.get("elliptical").hessian_diag(np.zeros(2))
    assert 15 <= hxx / hyy <= 25


def test_ravine_sgd_zigzags_and_momentum_helps() -> None:
    ls = landscapes.get("ravine")
    lr, beta, steps = 0.04, 0.9, 100
    plain = np.array(ls.start)
    heavy, velocity = plain.copy(), np.zeros(2)
    xs = [plain[0]]
    for _ in range(steps):
        plain = plain - lr * ls.grad(plain)
        velocity = beta * velocity + ls.grad(heavy)
        heavy = heavy - lr * velocity
        xs.append(plain[0])
    signs = np.sign(xs[:10])
    assert np.all(signs[1:] != signs[:-1]), "SGD should zig-zag across the valley"
    assert ls.loss(heavy) < 0.05 * ls.loss(plain)


def test_bowl_start_matches_chapter0_parabola() -> None:
    ls = landscapes.get("bowl")
    assert ls.loss(np.array(ls.start)) == pytest.approx(9.0)


# --- shapes ------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("batch", [(), (5,), (3, 4)])
def test_batch_shapes(name: str, batch: tuple[int, ...]) -> None:
    ls = landscapes.get(name)
    xy = random_points(ls, n=max(int(np.prod(batch)), 1), seed=3).reshape(*batch, 2)
    loss, grad, hess = ls.loss(xy), ls.grad(xy), ls.hessian_diag(xy)
    assert loss.shape == batch and grad.shape == (*batch, 2) and hess.shape == (*batch, 2)
    assert loss.dtype == grad.dtype == hess.dtype == np.float64
    flat = xy.reshape(-1, 2)
    # batched evaluation is elementwise (up to SIMD rounding in np.cos / np.sin)
    for k, point in enumerate(flat):
        np.testing.assert_allclose(loss.reshape(-1)[k], ls.loss(point), rtol=1e-13)
        np.testing.assert_allclose(grad.reshape(-1, 2)[k], ls.grad(point), rtol=1e-13)
        np.testing.assert_allclose(hess.reshape(-1, 2)[k], ls.hessian_diag(point), rtol=1e-13)


def test_accepts_lists_and_rejects_bad_shapes() -> None:
    ls = landscapes.get("bowl")
    assert ls.loss([1.0, 2.0]) == 5.0
    np.testing.assert_array_equal(ls.grad([[1.0, 2.0]]), [[2.0, 4.0]])
    for bad in (np.zeros(3), np.zeros((4, 3)), np.float64(1.0)):
        with pytest.raises(ValueError, match=r"\(\.\.\., 2\)"):
            ls.loss(bad)


def test_inputs_are_not_mutated_and_divergence_gives_inf_quietly() -> None:
    ls = landscapes.get("rosenbrock")
    xy = np.array([[1e200, -1e200], [0.5, 0.5]])
    before = xy.copy()
    with np.errstate(all="raise"):
        loss = ls.loss(xy)
        ls.grad(xy)
    assert np.isinf(loss[0]) and np.isfinite(loss[1])
    np.testing.assert_array_equal(xy, before)


@pytest.mark.parametrize("name", NAMES)
def test_grid_layout(name: str) -> None:
    ls = landscapes.get(name)
    xs, ys, z = ls.grid(30)
    assert xs.shape == ys.shape == (30,) and z.shape == (30, 30)
    assert z.dtype == np.float32
    (x0, x1), (y0, y1) = ls.bounds
    assert (xs[0], xs[-1], ys[0], ys[-1]) == (x0, x1, y0, y1)
    for i, j in [(0, 0), (3, 17), (29, 5), (29, 29)]:
        assert z[i, j] == pytest.approx(ls.loss(np.array([xs[j], ys[i]])), rel=1e-6, abs=1e-6)
    assert ls.grid()[2].shape == (100, 100)
    with pytest.raises(ValueError):
        ls.grid(1)


# --- gradient noise ------------------------------------------------------------------


@pytest.mark.parametrize("name", CLEAN_NAMES)
def test_clean_gradient_fn_is_grad(name: str) -> None:
    ls = landscapes.get(name)
    assert ls.noise_std == 0
    xy = random_points(ls)
    np.testing.assert_array_equal(ls.gradient_fn(7)(xy), ls.grad(xy))


def test_noisy_keeps_everything_but_the_gradient() -> None:
    base = landscapes.get("rosenbrock")
    ls = landscapes.noisy(base, sigma=2.0, batch_size=4, seed=3)
    assert ls.name == "rosenbrock+noise"
    assert "σ = 2" in ls.title and "batch 4" in ls.title
    assert ls.noise_std == pytest.approx(1.0)
    for attr in ("latex", "bounds", "minima", "saddles", "start", "description"):
        assert getattr(ls, attr) == getattr(base, attr)
    xy = random_points(base)
    np.testing.assert_array_equal(ls.loss(xy), base.loss(xy))
    np.testing.assert_array_equal(ls.grad(xy), base.grad(xy))
    np.testing.assert_array_equal(ls.hessian_diag(xy), base.hessian_diag(xy))
    assert not np.array_equal(ls.gradient_fn(0)(xy), base.grad(xy))
    again = landscapes.noisy(ls, sigma=0.5)
    assert again.name == "rosenbrock+noise" and again.title.count("noisy") == 1
    assert again.noise_std == 0.5


def test_noise_is_reproducible_per_seed_and_step() -> None:
    ls = landscapes.noisy(landscapes.get("ravine"), sigma=1.0, seed=5)
    xy = random_points(ls, n=4)
    first = ls.gradient_fn(3)(xy)
    np.testing.assert_array_equal(first, ls.gradient_fn(3)(xy))
    rebuilt = landscapes.noisy(landscapes.get("ravine"), sigma=1.0, seed=5)
    np.testing.assert_array_equal(first, rebuilt.gradient_fn(3)(xy))
    assert not np.array_equal(first, ls.gradient_fn(4)(xy))
    other_seed = landscapes.noisy(landscapes.get("ravine"), sigma=1.0, seed=6)
    assert not np.array_equal(first, other_seed.gradient_fn(3)(xy))


def test_stepwise_run_equals_precomputed_run() -> None:
    def run(steps: range, xy: np.ndarray) -> list[np.ndarray]:
        path = []
        for step in steps:
            # a fresh landscape each step, as after a Streamlit rerun
            ls = landscapes.get("noisy_ravine")
            xy = xy - 0.02 * ls.gradient_fn(step)(xy)
            path.append(xy)
        return path

    start = np.array(landscapes.get("noisy_ravine").start)
    whole = run(range(20), start)
    first = run(range(10), start)
    rest = run(range(10, 20), first[-1])
    np.testing.assert_array_equal(np.array(whole), np.array(first + rest))


@pytest.mark.parametrize("batch_size", [1, 4, 25])
def test_noise_is_unbiased_with_std_sigma_over_sqrt_batch(batch_size: int) -> None:
    sigma, point = 3.0, np.array([0.3, -1.2])
    base = landscapes.get("himmelblau")
    samples = np.array(
        [
            landscapes.noisy(base, sigma, batch_size, seed=seed).gradient_fn(0)(point)
            for seed in range(4000)
        ]
    )
    expected_std = sigma / np.sqrt(batch_size)
    error_of_mean = expected_std / np.sqrt(len(samples))
    np.testing.assert_allclose(samples.mean(axis=0), base.grad(point), atol=5 * error_of_mean)
    np.testing.assert_allclose(samples.std(axis=0), expected_std, rtol=0.05)
    # within one call, a seed fan gives each run of a batch independent noise of the same std
    batch = np.tile(point, (20000, 1))
    fan = landscapes.noisy(base, sigma, batch_size, seed=np.arange(20000))
    noise = fan.gradient_fn(1)(batch) - base.grad(batch)
    np.testing.assert_allclose(noise.std(axis=0), expected_std, rtol=0.03)
    assert abs(np.corrcoef(noise.T)[0, 1]) < 0.03
    # while one seed gives every run of a batch the single run's noise (a sweep = its runs)
    one_seed = landscapes.noisy(base, sigma, batch_size, seed=5).gradient_fn(1)
    np.testing.assert_array_equal(one_seed(batch[:50]), np.tile(one_seed(point), (50, 1)))


def test_zero_sigma_gives_the_clean_gradient() -> None:
    base = landscapes.get("bowl")
    ls = landscapes.noisy(base, sigma=0.0)
    xy = random_points(base)
    np.testing.assert_array_equal(ls.gradient_fn(2)(xy), base.grad(xy))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"sigma": -0.1},
        {"sigma": float("nan")},
        {"sigma": 1.0, "batch_size": 0},
        {"sigma": 1.0, "batch_size": 2.5},
        {"sigma": 1.0, "seed": -1},
    ],
)
def test_noisy_refuses_bad_arguments(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        landscapes.noisy(landscapes.get("bowl"), **kwargs)


@pytest.mark.parametrize("step", [-1, 1.5, True])
def test_gradient_fn_refuses_bad_steps(step: object) -> None:
    with pytest.raises(ValueError):
        landscapes.get("noisy_ravine").gradient_fn(step)  # type: ignore[arg-type]

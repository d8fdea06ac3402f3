"""Invariants of the optimizers: what each one promises, checked on numbers."""

from __future__ import annotations

import numpy as np
import pytest

from engine import optimizers
from engine.optimizers import NAMES, info, make


def quadratic_grad(scales):
    scales = np.asarray(scales, dtype=float)
    return lambda p: scales * p


def test_registry_matches_the_contract():
    assert set(NAMES) == {
        "sgd",
        "momentum",
        "nesterov",
        "adagrad",
        "rmsprop",
        "adam",
        "adamw",
        "radam",
        "lamb",
        "lars",
        "adafactor",
        "lion",
        "sophia",
    }


@pytest.mark.parametrize("name", NAMES)
def test_info_is_complete_and_defaults_sit_inside_the_slider_ranges(name):
    meta = info(name)
    assert meta.display_name and meta.paper and meta.innovation and meta.best_for
    assert 1950 <= meta.year <= 2025
    assert meta.update_latex.count("{") == meta.update_latex.count("}")
    assert "lr" in meta.ranges
    for key, (low, high, log_scale) in meta.ranges.items():
        assert low < high, key
        assert low <= meta.defaults[key] <= high, (key, meta.defaults[key])
        if log_scale:
            assert low > 0
    for parent in meta.parents:
        assert parent in NAMES
    make(name, **meta.defaults)  # the defaults are accepted as they stand


@pytest.mark.parametrize(
    ("name", "bad", "message"),
    [
        ("adamx", {}, "unknown optimizer"),
        ("adam", {"momentum": 0.9}, "no hyperparameter momentum"),
        ("adam", {"beta1": 1.0}, "beta1 must be in [0, 1)"),
        ("sgd", {"lr": -0.1}, "lr must be ≥ 0"),
        ("sgd", {"lr": float("nan")}, "lr must be finite"),
        ("rmsprop", {"rho": 1.5}, "rho must be in [0, 1)"),
        ("sophia", {"update_period": 0}, "whole number ≥ 1"),
        ("adam", {"bias_correction": "yes"}, "True or False"),
        ("lars", {"trust_coefficient": 0.0}, "> 0"),
        ("adam", {"lr": "fast"}, "must be a number"),
    ],
)
def test_bad_hyperparameters_are_refused_with_a_clear_message(name, bad, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace(")", r"\)")):
        make(name, **bad)


@pytest.mark.parametrize("name", NAMES)
def test_step_is_pure(name):
    opt = make(name)
    params = np.array([[0.7, -1.3], [2.0, 0.4]])
    state = opt.init(params)
    state = opt.step(params, quadratic_grad([1.0, 8.0]), state)[1]
    params_copy, state_copy = params.copy(), {k: np.copy(v) for k, v in state.items()}
    new_params, new_state = opt.step(params, quadratic_grad([1.0, 8.0]), state)
    np.testing.assert_array_equal(params, params_copy)
    for key, value in state_copy.items():
        np.testing.assert_array_equal(state[key], value)
    assert new_state["t"] == state["t"] + 1
    assert new_params is not params
    assert not np.array_equal(new_params, params)


@pytest.mark.parametrize("name", NAMES)
def test_a_batched_sweep_equals_separate_runs(name):
    lrs = np.array([1e-3, 1e-2, 5e-2])
    start = np.array([1.5, -0.5])
    grad = quadratic_grad([1.0, 10.0])
    batched = make(name, lr=lrs[:, None])
    params = np.broadcast_to(start, (3, 2)).copy()
    state = batched.init(params)
    for _ in range(20):
        params, state = batched.step(params, grad, state)
    for i, lr in enumerate(lrs):
        single = make(name, lr=float(lr))
        p, s = start.copy(), single.init(start)
        for _ in range(20):
            p, s = single.step(p, grad, s)
        np.testing.assert_allclose(params[i], p, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(
    "name", ["sgd", "momentum", "adam", "adamw", "rmsprop", "adagrad", "lion", "radam"]
)
def test_an_ndarray_and_a_dict_of_its_pieces_take_the_same_steps(name):
    """Element-wise optimizers do not care how the parameters are packed."""
    opt = make(name, lr=0.05)
    flat = np.array([0.3, -1.2, 2.0, 0.5])
    scales = np.array([1.0, 3.0, 0.5, 7.0])
    tree = {"a": flat[:2].copy(), "b": flat[2:].copy()}

    def tree_grad(p):
        return {"a": scales[:2] * p["a"], "b": scales[2:] * p["b"]}

    s_flat, s_tree = opt.init(flat), opt.init(tree)
    for _ in range(15):
        flat, s_flat = opt.step(flat, quadratic_grad(scales), s_flat)
        tree, s_tree = opt.step(tree, tree_grad, s_tree)
    np.testing.assert_allclose(np.concatenate([tree["a"], tree["b"]]), flat, rtol=1e-12)


def test_lion_moves_every_coordinate_by_exactly_lr():
    rng = np.random.default_rng(0)
    lr = 0.01
    opt = make("lion", lr=lr)
    params = rng.normal(size=(5, 7))
    state = opt.init(params)
    for _ in range(10):
        grads = rng.normal(scale=10.0 ** rng.uniform(-3, 3), size=params.shape)
        new_params, state = opt.step(params, lambda p, g=grads: g, state)
        np.testing.assert_allclose(np.abs(new_params - params), lr, rtol=1e-12)
        params = new_params


def test_lamb_update_norm_is_lr_times_parameter_norm():
    rng = np.random.default_rng(1)
    lr = 0.003
    params = {"layer": rng.normal(size=(4, 6)) * 3.0}
    opt = make("lamb", lr=lr, weight_decay=0.01)
    state = opt.init(params)
    for _ in range(5):
        grads = {"layer": rng.normal(size=(4, 6))}
        new_params, state = opt.step(params, lambda p, g=grads: g, state)
        step_norm = np.linalg.norm(new_params["layer"] - params["layer"])
        np.testing.assert_allclose(step_norm, lr * np.linalg.norm(params["layer"]), rtol=1e-10)
        params = new_params


def test_lamb_trust_ratio_is_per_layer():
    """A layer with tiny weights takes a tiny step; one with big weights a big one."""
    params = {"small": np.full(3, 0.01), "big": np.full(3, 10.0)}
    opt = make("lamb", lr=0.01)
    new, _ = opt.step(params, lambda p: {k: np.ones(3) for k in p}, opt.init(params))
    small_step = np.linalg.norm(new["small"] - params["small"])
    big_step = np.linalg.norm(new["big"] - params["big"])
    np.testing.assert_allclose(big_step / small_step, 1000.0, rtol=1e-9)


def test_lars_first_step_is_trust_coefficient_times_weight_norm():
    params = np.array([[3.0, 4.0]])
    opt = make("lars", lr=0.5, trust_coefficient=0.01)
    new, _ = opt.step(params, lambda p: np.array([[100.0, -7.0]]), opt.init(params))
    np.testing.assert_allclose(np.linalg.norm(new - params), 0.5 * 0.01 * 5.0, rtol=1e-12)


@pytest.mark.parametrize(("rows", "cols"), [(3, 5), (64, 128), (200, 10)])
def test_adafactor_keeps_rows_plus_columns_numbers_for_a_matrix(rows, cols):
    opt = make("adafactor")
    params = {"weight": np.ones((rows, cols)), "bias": np.ones(cols)}
    state = opt.init(params)
    state = opt.step(params, lambda p: {k: np.ones_like(v) for k, v in p.items()}, state)[1]
    matrix_numbers = sum(np.size(v) for k, v in state.items() if k.endswith("/weight"))
    assert matrix_numbers == rows + cols
    assert np.size(state["v/bias"]) == cols  # vectors keep a plain second moment
    assert optimizers.state_bytes("adafactor", (rows, cols)) == 4 * (rows + cols)
    assert optimizers.state_bytes("adam", (rows, cols)) == 4 * 2 * rows * cols


def test_adagrad_effective_rate_never_rises():
    rng = np.random.default_rng(2)
    opt = make("adagrad", lr=0.1)
    params = np.array([1.0, -1.0])
    state = opt.init(params)
    previous = np.full(2, np.inf)
    for _ in range(200):
        grads = rng.normal(scale=rng.uniform(0.01, 5.0), size=2)
        params, state = opt.step(params, lambda p, g=grads: g, state)
        rate = optimizers.effective_lr(opt, state)
        assert np.all(rate <= previous)
        previous = rate


@pytest.mark.parametrize("scale", [1e-6, 1e-2, 1.0, 1e3, 1e6])
def test_adams_first_bias_corrected_step_has_size_lr(scale):
    lr = 0.01
    opt = make("adam", lr=lr, eps=1e-12)
    params = np.array([0.5, -2.0, 3.0])
    grads = scale * np.array([1.0, -3.0, 0.2])
    new, _ = opt.step(params, lambda p: grads, opt.init(params))
    np.testing.assert_allclose(np.abs(new - params), lr, rtol=1e-5)


def test_adam_without_bias_correction_takes_a_far_smaller_first_step():
    params = np.array([1.0])
    grads = lambda p: np.array([4.0])  # noqa: E731
    corrected = make("adam", lr=0.001).step(params, grads, make("adam").init(params))[0]
    naive_opt = make("adam", lr=0.001, bias_correction=False)
    naive = naive_opt.step(params, grads, naive_opt.init(params))[0]
    # m = 0.4, v = 0.016: the naive step is 0.001·0.4/√0.016 ≈ 0.00316, not 0.001.
    np.testing.assert_allclose(params - corrected, 0.001, rtol=1e-6)
    np.testing.assert_allclose(params - naive, 0.001 * 0.4 / np.sqrt(0.016), rtol=1e-6)


def test_adam_l2_and_adamw_coincide_without_decay_and_differ_with_it():
    params = np.array([5.0, -3.0])
    grads = quadratic_grad([2.0, 0.01])
    paths = {}
    for name in ("adam", "adamw"):
        for wd in (0.0, 0.1):
            opt = make(name, lr=0.01, weight_decay=wd)
            p, s = params, opt.init(params)
            for _ in range(50):
                p, s = opt.step(p, grads, s)
            paths[name, wd] = p
    np.testing.assert_allclose(paths["adam", 0.0], paths["adamw", 0.0], rtol=1e-14)
    assert np.abs(paths["adam", 0.1] - paths["adamw", 0.1]).max() > 1e-3


def test_radam_takes_plain_momentum_steps_until_the_variance_is_tractable():
    lr = 0.01
    opt = make("radam", lr=lr)
    params = np.array([1.0])
    state = opt.init(params)
    for t in range(1, 8):
        new, state, notes = opt.step_with_info(params, lambda p: np.array([2.0]), state)
        rectified = notes["rho_t"] > 5
        assert rectified == (t >= 6)  # with β2 = 0.999, ρ_t first exceeds 5 at step 6
        if not rectified:
            np.testing.assert_allclose(params - new, lr * notes["m_hat"], rtol=1e-12)
        params = new


def test_sophia_is_a_clipped_newton_step():
    """Unclipped with exact curvature it lands on a quadratic's minimum in one step."""
    curv = np.array([2.0, 50.0])
    params = np.array([0.3, -0.1])
    newton = make("sophia", lr=1.0, rho=1.0, beta1=0.0, beta2=0.0, update_period=1)
    new, _ = newton.step(params, lambda p: curv * p, newton.init(params))
    np.testing.assert_allclose(new, 0.0, atol=1e-8)
    # A small ρ makes m/(ρh) exceed 1 everywhere: every coordinate moves by exactly lr.
    clipped = make("sophia", lr=0.05, rho=0.01, beta1=0.0, beta2=0.0, update_period=1)
    new, _, notes = clipped.step_with_info(params, lambda p: curv * p, clipped.init(params))
    np.testing.assert_allclose(np.abs(new - params), 0.05, rtol=1e-12)
    assert notes["clipped"].all()


def test_sophia_refreshes_its_hessian_only_every_update_period_steps():
    calls = []

    def grad(p):
        calls.append(1)
        return 3.0 * p

    opt = make("sophia", update_period=4)
    params, state = np.array([1.0, 2.0]), opt.init(np.array([1.0, 2.0]))
    for _ in range(8):
        params, state = opt.step(params, grad, state)
    assert len(calls) == 8 + 2 * 2  # one gradient a step, two extra at steps 1 and 5


def test_nesterov_lesson_form_takes_its_gradient_at_the_lookahead_point():
    opt = make("nesterov", lr=0.1, beta=0.9, lookahead=True)
    params = np.array([1.0, 1.0])
    state = opt.init(params)
    params, state = opt.step(params, quadratic_grad([1.0, 4.0]), state)
    seen = []
    opt.step(params, lambda p: seen.append(p.copy()) or quadratic_grad([1.0, 4.0])(p), state)
    np.testing.assert_allclose(seen[0], params - 0.1 * 0.9 * state["velocity"])


def test_nesterov_default_is_torchs_form_gradient_at_the_params():
    """torch keeps φ = θ − ηβv: the gradient is taken at the params, the step is η(g + βv)."""
    opt = make("nesterov", lr=0.1, beta=0.9)
    params = np.array([1.0, 1.0])
    state = opt.init(params)
    params, state = opt.step(params, quadratic_grad([1.0, 4.0]), state)
    seen = []
    new, new_state = opt.step(
        params, lambda p: seen.append(p.copy()) or quadratic_grad([1.0, 4.0])(p), state
    )
    np.testing.assert_array_equal(seen[0], params)
    g = quadratic_grad([1.0, 4.0])(params)
    velocity = 0.9 * state["velocity"] + g
    np.testing.assert_allclose(new_state["velocity"], velocity)
    np.testing.assert_allclose(new, params - 0.1 * (g + 0.9 * velocity))
    assert opt.lookahead(params, state) is params


def test_a_schedule_can_drive_the_learning_rate():
    opt = make("sgd", lr=lambda step: 0.1 * (step + 1))
    params, state = np.array([1.0]), opt.init(np.array([1.0]))
    steps = []
    for _ in range(3):
        new, state = opt.step(params, lambda p: np.array([1.0]), state)
        steps.append(float(params[0] - new[0]))
        params = new
    np.testing.assert_allclose(steps, [0.1, 0.2, 0.3])


def test_factored_state_numbers_for_gpt3_sized_matrices():
    numbers = optimizers.factored_state_numbers(4096, 4096)
    assert numbers == {"adam": 2 * 4096 * 4096, "adafactor": 8192, "weights": 4096 * 4096}

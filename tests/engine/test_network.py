"""The numpy MLP: validation, seeded initialisation, and gradients checked three ways —
finite differences, single against batched, and PyTorch autograd (committed fixture,
written by tools/make_network_fixtures.py; torch is not needed here)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from engine import datasets, network
from engine.network import Network, run_params, stack_runs
from engine.training import Racer, epoch_batch, train

FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "network_torch.json").read_text())


def digits_examples(indices) -> tuple[np.ndarray, np.ndarray]:
    images, labels = datasets.digits_images()
    indices = np.asarray(indices)
    return images[indices].reshape(len(indices), -1) / 16.0, labels[indices].astype(np.int64)


def as_arrays(tree: dict) -> dict[str, np.ndarray]:
    return {k: np.asarray(v, dtype=np.float64) for k, v in tree.items()}


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"hidden": (0,)}, "hidden layer 1 has 0 units; each hidden layer needs 4 to 128"),
        ({"hidden": (32, 2)}, "hidden layer 2 has 2 units"),
        ({"hidden": (200,)}, "hidden layer 1 has 200 units"),
        ({"hidden": ()}, "1 to 3 hidden layers, got 0"),
        ({"hidden": (8, 8, 8, 8)}, "1 to 3 hidden layers, got 4"),
        ({"hidden": (8.5,)}, "whole number"),
        ({"activation": "sigmoid"}, "tanh, relu"),
        ({"n_classes": 1}, "at least 2 classes"),
        ({"n_inputs": 0}, "at least one input"),
        ({"n_inputs": 40_000, "hidden": (128, 128)}, "more than the 4,000,000"),
    ],
)
def test_network_refuses_bad_shapes_with_a_clear_message(kwargs, message):
    settings = {"n_inputs": 64, "hidden": (32,), "n_classes": 10, **kwargs}
    with pytest.raises(ValueError, match=message):
        Network(**settings)


def test_shape_bookkeeping():
    net = Network(64, [32, 16], 10, "relu")
    assert net.hidden == (32, 16) and net.layer_sizes == (64, 32, 16, 10)
    assert net.n_layers == 3 and net.describe() == "64-32-16-10"
    assert net.leaf_names == ("W1", "b1", "W2", "b2", "W3", "b3")
    assert net.param_shapes["W2"] == (32, 16) and net.param_shapes["b3"] == (10,)
    assert net.n_params == 64 * 32 + 32 + 32 * 16 + 16 + 16 * 10 + 10
    assert Network(64, (32,), 10).n_params == 2410
    # The largest network allowed still fits the limit with room for a sweep.
    biggest = Network(64, (128, 128, 128), 10)
    assert biggest.n_params == 42_634 < network.MAX_TRAINING_PARAMETERS


# --------------------------------------------------------------------------- initialisation


@pytest.mark.parametrize("activation", network.ACTIVATIONS)
def test_init_is_seeded_glorot_or_he_with_zero_biases(activation):
    net = Network(64, (32, 16), 10, activation)
    a, b, c = net.init(seed=3), net.init(seed=3), net.init(seed=4)
    for name, shape in net.param_shapes.items():
        assert a[name].shape == shape and a[name].dtype == np.float64
        np.testing.assert_array_equal(a[name], b[name])
        if name.startswith("b"):
            assert not a[name].any()
            continue
        fan_in, fan_out = shape
        limit = np.sqrt(6 / fan_in if activation == "relu" else 6 / (fan_in + fan_out))
        assert np.abs(a[name]).max() <= limit
        assert np.abs(a[name]).max() > 0.9 * limit  # uses the whole range
        assert not np.array_equal(a[name], c[name])
    assert net.init(seed=3, dtype=np.float32)["W1"].dtype == np.float32


def test_stacked_runs_keep_each_networks_weights():
    net = Network(2, (8,), 2)
    batched = net.init_runs([0, 1, 0])
    assert batched["W1"].shape == (3, 2, 8) and batched["b1"].shape == (3, 1, 8)
    assert network.is_batched(batched) and not network.is_batched(net.init(0))
    for run, seed in enumerate([0, 1, 0]):
        single = run_params(batched, run)
        for name, value in net.init(seed).items():
            np.testing.assert_array_equal(single[name], value)
    back = stack_runs([run_params(batched, r) for r in range(3)])
    for name in batched:
        np.testing.assert_array_equal(back[name], batched[name])


# --------------------------------------------------------------------------- forward


def test_probabilities_predictions_and_loss_agree():
    net = Network(64, (16,), 10)
    params = net.init(seed=1)
    X, y = digits_examples(range(50))
    probs = net.probabilities(params, X)
    np.testing.assert_allclose(probs.sum(axis=-1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(net.predict(params, X), probs.argmax(axis=-1))
    loss, accuracy = net.evaluate(params, X, y)
    assert loss == pytest.approx(-np.mean(np.log(probs[np.arange(50), y])), rel=1e-12)
    assert accuracy == pytest.approx(np.mean(probs.argmax(axis=-1) == y))
    assert net.loss(params, X, y) == loss


def test_softmax_cross_entropy_is_stable_for_huge_logits():
    net = Network(2, (4,), 3, "relu")
    params = {k: v * 1e4 for k, v in net.init(seed=0).items()}
    params["b2"] = np.array([1e6, -1e6, 0.0])
    X, y = np.array([[1.0, 2.0], [-3.0, 0.5]]), np.array([1, 0])
    loss, grads = net.loss_and_grad(params, X, y)
    assert np.isfinite(loss) and loss > 1e5
    assert all(np.all(np.isfinite(g)) for g in grads.values())


def test_refuses_inputs_of_the_wrong_width_and_float_labels():
    net = Network(64, (16,), 10)
    params = net.init(0)
    with pytest.raises(ValueError, match="takes 64 inputs, got 2"):
        net.logits(params, np.zeros((3, 2)))
    with pytest.raises(ValueError, match="integer class indices"):
        net.loss(params, np.zeros((3, 64)), np.array([0.0, 1.0, 2.0]))


# --------------------------------------------------------------------------- gradients


def central_difference(net, params, X, y, name, index, h=1e-6) -> float:
    """(L(θ + h·e) − L(θ − h·e)) / 2h for the unit vector e at ``params[name][index]``."""
    shifted = {k: v.copy() for k, v in params.items()}
    shifted[name][index] += h
    up = net.loss(shifted, X, y)
    shifted[name][index] -= 2 * h
    return (up - net.loss(shifted, X, y)) / (2 * h)


@pytest.mark.parametrize("activation", network.ACTIVATIONS)
def test_gradient_equals_central_differences_everywhere(activation):
    """Every entry of every tensor of a small net, float64, against (L(θ+h) − L(θ−h))/2h."""
    net = Network(5, (6, 4), 3, activation)
    rng = np.random.default_rng(2)
    params = net.init(seed=2)
    params = {k: v + rng.normal(0, 0.2, v.shape) for k, v in params.items()}  # biases ≠ 0
    X, y = rng.normal(size=(9, 5)), rng.integers(0, 3, size=9)
    _, grads = net.loss_and_grad(params, X, y)
    for name, value in params.items():
        numeric = np.zeros_like(value)
        for index in np.ndindex(value.shape):
            numeric[index] = central_difference(net, params, X, y, name, index)
        np.testing.assert_allclose(grads[name], numeric, rtol=1e-6, atol=1e-9, err_msg=name)


@pytest.mark.parametrize("activation", network.ACTIVATIONS)
def test_digits_gradient_equals_finite_differences_on_sampled_entries(activation):
    net = Network(64, (32, 16), 10, activation)
    params = net.init(seed=7)
    X, y = digits_examples(range(40))
    _, grads = net.loss_and_grad(params, X, y)
    rng = np.random.default_rng(0)
    for name, value in params.items():
        for _ in range(8):
            index = tuple(int(rng.integers(n)) for n in value.shape)
            numeric = central_difference(net, params, X, y, name, index)
            assert grads[name][index] == pytest.approx(numeric, rel=1e-5, abs=1e-9), name


@pytest.mark.parametrize("shared_inputs", [True, False])
def test_batched_loss_accuracy_and_gradient_equal_each_single_network(shared_inputs):
    net = Network(64, (16, 12), 10, "tanh")
    seeds = [0, 1, 2, 3]
    batched = net.init_runs(seeds)
    if shared_inputs:
        X, y = digits_examples(range(30))
        inputs = [(X, y)] * len(seeds)
    else:
        inputs = [digits_examples(range(10 * r, 10 * r + 30)) for r in range(len(seeds))]
        X, y = np.stack([i[0] for i in inputs]), np.stack([i[1] for i in inputs])
    loss, accuracy, grads = net.loss_accuracy_and_grad(batched, X, y)
    assert loss.shape == accuracy.shape == (4,)
    assert grads["W1"].shape == (4, 64, 16) and grads["b1"].shape == (4, 1, 16)
    for run, seed in enumerate(seeds):
        one_loss, one_accuracy, one_grads = net.loss_accuracy_and_grad(net.init(seed), *inputs[run])
        assert loss[run] == pytest.approx(one_loss, rel=1e-13)
        assert accuracy[run] == one_accuracy
        for name, g in one_grads.items():
            np.testing.assert_allclose(
                run_params(grads, run)[name], g, rtol=1e-12, atol=1e-15, err_msg=name
            )


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_gradient_equals_torch_autograd(activation):
    case = FIXTURE["gradients"][activation]
    net = Network(**{**case["network"], "hidden": tuple(case["network"]["hidden"])})
    X, y = digits_examples(case["indices"])
    loss, grads = net.loss_and_grad(as_arrays(case["params"]), X, y)
    assert loss == pytest.approx(case["loss"], rel=1e-12)
    for name, expected in as_arrays(case["grads"]).items():
        assert np.abs(expected).max() > 1e-4  # a gradient that is all zeros proves nothing
        np.testing.assert_allclose(grads[name], expected, rtol=1e-10, atol=1e-14, err_msg=name)


# --------------------------------------------------------------------------- torch training


def fixture_training_data() -> datasets.Dataset:
    spec = FIXTURE["training"]
    X, y = digits_examples(range(spec["examples"]))
    return datasets.Dataset("digits", X, y, X[:8], y[:8], n_classes=10)


def test_fixture_start_and_batches_are_the_engines():
    spec = FIXTURE["training"]
    net = Network(**{**spec["network"], "hidden": tuple(spec["network"]["hidden"])})
    for name, value in net.init(seed=spec["seed"]).items():
        np.testing.assert_array_equal(value, np.asarray(spec["start_params"][name]))
    for step, batch in enumerate(spec["batches"]):
        got = epoch_batch(spec["examples"], spec["batch_size"], step, spec["seed"])
        assert got.tolist() == batch


def test_adam_and_momentum_training_equal_torch_optim_to_1e_6():
    """20 steps of torch.optim.Adam and SGD(momentum) from the same weights and batches."""
    spec = FIXTURE["training"]
    net = Network(**{**spec["network"], "hidden": tuple(spec["network"]["hidden"])})
    cases = spec["cases"]
    racers = [Racer(c["optimizer"], c["hyperparams"], seed=spec["seed"]) for c in cases.values()]
    history = train(
        net,
        fixture_training_data(),
        racers,
        spec["steps"],
        spec["batch_size"],
        dtype=np.float64,
        eval_every=spec["steps"],
    )
    assert not history.diverged.any()
    for run, case in enumerate(cases.values()):
        expected_losses = np.asarray(case["losses"])
        assert expected_losses[-1] < expected_losses[0] - 0.5  # the runs really trained
        np.testing.assert_allclose(history.train_loss[:, run], expected_losses, rtol=1e-6)
        final = run_params(history.final_params, run)
        for name, expected in as_arrays(case["final_params"]).items():
            np.testing.assert_allclose(final[name], expected, rtol=1e-6, atol=1e-9, err_msg=name)

"""Every engine optimizer against its reference, step by step, from committed fixtures.

The fixtures were written by tools/make_reference_fixtures.py (torch 2.13.0, lion-pytorch,
pytorch-optimizer; float64); none of them is needed here. Each case feeds the same
params-dependent gradient stream to both sides, at a constant rate or under a warmup +
cosine schedule, with weight decay on and off, on a flat vector or on dict params with a
2-D and a 1-D leaf.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from engine import optimizers, schedules
from tools.reference_stream import gradient, join, split

FIXTURES = json.loads((Path(__file__).parent / "fixtures" / "torch_reference.json").read_text())
RTOL, ATOL = 1e-6, 1e-12
CASES = FIXTURES["cases"]


def engine_schedule(case: dict):
    spec = case["schedule"]
    return schedules.make(
        spec["name"],
        spec["peak_lr"],
        spec["total_steps"],
        warmup_steps=spec["warmup_steps"],
        min_lr=spec["min_fraction"] * spec["peak_lr"],
    )


def engine_path(case: dict, **overrides) -> tuple[np.ndarray, dict[int, dict]]:
    """Run the engine under the fixture's gradient stream.

    Returns the flattened params after every step and, for Sophia, the Hessian-diagonal
    estimates the engine's estimator gives at the steps it refreshes them.
    """
    stream = FIXTURES["streams"][case["layout"]]
    hyper = dict(case["hyperparams"])
    if "schedule" in case:
        hyper["lr"] = engine_schedule(case)
    hyper.update(overrides)
    opt = optimizers.make(case["optimizer"], **hyper)
    start = np.asarray(stream["start"])
    shapes = FIXTURES["tensor_shapes"]
    flat = case["layout"] == "flat"
    params = start if flat else split(start, shapes)
    state = opt.init(params)
    path, estimates = [start], {}
    for step in range(FIXTURES["steps"]):
        if flat:

            def grad_fn(p, step=step):
                return gradient(stream, p, step)
        else:

            def grad_fn(p, step=step):
                return split(gradient(stream, join(p), step), shapes)

        if str(step + 1) in case.get("hessians", {}):
            estimates[step + 1] = optimizers.hutchinson_diagonal(grad_fn, params, (0, step + 1))
        params, state = opt.step(params, grad_fn, state)
        path.append(params if flat else join(params))
    return np.array(path), estimates


@pytest.mark.parametrize("case_name", sorted(CASES))
def test_engine_matches_reference(case_name):
    case = CASES[case_name]
    expected = np.asarray(case["params"])
    got, _ = engine_path(case)
    assert got.shape == expected.shape
    # The trajectories must actually move, or the comparison proves nothing.
    assert np.abs(expected[-1] - expected[0]).max() > 1e-2
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL, err_msg=case_name)


@pytest.mark.parametrize("case_name", sorted(n for n in CASES if "schedule" in CASES[n]))
def test_engine_schedule_gives_the_rates_the_reference_ran_at(case_name):
    case = CASES[case_name]
    rates = engine_schedule(case)(np.arange(FIXTURES["steps"]))
    np.testing.assert_allclose(rates, case["schedule"]["rates"], rtol=1e-13, atol=1e-16)
    assert len(set(np.round(rates, 12))) > 10  # a schedule that really changes the rate


@pytest.mark.parametrize("case_name", sorted(n for n in CASES if "hessians" in CASES[n]))
def test_sophia_reference_was_fed_the_engines_hessian_estimates(case_name):
    case = CASES[case_name]
    _, estimates = engine_path(case)
    assert sorted(estimates) == sorted(int(t) for t in case["hessians"])
    for t, estimate in estimates.items():
        for leaf, values in case["hessians"][str(t)].items():
            np.testing.assert_allclose(estimate[leaf], values, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", optimizers.NAMES)
def test_every_optimizer_is_proven_in_every_setting(name):
    """Constant rate and schedule, weight decay on and off, dict params with 2-D + 1-D leaves."""
    own = [c for c in CASES.values() if c["optimizer"] == name]
    assert any("schedule" not in c for c in own), "no constant-rate case"
    assert any("schedule" in c for c in own), "no schedule case"
    assert any(c["layout"] == "tensors" for c in own), "no dict-params case"
    if "weight_decay" in optimizers.info(name).hyper:
        decays = [c["hyperparams"].get("weight_decay", 0.0) for c in own]
        assert any(d > 0 for d in decays), "no case with weight decay"
        assert any(d == 0 for d in decays), "no case without weight decay"


def test_nesterov_lesson_form_is_torch_at_a_constant_rate():
    """The lesson's lookahead form holds θ; torch holds φ = θ − ηβv. At a constant rate the
    lookahead point of the one is the parameter of the other."""
    case = CASES["nesterov"]
    stream = FIXTURES["streams"]["flat"]
    opt = optimizers.make("nesterov", lookahead=True, **case["hyperparams"])
    params = np.asarray(stream["start"])
    state = opt.init(params)
    points = [params]
    for step in range(FIXTURES["steps"]):
        params, state = opt.step(params, lambda p, step=step: gradient(stream, p, step), state)
        points.append(opt.lookahead(params, state))
    np.testing.assert_allclose(np.array(points), case["params"], rtol=RTOL, atol=ATOL)


def test_nesterov_lesson_form_is_not_torch_under_a_schedule():
    """Why the default is torch's form: under a schedule the two forms part."""
    case = CASES["nesterov_tensors_schedule"]
    with pytest.raises(AssertionError):
        got, _ = engine_path(case, lookahead=True)
        np.testing.assert_allclose(got, case["params"], rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize(
    ("case_name", "impostor"),
    [
        ("adam_weight_decay", {"optimizer": "adamw"}),  # coupled L2 is not decoupled decay
        ("lars_tensors_weight_decay", {"optimizer": "momentum"}),  # the trust ratio matters
        ("lamb_tensors", {"hyperparams": {"lr": 0.02, "bias_correction": False}}),
    ],
)
def test_a_wrong_optimizer_fails_the_comparison(case_name, impostor):
    """Guard against a comparison that cannot fail."""
    case = CASES[case_name]
    wrong = {**case, **impostor}
    if wrong["optimizer"] == "momentum":
        wrong["hyperparams"] = {k: case["hyperparams"][k] for k in ("lr", "beta", "weight_decay")}
    got, _ = engine_path(wrong)
    with pytest.raises(AssertionError):
        np.testing.assert_allclose(got, np.asarray(case["params"]), rtol=RTOL, atol=ATOL)

"""The engine against torch.optim and lion-pytorch, step by step, from committed fixtures.

The fixtures were written by tools/make_reference_fixtures.py (torch 2.13.0, float64);
torch itself is not needed here.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from engine import optimizers
from tools.reference_stream import gradient, join, split

FIXTURES = json.loads((Path(__file__).parent / "fixtures" / "torch_reference.json").read_text())
RTOL, ATOL = 1e-6, 1e-12


def engine_path(case: dict) -> np.ndarray:
    """Run the engine under the fixture's gradient stream; return the compared points."""
    stream = FIXTURES["streams"][case["layout"]]
    opt = optimizers.make(case["optimizer"], **case["hyperparams"])
    start = np.asarray(stream["start"])
    shapes = FIXTURES["tensor_shapes"]
    params = start if case["layout"] == "flat" else split(start, shapes)
    state = opt.init(params)
    path = [start]
    for step in range(FIXTURES["steps"]):
        if case["layout"] == "flat":

            def grad_fn(p, step=step):
                return gradient(stream, p, step)
        else:

            def grad_fn(p, step=step):
                return split(gradient(stream, join(p), step), shapes)

        params, state = opt.step(params, grad_fn, state)
        # torch's Nesterov holds the lookahead point θ − ηβv, the engine holds θ.
        shown = opt.lookahead(params, state) if opt.name == "nesterov" else params
        path.append(shown if case["layout"] == "flat" else join(shown))
    return np.array(path)


@pytest.mark.parametrize("case_name", sorted(FIXTURES["cases"]))
def test_engine_matches_reference(case_name):
    case = FIXTURES["cases"][case_name]
    expected = np.asarray(case["params"])
    got = engine_path(case)
    assert got.shape == expected.shape
    # The trajectories must actually move, or the comparison proves nothing.
    assert np.abs(expected[-1] - expected[0]).max() > 1e-3
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=ATOL, err_msg=case_name)


def test_fixtures_cover_every_required_reference():
    covered = {case["optimizer"] for case in FIXTURES["cases"].values()}
    required = {
        "sgd",
        "momentum",
        "nesterov",
        "adagrad",
        "rmsprop",
        "adam",
        "adamw",
        "radam",
        "lion",
    }
    assert required <= covered
    assert any(
        c["optimizer"] == "adam" and c["hyperparams"].get("weight_decay")
        for c in FIXTURES["cases"].values()
    )


def test_a_wrong_optimizer_fails_the_comparison():
    """Guard against a comparison that cannot fail: Adam's path is not AdamW's."""
    adam = FIXTURES["cases"]["adam_weight_decay"]
    impostor = dict(adam, optimizer="adamw")
    with pytest.raises(AssertionError):
        np.testing.assert_allclose(
            engine_path(impostor), np.asarray(adam["params"]), rtol=RTOL, atol=ATOL
        )

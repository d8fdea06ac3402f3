"""Property tests: any optimizer, any landscape, any hyperparameters a slider allows."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine import landscapes, optimizers, simulate


@st.composite
def slider_values(draw, name: str):
    """Hyperparameters drawn from the slider ranges that optimizers.info() publishes."""
    values = {}
    for key, (low, high, log_scale) in optimizers.info(name).ranges.items():
        if key == "update_period":
            values[key] = draw(st.integers(int(low), int(high)))
        elif log_scale:
            values[key] = float(10 ** draw(st.floats(np.log10(low), np.log10(high))))
        else:
            values[key] = draw(st.floats(low, high))
    if "bias_correction" in optimizers.info(name).defaults:
        values["bias_correction"] = draw(st.booleans())
    return values


@st.composite
def scenarios(draw):
    name = draw(st.sampled_from(optimizers.NAMES))
    land = landscapes.get(draw(st.sampled_from(landscapes.NAMES)))
    (x0, x1), (y0, y1) = land.bounds
    start = (draw(st.floats(x0, x1)), draw(st.floats(y0, y1)))
    return name, draw(slider_values(name)), land, start


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_step_never_raises_never_mutates_and_stays_finite(scenario):
    name, hyper, land, start = scenario
    opt = optimizers.make(name, **hyper)
    params = np.array(start)
    state = opt.init(params)
    with np.errstate(all="ignore"):
        for step in range(3):
            before_params = params.copy()
            before_state = {k: np.copy(v) for k, v in state.items()}
            new_params, new_state = opt.step(params, land.gradient_fn(step), state)
            np.testing.assert_array_equal(params, before_params)
            for key, value in before_state.items():
                np.testing.assert_array_equal(state[key], value)
            params, state = new_params, new_state


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.integers(1, 60))
def test_a_run_is_finite_or_flagged_as_diverged(scenario, steps):
    name, hyper, land, start = scenario
    traj = simulate.run(optimizers.make(name, **hyper), land, start, steps)
    assert np.all(np.isfinite(traj.params)), "frozen runs keep their last sane point"
    assert np.all(np.isfinite(traj.losses))
    if traj.diverged_at is None:
        centre, limit = simulate.runaway_limit(land)
        assert np.abs(traj.params - centre).max() <= limit
    else:
        assert 1 <= traj.diverged_at <= steps

"""Tests for engine.schedules: checked numbers, warmup, bounds, monotonicity, validation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine import schedules

NAMES = schedules.NAMES
DECAYING = ("step", "cosine", "linear", "inverse_sqrt", "wsd")


def three_sig(value: float) -> float:
    return float(f"{value:.3g}")


def test_names() -> None:
    assert NAMES == ("constant", "step", "cosine", "linear", "inverse_sqrt", "wsd")


# --- the checked chapter-7 numbers ---------------------------------------------------


def test_cosine_checked_numbers() -> None:
    lr = schedules.make("cosine", peak_lr=0.001, total_steps=1000, warmup_steps=100, min_lr=0.0)
    assert lr(50) == pytest.approx(0.0005, rel=1e-12)
    assert three_sig(lr(325)) == 0.000854
    assert lr(550) == pytest.approx(0.0005, rel=1e-12)
    assert three_sig(lr(775)) == 0.000146
    assert abs(lr(1000)) < 1e-18
    assert lr(100) == 0.001


# --- shared warmup ---------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("warmup", [1, 7, 100])
def test_warmup_is_linear_and_reaches_peak(name: str, warmup: int) -> None:
    peak = 0.3
    lr = schedules.make(name, peak_lr=peak, total_steps=1000, warmup_steps=warmup, min_lr=0.01)
    steps = np.arange(warmup)
    np.testing.assert_allclose(lr(steps), peak * steps / warmup, rtol=1e-12, atol=0)
    assert lr(0) == 0.0
    assert lr(warmup) == pytest.approx(peak, rel=1e-12)


@pytest.mark.parametrize("name", NAMES)
def test_no_warmup_starts_at_peak(name: str) -> None:
    lr = schedules.make(name, peak_lr=0.5, total_steps=100)
    assert lr(0) == 0.5


# --- shape of each schedule after warmup ---------------------------------------------------

CONFIGS = [
    {"total_steps": 1000, "warmup_steps": 100, "min_lr": 0.0},
    {"total_steps": 1000, "warmup_steps": 0, "min_lr": 0.02},
    {"total_steps": 10, "warmup_steps": 3, "min_lr": 0.05},
    {"total_steps": 1, "warmup_steps": 0, "min_lr": 0.0},
    {"total_steps": 50, "warmup_steps": 50, "min_lr": 0.0},
]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("config", CONFIGS)
def test_after_warmup_within_bounds_and_holds_final_value(name: str, config: dict) -> None:
    peak = 0.2
    lr = schedules.make(name, peak_lr=peak, **config)
    total, warmup = config["total_steps"], config["warmup_steps"]
    values = lr(np.arange(warmup, total + 1))
    assert np.all(values >= config["min_lr"] - 1e-15)
    assert np.all(values <= peak + 1e-15)
    np.testing.assert_allclose(lr(np.array([total + 1, 2 * total, 10**9])), lr(total), rtol=1e-14)
    if name in DECAYING:
        assert np.all(np.diff(values) <= 1e-15)
    else:
        np.testing.assert_array_equal(values, peak)


@pytest.mark.parametrize("name", ["cosine", "linear", "wsd"])
def test_decays_end_at_min_lr(name: str) -> None:
    lr = schedules.make(name, peak_lr=1.0, total_steps=500, warmup_steps=50, min_lr=0.1)
    assert lr(500) == pytest.approx(0.1, rel=1e-12)


def test_linear_midpoint() -> None:
    lr = schedules.make("linear", peak_lr=1.0, total_steps=300, warmup_steps=100, min_lr=0.2)
    assert lr(200) == pytest.approx(0.6)


def test_step_staircase() -> None:
    lr = schedules.make("step", peak_lr=1.0, total_steps=1000, warmup_steps=100, gamma=0.5)
    assert lr.kwargs == {"gamma": 0.5, "step_size": 333}
    np.testing.assert_allclose(
        lr(np.array([100, 432, 433, 765, 766, 1000])), [1, 1, 0.5, 0.5, 0.25, 0.25]
    )
    floored = schedules.make("step", 1.0, 100, min_lr=0.05, gamma=0.1, step_size=10)
    np.testing.assert_allclose(floored(np.array([9, 10, 20, 30, 100])), [1, 0.1, 0.05, 0.05, 0.05])


def test_inverse_sqrt() -> None:
    lr = schedules.make("inverse_sqrt", peak_lr=1.0, total_steps=1000, warmup_steps=100)
    assert lr(400) == pytest.approx(0.5)
    no_warmup = schedules.make("inverse_sqrt", peak_lr=1.0, total_steps=1000)
    np.testing.assert_allclose(no_warmup(np.array([0, 1, 4, 100])), [1, 1, 0.5, 0.1])
    floored = schedules.make("inverse_sqrt", peak_lr=1.0, total_steps=1000, min_lr=0.2)
    assert floored(1000) == 0.2


def test_wsd_stable_then_linear_decay() -> None:
    lr = schedules.make("wsd", peak_lr=1.0, total_steps=1000, warmup_steps=100, min_lr=0.0)
    assert lr.decay_start == 800
    np.testing.assert_array_equal(lr(np.arange(100, 801)), 1.0)
    np.testing.assert_allclose(lr(np.array([850, 900, 1000])), [0.75, 0.5, 0.0])
    flat = schedules.make("wsd", peak_lr=1.0, total_steps=100, decay_fraction=0.0)
    np.testing.assert_array_equal(flat(np.arange(200)), 1.0)
    all_decay = schedules.make("wsd", 1.0, 100, warmup_steps=10, decay_fraction=1.0)
    assert all_decay.decay_start == 10 and all_decay(55) == pytest.approx(0.5)


@settings(max_examples=60, deadline=None)
@given(
    name=st.sampled_from(NAMES),
    total=st.integers(1, 5000),
    warmup_share=st.floats(0, 1),
    min_share=st.floats(0, 1),
    peak=st.floats(1e-6, 10),
)
def test_property_bounds_and_monotone(
    name: str, total: int, warmup_share: float, min_share: float, peak: float
) -> None:
    warmup = int(warmup_share * total)
    low = min_share * peak
    lr = schedules.make(name, peak, total, warmup_steps=warmup, min_lr=low)
    values = lr(np.arange(total + 2))
    assert np.all(np.isfinite(values))
    assert np.all(np.diff(values[: warmup + 1]) >= 0)
    after = values[warmup:]
    assert np.all(after >= low * (1 - 1e-12)) and np.all(after <= peak * (1 + 1e-12))
    if name in DECAYING:
        assert np.all(np.diff(after) <= peak * 1e-12)


# --- vectorization ----------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("shape", [(), (5,), (3, 4)])
def test_output_shape_equals_input_shape(name: str, shape: tuple[int, ...]) -> None:
    lr = schedules.make(name, peak_lr=0.1, total_steps=100, warmup_steps=10)
    steps = np.arange(int(np.prod(shape)) * 7, step=7).reshape(shape)
    out = lr(steps)
    assert np.shape(out) == shape and np.asarray(out).dtype == np.float64
    for index in np.ndindex(shape):
        assert out[index] == pytest.approx(lr(int(steps[index])), rel=1e-14, abs=0)


def test_scalar_input_gives_float_and_lists_work() -> None:
    lr = schedules.make("cosine", peak_lr=0.1, total_steps=100)
    assert isinstance(lr(3), float)
    np.testing.assert_array_equal(lr([0, 50]), lr(np.array([0, 50])))
    with pytest.raises(ValueError):
        lr(-1)
    with pytest.raises(ValueError):
        lr(np.array([1.0, np.nan]))


# --- validation and metadata ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("adam", 0.1, 100), {}, "unknown schedule"),
        (("cosine", 0.0, 100), {}, "peak_lr"),
        (("cosine", -0.1, 100), {}, "peak_lr"),
        (("cosine", math.inf, 100), {}, "peak_lr"),
        (("cosine", 0.1, 0), {}, "total_steps"),
        (("cosine", 0.1, 10.5), {}, "total_steps"),
        (("cosine", 0.1, 100), {"warmup_steps": -1}, "warmup_steps"),
        (("cosine", 0.1, 100), {"warmup_steps": 101}, "warmup_steps"),
        (("cosine", 0.1, 100), {"min_lr": -0.01}, "min_lr"),
        (("cosine", 0.1, 100), {"min_lr": 0.2}, "min_lr"),
        (("cosine", 0.1, 100), {"gamma": 0.5}, "unknown argument"),
        (("step", 0.1, 100), {"decay_fraction": 0.5}, "allowed: gamma, step_size"),
        (("step", 0.1, 100), {"gamma": 0.0}, "gamma"),
        (("step", 0.1, 100), {"gamma": 1.5}, "gamma"),
        (("step", 0.1, 100), {"step_size": 0}, "step_size"),
        (("wsd", 0.1, 100), {"decay_fraction": 1.5}, "decay_fraction"),
        (("constant", 0.1, 100), {"warmup": 5}, "allowed: none"),
    ],
)
def test_bad_arguments_raise(args: tuple, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        schedules.make(*args, **kwargs)


@pytest.mark.parametrize("name", NAMES)
def test_info_and_torch_equivalent(name: str) -> None:
    meta = schedules.info(name)
    assert set(meta) == {"title", "description", "latex", "kwargs"}
    assert meta["title"] and meta["description"] and meta["latex"].startswith(r"\eta_t")
    assert meta["latex"].count(r"\begin{cases}") == meta["latex"].count(r"\end{cases}") == 1
    schedules.make(name, 0.1, 100, **meta["kwargs"])  # the listed defaults are accepted
    assert "opt" in schedules.torch_equivalent(name)


def test_info_kwargs_defaults_and_unknown_names() -> None:
    assert schedules.info("step")["kwargs"] == {"gamma": 0.1, "step_size": None}
    assert schedules.info("wsd")["kwargs"] == {"decay_fraction": 0.2}
    assert schedules.info("cosine")["kwargs"] == {}
    for fn in (schedules.info, schedules.torch_equivalent):
        with pytest.raises(ValueError, match="constant, step, cosine"):
            fn("onecycle")

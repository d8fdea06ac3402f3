"""The worked tables reproduce the spec's checked numbers (and not the source's wrong ones)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine import worked

approx = pytest.approx


def _equal_lengths(table: worked.Table) -> None:
    assert isinstance(table, dict) and table
    lengths = {len(column) for column in table.values()}
    assert len(lengths) == 1, {name: len(col) for name, col in table.items()}
    assert all(isinstance(column, np.ndarray) for column in table.values())


# --------------------------------------------------------------------------- chapter 0


def test_parabola_eta_01_path_and_loss():
    table = worked.parabola(0.1, 5)
    assert list(table) == ["step", "x", "gradient f′(x)", "loss f(x)", "distance |x−3|"]
    assert table["x"] == approx([0, 0.6, 1.08, 1.464, 1.7712, 2.01696], abs=1e-12)
    assert np.round(table["x"], 3).tolist() == [0, 0.6, 1.08, 1.464, 1.771, 2.017]
    assert table["loss f(x)"][0] == approx(9.0)
    assert round(float(table["loss f(x)"][5]), 3) == 0.966
    assert table["gradient f′(x)"][:2] == approx([-6.0, -4.8])
    assert table["loss f(x)"][1] == approx(5.76)


def test_parabola_eta_05_lands_in_one_step():
    table = worked.parabola(0.5, 3)
    assert table["x"][1] == 3.0
    assert table["loss f(x)"][1:] == approx([0, 0, 0])


def test_parabola_eta_11_diverges():
    table = worked.parabola(1.1, 2)
    assert table["x"][1:] == approx([6.6, -1.32])
    assert table["loss f(x)"] == approx([9.0, 12.96, 18.6624])
    assert np.round(table["loss f(x)"][2], 2) == 18.66


def test_parabola_eta_0001_crawls():
    x = worked.parabola(0.001, 1000)["x"]
    assert round(float(x[100]), 3) == 0.544
    assert round(float(x[1000]), 3) == 2.595
    # The source lesson says 2.97 after 1000 steps: wrong.
    assert abs(x[1000] - 2.97) > 0.3


def test_parabola_huge_run_overflows_quietly():
    table = worked.parabola(1.1, 5000)
    assert not np.isfinite(table["x"][-1])
    _equal_lengths(table)


def test_parabola_factor_and_steps_to_shrink():
    assert worked.parabola_factor(0.1) == approx(0.8)
    assert worked.parabola_factor(1.1) == approx(1.2)
    assert worked.parabola_factor(0.5) == 0.0
    halve = worked.steps_to_shrink(0.1, 0.5)
    tenfold = worked.steps_to_shrink(0.1, 0.1)
    assert round(halve, 1) == 3.1
    assert round(tenfold, 1) == 10.3
    # The source lesson says 11 steps to halve and 33 for 10×: wrong.
    assert abs(halve - 11) > 5 and abs(tenfold - 33) > 10
    assert 0.8 ** math.ceil(halve) <= 0.5 < 0.8 ** math.floor(halve)
    assert worked.steps_to_shrink(1.0, 0.5) == math.inf
    assert worked.steps_to_shrink(1.1, 0.5) == math.inf
    assert worked.steps_to_shrink(0.5, 0.5) == 0.0
    assert worked.steps_to_shrink(0.1, 1.0) == 0.0


def test_steps_to_shrink_matches_the_simulated_distance():
    n = worked.steps_to_shrink(0.1, 0.1)
    distance = worked.parabola(0.1, 12)["distance |x−3|"]
    assert distance[math.ceil(n)] <= 0.3 < distance[math.floor(n)]


@pytest.mark.parametrize("bad", [0.0, -0.5, 1.5])
def test_steps_to_shrink_rejects_bad_factor(bad):
    with pytest.raises(ValueError):
        worked.steps_to_shrink(0.1, bad)


def test_parabola_rejects_bad_steps():
    with pytest.raises(ValueError):
        worked.parabola(0.1, -1)
    with pytest.raises(ValueError):
        worked.parabola(-0.1, 3)


# --------------------------------------------------------------------------- chapter 1


def test_four_point_per_example_gradients():
    table = worked.four_point_examples(1.0)
    assert table["gradient −2x(y − θx)"] == approx([-2, -8, -12, -32])
    assert float(np.mean(table["gradient −2x(y − θx)"])) == approx(-13.5)


def test_four_point_sgd_checked_numbers():
    table = worked.four_point_sgd()
    grads = table["batch gradient"]
    after = table["θ after"]
    assert grads[0] == approx(-13.5) and after[0] == approx(1.135)
    assert grads[1] == approx(-7.0) and after[1] == approx(1.07)
    # The lesson's reading: {2,4}'s gradient taken at θ0 = 1, applied from 1.07.
    assert table["gradient taken at θ"][2] == approx(1.0)
    assert table["θ before"][2] == approx(1.07)
    assert grads[2] == approx(-20.0) and after[2] == approx(1.27)
    assert (grads[1] + grads[2]) / 2 == approx(grads[0])
    # True sequential SGD: the gradient where θ really is.
    assert table["gradient taken at θ"][3] == approx(1.07)
    assert grads[3] == approx(-18.6) and after[3] == approx(1.256)
    _equal_lengths(table)


def test_four_point_gradient_matches_finite_difference():
    def loss(theta):
        x, y = np.array(worked.FOUR_POINT_X), np.array(worked.FOUR_POINT_Y)
        return np.mean((y - theta * x) ** 2)

    h = 1e-6
    for theta in (0.0, 1.0, 1.07, 2.5):
        numeric = (loss(theta + h) - loss(theta - h)) / (2 * h)
        assert worked.four_point_gradient(theta) == approx(numeric, rel=1e-6)


def test_least_squares_and_sgd_from_scratch():
    assert worked.least_squares_theta() == approx(1.9)
    learned = worked.sgd_from_scratch()
    assert round(learned, 2) == 1.90
    assert worked.sgd_from_scratch(seed=3) == approx(1.9, abs=0.03)
    assert worked.sgd_from_scratch(seed=5) == worked.sgd_from_scratch(seed=5)
    epochs = worked.sgd_from_scratch_epochs(epochs=50)
    _equal_lengths(epochs)
    assert len(epochs["epoch"]) == 51 and epochs["θ"][0] == 1.0
    assert epochs["loss (mean over all 4)"][-1] < epochs["loss (mean over all 4)"][0]


def test_sgd_from_scratch_full_batch_converges_to_least_squares():
    assert worked.sgd_from_scratch(epochs=400, batch_size=4) == approx(1.9, abs=1e-9)


# --------------------------------------------------------------------------- chapter 2


def test_momentum_vs_vanilla_checked_numbers():
    table = worked.momentum_vs_vanilla()
    assert np.round(table["momentum θ"][1:], 4).tolist() == [0.06, 0.1728, 0.3309, 0.5265, 0.7521]
    assert np.round(table["velocity v"][1:], 3).tolist() == [-6, -11.28, -15.806, -19.564, -22.555]
    assert table["vanilla θ"][1] == approx(0.06)
    assert round(float(table["vanilla θ"][5]), 4) == 0.2882
    assert table["momentum gradient g"][2] == approx(-5.88)
    assert np.isnan(table["momentum gradient g"][0]) and table["velocity v"][0] == 0
    _equal_lengths(table)
    assert len(table["step"]) == 6


def test_momentum_overshoot_grows_with_beta():
    plain = worked.momentum_overshoot(0.0)
    assert plain.max_overshoot == 0.0 and plain.peak_step is None
    light = worked.momentum_overshoot(0.5)
    standard = worked.momentum_overshoot(0.9)
    heavy = worked.momentum_overshoot(0.99)
    assert light.max_overshoot == 0.0
    assert 0 < standard.max_overshoot < heavy.max_overshoot
    path = standard.table["θ"]
    assert path[standard.peak_step] - 3 == approx(standard.max_overshoot)
    _equal_lengths(heavy.table)


def test_momentum_overshoot_from_the_right_side():
    run = worked.momentum_overshoot(0.9, x0=6.0)
    assert run.max_overshoot > 0
    assert 3 - run.table["θ"][run.peak_step] == approx(run.max_overshoot)


# --------------------------------------------------------------------------- chapter 3


def test_adagrad_parameter_a():
    table = worked.adagrad_rmsprop()["A · AdaGrad"]
    assert table["gradient g"] == approx([3.0, 2.5, 2.8, 3.1])
    assert table["G (sum of g²)"] == approx([9, 15.25, 23.09, 32.70])
    rate = np.round(table[worked.EFFECTIVE_LR], 4).tolist()
    assert rate == [0.0333, 0.0256, 0.0208, 0.0175]
    assert table["update Δθ (signed)"][0] == approx(-0.1)
    _equal_lengths(table)


def test_adagrad_parameter_b():
    table = worked.adagrad_rmsprop()["B · AdaGrad"]
    assert table["gradient g"] == approx([0, 0, 0, 5])
    assert table["G (sum of g²)"] == approx([0, 0, 0, 25])
    rate = table[worked.EFFECTIVE_LR]
    assert np.isnan(rate[:3]).all()
    assert round(float(rate[3]), 4) == 0.0200
    assert rate[3] > worked.adagrad_rmsprop()["A · AdaGrad"][worked.EFFECTIVE_LR][3]
    assert table["update Δθ (signed)"] == approx([0, 0, 0, -0.1])


def test_rmsprop_parameter_a():
    table = worked.adagrad_rmsprop()["A · RMSProp"]
    assert table["G (average of g²)"] == approx([0.9, 1.435, 2.0755, 2.82895])
    # The spec's 3-decimal figures; 2.0755 is a rounding tie (float rounding gives 2.075).
    assert table["G (average of g²)"] == approx([0.9, 1.435, 2.076, 2.829], abs=6e-4)
    rate = np.round(table[worked.EFFECTIVE_LR], 4).tolist()
    assert rate == [0.1054, 0.0835, 0.0694, 0.0595]


def test_adagrad_vs_rmsprop_side_by_side():
    table = worked.adagrad_vs_rmsprop()
    _equal_lengths(table)
    assert table["G AdaGrad"][-1] == approx(32.70)
    assert table["G RMSProp"][-1] == approx(2.82895)


def test_adaptive_rate_table_rejects_unknown_method():
    with pytest.raises(ValueError):
        worked.adaptive_rate_table("adam")


# --------------------------------------------------------------------------- chapter 4


def test_adam_three_steps_checked_numbers():
    table = worked.adam_three_steps()
    assert table["m"] == approx([0.4, 0.26, 0.534])
    sizes = table["step size |Δθ|"]
    assert sizes[0] == approx(0.001, rel=1e-6)
    assert np.round(sizes[1:], 6).tolist() == [0.000469, 0.000669]
    # Every step lowers θ: m̂ stays positive even when g = −1.
    assert (table["Δθ (signed)"] < 0).all()
    assert table["m̂"][0] == approx(4.0) and table["v̂"][0] == approx(16.0)
    assert table["θ"][-1] == approx(table["Δθ (signed)"].sum())
    _equal_lengths(table)


# --------------------------------------------------------------------------- chapter 5


def test_l2_vs_decoupled_percentages():
    result = worked.l2_vs_decoupled()
    assert round(result.l2_percent, 6) == 0.005
    assert round(result.decoupled_percent, 6) == 0.01
    table = result.table
    _equal_lengths(table)
    assert table["decay part of Δθ"] == approx([-0.00025, -0.0005])
    assert table["Δθ (signed)"] == approx([-0.00125, -0.0015])
    assert table["v̂"] == approx([4.0, 4.0])
    assert table["gradient fed to m and v"] == approx([2.5, 2.0])


def test_l2_vs_decoupled_rejects_impossible_v():
    with pytest.raises(ValueError):
        worked.l2_vs_decoupled(v=1e-6)


def test_effective_decay_busy_vs_quiet():
    busy = worked.effective_decay(10.0, wd=0.1, lr=0.001, steps=50)
    quiet = worked.effective_decay(0.1, wd=0.1, lr=0.001, steps=50)
    _equal_lengths(busy)
    for table in (busy, quiet):
        assert table["AdamW decay (% of θ)"] == approx(np.full(50, 0.01))
    # Under L2 the busy weight's decay is divided by a large √v, the quiet one's by a small one.
    assert busy["Adam+L2 decay (% of θ)"].max() < 0.002
    assert quiet["Adam+L2 decay (% of θ)"].min() > 0.01
    # First step, constant gradient: η·λ/|g + λθ| of θ.
    assert busy["Adam+L2 decay (% of θ)"][0] == approx(0.001 * 0.1 / 10.5 * 100, rel=1e-6)


def test_effective_decay_noisy_is_seeded():
    a = worked.effective_decay(1.0, steps=30, noise=0.5, seed=4)
    b = worked.effective_decay(1.0, steps=30, noise=0.5, seed=4)
    c = worked.effective_decay(1.0, steps=30, noise=0.5, seed=5)
    assert np.array_equal(a["Adam+L2 θ"], b["Adam+L2 θ"])
    assert not np.array_equal(a["gradient g"], c["gradient g"])


# --------------------------------------------------------------------------- chapter 7


def test_cosine_table_checked_numbers():
    table = worked.cosine_table()
    rate = dict(zip(table["step"].tolist(), table["learning rate η"].tolist(), strict=True))
    assert rate[0] == 0.0
    assert rate[50] == approx(0.0005)
    assert rate[100] == approx(0.001)
    assert round(rate[325], 6) == 0.000854
    assert rate[550] == approx(0.0005)
    assert round(rate[775], 6) == 0.000146
    assert rate[1000] == approx(0.0, abs=1e-15)
    assert table["phase"].tolist()[:3] == ["warmup", "warmup", "peak (warmup done)"]
    _equal_lengths(table)


# --------------------------------------------------------------------------- all tables


@pytest.mark.parametrize(
    "table",
    [
        worked.parabola(0.1, 5),
        worked.four_point_examples(),
        worked.four_point_sgd(),
        worked.momentum_vs_vanilla(),
        worked.momentum_overshoot(0.9).table,
        *worked.adagrad_rmsprop().values(),
        worked.adagrad_vs_rmsprop(),
        worked.adam_three_steps(),
        worked.l2_vs_decoupled().table,
        worked.effective_decay(1.0, steps=10),
        worked.cosine_table(),
    ],
)
def test_every_table_has_equal_length_columns(table):
    _equal_lengths(table)


def test_table_helper_rejects_ragged_columns():
    with pytest.raises(ValueError):
        worked._table({"a": [1, 2], "b": [1]})

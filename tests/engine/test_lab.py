"""Sensitivity maps, seed fans and basins: each batched cell equals its single run."""

from __future__ import annotations

import numpy as np
import pytest

from engine import lab, landscapes, optimizers, simulate


def test_sensitivity_map_cells_are_single_runs():
    land = landscapes.get("ravine")
    lrs, betas = simulate.log_grid(1e-3, 0.1, 6), np.array([0.0, 0.5, 0.9])
    result = lab.sensitivity_map("momentum", land, land.start, 120, lrs, betas, threshold=1e-3)
    assert result.steps_to.shape == (3, 6) and result.second == "beta"
    for row, col in [(0, 0), (1, 3), (2, 5)]:
        single = simulate.run(
            optimizers.make("momentum", lr=lrs[col], beta=betas[row]), land, land.start, 120
        )
        assert result.final_loss[row, col] == single.losses[-1]
        assert result.diverged[row, col] == single.diverged


def test_best_cell_and_good_width():
    land = landscapes.get("bowl")
    lrs = simulate.log_grid(1e-3, 2.0, 12)
    result = lab.sensitivity_map("adam", land, land.start, 200, lrs, [0.0, 0.9], threshold=1e-2)
    row, col = result.best_cell
    assert result.steps_to[row, col] == result.steps_to[result.reached].min()
    assert 0 < result.good_fraction <= 1
    assert result.good_decades >= 0
    good = result.reached[row]
    span = np.flatnonzero(good)
    assert result.good_decades <= np.log10(lrs[span.max()] / lrs[span.min()]) + 1e-12


def test_no_cell_reaching_gives_no_best_cell():
    land = landscapes.get("rosenbrock")
    result = lab.sensitivity_map(
        "rmsprop", land, land.start, 5, [1e-4, 1e-3], [0.9], threshold=1e-9
    )
    assert result.best_cell is None and result.good_decades == 0.0


def test_unknown_map_is_refused():
    with pytest.raises(ValueError, match="no sensitivity map"):
        lab.sensitivity_map("sgd", landscapes.get("bowl"), (1, 1), 10, [0.1], [0.5])


def test_seed_fan_rows_are_single_noisy_runs():
    land = landscapes.get("ravine")
    opt = optimizers.make("adam", lr=0.05)
    fan = lab.seed_fan(opt, land, land.start, 80, sigma=2.0, seeds=[4, 9, 2])
    for row, seed in enumerate([4, 9, 2]):
        single = simulate.run(opt, landscapes.noisy(land, 2.0, seed=seed), land.start, 80)
        np.testing.assert_array_equal(fan.losses[:, row], single.losses)
    low, median, high = fan.quantiles()
    assert np.all(low <= median) and np.all(median <= high)


def test_ranking_says_when_bands_overlap():
    land = landscapes.get("bowl")
    fans = {
        "fast": lab.seed_fan(optimizers.make("sgd", lr=0.3), land, land.start, 60, 0.5),
        "twin": lab.seed_fan(optimizers.make("sgd", lr=0.3), land, land.start, 60, 0.5),
        "slow": lab.seed_fan(optimizers.make("sgd", lr=0.001), land, land.start, 60, 0.5),
    }
    ranking = lab.rank_fans(fans)
    assert ranking[-1][0] == "slow"
    assert lab.bands_overlap(fans["fast"], fans["twin"])
    assert not lab.bands_overlap(fans["fast"], fans["slow"])
    second = ranking[1]
    assert second[2] is True  # the better twin is clear of the slow one


def test_basins_on_himmelblau_find_all_four_minima():
    land = landscapes.get("himmelblau")
    result = lab.basins(optimizers.make("sgd", lr=0.01), land, n=16, steps=400)
    assert result.label.shape == (16, 16)
    assert {0, 1, 2, 3} <= set(np.unique(result.label))
    row, col = 5, 11
    single = simulate.run(
        optimizers.make("sgd", lr=0.01), land, (result.xs[col], result.ys[row]), 400
    )
    reached = int(result.label[row, col])
    assert np.linalg.norm(single.params[-1] - np.array(land.minima[reached])) < 0.2


def test_basins_label_divergence_and_travel():
    land = landscapes.get("himmelblau")
    wild = lab.basins(optimizers.make("sgd", lr=0.2), land, n=8, steps=50)
    assert wild.share(lab.DIVERGED) > 0.5
    slow = lab.basins(optimizers.make("sgd", lr=1e-5), land, n=8, steps=5)
    assert slow.share(lab.TRAVELLING) > 0.5

"""Chapter 10's pure logic: set-up checks, fair-rate picking, the claims' verdicts."""

import math

import numpy as np
import pytest

from chapters.ch10_network import claims, logic
from chapters.ch10_network.logic import Setup
from engine import optimizers, training


def test_default_setup_trains_and_problems_are_sentences():
    assert logic.problems(Setup()) == []
    too_big = Setup(batch_size=4000)
    [message] = logic.problems(too_big)
    assert "larger than the 350 training examples" in message
    assert "Pick at least one optimizer" in logic.problems(Setup(racers=(), rates=()))[0]
    assert "4 to 128 units" in logic.problems(Setup(width=2))[0]
    assert "rate must be above 0" in logic.problems(Setup(rates=(0.1, 0.0, 0.1)))[0]
    assert "Unknown data set" in logic.problems(Setup(data="mnist"))[0]


def test_every_racer_shares_the_seed_and_takes_the_pages_decay():
    setup = Setup(
        racers=("sgd", "adamw", "lion"), rates=(0.1, 0.01, 0.001), weight_decay=0.01, seed=7
    )
    racers = logic.racers_for(setup)
    assert {r.seed for r in racers} == {7}
    assert [r.hyperparams["lr"] for r in racers] == [0.1, 0.01, 0.001]
    assert all(r.hyperparams["weight_decay"] == 0.01 for r in racers)


def test_schedule_is_none_for_a_constant_rate_and_warms_up_otherwise():
    assert logic.schedule_for(Setup()) is None
    warm = logic.schedule_for(Setup(warmup_percent=10, total_steps=100))
    assert warm(0) < warm(5) < warm(10) == pytest.approx(1.0)


def test_pick_best_rates_takes_the_lowest_finite_loss_per_optimizer():
    grids = {"sgd": [0.01, 0.1, 1.0], "adam": [1e-3, 1e-2, 1e-1]}
    losses = [0.9, 0.4, math.nan, 0.5, 0.45, 0.6]
    picks = logic.pick_best_rates(["sgd", "adam"], grids, losses)
    assert picks["sgd"].rate == 0.1 and picks["sgd"].val_loss == 0.4
    assert picks["adam"].rate == 1e-2


def test_pick_best_rates_says_none_when_every_rate_diverged_and_checks_lengths():
    picks = logic.pick_best_rates(["lion"], {"lion": [1e-3, 1e-2]}, [math.nan, math.nan])
    assert picks["lion"].rate is None
    with pytest.raises(ValueError):
        logic.pick_best_rates(["lion"], {"lion": [1e-3]}, [0.1, 0.2])


def test_fair_sweep_picks_a_rate_from_each_grid():
    setup = Setup(total_steps=20)
    picks = logic.fair_sweep(setup, ("sgd", "adam"), steps=20)
    for name in ("sgd", "adam"):
        assert picks[name].rate in logic.rate_grid(name)
        assert len(picks[name].losses) == logic.FAIR_RATES_PER_OPTIMIZER


def test_band_width_is_the_contiguous_good_run_around_the_best():
    rates = [1e-3, 1e-2, 1e-1, 1.0, 10.0]
    low, high, width = claims.band_width(rates, [0.5, 0.90, 0.93, 0.70, 0.91], tolerance=0.05)
    assert (low, high) == (1e-2, 1e-1)  # 10.0 is good too but not next to the best
    assert width == pytest.approx(1.0)
    assert math.isnan(claims.band_width(rates, [math.nan] * 5)[2])


def test_forgiving_verdict_follows_the_numbers():
    bands = {"sgd": (0.1, 0.3, 0.5), "momentum": (0.01, 0.1, 1.0), "adam": (1e-3, 0.1, 2.0)}
    assert claims.forgiving_verdict(bands).holds is True
    bands["adam"] = (1e-2, 1e-1, 1.0)
    verdict = claims.forgiving_verdict(bands)
    assert verdict.holds is False and "tie" in verdict.text
    bands["adam"] = (1e-2, 2e-2, 0.3)
    assert "does not hold" in claims.forgiving_verdict(bands).text
    bands["sgd"] = (math.nan, math.nan, math.nan)
    assert claims.forgiving_verdict(bands).holds is None


def test_adamw_verdict_reports_accuracy_and_norms():
    verdict = claims.adamw_verdict({"adam": 0.90, "adamw": 0.93}, {"adam": 9.0, "adamw": 5.0}, 0.1)
    assert verdict.holds is True
    assert "93.0%" in verdict.text and "90.0%" in verdict.text and "AdamW's weights" in verdict.text
    worse = claims.adamw_verdict({"adam": 0.95, "adamw": 0.93}, {"adam": 4.0, "adamw": 5.0}, 0.1)
    assert worse.holds is False and "does not hold" in worse.text
    assert (
        claims.adamw_verdict({"adam": math.nan, "adamw": 0.9}, {"adam": 1, "adamw": 1}, 0.1).holds
        is None
    )


def test_early_spike_and_warmup_verdict():
    assert claims.early_spike([1.0, 3.0, 0.5, 0.4, 0.3, 0.2, 0.2, 0.2]) == pytest.approx(3.0)
    assert math.isinf(
        claims.early_spike([1.0, 2.0, math.nan, math.nan, math.nan, math.nan, math.nan, math.nan])
    )
    verdict = claims.warmup_verdict({"constant": 3.0, "warmup": 1.1}, 0.1, 15)
    assert verdict.holds is True and "3.00×" in verdict.text and "15 warmup steps" in verdict.text
    assert claims.warmup_verdict({"constant": 1.0, "warmup": 1.2}, 0.1, 15).holds is False
    assert "diverged" in claims.warmup_verdict({"constant": math.inf, "warmup": 1.0}, 1.0, 5).text


def test_loss_noise_grows_with_the_jitter_and_batch_verdict():
    rng = np.random.default_rng(0)
    trend = np.linspace(1.0, 0.2, 200)
    quiet = claims.loss_noise(trend + 0.01 * rng.normal(size=200))
    loud = claims.loss_noise(trend + 0.1 * rng.normal(size=200))
    assert loud > 5 * quiet
    assert math.isnan(claims.loss_noise([1.0, 0.5]))
    verdict = claims.batch_noise_verdict(
        {8: 0.2, 32: 0.1, 350: 0.01}, {8: 0.9, 32: 0.92, 350: 0.95}, "SGD"
    )
    assert verdict.holds is True and "B = 350" in verdict.text
    assert (
        claims.batch_noise_verdict({8: 0.1, 32: 0.2, 350: 0.01}, {8: 1, 32: 1, 350: 1}, "SGD").holds
        is False
    )


def test_lion_verdict_and_memory_from_the_engine():
    memory = {n: claims.state_numbers(n, {"W1": (2, 8), "b1": (8,)}) for n in ("adamw", "lion")}
    assert memory == {"adamw": 48, "lion": 24}
    assert claims.lion_verdict({"adamw": 0.01, "lion": 0.002}, memory).holds is True
    smaller = claims.lion_verdict({"adamw": 0.01, "lion": 0.005}, memory)
    assert smaller.holds is False and "less than 3×" in smaller.text
    assert claims.lion_verdict({"adamw": None, "lion": 0.005}, memory).holds is None


def test_summary_and_leader_sentences_read_the_history():
    setup = Setup(total_steps=40, racers=("sgd", "adam"), rates=(0.3, 50.0))
    run = logic.new_training(setup)
    run.advance(40)
    history = run.history()
    rows = logic.summary_rows(history, setup.rates)
    assert rows[1]["status"].startswith("diverged at step")
    sentence = logic.leader_sentence(history)
    assert "SGD leads" in sentence and "Diverged: Adam" in sentence
    assert "SGD" in logic.ratio_sentence(history)


def test_effective_rate_spread_matches_adams_formula():
    setup = Setup(racers=("adam",), rates=(0.01,), total_steps=20)
    run = logic.new_training(setup)
    run.advance(5)
    state = run.racer_state(0)
    spread = logic.effective_rate_spread("adam", state, 0.01, {"lr": 0.01})
    v = np.concatenate([np.ravel(state[k]) for k in sorted(state) if k.startswith("v/")])
    expected = 0.01 / (np.sqrt(v / (1 - 0.999**5)) + 1e-8)
    assert np.allclose(np.sort(spread), np.sort(expected))
    assert logic.adaptive("adam") and not logic.adaptive("sgd")


def test_racer_state_is_the_single_run_state():
    data_setup = Setup(racers=("sgd", "adam"), rates=(0.1, 0.01), total_steps=10)
    run = logic.new_training(data_setup)
    run.advance(3)
    alone = training.Training(
        run.network,
        run.dataset,
        [training.Racer("adam", {"lr": 0.01, "weight_decay": 0.0})],
        run.batch_size,
        eval_every=run.eval_every,
    ).advance(3)
    mine, single = run.racer_state(1), alone.racer_state(0)
    assert mine.keys() == single.keys() and mine["t"] == 3
    for key in mine:
        if key != "t":
            assert mine[key].shape == np.shape(single[key])
            np.testing.assert_allclose(mine[key], single[key], rtol=1e-5)
    assert mine["v/b1"].ndim == 1


def test_confusion_matrix_and_quartiles():
    matrix = logic.confusion_matrix(np.array([0, 1, 1, 2]), np.array([0, 1, 2, 2]), 3)
    assert matrix.tolist() == [[1, 0, 0], [0, 1, 1], [0, 0, 1]]
    q = logic.quartiles(np.array([1.0, 2.0, 3.0, 4.0, 5.0, np.nan]))
    assert q["min"] == 1.0 and q["median"] == 3.0 and q["max"] == 5.0
    assert logic.quartiles(np.array([np.nan])) == {}


def test_probability_grid_has_one_map_per_run():
    setup = Setup(racers=("sgd", "adam"), rates=(0.1, 0.01))
    run = logic.new_training(setup)
    xs, ys, probs = logic.probability_grid(
        run.network, run.history().final_params, run.dataset.bounds, n=12
    )
    assert probs.shape == (2, 12, 12) and np.all((probs >= 0) & (probs <= 1))


def test_presets_name_real_optimizers_and_data():
    for preset in logic.PRESETS.values():
        assert set(preset.get("racers", [])) <= set(optimizers.NAMES)
        assert preset.get("data", "moons") in logic.DATA_NAMES

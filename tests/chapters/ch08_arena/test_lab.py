"""Chapter 8's trust sections, pure half: maps' summaries, seed fans' ranking and verdict,
basins' outcomes, the schedules' share-link keys, and the figures built from them."""

import numpy as np
import pytest

from chapters.ch08_arena import lab_logic as ll
from chapters.ch08_arena.lab_figures import (
    BEST_NAME,
    CLICK_GRID_NAME,
    basin_figure,
    fan_loss_figure,
    sensitivity_heatmap,
)
from chapters.ch08_arena.link import parse_setup
from engine import lab, landscapes, optimizers, schedules
from kit.format import fmt


def fake_fan(name, finals, steps=5):
    finals = np.asarray(finals, dtype=float)
    losses = np.vstack([np.full_like(finals, 10.0)] * steps + [finals])
    params = np.zeros((steps + 1, finals.size, 2))
    return lab.SeedFan(name, np.arange(finals.size), params, losses, np.zeros(finals.size, bool))


def test_fans_with_apart_bands_have_a_clear_winner():
    fans = {
        "adam": fake_fan("adam", np.linspace(0.1, 0.2, 10)),
        "sgd": fake_fan("sgd", np.linspace(1.0, 2.0, 10)),
    }
    rows = ll.fan_table(fans)
    assert [r["optimizer"] for r in rows] == ["Adam", "SGD"]
    assert rows[0]["verdict"] == "ahead of SGD"
    assert "wins clearly" in ll.fan_verdict(fans)


def test_fans_with_overlapping_bands_say_no_clear_winner():
    fans = {
        "adam": fake_fan("adam", np.linspace(0.1, 1.0, 10)),
        "sgd": fake_fan("sgd", np.linspace(0.5, 1.5, 10)),
        "lion": fake_fan("lion", np.linspace(5.0, 6.0, 10)),
    }
    rows = ll.fan_table(fans)
    assert rows[0]["verdict"] == "no clear winner vs SGD"
    assert rows[1]["verdict"] == "ahead of Lion"
    verdict = ll.fan_verdict(fans)
    assert "No clear winner" in verdict and "Adam and SGD" in verdict and "Lion" not in verdict


def test_real_fans_share_seeds_and_draw_every_path():
    land = landscapes.get("ravine")
    seeds = ll.fan_seeds(7)
    assert seeds.tolist() == list(range(7, 7 + ll.FAN_SEEDS))
    result = ll.fan("sgd", 0.02, land, land.start, 0.5, seeds)
    single = landscapes.noisy(land, 0.5, seed=7)
    from engine import simulate

    one = simulate.run(
        optimizers.make("sgd", lr=0.02), single, np.asarray(land.start), ll.FAN_STEPS
    )
    np.testing.assert_allclose(result.losses[:, 0], one.losses)
    xs, ys = ll.fan_paths(result)
    assert np.isnan(xs).sum() == ll.FAN_SEEDS and xs.shape == ys.shape
    fig = fan_loss_figure({"sgd": result}, threshold=1e-3)
    assert fig.layout.yaxis.type == "log" and fig.layout.title.text


def test_a_schedule_in_a_fan_changes_the_runs():
    land = landscapes.get("ravine")
    plain = ll.fan("sgd", 0.02, land, land.start, 0.5, ll.fan_seeds(0))
    warm = ll.fan(
        "sgd", 0.02, land, land.start, 0.5, ll.fan_seeds(0), ll.RacerSchedule("cosine", 20)
    )
    assert not np.allclose(plain.losses[-1], warm.losses[-1])


def test_map_summary_and_sentence_name_the_best_cell():
    land = landscapes.get("ravine")
    result = ll.sensitivity("momentum", land, land.start, 1e-3)
    r, c = result.best_cell
    row = ll.map_summary(result)
    assert row["best η"] == pytest.approx(result.lrs[c])
    assert row["best second knob"] == f"β = {fmt(result.second_values[r], 3)}"
    assert row["steps to ε"] == str(result.steps_to[r, c])
    assert f"({result.steps_to[r, c]} steps)" in ll.map_sentence(result)
    fig = sensitivity_heatmap(result, steps=ll.MAP_STEPS)
    star = next(t for t in fig.data if t.name == BEST_NAME)
    assert star.x[0] == pytest.approx(np.log10(result.lrs[c]), abs=1e-6)
    assert star.y[0] == pytest.approx(result.second_values[r], abs=1e-6)
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text == "β"


def test_a_map_that_never_reaches_says_so():
    land = landscapes.get("rosenbrock")
    result = ll.sensitivity("momentum", land, land.start, 1e-30)
    assert result.best_cell is None
    assert ll.map_summary(result)["steps to ε"] == "never"
    assert "no cell" in ll.map_sentence(result)


def test_map_grids_cover_each_optimizers_range():
    for name in ll.MAP_OPTIMIZERS:
        lrs = ll.map_lrs(name)
        low, high, _ = optimizers.info(name).ranges["lr"]
        assert lrs[0] == pytest.approx(low) and lrs[-1] == pytest.approx(high)
        assert ll.map_second_values(name)[0] == 0 and ll.map_second_values(name)[-1] < 1


def test_basins_on_himmelblau_and_a_run_from_a_start():
    assert ll.basin_landscapes() == ("saddle", "himmelblau")
    result = ll.basin_map("sgd", 0.01, "himmelblau")
    names = ll.basin_names(result)
    assert names[lab.DIVERGED] == "diverged" and len(names) == 6
    shares = ll.basin_shares(result)
    assert sum(shares.values()) == pytest.approx(1.0)
    text = ll.shares_text(shares)
    assert text.startswith(f"{100 * max(shares.values()):.0f} %")
    traj = ll.race_from("sgd", 0.01, "himmelblau", (2.5, 2.5))
    outcome, arrived = ll.run_outcome(traj, "himmelblau")
    assert outcome == "minimum (3, 2)" and 0 < arrived <= ll.BASIN_STEPS
    assert ll.basin_outcome(result, (2.5, 2.5)) == "minimum (3, 2)"
    fig = basin_figure(result, title="SGD", path=traj.params)
    grid = next(t for t in fig.data if t.name == CLICK_GRID_NAME)
    assert len(grid.x) == ll.BASIN_N**2
    assert any(t.name == "minimum (3, 2)" for t in fig.data)


def test_a_diverging_run_from_a_start_says_so():
    traj = ll.race_from("sgd", 5.0, "himmelblau", (4.5, 4.5))
    outcome, arrived = ll.run_outcome(traj, "himmelblau")
    assert outcome.startswith("diverged at step") and arrived is None


def test_schedules_round_trip_through_the_link():
    chosen = {"adam": ll.RacerSchedule("cosine", 10), "sgd": ll.RacerSchedule()}
    query = ll.schedules_to_query(chosen)
    assert query == {"sched_adam": "cosine:10"}  # a plain schedule is left out
    back, problems = ll.parse_schedules(query, ("adam", "sgd"))
    assert back == {"adam": ll.RacerSchedule("cosine", 10)} and problems == []
    # The arena's own parser lets the schedule keys through without a complaint.
    _, arena_problems = parse_setup({"opt": "adam", **query})
    assert arena_problems == []


@pytest.mark.parametrize(
    "query",
    [
        {"sched_adam": "zigzag:10"},
        {"sched_adam": "cosine:7"},
        {"sched_adam": "cosine:x"},
        {"sched_lion": "cosine:10"},
        {"sched_nope": "cosine:0"},
    ],
)
def test_bad_schedule_keys_are_refused_with_a_message(query):
    back, problems = ll.parse_schedules(query, ("adam",))
    assert back == {} and len(problems) == 1


def test_a_racer_schedule_builds_the_chapter_7_schedule():
    s = ll.RacerSchedule("linear", 20)
    built = s.build(0.1, 500)
    assert built == schedules.make("linear", 0.1, 500, warmup_steps=100)
    assert s.label() == "Linear decay, 20 % warmup" or "20 % warmup" in s.label()
    assert ll.RacerSchedule().is_plain and not s.is_plain


def test_fairness_rules_name_all_four():
    text = " ".join(ll.FAIRNESS_RULES)
    for rule in ("Same start", "Same seeds", "Same step budget", "best rate"):
        assert rule in text

"""Chapter 8's arena logic: share links, sweeps, leaderboard, CSV and its figures."""

import io
import json
import string

import numpy as np
import pandas as pd
import pytest

from chapters.ch08_arena import figures, link, logic
from chapters.ch08_arena.link import Setup, parse_setup, setup_to_query
from chapters.ch08_arena.logic import Entry, SweepCurve
from engine import landscapes, optimizers, simulate
from kit import palette, state
from kit.measure import steps_to
from kit.plots.base import figure_json_size
from kit.plots.landscape import landscape_figure
from kit.plots.series import PathTrace

BUDGET = 300_000


# --------------------------------------------------------------------------- share links


def test_empty_query_gives_the_defaults_without_problems():
    setup, problems = parse_setup({})
    assert setup == Setup() and problems == []
    assert setup.optimizers == ("sgd", "momentum", "rmsprop", "adam")
    assert setup.landscape == "ravine"


@pytest.mark.parametrize(
    "setup",
    [
        Setup(),
        Setup(
            landscape="rosenbrock",
            optimizers=("sgd", "adam", "lion"),
            lr=0.03,
            overrides={"adam": 0.2, "lion": 0.001},
            noise=1.0,
            batch=8,
            seed=42,
            start=(-1.25, 2.5),
            fair=True,
        ),
        Setup(landscape="noisy_ravine", optimizers=tuple(optimizers.NAMES), lr=10.0),
        Setup(landscape="saddle", optimizers=("nesterov",), lr=0.0001, start=(-2.5, 0.0)),
    ],
)
def test_share_link_round_trip(setup):
    query = setup_to_query(setup)
    assert all(isinstance(v, str) for v in query.values())
    back, problems = parse_setup(query)
    assert problems == []
    assert back.landscape == setup.landscape
    assert back.optimizers == setup.optimizers
    assert back.lr == setup.lr
    assert back.overrides == setup.overrides
    assert (back.noise, back.batch, back.seed) == (
        (setup.noise, setup.batch, setup.seed) if setup.noise > 0 else (0.0, 1, 0)
    )
    assert back.start_point() == setup.start_point()
    assert back.fair == setup.fair
    assert setup_to_query(back) == query


def test_share_path_is_path_plus_query():
    path = link.share_path({"land": "bowl", "opt": "sgd,adam", "lr": "0.1"})
    assert path == "/arena?land=bowl&opt=sgd,adam&lr=0.1"


def test_rates_snap_to_the_slider_grid_and_optimizers_keep_engine_order():
    setup, problems = parse_setup({"lr": "0.0123", "opt": "ADAM, sgd,adam", "lr_adam": "0.21"})
    assert problems == []
    assert setup.lr in link.shared_lr_options() and setup.lr == 0.015
    assert setup.optimizers == ("sgd", "adam")
    assert setup.overrides["adam"] in link.own_lr_options("adam")


@pytest.mark.parametrize(
    ("query", "field", "needle"),
    [
        ({"land": "moon"}, "landscape", "unknown landscape"),
        ({"opt": "sgd,warp_drive"}, None, "unknown optimizer"),  # SGD stays (test below)
        ({"opt": "nope"}, "optimizers", "no known optimizer"),
        ({"opt": ""}, "optimizers", "no known optimizer"),
        ({"lr": "fast"}, "lr", "not a number"),
        ({"lr": "nan"}, "lr", "not a number"),
        ({"lr": "1e9"}, "lr", "outside"),
        ({"lr": "-0.1"}, "lr", "outside"),
        ({"lr_lion": "0.1"}, "overrides", "not racing"),
        ({"lr_teleport": "0.1"}, "overrides", "unknown optimizer"),
        ({"opt": "adam", "lr_adam": "50"}, "overrides", "learning rate"),
        ({"noise": "loud"}, "noise", "noise"),
        ({"noise": "99"}, "noise", "noise"),
        ({"batch": "3"}, "batch", "batch size"),
        ({"batch": "1.5"}, "batch", "batch size"),
        ({"seed": "-4"}, "seed", "seed"),
        ({"seed": "x"}, "seed", "seed"),
        ({"start": "here"}, "start", "two numbers"),
        ({"start": "1,2,3"}, "start", "two numbers"),
        ({"start": "99,99"}, "start", "outside"),
        ({"start": "inf,0"}, "start", "two numbers"),
        ({"fair": "maybe"}, "fair", "fair"),
        ({"utm_source": "spam"}, None, "unknown parameter"),
    ],
)
def test_malformed_fields_fall_back_to_defaults_with_a_problem(query, field, needle):
    setup, problems = parse_setup(query)
    assert problems and any(needle in p for p in problems), problems
    if field == "overrides":
        assert setup.overrides == {}
    elif field is not None:
        assert getattr(setup, field) == getattr(Setup(), field)


def test_one_bad_field_keeps_the_good_ones():
    setup, problems = parse_setup({"land": "bowl", "lr": "oops", "opt": "adam,warp"})
    assert len(problems) == 2
    assert setup.landscape == "bowl" and setup.optimizers == ("adam",)
    assert setup.lr == link.LR_DEFAULT


def test_repeated_keys_take_the_last_value_and_quotes_are_defused():
    setup, _ = parse_setup({"land": ["bowl", "saddle"]})
    assert setup.landscape == "saddle"
    _, problems = parse_setup({"land": "`**[x](javascript:alert(1))**`" + "a" * 100})
    assert len(problems) == 1
    assert problems[0].count("`") == 2 and len(problems[0]) < 80


def test_junk_never_raises():
    rng = np.random.default_rng(8)
    alphabet = string.printable + "η∞−"
    keys = ["land", "opt", "lr", "noise", "batch", "seed", "start", "fair", "lr_adam", "zz"]
    for _ in range(400):
        query = {
            str(rng.choice(keys)): "".join(rng.choice(list(alphabet), rng.integers(0, 12)))
            for _ in range(rng.integers(0, 6))
        }
        setup, problems = parse_setup(query)
        assert setup.landscape in link.LANDSCAPES
        assert setup.optimizers and set(setup.optimizers) <= set(optimizers.NAMES)
        assert link.LR_LOW <= setup.lr <= link.LR_HIGH
        assert isinstance(problems, list)
        parse_setup(setup_to_query(setup))  # and the result is a valid link again


# --------------------------------------------------------------------------- sweeps


def fake_sweep(final, diverged=None, steps_below=None):
    """A SweepResult with the given final losses (and first-crossing steps)."""
    final = np.asarray(final, dtype=float)
    n = final.size
    losses = np.tile(np.full(n, 10.0), (11, 1))
    losses[-1] = final
    if steps_below is not None:
        for i, s in enumerate(steps_below):
            if s is not None:
                losses[s:, i] = final[i]
    return logic.SweepResult(
        "sgd",
        np.geomspace(1e-3, 1.0, n),
        losses,
        np.asarray(diverged if diverged is not None else [-1] * n),
    )


def test_best_rate_prefers_the_fastest_run_that_ends_finished():
    sw = fake_sweep(
        [5.0, 1e-4, 1e-6, 0.5, 1.0],
        diverged=[-1, -1, -1, -1, 3],
        steps_below=[None, 4, 7, 2, None],  # index 3 dips early but ends above the line
    )
    assert logic.best_rate(sw, 1e-3) == 1
    assert logic.best_rate(fake_sweep([5.0, 3.0, 4.0]), 1e-3) == 1  # nobody finishes
    assert logic.best_rate(fake_sweep([1.0, 1.0], diverged=[2, 5]), 1e-3) is None


def test_forgiving_range_is_the_unbroken_stretch_around_the_best():
    sw = fake_sweep([9.0, 1.5, 1.0, 1.9, 2.5, 1.2, 1.1])
    rng = logic.forgiving_range(sw, 1e-6)
    assert rng.best == 2
    assert rng.low == pytest.approx(sw.lrs[1]) and rng.high == pytest.approx(sw.lrs[3])
    assert rng.width == pytest.approx(sw.lrs[3] / sw.lrs[1])
    assert not rng.at_low_edge and not rng.at_high_edge
    edge = logic.forgiving_range(fake_sweep([1e-9, 1e-8, 1e-5, 5.0]), 1e-3)
    assert edge.at_low_edge and edge.high == pytest.approx(edge_lr(3, 2))
    assert "≤ " in logic.range_text("sgd", edge)


def edge_lr(n_plus_one, i):
    return np.geomspace(1e-3, 1.0, n_plus_one + 1)[i]


def test_real_sweep_measures_adam_as_more_forgiving_than_sgd_on_the_ravine():
    start = landscapes.get("ravine").start
    sgd = logic.run_sweep("sgd", "ravine", None, start)
    adam = logic.run_sweep("adam", "ravine", None, start)
    assert sgd.lrs.size >= 48 and sgd.losses.shape == (logic.SWEEP_STEPS + 1, sgd.lrs.size)
    direct = simulate.sweep("sgd", landscapes.get("ravine"), start, logic.SWEEP_STEPS, sgd.lrs)
    np.testing.assert_array_equal(direct.losses[-1], sgd.final)
    r_sgd = logic.forgiving_range(sgd, 1e-3)
    r_adam = logic.forgiving_range(adam, 1e-3)
    assert r_adam.width > 10 * r_sgd.width
    # SGD on a quadratic diverges just above 2 / largest curvature.
    limit = 2.0 / logic.quadratic_curvature("ravine")
    assert sgd.lrs[~sgd.ok].min() > limit > sgd.lrs[sgd.ok].max() * 0.9


# --------------------------------------------------------------------------- race tables


def make_entry(name, lr, landscape="bowl", steps=30, start=(-2.4, 1.8)):
    run = state.start_run(name, {"lr": lr}, landscape, start)
    return Entry(name, state.advance(run, steps), lr, "shared")


def test_leaderboard_orders_finished_running_diverged():
    entries = [
        make_entry("sgd", 1.5),  # diverges
        make_entry("adam", 0.01),  # still running
        make_entry("sgd", 0.3),  # finishes
    ]
    board = logic.leaderboard(entries, 1e-3)
    assert list(board["rank"]) == [1, 2, 3]
    assert list(board["optimizer"]) == ["SGD", "Adam", "SGD"]
    assert board["steps to threshold"].iloc[0] == steps_to(
        entries[2].run.losses, 1e-3, entries[2].run.diverged_at
    )
    assert pd.isna(board["steps to threshold"].iloc[1])
    assert board["diverged at step"].iloc[2] == entries[0].run.diverged_at
    assert np.isfinite(board["loss now"]).all()


def test_race_csv_has_one_row_per_step_cut_at_divergence():
    entries = [make_entry("sgd", 1.5), make_entry("momentum", 0.05)]
    table = pd.read_csv(io.StringIO(logic.race_csv(entries)))
    assert list(table.columns) == ["step", "optimizer", "x", "y", "loss"]
    diverged = entries[0].run.diverged_at
    assert (table["optimizer"] == "sgd").sum() == diverged + 1
    assert (table["optimizer"] == "momentum").sum() == 31
    assert np.isfinite(table["loss"]).all()
    mom = table[table["optimizer"] == "momentum"]
    np.testing.assert_allclose(mom["loss"], entries[1].run.losses)
    assert logic.race_csv([]).startswith("step,optimizer,x,y,loss")


def test_first_step_table_shows_adam_stepping_eta_per_coordinate():
    table = logic.first_step_table(
        ["sgd", "adam"], {"sgd": 0.01, "adam": 0.01}, "ravine", None, (1.0, -3.5)
    )
    grad = landscapes.get("ravine").grad(np.array([1.0, -3.5]))
    sgd, adam = table.iloc[0], table.iloc[1]
    assert sgd["Δθ₁/η (x)"] == pytest.approx(-grad[0])
    assert adam["Δθ₁/η (x)"] == pytest.approx(-1.0, rel=1e-6)
    assert adam["Δθ₁/η (y)"] == pytest.approx(1.0, rel=1e-6)


def test_ridge_start_leaves_nobody_off_the_saddle():
    rates = {n: 0.05 for n in optimizers.NAMES}
    escaped = logic.ridge_escape(optimizers.NAMES, rates, -2.5, steps=100)
    assert all(y == 0.0 for y in escaped.values())


def test_noise_in_runs_resets_and_replays():
    ps = state.PageState("t", {})
    kw = dict(optimizer="adam", hyperparams={"lr": 0.1}, landscape="ravine", start=(1.0, -3.5))
    run = state.sync_run(ps, "a", noise=(1.0, 4, 3), **kw)
    assert run.noise == (1.0, 4, 3) and run.land.noise_std == pytest.approx(0.5)
    stepped = state.advance(run, 5)
    ps.update_run("a", stepped)
    assert state.sync_run(ps, "a", noise=(1.0, 4, 3), **kw).steps == 5
    assert state.sync_run(ps, "a", noise=(1.0, 4, 4), **kw).steps == 0  # new noise: restart
    again = state.advance(state.start_run(noise=(1.0, 4, 3), **kw), 5)
    np.testing.assert_array_equal(again.path, stepped.path)
    assert state.start_run(noise=(0.0, 4, 3), **kw).noise is None


# --------------------------------------------------------------------------- figures


def sweep_curves():
    land = landscapes.get("ravine")
    curves = []
    for name in ("sgd", "momentum", "adam"):
        sw = logic.run_sweep(name, "ravine", None, land.start)
        rng = logic.forgiving_range(sw, 1e-3)
        curves.append(
            SweepCurve(
                name,
                sw.lrs,
                sw.final,
                sw.diverged_at,
                palette.optimizer_color(name),
                best=rng.best,
                band=(rng.low, rng.high),
            )
        )
    return curves


def test_lr_sensitivity_figure_traces_axes_and_size():
    curves = sweep_curves()
    fig = figures.lr_sensitivity_figure(curves, current_lr=0.01, threshold=1e-3)
    names = [t.name for t in fig.data]
    # per optimizer: curve, band, best star, (diverged markers if any)
    assert names.count("sgd") == 1 and "sgd: forgiving range" in names
    assert "sgd: diverged" in names and "adam: diverged" not in names
    assert sum(n.endswith("best rate") for n in names) == 3
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    assert "learning rate" in fig.layout.xaxis.title.text
    assert "loss" in fig.layout.yaxis.title.text
    assert figure_json_size(fig) <= BUDGET
    curve = next(t for t in fig.data if t.name == "sgd")
    assert np.nanmin(np.asarray(curve.y, dtype=float)) >= 1e-12  # zero losses sit on the floor
    assert len(fig.layout.shapes) == 2  # current rate and finish line


def test_lr_sensitivity_figure_copes_with_everything_diverged():
    lrs = np.geomspace(1e-3, 1, 5)
    curve = SweepCurve("x", lrs, np.full(5, np.inf), np.arange(5), "#000")
    fig = figures.lr_sensitivity_figure([curve])
    assert json.loads(fig.to_json())["data"]
    assert figures.lr_sensitivity_figure([]).layout.xaxis.type == "log"


@pytest.mark.parametrize("steps", [300, 2000])
def test_arena_landscape_figure_with_every_racer_fits_the_budget(steps):
    land = landscapes.get("rosenbrock")
    traces = []
    for name in optimizers.NAMES:
        run = state.advance(state.start_run(name, {"lr": 0.01}, "rosenbrock", land.start), steps)
        traces.append(
            PathTrace(name, run.path, run.losses, palette.optimizer_color(name), run.diverged_at)
        )
    xs, ys, z = land.grid(100)
    fig = landscape_figure(
        (xs, ys, z),
        trajectories=traces,
        start=land.start,
        minima=land.minima,
        animate_from=0,
        click_grid=40,
        log_color=True,
        frame_ms=40,
        **figures.payload_caps(len(traces)),
    )
    assert figure_json_size(fig) <= BUDGET
    play = fig.layout.updatemenus[0].buttons[1]  # the 1× button
    assert play.args[1]["frame"]["duration"] == 40
    assert sum(1 for t in fig.data if t.name in optimizers.NAMES) == 2 * len(optimizers.NAMES)

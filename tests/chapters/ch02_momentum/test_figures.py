"""Chapter 2's figure builders and the pure helpers behind its widgets."""

import numpy as np
import pytest

from chapters.ch02_momentum import figures, logic
from engine import landscapes, optimizers, simulate
from kit import palette
from kit.measure import averaging_window, stable_lr_limit
from kit.plots.base import MAX_FRAMES, figure_json_size
from kit.plots.series import PathTrace
from kit.state import advance, start_run


def ravine_grid(n=100):
    xs, ys, z = landscapes.get("ravine").grid(n)
    return xs, ys, z


def trace(name, lr, steps=60, **hp):
    land = landscapes.get("ravine")
    run = simulate.run(optimizers.make(name, lr=lr, **hp), land, land.start, steps)
    return PathTrace(
        f"{name} η={lr}", run.params, run.losses, palette.optimizer_color(name), run.diverged_at
    )


# --------------------------------------------------------------------------- paired landscape


def test_paired_figure_has_one_panel_per_run_and_shared_playback():
    runs = [trace("sgd", 0.045), trace("momentum", 0.045, beta=0.9)]
    land = landscapes.get("ravine")
    fig = figures.paired_landscape_figure(
        ravine_grid(), runs, start=land.start, minima=land.minima, animate_from=0, click_grid=40
    )
    # per panel: click grid, minimum, start, path, marker; the landscape is an image
    # behind each panel (a contour trace would vanish during playback)
    assert len(fig.data) == 10
    assert "contour" not in [d.type for d in fig.data]
    assert [(im.xref, im.yref) for im in fig.layout.images] == [("x", "y"), ("x2", "y2")]
    assert {d.xaxis for d in fig.data} == {"x", "x2"}
    titles = [a.text for a in fig.layout.annotations]
    assert runs[0].label in titles and runs[1].label in titles
    # One animation moves both markers.
    assert len(fig.frames) == 61
    assert list(fig.frames[0].traces) == [4, 9]
    assert fig.layout.updatemenus and fig.layout.sliders
    assert fig.layout.xaxis.title.text and fig.layout.xaxis2.title.text
    assert fig.layout.yaxis.title.text
    assert figure_json_size(fig) <= 300_000


def test_paired_figure_labels_a_diverged_run():
    runs = [trace("sgd", 0.07, steps=80), trace("momentum", 0.07, steps=80, beta=0.9)]
    assert runs[0].diverged_at is not None and runs[1].diverged_at is None
    fig = figures.paired_landscape_figure(ravine_grid(), runs, animate_from=0)
    texts = [a.text for a in fig.layout.annotations]
    assert any(f"diverged at step {runs[0].diverged_at}" in t for t in texts)
    # The diverged path is cut at its divergence step.
    path = next(d for d in fig.data if d.name == runs[0].label and d.mode == "lines+markers")
    assert len(path.x) == runs[0].diverged_at + 1
    assert np.all(np.isfinite(np.asarray(path.x, dtype=float)))


def test_paired_figure_without_playback_or_clicks():
    fig = figures.paired_landscape_figure(ravine_grid(50), [trace("sgd", 0.02, steps=3)])
    assert not fig.frames
    assert not fig.layout.updatemenus
    assert all(d.name != "click to start" for d in fig.data)


def test_paired_figure_stays_small_for_a_long_run():
    runs = [trace("sgd", 0.01, steps=3000), trace("momentum", 0.01, steps=3000, beta=0.9)]
    fig = figures.paired_landscape_figure(ravine_grid(), runs, animate_from=0, click_grid=40)
    assert len(fig.frames) <= MAX_FRAMES
    assert figure_json_size(fig) <= 300_000


# --------------------------------------------------------------------------- EMA weights


def test_ema_weights_figure():
    weights = logic.impulse_weights(0.9, 60)
    fig = figures.ema_weights_figure(np.arange(60), weights, window=10.0, title="t")
    assert len(fig.data) == 1 and fig.data[0].type == "bar"
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text
    assert any("1/(1−β)" in a.text for a in fig.layout.annotations)
    assert figure_json_size(fig) <= 300_000


# --------------------------------------------------------------------------- ch02 helpers


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9, 0.99])
def test_impulse_weights_are_powers_of_beta(beta):
    weights = logic.impulse_weights(beta, 30)
    np.testing.assert_allclose(weights, beta ** np.arange(30), atol=1e-15)


def test_steady_and_alternating_velocities():
    steady, alternating = logic.steady_vs_alternating(0.9, 200)
    assert steady[-1] == pytest.approx(averaging_window(0.9), rel=1e-6)
    assert np.max(np.abs(alternating[-10:])) == pytest.approx(1 / 1.9, rel=1e-3)


def test_worked_table_frame_shows_the_checked_numbers():
    frame = logic.worked_table_frame(logic.lesson_table())
    assert frame["momentum θ"].tolist()[1:] == ["0.06", "0.1728", "0.3309", "0.5265", "0.7521"]
    assert frame["velocity v"].tolist()[1:] == ["-6", "-11.28", "-15.806", "-19.564", "-22.555"]
    assert frame["vanilla θ"].tolist()[-1] == "0.2882"
    assert frame["momentum gradient g"].tolist()[0] == "—"


def test_stability_limits():
    assert stable_lr_limit("ravine") == pytest.approx(0.05)
    assert stable_lr_limit("ravine", 0.9) == pytest.approx(0.095)


def test_nesterov_anatomy_chains_head_to_tail():
    hp = {"lr": 0.05, "beta": 0.9, **logic.LESSON_FORM["nesterov"]}
    run = advance(start_run("nesterov", hp, "elliptical", (-2.5, 2.5)), 2)
    a = logic.nesterov_anatomy(run)
    np.testing.assert_allclose(a.lookahead, a.theta - 0.05 * 0.9 * a.velocity)
    np.testing.assert_allclose(a.new_velocity, 0.9 * a.velocity + a.grad)
    np.testing.assert_allclose(a.new_theta, a.lookahead - 0.05 * a.grad)
    # The engine's next step lands where the anatomy says.
    np.testing.assert_allclose(advance(run, 1).params, a.new_theta)
    arrows = figures.substep_arrows(a, 4)
    coast, correction, step = arrows
    np.testing.assert_allclose(np.add(coast.vector, correction.vector), step.vector, atol=1e-12)
    assert len(figures.substep_arrows(a, 1)) == 1
    assert len(figures.substep_arrows(a, 3)) == 3  # coast, classical gradient, lookahead gradient
    for k in range(1, 5):
        md, tex = logic.substep_text(a, k, run.steps)
        assert md and tex


def test_nesterov_at_rest_has_no_coast_arrow():
    run = start_run("nesterov", {"lr": 0.05, "beta": 0.9, "lookahead": True}, "bowl", (-2.4, 1.8))
    a = logic.nesterov_anatomy(run)
    np.testing.assert_allclose(a.lookahead, a.theta)
    assert figures.substep_arrows(a, 1) == []
    assert "at rest" in logic.substep_text(a, 1, 0)[0]


def test_swinging_status_for_an_oscillating_momentum_run():
    run = advance(start_run("momentum", {"lr": 0.045, "beta": 0.9}, "ravine", (1.0, -3.5)), 60)
    status = logic.momentum_status(run)
    assert status.code == "oscillating"
    sgd = advance(start_run("sgd", {"lr": 0.045}, "ravine", (1.0, -3.5)), 60)
    assert logic.momentum_status(sgd).code == "crawling"


def test_outlook_and_fastest_beta():
    start = landscapes.get("ravine").start
    sgd = logic.outlook("sgd", 0.045, None, "ravine", start)
    mom = logic.outlook("momentum", 0.045, 0.9, "ravine", start)
    assert mom.steps_to(logic.THRESHOLD) < sgd.steps_to(logic.THRESHOLD)
    beta, steps = logic.fastest_beta(0.045, "ravine", start)
    assert 0 < beta < 0.99 and steps <= mom.steps_to(logic.THRESHOLD)
    bowl = landscapes.get("elliptical")
    c = logic.outlook("momentum", 0.05, 0.9, "elliptical", bowl.start)
    n = logic.outlook("nesterov", 0.05, 0.9, "elliptical", bowl.start)
    assert n.overshoot(bowl.start, bowl.minima[0]) < c.overshoot(bowl.start, bowl.minima[0])


def test_zoom_ranges_stay_inside_bounds():
    bounds = ((-3.0, 3.0), (-3.0, 3.0))
    xr, yr = logic.zoom_ranges([np.array([2.9, 2.9]), np.array([2.5, 2.8])], bounds)
    assert xr[0] < 2.5 and xr[1] <= 3.0 and yr[1] <= 3.0
    xr, yr = logic.zoom_ranges([np.zeros(2), np.zeros(2)], bounds)  # all points equal
    assert xr[1] > xr[0] and yr[1] > yr[0]

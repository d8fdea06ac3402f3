"""Chapter 1's figure builders: gradient spray, variance against B, loss per example."""

from __future__ import annotations

import numpy as np
import pytest

from chapters.ch01_sgd import figures
from engine import minibatch
from kit.plots.base import figure_json_size
from kit.plots.landscape import landscape_figure, landscape_image
from kit.plots.series import PathTrace

BUDGET = 300_000  # bytes of JSON per figure


@pytest.fixture(scope="module")
def problem():
    return minibatch.make_problem()


def grid_of(problem, n=100):
    (x0, x1), (y0, y1) = problem.bounds
    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, problem.loss(np.stack([gx, gy], -1)).astype(np.float32)


def spray(problem, view="2d", k=30, batch=8, click_grid=40):
    w = problem.start
    grads = problem.batch_grads(w, batch, k, seed=0)
    return figures.gradient_spray_figure(
        grid_of(problem),
        tuple(w),
        tuple(-0.5 * problem.full_grad(w)),
        -0.5 * grads,
        mean_vector=tuple(-0.5 * grads.mean(0)),
        view=view,
        loss_fn=problem.loss,
        minima=[tuple(problem.optimum)],
        batch_label=f"{k} mini-batches",
        click_grid=click_grid,
        title="arrows",
    )


def test_spray_traces_arrows_and_labels(problem):
    fig = spray(problem)
    kinds = [t.type for t in fig.data]
    # (landscape as a background image) click grid, minimum, batch arrows, mean arrow,
    # full arrow, current point
    assert kinds == ["scatter"] * 6
    assert len(fig.layout.images) == 1
    names = [t.name for t in fig.data]
    assert "30 mini-batches" in names and "full batch" in names and "current point" in names
    batch = next(t for t in fig.data if t.name == "30 mini-batches")
    assert len(batch.x) == 3 * 30  # tail, head, gap per arrow
    assert np.isnan(batch.x[2]) and batch.marker.symbol == "arrow"
    assert list(batch.marker.size[:3]) == [0, 9, 0]  # a head only at the tip
    full = next(t for t in fig.data if t.name == "full batch")
    head = np.array([full.x[1], full.y[1]])
    expected = problem.start - 0.5 * problem.full_grad(problem.start)
    np.testing.assert_allclose(head, expected, rtol=1e-5)
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text
    assert figure_json_size(fig) <= BUDGET


def test_spray_skips_non_finite_arrows(problem):
    w = problem.start
    vectors = np.array([[0.1, 0.2], [np.nan, 1.0], [np.inf, 0.0]])
    fig = figures.gradient_spray_figure(grid_of(problem, 30), tuple(w), (0.1, 0.1), vectors)
    batch = next(t for t in fig.data if t.name == "mini-batches")
    assert len(batch.x) == 3


def test_spray_in_3d_uses_surface_and_3d_lines(problem):
    fig = spray(problem, view="3d")
    assert fig.data[0].type == "surface"
    assert all(t.type != "scatter" for t in fig.data[1:])
    arrows = [t for t in fig.data if t.type == "scatter3d" and t.mode == "lines+markers"]
    assert len(arrows) == 3
    assert fig.layout.scene.xaxis.title.text and fig.layout.scene.zaxis.title.text
    assert figure_json_size(fig) <= BUDGET


def test_variance_figure_is_log_log_and_drops_zero(problem):
    n = problem.n
    dense = np.unique(np.round(np.geomspace(1, n, 50)).astype(int))
    sizes = np.array([1, 2, 4, 8, 16, 32, 64])
    measured = problem.gradient_variance(problem.start, sizes, 500, seed=0)
    fig = figures.variance_figure(
        dense,
        problem.theoretical_variance(problem.start, dense),
        sizes,
        measured,
        plain=problem.per_example_variance(problem.start) / dense,
        current=(8, float(measured[3])),
        title="variance",
    )
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    assert "batch size" in fig.layout.xaxis.title.text
    assert "variance" in fig.layout.yaxis.title.text
    assert len(fig.data) == 4  # plain law, theory, measured, your B
    theory = fig.data[1]
    assert len(theory.x) == len(dense) - 1  # B = N has variance 0: left off the log axis
    points = fig.data[2]
    assert np.all(np.asarray(points.y) > 1e-10)  # the float-noise "zero" at B = N is gone
    assert fig.data[3].name == "your B = 8"
    assert figure_json_size(fig) <= BUDGET


def test_variance_figure_without_current_or_plain():
    fig = figures.variance_figure([1, 2, 4], [4.0, 2.0, 1.0], [1, 2], [4.1, 1.9])
    assert len(fig.data) == 2
    assert list(fig.layout.xaxis.tickvals) == [1, 2]


def test_loss_vs_examples_figure_scales_by_work_and_marks_divergence():
    losses = np.array([4.0, 2.0, 1.0, 0.5])
    ok = PathTrace("full batch", np.zeros((4, 2)), losses, "#000")
    bad = PathTrace("B = 4", np.zeros((4, 2)), np.array([4.0, 8.0, 16.0, 16.0]), "#00f", 2)
    fig = figures.loss_vs_examples_figure(
        [ok, bad], [np.arange(4) * 64.0, np.arange(4) * 4.0], y_title="loss above optimum"
    )
    full = next(t for t in fig.data if t.name == "full batch")
    assert list(full.x) == [0, 64, 128, 192]
    mini = next(t for t in fig.data if t.name == "B = 4")
    assert list(mini.x) == [0, 4, 8]  # cut at the divergence step
    assert any("diverged at step 2" in str(t.text) for t in fig.data if t.mode == "markers+text")
    assert fig.layout.yaxis.type == "log"
    assert "examples processed" in fig.layout.xaxis.title.text
    assert "loss above optimum" in fig.layout.yaxis.title.text
    assert figure_json_size(fig) <= BUDGET


def test_raster_landscape_keeps_the_map_out_of_the_traces(problem):
    """A banded image instead of a contour trace: it survives ▶ playback in plotly.js."""
    full, mini = minibatch.sgd_paths(problem, problem.start, 0.1, 30, 8)
    runs = [
        PathTrace("full", full, problem.loss(full), "#000"),
        PathTrace("mini", mini, problem.loss(mini), "#1f77b4"),
    ]
    fig = landscape_figure(
        grid_of(problem),
        trajectories=runs,
        minima=[tuple(problem.optimum)],
        animate_from=0,
        click_grid=40,
        raster=True,
        light_valleys=True,
    )
    assert all(t.type == "scatter" for t in fig.data)  # no contour trace to lose
    assert fig.data[0].name == "click to start" and len(fig.data[0].x) == 40 * 40
    (image,) = fig.layout.images
    assert image.source.startswith("data:image/png;base64,")
    assert image.layer == "below" and image.xref == "x" and image.sizing == "stretch"
    (x0, x1), (y0, y1) = problem.bounds
    assert image.x == pytest.approx(x0) and image.y == pytest.approx(y1)
    assert image.sizex == pytest.approx(x1 - x0) and image.sizey == pytest.approx(y1 - y0)
    moving = list(fig.frames[0].traces)
    assert [fig.data[i].name for i in moving] == ["full", "mini"]
    assert figure_json_size(fig) <= BUDGET
    # the image is far lighter than the contour it replaces
    contour = landscape_figure(grid_of(problem), trajectories=runs, click_grid=40, raster=False)
    assert figure_json_size(fig) < figure_json_size(contour)


def test_landscape_image_bands_and_orientation():
    import base64
    import io

    from PIL import Image

    xs = np.linspace(0, 1, 50)
    ys = np.linspace(0, 2, 40)
    z = np.tile(ys[:, None], (1, 50))  # grows upwards
    for light in (True, False):
        spec = landscape_image(xs, ys, z, light_valleys=light, levels=10)
        png = base64.b64decode(spec["source"].split(",", 1)[1])
        pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=float)
        assert pixels.shape[:2] == (120, 150)  # resampled 3× per side
        top, bottom = pixels[2].mean(), pixels[-3].mean()  # high loss on top
        assert (bottom > top) if light else (top > bottom)
    flat = landscape_image(xs, ys, np.zeros((40, 50)))
    assert flat["source"].startswith("data:image/png")

"""The course palette: one colour per optimizer, the same on every page."""

from engine import optimizers
from kit import palette


def test_palette_covers_every_engine_optimizer():
    colours = {name: palette.optimizer_color(name) for name in optimizers.NAMES}
    assert palette.FALLBACK_COLOR not in colours.values()  # every optimizer has its own
    assert len(set(colours.values())) == len(colours)


def test_every_optimizer_has_its_own_dash_and_marker_pair():
    from engine import optimizers
    from kit.palette import LINE_DASHES, MARKER_SYMBOLS, optimizer_style

    styles = [optimizer_style(name) for name in optimizers.NAMES]
    assert len(set(styles)) == len(styles)
    assert all(dash in LINE_DASHES and symbol in MARKER_SYMBOLS for dash, symbol in styles)


def _three_runs():
    import numpy as np

    from kit.plots.series import PathTrace

    path = np.array([[1.0, 1.0], [0.5, 0.5], [0.2, 0.1]])
    losses = np.array([2.0, 0.5, 0.05])
    return [PathTrace(name, path * k, losses * k, "#336699") for k, name in enumerate("abc", 1)]


def test_runs_of_one_colour_still_differ_by_dash_and_marker():
    import numpy as np

    from kit.plots.curves import loss_curve_figure
    from kit.plots.landscape import landscape_figure
    from kit.plots.series import Grid

    curves = loss_curve_figure(_three_runs())
    styles = {(t.line.dash, t.marker.symbol) for t in curves.data if t.name in ("a", "b", "c")}
    assert len(styles) == 3
    xs = ys = np.linspace(-2, 2, 5)
    grid: Grid = (xs, ys, np.add.outer(ys**2, xs**2))
    fig = landscape_figure(grid, trajectories=_three_runs(), raster=False)
    paths = [t for t in fig.data if t.name in ("a", "b", "c") and t.mode == "lines+markers"]
    assert len({(t.line.dash, t.marker.symbol) for t in paths}) == 3

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

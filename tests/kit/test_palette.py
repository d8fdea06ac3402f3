"""The course palette: one colour per optimizer, the same on every page."""

from engine import optimizers
from kit import palette


def test_palette_covers_every_engine_optimizer():
    colours = {name: palette.optimizer_color(name) for name in optimizers.NAMES}
    assert palette.FALLBACK_COLOR not in colours.values()  # every optimizer has its own
    assert len(set(colours.values())) == len(colours)

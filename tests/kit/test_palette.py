"""The course palette: one colour per optimizer, the same on every page."""

from engine import optimizers
from kit import palette


def test_palette_covers_every_engine_optimizer():
    assert set(optimizers.NAMES) <= set(palette.OPTIMIZER_COLORS)
    assert len(set(palette.OPTIMIZER_COLORS.values())) == len(palette.OPTIMIZER_COLORS)

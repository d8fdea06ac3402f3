"""The values a slider offers: readable log grids, and snapping onto them."""

from kit import options


def test_log_options_cover_the_range_readably():
    opts = options.log_options(0.001, 1.5, extra=(1.1,))
    assert opts[0] == 0.001 and opts[-1] == 1.5
    assert {0.1, 0.5, 1.0, 1.1, 0.005} <= set(opts)
    assert opts == sorted(opts)
    ratios = [b / a for a, b in zip(opts, opts[1:], strict=False)]
    assert max(ratios) <= 5 / 3 + 1e-9


def test_nearest_option_on_a_log_scale():
    opts = options.log_options(0.001, 1.5)
    assert options.nearest_option(opts, 0.1) == 0.1
    assert options.nearest_option(opts, 0.0011) == 0.001
    assert options.nearest_option(opts, float("nan")) in opts

"""kit.format helpers added for issue 12: ratios read alike side by side."""

from kit.format import times


def test_ratios_side_by_side_read_alike():
    assert times(9830.4) == "9,830×"
    assert times(19660.8) == "19,661×"
    assert times(2.5) == "2.5×" and times(0.125) == "0.125×"
    assert "e" not in times(1.234e7)

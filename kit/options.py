"""The values a slider offers: readable log-spaced grids, and snapping a value onto one.

Pure (no Streamlit), so a share link can be checked against the same grid its slider uses.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

_NICE_MANTISSAS = (1.0, 1.5, 2.0, 3.0, 5.0, 7.0)


def log_options(low: float, high: float, extra: Sequence[float] = ()) -> list[float]:
    """A readable log-spaced grid (1, 1.5, 2, 3, 5, 7 per decade) from ``low`` to ``high``.

    ``extra`` values (e.g. 1.1 to show divergence just past 1) are merged in.
    """
    if not (0 < low <= high):
        raise ValueError("need 0 < low ≤ high")
    values: set[float] = set()
    for exponent in range(math.floor(math.log10(low)) - 1, math.ceil(math.log10(high)) + 1):
        for m in _NICE_MANTISSAS:
            v = float(f"{m * 10.0**exponent:.6g}")
            if low * (1 - 1e-9) <= v <= high * (1 + 1e-9):
                values.add(v)
    values.update(float(f"{v:.6g}") for v in extra if low <= v <= high)
    values.update({float(f"{low:.6g}"), float(f"{high:.6g}")})
    return sorted(values)


def nearest_option(options: Sequence[float], value: float) -> float:
    """The option closest to ``value`` on a log scale (for defaults not on the grid)."""
    opts = np.asarray(options, dtype=np.float64)
    if not np.isfinite(value) or value <= 0:
        return float(opts[len(opts) // 2])
    return float(opts[np.argmin(np.abs(np.log(opts) - math.log(value)))])

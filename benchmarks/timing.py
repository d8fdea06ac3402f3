"""Timing helpers shared by the benchmark scripts (wall-clock, on a possibly shared machine)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def times_of(fn: Callable[[], object], repeats: int) -> list[float]:
    """Seconds taken by each of ``repeats`` calls of ``fn``."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def best_of(fn: Callable[[], object], repeats: int = 5) -> float:
    """The fastest of ``repeats`` calls: the least disturbed by other work on the machine."""
    return min(times_of(fn, repeats))


def median_of(fn: Callable[[], object], repeats: int = 5) -> float:
    return statistics.median(times_of(fn, repeats))

"""What a figure draws, as plain data: runs, arrows and named series.

No Plotly here, so pure code (a chapter's logic, the run state) can build these and a
figure builder in :mod:`kit.plots` draws them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kit import palette

Point = tuple[float, float]
Grid = tuple[np.ndarray, np.ndarray, np.ndarray]  # xs (n,), ys (m,), Z (m, n)


@dataclass(frozen=True)
class PathTrace:
    """One optimizer run to draw: positions (n+1, 2) and losses (n+1,) from step 0 to n.

    ``diverged_at`` is the engine's first bad step (the run is frozen from there on);
    the path and loss curve are cut there and labelled.
    """

    label: str
    path: np.ndarray
    losses: np.ndarray
    color: str = palette.FALLBACK_COLOR
    diverged_at: int | None = None
    marker_step: int | None = None  # where the "now" marker sits (default: the last step)

    @property
    def last_index(self) -> int:
        """Index of the last step worth drawing (the divergence step, if any)."""
        n = len(self.losses) - 1
        return n if self.diverged_at is None else min(self.diverged_at, n)

    @property
    def marker_index(self) -> int:
        """Step of the marker: ``marker_step`` clamped into the drawn path, else the last."""
        if self.marker_step is None:
            return self.last_index
        return max(0, min(int(self.marker_step), self.last_index))


@dataclass(frozen=True)
class Arrow:
    """An arrow from ``tail`` along ``vector`` (data coordinates), e.g. −η∇L or the velocity."""

    tail: Point
    vector: Point
    color: str = palette.GRADIENT_COLOR
    label: str = ""
    dashed: bool = False


@dataclass(frozen=True)
class Series:
    """One named series of values (a bar group or a curve) in an optimizer's colour."""

    label: str
    values: Sequence[float]
    color: str = palette.FALLBACK_COLOR

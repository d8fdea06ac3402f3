"""Learning-rate schedules as vectorized functions of the (0-based) step.

Every schedule starts with the same linear warmup, ``lr = peak_lr * t / W`` for
``t < W`` (so ``lr(0) = 0`` and ``lr(W) = peak_lr``), then follows its own shape
until ``total_steps``; later steps hold the value reached at ``total_steps``.

>>> from engine import schedules
>>> lr = schedules.make("cosine", peak_lr=1e-3, total_steps=1000, warmup_steps=100)
>>> lr(np.array([50, 325, 550, 775, 1000])).round(6)
array([0.0005  , 0.000854, 0.0005  , 0.000146, 0.      ])
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["NAMES", "Schedule", "info", "make", "torch_equivalent"]

NAMES: tuple[str, ...] = ("constant", "step", "cosine", "linear", "inverse_sqrt", "wsd")
"""Registered schedule names, in display order."""

# Extra keyword arguments each schedule accepts, with their defaults
# (``step_size=None`` means ``max(total_steps // 3, 1)``).
_KWARG_DEFAULTS: dict[str, dict[str, Any]] = {
    "constant": {},
    "step": {"gamma": 0.1, "step_size": None},
    "cosine": {},
    "linear": {},
    "inverse_sqrt": {},
    "wsd": {"decay_fraction": 0.2},
}

_WARMUP_CASE = r"\eta_{\max}\,\dfrac{t}{W} & t < W"
_P = r"p_t = \min\!\left(1, \dfrac{t - W}{T - W}\right)"


def _cases(after_warmup: str, suffix: str = "") -> str:
    return (
        r"\eta_t = \begin{cases} " + _WARMUP_CASE + r" \\ " + after_warmup + r" & t \ge W"
        r" \end{cases}" + suffix
    )


_INFO: dict[str, dict[str, str]] = {
    "constant": {
        "title": "Constant",
        "description": "Warm up, then keep the peak rate for the whole run.",
        "latex": _cases(r"\eta_{\max}"),
    },
    "step": {
        "title": "Step decay",
        "description": "Multiply the rate by γ every k steps after warmup: a staircase.",
        "latex": _cases(
            r"\max\!\left(\eta_{\min},\ \eta_{\max}\,\gamma^{\lfloor (t - W)/k \rfloor}\right)"
        ),
    },
    "cosine": {
        "title": "Cosine decay",
        "description": "Glide from the peak to the minimum along half a cosine wave.",
        "latex": _cases(
            r"\eta_{\min} + \tfrac{1}{2}(\eta_{\max} - \eta_{\min})(1 + \cos \pi p_t)",
            r",\quad " + _P,
        ),
    },
    "linear": {
        "title": "Linear decay",
        "description": "Fall in a straight line from the peak to the minimum.",
        "latex": _cases(r"\eta_{\max} - (\eta_{\max} - \eta_{\min})\,p_t", r",\quad " + _P),
    },
    "inverse_sqrt": {
        "title": "Inverse square root",
        "description": "Decay as 1/√t after warmup (the original Transformer schedule).",
        "latex": _cases(
            r"\max\!\left(\eta_{\min},\ \eta_{\max}\sqrt{W / t}\right)",
            r"\quad (W = 1 \text{ if there is no warmup})",
        ),
    },
    "wsd": {
        "title": "Warmup–stable–decay",
        "description": "Hold the peak for most of the run, then decay linearly at the end.",
        "latex": (
            r"\eta_t = \begin{cases} " + _WARMUP_CASE + r" \\ \eta_{\max} & W \le t < D \\"
            r" \eta_{\max} - (\eta_{\max} - \eta_{\min})\dfrac{t - D}{T - D} & t \ge D"
            r" \end{cases},\quad D = \max(W,\ T - \operatorname{round}(fT))"
        ),
    },
}

_WARM = "LinearLR(opt, 1e-8, 1.0, warmup_steps)"
_TORCH: dict[str, str] = {
    "constant": "LambdaLR(opt, lambda t: min(1.0, t / warmup_steps))",
    "step": (
        f"SequentialLR(opt, [{_WARM}, StepLR(opt, step_size, gamma)], milestones=[warmup_steps])"
    ),
    "cosine": (
        f"SequentialLR(opt, [{_WARM}, CosineAnnealingLR(opt, T_max=total_steps - warmup_steps,"
        " eta_min=min_lr)], milestones=[warmup_steps])"
    ),
    "linear": (
        f"SequentialLR(opt, [{_WARM}, LinearLR(opt, 1.0, min_lr / peak_lr,"
        " total_steps - warmup_steps)], milestones=[warmup_steps])"
    ),
    "inverse_sqrt": (
        "LambdaLR(opt, lambda t: t / warmup_steps if t < warmup_steps"
        " else (warmup_steps / t) ** 0.5)"
    ),
    "wsd": (
        "LambdaLR(opt, lambda t: t / warmup_steps if t < warmup_steps else 1.0"
        " if t < decay_start else 1 - (1 - min_lr / peak_lr) * (t - decay_start)"
        " / (total_steps - decay_start))"
    ),
}


def _check_name(name: str) -> None:
    if name not in _KWARG_DEFAULTS:
        raise ValueError(f"unknown schedule {name!r}; valid names: {', '.join(NAMES)}")


def _as_int(value: Any, what: str) -> int:
    """``value`` as an int if it is an integral real number, else ``ValueError``."""
    if isinstance(value, bool):
        raise ValueError(f"{what} must be an integer, got {value!r}")
    try:
        as_float = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be an integer, got {value!r}") from None
    if not math.isfinite(as_float) or as_float != int(as_float):
        raise ValueError(f"{what} must be an integer, got {value!r}")
    return int(as_float)


def _as_float(value: Any, what: str) -> float:
    """``value`` as a finite float, else ``ValueError``."""
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a number, got {value!r}")
    try:
        as_float = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number, got {value!r}") from None
    if not math.isfinite(as_float):
        raise ValueError(f"{what} must be finite, got {value!r}")
    return as_float


def _blend(weight: np.ndarray, peak: float, low: float) -> np.ndarray:
    """``weight * peak + (1 - weight) * low``: exactly ``peak`` at 1 and ``low`` at 0."""
    return weight * peak + (1.0 - weight) * low


@dataclass(frozen=True)
class Schedule:
    """A learning-rate schedule: call it with a step (int or array) to get the rate.

    Built by :func:`make`, which validates the arguments; ``options`` holds the
    schedule-specific arguments with defaults filled in (see :meth:`kwargs`).
    """

    name: str
    peak_lr: float
    total_steps: int
    warmup_steps: int
    min_lr: float
    options: tuple[tuple[str, float], ...] = ()

    @property
    def kwargs(self) -> dict[str, float]:
        """Schedule-specific arguments, defaults resolved (e.g. ``gamma``, ``step_size``)."""
        return dict(self.options)

    @property
    def decay_start(self) -> int:
        """First step of the final decay (``wsd``); ``warmup_steps`` for the others."""
        if self.name != "wsd":
            return self.warmup_steps
        decay_steps = round(self.kwargs["decay_fraction"] * self.total_steps)
        return max(self.warmup_steps, self.total_steps - decay_steps)

    def __call__(self, step: np.ndarray | int) -> np.ndarray:
        """Learning rate at ``step`` (0-based; any shape).

        Returns a float64 array of the same shape (a 0-d ``np.float64`` for a scalar).
        Steps past ``total_steps`` hold the final value; negative steps raise ``ValueError``.
        """
        t = np.asarray(step, dtype=np.float64)
        if not np.all(np.isfinite(t)) or np.any(t < 0):
            raise ValueError("steps must be finite and non-negative")
        t = np.minimum(t, self.total_steps)
        warm = self.warmup_steps
        after = self._after_warmup(np.maximum(t, warm))
        if warm > 0:
            lr = np.where(t < warm, self.peak_lr * t / warm, after)
        else:
            lr = after
        lr = np.asarray(lr, dtype=np.float64)
        return lr if lr.ndim else lr[()]

    def _after_warmup(self, t: np.ndarray) -> np.ndarray:
        """The schedule's own shape for steps ``t >= warmup_steps`` (already clipped to T)."""
        peak, low, warm, total = self.peak_lr, self.min_lr, self.warmup_steps, self.total_steps
        progress = np.clip((t - warm) / max(total - warm, 1), 0.0, 1.0)
        if self.name == "constant":
            return np.full_like(t, peak)
        if self.name == "step":
            kw = self.kwargs
            drops = np.floor((t - warm) / kw["step_size"])
            return np.maximum(peak * kw["gamma"] ** drops, low)
        if self.name == "cosine":
            return _blend(0.5 * (1.0 + np.cos(np.pi * progress)), peak, low)
        if self.name == "linear":
            return _blend(1.0 - progress, peak, low)
        if self.name == "inverse_sqrt":
            scale = max(warm, 1)
            return np.maximum(peak * np.sqrt(scale / np.maximum(t, scale)), low)
        # wsd: stable at the peak until decay_start, then linear down to min_lr at T.
        start = self.decay_start
        decay = np.clip((t - start) / max(total - start, 1), 0.0, 1.0)
        return _blend(1.0 - decay, peak, low)


def make(
    name: str,
    peak_lr: float,
    total_steps: int,
    warmup_steps: int = 0,
    min_lr: float = 0.0,
    **kw: float,
) -> Schedule:
    """Build the learning-rate schedule ``name``.

    Parameters
    ----------
    name : str
        One of :data:`NAMES`:

        - ``constant``: ``peak_lr`` after warmup.
        - ``step``: multiply by ``gamma`` (default 0.1) every ``step_size`` steps
          (default ``total_steps // 3``) counted from the end of warmup; floor ``min_lr``.
        - ``cosine``: ``min + (peak - min)(1 + cos πp) / 2`` with
          ``p = (t - W) / (T - W)`` clipped to [0, 1].
        - ``linear``: straight line from ``peak_lr`` at ``W`` to ``min_lr`` at ``T``.
        - ``inverse_sqrt``: ``peak_lr * sqrt(W / t)``, equal to the peak at ``t = W``;
          without warmup ``W`` is taken as 1 (peak at steps 0 and 1, then ``1/sqrt(t)``);
          floor ``min_lr``.
        - ``wsd``: warmup, stable at ``peak_lr``, then a *linear* decay to ``min_lr`` over
          the last ``decay_fraction`` (default 0.2) of ``total_steps`` (never before ``W``).
    peak_lr : float
        Rate reached at the end of warmup, ``> 0``.
    total_steps : int
        Length of the schedule ``T >= 1``; later steps hold the value at ``T``.
    warmup_steps : int
        Linear warmup length ``W`` in ``[0, T]``. If ``W = T`` there is no room to
        decay and the rate stays at the peak.
    min_lr : float
        Floor / final rate, in ``[0, peak_lr]``.
    **kw
        Schedule-specific arguments (see above); anything else raises ``ValueError``.

    Returns
    -------
    Schedule
        Callable ``step -> lr`` (vectorized, float64, same shape as ``step``).
    """
    _check_name(name)
    peak = _as_float(peak_lr, "peak_lr")
    if peak <= 0:
        raise ValueError(f"peak_lr must be > 0, got {peak_lr!r}")
    total = _as_int(total_steps, "total_steps")
    if total < 1:
        raise ValueError(f"total_steps must be >= 1, got {total_steps!r}")
    warm = _as_int(warmup_steps, "warmup_steps")
    if not 0 <= warm <= total:
        raise ValueError(
            f"warmup_steps must be between 0 and total_steps ({total}), got {warmup_steps!r}"
        )
    low = _as_float(min_lr, "min_lr")
    if not 0 <= low <= peak:
        raise ValueError(f"min_lr must be between 0 and peak_lr ({peak:g}), got {min_lr!r}")

    defaults = _KWARG_DEFAULTS[name]
    unknown = sorted(set(kw) - set(defaults))
    if unknown:
        allowed = ", ".join(defaults) if defaults else "none"
        raise ValueError(
            f"unknown argument(s) {', '.join(unknown)} for schedule {name!r}; allowed: {allowed}"
        )
    options = {**defaults, **kw}
    if name == "step":
        gamma = _as_float(options["gamma"], "gamma")
        if not 0 < gamma <= 1:
            raise ValueError(f"gamma must be in (0, 1], got {options['gamma']!r}")
        size = options["step_size"]
        size = max(total // 3, 1) if size is None else _as_int(size, "step_size")
        if size < 1:
            raise ValueError(f"step_size must be >= 1, got {options['step_size']!r}")
        options = {"gamma": gamma, "step_size": size}
    elif name == "wsd":
        fraction = _as_float(options["decay_fraction"], "decay_fraction")
        if not 0 <= fraction <= 1:
            raise ValueError(f"decay_fraction must be in [0, 1], got {fraction!r}")
        options = {"decay_fraction": fraction}
    return Schedule(name, peak, total, warm, low, tuple(options.items()))


def info(name: str) -> dict[str, Any]:
    """Display metadata for schedule ``name``.

    Returns
    -------
    dict
        ``title``, one-line ``description``, ``latex`` (full formula, warmup included;
        symbols η_max, η_min, W warmup, T total, k step size, γ, f decay fraction) and
        ``kwargs`` (extra arguments with defaults; ``step_size=None`` means
        ``total_steps // 3``).
    """
    _check_name(name)
    return {**_INFO[name], "kwargs": dict(_KWARG_DEFAULTS[name])}


def torch_equivalent(name: str) -> str:
    """One-line PyTorch spelling of schedule ``name`` (classes from ``torch.optim.lr_scheduler``).

    ``opt`` is an optimizer built with ``lr=peak_lr``; PyTorch's ``LinearLR`` needs a
    start factor > 0, hence ``1e-8`` for a warmup from (almost) zero; ``StepLR`` has no
    ``min_lr`` floor; ``decay_start`` is :attr:`Schedule.decay_start`.
    """
    _check_name(name)
    return _TORCH[name]

"""Landscapes by name, including the learner's own formula (pure: no Streamlit, no Plotly).

The course keeps runs, caches and clicked starts under a landscape's *name*. A typed
formula gets a name too, its **formula key**: ``"formula?f=...&xmin=...&..."``, the
formula and its view box in share-link form (:func:`engine.formula.to_params`). The key
says everything the landscape is, so a run, a cached grid or a cached sweep keyed by it
can never be confused with another formula's; :func:`get` builds the landscape behind it
(once per process, see :func:`formula_landscape`).

Heights are measured from the lowest minimum found: a typed formula is drawn and raced
as ``L(x, y) − L_min``, so that a finish line "loss ≤ ε", a log-scale loss chart and the
status badge ("converged") mean what they mean on the built-in landscapes, whose minima
sit at 0. :func:`loss_offset` is that ``L_min`` (0 when the box holds no minimum).
Points where the formula is not a finite number read NaN: gaps on the map.

sympy is imported only when a formula key is resolved, never by importing this module.
"""

from __future__ import annotations

import dataclasses
import functools
import urllib.parse
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine import formula, landscapes
from engine.formula import FormulaError, FormulaSpec

FORMULA_CHOICE = "formula"
"""The landscape pickers' option "Your formula" (the formula box says which one)."""
FORMULA_TITLE = "Your formula"
KEY_PREFIX = "formula?"


@dataclass(frozen=True)
class Example:
    label: str
    text: str
    bounds: formula.Bounds


EXAMPLES: tuple[Example, ...] = (
    Example("Rosenbrock", "(1 - x)**2 + 100*(y - x**2)**2", ((-2.0, 2.0), (-1.0, 3.0))),
    Example("Egg crate", "sin(3*x)*cos(3*y) + 0.1*(x**2 + y**2)", ((-2.0, 2.0), (-2.0, 2.0))),
    Example("Kinked cone", "abs(x) + 2*abs(y - 0.5)", ((-2.0, 2.0), (-2.0, 2.0))),
    Example("Wall and gap", "x**2 + y**2 - log(x + 1.5)", ((-2.0, 2.0), (-2.0, 2.0))),
)
DEFAULT_EXAMPLE = EXAMPLES[0]


def formula_key(text: str, bounds: formula.Bounds) -> str:
    """The name of the landscape of ``text`` over ``bounds`` (see the module docstring)."""
    params = formula.to_params(FormulaSpec(text, bounds, None))
    return KEY_PREFIX + urllib.parse.urlencode(params)


def is_formula_key(name: object) -> bool:
    return isinstance(name, str) and name.startswith(KEY_PREFIX)


def spec_of(key: str) -> FormulaSpec:
    """The formula and view box a formula key names; raises :class:`FormulaError`."""
    if not is_formula_key(key):
        raise FormulaError("not a formula landscape")
    fields = dict(urllib.parse.parse_qsl(key[len(KEY_PREFIX) :], keep_blank_values=True))
    return formula.parse_params(fields)


@dataclass(frozen=True)
class _FromLowest:
    """``loss(x, y) − offset``, NaN where it is not finite (picklable, for Landscape)."""

    loss: Any
    offset: float

    def __call__(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            value = np.asarray(self.loss(x, y), dtype=np.float64) - self.offset
        return np.where(np.isfinite(value), value, np.nan)


@functools.lru_cache(maxsize=64)  # a landscape is small; 64 formulas per process is plenty
def formula_landscape(key: str) -> formula.FormulaLandscape:
    """The landscape a formula key names, heights from its lowest minimum found.

    Raises :class:`FormulaError` (only) with a message for the learner.
    """
    spec = spec_of(key)
    built = formula.build(spec.formula, spec.bounds)
    offset = 0.0
    if built.minima:
        with np.errstate(all="ignore"):
            lowest = float(built.loss(np.asarray(built.minima[0], dtype=np.float64)))
        offset = lowest if np.isfinite(lowest) else 0.0
    return dataclasses.replace(
        built,
        name=key,
        title=FORMULA_TITLE,
        _loss=_FromLowest(built._loss, offset),
        description=f"The function you typed: `{spec.formula}`",
    )


def loss_offset(key: str) -> float:
    """``L_min``: how far the typed formula's heights were lowered (see :func:`get`)."""
    land = formula_landscape(key)
    return float(land._loss.offset) if isinstance(land._loss, _FromLowest) else 0.0


def get(name: str) -> landscapes.Landscape:
    """The landscape called ``name``: a built-in one, or a formula key's.

    Raises ``ValueError`` for an unknown name (:class:`FormulaError` is one).
    """
    if is_formula_key(name):
        return formula_landscape(name)
    return landscapes.get(name)


def title(name: str) -> str:
    """The landscape's display title; the formula choice's for :data:`FORMULA_CHOICE`."""
    if name == FORMULA_CHOICE or is_formula_key(name):
        return FORMULA_TITLE
    return landscapes.get(name).title


def marked_minima(land: landscapes.Landscape) -> tuple[tuple[float, float], ...]:
    """The minima to star on a map: every local minimum found for a formula, else the
    landscape's known ones."""
    local = getattr(land, "local_minima", ())
    return tuple(local) or tuple(land.minima)


def skewed(z: np.ndarray, ratio: float = 8.0) -> bool:
    """Whether a loss grid's heights are so uneven (steep walls, a flat floor) that a map
    coloured by height would be one colour: true when the range above the lowest value is
    over ``ratio`` times the median height above it (then colour by log height)."""
    finite = np.asarray(z, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    if finite.size < 2:
        return False
    low = float(finite.min())
    middle = float(np.median(finite)) - low
    return float(finite.max()) - low > ratio * max(middle, 1e-300)

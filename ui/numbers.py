"""Small pure helpers that turn engine results into the numbers a page shows."""

from __future__ import annotations

import math


def fmt(value: float, digits: int = 4) -> str:
    """A number as a learner reads it: ``digits`` significant figures, no ``-0``.

    ASCII minus signs, so the page text can be searched and copied as numbers.
    """
    if value is None or not math.isfinite(value):
        return "—" if value is None or math.isnan(value) else ("∞" if value > 0 else "−∞")
    text = f"{value:.{digits}g}"
    return "0" if text in ("-0", "-0.0") else text


def contraction_factor(x0: float, x1: float, target: float) -> float:
    """How much one step shrank the distance to ``target``: |x₁ − target| / |x₀ − target|."""
    d0 = abs(x0 - target)
    return abs(x1 - target) / d0 if d0 > 0 else float("nan")


def steps_to_shrink(factor: float, by: float) -> float:
    """Steps for a distance that shrinks by ``factor`` per step to fall ``by`` times.

    Solves factor**n = 1/by, i.e. n = ln(by) / −ln(factor). It is 0 for a factor of 0
    (one step lands exactly) and infinite for a factor ≥ 1 (no progress or divergence).
    """
    if not math.isfinite(factor) or factor < 0 or by <= 1:
        return float("nan")
    if factor == 0:
        return 0.0
    if factor >= 1:
        return float("inf")
    return math.log(by) / -math.log(factor)


def chance_all_curve_up(dimensions: int) -> tuple[float, int]:
    """(1/2)^d as (mantissa, exponent of ten), without underflow for huge d."""
    log10_p = -int(dimensions) * math.log10(2.0)
    exponent = math.floor(log10_p)
    return 10 ** (log10_p - exponent), exponent


def format_chance(dimensions: int, *, latex: bool = True) -> str:
    """(1/2)^d as text: “1 in 1,024” for small d; m × 10^k for large d.

    ``latex=True`` gives inline LaTeX for markdown; ``False`` plain text for tables.
    """
    d = int(dimensions)
    if d <= 20:
        return f"1 in {2**d:,}"
    mantissa, exponent = chance_all_curve_up(d)
    if latex:
        return f"$\\approx {mantissa:.2f} \\times 10^{{{exponent:,}}}$".replace(",", "{,}")
    return f"≈ {mantissa:.2f} × 10{superscript(exponent)}"


def format_table(table: dict, digits: int = 4, int_columns: tuple[str, ...] = ("step",)):
    """An engine :data:`Table` (dict of columns) as a DataFrame of readable strings."""
    import pandas as pd

    out = {}
    for name, column in table.items():
        if name in int_columns:
            out[name] = [str(int(v)) for v in column]
        else:
            out[name] = [fmt(float(v), digits) for v in column]
    return pd.DataFrame(out)


_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def superscript(n: int) -> str:
    """An integer in superscript digits (for 10⁻³⁰¹ in plain-text tables)."""
    return str(int(n)).translate(_SUPERSCRIPTS)

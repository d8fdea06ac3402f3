"""How numbers and names read on a page: significant figures, learning rates, bytes, big
counts, optimizer names.

Pure helpers (no Streamlit): every page formats engine results through these, so a
number is written the same way wherever it appears.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from engine import optimizers


def optimizer_name(name: str) -> str:
    """Optimizer ``name`` as the course writes it ("Adam", "SGD + momentum" …)."""
    return optimizers.info(name).display_name


def fmt(value: float, digits: int = 4) -> str:
    """A number as a learner reads it: ``digits`` significant figures, no ``-0``.

    ASCII minus signs, so the page text can be searched and copied as numbers.
    """
    if value is None or not math.isfinite(value):
        return "—" if value is None or math.isnan(value) else ("∞" if value > 0 else "−∞")
    text = f"{value:.{digits}g}"
    return "0" if text in ("-0", "-0.0") else text


_E_NOTATION = re.compile(r"(?<![\w.])([+-]?\d+(?:\.\d+)?)e([+-]?\d+)\b")


def latex_text(text: str) -> str:
    """Number text made safe for LaTeX: ``1.373e-08`` becomes ``1.373\times 10^{-8}``
    (LaTeX would typeset the former as 1.373e − 08, a subtraction), ``1e-05`` becomes
    ``10^{-5}``, and ∞ and — become their LaTeX forms."""

    def power(match: re.Match[str]) -> str:
        mantissa, exponent = match.group(1), int(match.group(2))
        if float(mantissa) in (1.0, -1.0):
            return ("-" if mantissa.startswith("-") else "") + f"10^{{{exponent}}}"
        return rf"{mantissa}\times 10^{{{exponent}}}"

    text = _E_NOTATION.sub(power, text)
    return text.replace("−∞", r"-\infty").replace("∞", r"\infty").replace("—", r"\text{—}")


def latex_number(value: float, digits: int = 4) -> str:
    """A number for LaTeX (``st.latex`` or ``$…$``): :func:`fmt`'s significant figures,
    with a power of ten written ×10^k, never as e-notation."""
    return latex_text(fmt(value, digits))


def latex_rate(value: float, style: str = "learner") -> str:
    """A learning rate for LaTeX: :func:`format_rate`, with powers of ten as ×10^k."""
    return latex_text(format_rate(value, style))


def thousands(value: float, digits: int = 4) -> str:
    """Large values with thousands separators (81,750), the rest as :func:`fmt`."""
    v = float(value)
    if math.isfinite(v) and abs(v) >= 1000:
        return f"{v:,.0f}"
    return fmt(v, digits)


def times(value: float, digits: int = 4) -> str:
    """A ratio as "N×", written like :func:`thousands` so that ratios side by side read
    alike: 9,830× and 19,661×, never 1.966e+04×; 2.5× and 0.125× below a thousand."""
    return f"{thousands(value, digits)}×"


# (significant figures, smallest value written plainly, decimals of an exponent's
# mantissa, trim the mantissa's zeros and the exponent's padding)
_RATE_STYLES: dict[str, tuple[int, float, int, bool]] = {
    "learner": (4, 1e-4, 1, False),
    "compact": (3, 1e-3, 0, False),
    "practice": (4, 1e-2, 2, True),
}


def format_rate(value: float, style: str = "learner") -> str:
    """A learning rate (or a decay) as text, in one of three styles.

    - ``"learner"`` (sliders, labels): 0.001, 0.015, 1.1 (no trailing zeros); below
      10⁻⁴ as 5.0e-05.
    - ``"compact"`` (the arena's crowded legends and tables): 3 significant figures;
      below 10⁻³ as 5e-04.
    - ``"practice"`` (recipes, as practitioners write them): 3e-4, 0.01, 0.1, 30.
    """
    digits, plain_from, decimals, trim = _RATE_STYLES[style]
    if trim and value == 0:
        return "0"
    if (abs(value) if trim else value) >= plain_from:
        return f"{value:.{digits}g}"
    text = f"{value:.{decimals}e}"
    if not trim:
        return text
    mantissa, exponent = text.split("e")
    return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"


def human_bytes(n: float) -> str:
    """Bytes in decimal units (kB, MB, GB, TB), 3 significant figures."""
    n = float(n)
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.3g} {unit}"
    return f"{n:.3g} bytes"


def human_count(n: float) -> str:
    """A large count as a learner reads it: 16,777,216, or 3.5 × 10¹¹ from a billion on."""
    n = float(n)
    if abs(n) >= 1e9:
        exponent = int(np.floor(np.log10(abs(n))))
        return f"{n / 10**exponent:.3g} × 10{superscript(exponent)}"
    return f"{int(round(n)):,}"


_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def superscript(n: int) -> str:
    """An integer in superscript digits (for 10⁻³⁰¹ in plain-text tables)."""
    return str(int(n)).translate(_SUPERSCRIPTS)


def table_text(table: Mapping[str, np.ndarray], digits: int = 4) -> pd.DataFrame:
    """An engine table (a dict of columns) as readable strings: whole numbers as they
    are, other numbers to ``digits`` significant figures, text unchanged."""
    out = {}
    for name, column in table.items():
        col = np.asarray(column)
        if col.dtype.kind in "iu":
            out[name] = [str(int(v)) for v in col]
        elif col.dtype.kind == "f":
            out[name] = [fmt(float(v), digits) for v in col]
        else:
            out[name] = [str(v) for v in col]
    return pd.DataFrame(out)

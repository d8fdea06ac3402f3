"""LaTeX for a typed formula and its derivatives, written by walking the sympy tree.

Why not ``sympy.latex``: to decide how to draw a product, sympy's printer asks whether
factors are constant, which can run ``simplify`` and random numerical tests (seconds on
a small Hessian). This printer knows only the node types a formula and its derivatives
contain, does one pass, and cannot take longer than the tree is big.
"""

from __future__ import annotations

from typing import Any

from engine.formula_program import (
    NUMBER_KINDS,
    constant_exponent,
    split_fraction,
    split_signs,
)

__all__ = ["to_latex", "tree_size_at_most"]

_FUNCTIONS = {
    "sin": r"\sin",
    "cos": r"\cos",
    "tan": r"\tan",
    "tanh": r"\tanh",
    "sinh": r"\sinh",
    "cosh": r"\cosh",
    "log": r"\log",
    "sign": r"\operatorname{sign}",
    "Heaviside": r"\theta",
    "DiracDelta": r"\delta",
    "Min": r"\min",
    "Max": r"\max",
    "RealSin": r"\sin",
    "RealCos": r"\cos",
    "RealTan": r"\tan",
    "RealTanh": r"\tanh",
    "RealSinh": r"\sinh",
    "RealCosh": r"\cosh",
    "RealLog": r"\log",
    "RealSign": r"\operatorname{sign}",
    "RealStep": r"\theta",
    "RealDelta": r"\delta",
    "RealMin": r"\min",
    "RealMax": r"\max",
}
# Binding strength: a child binding less tightly than its parent gets parentheses.
_SUM, _PRODUCT, _POWER, _ATOM = 1, 2, 3, 4


def tree_size_at_most(expr: Any, limit: int) -> bool:
    """Whether ``expr`` has at most ``limit`` nodes counted as a tree (stops early)."""
    size, stack = 0, [expr]
    while stack:
        size += 1
        if size > limit:
            return False
        stack.extend(stack.pop().args)
    return True


def _number(value: float) -> str:
    text = f"{value:.8g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        power = f"10^{{{int(exponent)}}}"
        return power if mantissa == "1" else rf"{mantissa} \cdot {power}"
    return text


def _wrap(text: str) -> str:
    return rf"\left({text}\right)"


class _Printer:
    def __init__(self, x: Any, y: Any) -> None:
        self.symbols = {x: "x", y: "y"}

    def print(self, expr: Any) -> tuple[str, int]:
        """LaTeX of ``expr`` and how tightly it binds."""
        if expr in self.symbols:
            return self.symbols[expr], _ATOM
        kind = type(expr).__name__
        if kind == "Pi":
            return r"\pi", _ATOM
        if kind == "Exp1":
            return "e", _ATOM
        if kind in NUMBER_KINDS:
            return self.number(expr, kind)
        if kind == "Add":
            return self.sum(expr), _SUM
        if kind == "Mul":
            return self.product(expr)
        if kind == "Pow":
            return self.power(expr)
        if kind in ("exp", "RealExp"):
            return f"e^{{{self.print(expr.args[0])[0]}}}", _POWER
        if kind in ("Abs", "RealAbs"):
            return rf"\left|{self.print(expr.args[0])[0]}\right|", _ATOM
        if kind in ("Heaviside", "DiracDelta"):
            # Heaviside's second argument is its value at 0, DiracDelta's the order.
            order = int(expr.args[1]) if kind == "DiracDelta" and len(expr.args) > 1 else 0
            name = _FUNCTIONS[kind] + "'" * order
            return f"{name}{_wrap(self.print(expr.args[0])[0])}", _ATOM
        name = _FUNCTIONS.get(kind, rf"\operatorname{{{kind}}}")
        args = ", ".join(self.print(arg)[0] for arg in expr.args)
        return f"{name}{_wrap(args)}", _ATOM

    def number(self, expr: Any, kind: str) -> tuple[str, int]:
        if kind == "Float":
            text = _number(float(expr))
        elif int(expr.q) == 1:
            text = str(int(expr.p))
        else:
            p, q = int(expr.p), int(expr.q)
            text = ("-" if p < 0 else "") + rf"\frac{{{abs(p)}}}{{{q}}}"
        return text, (_SUM if text.startswith("-") else _ATOM)

    def child(self, expr: Any, tighter_than: int) -> str:
        text, binding = self.print(expr)
        return text if binding > tighter_than else _wrap(text)

    def sum(self, add: Any) -> str:
        positive, negative = split_signs(add)
        parts = [self.child(t, _SUM) for t in positive]
        text = " + ".join(parts)
        for term in negative:
            text = f"{text} - {self.child(term, _SUM)}" if text else f"- {self.child(term, _SUM)}"
        return text

    def product(self, mul: Any) -> tuple[str, int]:
        (top, bottom, negate), numerator, denominator = split_fraction(mul)
        fraction = bool(denominator) or bottom is not None
        alone = fraction and len(numerator) == 1 and top is None  # \frac{a + b}{6}: no ( )
        factors = [self.print(f)[0] if alone else self.child(f, _PRODUCT) for f in numerator]
        if top is not None:
            factors.insert(0, _number(top))
        text = self.join(factors) or "1"
        if fraction:
            alone = len(denominator) == 1 and bottom is None
            below = [self.print(f)[0] if alone else self.child(f, _PRODUCT) for f in denominator]
            if bottom is not None:
                below.insert(0, _number(bottom))
            text = rf"\frac{{{text}}}{{{self.join(below)}}}"
        return (f"- {text}", _SUM) if negate else (text, _PRODUCT)

    @staticmethod
    def join(factors: list[str]) -> str:
        # A number after another factor needs a visible product sign: 2 \cdot 3, x \cdot 2.
        text = ""
        for factor in factors:
            if text and (factor[0].isdigit() or factor.startswith(r"\frac")):
                text += r" \cdot " + factor
            else:
                text += (" " if text else "") + factor
        return text

    def power(self, expr: Any) -> tuple[str, int]:
        base, exponent = expr.args
        p = constant_exponent(exponent)
        if p == 0.5:
            return rf"\sqrt{{{self.print(base)[0]}}}", _ATOM
        if p is not None and p < 0:  # 1/x, 1/sqrt(x) alone (in a product: a denominator)
            return rf"\frac{{1}}{{{self.print(base**-exponent)[0]}}}", _ATOM
        exponent_text = self.print(exponent)[0]
        base_text = self.child(base, _POWER)
        return f"{base_text}^{{{exponent_text}}}", _POWER


def to_latex(expr: Any, x: Any, y: Any) -> str:
    """LaTeX of a sympy expression in the symbols ``x`` and ``y``."""
    return _Printer(x, y).print(expr)[0]

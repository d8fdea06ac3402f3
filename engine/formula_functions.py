"""sympy functions for typed formulas: the elementary functions with their derivative rules
and nothing else.

sympy's own ``sin``, ``sinh``, ``Abs``, ``Max`` … reason about their arguments whenever
they are built or differentiated: is it real? positive? a multiple of π? which argument
is larger? On an argument sympy cannot prove real, like ``sqrt(x)`` or ``log(y)``, that
reasoning can take seconds for a formula of 50 characters (``cosh(sinh(1/tanh(...)))``),
and it turns a function the learner meant as real into complex forms (``re``, ``im``,
``arg``). Every function a learner can type is therefore one of these classes: sympy's
differentiation engine applies the product and chain rules as usual, each class states
its own derivative, folds a numeric argument to a float, and claims nothing else.

    sin' = cos      cos' = -sin     tan' = 1 + tan²     exp' = exp     log'(u) = 1/u
    sinh' = cosh    cosh' = sinh    tanh' = 1 - tanh²
    abs' = sign     sign' = 2 δ     max(a, b)' = step(a - b) a' + step(b - a) b'
    step' = δ       δ' = 0 (never needed: δ appears only in second derivatives)

``step(0) = 1/2`` (like sympy's Heaviside), so a tie in max splits the gradient evenly.
Numerically (engine.formula_program) δ is 0: the derivative almost everywhere.

The classes are built on first use (sympy is imported lazily) and then reused.
"""

from __future__ import annotations

import functools
import math
from typing import Any

__all__ = ["functions"]

_MATH = {
    "RealSin": math.sin,
    "RealCos": math.cos,
    "RealTan": math.tan,
    "RealTanh": math.tanh,
    "RealSinh": math.sinh,
    "RealCosh": math.cosh,
    "RealExp": math.exp,
    "RealLog": math.log,
    "RealAbs": abs,
}


@functools.lru_cache(maxsize=1)  # no arguments: one entry
def functions() -> dict[str, Any]:
    """Function classes by the name a learner types (plus ``sign``, ``step``, ``delta``)."""
    import sympy as sp

    def numeric(name: str) -> Any:
        """``eval``: a number in, a float out (None keeps it symbolic, e.g. log(-1))."""

        @classmethod
        def eval(cls: Any, arg: Any) -> Any:
            if not arg.is_Number:
                return None
            try:
                value = _MATH[name](float(arg))
            except (ValueError, OverflowError):
                return None
            return sp.Float(value) if math.isfinite(value) else None

        return eval

    def unary(name: str, derivative: Any, evaluate: Any = None) -> Any:
        def fdiff(self: Any, argindex: int = 1) -> Any:
            return derivative(self.args[0], self)

        namespace = {"nargs": 1, "fdiff": fdiff, "eval": evaluate or numeric(name)}
        return type(name, (sp.Function,), namespace)

    def sign_of(number: Any) -> Any:
        return sp.S.Zero if number == 0 else (sp.S.One if number > 0 else sp.S.NegativeOne)

    @classmethod
    def delta_eval(cls: Any, arg: Any) -> Any:
        return sp.S.Zero if arg.is_Number and arg != 0 else None

    @classmethod
    def step_eval(cls: Any, arg: Any) -> Any:
        return (sp.S.Half if arg == 0 else (sign_of(arg) + 1) / 2) if arg.is_Number else None

    @classmethod
    def sign_eval(cls: Any, arg: Any) -> Any:
        return sign_of(arg) if arg.is_Number else None

    delta = unary("RealDelta", lambda u, f: sp.S.Zero, delta_eval)
    step = unary("RealStep", lambda u, f: delta(u), step_eval)
    sign = unary("RealSign", lambda u, f: 2 * delta(u), sign_eval)
    made: dict[str, Any] = {"delta": delta, "step": step, "sign": sign}
    made["abs"] = unary("RealAbs", lambda u, f: sign(u))
    made["sin"] = unary("RealSin", lambda u, f: made["cos"](u))
    made["cos"] = unary("RealCos", lambda u, f: -made["sin"](u))
    made["tan"] = unary("RealTan", lambda u, f: 1 + f**2)
    made["tanh"] = unary("RealTanh", lambda u, f: 1 - f**2)
    made["sinh"] = unary("RealSinh", lambda u, f: made["cosh"](u))
    made["cosh"] = unary("RealCosh", lambda u, f: made["sinh"](u))
    made["exp"] = unary("RealExp", lambda u, f: f)
    made["log"] = unary("RealLog", lambda u, f: 1 / u)

    def extreme(name: str, pick: Any, direction: int) -> Any:
        @classmethod
        def eval(cls: Any, *args: Any) -> Any:
            if len(args) < 2:
                raise TypeError(f"{name} takes two or more arguments")
            return pick(args) if all(a.is_Number for a in args) else None

        def fdiff(self: Any, argindex: int = 1) -> Any:
            chosen = self.args[argindex - 1]
            others = self.args[: argindex - 1] + self.args[argindex:]
            rest = others[0] if len(others) == 1 else self.func(*others)
            return step(direction * (chosen - rest))

        return type(name, (sp.Function,), {"eval": eval, "fdiff": fdiff})

    made["min"] = extreme("RealMin", min, -1)
    made["max"] = extreme("RealMax", max, 1)
    return made

"""Turn a sympy expression into a small numpy program: the evaluator behind typed formulas.

The expression comes from :mod:`engine.formula`, which built it node by node from an
allow-listed syntax tree; this module walks that sympy tree and emits a flat list of
numpy ufunc calls. No source code is generated and nothing is passed to ``eval``,
``exec`` or ``lambdify``: the only callables a program can ever run are the ones in
the tables below.

A program evaluates several outputs at once (the two gradient components share their
common subexpressions: identical sympy subtrees are computed once) on arrays of any
shape, under ``np.errstate(all="ignore")``: a log of a negative number, a division by
zero or an overflow gives NaN or ±inf, never a warning or an exception. Registers whose
value is no longer needed are reused, so a 200×200 grid holds only the live ones.

sympy is imported by the caller; this module only receives sympy objects and reads
their classes from ``type(expr).__name__``, so importing it costs nothing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Program", "ProgramError", "compile_program"]


class ProgramError(ValueError):
    """The expression holds something the evaluator cannot compute, or is too large."""


def _step(a: Any) -> Any:
    """Heaviside step, 1/2 at 0 (like sympy's)."""
    return np.heaviside(a, 0.5)


def _zero_like(a: Any) -> Any:
    """Dirac delta: zero away from its (measure-zero) support; NaN stays NaN."""
    return np.multiply(a, 0.0)


# One-argument sympy functions → numpy ufuncs (the whole list of what can run).
_UNARY = {
    "exp": np.exp,
    "log": np.log,
    "sin": np.sin,
    "cos": np.cos,
    "tan": np.tan,
    "tanh": np.tanh,
    "sinh": np.sinh,
    "cosh": np.cosh,
    "Abs": np.abs,
    "sign": np.sign,
    "DiracDelta": _zero_like,
    # engine.formula_functions: what the learner's functions are built from.
    "RealAbs": np.abs,
    "RealSign": np.sign,
    "RealDelta": _zero_like,
    "RealStep": _step,
    "RealSin": np.sin,
    "RealCos": np.cos,
    "RealTan": np.tan,
    "RealTanh": np.tanh,
    "RealSinh": np.sinh,
    "RealCosh": np.cosh,
    "RealExp": np.exp,
    "RealLog": np.log,
}
# Constant leaves sympy may hold; anything else non-real (I, zoo, nan, oo) is refused.
_REAL_CONSTANTS = {"Integer", "Rational", "Float", "Pi", "Exp1", "Half", "One", "Zero"}
_REAL_CONSTANTS |= {"NegativeOne", "IntegerConstant", "RationalConstant"}
_UNDEFINED = {"ComplexInfinity", "Infinity", "NegativeInfinity", "NaN"}


@dataclass(frozen=True)
class Program:
    """A compiled straight-line evaluator of one or more expressions in x and y.

    ``steps`` are ``(function, destination, a, b)`` with ``b = -1`` for one-argument
    functions; registers 0 and 1 hold x and y, then the constants, then temporaries.
    Plain data (ufuncs and module functions), so it pickles for ``st.cache_data``.
    """

    steps: tuple[tuple[Any, int, int, int], ...]
    constants: tuple[float, ...]
    n_registers: int
    outputs: tuple[int, ...]

    def __call__(self, x: np.ndarray, y: np.ndarray) -> list[Any]:
        regs: list[Any] = [None] * self.n_registers
        regs[0], regs[1] = x, y
        regs[2 : 2 + len(self.constants)] = self.constants
        with np.errstate(all="ignore"):
            for fn, dst, a, b in self.steps:
                regs[dst] = fn(regs[a]) if b < 0 else fn(regs[a], regs[b])
        return [regs[i] for i in self.outputs]

    @property
    def size(self) -> int:
        """Number of numpy calls one evaluation makes."""
        return len(self.steps)


_NO_ARG = None


class _Compiler:
    """Post-order walk of a sympy DAG into virtual registers, then register reuse.

    Virtual registers: 0 and 1 are x and y, constants get negative ids (-1, -2, …),
    computed values count up from 2. :meth:`finish` lays them out physically.
    """

    def __init__(self, x: Any, y: Any, max_steps: int, what: str) -> None:
        self.symbols = {x: 0, y: 1}
        self.max_steps = max_steps
        self.what = what
        self.constants: list[float] = []
        self.constant_ids: dict[float, int] = {}
        self.steps: list[tuple[Any, int, int, int | None]] = []
        self.memo: dict[Any, int] = {}
        self.next_virtual = 2

    # --- registers -------------------------------------------------------------

    def constant(self, value: float) -> int:
        key = float(value)
        if key != key:  # NaN is not equal to itself: one register per NaN is fine
            key = math.nan
        if key not in self.constant_ids:
            self.constant_ids[key] = -(len(self.constants) + 1)
            self.constants.append(key)
        return self.constant_ids[key]

    def emit(self, fn: Any, a: int, b: int | None = _NO_ARG) -> int:
        if a < 0 and (b is None or b < 0):  # constant operands: fold now, not per call
            with np.errstate(all="ignore"):
                args = [self.constants[-a - 1]] + ([] if b is None else [self.constants[-b - 1]])
                return self.constant(float(fn(*args)))
        if len(self.steps) >= self.max_steps:
            raise ProgramError(
                f"the {self.what} is too large to evaluate quickly: more than "
                f"{self.max_steps} operations (the evaluation-size limit); simplify the formula"
            )
        dst = self.next_virtual
        self.next_virtual += 1
        self.steps.append((fn, dst, a, b))
        return dst

    def fold(self, fn: Any, regs: Sequence[int]) -> int:
        """Left fold of a two-argument ufunc over registers."""
        acc = regs[0]
        for r in regs[1:]:
            acc = self.emit(fn, acc, r)
        return acc

    # --- the walk --------------------------------------------------------------

    def lower(self, root: Any) -> int:
        """Register holding ``root``'s value, compiling what is missing (iteratively)."""
        stack: list[tuple[Any, bool]] = [(root, False)]
        while stack:
            expr, children_done = stack.pop()
            if expr in self.memo:
                continue
            leaf = self.leaf(expr)
            if leaf is not None:
                self.memo[expr] = leaf
                continue
            if not children_done:
                stack.append((expr, True))
                stack.extend((arg, False) for arg in reversed(_operands(expr)))
                continue
            self.memo[expr] = self.node(expr)
        return self.memo[root]

    def leaf(self, expr: Any) -> int | None:
        if expr in self.symbols:
            return self.symbols[expr]
        kind = type(expr).__name__
        if kind in _REAL_CONSTANTS:
            return self.constant(float(expr))
        if kind in _UNDEFINED:
            raise ProgramError(
                f"the {self.what} is infinite or undefined everywhere "
                "(a division by zero, or a log of 0?)"
            )
        if kind == "ImaginaryUnit":
            raise ProgramError(
                f"the {self.what} is complex-valued (a square root or log of a quantity "
                "that is never positive?): only real functions can be drawn"
            )
        if not expr.args:
            raise ProgramError(f"the {self.what} contains {expr}, which is not x, y or a number")
        return None

    def node(self, expr: Any) -> int:
        kind = type(expr).__name__
        reg = self.memo.__getitem__
        if kind == "Add":
            positive, negative = split_signs(expr)
            if not positive:
                return self.emit(np.negative, self.fold(np.add, [reg(t) for t in negative]))
            total = self.fold(np.add, [reg(t) for t in positive])
            for term in negative:
                total = self.emit(np.subtract, total, reg(term))
            return total
        if kind == "Mul":
            return self.product(expr)
        if kind == "Pow":
            return self.power(expr)
        if kind in _UNARY:
            if len(expr.args) != 1 and kind != "DiracDelta":
                raise ProgramError(f"the {self.what} uses {kind} with {len(expr.args)} arguments")
            return self.emit(_UNARY[kind], reg(expr.args[0]))
        if kind in ("Min", "Max", "RealMin", "RealMax"):
            fn = np.minimum if kind.endswith("Min") else np.maximum
            return self.fold(fn, [reg(a) for a in expr.args])
        if kind == "Heaviside":
            # sympy's Heaviside(0) is 1/2 unless a second argument says otherwise.
            at_zero = float(expr.args[1]) if len(expr.args) > 1 else 0.5
            return self.emit(np.heaviside, reg(expr.args[0]), self.constant(at_zero))
        raise ProgramError(
            f"the {self.what} uses {kind}, which this app cannot evaluate; simplify the formula"
        )

    def product(self, mul: Any) -> int:
        """``c * a * b / (d * e)``: one division, the coefficient first like ``400 * x * r``."""
        (top_coef, bottom_coef, negate), numerator, denominator = split_fraction(mul)
        regs = [self.memo[f] for f in numerator]
        if top_coef is not None:
            regs.insert(0, self.constant(top_coef))
        top = self.fold(np.multiply, regs) if regs else self.constant(1.0)
        bottom_regs = [self.memo[f] for f in denominator]
        if bottom_coef is not None:
            bottom_regs.append(self.constant(bottom_coef))
        if bottom_regs:
            top = self.emit(np.divide, top, self.fold(np.multiply, bottom_regs))
        return self.emit(np.negative, top) if negate else top

    def power(self, expr: Any) -> int:
        base, exponent = expr.args
        b = self.memo[base]
        p = constant_exponent(exponent)
        if p is None:
            return self.emit(np.power, b, self.memo[exponent])
        if p == 1:
            return b
        if p == 2:
            return self.emit(np.square, b)  # bit-identical to x*x, like numpy's x**2
        if p == 0.5:
            return self.emit(np.sqrt, b)
        if p == -1:
            return self.emit(np.divide, self.constant(1.0), b)
        if p == -0.5:
            return self.emit(np.divide, self.constant(1.0), self.emit(np.sqrt, b))
        return self.emit(np.power, b, self.constant(p))

    # --- layout ----------------------------------------------------------------

    def finish(self, outputs: Sequence[int]) -> Program:
        """Lay out constants after x and y, and reuse the registers of dead values."""
        first_temp = 2 + len(self.constants)
        last_use: dict[int, int] = {}
        for i, (_, _, a, b) in enumerate(self.steps):
            for r in (a, b):
                if r is not None and r >= 2:
                    last_use[r] = i
        for r in outputs:
            if r >= 2:
                last_use[r] = len(self.steps)
        physical: dict[int, int] = {0: 0, 1: 1}
        physical.update({-(k + 1): 2 + k for k in range(len(self.constants))})
        free: list[int] = []
        n_registers = first_temp
        steps = []
        for i, (fn, dst, a, b) in enumerate(self.steps):
            pa, pb = physical[a], (-1 if b is None else physical[b])
            for r in {a, b}:
                if r is not None and r >= 2 and last_use[r] == i:
                    free.append(physical[r])  # read before written: dst may take it
            if free:
                pd = free.pop()
            else:
                pd, n_registers = n_registers, n_registers + 1
            physical[dst] = pd
            if last_use.get(dst, i) == i:  # never read: its register is free again
                free.append(pd)
            steps.append((fn, pd, pa, pb))
        return Program(
            tuple(steps),
            tuple(self.constants),
            n_registers,
            tuple(physical[r] for r in outputs),
        )


NUMBER_KINDS = ("Integer", "Rational", "Float", "NegativeOne", "Half", "One", "Zero")


def constant_exponent(exponent: Any) -> float | None:
    if type(exponent).__name__ in NUMBER_KINDS:
        value = float(exponent)
        return value if math.isfinite(value) else None
    return None


def _negative_coefficient(term: Any) -> bool:
    kind = type(term).__name__
    if kind in NUMBER_KINDS:
        return float(term) < 0
    if kind == "Mul":
        first = term.args[0]
        return type(first).__name__ in NUMBER_KINDS and float(first) < 0
    return False


def split_signs(add: Any) -> tuple[list[Any], list[Any]]:
    """Terms of a sum as ``(added, subtracted)``: ``y - x**2`` rather than ``y + (-1)*x**2``."""
    positive, negative = [], []
    for term in add.args:
        if _negative_coefficient(term):
            negative.append(-term)
        else:
            positive.append(term)
    return positive, negative


def split_fraction(mul: Any) -> tuple[tuple[float | None, float | None, bool], list, list]:
    """A product as ``((coefficient numerator, denominator, negate), factors, divisors)``.

    A factor ``b**-k`` is a divisor ``b**k`` (``a/b`` is one division, not a reciprocal
    and a product), and a rational coefficient ``p/q`` multiplies by p and divides by q,
    so ``x/3`` is computed as numpy's ``x / 3``.
    """
    numerator, denominator = [], []
    top = bottom = None
    negate = False
    for factor in mul.args:
        kind = type(factor).__name__
        if kind in NUMBER_KINDS:
            p, q = (float(factor), 1) if kind == "Float" else (int(factor.p), int(factor.q))
            negate, p = (not negate, -p) if p < 0 else (negate, p)
            top = None if p == 1 else float(p)
            bottom = None if q == 1 else float(q)
            continue
        if kind == "Pow":
            k = constant_exponent(factor.args[1])
            if k is not None and k < 0:
                base = factor.args[0]
                denominator.append(base if k == -1 else factor.func(base, -factor.args[1]))
                continue
        numerator.append(factor)
    return (top, bottom, negate), numerator, denominator


def _operands(expr: Any) -> list[Any]:
    """The subexpressions :meth:`_Compiler.node` will read (compiled before it)."""
    kind = type(expr).__name__
    if kind == "Mul":
        _, numerator, denominator = split_fraction(expr)
        return numerator + denominator
    if kind == "Add":
        positive, negative = split_signs(expr)
        return positive + negative
    if kind == "Pow":
        base, exponent = expr.args
        return [base] if constant_exponent(exponent) is not None else [base, exponent]
    if kind == "Heaviside":
        return [expr.args[0]]
    return list(expr.args)


def compile_program(exprs: Sequence[Any], x: Any, y: Any, *, max_steps: int, what: str) -> Program:
    """Compile sympy expressions in the symbols ``x`` and ``y`` into one :class:`Program`.

    Raises :class:`ProgramError` (with a message for the learner naming ``what``) if an
    expression holds a non-real constant, an unsupported function, or needs more than
    ``max_steps`` numpy calls.
    """
    compiler = _Compiler(x, y, max_steps, what)
    outputs = [compiler.lower(expr) for expr in exprs]
    return compiler.finish(outputs)

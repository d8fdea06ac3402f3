"""A landscape from a formula the learner types, e.g. ``(1 - x)**2 + 100*(y - x**2)**2``.

Safe by construction: the text is parsed with :mod:`ast` (parsing only) and accepted only
if every node is on an allow-list; the sympy expression is then built from that tree by
this module, node by node. The text is never given to ``eval``, ``exec``, ``compile``
(beyond ``ast.parse``'s parse-only mode), ``sympify``, ``parse_expr`` or ``lambdify``;
the numbers come from :mod:`engine.formula_program`, which turns the sympy tree into
numpy ufunc calls without generating code.

>>> from engine import formula
>>> land = formula.build("x**2 + 3*y**2")
>>> land.grad(np.array([1.0, 1.0]))
array([2., 6.])

What may be typed
    the variables ``x`` and ``y``; the constants ``pi`` and ``e``; int and float literals;
    ``+ - * / **``, unary ``-`` and ``+``, parentheses; the functions in :data:`FUNCTIONS`
    (positional arguments only). Everything else is refused with a :class:`FormulaError`
    whose message says why and, for a limit, names it (see :data:`LIMITS`).

sympy is imported only when a formula is built (:func:`build`), never at import time,
so pages without a formula do not pay for it. :func:`validate` needs no sympy.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine import formula_functions
from engine.formula_latex import to_latex, tree_size_at_most
from engine.formula_minima import default_start, find_minima
from engine.formula_program import Program, ProgramError, compile_program
from engine.formula_syntax import (
    FUNCTIONS,
    LIMITS,
    MAX_ABS_COORDINATE,
    MAX_PROGRAM_STEPS,
    MAX_SPAN,
    MAX_TYPESET_SIZE,
    MIN_SPAN,
    SYMBOLIC_TIME_BUDGET_S,
    FormulaError,
    check,
    check_text,
)
from engine.landscapes import Bounds, Landscape, Point

__all__ = [
    "DEFAULT_BOUNDS",
    "FUNCTIONS",
    "LIMITS",
    "PARAM_KEYS",
    "FormulaError",
    "FormulaLandscape",
    "FormulaSpec",
    "build",
    "from_params",
    "parse_params",
    "to_params",
    "validate",
]

DEFAULT_BOUNDS: Bounds = ((-2.0, 2.0), (-2.0, 2.0))


def validate(text: object) -> str:
    """Check ``text`` without building it (no sympy): return it stripped, or raise.

    Catches everything but what only sympy can tell: a function that simplifies to a
    constant (``x - x``) or is nowhere real, the evaluation-size limit of its compiled
    derivatives and the differentiation time budget.
    """
    return check(text).text


# --- step 4: sympy (imported here, on first use) -------------------------------------

_EXACT_MAGNITUDE = (1e-6, 1e6)  # constants kept exact (2, 1/3, pi/4); others as floats


def _sympy() -> Any:
    import sympy  # lazily: a page without a formula never pays for it

    return sympy


class _SympyBuilder:
    """Builds the sympy expression from the checked tree, one allowed node at a time."""

    def __init__(self, sp: Any, x: Any, y: Any, values: dict[int, float]) -> None:
        self.sp = sp
        self.names = {"x": x, "y": y, "pi": sp.pi, "e": sp.E}
        # Every typed function is one of engine.formula_functions' classes (derivative
        # rules, no assumption reasoning); sqrt is sympy's u**(1/2).
        self.functions = {**formula_functions.functions(), "sqrt": sp.sqrt}
        self.values = values

    def plain_arithmetic(self, node: ast.AST) -> bool:
        """Only int literals, pi, e, + - * / and integer powers."""
        for part in ast.walk(node):
            if isinstance(part, ast.Call):
                return False
            if isinstance(part, ast.Constant) and not isinstance(part.value, int):
                return False
            if isinstance(part, ast.BinOp) and isinstance(part.op, ast.Pow):
                if not self.values[id(part.right)].is_integer():
                    return False
        return True

    def build(self, node: ast.AST) -> Any:
        sp = self.sp
        value = self.values.get(id(node))
        if value is not None:
            # A constant stays exact (2, 1/3, pi/4) only when it is plain arithmetic on
            # modest integers, pi and e: exact work on 99**99, or symbolic reasoning about
            # cos(max(3, pi)), costs sympy time and shows the learner nothing.
            low, high = _EXACT_MAGNITUDE
            modest = value == 0 or low <= abs(value) <= high
            if not (modest and self.plain_arithmetic(node)):
                return sp.Float(value)
            if isinstance(node, ast.Constant):
                return sp.Integer(node.value)
        if isinstance(node, ast.Name):
            return self.names[node.id]
        if isinstance(node, ast.UnaryOp):
            operand = self.build(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.Call):
            fn = self.functions[node.func.id]  # type: ignore[attr-defined]
            return fn(*(self.build(arg) for arg in node.args))
        assert isinstance(node, ast.BinOp)
        if isinstance(node.op, ast.Pow) and isinstance(node.left, ast.Name):
            if node.left.id == "e" and id(node.right) not in self.values:
                return self.functions["exp"](self.build(node.right))  # e**u is exp(u)
        left, right = self.build(node.left), self.build(node.right)
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if isinstance(node.op, ast.Div):
            return left / right
        return left**right


def _within_budget(started: float, stage: str) -> None:
    """Cooperative time budget, checked between stages: no thread, no signal.

    Counted in this thread's CPU time, the work the formula costs: on a busy server the
    wall clock runs faster, and the same formula would be refused only sometimes.
    """
    elapsed = time.thread_time() - started
    if elapsed > SYMBOLIC_TIME_BUDGET_S:
        raise FormulaError(
            f"{stage} took {elapsed:.1f} s of computing, over the differentiation time "
            f"budget of {SYMBOLIC_TIME_BUDGET_S:g} s: simplify the formula"
        )


def _typeset(expr: Any, x: Any, y: Any) -> str | None:
    """LaTeX of ``expr``, or None when it is too long to read (and to typeset quickly)."""
    if not tree_size_at_most(expr, MAX_TYPESET_SIZE):
        return None
    try:
        return to_latex(expr, x, y)
    except RecursionError:
        return None


def _verbatim(text: str) -> str:
    """The typed text as LaTeX (``_`` is the only allowed character LaTeX reads specially)."""
    return r"\texttt{" + text.replace("_", r"\_") + "}"


@dataclass(frozen=True)
class _Symbolic:
    loss: Program
    grad: Program
    hess: Program
    latex: str
    gradient_latex: tuple[str | None, str | None]
    hessian_latex: tuple[str | None, str | None]


@functools.lru_cache(maxsize=32)
def _symbolic(text: str) -> _Symbolic:
    """Parse, differentiate twice and compile; cached per formula text."""
    checked = check(text)
    sp = _sympy()
    x, y = sp.Symbol("x", real=True), sp.Symbol("y", real=True)
    started = time.thread_time()
    try:
        f = _SympyBuilder(sp, x, y, checked.values).build(checked.tree)
        if not f.free_symbols & {x, y}:
            raise FormulaError(
                "the function simplifies to a constant (it does not depend on x or y): "
                "it has no gradient to follow"
            )
        steps = {"max_steps": MAX_PROGRAM_STEPS}
        loss = compile_program([f], x, y, what="function", **steps)
        # factor_terms: 200*(y - x**2) rather than sympy's distributed 200*y - 200*x**2,
        # which cancels badly on a valley floor (and drifts from the hand-written form).
        gradient = (sp.factor_terms(f.diff(x)), sp.factor_terms(f.diff(y)))
        _within_budget(started, "differentiating")
        grad = compile_program(gradient, x, y, what="gradient", **steps)
        hessian = (gradient[0].diff(x), gradient[1].diff(y))
        _within_budget(started, "differentiating twice")
        hess = compile_program(hessian, x, y, what="Hessian diagonal", **steps)
        symbolic = _Symbolic(
            loss=loss,
            grad=grad,
            hess=hess,
            latex=_typeset(f, x, y) or _verbatim(text),
            gradient_latex=(_typeset(gradient[0], x, y), _typeset(gradient[1], x, y)),
            hessian_latex=(_typeset(hessian[0], x, y), _typeset(hessian[1], x, y)),
        )
        _within_budget(started, "typesetting the derivatives")
    except FormulaError:
        raise
    except ProgramError as error:
        raise FormulaError(str(error)) from None
    except RecursionError:
        raise FormulaError(
            "the formula nests too deeply for differentiation (the nesting depth limit)"
        ) from None
    except Exception as error:  # sympy refusing something the checks let through: say so
        raise FormulaError(
            f"sympy could not differentiate this formula ({type(error).__name__}): simplify it"
        ) from None
    return symbolic


# --- step 5: the landscape -----------------------------------------------------------


@dataclass(frozen=True)
class _Output:
    """``program(x, y)[0]``: a picklable loss function for :class:`Landscape`."""

    program: Program

    def __call__(self, x: np.ndarray, y: np.ndarray) -> Any:
        return self.program(x, y)[0]


@dataclass(frozen=True)
class _Outputs:
    """``program(x, y)`` as a pair: a picklable gradient or Hessian-diagonal function."""

    program: Program

    def __call__(self, x: np.ndarray, y: np.ndarray) -> tuple[Any, Any]:
        a, b = self.program(x, y)
        return a, b


@dataclass(frozen=True)
class FormulaLandscape(Landscape):
    """A :class:`~engine.landscapes.Landscape` from a typed formula.

    Same interface as the built-ins (so every optimizer, ``simulate.run``, ``race`` and
    ``sweep`` work unchanged), plus the formula, its derivatives in LaTeX (component
    expressions, without ``∂L/∂x =``; None for one too long to read), every local
    minimum found, and a flag that the minima are approximate (found numerically). The
    ``minima`` are the lowest of the local minima (several when they tie) and may be
    empty: ``f = x`` has none inside its box. Unlike the built-ins, the minimum loss is
    not shifted to 0: the formula is drawn as typed.
    """

    formula: str = ""
    gradient_latex: tuple[str | None, str | None] = (None, None)
    hessian_latex: tuple[str | None, str | None] = (None, None)
    local_minima: tuple[Point, ...] = ()
    minima_approximate: bool = True


@dataclass(frozen=True)
class FormulaSpec:
    """What a share link carries: the formula, the view box and the start (None: default)."""

    formula: str
    bounds: Bounds = DEFAULT_BOUNDS
    start: Point | None = None


def _finite_number(value: object, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise FormulaError(f"{what} must be a number, got {type(value).__name__}")
    number = float(value)
    if not math.isfinite(number) or abs(number) > MAX_ABS_COORDINATE:
        raise FormulaError(f"{what} must be a finite number within ±{MAX_ABS_COORDINATE:g}")
    return number


def _check_bounds(bounds: object) -> Bounds:
    try:
        (x0, x1), (y0, y1) = bounds  # type: ignore[misc]
    except (TypeError, ValueError):
        raise FormulaError("the view box must be ((xmin, xmax), (ymin, ymax))") from None
    x0, x1 = _finite_number(x0, "xmin"), _finite_number(x1, "xmax")
    y0, y1 = _finite_number(y0, "ymin"), _finite_number(y1, "ymax")
    for axis, low, high in (("x", x0, x1), ("y", y0, y1)):
        if not low < high:
            raise FormulaError(
                f"the view box needs {axis}min < {axis}max, got {low:g} and {high:g}"
            )
        if not MIN_SPAN <= high - low <= MAX_SPAN:
            raise FormulaError(
                f"the view box's {axis} range must span between {MIN_SPAN:g} and {MAX_SPAN:g}"
            )
    return ((x0, x1), (y0, y1))


def _check_start(start: object, bounds: Bounds) -> Point:
    try:
        sx, sy = start  # type: ignore[misc]
    except (TypeError, ValueError):
        raise FormulaError("the start must be a point (x, y)") from None
    sx, sy = _finite_number(sx, "the start's x"), _finite_number(sy, "the start's y")
    (x0, x1), (y0, y1) = bounds
    if not (x0 <= sx <= x1 and y0 <= sy <= y1):
        raise FormulaError(f"the start ({sx:g}, {sy:g}) is outside the view box")
    return (sx, sy)


def build(
    text: str, bounds: Bounds = DEFAULT_BOUNDS, start: Point | None = None
) -> FormulaLandscape:
    """The landscape of the formula ``text`` over the view box ``bounds``.

    ``start`` defaults to a point inside the box where the loss and gradient are finite,
    away from the minima. Raises :class:`FormulaError` (and nothing else) with a message
    for the learner if the formula, the box or the start is refused.
    """
    bounds = _check_bounds(bounds)
    if start is not None:
        start = _check_start(start, bounds)
    stripped = check_text(text)
    symbolic = _symbolic(stripped)
    (x0, x1), (y0, y1) = bounds
    land = FormulaLandscape(
        name="formula",
        title="Your formula",
        latex=f"L(x, y) = {symbolic.latex}",
        bounds=bounds,
        minima=(),
        saddles=(),
        start=start or ((x0 + x1) / 2, (y0 + y1) / 2),
        description=f"The function you typed: {stripped}",
        _loss=_Output(symbolic.loss),
        _grad=_Outputs(symbolic.grad),
        _hess=_Outputs(symbolic.hess),
        formula=stripped,
        gradient_latex=symbolic.gradient_latex,
        hessian_latex=symbolic.hessian_latex,
    )
    found = find_minima(land)
    if found is None:
        raise FormulaError(
            f"the function is not a finite real number anywhere in the view box "
            f"x ∈ [{x0:g}, {x1:g}], y ∈ [{y0:g}, {y1:g}]: change the box or the formula"
        )
    lowest, local = found
    if start is None:
        start = default_start(land, lowest)
    return dataclasses.replace(land, minima=lowest, local_minima=local, start=start or land.start)


# --- step 6: share links -------------------------------------------------------------

_NUMBER_TEXT = re.compile(r"[+-]?(?:\d{1,8}(?:\.\d{0,24})?|\.\d{1,24})(?:[eE][+-]?\d{1,3})?")
_BOX_KEYS = ("xmin", "xmax", "ymin", "ymax")
_START_KEYS = ("sx", "sy")
PARAM_KEYS = ("f", *_BOX_KEYS, *_START_KEYS)
"""The keys :func:`to_params` writes and :func:`parse_params` reads (others are ignored)."""


def _format_number(value: float) -> str:
    """Shortest text that reads back to the same float: ``-2``, ``0.1``, ``1e-05``."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def to_params(landscape: FormulaLandscape | FormulaSpec) -> dict[str, str]:
    """The formula, view box and start as plain strings, for a share link's query."""
    (x0, x1), (y0, y1) = landscape.bounds
    params = {"f": landscape.formula}
    params.update(zip(_BOX_KEYS, map(_format_number, (x0, x1, y0, y1)), strict=True))
    if landscape.start is not None:
        params.update(zip(_START_KEYS, map(_format_number, landscape.start), strict=True))
    return params


def _param_number(params: Mapping[str, object], key: str) -> float:
    value = params[key]
    if isinstance(value, str):
        if len(value) > 32 or not _NUMBER_TEXT.fullmatch(value.strip()):
            raise FormulaError(f"share link: {key} is not a number")
        value = float(value.strip())
    return _finite_number(value, f"share link: {key}")


def parse_params(params: object) -> FormulaSpec:
    """Validate a share link's fields (hostile input) into a :class:`FormulaSpec`.

    No sympy: the formula is checked by :func:`validate`; the box and start must be
    complete (all four bounds, both coordinates) or absent (defaults).
    """
    if not isinstance(params, Mapping):
        raise FormulaError("share link: expected key=value fields")
    if "f" not in params:
        raise FormulaError("share link: no formula (f)")
    formula = params["f"]
    if not isinstance(formula, str):
        raise FormulaError("share link: the formula (f) must be one piece of text")
    formula = validate(formula)
    present = [key for key in _BOX_KEYS if key in params]
    bounds = DEFAULT_BOUNDS
    if present:
        if len(present) != len(_BOX_KEYS):
            raise FormulaError("share link: the view box needs xmin, xmax, ymin and ymax")
        x0, x1, y0, y1 = (_param_number(params, key) for key in _BOX_KEYS)
        bounds = _check_bounds(((x0, x1), (y0, y1)))
    start = None
    present = [key for key in _START_KEYS if key in params]
    if present:
        if len(present) != len(_START_KEYS):
            raise FormulaError("share link: the start needs both sx and sy")
        start = _check_start(tuple(_param_number(params, key) for key in _START_KEYS), bounds)
    return FormulaSpec(formula, bounds, start)


def from_params(params: object) -> FormulaLandscape:
    """The landscape a share link describes (see :func:`parse_params`)."""
    spec = parse_params(params)
    return build(spec.formula, spec.bounds, spec.start)

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
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from engine import formula_functions
from engine.formula_latex import to_latex, tree_size_at_most
from engine.formula_minima import default_start, find_minima
from engine.formula_program import Program, ProgramError, compile_program
from engine.landscapes import Bounds, Landscape, Point

__all__ = [
    "DEFAULT_BOUNDS",
    "FUNCTIONS",
    "LIMITS",
    "FormulaError",
    "FormulaLandscape",
    "FormulaSpec",
    "build",
    "from_params",
    "parse_params",
    "to_params",
    "validate",
]


class FormulaError(ValueError):
    """The formula (or a share link's field) is refused; ``str(error)`` says why."""


# --- what may be typed --------------------------------------------------------------

FUNCTIONS: dict[str, int | None] = {
    "abs": 1,
    "sqrt": 1,
    "exp": 1,
    "log": 1,
    "sin": 1,
    "cos": 1,
    "tan": 1,
    "tanh": 1,
    "sinh": 1,
    "cosh": 1,
    "min": None,  # two or more arguments
    "max": None,
}
"""Callable names and their number of arguments (None: two or more)."""

VARIABLES = ("x", "y")
CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}
_EXPONENTIAL = frozenset({"exp", "sinh", "cosh"})
_OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_REFUSED_OPERATORS = {
    ast.Mod: "% (remainder) is not allowed",
    ast.FloorDiv: "// (floor division) is not allowed: use / for division",
    ast.MatMult: "@ (matrix product) is not allowed",
    ast.BitXor: "^ is not a power in Python: write x**2 for x squared",
    ast.BitAnd: "& (bitwise and) is not allowed",
    ast.BitOr: "| (bitwise or) is not allowed",
    ast.LShift: "<< (bit shift) is not allowed",
    ast.RShift: ">> (bit shift) is not allowed",
}
_REFUSED_NODES = {
    ast.Attribute: "attribute access (a dot after a name) is not allowed",
    ast.Subscript: "indexing with [ ] is not allowed",
    ast.Slice: "slices are not allowed",
    ast.Starred: "starred arguments (*) are not allowed",
    ast.Lambda: "lambda functions are not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "generator expressions are not allowed",
    ast.List: "lists are not allowed: a formula is one number-valued expression",
    ast.Tuple: "tuples (a comma outside a function call) are not allowed",
    ast.Set: "sets are not allowed",
    ast.Dict: "dicts are not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.FormattedValue: "f-strings are not allowed",
    ast.NamedExpr: ":= (assignment) is not allowed",
    ast.Compare: "comparisons (<, ==, is, in, …) are not allowed: use min or max",
    ast.BoolOp: "and / or are not allowed: use min or max",
    ast.IfExp: "conditionals (a if c else b) are not allowed: use min, max or abs",
    ast.Await: "await is not allowed",
    ast.Yield: "yield is not allowed",
    ast.YieldFrom: "yield is not allowed",
}

# --- limits (each refusal names its limit) -----------------------------------------

MAX_LENGTH = 300
MAX_NODES = 150
MAX_DEPTH = 24
MAX_EXPONENT = 100
MAX_EXPONENTIAL_NESTING = 2
MAX_DERIVATIVE_SIZE = 2500
MIN_MAX_WEIGHT = 3
MAX_PROGRAM_STEPS = 600
MAX_TYPESET_SIZE = 400  # sympy nodes: beyond this a derivative is shown as "too long"
SYMBOLIC_TIME_BUDGET_S = 1.5
MAX_ABS_COORDINATE = 1e4
MIN_SPAN, MAX_SPAN = 1e-3, 1e4

LIMITS: dict[str, float] = {
    "length (characters)": MAX_LENGTH,
    "syntax-tree nodes": MAX_NODES,
    "nesting depth": MAX_DEPTH,
    "exponent size": MAX_EXPONENT,
    "nested exponentials": MAX_EXPONENTIAL_NESTING,
    "evaluation size (numpy operations per function)": MAX_PROGRAM_STEPS,
    "differentiation time budget (s)": SYMBOLIC_TIME_BUDGET_S,
}
"""Every limit, by the name its refusal message uses."""

DEFAULT_BOUNDS: Bounds = ((-2.0, 2.0), (-2.0, 2.0))

# A number run straight into letters (3x, 2pi, 0x1F): Python reads it as a bad literal
# (and warns on some), a learner means a product. Atomic group: 1e5 stays one number.
_NUMBER_THEN_LETTERS = re.compile(
    r"(?<![A-Za-z0-9_.])((?>(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?))"
    r"([A-Za-z_][A-Za-z0-9_]*)"
)
_CHARACTER_REASONS = {
    "'": "quotes: strings are not allowed",
    '"': "quotes: strings are not allowed",
    "#": "# starts a comment: comments are not allowed",
    "\\": "backslashes are not allowed",
    "\n": "the formula must be on one line",
    "\r": "the formula must be on one line",
}


def _snippet(text: str, node: ast.AST) -> str:
    segment = ast.get_source_segment(text, node) or type(node).__name__
    return segment if len(segment) <= 40 else segment[:37] + "…"


# --- step 1: the text ---------------------------------------------------------------


def _check_text(text: object) -> str:
    """Checks on the raw characters, before any parsing."""
    if not isinstance(text, str):
        raise FormulaError(f"the formula must be text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise FormulaError(
            f"the formula has {len(text)} characters: the length limit is {MAX_LENGTH}"
        )
    # Python's parser NFKC-normalises identifiers (fullwidth ｘ becomes x): look at the
    # raw characters so what is accepted is exactly what is shown.
    for position, ch in enumerate(text, start=1):
        if ch in _CHARACTER_REASONS:
            raise FormulaError(f"character {position}: {_CHARACTER_REASONS[ch]}")
        if ord(ch) > 126:
            name = unicodedata.name(ch, f"U+{ord(ch):04X}")
            raise FormulaError(
                f"character {position} is {ch!r} ({name}), not plain ASCII: type x, y, "
                "digits and operators on a plain keyboard layout"
            )
        if ord(ch) < 32 and ch != "\t":
            raise FormulaError(f"character {position} is a control character (U+{ord(ch):04X})")
    stripped = text.strip()
    if not stripped:
        raise FormulaError("the formula is empty: type a function of x and y, e.g. x**2 + y**2")
    glued = _NUMBER_THEN_LETTERS.search(stripped)
    if glued and glued.group(2) not in ("j", "J"):  # 1j: let the tree say "complex"
        number, letters = glued.groups()
        raise FormulaError(
            f"{number}{letters}: a number directly followed by letters; "
            f"write {number}*{letters} for a product"
        )
    depth = deepest = 0
    for ch in stripped:
        depth += (ch == "(") - (ch == ")")
        deepest = max(deepest, depth)
    if deepest > MAX_DEPTH:
        raise FormulaError(
            f"parentheses nest {deepest} deep: the nesting depth limit is {MAX_DEPTH}"
        )
    return stripped


# --- step 2: the syntax tree against the allow-list -------------------------------


def _parse(text: str) -> ast.expr:
    try:
        # Parse only: ast.parse compiles to a syntax tree (PyCF_ONLY_AST), runs nothing.
        tree = ast.parse(text, mode="eval")
    except SyntaxError as error:
        where = f" at character {error.offset}" if error.offset else ""
        raise FormulaError(f"syntax error{where}: {error.msg}") from None
    except (ValueError, MemoryError, RecursionError) as error:
        raise FormulaError(f"the formula cannot be parsed: {error}") from None
    return tree.body


def _refuse_name(name: str) -> str:
    if name.startswith("__") or name.endswith("__"):
        return "names with double underscores are not allowed"
    if name in FUNCTIONS:
        return f"{name} is a function: call it, e.g. {name}(x)"
    if name.lower() in ("nan", "inf", "infinity"):
        return "nan and inf are not numbers you can use here"
    if name in ("X", "Y"):
        return "the variables are lower-case x and y"
    return "unknown name: the variables are x and y, the constants pi and e"


def _refuse_node(node: ast.AST, text: str) -> str | None:
    """Why ``node`` is not allowed (None if it is)."""
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, bool) or value is None or value is Ellipsis:
            return f"{value!r} is not a number"
        if isinstance(value, complex):
            return "complex numbers are not allowed"
        if isinstance(value, str | bytes):
            return "strings are not allowed"
        if not isinstance(value, int | float):
            return "only numbers are allowed"
        if isinstance(value, int) and abs(value) > 1e300:
            return "the number is too large"
        if isinstance(value, float) and not math.isfinite(value):
            return "the number is too large (not finite)"
        return None
    if isinstance(node, ast.Name):
        if node.id in VARIABLES or node.id in CONSTANTS:
            return None
        return _refuse_name(node.id)
    if isinstance(node, ast.BinOp):
        if type(node.op) in _OPERATORS:
            return None
        return _REFUSED_OPERATORS.get(type(node.op), "this operator is not allowed")
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.USub | ast.UAdd):
            return None
        if isinstance(node.op, ast.Not):
            return "not is not allowed"
        return "~ (bitwise not) is not allowed"
    if isinstance(node, ast.Call):
        return _refuse_call(node)
    if isinstance(node, ast.keyword):
        return "keyword arguments (name=value) are not allowed"
    return _REFUSED_NODES.get(type(node), f"{type(node).__name__} is not allowed in a formula")


def _refuse_call(node: ast.Call) -> str | None:
    if not isinstance(node.func, ast.Name):
        allowed = ", ".join(FUNCTIONS)
        return f"only these functions can be called, by name: {allowed}"
    name = node.func.id
    if name in VARIABLES or name in CONSTANTS:
        return f"{name} is not a function: write {name}*(…) for a product"
    if name not in FUNCTIONS:
        if name.startswith("__") or name.endswith("__"):
            return "names with double underscores are not allowed"
        return f"{name} is not an allowed function; allowed: {', '.join(FUNCTIONS)}"
    if node.keywords:
        return "keyword arguments (name=value) are not allowed"
    if any(isinstance(arg, ast.Starred) for arg in node.args):
        return "starred arguments (*) are not allowed"
    arity = FUNCTIONS[name]
    if arity is None and len(node.args) < 2:
        return f"{name} takes two or more arguments, got {len(node.args)}"
    if arity is not None and len(node.args) != arity:
        return f"{name} takes exactly {arity} argument, got {len(node.args)}"
    return None


def _children(node: ast.AST) -> list[ast.AST]:
    """Sub-nodes worth checking (operator and context markers carry nothing)."""
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Call):
        return [*node.args, *node.keywords]  # func is a Name, checked by _refuse_call
    return []


def _check_tree(node: ast.expr, text: str) -> tuple[int, int]:
    """Walk the tree (pre-order, no recursion): refuse the first disallowed node.

    Returns the node count and the depth.
    """
    count = deepest = 0
    stack: list[tuple[ast.AST, int]] = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        reason = _refuse_node(current, text)
        if reason is not None:
            raise FormulaError(f"{_snippet(text, current)}: {reason}")
        count += 1
        deepest = max(deepest, depth)
        if count > MAX_NODES:
            raise FormulaError(
                f"the formula has more than {MAX_NODES} parts: the syntax-tree node limit "
                f"is {MAX_NODES}"
            )
        if depth > MAX_DEPTH:
            raise FormulaError(
                f"{_snippet(text, current)}: the formula nests deeper than the nesting depth "
                f"limit of {MAX_DEPTH}"
            )
        for child in reversed(_children(current)):
            # A chain a + b - c + … or a * b / c is one level, however long.
            chained = _chain_family(current) is not None and _chain_family(child) == _chain_family(
                current
            )
            stack.append((child, depth if chained else depth + 1))
    return count, deepest


def _chain_family(node: ast.AST) -> str | None:
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Add | ast.Sub):
            return "sum"
        if isinstance(node.op, ast.Mult | ast.Div):
            return "product"
    return None


# --- step 3: constants, powers and exponentials (a recursive pass: depth ≤ MAX_DEPTH) -


def _depends_on_variables(node: ast.AST) -> bool:
    return any(isinstance(n, ast.Name) and n.id in VARIABLES for n in ast.walk(node))


_MATH = {
    "abs": abs,
    "sqrt": math.sqrt,
    "exp": math.exp,
    "log": math.log,
    "sin": math.sin,
    "cos": math.cos,
    "tan": math.tan,
    "tanh": math.tanh,
    "sinh": math.sinh,
    "cosh": math.cosh,
}


class _Analysis:
    """Folds constant parts to floats and enforces the exponent and exponential limits.

    ``values`` maps the id of every constant node to its float value: the sympy stage
    keeps a constant exact only when it stays a modest number.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.values: dict[int, float] = {}

    def refuse(self, node: ast.AST, reason: str) -> FormulaError:
        return FormulaError(f"{_snippet(self.text, node)}: {reason}")

    def visit(self, node: ast.AST, scale: float = 1.0, exponentials: int = 0) -> float | None:
        """Constant value of ``node`` (None if it depends on x or y).

        ``scale`` is the product of the constant exponents ``node`` sits under
        (``(x**50)**50`` is x to the 2500); ``exponentials`` counts the enclosing exp,
        sinh, cosh and variable-exponent powers.
        """
        value = self.value(node, scale, exponentials)
        if value is not None:
            if not math.isfinite(value):
                raise self.refuse(node, "the value is too large (not finite)")
            self.values[id(node)] = value
        return value

    def value(self, node: ast.AST, scale: float, exponentials: int) -> float | None:
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return CONSTANTS.get(node.id)
        if isinstance(node, ast.UnaryOp):
            inner = self.visit(node.operand, scale, exponentials)
            return None if inner is None else (-inner if isinstance(node.op, ast.USub) else inner)
        if isinstance(node, ast.Call):
            return self.call(node, scale, exponentials)
        assert isinstance(node, ast.BinOp)
        if isinstance(node.op, ast.Pow):
            return self.power(node, scale, exponentials)
        left = self.visit(node.left, scale, exponentials)
        right = self.visit(node.right, scale, exponentials)
        if left is None or right is None:
            return None
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        if right == 0:
            raise self.refuse(node, "division by zero")
        return left / right

    def power(self, node: ast.BinOp, scale: float, exponentials: int) -> float | None:
        if _depends_on_variables(node.right):  # 2**x, x**y: an exponential in disguise
            if exponentials + 1 > MAX_EXPONENTIAL_NESTING:
                raise self.refuse(node, self.exponential_limit())
            self.visit(node.right, 1.0, exponentials + 1)
            self.visit(node.left, scale, exponentials + 1)
            return None
        exponent = self.visit(node.right, 1.0, exponentials)
        assert exponent is not None
        if abs(exponent) > MAX_EXPONENT:
            raise self.refuse(
                node, f"the exponent {exponent:g} is over the exponent size limit {MAX_EXPONENT}"
            )
        if abs(exponent) * scale > MAX_EXPONENT:
            raise self.refuse(
                node,
                f"powers of powers reach the exponent {abs(exponent) * scale:g}, over the "
                f"exponent size limit {MAX_EXPONENT}",
            )
        base = self.visit(node.left, scale * max(abs(exponent), 1.0), exponentials)
        if base is None:
            return None
        if base == 0 and exponent < 0:
            raise self.refuse(node, "0 to a negative power is a division by zero")
        if base < 0 and exponent != int(exponent):
            raise self.refuse(node, "a negative number to a fractional power is not real")
        try:
            return math.pow(base, exponent)
        except (OverflowError, ValueError):
            raise self.refuse(node, "the value is too large (not finite)") from None

    def call(self, node: ast.Call, scale: float, exponentials: int) -> float | None:
        name = node.func.id  # type: ignore[attr-defined]  # checked: a Name
        if name in _EXPONENTIAL:
            if exponentials + 1 > MAX_EXPONENTIAL_NESTING and _depends_on_variables(node):
                raise self.refuse(node, self.exponential_limit())
            exponentials += 1
        args = [self.visit(arg, scale, exponentials) for arg in node.args]
        if any(a is None for a in args):
            return None
        if name in ("min", "max"):
            return (min if name == "min" else max)(args)
        (a,) = args
        if name == "sqrt" and a < 0:
            raise self.refuse(node, "the square root of a negative number is not real")
        if name == "log" and a <= 0:
            reason = "log(0) is minus infinity" if a == 0 else "log of a negative number"
            raise self.refuse(node, f"{reason}: not a real number")
        try:
            return float(_MATH[name](a))
        except (OverflowError, ValueError):
            raise self.refuse(node, "the value is too large (not finite)") from None

    @staticmethod
    def exponential_limit() -> str:
        return (
            "exponentials (exp, sinh, cosh, a power with x or y in the exponent) nest more "
            f"than {MAX_EXPONENTIAL_NESTING} deep: the nested-exponentials limit (they "
            "overflow for any x past a few units)"
        )


def _derivative_sizes(node: ast.AST, values: dict[int, float]) -> tuple[int, int, int]:
    """Sizes of ``node``, its first and its second derivative, as trees, estimated.

    The product, quotient and chain rules copy subtrees, so a product of k factors has
    a k²-term second derivative; sympy's time to build it grows faster still. This is
    the work a naive differentiator would do, computed from the syntax tree in one pass
    (no sympy), so an expensive formula is refused before sympy starts.
    """
    if id(node) in values:
        return 1, 0, 0
    if isinstance(node, ast.Name):
        return 1, 1, 0
    if isinstance(node, ast.UnaryOp):
        s, d, e = _derivative_sizes(node.operand, values)
        return s + 1, d + 1, e + 1
    if isinstance(node, ast.Call):
        parts = [_derivative_sizes(arg, values) for arg in node.args]
        s = sum(p[0] for p in parts) + 1
        if len(parts) == 1:  # f(u)' = f'(u) u',  f(u)'' = f''(u) u'² + f'(u) u''
            (su, du, eu) = parts[0]
            return s, 2 * su + du + 2, 3 * su + 2 * du + eu + 4
        # min/max: a Heaviside of every difference, per argument; sympy also compares
        # the arguments to simplify, so nested min/max weigh MIN_MAX_WEIGHT times more.
        k = len(parts)
        d = MIN_MAX_WEIGHT * (sum(p[1] for p in parts) + k * s)
        return s, d, MIN_MAX_WEIGHT * (sum(p[2] for p in parts) + k * s) + k * d
    assert isinstance(node, ast.BinOp)
    sa, da, ea = _derivative_sizes(node.left, values)
    sb, db, eb = _derivative_sizes(node.right, values)
    s = sa + sb + 1
    if isinstance(node.op, ast.Add | ast.Sub):
        return s, da + db + 1, ea + eb + 1
    if isinstance(node.op, ast.Mult):  # (uv)'' = u''v + 2u'v' + uv''
        d = (da + sb if da else 0) + (sa + db if db else 0) + 1
        return s, d, ea + sb + 2 * (da + db) + sa + eb + 3
    if isinstance(node.op, ast.Div):  # (u'v - uv') / v², and its derivative
        return s, da + sa + db + 2 * sb + 4, ea + eb + 3 * (da + db) + 6 * (sa + sb) + 8
    if not db:  # u**p: p u**(p-1) u'
        return s, sa + da + 3, 2 * sa + 2 * da + ea + 5
    # u**v: u**v (v' log u + v u'/u)
    return s, 3 * sa + 2 * sb + da + db + 5, 6 * (sa + sb) + 3 * (da + db) + ea + eb + 10


@dataclass(frozen=True)
class _Checked:
    text: str
    tree: ast.expr
    values: dict[int, float]
    key: str  # the tree's canonical dump: one cache entry per formula, whatever its spacing


def _check(text: object) -> _Checked:
    stripped = _check_text(text)
    tree = _parse(stripped)
    _check_tree(tree, stripped)
    analysis = _Analysis(stripped)
    if analysis.visit(tree) is not None or not _depends_on_variables(tree):
        raise FormulaError(
            "the function does not depend on x or y (a constant): it has no gradient to follow"
        )
    second = _derivative_sizes(tree, analysis.values)[2]
    if second > MAX_DERIVATIVE_SIZE:
        raise FormulaError(
            f"its second derivatives would have about {second} parts, over the derivative "
            f"size limit of {MAX_DERIVATIVE_SIZE}: use fewer factors or less nesting"
        )
    return _Checked(stripped, tree, analysis.values, ast.dump(tree))


def validate(text: object) -> str:
    """Check ``text`` without building it (no sympy): return it stripped, or raise.

    Everything but the sympy stage's checks (a function that only simplifies to a
    constant, like ``x - x``, and the size and time of its derivatives) is caught here.
    """
    return _check(text).text


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
    """Cooperative time budget, checked between stages: no thread, no signal."""
    elapsed = time.perf_counter() - started
    if elapsed > SYMBOLIC_TIME_BUDGET_S:
        raise FormulaError(
            f"{stage} took {elapsed:.1f} s, over the differentiation time budget of "
            f"{SYMBOLIC_TIME_BUDGET_S:g} s: simplify the formula"
        )


def _typeset(expr: Any, x: Any, y: Any) -> str | None:
    """LaTeX of ``expr``, or None when it is too long to read (and to typeset quickly)."""
    if not tree_size_at_most(expr, MAX_TYPESET_SIZE):
        return None
    try:
        return to_latex(expr, x, y)
    except RecursionError:
        return None


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
    checked = _check(text)
    sp = _sympy()
    x, y = sp.Symbol("x", real=True), sp.Symbol("y", real=True)
    started = time.perf_counter()
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
            latex=_typeset(f, x, y) or text,
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
    except Exception as error:  # noqa: BLE001 — sympy's own refusals (e.g. Max of I): say so
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
    expressions, without ``∂L/∂x =``), every local minimum found, and a flag that the
    minima are approximate (found numerically). Unlike the built-ins, the minimum loss
    is not shifted to 0: the formula is drawn as typed.
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
    stripped = _check_text(text)
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

_NUMBER_TEXT = re.compile(r"[+-]?(?:\d{1,8}(?:\.\d{0,17})?|\.\d{1,17})(?:[eE][+-]?\d{1,3})?")
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

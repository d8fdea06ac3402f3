"""What a learner may type as a formula, checked without running or importing anything.

The text is checked character by character, parsed by :mod:`ast` (parsing only), and
every node of the tree is compared with an allow-list; constant parts are folded to
floats with :mod:`math` so that ``9**9**9``, ``exp(1000)`` or ``log(0)`` are refused
before anything is built; the size of the second derivatives is estimated from the
tree so that sympy never starts on a formula that would keep it busy for seconds.
Every refusal is a :class:`FormulaError` whose message says why and, for a limit,
names it (see :data:`LIMITS`). :mod:`engine.formula` builds what passes.
"""

from __future__ import annotations

import ast
import math
import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "CONSTANTS",
    "FUNCTIONS",
    "LIMITS",
    "VARIABLES",
    "Checked",
    "FormulaError",
    "check",
    "check_text",
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
# Estimated second-derivative size (see _derivative_sizes): calibrated so that the
# costliest accepted formulas (products of ~8 factors) take sympy about 0.4 s of CPU,
# while the standard test functions (Goldstein–Price 952, cross-in-tray 1957) pass.
MAX_DERIVATIVE_SIZE = 2500
MIN_MAX_WEIGHT = 3
# numpy calls per compiled function: 3 × 600 on a 200×200 grid is about 0.15 s.
MAX_PROGRAM_STEPS = 600
MAX_TYPESET_SIZE = 400  # sympy nodes: beyond this a derivative is shown as "too long"
# The thread's CPU time, checked between the sympy stages (cooperatively: no thread,
# no signal); the limits above keep accepted formulas far below it (the costliest seen
# in fuzzing, about 0.5 s), so it is a backstop.
SYMBOLIC_TIME_BUDGET_S = 1.5
MAX_ABS_COORDINATE = 1e4
MIN_SPAN, MAX_SPAN = 1e-3, 1e4

LIMITS: dict[str, float] = {
    "length limit": MAX_LENGTH,
    "syntax-tree node limit": MAX_NODES,
    "nesting depth limit": MAX_DEPTH,
    "exponent size limit": MAX_EXPONENT,
    "nested-exponentials limit": MAX_EXPONENTIAL_NESTING,
    "derivative size limit": MAX_DERIVATIVE_SIZE,
    "evaluation-size limit": MAX_PROGRAM_STEPS,
    "differentiation time budget": SYMBOLIC_TIME_BUDGET_S,
}
"""Every limit on a formula, by the words its refusal message uses."""


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


def check_text(text: object) -> str:
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
        if number == "0" and letters[0] in "xXoObB":
            raise FormulaError(
                f"{number}{letters}: hexadecimal, octal and binary numbers are not allowed"
            )
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


def _refuse_node(node: ast.AST) -> str | None:
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
        reason = _refuse_node(current)
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


def _readable(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.6g}"


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
                node,
                f"the exponent {_readable(exponent)} is over the exponent size limit "
                f"{MAX_EXPONENT}",
            )
        if abs(exponent) * scale > MAX_EXPONENT:
            raise self.refuse(
                node,
                f"powers of powers reach the exponent {_readable(abs(exponent) * scale)}, "
                f"over the exponent size limit {MAX_EXPONENT}",
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
class Checked:
    text: str
    tree: ast.expr
    values: dict[int, float]
    key: str  # the tree's canonical dump: one cache entry per formula, whatever its spacing


def check(text: object) -> Checked:
    stripped = check_text(text)
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
    return Checked(stripped, tree, analysis.values, ast.dump(tree))

"""Hostile and broken formulas: each refused with a message that says why, nothing evaluated.

The corpus goes through :func:`engine.formula.build`, :func:`engine.formula.validate` (no
sympy) and a share link (:func:`engine.formula.from_params`). Timing is measured by
``benchmarks/formula.py``, not here; the tests check what decides the time: that the
refusal happens before sympy is imported, and that nothing is ever evaluated.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from engine import formula

ROOT = Path(__file__).resolve().parents[2]

# (formula, what the message must say): refused by the checks before sympy.
BEFORE_SYMPY: list[tuple[object, str]] = [
    # attribute access and dunders
    ("().__class__", "attribute access"),
    ("x.__class__", "attribute access"),
    ("x.__class__.__mro__", "attribute access"),
    ("().__class__.__bases__[0].__subclasses__()", "only these functions can be called"),
    ("(1).real", "attribute access"),
    ("1 .real * x", "attribute access"),
    ("x.__globals__", "attribute access"),
    ("sin.__call__(x)", "only these functions can be called"),
    ("__builtins__", "double underscores"),
    ("__import__(os)", "double underscores"),
    ("__import__('os')", "strings are not allowed"),
    # imports and statements
    ("import os", "syntax error"),
    ("from os import system", "syntax error"),
    ("x = 1", "syntax error"),
    ("x; y", "syntax error"),
    ("def f(): pass", "syntax error"),
    # calls to anything not allowed
    ("open(x)", "open is not an allowed function"),
    ("eval(x)", "eval is not an allowed function"),
    ("exec(x)", "exec is not an allowed function"),
    ("getattr(x, y)", "getattr is not an allowed function"),
    ("globals()", "globals is not an allowed function"),
    ("breakpoint()", "breakpoint is not an allowed function"),
    ("sum(x for x in y)", "sum is not an allowed function"),
    ("x(2)", "x is not a function"),
    ("pi(1)", "pi is not a function"),
    ("sin()", "sin takes exactly 1 argument"),
    ("sin(x, y)", "sin takes exactly 1 argument"),
    ("log(x, 2)", "log takes exactly 1 argument"),
    ("max(x)", "max takes two or more arguments"),
    ("sin", "sin is a function"),
    # lambdas, comprehensions, starred and keyword arguments
    ("lambda: 1", "lambda functions are not allowed"),
    ("(lambda x: x)(1)", "only these functions can be called"),
    ("[x for x in y]", "comprehensions are not allowed"),
    ("{x for x in y}", "comprehensions are not allowed"),
    ("{x: 1 for x in y}", "comprehensions are not allowed"),
    ("(x for x in y)", "generator expressions are not allowed"),
    ("max(*[x, y])", "starred arguments"),
    ("sin(*x)", "starred arguments"),
    ("sin(x=1)", "keyword arguments"),
    ("max(x, y, key=abs)", "keyword arguments"),
    # strings, bytes, f-strings, walrus, subscripts, slices
    ("'x'", "strings are not allowed"),
    ("b'x'", "strings are not allowed"),
    ("f'{x}'", "strings are not allowed"),
    ("(y := 2)", ":= \\(assignment\\) is not allowed"),
    ("x[0]", "indexing with \\[ \\] is not allowed"),
    ("x[1:2]", "indexing with \\[ \\] is not allowed"),
    ("x[::2]", "indexing with \\[ \\] is not allowed"),
    # containers, comparisons, boolean operators, conditionals, other operators
    ("[x, y]", "lists are not allowed"),
    ("x, y", "tuples"),
    ("{}", "dicts are not allowed"),
    ("{x}", "sets are not allowed"),
    ("x < y", "comparisons"),
    ("x is y", "comparisons"),
    ("x in y", "comparisons"),
    ("x and y", "and / or are not allowed"),
    ("not x", "not is not allowed"),
    ("x if y else 1", "conditionals"),
    ("~x", "bitwise not"),
    ("x % 2", "remainder"),
    ("x // 2", "floor division"),
    ("x @ y", "matrix product"),
    ("x ^ 2", "write x\\*\\*2"),
    ("x & y", "bitwise and"),
    ("x << 2", "bit shift"),
    ("(yield x)", "yield is not allowed"),
    ("await x", "await is not allowed"),
    # huge powers and factorial-like blow-ups
    ("9**9**9", "exponent 387420489 is over the exponent size limit"),
    ("x**100000", "exponent size limit"),
    ("(x**50)**50", "powers of powers reach the exponent 2500"),
    ("2**1000 * x", "exponent size limit"),
    ("x**-101", "exponent size limit"),
    ("exp(exp(exp(exp(x))))", "nested-exponentials limit"),
    ("x**x**x**x", "nested-exponentials limit"),
    ("cosh(sinh(exp(y)))", "nested-exponentials limit"),
    ("exp(1000) * x", "too large"),
    ("99**99**2 * x", "exponent 9801 is over"),
    ("*".join(f"sin(x+{i}*y)" for i in range(1, 12)), "derivative size limit"),
    ("*".join(f"(x-{i}*y)**{i % 5 + 2}" for i in range(12)), "derivative size limit"),
    # deep nesting and long input
    ("(" * 200 + "x" + ")" * 200, "length limit"),
    ("(" * 30 + "x" + ")" * 30, "nesting depth limit"),
    ("-" * 100 + "x", "nesting depth limit"),
    ("sin(" * 30 + "x" + ")" * 30, "nesting depth limit"),
    ("x+" * 5000 + "x", "length limit"),
    ("x" * 10_000, "length limit"),
    ("+".join(["x*y"] * 60), "syntax-tree node limit"),
    # unicode look-alikes of x (Python's parser would NFKC-normalise some to x)
    ("х", "CYRILLIC SMALL LETTER HA"),
    ("ｘ**2", "FULLWIDTH LATIN SMALL LETTER X"),
    ("ⅹ", "SMALL ROMAN NUMERAL TEN"),
    ("𝑥 + y", "MATHEMATICAL ITALIC SMALL X"),
    ("x²", "SUPERSCRIPT TWO"),
    ("x − y", "MINUS SIGN"),
    ("x × y", "MULTIPLICATION SIGN"),
    ("\u200bx", "ZERO WIDTH SPACE"),
    ("x\x00", "control character"),
    ("x\x1b[2J", "control character"),
    # empty, whitespace, constants
    ("", "empty"),
    ("   ", "empty"),
    ("\t", "empty"),
    ("3", "does not depend on x or y"),
    ("pi * e", "does not depend on x or y"),
    ("sin(2) + 1", "does not depend on x or y"),
    # syntax errors and typing slips
    ("x +", "syntax error"),
    ("(x", "syntax error"),
    ("x)", "syntax error"),
    ("3x", "write 3\\*x"),
    ("2pi", "write 2\\*pi"),
    ("1e5x", "write 1e5\\*x"),
    ("0x1F", "hexadecimal"),
    ("x # comment", "comments are not allowed"),
    ("x \\\n+ 1", "backslashes are not allowed"),
    ("x\n+ 1", "on one line"),
    ("X**2", "lower-case x and y"),
    ("z", "unknown name"),
    # numbers that are not finite reals
    ("1j", "complex numbers are not allowed"),
    ("x + 2j", "complex numbers are not allowed"),
    ("nan", "nan and inf"),
    ("inf * x", "nan and inf"),
    ("1e309", "not finite"),
    ("1e309 * x", "not finite"),
    ("1" + "0" * 301 + "*x", "length limit"),
    ("1e308 * 10 * x", "too large"),
    ("True * x", "True is not a number"),
    ("None", "None is not a number"),
    ("...", "Ellipsis is not a number"),
    ("sqrt(-1) * x", "square root of a negative number"),
    ("log(0) * x", "log\\(0\\) is minus infinity"),
    ("log(-1) + x", "log of a negative number"),
    ("1/0 + x", "division by zero"),
    ("0**-1 + x", "division by zero"),
    ("(-8)**(1/3) * x", "negative number to a fractional power"),
    # not text at all
    (None, "must be text"),
    (3, "must be text"),
    (b"x", "must be text"),
    (["x"], "must be text"),
]

# Refused only once sympy has seen them (still with a reason).
AFTER_SYMPY: list[tuple[str, str]] = [
    ("x - x", "simplifies to a constant"),
    ("0 * x + 1", "simplifies to a constant"),
    ("1/(x - x)", "simplifies to a constant"),
    ("sqrt(-x**2 - 1)", "complex-valued"),
    ("log(-x**2 - 1)", "not a finite real number anywhere in the view box"),
]

CORPUS = BEFORE_SYMPY + AFTER_SYMPY


def test_the_corpus_is_large_and_varied():
    assert len(CORPUS) >= 60
    assert len({repr(text) for text, _ in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize(("text", "reason"), CORPUS, ids=[repr(t)[:40] for t, _ in CORPUS])
def test_refused_with_a_message_that_says_why(text, reason):
    with pytest.raises(formula.FormulaError, match=reason):
        formula.build(text)


@pytest.mark.parametrize(
    ("text", "reason"), BEFORE_SYMPY, ids=[repr(t)[:40] for t, _ in BEFORE_SYMPY]
)
def test_refused_by_the_checks_that_need_no_sympy(text, reason):
    with pytest.raises(formula.FormulaError, match=reason):
        formula.validate(text)


@pytest.mark.parametrize(("text", "reason"), CORPUS, ids=[repr(t)[:40] for t, _ in CORPUS])
def test_the_same_corpus_through_a_share_link(text, reason):
    link = {"f": text, "xmin": "-2", "xmax": "2", "ymin": "-2", "ymax": "2"}
    expected = reason if isinstance(text, str) else "must be one piece of text"
    with pytest.raises(formula.FormulaError, match=expected):
        formula.from_params(link)


def test_refusals_before_sympy_never_import_it():
    """The corpus's refusals cost no sympy import (the slow part of a first formula)."""
    texts = [text for text, _ in BEFORE_SYMPY if isinstance(text, str)]
    script = (
        "import json, sys\n"
        "from engine import formula\n"
        "for text in json.loads(sys.stdin.read()):\n"
        "    try:\n"
        "        formula.validate(text)\n"
        "    except formula.FormulaError:\n"
        "        continue\n"
        "    raise SystemExit('accepted: ' + repr(text))\n"
        "print('sympy' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
    )
    assert done.stdout.strip() == "False"


# --- nothing is evaluated -------------------------------------------------------------

ACCEPTED = [
    "(1 - x)**2 + 100*(y - x**2)**2",
    "sin(3*x)*cos(3*y) + 0.1*(x**2 + y**2)",
    "x**2",
    "max(abs(x), abs(y))",
    "log(x**2 + y**2 + 1)",
    "e**(-x**2) + tanh(y) * sqrt(x**2 + 1) + min(x, y, 1) / (2 + cosh(x))",
]


class ForbiddenCall(BaseException):
    """Not an Exception: no ``except Exception`` on the way can swallow it."""


def test_the_learner_text_never_reaches_eval_exec_compile_or_sympy_parsers(monkeypatch):
    """With eval, exec, compile (except ast.parse's parse-only mode), parse_expr and
    lambdify made to fail, and sympify to fail on any text (sympy's core calls it on its
    own objects, strictly), the corpus is still refused and the accepted formulas still
    built, differentiated, compiled and evaluated."""
    import sympy

    # The modules themselves: sympy.core.sympify as an attribute is the function.
    sympify_module = importlib.import_module("sympy.core.sympify")
    parser_module = importlib.import_module("sympy.parsing.sympy_parser")
    lambdify_module = importlib.import_module("sympy.utilities.lambdify")

    def forbidden(name):
        def fail(*args, **kwargs):
            raise ForbiddenCall(f"{name} was called")

        return fail

    real_sympify = sympify_module.sympify

    def sympify_without_text(a, *args, **kwargs):
        if isinstance(a, str | bytes):
            raise ForbiddenCall(f"sympify was given text: {a!r}")
        return real_sympify(a, *args, **kwargs)

    real_compile = builtins.compile

    def parse_only_compile(source, filename, mode, flags=0, *args, **kwargs):
        if not flags & ast.PyCF_ONLY_AST:
            raise ForbiddenCall("compile was called beyond parsing")
        return real_compile(source, filename, mode, flags, *args, **kwargs)

    monkeypatch.setattr(builtins, "eval", forbidden("eval"))
    monkeypatch.setattr(builtins, "exec", forbidden("exec"))
    monkeypatch.setattr(builtins, "compile", parse_only_compile)
    for module in (sympy, sympify_module):
        monkeypatch.setattr(module, "sympify", sympify_without_text)
    for module in (sympy, parser_module):
        monkeypatch.setattr(module, "parse_expr", forbidden("parse_expr"))
    for module in (sympy, lambdify_module):
        monkeypatch.setattr(module, "lambdify", forbidden("lambdify"))
    formula._symbolic.cache_clear()  # build for real under the patches
    sympy.core.cache.clear_cache()  # and let sympy build its objects again too
    for text, reason in CORPUS:
        with pytest.raises(formula.FormulaError, match=reason):
            formula.build(text)
    for text in ACCEPTED:
        land = formula.build(text + " + 0.5")  # new text: no cached result
        assert land.grad(land.start).shape == (2,)
    formula._symbolic.cache_clear()


FORMULA_MODULES = sorted((ROOT / "engine").glob("formula*.py"))
NEVER_CALLED = {"eval", "exec", "compile", "sympify", "parse_expr", "lambdify", "__import__"}


@pytest.mark.parametrize("path", FORMULA_MODULES, ids=lambda p: p.name)
def test_the_formula_modules_call_no_evaluator(path):
    """No call to an evaluator anywhere in the source (``ast.parse`` is the one parse)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    called = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                called.add(func.id)
            elif isinstance(func, ast.Attribute):
                owner = func.value.id if isinstance(func.value, ast.Name) else "?"
                if (owner, func.attr) != ("re", "compile"):  # a regular expression
                    called.add(func.attr)
    assert not called & NEVER_CALLED

"""Every cache is bounded, so a class of learners cannot grow the server's memory forever.

A Streamlit cache (``st.cache_data`` / ``st.cache_resource``) must name ``max_entries``;
a ``functools`` cache must name a finite ``maxsize`` (``functools.cache`` has none).
The check reads the source, so a new unbounded cache anywhere fails here by file and line.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted(
    p
    for folder in ("app.py", "chapters", "kit", "core", "engine")
    for p in ([ROOT / folder] if folder.endswith(".py") else (ROOT / folder).rglob("*.py"))
)


def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    return ""


def unbounded_caches(source: str) -> list[tuple[int, str]]:
    """(line, name) of every cache in ``source`` that sets no bound."""
    found = []
    tree = ast.parse(source)
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    for node in ast.walk(tree):
        if id(node) in called:  # `st.cache_data` inside `st.cache_data(...)`: judged as the call
            continue
        # A bare decorator (`@st.cache_data`, `@functools.cache`) is a Name/Attribute, not a Call.
        target, keywords = (node.func, node.keywords) if isinstance(node, ast.Call) else (node, [])
        name = _dotted(target)
        given = {k.arg: k.value for k in keywords}
        if name.endswith(("cache_data", "cache_resource")) and name.startswith("st."):
            if isinstance(node, ast.Call | ast.Attribute) and "max_entries" not in given:
                found.append((node.lineno, name))
        elif name in ("functools.cache", "cache"):
            if isinstance(node, ast.Attribute) or (isinstance(node, ast.Call) and name != "cache"):
                found.append((node.lineno, name))
        elif name in ("functools.lru_cache", "lru_cache") and isinstance(node, ast.Call):
            bound = given.get("maxsize", node.args[0] if node.args else None)
            if bound is None or (isinstance(bound, ast.Constant) and bound.value is None):
                found.append((node.lineno, name))
    return found


def test_the_check_finds_unbounded_caches() -> None:
    source = (
        "import functools\nimport streamlit as st\n"
        "@st.cache_data\ndef a(): ...\n"
        "@st.cache_data(show_spinner=False)\ndef b(): ...\n"
        "c = st.cache_resource(lambda: 1)\n"
        "@functools.lru_cache(maxsize=None)\ndef d(): ...\n"
        "@functools.lru_cache()\ndef e(): ...\n"
        "@functools.cache\ndef f(): ...\n"
        "@st.cache_data(max_entries=8)\ndef ok1(): ...\n"
        "@functools.lru_cache(maxsize=4)\ndef ok2(): ...\n"
    )
    assert [line for line, _ in unbounded_caches(source)] == [3, 5, 7, 8, 10, 12]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_cache_is_bounded(path: Path) -> None:
    found = unbounded_caches(path.read_text(encoding="utf-8"))
    assert not found, f"{path.relative_to(ROOT)}: unbounded cache(s) at " + ", ".join(
        f"line {line} ({name})" for line, name in found
    )

"""“From scratch” code panels: show the project's own code and run it for real.

The printed output under a snippet is what executing that very snippet prints, so
code and result cannot drift apart. A snippet runs once per server process (its output
is remembered by its source text): the project's snippets are deterministic, and
re-running them on every rerun cost up to 20 ms a page.
"""

from __future__ import annotations

import contextlib
import io
from typing import Any

import streamlit as st


def run_snippet(source: str, namespace: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
    """Execute ``source`` (trusted project code) and return (printed text, its namespace).

    An exception is reported as the last line of the output instead of propagating,
    so a page never shows a traceback.
    """
    ns: dict[str, Any] = {"__name__": "__snippet__", **(namespace or {})}
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        try:
            exec(compile(source, "<snippet>", "exec"), ns)  # noqa: S102 - our own snippet
        except Exception as exc:  # shown, not raised: see docstring
            print(f"[error] {type(exc).__name__}: {exc}")
    return buffer.getvalue(), ns


_RUNS: dict[str, tuple[str, dict[str, Any]]] = {}
_MAX_RUNS = 128


def run_snippet_once(source: str) -> tuple[str, dict[str, Any]]:
    """:func:`run_snippet`, remembered by source text (treat the namespace as read-only)."""
    if source not in _RUNS:
        if len(_RUNS) >= _MAX_RUNS:
            _RUNS.pop(next(iter(_RUNS)))
        _RUNS[source] = run_snippet(source)
    return _RUNS[source]


def code_panel(
    source: str,
    *,
    title: str = "From scratch",
    caption: str | None = None,
    expanded: bool = True,
) -> dict[str, Any]:
    """Show ``source`` and, below it, what running it prints. Returns its namespace."""
    output, ns = run_snippet_once(source)
    with st.expander(title, expanded=expanded, icon=":material/code:"):
        if caption:
            st.caption(caption)
        st.code(source.strip("\n"), language="python")
        st.markdown("**Output** (produced by running the code above)")
        st.code(output.rstrip("\n") or "(nothing printed)", language="text")
    return ns

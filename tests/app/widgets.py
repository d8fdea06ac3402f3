"""Helpers for driving Streamlit widgets from AppTest (tests and benchmarks share them)."""

from __future__ import annotations


def option_value(w, label: str):
    """A select slider's option value from its shown label (AppTest keeps only the labels)."""
    candidates = [label]
    for parse in (int, float):
        try:
            candidates.append(parse(label.replace("−", "-")))
        except ValueError:
            pass
    for value in candidates:
        try:
            if w.format_func(value) == label:
                return value
        except Exception:  # the page's format_func may accept only its own type
            continue
    return None

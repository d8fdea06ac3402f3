"""Robustness sweep: every page, widgets set at random (extremes included), many reruns.

No rerun may raise, and no number on screen may read NaN or inf. The widget values
are drawn from a seeded generator, so a failure names a reproducible sequence.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core.toc import CHAPTERS, PROGRESS_PAGE
from tests.apptest import open_chapter, option_value

PAGES = [ch.file for ch in CHAPTERS] + [PROGRESS_PAGE["file"]]
RERUNS_PER_PAGE = 20  # 11 pages × 20 = 220 reruns in all
NOT_A_NUMBER = re.compile(
    r"(?<![\w\\])(nan|-?inf)(?!\w)"
)  # how Python prints them; prose may say "NaN"
EXTREME_NUMBERS = (0.0, -1.0, 1e-12, 1e12, -1e12, 1.0, 7.0)


def visible_text(at: AppTest) -> list[str]:
    texts = []
    for kind in ("markdown", "caption", "text", "metric", "info", "warning", "success", "error"):
        for element in at.get(kind):
            value = getattr(element, "value", None)
            if value is None and hasattr(element, "proto"):
                value = str(element.proto)
            texts.append(str(value))
    for kind in ("dataframe", "table"):
        for element in at.get(kind):
            try:
                frame = element.value
                texts.extend(frame.astype(str).to_numpy().ravel().tolist())
            except Exception:  # a non-frame payload: read its text form
                texts.append(str(element.proto))
    return texts


def random_change(at: AppTest, rng: np.random.Generator) -> str:
    """Set one widget to a random (often extreme) value, or click a button."""
    widgets = []
    for kind in (
        "slider",
        "select_slider",
        "number_input",
        "checkbox",
        "toggle",
        "selectbox",
        "radio",
        "multiselect",
        "button",
        "text_input",
    ):
        widgets.extend((kind, w) for w in at.get(kind) if not getattr(w, "disabled", False))
    if not widgets:
        return "none"
    kind, w = widgets[rng.integers(len(widgets))]
    if kind == "slider":
        lo, hi = w.min, w.max
        if isinstance(w.value, tuple):
            w.set_value((lo, hi))
        elif isinstance(lo, int) and isinstance(hi, int):
            w.set_value(int(rng.choice([lo, hi, rng.integers(lo, hi + 1)])))
        else:
            w.set_value(float(rng.choice([lo, hi, rng.uniform(lo, hi)])))
    elif kind == "select_slider":
        label = list(w.options)[rng.integers(len(w.options))]
        value = option_value(w, label)
        if value is None:
            return f"select_slider {w.label!r} skipped"
        w.set_value(value)
    elif kind == "number_input":
        lo = w.min if w.min is not None else -1e12
        hi = w.max if w.max is not None else 1e12
        candidates = [lo, hi] + [v for v in EXTREME_NUMBERS if lo <= v <= hi]
        value = candidates[rng.integers(len(candidates))]
        w.set_value(int(value) if isinstance(w.value, int) else float(value))
    elif kind in ("checkbox", "toggle"):
        w.set_value(not w.value)
    elif kind in ("selectbox", "radio"):
        options = list(w.options)
        if options:
            w.set_value(options[rng.integers(len(options))])
    elif kind == "multiselect":
        options = list(w.options)
        k = rng.integers(0, len(options) + 1)
        w.set_value([options[i] for i in rng.permutation(len(options))[:k]])
    elif kind == "button":
        w.click()
    elif kind == "text_input":
        w.input(str(rng.choice(["", "abc", "-1", "1e999", "nan", "%%%"])))
    return f"{kind} {getattr(w, 'label', '')!r}"


@pytest.mark.parametrize("page_file", PAGES)
def test_random_widget_values_never_break_the_page(page_file):
    rng = np.random.default_rng(PAGES.index(page_file))
    at = open_chapter(None if page_file == CHAPTERS[0].file else page_file, timeout=120)
    history = []
    for _ in range(RERUNS_PER_PAGE):
        history.append(random_change(at, rng))
        at.run()
        assert not at.exception, f"{page_file} after {history}: {at.exception[0].message}"
        for text in visible_text(at):
            match = NOT_A_NUMBER.search(text)
            assert match is None, (
                f"{page_file} shows {match.group(0)!r} after {history}: {text[:200]}"
            )

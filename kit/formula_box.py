"""The formula box: the learner types a landscape, its view box and a start.

Drawn by a page (chapter 0's explorer, the arena) when its landscape picker says
"Your formula". Every field commits on Enter (or leaving it); the new formula is
checked and built in the widget's callback, and only a valid one replaces the landscape
in use, so a typo shows a message naming the problem while the map, the runs and the
start stay as they were. The landscape in use is a *formula key*
(:mod:`kit.own_landscape`), which the page passes on like a built-in landscape's name.

Example::

    key = formula_box(ps, "explorer:formula")  # draws the box, returns the key in use
    land = own_landscape.get(key)
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from engine.formula import FUNCTIONS, FormulaError, FormulaSpec, parse_params, to_params
from kit import own_landscape
from kit.format import fmt
from kit.own_landscape import DEFAULT_EXAMPLE, EXAMPLES, FORMULA_CHOICE, formula_key
from kit.state import PageState

FIELDS = ("text", "xmin", "xmax", "ymin", "ymax", "sx", "sy")


def _field(prefix: str, field: str) -> str:
    return f"{prefix}:{field}"


def applied_key(ps: PageState, prefix: str) -> str:
    """The formula key in use (the default example's until the learner types one)."""
    key = ps.get(_field(prefix, "applied"))
    if own_landscape.is_formula_key(key):
        return key
    return formula_key(DEFAULT_EXAMPLE.text, DEFAULT_EXAMPLE.bounds)


def _start_of(ps: PageState, key: str) -> tuple[float, float]:
    start = ps.get(f"start:{key}")
    if start is None:
        start = own_landscape.get(key).start
    return float(start[0]), float(start[1])


def _fill_widgets(
    ps: PageState, prefix: str, spec: FormulaSpec, start: tuple[float, float]
) -> None:
    """Put a formula, box and start into the box's fields (before they are drawn, or
    from a callback)."""
    (x0, x1), (y0, y1) = spec.bounds
    values = dict(zip(FIELDS, (spec.formula, x0, x1, y0, y1, *start), strict=True))
    for field, value in values.items():
        ps.set(_field(prefix, field), value if field == "text" else float(value))


def load(ps: PageState, prefix: str, spec: FormulaSpec) -> str:
    """Build ``spec`` and make it the landscape in use, fields included; returns its key.

    Raises :class:`FormulaError` (the landscape in use is then unchanged).
    """
    key = formula_key(spec.formula, spec.bounds)
    land = own_landscape.get(key)  # builds it: raises before anything changes
    start = spec.start if spec.start is not None else _start_of(ps, key)
    (x0, x1), (y0, y1) = land.bounds
    if not (x0 <= start[0] <= x1 and y0 <= start[1] <= y1):
        start = land.start
    start = (float(start[0]), float(start[1]))
    ps.set(_field(prefix, "applied"), key)
    ps.set(f"start:{key}", start)
    _fill_widgets(ps, prefix, FormulaSpec(spec.formula, land.bounds, start), start)
    ps.pop(_field(prefix, "error"))
    return key


def _typed_spec(ps: PageState, prefix: str) -> FormulaSpec:
    """What the fields hold now, as a spec (not yet checked)."""
    values = {field: ps.get(_field(prefix, field)) for field in FIELDS}
    bounds = ((values["xmin"], values["xmax"]), (values["ymin"], values["ymax"]))
    return FormulaSpec(str(values["text"] or ""), bounds, (values["sx"], values["sy"]))


def _on_landscape_edit(ps: PageState, prefix: str) -> None:
    """Callback of the formula and view-box fields: build the new landscape or say why not."""
    spec = _typed_spec(ps, prefix)
    try:
        for value in (*spec.bounds[0], *spec.bounds[1]):
            if value is None:
                raise FormulaError("the view box needs all four numbers")
        load(ps, prefix, FormulaSpec(spec.formula, spec.bounds, spec.start))
    except FormulaError as error:
        ps.set(_field(prefix, "error"), str(error))
    except Exception as error:  # never a traceback for what a learner typed
        ps.set(_field(prefix, "error"), f"this formula could not be used ({type(error).__name__})")


def _on_start_edit(ps: PageState, prefix: str) -> None:
    """Callback of the start fields: move the start (inside the view box) or say why not."""
    key = applied_key(ps, prefix)
    sx, sy = ps.get(_field(prefix, "sx")), ps.get(_field(prefix, "sy"))
    (x0, x1), (y0, y1) = own_landscape.get(key).bounds
    if sx is None or sy is None:
        ps.set(_field(prefix, "error"), "the start needs both x and y")
    elif not (x0 <= sx <= x1 and y0 <= sy <= y1):
        ps.set(
            _field(prefix, "error"),
            f"the start ({fmt(sx)}, {fmt(sy)}) is outside the view box "
            f"x ∈ [{fmt(x0)}, {fmt(x1)}], y ∈ [{fmt(y0)}, {fmt(y1)}]",
        )
    elif not np.isfinite(own_landscape.get(key).loss(np.array([sx, sy], dtype=float))):
        ps.set(
            _field(prefix, "error"),
            f"the formula is not a number at the start ({fmt(sx)}, {fmt(sy)}): pick a start "
            "in the coloured part of the map",
        )
    else:
        ps.set(f"start:{key}", (float(sx), float(sy)))
        ps.pop(_field(prefix, "error"))


def _on_example(ps: PageState, prefix: str, index: int) -> None:
    example = EXAMPLES[index]
    try:
        load(ps, prefix, FormulaSpec(example.text, example.bounds, None))
    except FormulaError as error:  # the examples build; keep the page alive regardless
        ps.set(_field(prefix, "error"), str(error))


def apply_link(ps: PageState, prefix: str, picker: str) -> str | None:
    """Restore a formula from the page's address (``?f=...&xmin=...``) once per new link.

    On success the landscape picker ``picker`` switches to the formula; returns the
    problem with the link as a sentence, or None. Call before the picker is drawn.
    """
    try:
        incoming = st.query_params.to_dict()
    except Exception:  # a broken query string must not take the page down
        return None
    fields = {k: v for k, v in incoming.items() if k in ("f", *_LINK_FIELDS)}
    if "f" not in fields or fields == ps.get(_field(prefix, "link-seen")):
        return None
    ps.set(_field(prefix, "link-seen"), fields)
    try:
        load(ps, prefix, parse_params(fields))
    except FormulaError as error:
        return f"The formula in this link was not used: {error}."
    ps.set(picker, FORMULA_CHOICE)
    return None


_LINK_FIELDS = ("xmin", "xmax", "ymin", "ymax", "sx", "sy")


def link_params(ps: PageState, prefix: str) -> dict[str, str]:
    """The formula in use, its box and start, as share-link fields."""
    key = applied_key(ps, prefix)
    spec = own_landscape.spec_of(key)
    return to_params(FormulaSpec(spec.formula, spec.bounds, _start_of(ps, key)))


def sync_link(ps: PageState, prefix: str, chosen: bool) -> None:
    """Keep the formula's fields in the address while the formula is chosen (and only then)."""
    current = st.query_params.to_dict()
    wanted = {k: v for k, v in current.items() if k not in ("f", *_LINK_FIELDS)}
    if chosen:
        wanted.update(link_params(ps, prefix))
        ps.set(
            _field(prefix, "link-seen"), {k: wanted[k] for k in ("f", *_LINK_FIELDS) if k in wanted}
        )
    if wanted != current:
        st.query_params.from_dict(wanted)


def formula_box(ps: PageState, prefix: str, *, show_math: bool = True) -> str:
    """Draw the box (examples, formula, view box, start, message, and with ``show_math``
    the typeset formula: else the page calls :func:`typeset` where it wants it).

    Returns the formula key of the landscape in use: the last valid one.
    """
    key = applied_key(ps, prefix)
    if ps.get(_field(prefix, "applied")) is None:
        key = load(ps, prefix, own_landscape.spec_of(key))  # the default example, built
    elif any(ps.get(_field(prefix, field)) is None for field in FIELDS):
        # Streamlit forgets a field's value while it is not drawn: refill from what is in use.
        _fill_widgets(ps, prefix, own_landscape.spec_of(key), _start_of(ps, key))
    # A click on the map moves the start: show it in the start fields (the keyboard way).
    start = _start_of(ps, key)
    if start != ps.get(_field(prefix, "shown start")):  # moved by a click, not typed
        ps.set(_field(prefix, "sx"), start[0])
        ps.set(_field(prefix, "sy"), start[1])
        ps.set(_field(prefix, "shown start"), start)

    with st.container(border=True):
        st.markdown("**Your formula**: type a function of x and y and press Enter")
        with st.container(horizontal=True, gap="small"):
            st.caption("Examples:", width="content")
            for i, example in enumerate(EXAMPLES):
                st.button(
                    example.label,
                    key=ps.key(_field(prefix, f"example:{i}")),
                    on_click=_on_example,
                    args=(ps, prefix, i),
                    help=f"{example.text}, over x ∈ [{fmt(example.bounds[0][0])}, "
                    f"{fmt(example.bounds[0][1])}], y ∈ [{fmt(example.bounds[1][0])}, "
                    f"{fmt(example.bounds[1][1])}]",
                    type="tertiary",
                )
        edit = {"on_change": _on_landscape_edit, "args": (ps, prefix)}
        st.text_input(
            "L(x, y) =",
            key=ps.key(_field(prefix, "text")),
            placeholder=DEFAULT_EXAMPLE.text,
            help="Variables x and y; + − * / and ** for powers; parentheses; numbers; the "
            "constants pi and e; the functions " + ", ".join(sorted(FUNCTIONS)) + ".",
            **edit,
        )
        number = {"step": 0.5, "format": "%g"}
        columns = st.columns(6, gap="small")
        labels = ("x from", "x to", "y from", "y to", "start x", "start y")
        for column, field, label in zip(columns, FIELDS[1:], labels, strict=True):
            with column:
                callback = (
                    edit
                    if field in ("xmin", "xmax", "ymin", "ymax")
                    else {
                        "on_change": _on_start_edit,
                        "args": (ps, prefix),
                    }
                )
                st.number_input(label, key=ps.key(_field(prefix, field)), **number, **callback)
        error = ps.get(_field(prefix, "error"))
        if error:
            st.error(
                f"Not used: {error}. The map still shows the last formula that worked.",
                icon=":material/error:",
            )
        if show_math:
            typeset(key)
    return key


def typeset(key: str) -> None:
    """The formula, its gradient and Hessian diagonal in LaTeX, and how heights are measured."""
    land = own_landscape.get(key)
    st.latex(land.latex)
    gx, gy = land.gradient_latex
    hx, hy = land.hessian_latex
    too_long = r"\text{(too long to show)}"
    # One equation a line: two side by side overflow a phone.
    st.latex(r"\frac{\partial L}{\partial x} = " + (gx or too_long))
    st.latex(r"\frac{\partial L}{\partial y} = " + (gy or too_long))
    with st.expander("Hessian diagonal (the curvature Sophia estimates)"):
        st.latex(r"\frac{\partial^2 L}{\partial x^2} = " + (hx or too_long))
        st.latex(r"\frac{\partial^2 L}{\partial y^2} = " + (hy or too_long))
    st.caption(minima_text(land, own_landscape.loss_offset(key)))


def minima_text(land, offset: float) -> str:
    """What the map's stars are and how heights are measured, from the landscape built."""
    local = own_landscape.marked_minima(land)
    if not local:
        return (
            "No minimum lies inside this view box (the lowest ground is on its edge): "
            "runs head for the edge. Heights are drawn as typed."
        )
    lowest = land.minima[0]
    where = f"({fmt(lowest[0], 3)}, {fmt(lowest[1], 3)})"
    count = (
        f"{len(local)} local minima found numerically, starred; the lowest is ≈ {where}"
        if len(local) > 1
        else f"One minimum found numerically, starred: ≈ {where}"
    )
    return (
        f"{count} (approximate). Heights and losses are measured from it: "
        f"the map shows L(x, y) − L_min with L_min ≈ {fmt(offset, 4)}. Blank patches are "
        "where the formula is not a real number; a run that steps there is marked diverged."
    )

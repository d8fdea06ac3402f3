"""Chapter 0's explorer on the learner's own formula, driven through Streamlit's AppTest."""

from __future__ import annotations

import json
import subprocess
import sys
from functools import partial

from chapters.ch00_landscape import logic
from core.toc import chapter
from kit import own_landscape
from kit.state import session_key
from tests.apptest import ROOT, open_chapter, page_state_in, page_text

TIMEOUT = 180
PAGE = chapter(0).file
EGG_CRATE = "sin(3*x)*cos(3*y) + 0.1*(x**2 + y**2)"
k = partial(session_key, logic.PAGE)


def ok(at):
    assert not at.exception, [e.value for e in at.exception]
    return at


def explorer_map(at) -> dict:
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        title = (spec["layout"].get("title") or {}).get("text") or ""
        if "click anywhere" in title or "(3-D)" in title:
            return spec
    raise AssertionError("explorer chart not found")


def explorer_run(at):
    return page_state_in(at, logic.PAGE).run("explorer")


def typed(at, text: str):
    at.text_input(key=k("explorer:formula:text")).set_value(text).run(timeout=TIMEOUT)
    return ok(at)


def test_typing_a_formula_redraws_the_map_and_typesets_it():
    at = ok(open_chapter(None, timeout=TIMEOUT))
    at.button_group(key=k("explorer:landscape")).set_value("formula").run(timeout=TIMEOUT)
    ok(at)
    rosenbrock_map = explorer_map(at)
    assert "Your formula" in rosenbrock_map["layout"]["title"]["text"]
    typed(at, EGG_CRATE)
    egg_map = explorer_map(at)
    assert egg_map["layout"]["images"] != rosenbrock_map["layout"]["images"]  # redrawn
    latex = "\n".join(e.value for e in at.get("latex"))
    assert r"\cos\left(3 y\right) \sin\left(3 x\right)" in latex
    assert r"\frac{\partial L}{\partial y} = 0.2 y - 3 \sin\left(3 x\right)" in latex
    assert r"\frac{\partial^2 L}{\partial x^2}" in latex  # the Hessian diagonal too
    assert "approximate" in page_text(at)
    assert any(t.get("name") == "minimum" for t in egg_map["data"])
    run = explorer_run(at)
    assert own_landscape.spec_of(run.landscape).formula == EGG_CRATE
    # Step on it, then the share link holds formula, box and start.
    at.button(key=k("explorer:btn:play")).click().run(timeout=TIMEOUT)
    assert explorer_run(ok(at)).steps > 1
    assert at.query_params["f"] == EGG_CRATE
    assert {"xmin", "xmax", "ymin", "ymax", "sx", "sy"} <= set(at.query_params)
    # The keyboard way to move the start: the start fields.
    at.number_input(key=k("explorer:formula:sx")).set_value(0.5).run(timeout=TIMEOUT)
    assert explorer_run(ok(at)).start[0] == 0.5 and explorer_run(at).steps == 0
    # 3-D surface.
    at.button_group(key=k("explorer:view")).set_value("3d").run(timeout=TIMEOUT)
    assert explorer_map(ok(at))["data"][0]["type"] == "surface"
    # Back to a built-in landscape: the formula leaves the address.
    at.button_group(key=k("explorer:landscape")).set_value("bowl").run(timeout=TIMEOUT)
    assert "f" not in ok(at).query_params


def test_a_hostile_formula_shows_a_message_and_keeps_the_landscape():
    at = ok(open_chapter(None, timeout=TIMEOUT))
    at.button_group(key=k("explorer:landscape")).set_value("formula").run(timeout=TIMEOUT)
    typed(ok(at), EGG_CRATE)
    before = explorer_run(at).landscape
    for hostile, reason in [
        ("().__class__", "attribute access"),
        ("9**9**9", "exponent"),
        ("x" * 10_000, "length limit"),
        ("x - x", "constant"),
    ]:
        typed(at, hostile)
        assert at.error and reason in at.error[0].value, at.error
        assert explorer_run(at).landscape == before
        assert "Traceback" not in page_text(at)
    # The view box is checked the same way.
    at.number_input(key=k("explorer:formula:xmin")).set_value(5.0).run(timeout=TIMEOUT)
    assert "xmin < xmax" in ok(at).error[0].value
    assert explorer_run(at).landscape == before


def test_a_formula_in_the_address_is_restored():
    query = {"f": "x**2 + 3*y**2", "xmin": "-1", "xmax": "3", "ymin": "-2", "ymax": "2"}
    query |= {"sx": "2.5", "sy": "1.5"}
    at = ok(open_chapter(PAGE, timeout=TIMEOUT, query=query))
    assert not at.warning
    assert at.button_group(key=k("explorer:landscape")).value == "formula"
    assert at.text_input(key=k("explorer:formula:text")).value == "x**2 + 3*y**2"
    run = explorer_run(at)
    assert run.start == (2.5, 1.5)
    assert own_landscape.spec_of(run.landscape).bounds == ((-1.0, 3.0), (-2.0, 2.0))


def test_a_hostile_formula_in_the_address_is_refused():
    at = ok(open_chapter(PAGE, timeout=TIMEOUT, query={"f": "__import__('os').system('ls')"}))
    assert at.warning and "was not used" in at.warning[0].value
    assert at.button_group(key=k("explorer:landscape")).value != "formula"
    assert explorer_run(at).landscape in logic.EXPLORER_LANDSCAPES


SYMPY_CHECK = """
import sys
sys.path.insert(0, {root!r})
from streamlit.testing.v1 import AppTest
from core.toc import CHAPTERS
at = AppTest.from_file({app!r}, default_timeout=300)
at.run()
for ch in CHAPTERS:
    at.switch_page(ch.file).run()
    assert not at.exception, (ch.file, [e.value for e in at.exception])
print("sympy" in sys.modules)
"""


def test_pages_without_a_formula_never_import_sympy():
    code = SYMPY_CHECK.format(root=str(ROOT), app=str(ROOT / "app.py"))
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=1200, cwd=ROOT
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "False"

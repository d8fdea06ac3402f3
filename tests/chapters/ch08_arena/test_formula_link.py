"""The arena's share link with the learner's own formula (land=formula&f=...): pure."""

from __future__ import annotations

import re
import urllib.parse

import pytest

from chapters.ch08_arena.link import (
    DEFAULT_LANDSCAPE,
    Setup,
    parse_setup,
    setup_to_query,
    share_path,
)
from kit import own_landscape
from kit.own_landscape import formula_key
from tests.engine.test_formula_corpus import BEFORE_SYMPY

ROSENBROCK = "(1 - x)**2 + 100*(y - x**2)**2"
BOX = ((-2.0, 2.0), (-1.0, 3.0))
HOSTILE = [(text, reason) for text, reason in BEFORE_SYMPY if isinstance(text, str)]


def test_a_formula_set_up_round_trips_through_the_link():
    key = formula_key(ROSENBROCK, BOX)
    setup = Setup(landscape=key, optimizers=("sgd", "adam"), lr=0.01, start=(-1.25, 2.5))
    query = setup_to_query(setup)
    assert query["land"] == "formula" and query["f"] == ROSENBROCK
    assert (query["xmin"], query["ymax"], query["sx"], query["sy"]) == ("-2", "3", "-1.25", "2.5")
    assert "start" not in query  # the formula's own sx, sy carry it
    # Through a real URL and back, as a browser would send it.
    url = share_path(query)
    incoming = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    restored, problems = parse_setup(incoming)
    assert problems == []
    assert restored.landscape == key
    assert restored.start == (-1.25, 2.5)
    assert restored.optimizers == ("sgd", "adam")


def test_a_formula_alone_is_enough_and_defaults_the_box():
    setup, problems = parse_setup({"f": "x**2 + 3*y**2"})
    assert problems == []
    assert own_landscape.spec_of(setup.landscape).bounds == ((-2.0, 2.0), (-2.0, 2.0))
    assert setup.start is None


@pytest.mark.parametrize(("text", "reason"), HOSTILE, ids=[repr(t)[:40] for t, _ in HOSTILE])
def test_hostile_formulas_in_a_link_are_refused_with_the_reason(text, reason):
    setup, problems = parse_setup({"land": "formula", "f": text, "opt": "sgd"})
    assert setup.landscape == DEFAULT_LANDSCAPE
    assert setup.optimizers == ("sgd",)  # the rest of the link still counts
    assert len(problems) == 1 and problems[0].startswith("the formula was refused")
    assert re.search(reason, problems[0])


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"xmin": "-2", "xmax": "2"}, "needs xmin, xmax, ymin and ymax"),
        ({"xmin": "2", "xmax": "-2", "ymin": "-2", "ymax": "2"}, "xmin < xmax"),
        ({"xmin": "nan", "xmax": "2", "ymin": "-2", "ymax": "2"}, "not a number"),
        ({"sx": "9", "sy": "0"}, "outside the view box"),
        ({"sx": "1"}, "needs both sx and sy"),
    ],
)
def test_a_bad_box_or_start_is_refused(fields, says):
    setup, problems = parse_setup({"land": "formula", "f": "x**2 + y**2", **fields})
    assert setup.landscape == DEFAULT_LANDSCAPE
    assert any(says in p for p in problems), problems


def test_a_formula_beside_a_built_in_landscape_is_ignored_and_said():
    setup, problems = parse_setup({"land": "bowl", "f": "x**2"})
    assert setup.landscape == "bowl"
    assert any("ignored" in p for p in problems)


def test_land_formula_without_f_is_refused():
    setup, problems = parse_setup({"land": "formula"})
    assert setup.landscape == DEFAULT_LANDSCAPE
    assert any("no formula" in p for p in problems)

"""Chapter 2's theory of the ravine in Streamlit's AppTest: the section renders with the
closed forms computed, and the κ slider and the keyboard η/β inputs change the run shown."""

import json
from functools import partial

import pytest

from chapters.ch02_momentum import theory_logic as tl
from chapters.ch02_momentum.logic import PAGE as CH02
from chapters.ch02_momentum.theory_figures import CHOSEN_NAME, OPTIMUM_NAME
from core.toc import chapter
from kit.format import fmt
from kit.state import session_key
from tests.apptest import open_chapter, page_text

key = partial(session_key, CH02)


@pytest.fixture(scope="module")
def at():
    return open_chapter(chapter(2).file, timeout=120)


def spec(at, name):
    return json.loads(at.get_by_key(key(name)).proto.spec)


def run_title(at) -> str:
    return spec(at, "theory:run")["layout"]["title"]["text"]


def plane_specs(at):
    out = []
    for chart in at.get("plotly_chart"):
        s = json.loads(chart.proto.spec)
        if any(t.get("name") == OPTIMUM_NAME for t in s["data"]):
            out.append(s)
    return out


def test_section_shows_the_closed_forms(at):
    text = page_text(at)
    forms = tl.closed_forms(tl.DEFAULT_KAPPA)
    assert "The theory of the ravine" in [h.value for h in at.header]
    assert fmt(forms.momentum_beta, 4) in text and fmt(forms.momentum_lr, 4) in text
    assert fmt(forms.gd_rate, 4) in text and fmt(forms.momentum_rate, 4) in text
    specs = plane_specs(at)
    assert len(specs) == 2  # predicted and measured
    labels = {a["text"] for a in specs[0]["layout"]["annotations"]}
    assert {"<b>monotone</b>", "<b>oscillates</b>", "<b>diverges</b>"} <= labels
    # The run opens at the optimum.
    assert at.number_input(key=key("theory:beta")).value == pytest.approx(forms.momentum_beta)


def test_keyboard_inputs_change_the_run(at):
    at.number_input(key=key("theory:lr")).set_value(0.03).run()
    at.number_input(key=key("theory:beta")).set_value(0.2).run()
    assert not at.exception
    assert "η = 0.03, β = 0.2" in run_title(at)
    run = tl.point_run(tl.DEFAULT_KAPPA, 0.03, 0.2)
    text = page_text(at)
    assert tl.run_sentence(run) in text
    chosen = [t for s in plane_specs(at) for t in s["data"] if t.get("name") == CHOSEN_NAME]
    assert chosen and all(t["y"][0] == pytest.approx(0.2) for t in chosen)


def test_kappa_slider_reshapes_the_maps_and_moves_the_run(at):
    at.select_slider(key=key("theory:kappa")).set_value(400).run()
    assert not at.exception
    forms = tl.closed_forms(400)
    assert at.number_input(key=key("theory:beta")).value == pytest.approx(forms.momentum_beta)
    assert "κ = 400" in plane_specs(at)[0]["layout"]["title"]["text"]
    assert f"β = {fmt(forms.momentum_beta, 3)}" in run_title(at)
    # The run sits exactly at the optimum: its predicted rate is √β*.
    assert f"shrinking by {fmt(forms.momentum_rate, 4)} a step" in page_text(at)
    assert fmt(forms.momentum_beta, 4) in page_text(at)

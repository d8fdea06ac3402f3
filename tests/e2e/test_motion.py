"""Things that move on screen: Play plays, labels stay in view, in-figure sliders answer.

Positions and boxes are read in the real browser (Plotly's graph div and its SVG), so
these tests fail if the ball only jumps, a label is cut off, or a slider waits for the
server.
"""

from __future__ import annotations

import re

import pytest

from core.toc import CHAPTERS
from tests.e2e.conftest import DESKTOP, PHONE, chapter_url, exceptions_on, wait_ready
from tests.e2e.test_interactions import click_button, metric_value

pytestmark = pytest.mark.e2e

# The chart whose trace is the ball ("… now here"), and that trace's index.
FIND_BALL = """() => {
  for (const gd of document.querySelectorAll('.js-plotly-plot')) {
    const i = (gd.data || []).findIndex(t => (t.hovertemplate || '').includes('now here'));
    if (i >= 0) return [gd, i];
  }
  return [null, -1];
}"""

# Record the ball's position on every animation frame of the browser (no round trips:
# the samples are taken in the page, ~60 a second).
START_SAMPLING = f"""() => {{
  window.__ballSamples = [];
  const find = {FIND_BALL};
  const sample = () => {{
    const [gd, i] = find();
    if (gd) window.__ballSamples.push([performance.now(), gd.data[i].x[0], gd.data[i].y[0]]);
    window.__ballSampler = requestAnimationFrame(sample);
  }};
  sample();
}}"""

LAST_FRAME_BALL = f"""() => {{
  const [gd, i] = ({FIND_BALL})();
  const frames = gd && gd._transitionData && gd._transitionData._frames;
  if (!frames || !frames.length) return null;
  const last = frames[frames.length - 1];
  const k = last.traces.indexOf(i);
  return k < 0 ? null : [last.data[k].x[0], last.data[k].y[0], last.name, frames[0].name];
}}"""


def open_page(page, url: str) -> None:
    """Open ``url`` and wait, generously: the machine running the tests may be busy."""
    page.goto(url, wait_until="domcontentloaded")
    wait_ready(page, timeout=180_000)


def ball_caption(page) -> tuple[float, float]:
    """The server's final position, from the explorer's "Ball at θ = (x, y)" caption."""
    text = page.get_by_text(re.compile(r"Ball at θ = \(")).first.inner_text()
    x, y = re.search(r"\(([-\d.]+), ([-\d.]+)\)", text).groups()
    return float(x), float(y)


def set_slider_to_end(page, label: str) -> None:
    """Move the (select-)slider labelled ``label`` to its largest value by keyboard."""
    slider = page.locator('[data-testid="stSlider"]', has_text=label).first
    thumb = slider.get_by_role("slider").first
    thumb.scroll_into_view_if_needed()
    thumb.focus()
    thumb.press("End")
    wait_ready(page)


def test_play_moves_the_ball_through_intermediate_positions(page, app_url):
    open_page(page, chapter_url(app_url, CHAPTERS[0]))
    assert page.evaluate(f"() => ({FIND_BALL})()[1]") >= 0
    page.evaluate(START_SAMPLING)
    click_button(page, "Play 40")
    # The chart plays by itself: wait until the autoplay pressed ▶ and the ball rests.
    page.wait_for_function("() => (window.__coursePlayed || 0) >= 1", timeout=60_000)
    page.wait_for_function(
        """(last) => { const s = window.__ballSamples; const n = s.length;
             if (n < 2) return false;
             const end = s[n - 1];
             return performance.now() - end[0] < 1000 && Math.abs(end[1] - last[0]) < 1e-6 &&
                    Math.abs(end[2] - last[1]) < 1e-6 &&
                    s.filter(p => performance.now() - p[0] < 800)
                     .every(p => p[1] === end[1] && p[2] === end[2]); }""",
        arg=page.evaluate(LAST_FRAME_BALL)[:2],
        timeout=90_000,
    )
    wait_ready(page)
    samples = page.evaluate(
        "() => { cancelAnimationFrame(window.__ballSampler); return window.__ballSamples; }"
    )
    last_x, last_y, last_name, first_name = page.evaluate(LAST_FRAME_BALL)
    assert (first_name, last_name) == ("0", "40")
    positions = [(round(x, 5), round(y, 5)) for _, x, y in samples]
    start, final = positions[0], (round(last_x, 5), round(last_y, 5))
    # Seen moving: many distinct positions strictly between the start and the end, in
    # order of time, and at rest at the last frame.
    between = [p for p in dict.fromkeys(positions) if p not in (start, final)]
    assert len(between) >= 5, positions
    assert positions[-1] == final
    # The last frame is the server's state after 40 steps (the caption, to 3 decimals).
    caption_x, caption_y = ball_caption(page)
    assert abs(caption_x - last_x) < 6e-4 and abs(caption_y - last_y) < 6e-4
    assert metric_value(page, "Step") == "40"
    assert exceptions_on(page) == []


# Every annotation / scatter text that says "diverged at step", with its box and the box
# of its chart's plot area, in page pixels.
DIVERGENCE_BOXES = """() => {
  const out = [];
  for (const gd of document.querySelectorAll('.js-plotly-plot')) {
    const size = gd._fullLayout && gd._fullLayout._size;
    if (!size) continue;
    const frame = gd.getBoundingClientRect();
    // A chart with a slider inside (layout.meta.sweep) states each value's outcome in a
    // line above its map, by design: that line must lie inside the figure, not clipped.
    const sweep = gd.layout && gd.layout.meta && gd.layout.meta.sweep;
    const area = sweep
      ? {left: frame.left, top: frame.top, right: frame.right, bottom: frame.bottom}
      : {left: frame.left + size.l, top: frame.top + size.t,
         right: frame.left + size.l + size.w, bottom: frame.top + size.t + size.h};
    gd.querySelectorAll('.annotation, .textpoint').forEach(el => {
      if (!(el.textContent || '').includes('diverged at step')) return;
      const box = el.getBoundingClientRect();
      out.push({text: el.textContent, area,
                box: {left: box.left, top: box.top, right: box.right, bottom: box.bottom}});
    });
  }
  return out;
}"""


def labels_outside(page) -> list[str]:
    found = page.evaluate(DIVERGENCE_BOXES)
    assert found, "no 'diverged at step' label on the page"
    bad = []
    for item in found:
        box, area = item["box"], item["area"]
        inside = (
            box["left"] >= area["left"] - 1
            and box["right"] <= area["right"] + 1
            and box["top"] >= area["top"] - 1
            and box["bottom"] <= area["bottom"] + 1
        )
        if not inside:
            bad.append(f"{item['text']!r}: {box} not in {area}")
    return bad


@pytest.mark.parametrize(
    ("chapter", "slider_label", "play"),
    [(0, "Learning rate η (log scale)", "Play 40"), (1, "Learning rate η (log scale)", "Play")],
    ids=["ch0-explorer", "ch1-walkers"],
)
def test_divergence_labels_are_inside_the_chart(browser, app_url, chapter, slider_label, play):
    for viewport in (DESKTOP, PHONE):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        try:
            open_page(page, chapter_url(app_url, CHAPTERS[chapter]))
            set_slider_to_end(page, slider_label)
            target = page.get_by_role("button", name=re.compile(rf"{play}( \d+)?$")).first
            target.scroll_into_view_if_needed()
            target.click()
            page.wait_for_function(
                "() => document.body.innerText.includes('diverged at step')", timeout=60_000
            )
            wait_ready(page)
            page.wait_for_timeout(1500)  # let the autoplayed stretch end
            # Scroll each label into view: off-screen SVG still has its boxes.
            assert labels_outside(page) == [], viewport
            if chapter == 0:
                step = metric_value(page, "Step")
                assert re.fullmatch(r"\d+ of 40", step), step
            assert exceptions_on(page) == []
        finally:
            context.close()


# --------------------------------------------------------------------------- in-figure sliders

# The charts that carry a slider inside the figure (``layout.meta.sweep``).
SWEEP_CHARTS = """() => Array.from(document.querySelectorAll('.js-plotly-plot'))
    .filter(gd => gd.layout && gd.layout.meta && gd.layout.meta.sweep)"""

# Click the in-figure slider of sweep chart ``index`` at step ``step`` with real mouse
# coordinates (returned for page.mouse), after arming a timer: the browser records when
# the mouse went down and when the chart's traces were next redrawn (a DOM mutation in
# the plot's trace layer, then the next animation frame, i.e. painted), and whether the
# app ran its script meanwhile (a server round trip).
ARM_SLIDER = f"""([index, step]) => {{
  const gd = ({SWEEP_CHARTS})()[index];
  gd.scrollIntoView({{block: 'center'}});
  const ticks = gd.querySelectorAll('.slider-tick-rect, .slider-tick');
  const rail = gd.querySelector('.slider-rail-touch-rect') || gd.querySelector('.slider-rail-rect');
  const tick = ticks[step].getBoundingClientRect(), bar = rail.getBoundingClientRect();
  const probe = {{down: null, drawn: null, reran: false, before: JSON.stringify(gd.data.map(t => t.y))}};
  window.__sliderProbe = probe;
  gd.addEventListener('mousedown', e => {{ if (probe.down === null) probe.down = performance.now(); }},
                      {{capture: true, once: true}});
  const layer = gd.querySelector('.cartesianlayer');
  const seen = new MutationObserver(() => {{
    if (probe.down === null || probe.drawn !== null) return;
    probe.drawn = -1;
    requestAnimationFrame(() => {{ probe.drawn = performance.now(); seen.disconnect(); }});
  }});
  seen.observe(layer, {{subtree: true, attributes: true, childList: true}});
  const app = document.querySelector('[data-testid="stApp"]');
  const runs = new MutationObserver(() => {{
    if (app.dataset.testScriptState === 'running') probe.reran = true;
  }});
  runs.observe(app, {{attributes: true, attributeFilter: ['data-test-script-state']}});
  probe.stopWatching = () => runs.disconnect();
  return [tick.left + tick.width / 2, bar.top + bar.height / 2, ticks.length];
}}"""

READ_PROBE = f"""([index]) => {{
  const probe = window.__sliderProbe, gd = ({SWEEP_CHARTS})()[index];
  return {{ms: probe.drawn > 0 ? probe.drawn - probe.down : null, reran: probe.reran,
           changed: JSON.stringify(gd.data.map(t => t.y)) !== probe.before,
           active: gd._fullLayout.sliders[0].active,
           title: gd._fullLayout.title.text}};
}}"""


def move_sweep_slider(page, index: int, step: int, settle_ms: int = 1500) -> dict:
    """Click step ``step`` of sweep chart ``index``'s in-figure slider; the probe's result."""
    x, y, _ = page.evaluate(ARM_SLIDER, [index, step])
    page.mouse.click(x, y)
    page.wait_for_function("() => window.__sliderProbe.drawn > 0", timeout=30_000)
    page.wait_for_timeout(settle_ms)  # long enough that a rerun, if any, would show
    result = page.evaluate(READ_PROBE, [index])
    page.evaluate("() => window.__sliderProbe.stopWatching()")
    return result


def test_an_in_figure_slider_redraws_the_chart_without_a_rerun(page, app_url):
    open_page(page, chapter_url(app_url, CHAPTERS[2]))
    charts = page.evaluate(f"() => ({SWEEP_CHARTS})().length")
    assert charts >= 1
    first_title = page.evaluate(f"() => ({SWEEP_CHARTS})()[0]._fullLayout.title.text")
    result = move_sweep_slider(page, 0, 0)  # β = 0: plain SGD
    assert result["changed"], result
    assert result["active"] == 0
    assert result["title"] != first_title and result["title"].startswith("momentum")
    assert "β = 0.00" in result["title"]
    assert not result["reran"], "moving the in-figure slider ran the page's script"
    assert exceptions_on(page) == []

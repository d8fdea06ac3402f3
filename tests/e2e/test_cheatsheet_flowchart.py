"""Chapter 9's flowchart in a real browser: no two labels overlap, on a desktop or a phone."""

from __future__ import annotations

import pytest

from core.toc import chapter
from tests.e2e.conftest import ARTIFACTS, DESKTOP, PHONE, exceptions_on, wait_ready

pytestmark = pytest.mark.e2e

# Every drawn label of the flowchart (the chart whose last trace is "nodes"), as the
# browser laid it out, and the plot area it must stay inside.
LABEL_BOXES = """() => {
  const chart = Array.from(document.querySelectorAll('.js-plotly-plot')).find(g =>
      g.data && g.data.length && g.data[g.data.length - 1].name === 'nodes');
  if (!chart) return null;
  const plot = chart.querySelector('.bglayer rect, .nsewdrag').getBoundingClientRect();
  const boxes = Array.from(chart.querySelectorAll('.textpoint text'))
      .filter(t => t.textContent.trim())
      .map(t => { const r = t.getBoundingClientRect();
                  return {text: t.textContent, x0: r.left, y0: r.top, x1: r.right, y1: r.bottom}; });
  return {boxes, plot: {x0: plot.left, x1: plot.right}};
}"""


def overlap(a, b) -> bool:
    return a["x0"] < b["x1"] and b["x0"] < a["x1"] and a["y0"] < b["y1"] and b["y0"] < a["y1"]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_flowchart_labels_never_overlap(browser, app_url, viewport):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    try:
        page.goto(f"{app_url}/{chapter(9).url_path}", wait_until="domcontentloaded")
        wait_ready(page, timeout=300_000)
        assert exceptions_on(page) == []
        chart = page.locator(".js-plotly-plot", has=page.locator(".textpoint")).first
        chart.scroll_into_view_if_needed()
        found = page.evaluate(LABEL_BOXES)
        assert found and len(found["boxes"]) >= 20
        boxes = found["boxes"]
        for i, a in enumerate(boxes):
            assert a["x1"] <= found["plot"]["x1"] + 2, f"{a['text']!r} runs off the chart"
            for b in boxes[i + 1 :]:
                assert not overlap(a, b), f"{a['text']!r} overlaps {b['text']!r}"
        ARTIFACTS.mkdir(exist_ok=True)
        chart.screenshot(path=str(ARTIFACTS / f"cheat-sheet_flowchart_{viewport['width']}.png"))
    finally:
        context.close()

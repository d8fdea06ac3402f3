"""Chapter 2's theory of the ravine in a real browser: a click on the (η, β) plane runs
momentum at the clicked point."""

from __future__ import annotations

import pytest

from core.toc import CHAPTERS
from tests.e2e.conftest import chapter_url, exceptions_on, wait_ready

pytestmark = pytest.mark.e2e

# The clickable plane is the chart with a click grid and the optimum's star.
PLANE = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).findIndex(g =>
    (g._fullData || []).some(t => t.name === 'click grid'))"""
CHOSEN = """() => { for (const g of document.querySelectorAll('.js-plotly-plot')) {
    if (!(g._fullData || []).some(t => t.name === 'click grid')) continue;
    for (const t of g._fullData) if (t.name === 'the run below') return [t.x[0], t.y[0]]; }
    return null; }"""
RUN_TITLE = """() => { for (const g of document.querySelectorAll('.js-plotly-plot')) {
    const t = (g._fullLayout.title || {}).text || '';
    if (t.includes('the run at')) return t; } return null; }"""


def cell_position(page, index: int, row: int, col: int):
    """Page pixels of click-grid cell (row, col) on chart ``index``, and its (log η, β)."""
    return page.evaluate(
        """([index, row, col]) => {
            const g = document.querySelectorAll('.js-plotly-plot')[index];
            const grid = g._fullData.find(t => t.name === 'click grid');
            const n = Math.round(Math.sqrt(grid.x.length));
            const k = row * n + col;
            const xa = g._fullLayout.xaxis, ya = g._fullLayout.yaxis;
            const box = g.getBoundingClientRect();
            return {px: box.left + xa._offset + xa.l2p(grid.x[k]),
                    py: box.top + ya._offset + ya.l2p(grid.y[k]),
                    x: grid.x[k], y: grid.y[k],
                    dx: grid.x[1] - grid.x[0], dy: grid.y[n] - grid.y[0]};
        }""",
        [index, row, col],
    )


def test_clicking_the_plane_runs_momentum_there(page, app_url):
    page.goto(chapter_url(app_url, CHAPTERS[2]), wait_until="domcontentloaded")
    wait_ready(page, timeout=180_000)  # a busy machine: the first run fills every cache
    page.wait_for_function(f"() => ({PLANE})() >= 0", timeout=60_000)
    index = page.evaluate(PLANE)
    chart = page.locator(".js-plotly-plot").nth(index)
    chart.scroll_into_view_if_needed()
    wait_ready(page, timeout=120_000)
    before_point, before_title = page.evaluate(CHOSEN), page.evaluate(RUN_TITLE)
    target = cell_position(page, index, row=8, col=14)  # small β, a cautious η
    page.mouse.click(target["px"], target["py"])
    page.wait_for_function(
        f"(b) => JSON.stringify(({CHOSEN})()) !== JSON.stringify(b)",
        arg=before_point,
        timeout=60_000,
    )
    wait_ready(page, timeout=120_000)
    after = page.evaluate(CHOSEN)
    # The click lands on the grid cell under the pointer (or, at a cell's edge, its
    # neighbour, and η, β are shown rounded): about one cell from the target, far from
    # where the run was.
    assert after[0] == pytest.approx(target["x"], abs=1.5 * target["dx"])
    assert after[1] == pytest.approx(target["y"], abs=1.5 * target["dy"])
    assert abs(after[1] - before_point[1]) > 0.3
    page.wait_for_function(f"(b) => ({RUN_TITLE})() !== b", arg=before_title, timeout=60_000)
    title = page.evaluate(RUN_TITLE)
    assert f"β = {float(f'{after[1]:.3g}'):g}" in title
    assert exceptions_on(page) == []

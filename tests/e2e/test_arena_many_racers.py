"""The arena with all thirteen racers, and a race that survives a reload (real browser)."""

from __future__ import annotations

import pytest

from engine import optimizers
from tests.e2e.conftest import DESKTOP, PHONE, exceptions_on, wait_ready
from tests.e2e.test_interactions import click_button

pytestmark = pytest.mark.e2e

ALL = ",".join(optimizers.NAMES)
SLOW = 300_000  # ms: thirteen racers on a machine shared with other jobs

# Plot area against the whole figure, for the arena's charts (found by their meta tag).
PLOT_SHARE = """() => Object.fromEntries(Array.from(document.querySelectorAll('.js-plotly-plot'))
    .filter(g => g.layout && String(g.layout.meta || '').startsWith('arena:'))
    .map(g => [g.layout.meta, g._fullLayout._size.h / g._fullLayout.height]))"""
# The leaderboard is the page's first data grid: its rows and its scroll box.
BOARD = """() => { const grid = document.querySelector('[data-testid="stDataFrame"]');
    const box = grid.querySelector('.dvn-scroller');
    const rows = Array.from(grid.querySelectorAll('tr')).map(r =>
        Array.from(r.querySelectorAll('td')).map(c => c.innerText)).filter(r => r.length);
    return {rows, sw: box.scrollWidth, cw: box.clientWidth, sh: box.scrollHeight,
            ch: box.clientHeight}; }"""


def open_arena(page, query: str) -> None:
    page.goto(f"{page.base}/arena?{query}", wait_until="domcontentloaded")
    wait_ready(page, timeout=SLOW)


@pytest.fixture
def arena(browser, app_url):
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.base = app_url
    yield page
    context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_thirteen_racers_leave_the_charts_their_height_and_the_board_its_rows(arena, viewport):
    arena.set_viewport_size(viewport)
    open_arena(arena, f"opt={ALL}&lr=0.03&step=60")
    assert exceptions_on(arena) == []
    shares = arena.evaluate(PLOT_SHARE)
    assert set(shares) >= {"arena:race", "arena:loss"}
    for meta in ("arena:race", "arena:loss"):
        assert shares[meta] >= 0.65, f"{meta}: the plot has only {shares[meta]:.0%} of its figure"
    racers = len(optimizers.NAMES)
    arena.wait_for_function(f"() => ({BOARD})().rows.length === {racers}", timeout=SLOW)
    board = arena.evaluate(BOARD)
    assert board["sh"] <= board["ch"] + 1, "the leaderboard hides rows behind an inner scroll"
    if viewport is DESKTOP:
        assert board["sw"] <= board["cw"] + 1, "a leaderboard column is cut off"
        assert all(row[-1].startswith("(") and row[-1].endswith(")") for row in board["rows"])


def test_a_broken_link_is_reported_where_the_page_opens(arena):
    open_arena(arena, f"opt={ALL}&land=atlantis&step=many")
    notice = arena.locator('[data-testid="stAlert"]', has_text="atlantis").first
    box = notice.bounding_box()
    assert box is not None and 0 <= box["y"] and box["y"] + box["height"] <= DESKTOP["height"]
    assert "step" in notice.inner_text()


def test_a_reload_brings_the_race_back_to_the_same_step(arena):
    open_arena(arena, "land=rosenbrock&opt=momentum,adam,lion&lr=0.003&noise=0.5&seed=4")
    for expected in ("1", "2", "3"):
        click_button(arena, "Step")
        arena.wait_for_function(
            "(s) => new URLSearchParams(location.search).get('step') === s",
            arg=expected,
            timeout=SLOW,
        )
    wait_ready(arena, timeout=SLOW)
    arena.wait_for_function(f"() => ({BOARD})().rows.length === 3", timeout=SLOW)
    before = arena.evaluate(BOARD)["rows"]
    assert arena.locator("strong", has_text=", step 3:").count() == 1

    arena.reload(wait_until="domcontentloaded")
    wait_ready(arena, timeout=SLOW)
    assert exceptions_on(arena) == []
    assert "step=3" in arena.url
    assert arena.locator("strong", has_text=", step 3:").count() == 1
    # the grid fills its cells a moment after it appears
    arena.wait_for_function(f"() => ({BOARD})().rows.length === {len(before)}", timeout=SLOW)
    assert arena.evaluate(BOARD)["rows"] == before

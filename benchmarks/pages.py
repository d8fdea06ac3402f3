"""What a learner waits for, page by page.

For every page prints:
  rerun ms   median server-side rerun after a widget change (Streamlit's AppTest runs the
             script in-process; the first widget on the page that can change is changed),
  figure KB  total JSON of the page's Plotly figures as the server sends them,
  charts     how many Plotly charts the page draws,
  nav s      browser time from a click on the page's sidebar link to every chart drawn
             (headless Chromium; the page's second visit, so the server's caches are
             warm; skipped when Chromium is absent): how a learner moves between chapters,
  1st nav s  the same on the page's first visit since the server started,
  link s     a fresh load of the page's address (a shared link), warm server: it also
             loads and parses Plotly's code, which a sidebar click has already done.
Targets on the 2-core machine: rerun ≤ 150 ms median, figures ≤ 1 MB, nav s ≤ 2.5 s.
Run: python benchmarks/pages.py [--repeats N] [--no-browser]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from core.toc import CHAPTERS, PROGRESS_PAGE  # noqa: E402
from tests.apptest import open_chapter, option_value  # noqa: E402

logging.disable(logging.WARNING)  # AppTest's bare-mode chatter would bury the table

PAGES = [(ch.file, ch.url_path) for ch in CHAPTERS] + [
    (PROGRESS_PAGE["file"], PROGRESS_PAGE["url_path"])
]
TARGETS = {"rerun_ms": 150, "figure_kb": 1024, "charts_s": 2.5}


def load(page_file: str) -> AppTest:
    return open_chapter(None if page_file == CHAPTERS[0].file else page_file, timeout=120)


def figure_bytes(at: AppTest) -> int:
    return sum(len(chart.proto.spec) for chart in at.get("plotly_chart"))


def change_a_widget(at: AppTest, flip: int) -> str:
    """Move the first slider (else select slider, checkbox, selectbox); return what moved."""
    for slider in at.slider:
        lo, hi = slider.min, slider.max
        if hi > lo:
            value = slider.value if not isinstance(slider.value, tuple) else slider.value[0]
            target = hi if (flip % 2 == 0 and value != hi) else lo
            slider.set_value(target)
            return f"slider {slider.label!r}"
    for sel in at.select_slider:
        labels = list(sel.options)
        value = option_value(sel, labels[-1 if flip % 2 == 0 else 0]) if len(labels) > 1 else None
        if value is not None and value != sel.value:
            sel.set_value(value)
            return f"select_slider {sel.label!r}"
    for box in at.checkbox:
        box.set_value(not box.value)
        return f"checkbox {box.label!r}"
    for sel in at.selectbox:
        if len(sel.options) > 1:
            sel.set_value(sel.options[flip % len(sel.options)])
            return f"selectbox {sel.label!r}"
    return "nothing (plain rerun)"


def rerun_times(page_file: str, repeats: int) -> tuple[list[float], str, int]:
    at = load(page_file)
    size = figure_bytes(at)
    times, moved = [], ""
    for i in range(repeats):
        moved = change_a_widget(at, i)
        t0 = time.perf_counter()
        at.run()
        times.append((time.perf_counter() - t0) * 1e3)
        if at.exception:
            raise RuntimeError(f"{page_file}: {at.exception[0].message}")
    return times, moved, size


@dataclass
class BrowserTimes:
    """Seconds from navigation to every chart of a page drawn, in headless Chromium."""

    charts: int  # how many Plotly charts the page draws
    nav_first: float  # sidebar click, the page's first visit since the server started
    nav: float  # sidebar click again: the server's caches warm (what a learner mostly waits)
    link: float  # a fresh load of the page's address, as from a shared link


def plotly_parse_seconds(browser) -> float:
    """Seconds for this Chromium to parse and run Plotly's code in a blank page: a floor
    under every fresh load of a page with a chart (Streamlit ships a similar bundle)."""
    import plotly

    code = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text()
    page = browser.new_page()
    t0 = time.perf_counter()
    page.add_script_tag(content=code)
    elapsed = time.perf_counter() - t0
    page.close()
    return elapsed


def browser_times(url_paths: list[str]) -> dict[str, BrowserTimes | float]:
    from tests.e2e.conftest import (
        CHARTS_DRAWN,
        CHROMIUM,
        CHROMIUM_ARGS,
        READY,
        start_app,
        stop_app,
        wait_ready,
    )

    if not Path(CHROMIUM).exists():
        return {}
    from playwright.sync_api import sync_playwright

    drawn = f"""([away, n]) => {{
        const h1 = document.querySelector('[data-testid="stMain"] h1');
        return h1 !== null && h1.innerText !== away && document.querySelector('{READY}') !== null
            && ({CHARTS_DRAWN})()
            && document.querySelectorAll('[data-testid="stPlotlyChart"]').length >= n; }}"""

    (ROOT / "tests" / "e2e" / "artifacts").mkdir(exist_ok=True)
    proc, base = start_app()
    out: dict[str, BrowserTimes | float] = {}
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})

            def timed(go, away: str = "", charts: int = 0) -> float:
                t0 = time.perf_counter()
                go()
                page.wait_for_function(drawn, arg=[away, charts], timeout=120_000)
                elapsed = time.perf_counter() - t0
                wait_ready(page, timeout=120_000)  # let any rerun it triggers settle
                return elapsed

            def click(url_path: str) -> None:
                page.locator(f'[data-testid="stSidebarNav"] a[href="{base}/{url_path}"]').click()

            # Start on a chart page (Plotly's code is then loaded), then rest on the
            # progress page, which has no charts: every visit below starts from there.
            page.goto(base, wait_until="domcontentloaded")
            wait_ready(page, timeout=120_000)
            home = PROGRESS_PAGE["url_path"]
            click(home)
            wait_ready(page, timeout=120_000)
            away = page.inner_text('[data-testid="stMain"] h1')
            for url_path in url_paths:
                if url_path == home:
                    continue
                target = "" if url_path == CHAPTERS[0].url_path else url_path
                nav_first = timed(lambda t=target: click(t), away)
                charts = len(page.query_selector_all('[data-testid="stPlotlyChart"]'))
                timed(lambda: click(home))
                nav = timed(lambda t=target: click(t), away, charts)
                link = timed(
                    lambda t=target: page.goto(f"{base}/{t}", wait_until="domcontentloaded"),
                    away,
                    charts,
                )
                timed(lambda: click(home))
                out[url_path] = BrowserTimes(charts, nav_first, nav, link)
            out["(plotly.js)"] = plotly_parse_seconds(browser)
            browser.close()
    finally:
        stop_app(proc)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()

    browser = {} if args.no_browser else browser_times([u for _, u in PAGES])
    print(
        f"{'page':18s} {'rerun ms':>9s} {'figure KB':>10s} {'charts':>7s} {'nav s':>6s}"
        f" {'1st nav s':>10s} {'link s':>7s}  widget changed"
    )
    misses = []
    for page_file, url_path in PAGES:
        times, moved, size = rerun_times(page_file, args.repeats)
        median = statistics.median(times)
        row = f"{url_path:18s} {median:9.0f} {size / 1024:10.0f} "
        timing = browser.get(url_path)
        if timing is not None:
            row += (
                f"{timing.charts:7d} {timing.nav:6.2f} {timing.nav_first:10.2f} {timing.link:7.2f}"
            )
        else:
            row += f"{'—':>7s} {'—':>6s} {'—':>10s} {'—':>7s}"
        print(f"{row}  {moved}")
        if median > TARGETS["rerun_ms"]:
            misses.append(f"{url_path}: rerun {median:.0f} ms")
        if size / 1024 > TARGETS["figure_kb"]:
            misses.append(f"{url_path}: figures {size / 1024:.0f} KB")
        if timing is not None and timing.nav > TARGETS["charts_s"]:
            misses.append(f"{url_path}: charts {timing.nav:.2f} s")
    print("targets: rerun ≤ 150 ms median, figures ≤ 1 MB, charts ≤ 2.5 s after a sidebar click")
    print(
        "nav s: sidebar click to every chart drawn, caches warm; 1st nav s: the same on the"
        " page's first visit since the server started; link s: a fresh load of the page's"
        " address (a shared link), which also loads and parses Plotly's code in the browser"
    )
    if "(plotly.js)" in browser:
        print(
            f"Plotly's code alone takes {browser['(plotly.js)']:.2f} s to parse and run in a"
            " blank page of this Chromium: a floor under every fresh load (link s)"
        )
    print("all targets met" if not misses else "missed: " + "; ".join(misses))


if __name__ == "__main__":
    main()

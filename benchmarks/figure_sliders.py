"""How fast a slider inside a figure answers, and what the page's figures weigh.

For each chapter whose main figure carries an in-figure slider (ch0 η, ch2 β, ch3 ρ,
ch4 β₁, ch5 λ, ch7 warmup) prints one line:
  move ms    median (and max) browser time from the mouse going down on a slider step to
             the chart's traces redrawn and painted (headless Chromium, several steps),
  reruns     how many of those moves made the page's script run (should be 0: no server),
  figure KB  total JSON of the page's Plotly figures as the server sends them (AppTest).
Targets: move ≤ 100 ms, figures ≤ 1 MB a page.
Run: python benchmarks/figure_sliders.py [--moves N]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.pages import figure_bytes, load  # noqa: E402
from core.toc import CHAPTERS  # noqa: E402
from tests.e2e.conftest import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    DESKTOP,
    chapter_url,
    start_app,
    stop_app,
    wait_ready,
)
from tests.e2e.test_motion import ARM_SLIDER, SWEEP_CHARTS, move_sweep_slider  # noqa: E402

logging.disable(logging.WARNING)

CHAPTERS_WITH_SLIDERS = {0: "η", 2: "β", 3: "ρ", 4: "β₁", 5: "λ", 7: "warmup"}
TARGET_MS, TARGET_KB = 100, 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--moves", type=int, default=6, help="slider moves per chapter")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    proc, base = start_app()
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport=DESKTOP)
            print(
                f"{'chapter':<28}{'slider':>8}{'move ms (max)':>16}{'reruns':>8}{'figure KB':>11}"
            )
            for number, name in CHAPTERS_WITH_SLIDERS.items():
                chapter = CHAPTERS[number]
                kb = figure_bytes(load(chapter.file).run(timeout=180)) / 1024
                page.goto(chapter_url(base, chapter), wait_until="domcontentloaded")
                wait_ready(page, timeout=180_000)
                if not page.evaluate(f"() => ({SWEEP_CHARTS})().length"):
                    print(f"{chapter.url_path:<28}{name:>8}{'no chart':>16}{'':>8}{kb:>11.0f}")
                    continue
                steps = page.evaluate(ARM_SLIDER, [0, 0])[2]
                page.evaluate("() => window.__sliderProbe.stopWatching()")
                timings, reruns = [], 0
                for k in range(args.moves):
                    step = (k * 3 + 1) % steps  # hop about the range
                    active = page.evaluate(
                        f"() => ({SWEEP_CHARTS})()[0]._fullLayout.sliders[0].active"
                    )
                    step = (step + 1) % steps if step == active else step  # a move, not a no-op
                    result = move_sweep_slider(page, 0, step, settle_ms=600)
                    if result["ms"] is not None:
                        timings.append(result["ms"])
                    reruns += bool(result["reran"])
                median = statistics.median(timings) if timings else float("nan")
                worst = max(timings) if timings else float("nan")
                flag = "" if median <= TARGET_MS and kb <= TARGET_KB else "  ← over target"
                print(
                    f"{chapter.url_path:<28}{name:>8}{median:>9.0f} ({worst:>4.0f}){reruns:>8}"
                    f"{kb:>11.0f}{flag}",
                    flush=True,
                )
            browser.close()
    finally:
        stop_app(proc)


if __name__ == "__main__":
    main()

"""Real-browser fixtures: the app served by `streamlit run`, driven by Debian's Chromium.

Chromium comes from Debian (`apt-get install chromium`), driven by Playwright for
Python through `executable_path` — never a downloaded browser. Without Chromium the
browser tests skip, except under CI=true, where its absence is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'
# Every chart has drawn its SVG, and no element is still a loading skeleton: Plotly's code
# is a lazily loaded chunk, so for a moment after a run ends (seconds on a busy machine,
# in every fresh browser context) the charts are skeletons, not yet charts.
CHARTS_DRAWN = """() => !document.querySelector('[data-testid="stSkeleton"]') &&
    Array.from(document.querySelectorAll('[data-testid="stPlotlyChart"]'))
         .every(c => c.querySelector('.main-svg'))"""
DESKTOP = {"width": 1400, "height": 1000}
PHONE = {"width": 430, "height": 932}


def _require_chromium() -> None:
    if Path(CHROMIUM).exists() or shutil.which("chromium"):
        return
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI=true but Chromium is missing at {CHROMIUM}: .ci/run must install it")
    pytest.skip("Chromium is not installed (apt-get install chromium); browser tests skipped")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(cwd: Path = ROOT, python: str = sys.executable, timeout: float = 90.0):
    """Start `streamlit run app.py` headless on a free port; return (process, base URL)."""
    port = free_port()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = open(ARTIFACTS / f"streamlit-{port}.log", "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        [
            python,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",  # edits on disk must not rerun the app under test
        ],
        cwd=cwd,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited early; see {log.name}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return proc, base
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError(f"streamlit did not become healthy in {timeout:.0f} s")


def stop_app(proc) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def app_url():
    _require_chromium()
    ARTIFACTS.mkdir(exist_ok=True)
    proc, base = start_app()
    yield base
    stop_app(proc)


@pytest.fixture(scope="session")
def browser():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=DESKTOP)
    pg = context.new_page()
    yield pg
    context.close()


def wait_ready(page, timeout: float = 60_000, settle_ms: int = 800) -> None:
    """Wait until the app is idle and every Plotly chart has drawn its SVG.

    The app reports "notRunning" before its first run and between a run and a rerun it
    triggers itself (query-parameter sync, callbacks), so: wait for the page's title
    (every page has one), then for an idle state that lasts ``settle_ms``.
    """
    deadline = time.monotonic() + timeout / 1000
    page.wait_for_selector('[data-testid="stMain"] h1', timeout=timeout)
    while True:
        left = max(1.0, (deadline - time.monotonic()) * 1000)
        page.wait_for_selector(READY, timeout=left)
        page.wait_for_function(CHARTS_DRAWN, timeout=left)
        page.wait_for_timeout(settle_ms)
        if page.query_selector(READY) is not None and page.evaluate(CHARTS_DRAWN):
            return
        if time.monotonic() > deadline:
            raise TimeoutError("the app never settled")


def open_page(page, url: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    wait_ready(page)


def full_screenshot(page, path: Path | str, width: int) -> None:
    """The whole page: Streamlit scrolls inside its main container, not the document,
    so grow the viewport to the content's height first (capped to keep files sane)."""
    page.set_viewport_size({"width": width, "height": 1000})
    page.wait_for_timeout(300)
    height = page.evaluate(
        """() => { const m = document.querySelector('[data-testid="stMain"]');
                   return m ? m.scrollHeight : document.body.scrollHeight; }"""
    )
    page.set_viewport_size({"width": width, "height": int(min(max(height, 600), 30_000))})
    page.wait_for_timeout(800)
    page.screenshot(path=str(path))
    page.set_viewport_size(DESKTOP)


def chapter_url(base: str, chapter) -> str:
    """A chapter's address; the default page (chapter 0) lives at the root."""
    return base + "/" if chapter.number == 0 else f"{base}/{chapter.url_path}"


def exceptions_on(page) -> list[str]:
    return [e.inner_text() for e in page.query_selector_all('[data-testid="stException"]')]


# Tables and display equations wider than the screen: they scroll sideways inside their
# box, which on a phone reads as cut off. (Code blocks, data grids and tab bars scroll
# by design and are not counted.)
CUT_OFF = """() => Array.from(document.querySelectorAll(
        '[data-testid="stMain"] [data-testid="stTable"] > div, [data-testid="stMain"] .katex-display'))
    .filter(e => e.clientWidth > 1 && e.scrollWidth > e.clientWidth + 4)  // KaTeX overhangs by ~2 px
    .map(e => `${e.closest('[data-testid="stTable"]') ? 'table' : 'equation'} ` +
              `${e.scrollWidth}px in ${e.clientWidth}px: ${(e.innerText || '').slice(0, 60)}`)"""


def cut_off_at_width(page, width: int) -> list[str]:
    """What is cut off at the right edge when the page is ``width`` pixels wide."""
    page.set_viewport_size({"width": width, "height": 1000})
    page.wait_for_timeout(500)
    try:
        return page.evaluate(CUT_OFF)
    finally:
        page.set_viewport_size(DESKTOP)

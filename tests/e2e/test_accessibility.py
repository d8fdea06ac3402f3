"""Accessibility: axe-core's WCAG 2 A and AA rules on every page, in a real browser.

The app's own content (everything but Streamlit's navigation list) must have no
violation; each one found is named with the element's HTML so it can be fixed. The
navigation list is Streamlit's own markup, which the app does not control: its findings
are reported (printed), not failed on.
"""

from __future__ import annotations

import pytest

from core.toc import CHAPTERS, PROGRESS_PAGE
from tests.e2e.conftest import DESKTOP, PHONE, chapter_url, open_page

pytestmark = pytest.mark.e2e

WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
STREAMLIT_NAV = '[data-testid="stSidebarNav"]'
# Streamlit fades an element while a rerun that may replace it is running (and fades it
# back in over a moment); a faded element is a passing state, not the page, so the scan
# waits until nothing is stale and every element is fully opaque.
NOTHING_STALE = """() => !document.querySelector('[data-stale="true"]') &&
    Array.from(document.querySelectorAll('[data-testid="stElementContainer"]'))
         .every(e => getComputedStyle(e).opacity === '1')"""

PAGES = [(ch.url_path, ch) for ch in CHAPTERS] + [(PROGRESS_PAGE["url_path"], None)]


def axe_violations(page, *, context) -> list[str]:
    """One line per violating element: rule, impact, the element's HTML, axe's summary."""
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_function(NOTHING_STALE, timeout=60_000)
    options = {"runOnly": {"type": "tag", "values": WCAG_A_AA}, "resultTypes": ["violations"]}
    results = Axe().run(page, context=context, options=options).response
    return [
        f"{v['id']} ({v.get('impact')}): {node.get('html', '')[:160]} — "
        + " ".join(node.get("failureSummary", "").split())[:200]
        for v in results["violations"]
        for node in v["nodes"]
    ]


def page_url(app_url: str, url_path: str, chapter) -> str:
    return chapter_url(app_url, chapter) if chapter else f"{app_url}/{url_path}"


@pytest.mark.parametrize("width", [DESKTOP["width"], PHONE["width"]], ids=["desktop", "phone"])
@pytest.mark.parametrize(("url_path", "chapter"), PAGES, ids=[p for p, _ in PAGES])
def test_no_accessibility_violation_in_the_apps_own_content(
    page, app_url, url_path, chapter, width
):
    page.set_viewport_size({"width": width, "height": 1000})
    open_page(page, page_url(app_url, url_path, chapter))
    own = axe_violations(page, context={"exclude": [[STREAMLIT_NAV]]})
    assert own == [], f"{len(own)} violation(s) on /{url_path} at {width}px:\n" + "\n".join(own)


def test_streamlit_navigation_findings_are_reported_apart(page, app_url, capsys):
    """Streamlit's own navigation list is outside the app's control: report, don't fail."""
    open_page(page, app_url)
    if page.query_selector(STREAMLIT_NAV) is None:
        pytest.skip("the navigation list is not shown at this width")
    found = axe_violations(page, context={"include": [[STREAMLIT_NAV]]})
    with capsys.disabled():
        print(f"\nStreamlit's navigation list: {len(found)} axe finding(s) (not the app's own)")
        for line in found[:5]:
            print("  " + line)

"""Every chart goes through kit.charts.plotly_chart, which adds its summary in words."""

from __future__ import annotations

import ast
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


def direct_plotly_calls(path: Path) -> list[int]:
    """Lines of ``path`` that call ``st.plotly_chart`` themselves."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "plotly_chart"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "st"
    ]


def test_no_page_draws_a_chart_without_its_summary() -> None:
    offenders = {
        str(path.relative_to(ROOT)): lines
        for folder in ("chapters", "kit", "core")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path != ROOT / "kit" / "charts.py" and (lines := direct_plotly_calls(path))
    }
    assert offenders == {}, f"call kit.charts.plotly_chart instead: {offenders}"


def _chart_page() -> None:
    import plotly.graph_objects as go

    from kit import charts

    fig = go.Figure(go.Scatter(name="Adam", y=[3, 2, 1]))
    fig.update_layout(title="Loss <b>over</b> steps", xaxis_title="step", yaxis_title="loss")
    charts.plotly_chart(fig, key="chart")
    charts.plotly_chart(fig, key="chart2", summary="A <custom> sentence.")


def test_the_summary_follows_the_chart_escaped() -> None:
    at = AppTest.from_function(_chart_page, default_timeout=60)
    at.run()
    assert not at.exception
    bodies = [el.proto.body for el in at.get("html")]
    assert bodies == [
        '<p class="sr-only">Chart summary: Loss over steps. x axis: step; y axis: loss. '
        "Shows: Adam.</p>",
        '<p class="sr-only">Chart summary: A &lt;custom&gt; sentence.</p>',
    ]

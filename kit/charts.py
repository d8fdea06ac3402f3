"""Draw a Plotly chart with its summary for screen readers.

Every chart on the course goes through :func:`plotly_chart` (a test checks that no
page calls ``st.plotly_chart`` itself), so each one is followed by a visually hidden
sentence (:func:`kit.plots.summary.chart_summary`) that a screen reader reads out.
"""

from __future__ import annotations

import html
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from kit.plots.summary import chart_summary


def plotly_chart(fig: go.Figure, *, summary: str | None = None, **kwargs: Any) -> Any:
    """``st.plotly_chart(fig, **kwargs)`` followed by the chart's summary in words.

    ``summary`` replaces the sentence built from the figure (say what a chart's
    numbers mean where its title and series don't).
    """
    result = st.plotly_chart(fig, **kwargs)
    text = summary or chart_summary(fig)
    # The .sr-only class (core/style.css) hides it on screen, not from screen readers.
    st.html(f'<p class="sr-only">Chart summary: {html.escape(text)}</p>')
    return result

"""Optimizers, interactively: the entry point.

Run with ``streamlit run app.py``. The chapter list lives in ``core/toc.py`` and each
chapter in its folder under ``chapters/``; this file only configures the page, builds
the navigation and draws the sidebar.
"""

from pathlib import Path

import streamlit as st

from core.nav import build_pages, sidebar_progress
from core.remember import keep_progress, restore_progress

st.set_page_config(
    page_title="Optimizers, interactively",
    page_icon=":material/landscape:",
    layout="wide",
    initial_sidebar_state="auto",
    menu_items={"About": "An interactive course on how neural-network optimizers work."},
)

# The app's few style rules (equations, captions, phone widths); style-only HTML takes no room.
st.html(Path(__file__).parent / "core" / "style.css")
page = st.navigation(build_pages(), position="sidebar", expanded=True)
restore_progress()  # a reload finds its quiz progress again (a cookie in the browser)
sidebar_progress()
page.run()
keep_progress()

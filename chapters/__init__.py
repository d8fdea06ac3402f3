"""The course, one package per chapter (``ch00_landscape`` … ``ch09_cheatsheet``) and the
progress page. A chapter folder holds everything that is that chapter's alone:

- ``page.py``: the page script, prose in lesson order (thin);
- ``sections.py``: its interactive sections (fragments, widgets);
- ``logic.py`` (and any other module that is not one of these four): its pure logic,
  constants, worked tables and analyses, importable without Streamlit or Plotly;
- ``figures.py``: its own figure builders (Plotly, no Streamlit);
- ``quiz.toml`` and ``quiz.py``: its questions and the generators it registers.

Chapters import the kit, the core and the engine, never each other.
"""

"""The kit: widgets, plots and helpers that several chapters share.

- :mod:`kit.state` (runs in the session), :mod:`kit.controls` (widgets that survive
  page switches), :mod:`kit.clicks` (clickable charts), :mod:`kit.explorer` (the
  landscape explorer), :mod:`kit.code_panel` ("from scratch" panels);
- :mod:`kit.plots` (figure builders by kind: landscapes, curves, bars, panels, memo);
- pure helpers (no Streamlit, no Plotly; chapters' logic may use them):
  :mod:`kit.format`, :mod:`kit.measure`, :mod:`kit.options`, :mod:`kit.status`,
  :mod:`kit.palette`, :mod:`kit.plots.series`.

The kit imports no chapter and nothing from :mod:`core`.
"""

"""The kit: widgets, plots and helpers that several chapters share.

- :mod:`kit.state` (runs in the session), :mod:`kit.controls` (widgets that survive
  page switches), :mod:`kit.clicks` (clickable charts), :mod:`kit.explorer` (the
  landscape explorer), :mod:`kit.code_panel` ("from scratch" panels);
- :mod:`kit.plots` (figure builders by kind: landscapes, curves, bars, panels, memo);
- pure helpers: :mod:`kit.format`, :mod:`kit.measure`, :mod:`kit.status`,
  :mod:`kit.palette`.

The kit imports no chapter and nothing from :mod:`core`.
"""

"""Figure builders several chapters share, one module per kind of picture.

:mod:`~kit.plots.series` (what to draw, plain data), :mod:`~kit.plots.base` (layout and
playback), :mod:`~kit.plots.landscape`, :mod:`~kit.plots.curves`, :mod:`~kit.plots.bars`,
:mod:`~kit.plots.panels` and :mod:`~kit.plots.memo` (figures reused across reruns). A
builder that serves one chapter lives in that chapter's ``figures.py``.
"""

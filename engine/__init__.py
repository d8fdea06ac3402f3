"""The course's pure-numpy core: optimizers, landscapes, schedules, simulations.

Nothing here imports streamlit or plotly; pages only arrange what this computes.
Import the modules you need: ``from engine import optimizers, landscapes, simulate``.
"""

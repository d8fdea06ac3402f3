"""Optimizer runs that live in ``st.session_state``, namespaced per page.

A :class:`Run` is an immutable record of one optimizer on one landscape: where it
started, every position and loss so far, and the optimizer's buffers after the last
step (so the next Step continues exactly). The pure functions :func:`start_run`,
:func:`advance`, :func:`retune` and :func:`restart` build new records from old ones;
:class:`PageState` and :func:`sync_run` keep them in the session.

Rules the course follows (every simulation that steps an optimizer):

- Step advances one update; Play precomputes N more and marks them for playback.
- A hyperparameter change continues from the current buffers (:func:`retune`).
- A change of optimizer, landscape or start begins a new run (:func:`sync_run`).
- ``st.session_state`` survives page switches, so a page finds its runs as it left
  them. Widget values do not survive by default: create widgets with
  :func:`kit.controls.persistent` (a key from :meth:`PageState.key` and
  ``persist_state="session"``).

Example (a page with one SGD run)::

    ps = page_state("ch00")  # kit.controls.page_state: PageState over st.session_state
    run = sync_run(ps, "explorer", optimizer="sgd", hyperparams={"lr": lr},
                   landscape="bowl", start=start)
    if st.button("Step"):
        run = ps.update_run("explorer", advance(run, 1))
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine import landscapes, optimizers, simulate
from kit import own_landscape

Point = tuple[float, float]
Noise = tuple[float, int, int]  # (σ per example, batch size, seed) for landscapes.noisy

MAX_STEPS = 5000  # a run keeps at most this many steps of history (memory and payload)


@dataclass(frozen=True)
class Run:
    """One optimizer run: its settings, history and live buffers.

    ``path`` is (steps+1, 2) and ``losses`` (steps+1,), index 0 being the start.
    ``opt_state`` is the engine's optimizer state after the last step (``"t"`` plus
    buffers such as ``velocity``); ``buffer_history`` holds every buffer per step
    when the run was started with ``record_buffers=True``. ``play_from`` is the step
    where the last Play began, so a figure can animate just that stretch.
    """

    optimizer: str
    hyperparams: dict[str, float]
    landscape: str
    start: Point
    path: np.ndarray
    losses: np.ndarray
    opt_state: dict[str, Any]
    diverged_at: int | None = None
    play_from: int | None = None
    record_buffers: bool = False
    buffer_history: dict[str, np.ndarray] = field(default_factory=dict)
    noise: Noise | None = None  # gradient noise on top of the landscape (see landscape_of)

    @property
    def steps(self) -> int:
        return len(self.losses) - 1

    @property
    def params(self) -> np.ndarray:
        """Current position θ (shape (2,))."""
        return self.path[-1]

    @property
    def loss(self) -> float:
        return float(self.losses[-1])

    @property
    def diverged(self) -> bool:
        return self.diverged_at is not None

    @property
    def last_sane_step(self) -> int:
        """The last step worth showing: the divergence step, or the current one."""
        return self.steps if self.diverged_at is None else min(self.diverged_at, self.steps)

    @property
    def buffers(self) -> dict[str, np.ndarray]:
        """The optimizer's current buffers (velocity, m, v …), without the step count."""
        return {k: v for k, v in self.opt_state.items() if k != "t"}

    def make_optimizer(self) -> optimizers.Optimizer:
        return optimizers.make(self.optimizer, **self.hyperparams)

    @property
    def land(self) -> landscapes.Landscape:
        """The landscape this run steps on, with its gradient noise (if any)."""
        return landscape_of(self.landscape, self.noise)


def normalize_noise(noise: Noise | None) -> Noise | None:
    """``None`` for no extra noise (σ ≤ 0), else ``(float σ, int batch, int seed)``."""
    if noise is None or float(noise[0]) <= 0:
        return None
    return float(noise[0]), int(noise[1]), int(noise[2])


def landscape_of(name: str, noise: Noise | None = None) -> landscapes.Landscape:
    """Landscape ``name``; with ``noise=(σ, batch, seed)`` and σ > 0, its noisy version.

    σ = 0 (or ``noise=None``) keeps the landscape as registered, so a landscape with
    built-in noise (``noisy_ravine``) keeps its own.
    """
    land = own_landscape.get(name)  # a built-in landscape, or a typed formula's key
    if noise is None or float(noise[0]) <= 0:
        return land
    sigma, batch, seed = noise
    return landscapes.noisy(land, float(sigma), int(batch), int(seed))


def start_run(
    optimizer: str,
    hyperparams: Mapping[str, float],
    landscape: str,
    start: Point,
    *,
    record_buffers: bool = False,
    noise: Noise | None = None,
) -> Run:
    """A run at step 0: the ball sits at ``start`` with fresh (zero) buffers."""
    noise = normalize_noise(noise)
    land = landscape_of(landscape, noise)
    opt = optimizers.make(optimizer, **dict(hyperparams))
    params = np.asarray(start, dtype=np.float64).reshape(2)
    opt_state = opt.init(params)
    with np.errstate(all="ignore"):
        loss0 = float(land.loss(params))
    history = (
        {k: np.asarray(v, dtype=np.float64)[None] for k, v in opt_state.items() if k != "t"}
        if record_buffers
        else {}
    )
    return Run(
        optimizer=optimizer,
        hyperparams=dict(hyperparams),
        landscape=landscape,
        start=(float(params[0]), float(params[1])),
        path=params[None].copy(),
        losses=np.array([loss0]),
        opt_state=opt_state,
        diverged_at=None if np.isfinite(loss0) else 0,
        record_buffers=record_buffers,
        buffer_history=history,
        noise=noise,
    )


def advance(run: Run, n: int = 1, *, play: bool = False) -> Run:
    """``run`` after ``n`` more updates, continuing from its buffers (pure).

    A diverged run stays as it is (the engine froze it); a run never grows past
    :data:`MAX_STEPS`. ``play=True`` marks the new stretch for playback.
    """
    n = max(0, min(int(n), MAX_STEPS - run.steps))
    if n == 0 or run.diverged:
        return run
    land = run.land
    traj = simulate.run(
        run.make_optimizer(),
        land,
        run.params,
        n,
        state=run.opt_state,
        record_state=run.record_buffers,
    )
    diverged_at = None if traj.diverged_at is None else run.steps + int(traj.diverged_at)
    history = run.buffer_history
    if run.record_buffers and traj.states:
        history = {
            k: np.concatenate([history[k], np.asarray(traj.states[k][1:], dtype=np.float64)])
            if k in history
            else np.asarray(traj.states[k], dtype=np.float64)
            for k in traj.states
        }
    return dataclasses.replace(
        run,
        path=np.concatenate([run.path, traj.params[1:]]),
        losses=np.concatenate([run.losses, traj.losses[1:]]),
        opt_state=traj.final_state,
        diverged_at=diverged_at,
        play_from=run.steps if play else None,
        buffer_history=history,
    )


def retune(run: Run, hyperparams: Mapping[str, float]) -> Run:
    """The same run with new hyperparameters; history and buffers carry on (pure).

    Raises ``ValueError`` (from the engine) when a value is invalid, so the caller can
    show a message and keep the old settings.
    """
    optimizers.make(run.optimizer, **dict(hyperparams))  # validate before committing
    return dataclasses.replace(run, hyperparams=dict(hyperparams), play_from=None)


def restart(run: Run, start: Point | None = None) -> Run:
    """A fresh run with the same settings, from ``start`` (default: the run's own start)."""
    return start_run(
        run.optimizer,
        run.hyperparams,
        run.landscape,
        run.start if start is None else start,
        record_buffers=run.record_buffers,
        noise=run.noise,
    )


def replay_to(run: Run, step: int) -> Run:
    """``run`` recomputed from its start to ``step`` updates with its current settings (pure).

    Runs are deterministic (gradient noise is seeded by step), so this is how a reload or
    a shared link that says "step N" brings a race back: the same positions, losses and
    buffers as stepping there. A run already at ``step`` is returned as it is.
    """
    step = max(0, min(int(step), MAX_STEPS))
    if run.steps == step:
        return run
    return advance(restart(run), step)


def buffers_at(run: Run, step: int) -> dict[str, np.ndarray]:
    """Buffers after ``step`` updates (needs ``record_buffers=True``; else the current ones)."""
    if not run.buffer_history:
        return run.buffers
    step = max(0, min(int(step), run.steps))
    return {k: v[step] for k, v in run.buffer_history.items()}


# --------------------------------------------------------------------------- session


def session_key(page: str, name: str) -> str:
    """The session key (and widget key) of ``name`` on ``page``: ``"<page>::<name>"``."""
    return f"{page}::{name}"


class PageState:
    """A session store seen through a page's namespace: keys become ``"<page>::<name>"``.

    ``store`` is ``st.session_state`` on a page (see :func:`kit.controls.page_state`) and
    any mutable mapping elsewhere (a plain dict in tests).
    """

    def __init__(self, page: str, store: Any) -> None:
        self.page = page
        self.store = store

    def key(self, name: str) -> str:
        """The session key (and widget key) for ``name`` on this page."""
        return session_key(self.page, name)

    def get(self, name: str, default: Any = None) -> Any:
        return self.store.get(self.key(name), default)

    def set(self, name: str, value: Any) -> Any:
        self.store[self.key(name)] = value
        return value

    def setdefault(self, name: str, default: Any) -> Any:
        if self.key(name) not in self.store:
            self.store[self.key(name)] = default
        return self.store[self.key(name)]

    def pop(self, name: str, default: Any = None) -> Any:
        return self.store.pop(self.key(name), default)

    def run(self, name: str) -> Run | None:
        value = self.get(f"run:{name}")
        return value if isinstance(value, Run) else None

    def update_run(self, name: str, run: Run) -> Run:
        return self.set(f"run:{name}", run)

    def drop_run(self, name: str) -> None:
        """Forget run ``name``: the next :func:`sync_run` starts it afresh."""
        self.pop(f"run:{name}")


def sync_run(
    ps: PageState,
    name: str,
    *,
    optimizer: str,
    hyperparams: Mapping[str, float],
    landscape: str,
    start: Point,
    record_buffers: bool = False,
    noise: Noise | None = None,
) -> Run:
    """The page's run ``name``, brought in line with the current settings.

    - no run yet, or optimizer / landscape / start / gradient noise changed → a fresh run;
    - only hyperparameters changed → :func:`retune` (buffers and history kept);
    - nothing changed → the stored run as it was.
    """
    run = ps.run(name)
    start = (float(start[0]), float(start[1]))
    noise = normalize_noise(noise)
    if (
        run is None
        or run.optimizer != optimizer
        or run.landscape != landscape
        or not np.allclose(run.start, start)
        or run.record_buffers != record_buffers
        or run.noise != noise
    ):
        run = start_run(
            optimizer, hyperparams, landscape, start, record_buffers=record_buffers, noise=noise
        )
        return ps.update_run(name, run)
    if dict(run.hyperparams) != dict(hyperparams):
        run = ps.update_run(name, retune(run, hyperparams))
    return run

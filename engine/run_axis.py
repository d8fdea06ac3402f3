"""The engine's optimizers on many runs at once: params with a leading *run* axis.

``Optimizer.step`` takes each dict leaf as one whole tensor, so for a leaf of shape
(R, m, n) holding R runs' weights, LAMB's and LARS's norms, Adafactor's RMS and
factoring and Sophia's random probe would span all R runs. The functions here run the
optimizer's own chain of transforms (``opt.transform``) on each leaf with the axes of
*one run's* tensor (``Context.axes``) and share one Hutchinson probe between runs, so
every run computes exactly what it would alone. Hyperparameters that differ between
runs are arrays of shape (R, 1, 1); biases are stored (R, 1, n) so that the same array
broadcasts against every leaf.

State keys follow the engine's: ``"<buffer>/<leaf>"`` plus the step count ``"t"``.
If ``Optimizer`` learns to take a number of leading batch axes for dict leaves, and
``hutchinson_diagonal`` to draw its probe per run, this module reduces to ``opt.step``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from engine import optimizers
from engine import transforms as tx
from engine.optimizers import Optimizer

__all__ = [
    "init_runs_state",
    "optimizer_for_runs",
    "per_run",
    "run_updates",
    "shared_probe_hessian",
    "step_runs",
    "tensor_axes",
]

Array = np.ndarray
Params = dict[str, Array]
Schedule = Callable[[Any], Any]


def tensor_axes(leaf: str) -> tuple[int, ...]:
    """The axes of one run's tensor in leaf ``leaf``: (1, 2) for W, (2,) for b.

    Biases are stored (R, 1, n); taking only their last axis keeps Adafactor's plain
    second moment for them, as for a 1-D bias. Leaves are told apart by name (``b…`` is
    a bias), since a W with one input row has a bias's shape.
    """
    return (2,) if leaf.startswith("b") else (1, 2)


def init_runs_state(opt: Optimizer, params: Params) -> dict[str, Any]:
    """``opt.init`` for params with a leading run axis: buffers per run and per tensor."""
    state: dict[str, Any] = {"t": 0}
    for leaf, value in params.items():
        for buffer, array in opt.transform.init(value, tensor_axes(leaf)).items():
            state[f"{buffer}/{leaf}"] = array
    return state


def step_runs(
    opt: Optimizer,
    params: Params,
    grads: Params,
    state: Mapping[str, Any],
    grad_fn: Callable[[Params], Params] | None = None,
) -> tuple[Params, dict[str, Any], Params]:
    """``opt``'s update for params with a leading run axis; returns (params, state, updates).

    The engine's ``Optimizer.step`` takes a dict leaf as one tensor, so norms (LAMB,
    LARS), RMS and factoring (Adafactor) would span all runs. Here the optimizer's own
    chain runs on each leaf with the tensor axes of one run, and Sophia's Hutchinson
    probe is drawn for one network and shared by all runs, as a single run draws it.
    ``grads`` are the gradients at ``opt.lookahead(params, state)`` (the params
    themselves except for the lookahead form of Nesterov); ``grad_fn`` is needed only
    when the optimizer estimates a Hessian this step.
    """
    updates, new_state = run_updates(opt, params, grads, state, grad_fn)
    return {k: params[k] + updates[k] for k in params}, new_state, updates


def run_updates(
    opt: Optimizer,
    params: Params,
    grads: Params,
    state: Mapping[str, Any],
    grad_fn: Callable[[Params], Params] | None,
) -> tuple[Params, dict[str, Any]]:
    """The steps to add to ``params`` (in their dtype) and the new state; see step_runs."""
    t = int(state["t"]) + 1
    hessian = None
    if opt.hessian_period and (t - 1) % opt.hessian_period == 0:
        if grad_fn is None:
            raise ValueError(f"{opt.name} needs grad_fn to estimate the Hessian at step {t}")
        hessian = shared_probe_hessian(grad_fn, opt.lookahead(params, state), (opt.seed, t))
    new_state: dict[str, Any] = dict(state)
    new_state["t"] = t
    updates: Params = {}
    for leaf, keys in _buffer_keys(state, tuple(params)).items():
        value = params[leaf]
        buffers = {buffer: state[key] for buffer, key in keys}
        ctx = tx.Context(value, tensor_axes(leaf), t, None if hessian is None else hessian[leaf])
        update, changed = opt.transform.update(grads[leaf], buffers, ctx)
        updates[leaf] = update.astype(value.dtype, copy=False)
        for buffer, array in changed.items():
            new_state[f"{buffer}/{leaf}"] = array
    return updates, new_state


def _buffer_keys(
    state: Mapping[str, Any], leaves: tuple[str, ...]
) -> dict[str, list[tuple[str, str]]]:
    """(buffer, state key) pairs of each leaf, from keys written ``"<buffer>/<leaf>"``."""
    keys: dict[str, list[tuple[str, str]]] = {leaf: [] for leaf in leaves}
    for key in state:
        buffer, _, leaf = key.rpartition("/")
        if buffer and leaf in keys:
            keys[leaf].append((buffer, key))
    return keys


def shared_probe_hessian(grad_fn: Callable[[Params], Params], params: Params, seed: Any) -> Params:
    """Hutchinson's u ⊙ (H u) for every run, with one Rademacher probe u per tensor.

    The probe is drawn with one network's shapes, in the order of the leaves, exactly
    as ``optimizers.hutchinson_diagonal`` draws it for a single network, then
    broadcast over the runs; H u is a central difference of two gradient calls.
    """
    rng = np.random.default_rng(seed)
    probe = {
        k: rng.choice((-1.0, 1.0), size=v.shape[1:]).astype(v.dtype) for k, v in params.items()
    }
    h = optimizers.HESSIAN_PROBE_STEP
    plus = grad_fn({k: params[k] + h * probe[k] for k in params})
    minus = grad_fn({k: params[k] - h * probe[k] for k in params})
    return {k: probe[k] * (plus[k] - minus[k]) / (2 * h) for k in params}


def per_run(default: Any) -> bool:
    """Float hyperparameters may differ run by run; flags, periods and seeds may not."""
    return isinstance(default, float)


def optimizer_for_runs(
    name: str,
    hyperparams: Sequence[Mapping[str, Any]],
    schedule: Schedule | None = None,
    dtype: Any = np.float64,
) -> Optimizer:
    """One optimizer ``name`` for runs with these hyperparameters (one mapping per run).

    Float hyperparameters that differ between runs become arrays of shape (R, 1, 1),
    which broadcast against every leaf (weights (R, m, n), biases (R, 1, n)); equal ones
    stay plain floats. Flags, periods and seeds must be equal for all runs. ``schedule``
    (a factor on the rate, a function of the 0-based step) multiplies every run's rate.
    """
    defaults = optimizers.info(name).defaults
    hyper: dict[str, Any] = {}
    for key, default in defaults.items():
        values = [h.get(key, default) for h in hyperparams]
        if not per_run(default):
            if any(v != values[0] for v in values):
                raise ValueError(f"{name}: {key} must be the same for every run, got {values}")
            hyper[key] = values[0]
            continue
        column = np.asarray(values, dtype=float)
        hyper[key] = float(column[0]) if np.all(column == column[0]) else column[:, None, None]
    lr = hyper.pop("lr")
    if schedule is not None:
        lr = _scheduled(lr, schedule, dtype)
    elif np.ndim(lr) and dtype != np.float64:
        lr = _scheduled(lr, None, dtype)  # a constant array in the params' dtype
    return optimizers.make(name, lr=lr, **hyper)


def _scheduled(lr: Any, schedule: Schedule | None, dtype: np.dtype) -> Callable[[Any], Any]:
    """lr × schedule(step) as a function of the 0-based step, in the params' dtype.

    An array rate given as a plain value would be stored in float64 and lift every
    float32 update to float64; a function returning float32 keeps the update float32.
    """
    base = np.asarray(lr, dtype=dtype) if np.ndim(lr) else float(lr)
    if schedule is None:
        return lambda step: base
    return lambda step: base * float(schedule(step))

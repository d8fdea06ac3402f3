"""The machinery under :mod:`engine.optimizers`: the spec an optimizer is declared with,
the validated ``make``, and the :class:`Optimizer` that steps a chain of transforms.

Nothing here names an optimizer: every optimizer-specific fact lives in its one entry
in ``engine/optimizers.py``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from engine import transforms as tx
from engine.transforms import Transform

Array = np.ndarray
Params = Array | dict[str, Array]
GradFn = Callable[[Params], Params]

HESSIAN_PROBE_STEP = 1e-4  # finite-difference step of Sophia's Hessian-vector products

# How a hyperparameter is checked in ``make``: the rule, and the words of its error.
CHECKS: dict[str, str] = {
    "rate": "≥ 0 (or a schedule: a function of the 0-based step)",
    "nonneg": "≥ 0",
    "unit": "in [0, 1)",
    "positive": "> 0",
    "negative": "< 0",
    "period": "a whole number ≥ 1",
    "seed": "a whole number ≥ 0",
    "flag": "True or False",
}


@dataclass(frozen=True)
class Hyper:
    """One hyperparameter: its default, how it is checked, and its slider on the pages."""

    default: Any
    check: str  # a key of CHECKS
    slider: tuple[float, float, bool] | None = None  # (low, high, log scale); None: no slider

    def __post_init__(self) -> None:
        if self.check not in CHECKS:
            raise ValueError(f"unknown check {self.check!r}; use one of {', '.join(CHECKS)}")


@dataclass(frozen=True)
class OptimizerInfo:
    """Everything the course knows about one optimizer: declared once, read everywhere.

    The engine builds the optimizer from ``build`` and ``hyper``; pages render the name,
    equation, sliders, colour and links from the rest.
    """

    name: str
    display_name: str
    year: int
    paper: str
    innovation: str  # the one idea it adds, in a sentence
    buffers: tuple[str, ...]  # state kept per weight, as named in ``state``
    update_latex: str
    hyper: dict[str, Hyper]
    build: Callable[[dict[str, Any]], Transform]  # validated hyperparameters → chain
    best_for: str
    parents: tuple[str, ...]  # the optimizers it builds on (the family tree)
    memory: str  # optimizer state per weight, in words
    colour: str  # its colour on every chart of the course
    chapter: int  # the chapter that teaches it
    reference: str  # what it is proven equal to (see tests/engine/fixtures)
    convention: str = ""  # where it follows a reference's convention rather than the paper
    race_lr: float | None = None  # its rate in chapter 6's race against Adam
    recipe_name: str = ""  # how a recipe names it (defaults to display_name)
    short_name: str = ""  # on crowded charts (defaults to display_name)
    # Per-weight rate η/(√s+ε) an adaptive method applies now: (hyperparams, state, rate, t).
    per_weight_rate: Callable[[Mapping[str, Any], Mapping[str, Any], Any, int], Array] | None = (
        field(default=None, repr=False)
    )
    # Extra Optimizer fields from the hyperparameters (Nesterov's lookahead, Sophia's period).
    step_options: Callable[[Mapping[str, Any]], dict[str, Any]] | None = field(
        default=None, repr=False
    )

    def __post_init__(self) -> None:
        for attr in ("recipe_name", "short_name"):
            if not getattr(self, attr):
                object.__setattr__(self, attr, self.display_name)

    @property
    def defaults(self) -> dict[str, Any]:
        return {key: h.default for key, h in self.hyper.items()}

    @property
    def ranges(self) -> dict[str, tuple[float, float, bool]]:
        """Slider ranges of the hyperparameters that have a slider."""
        return {key: h.slider for key, h in self.hyper.items() if h.slider is not None}

    @property
    def n_buffers(self) -> int:
        return len(self.buffers)


@dataclass(frozen=True)
class Optimizer:
    """A named chain of transforms with its hyperparameters baked in."""

    name: str
    hyperparams: dict[str, Any]
    transform: Transform
    lookahead_beta: Any = None  # the lesson's Nesterov: the gradient is taken at θ − η·β·v
    hessian_period: int = 0  # Sophia: refresh the Hessian estimate every this many steps
    seed: int = 0
    _lr: Any = field(default=None, repr=False)

    def init(self, params: Params) -> dict[str, Any]:
        _check_finite(params, "params")
        state: dict[str, Any] = {"t": 0}
        for leaf, value, axes in _leaves(params):
            for buffer, array in self.transform.init(value, axes).items():
                state[_key(buffer, leaf)] = array
        return state

    def lookahead(self, params: Params, state: Mapping[str, Any]) -> Params:
        """Where the next gradient is taken: the params themselves, or θ − η·β·v in the
        lesson's lookahead form (``make("nesterov", lookahead=True)``)."""
        if self.lookahead_beta is None:
            return params
        rate = tx.rate_at(self._lr, int(state["t"]) + 1)
        return _map(
            lambda leaf, value: value - rate * self.lookahead_beta * state[_key("velocity", leaf)],
            params,
        )

    def step(self, params: Params, grad_fn: GradFn, state: Mapping[str, Any]):
        """One update: returns ``(new_params, new_state)``."""
        new_params, new_state, _ = self._step(params, grad_fn, state, None)
        return new_params, new_state

    def step_with_info(self, params: Params, grad_fn: GradFn, state: Mapping[str, Any]):
        """One update plus what happened inside it: ``(new_params, new_state, info)``.

        ``info`` holds the gradient, the point it was taken at, the step added to the
        params and whatever the links noted (m̂, v̂, trust ratio, rectification …).
        """
        return self._step(params, grad_fn, state, {})

    def _step(self, params, grad_fn, state, diag):
        t = int(state["t"]) + 1
        point = params if self.lookahead_beta is None else self.lookahead(params, state)
        grads = grad_fn(point)
        _check_same_shape(grads, params)
        hessian = None
        if self.hessian_period and (t - 1) % self.hessian_period == 0:
            hessian = hutchinson_diagonal(grad_fn, point, seed=(self.seed, t))
        new_state: dict[str, Any] = dict(state)
        new_state["t"] = t
        if isinstance(params, dict):
            new_params = {}
            for leaf, value, axes in _leaves(params):
                buffers = {b: state[k] for b, k in self._buffer_keys(state, leaf)}
                notes = {} if diag is not None else None
                ctx = tx.Context(value, axes, t, None if hessian is None else hessian[leaf], notes)
                update, changed = self.transform.update(np.asarray(grads[leaf]), buffers, ctx)
                new_params[leaf] = value + update
                for buffer, array in changed.items():
                    new_state[_key(buffer, leaf)] = array
                if diag is not None:
                    notes.update(grad=grads[leaf], point=point[leaf], update=update)
                    diag.update({_key(name, leaf): v for name, v in notes.items()})
        else:
            params = np.asarray(params, dtype=float)
            ctx = tx.Context(params, _tensor_axes(params), t, hessian, diag)
            update, changed = self.transform.update(np.asarray(grads), state, ctx)
            new_params = params + update
            new_state.update(changed)
            if diag is not None:
                diag.update(grad=grads, point=point, update=update)
        return new_params, new_state, diag

    @staticmethod
    def _buffer_keys(state: Mapping[str, Any], leaf: str):
        suffix = "/" + leaf
        return [(k[: -len(suffix)], k) for k in state if k.endswith(suffix)]


def make_optimizer(spec: OptimizerInfo, hyperparams: Mapping[str, Any]) -> Optimizer:
    """Check ``hyperparams`` against ``spec`` (defaults fill the rest) and build the chain."""
    unknown = sorted(set(hyperparams) - set(spec.hyper))
    if unknown:
        raise ValueError(
            f"{spec.name} has no hyperparameter {', '.join(unknown)}; "
            f"it takes {', '.join(spec.hyper)}"
        )
    hp = {**spec.defaults, **hyperparams}
    for key, value in hp.items():
        hp[key] = _checked(spec.name, key, value, spec.hyper[key].check)
    options = spec.step_options(hp) if spec.step_options else {}
    return Optimizer(
        name=spec.name, hyperparams=hp, transform=spec.build(hp), _lr=hp["lr"], **options
    )


def builder_source(spec: OptimizerInfo) -> str:
    """The source code of the function that builds ``spec``'s chain (shown on chapter 5)."""
    return inspect.getsource(spec.build)


def _checked(name: str, key: str, value: Any, check: str) -> Any:
    if check == "flag":
        if not isinstance(value, bool | np.bool_):
            raise ValueError(f"{name}: {key} must be {CHECKS[check]}, got {value!r}")
        return bool(value)
    if check == "rate" and callable(value):
        return value  # a schedule: checked at every step by transforms.rate_at
    if check in ("period", "seed"):
        least = 1 if check == "period" else 0
        if isinstance(value, bool) or not _is_whole(value) or value < least:
            raise ValueError(f"{name}: {key} must be {CHECKS[check]}, got {value!r}")
        return int(value)
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: {key} must be a number, got {value!r}") from None
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{name}: {key} must be finite, got {value!r}")
    bad = {
        "rate": array < 0,
        "nonneg": array < 0,
        "unit": (array < 0) | (array >= 1),
        "positive": array <= 0,
        "negative": array >= 0,
    }[check]
    if np.any(bad):
        raise ValueError(f"{name}: {key} must be {CHECKS[check]}, got {value!r}")
    return float(array) if array.ndim == 0 else array


def _is_whole(value: Any) -> bool:
    try:
        return float(value).is_integer()
    except (TypeError, ValueError):
        return False


def _check_finite(params: Params, what: str) -> None:
    for leaf, value, _ in _leaves(params):
        if not np.all(np.isfinite(value)):
            where = f" {leaf!r}" if leaf else ""
            raise ValueError(f"{what}{where} must be finite to start from, got {value!r}")


def _check_same_shape(grads: Params, params: Params) -> None:
    """A gradient shaped unlike its params would broadcast silently and reshape them."""
    if getattr(grads, "shape", None) == getattr(params, "shape", False):
        return  # the hot path: two ndarrays of one shape
    if isinstance(params, dict):
        if not isinstance(grads, Mapping) or set(grads) != set(params):
            got = sorted(grads) if isinstance(grads, Mapping) else type(grads).__name__
            raise ValueError(
                f"the gradient must have the params' leaves {sorted(params)}, got {got}"
            )
        pairs = [(leaf, grads[leaf], params[leaf]) for leaf in params]
    else:
        pairs = [("", grads, params)]
    for leaf, grad, param in pairs:
        if np.shape(grad) != np.shape(param):
            where = f" of {leaf!r}" if leaf else ""
            raise ValueError(
                f"the gradient{where} has shape {np.shape(grad)}, the params {np.shape(param)}"
            )


def _key(buffer: str, leaf: str) -> str:
    return f"{buffer}/{leaf}" if leaf else buffer


def _tensor_axes(value: Array) -> tuple[int, ...]:
    """Axes of one parameter vector in an ndarray param: the last (none for a 0-d scalar)."""
    return (-1,) if np.ndim(value) else ()


def _leaves(params: Params):
    """(leaf name, value, axes of one tensor) for each parameter leaf."""
    if isinstance(params, dict):
        return [
            (name, np.asarray(v, dtype=float), tuple(range(np.ndim(v))))
            for name, v in params.items()
        ]
    value = np.asarray(params, dtype=float)
    return [("", value, _tensor_axes(value))]


def _map(fn, params: Params) -> Params:
    if isinstance(params, dict):
        return {name: fn(name, np.asarray(v, dtype=float)) for name, v in params.items()}
    return fn("", np.asarray(params, dtype=float))


def hutchinson_diagonal(grad_fn: GradFn, params: Params, seed) -> Params:
    """Hutchinson's estimate u ⊙ (H u) of the Hessian diagonal, u a Rademacher vector.

    H u comes from a central difference of two gradient calls, so only ``grad_fn`` is
    needed. Seeded by ``seed`` so that stepping one update at a time repeats a run.
    """
    rng = np.random.default_rng(seed)
    h = HESSIAN_PROBE_STEP
    if isinstance(params, dict):
        probe = {k: rng.choice((-1.0, 1.0), size=np.shape(v)) for k, v in params.items()}
        plus = grad_fn({k: params[k] + h * probe[k] for k in params})
        minus = grad_fn({k: params[k] - h * probe[k] for k in params})
        return {k: probe[k] * (plus[k] - minus[k]) / (2 * h) for k in params}
    # One probe shared by every run of a batch, so a sweep repeats its single runs.
    params = np.asarray(params, dtype=float)
    probe = rng.choice((-1.0, 1.0), size=params.shape[-1:])
    plus = grad_fn(params + h * probe)
    minus = grad_fn(params - h * probe)
    return probe * (plus - minus) / (2 * h)

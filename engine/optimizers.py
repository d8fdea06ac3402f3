"""Every optimizer of the course, each a short chain of transforms.

>>> opt = make("adam", lr=0.01)
>>> state = opt.init(params)                          # ndarray (..., D) or dict of ndarrays
>>> params, state = opt.step(params, grad_fn, state)  # pure: inputs are never mutated

Read the chains in :data:`_BUILDERS` side by side to see the lesson's points in code:
Adam+L2 and AdamW are the same links in a different order; LAMB is AdamW plus a
trust-ratio link; Lion swaps Adam's scaling for a sign.

Parameters may be one ndarray whose last axis is the parameter vector and whose
leading axes are a batch of independent runs, or a dict of ndarrays, each a whole
parameter tensor (norms for LAMB/LARS and Adafactor's factoring are per tensor).
State is a flat dict: buffer names for an ndarray (``"m"``, ``"v"``), ``"m/<leaf>"``
for a dict, plus the integer step count ``"t"``.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class OptimizerInfo:
    """What the course says about an optimizer; pages render from this."""

    name: str
    display_name: str
    year: int
    paper: str
    innovation: str
    buffers: tuple[str, ...]
    update_latex: str
    defaults: dict[str, Any]
    ranges: dict[str, tuple[float, float, bool]]  # hyperparameter -> (low, high, log scale)
    best_for: str
    parents: tuple[str, ...] = ()
    memory: str = ""  # optimizer state per parameter, in words

    @property
    def n_buffers(self) -> int:
        return len(self.buffers)


@dataclass(frozen=True)
class Optimizer:
    """A named chain of transforms with its hyperparameters baked in."""

    name: str
    hyperparams: dict[str, Any]
    transform: Transform
    lookahead_beta: Any = None  # Nesterov: the gradient is taken at θ − η·β·v
    hessian_period: int = 0  # Sophia: refresh the Hessian estimate every this many steps
    seed: int = 0
    _lr: Any = field(default=None, repr=False)

    def init(self, params: Params) -> dict[str, Any]:
        state: dict[str, Any] = {"t": 0}
        for leaf, value, axes in _leaves(params):
            for buffer, array in self.transform.init(value, axes).items():
                state[_key(buffer, leaf)] = array
        return state

    def lookahead(self, params: Params, state: Mapping[str, Any]) -> Params:
        """Where the next gradient is taken: θ itself, or Nesterov's θ − η·β·v."""
        if self.lookahead_beta is None:
            return params
        rate = tx.value_at(self._lr, int(state["t"]) + 1)
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
            ctx = tx.Context(params, (-1,), t, hessian, diag)
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


def _key(buffer: str, leaf: str) -> str:
    return f"{buffer}/{leaf}" if leaf else buffer


def _leaves(params: Params):
    """(leaf name, value, axes of one tensor) for each parameter leaf."""
    if isinstance(params, dict):
        return [
            (name, np.asarray(v, dtype=float), tuple(range(np.ndim(v))))
            for name, v in params.items()
        ]
    return [("", np.asarray(params, dtype=float), (-1,))]


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
    if isinstance(params, dict):
        probe = {k: rng.choice((-1.0, 1.0), size=np.shape(v)) for k, v in params.items()}
    else:
        # One probe shared by every run of a batch, so a sweep repeats its single runs.
        params = np.asarray(params, dtype=float)
        probe = rng.choice((-1.0, 1.0), size=params.shape[-1:])
    h = HESSIAN_PROBE_STEP
    if isinstance(params, dict):
        plus = grad_fn({k: params[k] + h * probe[k] for k in params})
        minus = grad_fn({k: params[k] - h * probe[k] for k in params})
        return {k: probe[k] * (plus[k] - minus[k]) / (2 * h) for k in params}
    plus = grad_fn(params + h * probe)
    minus = grad_fn(params - h * probe)
    return probe * (plus - minus) / (2 * h)


# --------------------------------------------------------------------------- registry


def _sgd(hp):
    return tx.chain(tx.add_decayed_weights(hp["weight_decay"]), tx.scale_by_learning_rate(hp["lr"]))


def _momentum(hp):
    return tx.chain(
        tx.add_decayed_weights(hp["weight_decay"]),
        tx.trace(hp["beta"]),
        tx.scale_by_learning_rate(hp["lr"]),
    )


def _nesterov(hp):
    return tx.chain(tx.trace(hp["beta"]), tx.scale_by_learning_rate(hp["lr"]))


def _adagrad(hp):
    return tx.chain(tx.scale_by_accumulated_square(hp["eps"]), tx.scale_by_learning_rate(hp["lr"]))


def _rmsprop(hp):
    return tx.chain(tx.scale_by_rms(hp["rho"], hp["eps"]), tx.scale_by_learning_rate(hp["lr"]))


def _adam(hp):
    # Coupled L2: the decay is added to the gradient *before* Adam rescales it.
    return tx.chain(
        tx.add_decayed_weights(hp["weight_decay"]),
        tx.scale_by_adam(hp["beta1"], hp["beta2"], hp["eps"], hp["bias_correction"]),
        tx.scale_by_learning_rate(hp["lr"]),
    )


def _adamw(hp):
    # Decoupled: the same two links, decay *after* the rescaling.
    return tx.chain(
        tx.scale_by_adam(hp["beta1"], hp["beta2"], hp["eps"]),
        tx.add_decayed_weights(hp["weight_decay"]),
        tx.scale_by_learning_rate(hp["lr"]),
    )


def _radam(hp):
    return tx.chain(
        tx.scale_by_radam(hp["beta1"], hp["beta2"], hp["eps"]), tx.scale_by_learning_rate(hp["lr"])
    )


def _lamb(hp):
    # AdamW plus one link: rescale each tensor's step to ‖θ‖.
    return tx.chain(
        tx.scale_by_adam(hp["beta1"], hp["beta2"], hp["eps"]),
        tx.add_decayed_weights(hp["weight_decay"]),
        tx.scale_by_trust_ratio(),
        tx.scale_by_learning_rate(hp["lr"]),
    )


def _lars(hp):
    return tx.chain(
        tx.add_decayed_weights(hp["weight_decay"]),
        tx.scale_by_trust_ratio(hp["trust_coefficient"]),
        tx.trace(hp["beta"]),
        tx.scale_by_learning_rate(hp["lr"]),
    )


def _adafactor(hp):
    return tx.chain(
        tx.scale_by_factored_rms(
            hp["lr"], hp["beta2_decay"], hp["eps1"], hp["eps2"], hp["clip_threshold"]
        ),
        tx.scale(-1.0),
    )


def _lion(hp):
    return tx.chain(
        tx.scale_by_sign_momentum(hp["beta1"], hp["beta2"]),
        tx.add_decayed_weights(hp["weight_decay"]),
        tx.scale_by_learning_rate(hp["lr"]),
    )


def _sophia(hp):
    return tx.chain(
        tx.scale_by_clipped_newton(hp["beta1"], hp["beta2"], hp["rho"], hp["eps"]),
        tx.scale_by_learning_rate(hp["lr"]),
    )


_BUILDERS: dict[str, Callable[[dict[str, Any]], Transform]] = {
    "sgd": _sgd,
    "momentum": _momentum,
    "nesterov": _nesterov,
    "adagrad": _adagrad,
    "rmsprop": _rmsprop,
    "adam": _adam,
    "adamw": _adamw,
    "radam": _radam,
    "lamb": _lamb,
    "lars": _lars,
    "adafactor": _adafactor,
    "lion": _lion,
    "sophia": _sophia,
}

NAMES: tuple[str, ...] = tuple(_BUILDERS)

# How each hyperparameter is checked: "rate" ≥ 0 (or a schedule), "nonneg" ≥ 0,
# "unit" in [0, 1), "positive" > 0, "negative" < 0, "period" an integer ≥ 1, "flag" a bool.
_KINDS = {
    "lr": "rate",
    "weight_decay": "nonneg",
    "beta": "unit",
    "beta1": "unit",
    "beta2": "unit",
    "eps": "nonneg",
    "eps1": "nonneg",
    "eps2": "nonneg",
    "trust_coefficient": "positive",
    "beta2_decay": "negative",
    "clip_threshold": "positive",
    "bias_correction": "flag",
    "update_period": "period",
    "seed": "seed",
}


def _rmsprop_kinds(name: str) -> str:
    return "unit" if name == "rho" else _KINDS[name]


_LR = (1e-4, 1.0, True)
_BETA = (0.0, 0.99, False)
_BETA2 = (0.0, 0.9999, False)
_EPS = (1e-10, 1e-2, True)
_DECAY = (0.0, 0.5, False)

_INFO: dict[str, OptimizerInfo] = {
    "sgd": OptimizerInfo(
        "sgd",
        "SGD",
        1951,
        "Robbins & Monro, A Stochastic Approximation Method",
        "Step against the (mini-batch) gradient, scaled by one global learning rate.",
        (),
        r"\theta_t = \theta_{t-1} - \eta\,\big(g_t + \lambda\theta_{t-1}\big)",
        {"lr": 0.1, "weight_decay": 0.0},
        {"lr": (1e-3, 1.5, True), "weight_decay": _DECAY},
        "Simple problems and well-tuned vision models; the baseline every method is measured against.",
        (),
        "nothing beyond the weights",
    ),
    "momentum": OptimizerInfo(
        "momentum",
        "Momentum",
        1964,
        "Polyak, Some methods of speeding up the convergence of iteration methods",
        "Keep a velocity: a running sum of past gradients that damps zig-zags and builds speed.",
        ("velocity",),
        r"v_t = \beta v_{t-1} + g_t,\qquad \theta_t = \theta_{t-1} - \eta\, v_t",
        {"lr": 0.01, "beta": 0.9, "weight_decay": 0.0},
        {"lr": _LR, "beta": _BETA, "weight_decay": _DECAY},
        "CNNs (ResNets) with a tuned schedule; ravines where plain SGD zig-zags.",
        ("sgd",),
        "1 buffer per weight (velocity)",
    ),
    "nesterov": OptimizerInfo(
        "nesterov",
        "Nesterov",
        1983,
        "Nesterov, A method for solving the convex programming problem with rate O(1/k²)",
        "Take the gradient where momentum is about to carry you (the lookahead), not where you are.",
        ("velocity",),
        r"v_t = \beta v_{t-1} + \nabla L\big(\theta_{t-1} - \eta\beta v_{t-1}\big),\qquad "
        r"\theta_t = \theta_{t-1} - \eta\, v_t",
        {"lr": 0.01, "beta": 0.9},
        {"lr": _LR, "beta": _BETA},
        "Wherever momentum works; it overshoots less near a minimum.",
        ("momentum",),
        "1 buffer per weight (velocity)",
    ),
    "adagrad": OptimizerInfo(
        "adagrad",
        "AdaGrad",
        2011,
        "Duchi, Hazan & Singer, Adaptive Subgradient Methods for Online Learning",
        "A learning rate per parameter: divide by the root of all squared gradients so far.",
        ("accumulator",),
        r"G_t = G_{t-1} + g_t^2,\qquad \theta_t = \theta_{t-1} - \frac{\eta}{\sqrt{G_t}+\epsilon}\,g_t",
        {"lr": 0.1, "eps": 1e-8},
        {"lr": (1e-3, 2.0, True), "eps": _EPS},
        "Sparse features (word embeddings, click models); convex problems.",
        ("sgd",),
        "1 buffer per weight (sum of squared gradients)",
    ),
    "rmsprop": OptimizerInfo(
        "rmsprop",
        "RMSProp",
        2012,
        "Tieleman & Hinton, Coursera Neural Networks lecture 6.5",
        "Replace AdaGrad's ever-growing sum by a moving average, so the rate can recover.",
        ("square_avg",),
        r"s_t = \rho s_{t-1} + (1-\rho)\,g_t^2,\qquad "
        r"\theta_t = \theta_{t-1} - \frac{\eta}{\sqrt{s_t}+\epsilon}\,g_t",
        {"lr": 0.01, "rho": 0.9, "eps": 1e-8},
        {"lr": _LR, "rho": (0.0, 0.999, False), "eps": _EPS},
        "Recurrent networks and reinforcement learning; non-stationary objectives.",
        ("adagrad",),
        "1 buffer per weight (moving average of g²)",
    ),
    "adam": OptimizerInfo(
        "adam",
        "Adam",
        2015,
        "Kingma & Ba, Adam: A Method for Stochastic Optimization",
        "Momentum's average of g and RMSProp's average of g², both bias-corrected.",
        ("m", "v"),
        r"m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,\quad "
        r"\hat m_t = \frac{m_t}{1-\beta_1^t},\quad \hat v_t = \frac{v_t}{1-\beta_2^t},\quad "
        r"\theta_t = \theta_{t-1} - \eta\,\frac{\hat m_t}{\sqrt{\hat v_t}+\epsilon}",
        {
            "lr": 1e-3,
            "beta1": 0.9,
            "beta2": 0.999,
            "eps": 1e-8,
            "weight_decay": 0.0,
            "bias_correction": True,
        },
        {"lr": _LR, "beta1": _BETA, "beta2": _BETA2, "eps": _EPS, "weight_decay": _DECAY},
        "The robust default almost everywhere; forgiving of the learning rate.",
        ("momentum", "rmsprop"),
        "2 buffers per weight (m and v)",
    ),
    "adamw": OptimizerInfo(
        "adamw",
        "AdamW",
        2019,
        "Loshchilov & Hutter, Decoupled Weight Decay Regularization",
        "Apply weight decay to the weights directly, outside Adam's per-parameter rescaling.",
        ("m", "v"),
        r"\theta_t = \theta_{t-1} - \eta\left(\frac{\hat m_t}{\sqrt{\hat v_t}+\epsilon} "
        r"+ \lambda\,\theta_{t-1}\right)",
        {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.01},
        {"lr": _LR, "beta1": _BETA, "beta2": _BETA2, "eps": _EPS, "weight_decay": _DECAY},
        "Transformers and most modern training: the default with weight decay.",
        ("adam",),
        "2 buffers per weight (m and v)",
    ),
    "radam": OptimizerInfo(
        "radam",
        "RAdam",
        2020,
        "Liu et al., On the Variance of the Adaptive Learning Rate and Beyond",
        "Rectify the adaptive rate while v is still a poor estimate: a built-in warmup.",
        ("m", "v"),
        r"\rho_t = \rho_\infty - \frac{2t\beta_2^t}{1-\beta_2^t};\quad "
        r"\theta_t = \theta_{t-1} - \eta\, r_t\,\hat m_t\,\frac{\sqrt{1-\beta_2^t}}{\sqrt{v_t}+\epsilon}"
        r"\ \text{if } \rho_t > 5,\ \text{else}\ \theta_{t-1} - \eta\,\hat m_t",
        {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
        {"lr": _LR, "beta1": _BETA, "beta2": _BETA2, "eps": _EPS},
        "When you would otherwise need a warmup to keep Adam stable early on.",
        ("adam",),
        "2 buffers per weight (m and v)",
    ),
    "lamb": OptimizerInfo(
        "lamb",
        "LAMB",
        2020,
        "You et al., Large Batch Optimization for Deep Learning: Training BERT in 76 minutes",
        "AdamW's step rescaled per layer by the trust ratio ‖θ‖/‖r‖, for huge batches.",
        ("m", "v"),
        r"r_t = \frac{\hat m_t}{\sqrt{\hat v_t}+\epsilon} + \lambda\theta_{t-1},\qquad "
        r"\theta_t = \theta_{t-1} - \eta\,\frac{\lVert\theta_{t-1}\rVert}{\lVert r_t\rVert}\,r_t",
        {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-6, "weight_decay": 0.0},
        {"lr": _LR, "beta1": _BETA, "beta2": _BETA2, "eps": _EPS, "weight_decay": _DECAY},
        "Large-batch pre-training of transformers (BERT with batch 32k).",
        ("adamw", "lars"),
        "2 buffers per weight (m and v)",
    ),
    "lars": OptimizerInfo(
        "lars",
        "LARS",
        2017,
        "You, Gitman & Ginsburg, Large Batch Training of Convolutional Networks",
        "A layer-wise learning rate c·‖θ‖/‖g‖ on top of SGD with momentum.",
        ("velocity",),
        r"u_t = g_t + \lambda\theta_{t-1},\quad v_t = \beta v_{t-1} + "
        r"c\,\frac{\lVert\theta_{t-1}\rVert}{\lVert u_t\rVert}\,u_t,\quad \theta_t = \theta_{t-1} - \eta\,v_t",
        {"lr": 0.1, "beta": 0.9, "weight_decay": 0.0, "trust_coefficient": 0.001},
        {
            "lr": (1e-2, 100.0, True),
            "beta": _BETA,
            "weight_decay": _DECAY,
            "trust_coefficient": (1e-4, 1.0, True),
        },
        "Large-batch training of CNNs (ResNet-50 with batch 32k).",
        ("momentum",),
        "1 buffer per weight (velocity)",
    ),
    "adafactor": OptimizerInfo(
        "adafactor",
        "Adafactor",
        2018,
        "Shazeer & Stern, Adafactor: Adaptive Learning Rates with Sublinear Memory Cost",
        "Store the second moment of an m×n matrix as m row and n column averages.",
        ("row", "col"),
        r"R_t = \beta_{2,t}R_{t-1} + (1-\beta_{2,t})\,\mathrm{mean}_{\text{cols}}(g_t^2),\ "
        r"C_t = \beta_{2,t}C_{t-1} + (1-\beta_{2,t})\,\mathrm{mean}_{\text{rows}}(g_t^2),\ "
        r"\hat V_t = \frac{R_t C_t}{\mathrm{mean}(R_t)},\ U_t = \frac{g_t}{\sqrt{\hat V_t}},\ "
        r"\theta_t = \theta_{t-1} - \alpha_t\,\frac{U_t}{\max(1,\ \mathrm{RMS}(U_t)/d)}",
        {"lr": 0.01, "beta2_decay": -0.8, "eps1": 1e-30, "eps2": 1e-3, "clip_threshold": 1.0},
        {
            "lr": (1e-3, 1.0, True),
            "beta2_decay": (-1.0, -0.5, False),
            "eps1": (1e-30, 1e-10, True),
            "eps2": (1e-5, 1e-1, True),
            "clip_threshold": (0.1, 10.0, True),
        },
        "Huge models where optimizer memory is the limit (T5, PaLM-style training).",
        ("adam",),
        "about m+n numbers per m×n matrix (no first moment)",
    ),
    "lion": OptimizerInfo(
        "lion",
        "Lion",
        2023,
        "Chen et al., Symbolic Discovery of Optimization Algorithms",
        "Move every weight by exactly ±η: the sign of an interpolated momentum.",
        ("m",),
        r"c_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad "
        r"\theta_t = \theta_{t-1} - \eta\big(\mathrm{sign}(c_t) + \lambda\theta_{t-1}\big),\quad "
        r"m_t = \beta_2 m_{t-1} + (1-\beta_2) g_t",
        {"lr": 1e-4, "beta1": 0.9, "beta2": 0.99, "weight_decay": 0.0},
        {"lr": (1e-5, 0.5, True), "beta1": _BETA, "beta2": _BETA2, "weight_decay": _DECAY},
        "Memory-tight training of large vision and language models (use a 3–10× smaller rate than AdamW).",
        ("adamw",),
        "1 buffer per weight (momentum)",
    ),
    "sophia": OptimizerInfo(
        "sophia",
        "Sophia",
        2023,
        "Liu et al., Sophia: A Scalable Stochastic Second-order Optimizer for LM Pre-training",
        "Divide momentum by a cheap diagonal-Hessian estimate and clip each coordinate's step.",
        ("m", "h"),
        r"m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad "
        r"h_t = \beta_2 h_{t-k} + (1-\beta_2)\,\hat h_t\ \text{every } k \text{ steps},\quad "
        r"\theta_t = \theta_{t-1} - \eta\,\mathrm{clip}\!\left(\frac{m_t}{\max(\rho h_t,\,\epsilon)},\,1\right)",
        {
            "lr": 0.05,
            "beta1": 0.96,
            "beta2": 0.99,
            "rho": 0.05,
            "update_period": 10,
            "eps": 1e-12,
            "seed": 0,
        },
        {
            "lr": (1e-4, 1.0, True),
            "beta1": _BETA,
            "beta2": _BETA2,
            "rho": (1e-3, 10.0, True),
            "update_period": (1, 50, False),
            "eps": (1e-15, 1e-6, True),
        },
        "Language-model pre-training, where curvature differs wildly between weights.",
        ("adam",),
        "2 buffers per weight (m and Hessian estimate)",
    ),
}


def info(name: str) -> OptimizerInfo:
    """Metadata for ``name`` (display name, year, paper, update rule, ranges …)."""
    _check_name(name)
    return _INFO[name]


def make(name: str, **hyperparams: Any) -> Optimizer:
    """Build optimizer ``name``; unspecified hyperparameters take their defaults.

    Raises ``ValueError`` with a plain message for an unknown name, an unknown
    hyperparameter or a value outside what the math allows.
    """
    _check_name(name)
    defaults = _INFO[name].defaults
    unknown = sorted(set(hyperparams) - set(defaults))
    if unknown:
        raise ValueError(
            f"{name} has no hyperparameter {', '.join(unknown)}; it takes {', '.join(defaults)}"
        )
    hp = {**defaults, **hyperparams}
    for key, value in hp.items():
        kind = _rmsprop_kinds(key) if name == "rmsprop" else _KINDS.get(key, "positive")
        hp[key] = _checked(name, key, value, kind)
    return Optimizer(
        name=name,
        hyperparams=hp,
        transform=_BUILDERS[name](hp),
        lookahead_beta=hp["beta"] if name == "nesterov" else None,
        hessian_period=int(hp["update_period"]) if name == "sophia" else 0,
        seed=int(hp.get("seed", 0)),
        _lr=hp["lr"],
    )


def _check_name(name: str) -> None:
    if name not in _BUILDERS:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(NAMES)}")


def _checked(name: str, key: str, value: Any, kind: str) -> Any:
    if kind == "flag":
        if not isinstance(value, bool | np.bool_):
            raise ValueError(f"{name}: {key} must be True or False, got {value!r}")
        return bool(value)
    if kind == "rate" and callable(value):
        return value
    if kind in ("period", "seed"):
        least = 1 if kind == "period" else 0
        if isinstance(value, bool) or not float(value).is_integer() or value < least:
            raise ValueError(f"{name}: {key} must be a whole number ≥ {least}, got {value!r}")
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
    }[kind]
    if np.any(bad):
        rule = {
            "rate": "≥ 0",
            "nonneg": "≥ 0",
            "unit": "in [0, 1)",
            "positive": "> 0",
            "negative": "< 0",
        }[kind]
        raise ValueError(f"{name}: {key} must be {rule}, got {value!r}")
    return float(array) if array.ndim == 0 else array


def effective_lr(opt: Optimizer, state: Mapping[str, Any]) -> Array:
    """The per-coordinate learning rate an adaptive method is applying now, η/(√G+ε) etc.

    Defined for adagrad, rmsprop, adam/adamw (η/(√v̂+ε)); for the others the global rate.
    """
    hp = opt.hyperparams
    t = max(int(state["t"]), 1)
    rate = tx.value_at(hp["lr"], t)
    if opt.name == "adagrad":
        return rate / (np.sqrt(state["accumulator"]) + hp["eps"])
    if opt.name == "rmsprop":
        return rate / (np.sqrt(state["square_avg"]) + hp["eps"])
    if opt.name in ("adam", "adamw") and "v" in state:
        v_hat = (
            state["v"] / (1 - hp["beta2"] ** t) if hp.get("bias_correction", True) else state["v"]
        )
        return rate / (np.sqrt(v_hat) + hp["eps"])
    return np.asarray(rate, dtype=float)


def state_bytes(name: str, shape: tuple[int, ...], bytes_per_number: int = 4) -> int:
    """Memory an optimizer's state takes for one parameter tensor of ``shape``.

    Counted from the buffers ``init`` really allocates (so Adafactor's factoring shows).
    """
    opt = make(name)
    state = opt.init({"w": np.zeros(shape)})
    return sum(int(np.size(v)) for k, v in state.items() if k != "t") * bytes_per_number


def factored_state_numbers(rows: int, cols: int) -> dict[str, int]:
    """Numbers of state kept for an m×n matrix by Adam (m, v) and Adafactor (row, col).

    Pure arithmetic, for sizes too big to allocate (GPT-3's 175B parameters).
    """
    return {"adam": 2 * rows * cols, "adafactor": rows + cols, "weights": rows * cols}


__all__ = [
    "NAMES",
    "Optimizer",
    "OptimizerInfo",
    "effective_lr",
    "factored_state_numbers",
    "hutchinson_diagonal",
    "info",
    "make",
    "state_bytes",
]

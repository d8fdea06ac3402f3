"""Every optimizer of the course, each declared once: its chain of transforms and all
the course knows about it, side by side.

>>> opt = make("adam", lr=0.01)
>>> state = opt.init(params)                          # ndarray (..., D) or dict of ndarrays
>>> params, state = opt.step(params, grad_fn, state)  # pure: inputs are never mutated

Read the chains below side by side to see the lesson's points in code: Adam+L2 and
AdamW are the same links in a different order; LAMB is AdamW plus a trust-ratio link;
Lion swaps Adam's scaling for a sign.

To add an optimizer: one ``@declare(...)`` entry here (its chain, defaults, checks,
sliders, LaTeX, colour, chapter, reference), a test, and a reference fixture
(``tools/make_reference_fixtures.py``).

Parameters may be one ndarray whose last axis is the parameter vector and whose
leading axes are a batch of independent runs, or a dict of ndarrays, each a whole
parameter tensor (norms for LAMB/LARS and Adafactor's factoring are per tensor).
State is a flat dict: buffer names for an ndarray (``"m"``, ``"v"``), ``"m/<leaf>"``
for a dict, plus the integer step count ``"t"``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from engine import optimizer_base as base
from engine import transforms as tx
from engine.optimizer_base import (
    HESSIAN_PROBE_STEP,
    Hyper,
    Optimizer,
    OptimizerInfo,
    hutchinson_diagonal,
)
from engine.transforms import Transform

Array = np.ndarray

_REGISTRY: dict[str, OptimizerInfo] = {}

# Slider ranges several optimizers share.
_LR = (1e-4, 1.0, True)
_BETA = (0.0, 0.99, False)
_BETA2 = (0.0, 0.9999, False)
_EPS = (1e-10, 1e-2, True)
_DECAY = (0.0, 0.5, False)


def _decay(slider: bool = True) -> Hyper:
    """Weight decay λ ≥ 0, off by default (no slider where the pages do not teach it)."""
    return Hyper(0.0, "nonneg", _DECAY if slider else None)


def declare(**fields: Any) -> Callable[[Callable[[dict[str, Any]], Transform]], Callable]:
    """Register the decorated chain builder with its metadata as one optimizer."""

    def register(build: Callable[[dict[str, Any]], Transform]) -> Callable:
        spec = OptimizerInfo(build=build, **fields)
        if spec.name in _REGISTRY:
            raise ValueError(f"optimizer {spec.name!r} declared twice")
        if "lr" not in spec.hyper:
            raise ValueError(f"optimizer {spec.name!r} must take a learning rate 'lr'")
        _REGISTRY[spec.name] = spec
        return build

    return register


def _adaptive_rate(buffer: str, bias_corrected: bool = False):
    """η/(√s+ε) from state buffer ``buffer`` (÷ (1−β2^t) first when bias-corrected)."""

    def rate(hp: Mapping[str, Any], state: Mapping[str, Any], lr: Any, t: int) -> Array:
        if buffer not in state:  # dict params keep "<buffer>/<leaf>": no single answer
            return np.asarray(lr, dtype=float)
        square = state[buffer]
        if bias_corrected and hp.get("bias_correction", True):
            square = square / (1 - hp["beta2"] ** t)
        return lr / (np.sqrt(square) + hp["eps"])

    return rate


# --------------------------------------------------------------------------- the catalog


@declare(
    name="sgd",
    display_name="SGD",
    year=1951,
    paper="Robbins & Monro, A Stochastic Approximation Method",
    innovation="Step against the (mini-batch) gradient, scaled by one global learning rate.",
    buffers=(),
    update_latex=r"\theta_t = \theta_{t-1} - \eta\,\big(g_t + \lambda\theta_{t-1}\big)",
    hyper={"lr": Hyper(0.1, "rate", (1e-3, 1.5, True)), "weight_decay": _decay()},
    best_for="Simple problems and well-tuned vision models; the baseline every method is measured against.",
    parents=(),
    memory="nothing beyond the weights",
    colour="#1f77b4",  # blue
    chapter=1,
    reference="torch.optim.SGD",
)
def sgd(hp):
    return tx.chain(tx.add_decayed_weights(hp["weight_decay"]), tx.scale_by_learning_rate(hp["lr"]))


@declare(
    name="momentum",
    display_name="Momentum",
    year=1964,
    paper="Polyak, Some methods of speeding up the convergence of iteration methods",
    innovation="Keep a velocity: a running sum of past gradients that damps zig-zags and builds speed.",
    buffers=("velocity",),
    update_latex=r"v_t = \beta v_{t-1} + g_t,\qquad \theta_t = \theta_{t-1} - \eta\, v_t",
    hyper={
        "lr": Hyper(0.01, "rate", _LR),
        "beta": Hyper(0.9, "unit", _BETA),
        "weight_decay": _decay(),
    },
    best_for="CNNs (ResNets) with a tuned schedule; ravines where plain SGD zig-zags.",
    parents=("sgd",),
    memory="1 buffer per weight (velocity)",
    colour="#ff7f0e",  # orange
    chapter=2,
    reference="torch.optim.SGD(momentum=β)",
    convention="torch's form v = βv + g (no 1−β factor, as in Polyak's heavy ball).",
)
def momentum(hp):
    return tx.chain(
        tx.add_decayed_weights(hp["weight_decay"]),
        tx.trace(hp["beta"]),
        tx.scale_by_learning_rate(hp["lr"]),
    )


@declare(
    name="nesterov",
    display_name="Nesterov",
    year=1983,
    paper="Nesterov, A method for solving the convex programming problem with rate O(1/k²)",
    innovation="Take the gradient where momentum is about to carry you (the lookahead), not where you are.",
    buffers=("velocity",),
    update_latex=r"v_t = \beta v_{t-1} + \nabla L\big(\theta_{t-1} - \eta\beta v_{t-1}\big),\qquad "
    r"\theta_t = \theta_{t-1} - \eta\, v_t",
    hyper={
        "lr": Hyper(0.01, "rate", _LR),
        "beta": Hyper(0.9, "unit", _BETA),
        "weight_decay": _decay(slider=False),
        "lookahead": Hyper(False, "flag"),
    },
    best_for="Wherever momentum works; it overshoots less near a minimum.",
    parents=("momentum",),
    memory="1 buffer per weight (velocity)",
    colour="#d62728",  # red
    chapter=2,
    reference="torch.optim.SGD(momentum=β, nesterov=True)",
    convention=(
        "torch's form by default: the params are the lookahead point φ = θ − ηβv, "
        "updated by φ ← φ − η(g + βv) with g taken at φ. lookahead=True is the lesson's "
        "form (the params are the ball θ, the gradient is taken at θ − ηβv): the same "
        "algorithm at a constant rate, a different one under a schedule."
    ),
    recipe_name="SGD + Nesterov momentum",
    short_name="SGD + Nesterov",
    step_options=lambda hp: {"lookahead_beta": hp["beta"] if hp["lookahead"] else None},
)
def nesterov(hp):
    if hp["lookahead"]:
        # The lesson's form: the optimizer takes the gradient at θ − ηβv itself.
        velocity = tx.trace(hp["beta"])
    else:
        velocity = tx.trace(hp["beta"], nesterov=True)
    return tx.chain(
        tx.add_decayed_weights(hp["weight_decay"]), velocity, tx.scale_by_learning_rate(hp["lr"])
    )


@declare(
    name="adagrad",
    display_name="AdaGrad",
    year=2011,
    paper="Duchi, Hazan & Singer, Adaptive Subgradient Methods for Online Learning",
    innovation="A learning rate per parameter: divide by the root of all squared gradients so far.",
    buffers=("accumulator",),
    update_latex=r"G_t = G_{t-1} + g_t^2,\qquad \theta_t = \theta_{t-1} - \frac{\eta}{\sqrt{G_t}+\epsilon}\,g_t",
    hyper={
        "lr": Hyper(0.1, "rate", (1e-3, 2.0, True)),
        "eps": Hyper(1e-8, "nonneg", _EPS),
        "weight_decay": _decay(slider=False),
    },
    best_for="Sparse features (word embeddings, click models); convex problems.",
    parents=("sgd",),
    memory="1 buffer per weight (sum of squared gradients)",
    colour="#8c564b",  # brown
    chapter=3,
    reference="torch.optim.Adagrad",
    convention="torch's placement of ε, outside the square root.",
    per_weight_rate=_adaptive_rate("accumulator"),
)
def adagrad(hp):
    return tx.chain(
        tx.add_decayed_weights(hp["weight_decay"]),
        tx.scale_by_accumulated_square(hp["eps"]),
        tx.scale_by_learning_rate(hp["lr"]),
    )


@declare(
    name="rmsprop",
    display_name="RMSProp",
    year=2012,
    paper="Tieleman & Hinton, Coursera Neural Networks lecture 6.5",
    innovation="Replace AdaGrad's ever-growing sum by a moving average, so the rate can recover.",
    buffers=("square_avg",),
    update_latex=r"s_t = \rho s_{t-1} + (1-\rho)\,g_t^2,\qquad "
    r"\theta_t = \theta_{t-1} - \frac{\eta}{\sqrt{s_t}+\epsilon}\,g_t",
    hyper={
        "lr": Hyper(0.01, "rate", _LR),
        "rho": Hyper(0.9, "unit", (0.0, 0.999, False)),
        "eps": Hyper(1e-8, "nonneg", _EPS),
        "weight_decay": _decay(slider=False),
    },
    best_for="Recurrent networks and reinforcement learning; non-stationary objectives.",
    parents=("adagrad",),
    memory="1 buffer per weight (moving average of g²)",
    colour="#9467bd",  # purple
    chapter=3,
    reference="torch.optim.RMSprop(alpha=ρ)",
    convention="torch's placement of ε, outside the square root.",
    per_weight_rate=_adaptive_rate("square_avg"),
)
def rmsprop(hp):
    return tx.chain(
        tx.add_decayed_weights(hp["weight_decay"]),
        tx.scale_by_rms(hp["rho"], hp["eps"]),
        tx.scale_by_learning_rate(hp["lr"]),
    )


_ADAM_HYPER = {
    "lr": Hyper(1e-3, "rate", _LR),
    "beta1": Hyper(0.9, "unit", _BETA),
    "beta2": Hyper(0.999, "unit", _BETA2),
    "eps": Hyper(1e-8, "nonneg", _EPS),
}


@declare(
    name="adam",
    display_name="Adam",
    year=2015,
    paper="Kingma & Ba, Adam: A Method for Stochastic Optimization",
    innovation="Momentum's average of g and RMSProp's average of g², both bias-corrected.",
    buffers=("m", "v"),
    update_latex=r"m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,\quad "
    r"\hat m_t = \frac{m_t}{1-\beta_1^t},\quad \hat v_t = \frac{v_t}{1-\beta_2^t},\quad "
    r"\theta_t = \theta_{t-1} - \eta\,\frac{\hat m_t}{\sqrt{\hat v_t}+\epsilon}",
    hyper={**_ADAM_HYPER, "weight_decay": _decay(), "bias_correction": Hyper(True, "flag")},
    best_for="The robust default almost everywhere; forgiving of the learning rate.",
    parents=("momentum", "rmsprop"),
    memory="2 buffers per weight (m and v)",
    colour="#2ca02c",  # green
    chapter=4,
    reference="torch.optim.Adam",
    convention="weight_decay is torch's coupled L2; bias_correction=False is the lesson's naive variant.",
    race_lr=0.05,
    per_weight_rate=_adaptive_rate("v", bias_corrected=True),
)
def adam(hp):
    # Coupled L2: the decay is added to the gradient *before* Adam rescales it.
    return tx.chain(
        tx.add_decayed_weights(hp["weight_decay"]),
        tx.scale_by_adam(hp["beta1"], hp["beta2"], hp["eps"], hp["bias_correction"]),
        tx.scale_by_learning_rate(hp["lr"]),
    )


@declare(
    name="adamw",
    display_name="AdamW",
    year=2019,
    paper="Loshchilov & Hutter, Decoupled Weight Decay Regularization",
    innovation="Apply weight decay to the weights directly, outside Adam's per-parameter rescaling.",
    buffers=("m", "v"),
    update_latex=r"\theta_t = \theta_{t-1} - \eta\left(\frac{\hat m_t}{\sqrt{\hat v_t}+\epsilon} "
    r"+ \lambda\,\theta_{t-1}\right)",
    hyper={**_ADAM_HYPER, "weight_decay": Hyper(0.01, "nonneg", _DECAY)},
    best_for="Transformers and most modern training: the default with weight decay.",
    parents=("adam",),
    memory="2 buffers per weight (m and v)",
    colour="#17becf",  # teal
    chapter=5,
    reference="torch.optim.AdamW",
    convention="the decay is scaled by the learning rate η, as in torch (the paper scales it by a separate schedule multiplier).",
    per_weight_rate=_adaptive_rate("v", bias_corrected=True),
)
def adamw(hp):
    # Decoupled: the same two links, decay *after* the rescaling.
    return tx.chain(
        tx.scale_by_adam(hp["beta1"], hp["beta2"], hp["eps"]),
        tx.add_decayed_weights(hp["weight_decay"]),
        tx.scale_by_learning_rate(hp["lr"]),
    )


@declare(
    name="radam",
    display_name="RAdam",
    year=2020,
    paper="Liu et al., On the Variance of the Adaptive Learning Rate and Beyond",
    innovation="Rectify the adaptive rate while v is still a poor estimate: a built-in warmup.",
    buffers=("m", "v"),
    update_latex=r"\rho_t = \rho_\infty - \frac{2t\beta_2^t}{1-\beta_2^t};\quad "
    r"\theta_t = \theta_{t-1} - \eta\, r_t\,\hat m_t\,\frac{\sqrt{1-\beta_2^t}}{\sqrt{v_t}+\epsilon}"
    r"\ \text{if } \rho_t > 5,\ \text{else}\ \theta_{t-1} - \eta\,\hat m_t",
    hyper={
        **_ADAM_HYPER,
        "weight_decay": _decay(slider=False),
        "decoupled_weight_decay": Hyper(False, "flag"),
    },
    best_for="When you would otherwise need a warmup to keep Adam stable early on.",
    parents=("adam",),
    memory="2 buffers per weight (m and v)",
    colour="#bcbd22",  # olive
    chapter=6,
    reference="torch.optim.RAdam",
    convention=(
        "torch's convention: rectify only where ρ_t > 5 (the paper's Algorithm 2 says ρ_t > 4), "
        "and ε added to √v before v's bias correction. weight_decay is coupled L2 unless "
        "decoupled_weight_decay=True, as in torch."
    ),
    race_lr=0.05,
)
def radam(hp):
    decay = tx.add_decayed_weights(hp["weight_decay"])
    rectified = tx.scale_by_radam(hp["beta1"], hp["beta2"], hp["eps"])
    links = (rectified, decay) if hp["decoupled_weight_decay"] else (decay, rectified)
    return tx.chain(*links, tx.scale_by_learning_rate(hp["lr"]))


@declare(
    name="lamb",
    display_name="LAMB",
    year=2020,
    paper="You et al., Large Batch Optimization for Deep Learning: Training BERT in 76 minutes",
    innovation="AdamW's step rescaled per layer by the trust ratio ‖θ‖/‖r‖, for huge batches.",
    buffers=("m", "v"),
    update_latex=r"r_t = \frac{\hat m_t}{\sqrt{\hat v_t}+\epsilon} + \lambda\theta_{t-1},\qquad "
    r"\theta_t = \theta_{t-1} - \eta\,\frac{\lVert\theta_{t-1}\rVert}{\lVert r_t\rVert}\,r_t",
    hyper={
        **_ADAM_HYPER,
        "eps": Hyper(1e-6, "nonneg", _EPS),
        "weight_decay": _decay(),
        "bias_correction": Hyper(True, "flag"),
    },
    best_for="Large-batch pre-training of transformers (BERT with batch 32k).",
    parents=("adamw", "lars"),
    memory="2 buffers per weight (m and v)",
    colour="#e377c2",  # pink
    chapter=6,
    reference="the paper's Algorithm 2 in torch; bias_correction=False: pytorch_optimizer.Lamb",
    convention=(
        "the paper's Algorithm 2 with φ(z) = z and a trust ratio of 1 where ‖θ‖ or ‖r‖ is 0; "
        "pytorch-optimizer's Lamb instead leaves v uncorrected, clamps ‖θ‖ at 10 and adds ε "
        "to ‖r‖."
    ),
    race_lr=0.05,
)
def lamb(hp):
    # AdamW plus one link: rescale each tensor's step to ‖θ‖.
    return tx.chain(
        tx.scale_by_adam(hp["beta1"], hp["beta2"], hp["eps"], hp["bias_correction"]),
        tx.add_decayed_weights(hp["weight_decay"]),
        tx.scale_by_trust_ratio(),
        tx.scale_by_learning_rate(hp["lr"]),
    )


@declare(
    name="lars",
    display_name="LARS",
    year=2017,
    paper="You, Gitman & Ginsburg, Large Batch Training of Convolutional Networks",
    innovation="A layer-wise learning rate c·‖θ‖ / (‖g‖ + λ‖θ‖) on top of SGD with momentum.",
    buffers=("velocity",),
    update_latex=r"r_t = c\,\frac{\lVert\theta_{t-1}\rVert}{\lVert g_t\rVert + \lambda\lVert\theta_{t-1}\rVert},\quad "
    r"v_t = \beta v_{t-1} + r_t\,\big(g_t + \lambda\theta_{t-1}\big),\quad \theta_t = \theta_{t-1} - \eta\,v_t",
    hyper={
        "lr": Hyper(0.1, "rate", (1e-2, 100.0, True)),
        "beta": Hyper(0.9, "unit", _BETA),
        "weight_decay": _decay(),
        "trust_coefficient": Hyper(0.001, "positive", (1e-4, 1.0, True)),
    },
    best_for="Large-batch training of CNNs (ResNet-50 with batch 32k).",
    parents=("momentum",),
    memory="1 buffer per weight (velocity)",
    colour="#7f7f7f",  # grey
    chapter=6,
    reference="pytorch_optimizer.LARS (every tensor adapted, as in the paper)",
    convention=(
        "the paper's Algorithm 1 on every tensor, with a ratio of 1 where ‖θ‖ or ‖g‖+λ‖θ‖ is 0 "
        "(as pytorch-optimizer); pytorch-optimizer itself skips vectors and scalars."
    ),
    race_lr=2.0,
)
def lars(hp):
    return tx.chain(
        tx.scale_by_lars_trust_ratio(hp["trust_coefficient"], hp["weight_decay"]),
        tx.trace(hp["beta"]),
        tx.scale_by_learning_rate(hp["lr"]),
    )


@declare(
    name="adafactor",
    display_name="Adafactor",
    year=2018,
    paper="Shazeer & Stern, Adafactor: Adaptive Learning Rates with Sublinear Memory Cost",
    innovation="Store the second moment of an m×n matrix as m row and n column averages.",
    buffers=("row", "col"),
    update_latex=r"R_t = \beta_{2,t}R_{t-1} + (1-\beta_{2,t})\,\mathrm{mean}_{\text{cols}}(g_t^2),\ "
    r"C_t = \beta_{2,t}C_{t-1} + (1-\beta_{2,t})\,\mathrm{mean}_{\text{rows}}(g_t^2),\ "
    r"\hat V_t = \frac{R_t C_t}{\mathrm{mean}(R_t)},\ U_t = \frac{g_t}{\sqrt{\hat V_t}},\ "
    r"\theta_t = \theta_{t-1} - \alpha_t\,\frac{U_t}{\max(1,\ \mathrm{RMS}(U_t)/d)}",
    hyper={
        "lr": Hyper(0.01, "rate", (1e-3, 1.0, True)),
        "beta2_decay": Hyper(-0.8, "negative", (-1.0, -0.5, False)),
        "eps1": Hyper(1e-30, "nonneg", (1e-30, 1e-10, True)),
        "eps2": Hyper(1e-3, "nonneg", (1e-5, 1e-1, True)),
        "clip_threshold": Hyper(1.0, "positive", (0.1, 10.0, True)),
        "weight_decay": _decay(slider=False),
    },
    best_for="Huge models where optimizer memory is the limit (T5, PaLM-style training).",
    parents=("adam",),
    memory="about m+n numbers per m×n matrix (no first moment)",
    colour="#393b79",  # indigo
    chapter=6,
    reference="torch.optim.Adafactor",
    convention=(
        "torch's variant: no first moment, relative step min(η, 1/√t) scaled by "
        "max(ε2, RMS(θ)), and decoupled weight decay θ·(1 − ηλ)."
    ),
    race_lr=0.05,
)
def adafactor(hp):
    return tx.chain(
        tx.scale_by_factored_rms(
            hp["lr"], hp["beta2_decay"], hp["eps1"], hp["eps2"], hp["clip_threshold"]
        ),
        tx.add_decayed_weights(hp["weight_decay"], lr=hp["lr"]),
        tx.scale(-1.0),
    )


@declare(
    name="lion",
    display_name="Lion",
    year=2023,
    paper="Chen et al., Symbolic Discovery of Optimization Algorithms",
    innovation="Move every weight by exactly ±η: the sign of an interpolated momentum.",
    buffers=("m",),
    update_latex=r"c_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad "
    r"\theta_t = \theta_{t-1} - \eta\big(\mathrm{sign}(c_t) + \lambda\theta_{t-1}\big),\quad "
    r"m_t = \beta_2 m_{t-1} + (1-\beta_2) g_t",
    hyper={
        "lr": Hyper(1e-4, "rate", (1e-5, 0.5, True)),
        "beta1": Hyper(0.9, "unit", _BETA),
        "beta2": Hyper(0.99, "unit", _BETA2),
        "weight_decay": _decay(),
    },
    best_for="Memory-tight training of large vision and language models (use a 3–10× smaller rate than AdamW).",
    parents=("adamw",),
    memory="1 buffer per weight (momentum)",
    colour="#c49a00",  # gold
    chapter=6,
    reference="lion-pytorch",
    race_lr=0.02,
)
def lion(hp):
    return tx.chain(
        tx.scale_by_sign_momentum(hp["beta1"], hp["beta2"]),
        tx.add_decayed_weights(hp["weight_decay"]),
        tx.scale_by_learning_rate(hp["lr"]),
    )


@declare(
    name="sophia",
    display_name="Sophia",
    year=2023,
    paper="Liu et al., Sophia: A Scalable Stochastic Second-order Optimizer for LM Pre-training",
    innovation="Divide momentum by a cheap diagonal-Hessian estimate and clip each coordinate's step.",
    buffers=("m", "h"),
    update_latex=r"m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad "
    r"h_t = \beta_2 h_{t-k} + (1-\beta_2)\,\hat h_t\ \text{every } k \text{ steps},\quad "
    r"\theta_t = \theta_{t-1} - \eta\,\mathrm{clip}\!\left(\frac{m_t}{\max(\rho h_t,\,\epsilon)},\,1\right)"
    r" - \eta\lambda\theta_{t-1}",
    hyper={
        "lr": Hyper(0.05, "rate", (1e-4, 1.0, True)),
        "beta1": Hyper(0.96, "unit", _BETA),
        "beta2": Hyper(0.99, "unit", _BETA2),
        "rho": Hyper(0.05, "positive", (1e-3, 10.0, True)),
        "update_period": Hyper(10, "period", (1, 50, False)),
        "eps": Hyper(1e-12, "nonneg", (1e-15, 1e-6, True)),
        "weight_decay": _decay(slider=False),
        "seed": Hyper(0, "seed"),
    },
    best_for="Language-model pre-training, where curvature differs wildly between weights.",
    parents=("adam",),
    memory="2 buffers per weight (m and Hessian estimate)",
    colour="#843c39",  # maroon
    chapter=6,
    reference="pytorch_optimizer.SophiaH fed the engine's Hutchinson estimates",
    convention=(
        "the paper's Algorithm 3 with a Hutchinson estimate (one Rademacher probe, a central "
        "difference of two gradients) every k steps; SophiaH's (lr, p, eps, λ) equal this "
        "(η/ρ, ρ, ε/ρ, λρ)."
    ),
    race_lr=0.03,
    step_options=lambda hp: {"hessian_period": hp["update_period"], "seed": hp["seed"]},
)
def sophia(hp):
    return tx.chain(
        tx.scale_by_clipped_newton(hp["beta1"], hp["beta2"], hp["rho"], hp["eps"]),
        tx.add_decayed_weights(hp["weight_decay"]),
        tx.scale_by_learning_rate(hp["lr"]),
    )


# --------------------------------------------------------------------------- public API

NAMES: tuple[str, ...] = tuple(_REGISTRY)


def info(name: str) -> OptimizerInfo:
    """Everything declared about ``name`` (display name, year, paper, update rule, ranges,
    colour, chapter, reference …)."""
    _check_name(name)
    return _REGISTRY[name]


def make(name: str, **hyperparams: Any) -> Optimizer:
    """Build optimizer ``name``; unspecified hyperparameters take their defaults.

    Raises ``ValueError`` with a plain message for an unknown name, an unknown
    hyperparameter or a value outside what the math allows.
    """
    return base.make_optimizer(info(name), hyperparams)


def chain_links(name: str) -> tuple[str, ...]:
    """The names of the links ``name``'s chain is built from, in order (at its defaults)."""
    return tuple(link.name for link in make(name).transform.links)


def builder_source(name: str) -> str:
    """The source code of the function that builds ``name``'s chain."""
    return base.builder_source(info(name))


def _check_name(name: str) -> None:
    if name not in _REGISTRY:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(NAMES)}")


def effective_lr(opt: Optimizer, state: Mapping[str, Any]) -> Array:
    """The per-coordinate learning rate an adaptive method is applying now, η/(√G+ε) etc.

    Defined where the optimizer declares one (AdaGrad, RMSProp, Adam, AdamW: η/(√v̂+ε));
    for the others the global rate.
    """
    t = max(int(state["t"]), 1)
    rate = tx.rate_at(opt.hyperparams["lr"], t)
    per_weight = info(opt.name).per_weight_rate
    if per_weight is None:
        return np.asarray(rate, dtype=float)
    return per_weight(opt.hyperparams, state, rate, t)


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
    "HESSIAN_PROBE_STEP",
    "NAMES",
    "Hyper",
    "Optimizer",
    "OptimizerInfo",
    "builder_source",
    "chain_links",
    "declare",
    "effective_lr",
    "factored_state_numbers",
    "hutchinson_diagonal",
    "info",
    "make",
    "state_bytes",
]

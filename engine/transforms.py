"""Composable gradient transformations, in the manner of optax.

Each transform is a pair of pure functions working on one parameter *leaf*
(an ndarray whose leading axes may be a batch of independent runs):

- ``init(param, axes) -> dict[str, ndarray]``: the buffers it keeps (velocity, m, v, ...);
- ``update(updates, buffers, ctx) -> (updates, changed_buffers)``: turns the incoming
  updates (at first the raw gradient) into new ones and returns the buffers it changed.

Updates flow down a :func:`chain`; the last link turns them into the step that is
*added* to the parameters (so ``scale_by_learning_rate`` multiplies by ``-lr``).
Nothing here mutates its inputs: every buffer returned is a fresh array.

Hyperparameters are baked into the transform when it is built. They may be floats or
ndarrays broadcastable against a leaf (a learning-rate sweep is an ``lr`` of shape
``(B, 1)`` against params of shape ``(B, D)``); a learning rate may also be a schedule,
a function of the 0-based step index.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

Array = np.ndarray
Buffers = dict[str, Array]


@dataclass(slots=True)
class Context:
    """What a transform may read besides the incoming updates, for one leaf and one step."""

    param: Array  # the leaf's value before this step
    axes: tuple[int, ...]  # axes spanning one parameter tensor (norms and RMS run over these)
    t: int  # 1-based index of the step being taken
    hessian: Array | None = None  # fresh diagonal-Hessian estimate (Sophia), when refreshed
    diag: dict[str, Any] | None = None  # diagnostics for display; None when not recording


class Transform(NamedTuple):
    init: Callable[[Array, tuple[int, ...]], Buffers]
    update: Callable[[Array, Buffers, Context], tuple[Array, Buffers]]
    needs_hessian: bool = False
    name: str = ""  # the link's name, e.g. "scale_by_adam" (set by @_link)
    links: tuple[Transform, ...] = ()  # a chain's links, in order


def _link(factory: Callable[..., Transform]) -> Callable[..., Transform]:
    """Name the transforms a factory builds after it, so a chain can list its links."""

    @functools.wraps(factory)
    def build(*args: Any, **kwargs: Any) -> Transform:
        return factory(*args, **kwargs)._replace(name=factory.__name__)

    return build


def _note(ctx: Context, **values: Any) -> None:
    if ctx.diag is not None:
        ctx.diag.update(values)


def _no_buffers(param: Array, axes: tuple[int, ...]) -> Buffers:
    return {}


def _norm(x: Array, axes: tuple[int, ...]) -> Array:
    return np.sqrt(np.sum(x * x, axis=axes, keepdims=True))


def _rms(x: Array, axes: tuple[int, ...]) -> Array:
    return np.sqrt(np.mean(x * x, axis=axes, keepdims=True))


def value_at(hyper: Any, t: int) -> Any:
    """A hyperparameter's value at step ``t`` (1-based); schedules are called with ``t - 1``."""
    return hyper(t - 1) if callable(hyper) else hyper


def rate_at(lr: Any, t: int) -> Any:
    """The learning rate of step ``t`` (1-based), refused if a schedule gives a bad value.

    A negative rate would silently turn descent into ascent, and a NaN would poison every
    weight, so a callable rate is checked at every step; constants are checked by ``make``.
    """
    if not callable(lr):
        return lr
    rate = lr(t - 1)
    values = np.asarray(rate, dtype=float)
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ValueError(
            f"the learning-rate schedule gave {rate!r} at step {t - 1}: "
            "a rate must be finite and ≥ 0"
        )
    return rate


# --------------------------------------------------------------------------- links


@_link
def add_decayed_weights(weight_decay: Any, lr: Any = None) -> Transform:
    """u ← u + λθ. Before a rescaling link this is L2 (coupled); after it, decoupled decay.

    With ``lr`` (a rate or schedule) the decay is u + η_t·λ·θ: for a link that already
    carries its own step size (Adafactor's relative step), so that the decay still shrinks
    θ by η_t·λ as torch's ``param.mul_(1 - lr * weight_decay)`` does.
    """

    def update(u: Array, bufs: Buffers, ctx: Context) -> tuple[Array, Buffers]:
        return u + weight_decay * ctx.param, {}

    def update_with_rate(u: Array, bufs: Buffers, ctx: Context) -> tuple[Array, Buffers]:
        return u + rate_at(lr, ctx.t) * weight_decay * ctx.param, {}

    if _is_zero(weight_decay):
        return identity()  # no decay: skip two array operations a step
    return Transform(_no_buffers, update if lr is None else update_with_rate)


@_link
def identity() -> Transform:
    def update(u: Array, bufs: Buffers, ctx: Context) -> tuple[Array, Buffers]:
        return u, {}

    return Transform(_no_buffers, update)


def _is_zero(value: Any) -> bool:
    return not callable(value) and np.ndim(value) == 0 and float(value) == 0.0


@_link
def trace(beta: Any, nesterov: bool = False, name: str = "velocity") -> Transform:
    """Heavy-ball momentum as torch writes it: v ← βv + u; u ← v.

    ``nesterov=True`` is torch's Nesterov form, u ← u + βv (with the new v): the params
    are then the lookahead point itself, so the gradient is simply taken at them.
    """

    def init(param: Array, axes: tuple[int, ...]) -> Buffers:
        return {name: np.zeros_like(param)}

    def update(u: Array, bufs: Buffers, ctx: Context) -> tuple[Array, Buffers]:
        velocity = beta * bufs[name] + u
        return velocity, {name: velocity}

    def nesterov_update(u: Array, bufs: Buffers, ctx: Context) -> tuple[Array, Buffers]:
        velocity = beta * bufs[name] + u
        return u + beta * velocity, {name: velocity}

    return Transform(init, nesterov_update if nesterov else update)


@_link
def scale_by_accumulated_square(eps: Any) -> Transform:
    """AdaGrad: G ← G + u²; u ← u / (√G + ε). The per-coordinate rate can only fall."""

    def init(param: Array, axes: tuple[int, ...]) -> Buffers:
        return {"accumulator": np.zeros_like(param)}

    def update(u: Array, bufs: Buffers, ctx: Context) -> tuple[Array, Buffers]:
        accumulator = bufs["accumulator"] + u * u
        rate = 1.0 / (np.sqrt(accumulator) + eps)
        _note(ctx, rate_factor=rate)
        return u * rate, {"accumulator": accumulator}

    return Transform(init, update)


@_link
def scale_by_rms(rho: Any, eps: Any) -> Transform:
    """RMSProp: s ← ρs + (1−ρ)u²; u ← u / (√s + ε). A moving average that can forget."""

    def init(param: Array, axes: tuple[int, ...]) -> Buffers:
        return {"square_avg": np.zeros_like(param)}

    def update(u: Array, bufs: Buffers, ctx: Context) -> tuple[Array, Buffers]:
        square_avg = rho * bufs["square_avg"] + (1.0 - rho) * (u * u)
        rate = 1.0 / (np.sqrt(square_avg) + eps)
        _note(ctx, rate_factor=rate)
        return u * rate, {"square_avg": square_avg}

    return Transform(init, update)


@_link
def scale_by_adam(beta1: Any, beta2: Any, eps: Any, bias_correction: bool = True) -> Transform:
    """Adam's direction m̂ / (√v̂ + ε); without bias correction m̂ = m and v̂ = v."""

    def init(param: Array, axes: tuple[int, ...]) -> Buffers:
        return {"m": np.zeros_like(param), "v": np.zeros_like(param)}

    def update(u: Array, bufs: Buffers, ctx: Context) -> tuple[Array, Buffers]:
        m = beta1 * bufs["m"] + (1.0 - beta1) * u
        v = beta2 * bufs["v"] + (1.0 - beta2) * (u * u)
        if bias_correction:
            m_hat = m / (1.0 - beta1**ctx.t)
            v_hat = v / (1.0 - beta2**ctx.t)
        else:
            m_hat, v_hat = m, v
        direction = m_hat / (np.sqrt(v_hat) + eps)
        _note(ctx, m_hat=m_hat, v_hat=v_hat, direction=direction)
        return direction, {"m": m, "v": v}

    return Transform(init, update)


def radam_rectification(beta2: Any, t: int) -> tuple[Any, Any]:
    """RAdam's (ρ_t, r_t): the SMA length and the variance rectification term.

    r_t is only used where ρ_t > 5; elsewhere the value returned is NaN.
    """
    rho_inf = 2.0 / (1.0 - beta2) - 1.0
    rho_t = rho_inf - 2.0 * t * beta2**t / (1.0 - beta2**t)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
        rect = np.where(rho_t > 5.0, np.sqrt(np.where(rho_t > 5.0, ratio, 1.0)), np.nan)
    return rho_t, rect


@_link
def scale_by_radam(beta1: Any, beta2: Any, eps: Any) -> Transform:
    """RAdam (Liu et al. 2020): momentum-only steps until the variance estimate is trustworthy."""

    def init(param: Array, axes: tuple[int, ...]) -> Buffers:
        return {"m": np.zeros_like(param), "v": np.zeros_like(param)}

    def update(u: Array, bufs: Buffers, ctx: Context) -> tuple[Array, Buffers]:
        t = ctx.t
        m = beta1 * bufs["m"] + (1.0 - beta1) * u
        v = beta2 * bufs["v"] + (1.0 - beta2) * (u * u)
        m_hat = m / (1.0 - beta1**t)
        rho_t, rect = radam_rectification(beta2, t)
        # torch adds ε to √v before the bias correction of v, unlike Adam.
        adaptive = np.sqrt(1.0 - beta2**t) / (np.sqrt(v) + eps)
        rectified = np.asarray(rho_t > 5.0)
        direction = np.where(rectified, m_hat * np.nan_to_num(rect) * adaptive, m_hat)
        _note(ctx, m_hat=m_hat, rho_t=rho_t, rectification=rect, direction=direction)
        return direction, {"m": m, "v": v}

    return Transform(init, update)


def _trust_ratio(param_norm: Array, denominator: Array, coefficient: Any = 1.0) -> Array:
    """c·‖θ‖ / denominator, and 1 where either norm is 0 (a fresh zero tensor still moves)."""
    usable = (param_norm > 0) & (denominator > 0)
    return np.where(usable, coefficient * param_norm / np.where(usable, denominator, 1.0), 1.0)


@_link
def scale_by_trust_ratio() -> Transform:
    """LAMB's layer-wise rescaling: u ← (‖θ‖/‖u‖)·u per parameter tensor (1 where a norm is 0)."""

    def update(u: Array, bufs: Buffers, ctx: Context) -> tuple[Array, Buffers]:
        ratio = _trust_ratio(_norm(ctx.param, ctx.axes), _norm(u, ctx.axes))
        _note(ctx, trust_ratio=ratio)
        return u * ratio, {}

    return Transform(_no_buffers, update)


@_link
def scale_by_lars_trust_ratio(trust_coefficient: Any, weight_decay: Any) -> Transform:
    """LARS (You et al. 2017, Algorithm 1), decay included: u ← r·(g + λθ) per tensor, with

    r = c·‖θ‖ / (‖g‖ + λ‖θ‖), and r = 1 where ‖θ‖ or the denominator is 0 (as
    pytorch-optimizer does: a zero-initialised bias still gets its plain gradient step).
    """

    def update(g: Array, bufs: Buffers, ctx: Context) -> tuple[Array, Buffers]:
        param_norm = _norm(ctx.param, ctx.axes)
        denominator = _norm(g, ctx.axes) + weight_decay * param_norm
        ratio = _trust_ratio(param_norm, denominator, trust_coefficient)
        _note(ctx, trust_ratio=ratio)
        return ratio * (g + weight_decay * ctx.param), {}

    return Transform(_no_buffers, update)


@_link
def scale_by_sign_momentum(beta1: Any, beta2: Any) -> Transform:
    """Lion: u ← sign(β1·m + (1−β1)g), then m ← β2·m + (1−β2)g."""

    def init(param: Array, axes: tuple[int, ...]) -> Buffers:
        return {"m": np.zeros_like(param)}

    def update(u: Array, bufs: Buffers, ctx: Context) -> tuple[Array, Buffers]:
        direction = np.sign(beta1 * bufs["m"] + (1.0 - beta1) * u)
        m = beta2 * bufs["m"] + (1.0 - beta2) * u
        _note(ctx, direction=direction)
        return direction, {"m": m}

    return Transform(init, update)


@_link
def scale_by_clipped_newton(beta1: Any, beta2: Any, rho: Any, eps: Any) -> Transform:
    """Sophia: u ← clip(m / max(ρ·h, ε), −1, 1), h an EMA of diagonal-Hessian estimates.

    h is refreshed only on the steps where the optimizer hands over an estimate
    (every ``update_period`` steps); where curvature is negative or tiny the
    denominator falls to ε and the clip turns the step into sign momentum.
    """

    def init(param: Array, axes: tuple[int, ...]) -> Buffers:
        return {"m": np.zeros_like(param), "h": np.zeros_like(param)}

    def update(u: Array, bufs: Buffers, ctx: Context) -> tuple[Array, Buffers]:
        m = beta1 * bufs["m"] + (1.0 - beta1) * u
        h = bufs["h"]
        changed = {"m": m}
        if ctx.hessian is not None:
            h = beta2 * h + (1.0 - beta2) * ctx.hessian
            changed["h"] = h
        ratio = m / np.maximum(rho * h, eps)
        direction = np.clip(ratio, -1.0, 1.0)
        _note(ctx, clipped=np.abs(ratio) > 1.0, direction=direction)
        return direction, changed

    return Transform(init, update, needs_hessian=True)


@_link
def scale_by_factored_rms(
    lr: Any, beta2_decay: Any, eps1: Any, eps2: Any, clip_threshold: Any
) -> Transform:
    """Adafactor (Shazeer & Stern 2018) as torch.optim.Adafactor computes it.

    For a matrix leaf (last two axes m×n) the second moment is kept as a row vector
    (m numbers) and a column vector (n numbers) whose outer product, divided by the
    row mean, estimates the full m×n matrix; vectors keep a plain second moment.
    The step is relative: α_t = max(ε2, RMS(θ))·min(lr, 1/√t), and the update is
    clipped so that its RMS never exceeds ``clip_threshold``. Returns the full step
    (learning rate included) with its sign: follow it with ``scale(-1)``.
    """

    def factored(param: Array, axes: tuple[int, ...]) -> bool:
        return len(axes) >= 2

    def init(param: Array, axes: tuple[int, ...]) -> Buffers:
        if factored(param, axes):
            return {
                "row": np.zeros(param.shape[:-1] + (1,)),
                "col": np.zeros(param.shape[:-2] + (1, param.shape[-1])),
            }
        return {"v": np.zeros_like(param)}

    def update(g: Array, bufs: Buffers, ctx: Context) -> tuple[Array, Buffers]:
        t = ctx.t
        decay = float(t) ** beta2_decay  # 1 − β2_t: weight of the newest squared gradient
        relative_step = np.minimum(rate_at(lr, t), 1.0 / np.sqrt(t))
        alpha = np.maximum(eps2, _rms(ctx.param, ctx.axes)) * relative_step
        if factored(ctx.param, ctx.axes):
            row = bufs["row"] + decay * (np.mean(g * g, axis=-1, keepdims=True) - bufs["row"])
            col = bufs["col"] + decay * (np.mean(g * g, axis=-2, keepdims=True) - bufs["col"])
            second_moment = row * col / np.maximum(np.mean(row, axis=-2, keepdims=True), eps1)
            changed = {"row": row, "col": col}
        else:
            second_moment = bufs["v"] + decay * (g * g - bufs["v"])
            changed = {"v": second_moment}
        scaled = g / np.sqrt(np.maximum(second_moment, eps1 * eps1))
        clip = np.maximum(1.0, _rms(scaled, ctx.axes) / clip_threshold)
        _note(ctx, relative_step=relative_step, alpha=alpha, clip=clip)
        return alpha * scaled / clip, changed

    return Transform(init, update)


@_link
def scale(factor: Any) -> Transform:
    def update(u: Array, bufs: Buffers, ctx: Context) -> tuple[Array, Buffers]:
        return factor * u, {}

    return Transform(_no_buffers, update)


@_link
def scale_by_learning_rate(lr: Any) -> Transform:
    """u ← −η_t·u; η may be a schedule (a function of the 0-based step)."""

    def update(u: Array, bufs: Buffers, ctx: Context) -> tuple[Array, Buffers]:
        rate = rate_at(lr, ctx.t)
        _note(ctx, lr=rate)
        return -rate * u, {}

    if callable(lr):
        return Transform(_no_buffers, update)
    negative_lr = -np.asarray(lr, dtype=float) if np.ndim(lr) else -float(lr)

    def constant_update(u: Array, bufs: Buffers, ctx: Context) -> tuple[Array, Buffers]:
        _note(ctx, lr=lr)
        return negative_lr * u, {}

    return Transform(_no_buffers, constant_update)


# --------------------------------------------------------------------------- chain


def chain(*links: Transform) -> Transform:
    """Compose links left to right; their buffer names must not clash."""

    def init(param: Array, axes: tuple[int, ...]) -> Buffers:
        buffers: Buffers = {}
        for link in links:
            own = link.init(param, axes)
            clash = buffers.keys() & own.keys()
            if clash:
                raise ValueError(f"two links of one chain keep a buffer named {sorted(clash)}")
            buffers.update(own)
        return buffers

    def update(u: Array, bufs: Buffers, ctx: Context) -> tuple[Array, Buffers]:
        changed: Buffers = {}
        for link in links:
            u, own = link.update(u, bufs, ctx)
            changed.update(own)
        return u, changed

    return Transform(
        init,
        update,
        needs_hessian=any(link.needs_hessian for link in links),
        name="chain",
        links=links,
    )

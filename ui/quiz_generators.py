"""Quiz questions with fresh numbers on every attempt, answered by the engine.

Each generator takes a ``numpy.random.Generator`` and returns ``(prompt, options)``.
The right answer is computed by running the engine (never by a formula typed here),
and each wrong option is a named mistake with its own explanation. Register a new
generator with ``@register("name")`` and reference the name from a quiz TOML file.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import numpy as np

from engine import optimizers
from ui.quiz import Option

Generator = Callable[[np.random.Generator], tuple[str, list[Option]]]
GENERATORS: dict[str, Generator] = {}


def register(name: str) -> Callable[[Generator], Generator]:
    def wrap(fn: Generator) -> Generator:
        GENERATORS[name] = fn
        return fn

    return wrap


def generate(name: str, seed: int) -> tuple[str, list[Option]]:
    """Build generator ``name``'s question for ``seed`` (same seed, same question)."""
    if name not in GENERATORS:
        raise KeyError(f"unknown question generator {name!r}")
    return GENERATORS[name](np.random.default_rng(int(seed)))


def numeric_options(
    correct: tuple[float, str],
    wrong: Sequence[tuple[float, str]],
    rng: np.random.Generator,
    fmt: Callable[[float], str] = lambda v: f"{v:.4g}",
) -> list[Option]:
    """Shuffled options from a correct (value, explanation) and named mistakes.

    Mistakes that print the same as the answer (or as each other) are dropped, so the
    learner never sees two identical choices.
    """
    seen = {fmt(correct[0])}
    options = [Option(fmt(correct[0]), True, correct[1])]
    for value, why in wrong:
        text = fmt(value)
        if text in seen or not np.isfinite(value):
            continue
        seen.add(text)
        options.append(Option(text, False, why))
    order = rng.permutation(len(options))
    return [options[i] for i in order]


def run_fixed_gradients(
    name: str, hyperparams: dict[str, float], theta0: float, gradients: Sequence[float]
) -> tuple[list[float], list[dict[str, np.ndarray]]]:
    """Step optimizer ``name`` on one scalar weight fed the given gradient sequence.

    The engine works on 2-D points, so the weight is the first coordinate and the
    second stays at 0 with zero gradient. Returns θ after each step and the states.
    """
    opt = optimizers.make(name, **hyperparams)
    params = np.array([theta0, 0.0])
    state = opt.init(params)
    thetas, states = [], []
    for g in gradients:

        def grad_fn(p: np.ndarray, g: float = g) -> np.ndarray:
            return np.array([g, 0.0]) + 0 * p

        params, state = opt.step(params, grad_fn, state)
        thetas.append(float(params[0]))
        states.append(state)
    return thetas, states


def run_parabola(eta: float, steps: int, x0: float) -> list[float]:
    """x at steps 0…``steps`` of gradient descent on (x − 3)², from the engine."""
    from engine import worked

    table = worked.parabola(eta, steps, x0=x0)
    return [float(v) for v in table["x"]]


# --------------------------------------------------------------------------- chapter 0


@register("parabola_two_steps")
def parabola_two_steps(rng: np.random.Generator) -> tuple[str, list[Option]]:
    x0 = float(rng.choice([-2.0, -1.0, 0.0, 1.0, 5.0, 6.0]))
    eta = float(rng.choice([0.05, 0.1, 0.2, 0.25, 0.3, 0.4]))
    xs = run_parabola(eta, 2, x0)
    from engine.worked import parabola_grad

    # Named mistakes, each replaying two steps with one thing wrong.
    ascent, halfgrad = [x0], [x0]
    for _ in range(2):
        ascent.append(ascent[-1] + eta * float(parabola_grad(ascent[-1])))  # walks uphill
        halfgrad.append(halfgrad[-1] - eta * 0.5 * float(parabola_grad(halfgrad[-1])))  # no 2
    prompt = (
        f"Gradient descent on L(x) = (x − 3)² starts at x₀ = {x0:g} with η = {eta:g}. "
        "Where is x after **two** steps?"
    )
    options = numeric_options(
        (
            xs[2],
            f"Right. Each step is x ← x − η·2(x − 3): x₁ = {xs[1]:.4g}, then x₂ = {xs[2]:.4g}.",
        ),
        [
            (xs[1], f"That is x₁, after one step only; one more step gives {xs[2]:.4g}."),
            (
                ascent[2],
                "That adds the gradient instead of subtracting it: the ball walks uphill.",
            ),
            (
                halfgrad[2],
                "That forgets the factor 2 in the derivative 2(x − 3), so each step is half as long.",
            ),
            (3.0, "That is the minimum itself; with this η two steps do not land on it exactly."),
        ],
        rng,
    )
    return prompt, options


@register("parabola_contraction")
def parabola_contraction(rng: np.random.Generator) -> tuple[str, list[Option]]:
    eta = float(rng.choice([0.05, 0.15, 0.2, 0.3, 0.35, 0.6, 0.7, 0.8]))
    x0 = float(rng.choice([-3.0, -1.0, 0.0, 7.0]))
    xs = run_parabola(eta, 1, x0)
    factor = abs(xs[1] - 3.0) / abs(x0 - 3.0)  # measured from the engine's step
    flips = (xs[1] - 3.0) * (x0 - 3.0) < 0
    side = (
        " It also lands on the other side of the minimum each time (1 − 2η is negative)."
        if flips
        else ""
    )
    prompt = (
        f"On L(x) = (x − 3)² with η = {eta:g}, each gradient-descent step multiplies the "
        "distance to the minimum by a fixed factor. What is it?"
    )
    options = numeric_options(
        (factor, f"Right: x − 3 becomes (1 − 2η)(x − 3), and |1 − 2η| = {factor:.3g}.{side}"),
        [
            (abs(1 - eta), "That is 1 − η: it forgets that the slope of (x − 3)² is 2(x − 3)."),
            (2 * eta, "2η is how much of the distance is removed, not how much remains."),
            (
                factor**2,
                "That is how the *loss* shrinks per step (the square of the distance factor).",
            ),
        ],
        rng,
        fmt=lambda v: f"{v:.3g}",
    )
    return prompt, options


# --------------------------------------------------------------------------- chapter 1


@register("sgd_step")
def sgd_step(rng: np.random.Generator) -> tuple[str, list[Option]]:
    theta = float(rng.choice([0.5, 1.0, 1.5, 2.0]))
    grad = float(rng.choice([-20.0, -13.5, -7.0, -4.0, 6.0, 12.0]))
    eta = float(rng.choice([0.01, 0.02, 0.05]))
    (after,), _ = run_fixed_gradients("sgd", {"lr": eta}, theta, [grad])
    wrong_sign = theta + eta * grad  # the sign mistake, for a distractor
    prompt = (
        f"A mini-batch gives the gradient g = {grad:g} at θ = {theta:g}. "
        f"What is θ after one SGD step with η = {eta:g}?"
    )
    options = numeric_options(
        (after, f"Right: θ − η·g = {theta:g} − {eta:g}·({grad:g}) = {after:.4g}."),
        [
            (wrong_sign, "That adds η·g: a step uphill, in the direction the loss grows."),
            (
                theta - grad,
                "That forgets the learning rate: the raw gradient is far too big a step.",
            ),
            (eta * grad, "That is η·g, the size of the change, not the new weight."),
        ],
        rng,
    )
    return prompt, options


@register("four_point_batch_gradient")
def four_point_batch_gradient(rng: np.random.Generator) -> tuple[str, list[Option]]:
    """The lesson's four points: the gradient of a random batch of two at a random θ."""
    from engine import worked

    theta = float(rng.choice([0.0, 0.5, 1.0, 1.5, 2.5]))
    batch = tuple(sorted(int(i) for i in rng.choice([1, 2, 3, 4], size=2, replace=False)))
    grad = worked.four_point_gradient(theta, batch)
    full = worked.four_point_gradient(theta)
    each = [worked.four_point_gradient(theta, (i,)) for i in batch]
    summed = sum(each)
    points = ", ".join(
        f"({x:g}, {y:g})" for x, y in zip(worked.FOUR_POINT_X, worked.FOUR_POINT_Y, strict=True)
    )
    names = "{" + ", ".join(str(i) for i in batch) + "}"
    prompt = (
        f"Four points (x, y) = {points} are fitted by y = θx, each with loss (y − θx)². "
        f"At θ = {theta:g}, what is the gradient of the mini-batch of examples {names} "
        "(the mean of their per-example gradients −2x(y − θx))?"
    )
    options = numeric_options(
        (
            grad,
            f"Right: the per-example gradients are {each[0]:g} and {each[1]:g}; "
            f"their mean is {grad:g}.",
        ),
        [
            (full, "That is the full-batch gradient over all four points, not this batch's."),
            (summed, "That adds the two per-example gradients instead of averaging them."),
            (-grad, "The sign is flipped: the derivative of (y − θx)² is −2x(y − θx)."),
        ],
        rng,
    )
    return prompt, options


# --------------------------------------------------------------------------- chapter 2


@register("momentum_velocity")
def momentum_velocity(rng: np.random.Generator) -> tuple[str, list[Option]]:
    beta = float(rng.choice([0.5, 0.8, 0.9]))
    g1 = float(rng.choice([-6.0, -4.0, 2.0, 5.0]))
    g2 = float(rng.choice([-5.0, -3.0, 1.0, 4.0]))
    eta = 0.01
    _, states = run_fixed_gradients("momentum", {"lr": eta, "beta": beta}, 0.0, [g1, g2])
    velocity = float(np.asarray(states[-1]["velocity"]).reshape(-1)[0])
    prompt = (
        f"Momentum with β = {beta:g} starts at rest (v₀ = 0) and sees the gradients "
        f"g₁ = {g1:g}, then g₂ = {g2:g}. What is the velocity v₂ (with v = βv + g)?"
    )
    options = numeric_options(
        (velocity, f"Right: v₁ = g₁ = {g1:g}, then v₂ = β·v₁ + g₂ = {velocity:.4g}."),
        [
            (g1 + g2, "That adds the gradients without decaying the old one by β."),
            (beta * g2 + g1, "That decays the newest gradient instead of the older one."),
            (
                beta * (g1 + g2),
                "That scales the new gradient by β too; only the old velocity decays.",
            ),
        ],
        rng,
    )
    return prompt, options


# --------------------------------------------------------------------------- chapter 3


def _last_buffer(state: dict[str, np.ndarray], name: str) -> float:
    """The first coordinate (the quiz's one weight) of buffer ``name``."""
    return float(np.asarray(state[name]).reshape(-1)[0])


@register("adagrad_effective_lr")
def adagrad_effective_lr(rng: np.random.Generator) -> tuple[str, list[Option]]:
    eta = float(rng.choice([0.05, 0.1, 0.2, 0.5]))
    grads = [float(v) for v in rng.choice([-4.0, -3.0, -2.0, -1.0, 1.0, 2.0, 3.0, 4.0], size=3)]
    _, states = run_fixed_gradients("adagrad", {"lr": eta}, 0.0, grads)
    g_sum = _last_buffer(states[-1], "accumulator")
    opt = optimizers.make("adagrad", lr=eta)
    rate = float(np.asarray(optimizers.effective_lr(opt, states[-1])).reshape(-1)[0])
    _, rms_states = run_fixed_gradients("rmsprop", {"lr": eta, "rho": 0.9}, 0.0, grads)
    rms_rate = float(
        np.asarray(
            optimizers.effective_lr(optimizers.make("rmsprop", lr=eta, rho=0.9), rms_states[-1])
        ).reshape(-1)[0]
    )
    shown = ", ".join(f"{g:g}" for g in grads)
    prompt = (
        f"One weight under AdaGrad (η = {eta:g}, ε negligible) receives the gradients "
        f"{shown} in its first three steps. What is its effective learning rate "
        "η / (√G + ε) right after the third step?"
    )
    options = numeric_options(
        (
            rate,
            f"Right: G adds up every squared gradient, G = {g_sum:.4g}, and "
            f"η / √G = {eta:g} / {np.sqrt(g_sum):.4g} = {rate:.4g}. Signs do not matter: "
            "squares are never negative.",
        ),
        [
            (eta / g_sum, "That divides by G itself; AdaGrad divides by its square root."),
            (
                eta / abs(grads[-1]),
                "That uses only the latest gradient. AdaGrad's G remembers every step.",
            ),
            (
                rms_rate,
                "That is RMSProp's rate (ρ = 0.9): a moving average of g², not AdaGrad's sum.",
            ),
            (eta, "That is the base rate η; AdaGrad shrinks it as squared gradients pile up."),
        ],
        rng,
    )
    return prompt, options


@register("rmsprop_accumulator")
def rmsprop_accumulator(rng: np.random.Generator) -> tuple[str, list[Option]]:
    rho = float(rng.choice([0.8, 0.9, 0.95, 0.99]))  # not 0.5: two mistakes would coincide
    g1 = float(rng.choice([-4.0, -3.0, -2.0, 2.0, 3.0, 5.0]))
    g2 = float(rng.choice([-3.0, -1.0, 1.0, 2.0, 4.0]))
    _, states = run_fixed_gradients("rmsprop", {"lr": 0.01, "rho": rho}, 0.0, [g1, g2])
    g_avg = _last_buffer(states[-1], "square_avg")
    g_first = _last_buffer(states[0], "square_avg")
    _, ada_states = run_fixed_gradients("adagrad", {"lr": 0.01}, 0.0, [g1, g2])
    g_sum = _last_buffer(ada_states[-1], "accumulator")
    prompt = (
        f"RMSProp with ρ = {rho:g} starts with G₀ = 0 and sees the gradients g₁ = {g1:g}, "
        f"then g₂ = {g2:g}. What is G₂, with G ← ρ·G + (1 − ρ)·g²?"
    )
    options = numeric_options(
        (
            g_avg,
            f"Right: G₁ = (1 − ρ)·({g1:g})² = {g_first:.4g}, then "
            f"G₂ = ρ·G₁ + (1 − ρ)·({g2:g})² = {g_avg:.4g}.",
        ),
        [
            (g_sum, "That is AdaGrad's running sum g₁² + g₂²: nothing is forgotten."),
            (
                rho * g1**2 + (1 - rho) * g2**2,
                "That starts G at g₁² instead of (1 − ρ)·g₁²: G₀ = 0 also takes part in "
                "the first average.",
            ),
            (
                (1 - rho) * g_first + rho * g2**2,
                "That swaps the weights: the old average keeps ρ, the new g² gets 1 − ρ.",
            ),
            (
                (1 - rho) * g2**2,
                "That forgets the old average ρ·G₁: RMSProp fades the past, it does not drop it.",
            ),
        ],
        rng,
    )
    return prompt, options


# --------------------------------------------------------------------------- chapter 4


@register("adam_m_hat")
def adam_m_hat(rng: np.random.Generator) -> tuple[str, list[Option]]:
    from engine import worked

    beta1 = float(rng.choice([0.8, 0.9]))
    g1 = float(rng.choice([-6.0, -4.0, -2.0, 2.0, 3.0, 5.0]))
    g2 = float(rng.choice([v for v in (-3.0, -1.0, 1.0, 2.0, 4.0) if v != g1]))
    table = worked.adam_three_steps(grads=(g1, g2), beta1=beta1)
    m2, m_hat2 = float(table["m"][1]), float(table["m̂"][1])
    prompt = (
        f"Adam with β₁ = {beta1:g} starts from m₀ = 0 and sees the gradients g₁ = {g1:g}, "
        f"then g₂ = {g2:g}. What is the bias-corrected first moment m̂₂ = m₂ / (1 − β₁²)?"
    )
    options = numeric_options(
        (
            m_hat2,
            f"Right: m₁ = (1 − β₁)·g₁ = {float(table['m'][0]):.4g}, "
            f"m₂ = β₁·m₁ + (1 − β₁)·g₂ = {m2:.4g}, and dividing by 1 − β₁² = "
            f"{1 - beta1**2:.4g} gives {m_hat2:.4g}: a weighted average of g₁ and g₂ that "
            "leans towards the newer one.",
        ),
        [
            (m2, "That is m₂ before the correction, still pulled towards its zero start."),
            (g2, "That is only the latest gradient: m̂ still remembers g₁."),
            (
                (g1 + g2) / 2,
                "That is the plain mean. Adam's average weights the newer gradient more.",
            ),
            (
                m2 / (1 - beta1),
                "That divides by 1 − β₁; at step 2 the correction is 1 − β₁², not 1 − β₁.",
            ),
        ],
        rng,
    )
    return prompt, options


@register("adam_uncorrected_first_step")
def adam_uncorrected_first_step(rng: np.random.Generator) -> tuple[str, list[Option]]:
    beta1 = float(rng.choice([0.8, 0.9, 0.95]))
    beta2 = float(rng.choice([0.999, 0.9999]))  # with these the uncorrected step is the longer
    g = float(rng.choice([-5.0, -2.0, 0.5, 3.0, 10.0]))
    hyper = {"lr": 0.001, "beta1": beta1, "beta2": beta2}
    (corrected,), _ = run_fixed_gradients("adam", hyper, 0.0, [g])
    (naive,), _ = run_fixed_gradients("adam", {**hyper, "bias_correction": False}, 0.0, [g])
    ratio = abs(naive) / abs(corrected)
    prompt = (
        f"Adam with β₁ = {beta1:g} and β₂ = {beta2:g} takes its first step on a gradient of "
        f"{g:g}. A buggy copy skips the bias correction (it uses m and v directly). "
        "How many times longer than the real Adam's first step is the buggy one's?"
    )
    options = numeric_options(
        (
            ratio,
            f"Right: m₁ = (1 − β₁)·g and √v₁ = √(1 − β₂)·|g|, so the buggy step is "
            f"η·(1 − β₁)/√(1 − β₂) = {ratio:.4g}·η, while the corrected step is η. "
            "The gradient's size cancels out.",
        ),
        [
            (
                (1 - beta1) / (1 - beta2),
                "That forgets the square root over v: the step divides by √v, not v.",
            ),
            (
                np.sqrt(1 - beta2) / (1 - beta1),
                "That is upside down: the uncorrected v is far too small, so the step grows.",
            ),
            (1.0, "The correction does change the first step: without it m and v are both shrunk."),
            (1 - beta1, "That accounts for m's shrinkage only; v is shrunk too, by more."),
        ],
        rng,
        fmt=lambda v: f"{v:.3g}×",
    )
    return prompt, options


# --------------------------------------------------------------------------- chapter 5


@register("l2_vs_adamw_share")
def l2_vs_adamw_share(rng: np.random.Generator) -> tuple[str, list[Option]]:
    from engine import worked

    theta = float(rng.choice([2.0, 4.0, 5.0, 8.0, 10.0]))
    g = float(rng.choice([0.5, 1.0, 2.0, 3.0]))
    wd = float(rng.choice([0.01, 0.05, 0.1, 0.2]))
    v = float(rng.choice([0.25, 4.0, 9.0, 16.0, 25.0]))  # √v̂ = 1 would hide the difference
    lr = 0.001
    result = worked.l2_vs_decoupled(theta=theta, g=g, wd=wd, lr=lr, v=v)
    l2, decoupled = result.l2_percent, result.decoupled_percent
    prompt = (
        f"Late in training (bias correction negligible), a weight θ = {theta:g} has gradient "
        f"g = {g:g}, and Adam's second moment has settled at v̂ = {v:g}. With η = {lr:g} and "
        f"λ = {wd:g}, what share of θ does the **Adam + L2** decay term remove in one step?"
    )
    options = numeric_options(
        (
            l2,
            f"Right: L2 adds λθ = {wd * theta:.4g} to the gradient, and Adam divides it by "
            f"√v̂ = {np.sqrt(v):.4g} like everything else: η·λθ/√v̂ is {l2:.3g} % of θ.",
        ),
        [
            (
                decoupled,
                f"That is AdamW's share, ηλ = {decoupled:.3g} % of θ: it forgets that Adam "
                "divides the L2 term by √v̂.",
            ),
            (decoupled / v, "That divides by v̂ instead of its square root √v̂."),
            (decoupled * np.sqrt(v), "That multiplies by √v̂; Adam divides by it."),
            (wd * 100, "That is λ alone: the learning rate scales the decay too."),
        ],
        rng,
        fmt=lambda x: f"{x:.3g} %",
    )
    return prompt, options


@register("adamw_shrink_factor")
def adamw_shrink_factor(rng: np.random.Generator) -> tuple[str, list[Option]]:
    lr = float(rng.choice([0.0001, 0.0003, 0.001, 0.003, 0.01]))
    wd = float(rng.choice([0.01, 0.05, 0.1, 0.3]))
    theta = 1.0
    # A zero gradient leaves m = 0, so the step is the decay alone.
    (after,), _ = run_fixed_gradients("adamw", {"lr": lr, "weight_decay": wd}, theta, [0.0])
    factor = after / theta
    prompt = (
        f"AdamW runs with η = {lr:g} and weight decay λ = {wd:g}. Whatever the gradient does, "
        "its decay multiplies each weight by the same factor every step. What is that factor?"
    )
    options = numeric_options(
        (
            factor,
            f"Right: decoupled decay is θ ← θ − ηλθ = (1 − ηλ)·θ, and 1 − {lr:g}·{wd:g} = "
            f"{factor:.6g}, the same for every weight.",
        ),
        [
            (1 - wd, "That forgets η: the decay is scaled by the learning rate."),
            (1 - lr, "That forgets λ: η alone is the step size, not the decay."),
            (1 + lr * wd, "Decay shrinks the weight; a factor above 1 would grow it."),
            (lr * wd, "That is the share removed each step, ηλ, not the factor that remains."),
        ],
        rng,
        fmt=lambda x: f"{x:.6g}",
    )
    return prompt, options


# --------------------------------------------------------------------------- chapter 7


@register("cosine_rate_at_step")
def cosine_rate_at_step(rng: np.random.Generator) -> tuple[str, list[Option]]:
    from engine import schedules

    total = int(rng.choice([1000, 2000, 4000, 10000]))
    warm = int(total * float(rng.choice([0.05, 0.1, 0.2])))
    peak = float(rng.choice([0.0003, 0.0006, 0.001, 0.003]))
    progress = float(rng.choice([1 / 6, 1 / 4, 1 / 3, 2 / 3, 3 / 4, 5 / 6]))
    step = warm + int(round(progress * (total - warm)))
    rate = float(schedules.make("cosine", peak, total, warmup_steps=warm)(step))
    no_warmup = float(schedules.make("cosine", peak, total)(step))  # progress measured from 0
    linear = float(schedules.make("linear", peak, total, warmup_steps=warm)(step))
    p = (step - warm) / (total - warm)
    prompt = (
        f"A schedule warms up linearly for W = {warm:,} steps to η_max = {peak:g}, then "
        f"follows a cosine down to 0 at T = {total:,}. What is the learning rate at step "
        f"t = {step:,}?"
    )
    options = numeric_options(
        (
            rate,
            f"Right: p = (t − W)/(T − W) = {p:.4g}, and η_max·(1 + cos πp)/2 = {rate:.3g}.",
        ),
        [
            (
                no_warmup,
                "That measures progress as t/T, from step 0: the decay phase only starts "
                "once warmup ends, so p = (t − W)/(T − W).",
            ),
            (linear, "That is linear decay to 0, not the cosine."),
            (
                peak * float(np.cos(np.pi * p)),
                "That drops the (1 + …)/2: η_max·cos πp would go negative past the midpoint.",
            ),
            (
                peak - rate,
                "That turns the cosine upside down: it is how much rate has been given up, "
                "not what is left.",
            ),
        ],
        rng,
        fmt=lambda v: f"{v:.3g}",
    )
    return prompt, options


@register("scheduler_per_epoch")
def scheduler_per_epoch(rng: np.random.Generator) -> tuple[str, list[Option]]:
    from engine import schedules

    epochs = int(rng.choice([5, 8, 10, 20]))
    batches = int(rng.choice([50, 100, 200, 500]))
    total = epochs * batches
    warm = total // 10
    peak = float(rng.choice([0.0003, 0.001, 0.003]))
    sched = schedules.make("cosine", peak, total, warmup_steps=warm)
    during_last = float(sched(epochs - 1))  # the counter has been stepped E − 1 times
    prompt = (
        f"A warmup + cosine schedule is built for T = {total:,} steps ({epochs} epochs × "
        f"{batches} batches), with W = {warm:,} warmup steps and η_max = {peak:g}. The "
        "training loop calls `scheduler.step()` once at the end of every **epoch** instead "
        "of after every batch. What learning rate does the optimizer use during the last "
        "epoch?"
    )
    options = numeric_options(
        (
            during_last,
            f"Right: by the last epoch the scheduler has been stepped only {epochs - 1} "
            f"times, so it is still in warmup at η_max·{epochs - 1}/{warm:,} = "
            f"{during_last:.3g}.",
        ),
        [
            (
                float(sched(total - 1)),
                "That is the rate meant for the last batch, had the scheduler been stepped "
                "every batch.",
            ),
            (
                peak,
                "That assumes warmup has finished; it is counted in scheduler steps, "
                "and only a handful have happened.",
            ),
            (
                float(sched(epochs)),
                "One step too many: during the last epoch the counter reads the number of "
                "epochs already finished.",
            ),
            (0.0, "That would be the rate if scheduler.step() were never called at all."),
        ],
        rng,
        fmt=lambda v: f"{v:.3g}",
    )
    return prompt, options


# --------------------------------------------------------------------------- chapter 8

ARENA_CONTENDERS = ("sgd", "momentum", "rmsprop", "adam")
ARENA_STEPS = 200
ARENA_FINISH = 1e-3


def _arena_result(name: str, landscape: str, lr: float) -> tuple[int | None, int | None, float]:
    """(finishing step, divergence step, final loss) of one arena race, from the engine."""
    from engine import landscapes, simulate

    land = landscapes.get(landscape)
    traj = simulate.run(optimizers.make(name, lr=lr), land, land.start, ARENA_STEPS)
    finish = traj.steps_to(ARENA_FINISH)
    if traj.diverged_at is not None and finish is not None and finish >= traj.diverged_at:
        finish = None
    return finish, traj.diverged_at, float(traj.losses[-1])


@register("arena_predict_winner")
def arena_predict_winner(rng: np.random.Generator) -> tuple[str, list[Option]]:
    """Predict the winner of a four-way race, then run it in the arena to check."""
    from engine import landscapes
    from ui.arena import Setup, setup_to_query, share_path

    for _ in range(40):
        landscape = str(rng.choice(["ravine", "bowl", "elliptical", "saddle", "himmelblau"]))
        lr = float(rng.choice([0.003, 0.01, 0.03, 0.1]))
        results = {n: _arena_result(n, landscape, lr) for n in ARENA_CONTENDERS}
        finishes = sorted(r[0] for r in results.values() if r[0] is not None)
        if not finishes or len(finishes) == 1 or finishes[0] < finishes[1]:
            break
    title = landscapes.get(landscape).title
    link = share_path(
        setup_to_query(Setup(landscape=landscape, optimizers=ARENA_CONTENDERS, lr=lr))
    )
    prompt = (
        f"**Predict, then race.** On the {title}, from its default start, SGD, Momentum, "
        f"RMSProp and Adam all get η = {lr:g}. Which one reaches loss ≤ {ARENA_FINISH:g} "
        f"first within {ARENA_STEPS} steps? Decide, then [open this race in the arena]"
        f"({link}) and press Play twice to check."
    )
    winner = None
    if finishes:
        winner = min((r[0], n) for n, r in results.items() if r[0] is not None)[1]
    options = []
    for name in ARENA_CONTENDERS:
        finish, diverged, final = results[name]
        label = optimizers.info(name).display_name
        if finish is not None:
            why = f"{label} crossed the line at step {finish}."
            if name != winner:
                first = optimizers.info(winner).display_name
                why += f" {first} got there sooner, at step {results[winner][0]}."
        elif diverged is not None:
            why = f"{label} diverged at step {diverged}: η = {lr:g} is too big a step for it here."
        else:
            why = f"{label} was still at loss {final:.3g} after {ARENA_STEPS} steps."
        options.append(Option(label, name == winner, why))
    if winner is None:
        none_why = f"Right: nobody got below {ARENA_FINISH:g} in {ARENA_STEPS} steps at this rate."
    else:
        none_why = (
            f"{optimizers.info(winner).display_name} did finish, at step {results[winner][0]}."
        )
    options.append(Option(f"None of them within {ARENA_STEPS} steps", winner is None, none_why))
    return prompt, options


@register("arena_best_rate")
def arena_best_rate(rng: np.random.Generator) -> tuple[str, list[Option]]:
    """Which of four learning rates ends lowest? One batched sweep answers it."""
    from engine import landscapes, simulate

    for _ in range(40):
        name = str(rng.choice(["sgd", "momentum"]))
        landscape = str(rng.choice(["bowl", "elliptical", "ravine"]))
        rates = np.sort(
            rng.choice([0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 0.6, 1.0], 4, replace=False)
        )
        land = landscapes.get(landscape)
        steps = 50
        sweep = simulate.sweep(name, land, land.start, steps, rates)
        final = np.where(sweep.diverged_at < 0, sweep.losses[-1], np.inf)
        order = np.argsort(final)
        if np.isfinite(final[order[0]]) and final[order[0]] < 0.5 * final[order[1]]:
            break
    label = optimizers.info(name).display_name
    prompt = (
        f"A sweep runs {label} on the {land.title} from its default start for {steps} steps "
        f"at four learning rates. Which rate ends with the **lowest** loss?"
    )
    best = int(order[0])
    options = []
    for i, lr in enumerate(rates):
        if sweep.diverged_at[i] >= 0:
            why = f"At η = {lr:g} the run diverged at step {int(sweep.diverged_at[i])}."
        else:
            why = f"At η = {lr:g} the final loss is {sweep.losses[-1][i]:.3g}."
        if i == best:
            why = "Right. " + why + " Bigger rates overshoot or blow up; smaller ones crawl."
        options.append(Option(f"η = {lr:g}", i == best, why))
    return prompt, options


# --------------------------------------------------------------------------- chapter 6


@register("adafactor_state_ratio")
def adafactor_state_ratio(rng: np.random.Generator) -> tuple[str, list[Option]]:
    rows = int(rng.choice([512, 768, 1024, 2048, 4096, 8192]))
    cols = int(rng.choice([256, 1024, 3072, 4096, 16384]))
    n = optimizers.factored_state_numbers(rows, cols)
    ratio = n["adam"] / n["adafactor"]
    prompt = (
        f"A weight matrix has {rows:,} rows and {cols:,} columns. Adam keeps m and v for every "
        "weight; Adafactor keeps one running mean of g² per row and one per column. "
        "How many times smaller is Adafactor's optimizer state?"
    )
    options = numeric_options(
        (
            ratio,
            f"Right: Adam keeps 2 × {rows:,} × {cols:,} = {n['adam']:,} numbers, Adafactor "
            f"{rows:,} + {cols:,} = {n['adafactor']:,}, a ratio of {ratio:,.1f}.",
        ),
        [
            (
                n["weights"] / n["adafactor"],
                "That compares with Adam's second moment v alone; Adam also keeps m.",
            ),
            (
                n["adam"] / max(rows, cols),
                "That counts only the longer of the two factors; Adafactor keeps a row "
                "vector and a column vector.",
            ),
            (
                n["adam"] / min(rows, cols),
                "That counts only the shorter of the two factors; Adafactor keeps both.",
            ),
        ],
        rng,
        fmt=lambda v: f"{v:,.1f}",
    )
    return prompt, options


@register("lion_two_steps")
def lion_two_steps(rng: np.random.Generator) -> tuple[str, list[Option]]:
    theta0 = float(rng.choice([0.5, 1.0, 2.0, -1.0]))
    lr = float(rng.choice([0.01, 0.02, 0.05]))
    g1 = float(rng.choice([-6.0, -4.0, 3.0, 5.0]))
    g2 = float(-np.sign(g1) * rng.choice([0.1, 0.2, 0.5, 1.0, 3.0]))
    hp = {"lr": lr, "beta1": 0.9, "beta2": 0.99}
    thetas, states = run_fixed_gradients("lion", hp, theta0, [g1, g2])
    m1 = float(np.asarray(states[0]["m"]).reshape(-1)[0])
    blend = hp["beta1"] * m1 + (1 - hp["beta1"]) * g2
    sgd_like, _ = run_fixed_gradients("sgd", {"lr": lr}, theta0, [g1, g2])
    prompt = (
        f"Lion (β₁ = {hp['beta1']:g}, β₂ = {hp['beta2']:g}, no weight decay) starts at "
        f"θ = {theta0:g} with m = 0 and η = {lr:g}. It sees the gradient {g1:g}, then {g2:g}. "
        "Where is θ after the two steps?"
    )
    direction = "keeps the old direction" if np.sign(blend) == np.sign(g1) else "turns around"
    options = numeric_options(
        (
            thetas[1],
            f"Right: step 1 moves by η against sign({g1:g}); then m₁ = (1 − β₂)·({g1:g}) = "
            f"{m1:.3g}, so the blend β₁m₁ + (1 − β₁)g₂ = {blend:.3g} and step 2 {direction}.",
        ),
        [
            (thetas[0], "That is θ after the first step only."),
            (
                sgd_like[1],
                "That scales the steps by the gradients' sizes like SGD; Lion keeps only their signs.",
            ),
            (
                theta0 - 2 * lr * np.sign(g1),
                "That assumes the momentum always wins; with β₁ = 0.9 the new gradient has "
                "weight 0.1 and m₁ is small.",
            ),
            (
                theta0 + 2 * lr * np.sign(g1),
                "That moves with the gradient's sign instead of against it: uphill.",
            ),
        ],
        rng,
    )
    return prompt, options


# --------------------------------------------------------------------------- chapter 2 (more)


@functools.lru_cache(maxsize=16)
def _steady_velocity(beta: float, steps: int = 1500) -> float:
    """Momentum's velocity after a constant gradient of 1 for ``steps`` steps (engine)."""
    _, states = run_fixed_gradients("momentum", {"lr": 0.01, "beta": beta}, 0.0, [1.0] * steps)
    return float(np.asarray(states[-1]["velocity"]).reshape(-1)[0])


@register("momentum_window")
def momentum_window(rng: np.random.Generator) -> tuple[str, list[Option]]:
    beta = float(rng.choice([0.5, 0.8, 0.9, 0.95, 0.98, 0.99]))
    # A constant gradient of 1 for long enough: the velocity settles at the sum of all
    # the weights 1 + β + β² + …, which is the effective window.
    window = _steady_velocity(beta)
    prompt = (
        f"Momentum with β = {beta:g} folds every gradient into its velocity with weights "
        "1, β, β², … (newest first). Over roughly how many recent steps does it remember "
        "gradients (its effective window)?"
    )
    options = numeric_options(
        (
            window,
            f"Right: the weights add up to 1/(1 − β) = {window:.3g}. Feed the engine's "
            f"momentum a constant gradient of 1 and its velocity settles at exactly {window:.3g}.",
        ),
        [
            (
                beta / (1 - beta),
                "That leaves out the newest gradient, whose weight is 1: the sum starts "
                "1 + β + β² + …, not β + β² + ….",
            ),
            (
                1 / beta,
                "That is 1/β, which hardly changes with β; the memory is set by how slowly "
                "β^k fades, 1/(1 − β).",
            ),
            (
                100 * beta,
                "β is the fraction of the velocity kept per step, not a number of steps.",
            ),
        ],
        rng,
        fmt=lambda v: f"about {v:.3g} steps",
    )
    return prompt, options


@register("nesterov_lookahead")
def nesterov_lookahead(rng: np.random.Generator) -> tuple[str, list[Option]]:
    theta = float(rng.choice([-2.0, -1.0, 0.5, 1.0, 2.0]))
    velocity = float(rng.choice([-20.0, -10.0, -4.0, 5.0, 8.0, 15.0]))
    eta = float(rng.choice([0.01, 0.02, 0.05, 0.1]))
    beta = float(rng.choice([0.8, 0.9, 0.95]))
    opt = optimizers.make("nesterov", lr=eta, beta=beta, lookahead=True)
    params = np.array([theta, 0.0])
    state = {**opt.init(params), "velocity": np.array([velocity, 0.0])}
    look = float(np.asarray(opt.lookahead(params, state)).reshape(-1)[0])
    prompt = (
        f"Nesterov momentum with η = {eta:g} and β = {beta:g} has a weight at θ = {theta:g} "
        f"with velocity v = {velocity:g} (it moves by θ ← θ − ηv). At which θ does it take "
        "its next gradient?"
    )
    options = numeric_options(
        (
            look,
            f"Right: the lookahead is θ − ηβv = {theta:g} − {eta:g}·{beta:g}·({velocity:g}) "
            f"= {look:.4g}, where the old velocity alone would carry the weight.",
        ),
        [
            (
                theta - eta * velocity,
                "That coasts by the full ηv; the lookahead uses the decayed velocity βv, "
                "the part that survives into the next step before any new gradient.",
            ),
            (
                theta + eta * beta * velocity,
                "Wrong direction: the weight moves by −ηv, so the lookahead is θ − ηβv.",
            ),
            (
                theta - beta * velocity,
                "That forgets the learning rate: the velocity is scaled by η before it moves θ.",
            ),
            (theta, "That is classical momentum, which takes the gradient where the weight is."),
        ],
        rng,
    )
    return prompt, options


# --------------------------------------------------------------------------- chapter 9


@register("cheatsheet_flowchart_walk")
def cheatsheet_flowchart_walk(rng: np.random.Generator) -> tuple[str, list[Option]]:
    """A random path through the decision tree; the walk itself grades the answer."""
    from ui import cheatsheet

    tree = cheatsheet.load_cheatsheet().tree
    leaves = tree.leaves()
    answers = tree.answers_to(leaves[int(rng.integers(len(leaves)))])
    reached = tree.walk(answers).recommendation  # the grader: follow the answers

    def recipe(leaf: str) -> str:
        node = tree.node(leaf)
        return (
            f"{cheatsheet.recipe_name(node.optimizer)}, peak rate {cheatsheet.fmt_range(node.lr)}"
        )

    def where_it_splits(leaf: str) -> str:
        ours, theirs = tree.path_to(reached), tree.path_to(leaf)
        k = next(i for i, (a, b) in enumerate(zip(ours, theirs, strict=False)) if a != b)
        question = tree.node(ours[k - 1]).question
        return (
            f"That is the recipe for another situation ({tree.node(leaf).situation}). The paths part at "
            f"“{question}”: it answers “{tree.node(theirs[k]).answer}”, you answered "
            f"“{tree.node(ours[k]).answer}”."
        )

    correct_text = recipe(reached)
    node = tree.node(reached)
    options = [Option(correct_text, True, f"Right: {node.situation}. {node.why}")]
    seen = {correct_text}
    for i in rng.permutation(len(leaves)):
        leaf = leaves[int(i)]
        text = recipe(leaf)
        if leaf == reached or text in seen:
            continue
        seen.add(text)
        options.append(Option(text, False, where_it_splits(leaf)))
        if len(options) == 4:
            break
    order = rng.permutation(len(options))
    steps = " → ".join(f"“{a}”" for a in answers)
    prompt = (
        f"You answer the flowchart's questions like this: {steps}. Which recipe does it recommend?"
    )
    return prompt, [options[int(i)] for i in order]


@register("cheatsheet_optimizer_memory")
def cheatsheet_optimizer_memory(rng: np.random.Generator) -> tuple[str, list[Option]]:
    """Optimizer-state memory of a whole model, counted by the engine (state_bytes)."""
    from ui import cheatsheet

    name = str(rng.choice(["momentum", "adagrad", "rmsprop", "adam", "adamw", "lamb", "lion"]))
    millions = int(rng.choice([125, 350, 760, 1300, 2700, 6700, 13000]))
    info = optimizers.info(name)
    per_weight = cheatsheet.state_bytes_per_weight(name)  # the engine's count
    weights = millions * 1e6
    state = per_weight * weights
    buffers = info.n_buffers
    prompt = (
        f"A model has {millions:,} million weights, stored in fp32 (4 bytes each), and is "
        f"trained with {info.display_name}. How much memory does the optimizer's state take, "
        "on top of the weights and their gradients?"
    )
    wrong = [
        (
            state + 4 * weights,
            "That adds the weights themselves; the question asks for the optimizer's state only.",
        ),
        (
            state / 2,
            "That stores the state in 2-byte numbers; here every number takes 4 bytes.",
        ),
        (
            8 * weights if buffers == 1 else 4 * weights,
            f"That counts {'two buffers' if buffers == 1 else 'one buffer'} per weight; "
            f"{info.display_name} keeps {info.memory}.",
        ),
        (state * 8, "That counts bits, not bytes."),
    ]
    options = numeric_options(
        (
            state,
            f"Right: {info.display_name} keeps {info.memory}, {per_weight:g} bytes per weight, "
            f"times {millions:,} million weights.",
        ),
        wrong[:3] if rng.random() < 0.5 else [wrong[0], wrong[1], wrong[3]],
        rng,
        fmt=cheatsheet.human_bytes,
    )
    return prompt, options

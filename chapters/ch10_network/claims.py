"""Five of the course's claims, put to the test on the page's network (pure: engine only).

Each claim has an *experiment* (a function of the page's :class:`~logic.Setup` that trains
what it needs, batched) and a *verdict* (a function of the numbers alone, so tests can
hand it constructed results). A verdict says what the numbers show, including when the
claim does not hold at this scale.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from chapters.ch10_network.logic import (
    CLAIM_STEPS,
    DEFAULT_RATES,
    Setup,
    dataset,
    final_row,
    hyperparams,
    network_for,
    pick_best_rates,
)
from engine import optimizers, schedules, training
from engine.training import Racer

GOOD_BAND = 0.05  # a rate is "good" within 5 accuracy points of the optimizer's best
FORGIVING_GRID = tuple(float(10**e) for e in np.arange(-4.0, 0.5 + 1e-9, 1 / 3))
LION_GRID = tuple(float(10**e) for e in np.arange(-5.0, 0.0 + 1e-9, 1 / 3))
BATCHES = (8, 32, None)  # None: the full training set
WARMUP_SHARE = 0.1
EARLY_SHARE = 0.25  # "early" is the first quarter of the run


@dataclass(frozen=True)
class Verdict:
    """What an experiment found: its numbers, and a sentence saying what they show."""

    claim: str
    holds: bool | None  # None: the experiment could not decide (e.g. all runs diverged)
    text: str
    numbers: dict = field(default_factory=dict)


def _steps(setup: Setup) -> int:
    return min(int(setup.total_steps), CLAIM_STEPS)


def _batch(setup: Setup, n_train: int) -> int:
    return min(int(setup.batch_size), n_train)


def _rate_of(setup: Setup, name: str) -> float:
    """The page's rate for ``name`` if it races, else the page's default for it."""
    if name in setup.racers:
        return float(setup.rates[setup.racers.index(name)])
    return DEFAULT_RATES[name]


# --------------------------------------------------------------------------- 1. forgiving


def band_width(
    rates: Sequence[float], accuracy: Sequence[float], tolerance: float = GOOD_BAND
) -> tuple[float, float, float]:
    """The contiguous band of rates around the best within ``tolerance`` of its accuracy.

    Returns (lowest good rate, highest good rate, width in decades = log10(high/low));
    NaNs for every entry when no rate trained (all NaN).
    """
    acc = np.asarray(accuracy, dtype=float)
    if not np.isfinite(acc).any():
        return math.nan, math.nan, math.nan
    best = int(np.nanargmax(acc))
    good = np.isfinite(acc) & (acc >= acc[best] - tolerance)
    low = high = best
    while low > 0 and good[low - 1]:
        low -= 1
    while high < len(acc) - 1 and good[high + 1]:
        high += 1
    return float(rates[low]), float(rates[high]), float(np.log10(rates[high] / rates[low]))


def forgiving_verdict(bands: Mapping[str, tuple[float, float, float]]) -> Verdict:
    """Adam is forgiving about its rate: its good band is wider than SGD's and momentum's."""
    claim = "Adam is forgiving about its learning rate"
    names = {"sgd": "SGD", "momentum": "Momentum", "adam": "Adam"}
    widths = {n: bands[n][2] for n in names}
    if any(not math.isfinite(w) for w in widths.values()):
        lost = [names[n] for n, w in widths.items() if not math.isfinite(w)]
        return Verdict(
            claim, None, f"Every rate of {', '.join(lost)} diverged: no band to compare."
        )
    parts = [
        f"{names[n]} {widths[n]:.2g} decades ({bands[n][0]:.2g} to {bands[n][1]:.2g})"
        for n in names
    ]
    widest_other = max(widths["sgd"], widths["momentum"])
    if widths["adam"] > widest_other:
        ending = "Adam's band is the widest: the claim holds on this network."
        holds = True
    elif widths["adam"] == widest_other:
        ending = "Adam's band is as wide as the widest of the others, no wider: a tie here."
        holds = False
    else:
        ending = (
            "Adam's band is narrower than another's: the claim does not hold on this network "
            "at this length of training."
        )
        holds = False
    text = (
        f"Rates within {GOOD_BAND:.0%} points of each optimizer's best validation accuracy: "
        + "; ".join(parts)
        + ". "
        + ending
    )
    return Verdict(claim, holds, text, {"widths": widths})


def forgiving_experiment(setup: Setup) -> dict:
    """SGD, momentum and Adam over one log grid of rates, one batched pass."""
    data = dataset(setup)
    names = ("sgd", "momentum", "adam")
    racers = training.sweep_racers(names, FORGIVING_GRID, [setup.seed])
    history = training.train(
        network_for(setup, data),
        data,
        racers,
        _steps(setup),
        _batch(setup, data.n_train),
        eval_every=_steps(setup),
    )
    accuracy = history.val_accuracy[-1].reshape(len(names), len(FORGIVING_GRID))
    bands = {n: band_width(FORGIVING_GRID, row) for n, row in zip(names, accuracy, strict=True)}
    return {
        "rates": FORGIVING_GRID,
        "accuracy": {n: row.tolist() for n, row in zip(names, accuracy, strict=True)},
        "bands": bands,
        "verdict": forgiving_verdict(bands),
        "steps": _steps(setup),
    }


# --------------------------------------------------------------------------- 2. AdamW


def weight_norm(params: Mapping[str, np.ndarray]) -> np.ndarray:
    """‖θ‖ over every tensor, per run (params with a leading run axis)."""
    total = sum(np.sum(np.reshape(v, (v.shape[0], -1)) ** 2, axis=1) for v in params.values())
    return np.sqrt(total)


def adamw_verdict(accuracy: Mapping[str, float], norms: Mapping[str, float], lam: float) -> Verdict:
    """AdamW beats Adam + L2 at the same λ (decoupled decay shrinks every weight alike)."""
    claim = "AdamW generalises better than Adam + L2 at the same λ"
    a, w = accuracy["adam"], accuracy["adamw"]
    if not (math.isfinite(a) and math.isfinite(w)):
        return Verdict(claim, None, "A run diverged, so the two cannot be compared here.")
    numbers = (
        f"At λ = {lam:g}: AdamW {w:.1%} of the validation set right with ‖θ‖ = "
        f"{norms['adamw']:.3g}; Adam + L2 {a:.1%} with ‖θ‖ = {norms['adam']:.3g}. "
    )
    if w > a:
        ending = "AdamW is ahead: the claim holds here."
        holds = True
    elif w == a:
        ending = "They tie on accuracy: at this scale the difference does not show."
        holds = False
    else:
        ending = "Adam + L2 is ahead: the claim does not hold on this small network."
        holds = False
    smaller = "AdamW's" if norms["adamw"] < norms["adam"] else "Adam + L2's"
    return Verdict(
        claim,
        holds,
        numbers + ending + f" {smaller} weights are the smaller.",
        {"accuracy": dict(accuracy), "norms": dict(norms)},
    )


def adamw_experiment(setup: Setup, lam: float) -> dict:
    data = dataset(setup)
    rate = _rate_of(setup, "adam")
    racers = [
        Racer("adam", {"lr": rate, "weight_decay": lam}, setup.seed, "Adam + L2"),
        Racer("adamw", {"lr": rate, "weight_decay": lam}, setup.seed, "AdamW"),
    ]
    history = training.train(
        network_for(setup, data),
        data,
        racers,
        _steps(setup),
        _batch(setup, data.n_train),
        eval_every=max(1, _steps(setup) // 20),
    )
    final = final_row(history.val_accuracy)
    norms = weight_norm(history.final_params)
    accuracy = {"adam": float(final[0]), "adamw": float(final[1])}
    norm = {"adam": float(norms[0]), "adamw": float(norms[1])}
    return {
        "history": history,
        "rate": rate,
        "lam": lam,
        "verdict": adamw_verdict(accuracy, norm, lam),
    }


# --------------------------------------------------------------------------- 3. warmup


def early_spike(train_loss: Sequence[float], share: float = EARLY_SHARE) -> float:
    """Highest mini-batch loss in the first ``share`` of the run over the first step's loss
    (∞ when the run diverged at all: the worst spike there is)."""
    loss = np.asarray(train_loss, dtype=float)
    if loss.size == 0 or not np.isfinite(loss).all():
        return math.inf
    early = loss[: max(1, math.ceil(share * loss.size))]
    return float(np.max(early) / loss[0])


def warmup_verdict(spikes: Mapping[str, float], rate: float, warm: int) -> Verdict:
    """Warmup tames the early loss spikes of a high rate."""
    claim = "Warmup tames the early spikes of a high learning rate"
    without, with_ = spikes["constant"], spikes["warmup"]

    def said(v: float) -> str:
        return "diverged" if math.isinf(v) else f"{v:.2f}× the first loss"

    text = (
        f"Adam at η = {rate:g}: the worst early mini-batch loss was {said(without)} without "
        f"warmup and {said(with_)} with {warm} warmup steps. "
    )
    if math.isinf(without) and math.isinf(with_):
        return Verdict(claim, None, text + "Both diverged: the rate is too high even for warmup.")
    if with_ < without:
        return Verdict(claim, True, text + "Warmup lowered the spike: the claim holds here.")
    return Verdict(
        claim,
        False,
        text + "Warmup did not lower it: at this rate the start is not where the trouble is.",
    )


def warmup_experiment(setup: Setup, rate: float) -> dict:
    data = dataset(setup)
    steps = _steps(setup)
    warm = max(1, round(WARMUP_SHARE * steps))
    histories = {}
    for kind, schedule in (
        ("constant", None),
        ("warmup", schedules.make("constant", 1.0, steps, warmup_steps=warm)),
    ):
        histories[kind] = training.train(
            network_for(setup, data),
            data,
            [Racer("adam", {"lr": rate}, setup.seed, "Adam")],
            steps,
            _batch(setup, data.n_train),
            schedule=schedule,
            eval_every=steps,
        )
    spikes = {k: early_spike(h.train_loss[:, 0]) for k, h in histories.items()}
    return {
        "histories": histories,
        "rate": rate,
        "warm": warm,
        "verdict": warmup_verdict(spikes, rate, warm),
    }


# --------------------------------------------------------------------------- 4. batch size


def loss_noise(train_loss: Sequence[float], window: int = 10) -> float:
    """Spread of the mini-batch loss around its moving average, over the run's second half."""
    loss = np.asarray(train_loss, dtype=float)
    loss = loss[np.isfinite(loss)]
    if loss.size < 2 * window:
        return math.nan
    smooth = np.convolve(loss, np.ones(window) / window, mode="valid")
    residual = loss[window - 1 :] - smooth
    return float(np.std(residual[residual.size // 2 :]))


def batch_noise_verdict(
    noise: Mapping[int, float], accuracy: Mapping[int, float], name: str
) -> Verdict:
    """Smaller batches give noisier steps (the loss jitters more)."""
    claim = "Smaller batches make training noisier"
    sizes = sorted(noise)
    if any(not math.isfinite(noise[b]) for b in sizes):
        return Verdict(claim, None, "A run diverged or was too short to measure its noise.")
    parts = [f"B = {b:,}: jitter {noise[b]:.3g}, validation {accuracy[b]:.1%}" for b in sizes]
    falling = all(noise[a] > noise[b] for a, b in zip(sizes, sizes[1:], strict=False))
    text = f"{name}, same rate and steps — " + "; ".join(parts) + ". "
    if falling:
        text += "The jitter falls as the batch grows: the claim holds here."
    else:
        text += "The jitter does not fall steadily with the batch: not at this scale."
    return Verdict(claim, falling, text, {"noise": dict(noise), "accuracy": dict(accuracy)})


def batch_experiment(setup: Setup) -> dict:
    data = dataset(setup)
    name = setup.racers[0] if setup.racers else "sgd"
    rate = _rate_of(setup, name)
    histories, noise, accuracy = {}, {}, {}
    for size in BATCHES:
        batch = data.n_train if size is None else min(size, data.n_train)
        history = training.train(
            network_for(setup, data),
            data,
            [Racer(name, hyperparams(name, rate, setup.weight_decay), setup.seed)],
            _steps(setup),
            batch,
            eval_every=_steps(setup),
        )
        histories[batch] = history
        noise[batch] = loss_noise(history.train_loss[:, 0])
        accuracy[batch] = float(final_row(history.val_accuracy)[0])
    label = optimizers.info(name).display_name
    return {
        "histories": histories,
        "name": label,
        "rate": rate,
        "verdict": batch_noise_verdict(noise, accuracy, label),
    }


# --------------------------------------------------------------------------- 5. Lion


def state_numbers(name: str, shapes: Mapping[str, tuple[int, ...]]) -> int:
    """Numbers an optimizer keeps for a network with tensors of ``shapes``."""
    return sum(optimizers.state_bytes(name, shape, 1) for shape in shapes.values())


def lion_verdict(best: Mapping[str, float | None], memory: Mapping[str, int]) -> Verdict:
    """Lion wants a rate 3–10× smaller than AdamW's and keeps half its memory."""
    claim = "Lion needs a 3–10× smaller rate than AdamW, with half the memory"
    share = memory["lion"] / memory["adamw"]
    memory_text = (
        f"Lion keeps {memory['lion']:,} numbers of state, AdamW {memory['adamw']:,} ({share:.0%})."
    )
    if best["lion"] is None or best["adamw"] is None:
        return Verdict(claim, None, "Every rate of one of them diverged. " + memory_text)
    ratio = best["adamw"] / best["lion"]
    text = (
        f"Best rate on this network: AdamW {best['adamw']:.2g}, Lion {best['lion']:.2g}, "
        f"a ratio of {ratio:.2g}. " + memory_text + " "
    )
    holds = 3.0 <= ratio <= 10.0 and share == 0.5
    if holds:
        text += "Both halves of the claim hold here."
    elif ratio > 10.0:
        text += "Lion's best rate is even smaller than the rule says; the memory half holds."
    elif ratio >= 1.0:
        text += "Lion's best rate is smaller, but by less than 3×; the memory half holds."
    else:
        text += "Lion's best rate is not smaller here; the memory half holds."
    return Verdict(claim, holds, text, {"ratio": ratio, "memory_share": share})


def lion_experiment(setup: Setup) -> dict:
    data = dataset(setup)
    net = network_for(setup, data)
    names = ("adamw", "lion")
    racers = [
        Racer(n, hyperparams(n, lr, setup.weight_decay), setup.seed)
        for n in names
        for lr in LION_GRID
    ]
    history = training.train(
        net, data, racers, _steps(setup), _batch(setup, data.n_train), eval_every=_steps(setup)
    )
    picks = pick_best_rates(names, {n: LION_GRID for n in names}, history.val_loss[-1])
    memory = {n: state_numbers(n, net.param_shapes) for n in names}
    return {
        "rates": LION_GRID,
        "val_loss": {
            n: list(history.val_loss[-1][i * len(LION_GRID) : (i + 1) * len(LION_GRID)])
            for i, n in enumerate(names)
        },
        "verdict": lion_verdict({n: picks[n].rate for n in names}, memory),
    }

"""Chapter 10's pure logic: the set-up, the fair-rate sweep and the five claims put to the test.

Nothing here imports Streamlit or Plotly. Every function takes plain values, builds its
data, network and racers with the engine, and returns numbers (and sentences made from
them), so the verdicts can be tested on constructed histories.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from engine import datasets, optimizers, schedules, training
from engine.network import MAX_WIDTH, MIN_WIDTH, Network
from engine.training import Racer, Training, TrainingHistory

PAGE = "ch10"
DATA_NAMES: tuple[str, ...] = (*datasets.TOY_NAMES, "digits")
DATA_TITLES = {
    "spirals": "Two spirals",
    "moons": "Two moons",
    "circles": "Circles",
    "xor": "XOR",
    "digits": "Digits (8×8)",
}
TOY_POINTS = 500  # points per toy set, before the split
WIDTHS: tuple[int, ...] = (4, 8, 16, 32, 64, 128)
assert WIDTHS[0] == MIN_WIDTH and WIDTHS[-1] == MAX_WIDTH
DECAYS: tuple[float, ...] = (0.0, 1e-4, 3e-4, 1e-3, 3e-3, 0.01, 0.03, 0.1)
BATCH_MAX = 4096
MAX_STEPS = 2000  # the longest race a page keeps (memory of its records, wait)
PLAY_STEPS = 50
PROGRESS_CHUNK = 10  # steps between progress-bar updates (each committed)
SNAPSHOTS = 20  # decision-boundary frames kept over a race of the toy sets
RULE_OF_THUMB = 1e-3  # the practitioner's ‖Δw‖/‖w‖ per step

# A rate per optimizer that trains the default small network well (each optimizer's
# own slider default is tuned for 2-D landscapes, not for a network).
DEFAULT_RATES: dict[str, float] = {
    "sgd": 0.3,
    "momentum": 0.03,
    "nesterov": 0.03,
    "adagrad": 0.1,
    "rmsprop": 0.005,
    "adam": 0.01,
    "adamw": 0.01,
    "radam": 0.02,
    "lamb": 0.01,
    "lars": 2.0,
    "adafactor": 0.05,
    "lion": 0.003,
    "sophia": 0.005,
}
assert set(DEFAULT_RATES) == set(optimizers.NAMES)
DEFAULT_RACERS: tuple[str, ...] = ("sgd", "momentum", "adam")
FAIR_RATES_PER_OPTIMIZER = 8
CLAIM_STEPS = 150  # the longest run of a claim's experiment (full batch on digits: seconds)

# Set-ups that chapters 2–8 open this page with (their "see it on a real network" links).
PRESETS: dict[str, dict] = {
    "momentum": {"racers": ["sgd", "momentum", "nesterov"], "data": "spirals"},
    "adaptive": {"racers": ["sgd", "adagrad", "rmsprop"], "data": "digits"},
    "adam": {"racers": ["momentum", "rmsprop", "adam"], "data": "digits"},
    "adamw": {"racers": ["adam", "adamw"], "data": "digits", "weight_decay": 0.01},
    "beyond": {"racers": ["adamw", "lamb", "lion", "adafactor", "sophia"], "data": "digits"},
    "schedules": {
        "racers": ["adam", "momentum"],
        "data": "moons",
        "schedule": "cosine",
        "warmup": 10,
    },
    "arena": {"racers": list(optimizers.NAMES), "data": "moons", "rate_mode": "fair"},
}


# --------------------------------------------------------------------------- set-up


@dataclass(frozen=True)
class Setup:
    """Everything a race depends on: change any field and the race starts again."""

    data: str = "moons"
    noise: float = 0.1
    validation_share: float = 0.3
    layers: int = 2
    width: int = 16
    activation: str = "tanh"
    racers: tuple[str, ...] = DEFAULT_RACERS
    rates: tuple[float, ...] = tuple(DEFAULT_RATES[n] for n in DEFAULT_RACERS)
    batch_size: int = 32
    total_steps: int = 300
    schedule: str = "constant"
    warmup_percent: int = 0
    weight_decay: float = 0.0
    seed: int = 0

    @property
    def hidden(self) -> tuple[int, ...]:
        return (int(self.width),) * int(self.layers)

    @property
    def warmup_steps(self) -> int:
        return round(self.total_steps * self.warmup_percent / 100)


def problems(setup: Setup) -> list[str]:
    """What is wrong with ``setup``, as sentences for the learner (empty: it can train)."""
    found = []
    if setup.data not in DATA_NAMES:
        found.append(f"Unknown data set {setup.data!r}: choose one of {', '.join(DATA_NAMES)}.")
        return found
    if not setup.racers:
        found.append("Pick at least one optimizer to race.")
    if not 1 <= setup.layers <= 3:
        found.append(f"The network needs 1 to 3 hidden layers, not {setup.layers}.")
    if not MIN_WIDTH <= setup.width <= MAX_WIDTH:
        found.append(
            f"Each hidden layer needs {MIN_WIDTH} to {MAX_WIDTH} units, not {setup.width}."
        )
    if not 1 <= setup.total_steps <= MAX_STEPS:
        found.append(f"Train for 1 to {MAX_STEPS:,} steps, not {setup.total_steps:,}.")
    if setup.batch_size < 1:
        found.append("A batch needs at least one example.")
    else:
        n_train = dataset(setup).n_train
        if setup.batch_size > n_train:
            found.append(
                f"A batch of {setup.batch_size:,} is larger than the {n_train:,} training "
                f"examples of this set: choose 1 to {n_train:,} (that is full batch)."
            )
    for name, rate in zip(setup.racers, setup.rates, strict=False):
        if not (math.isfinite(rate) and rate > 0):
            found.append(f"{optimizers.info(name).display_name}'s rate must be above 0.")
    return found


def dataset(setup: Setup) -> datasets.Dataset:
    if setup.data == "digits":
        return datasets.digits(validation_fraction=setup.validation_share, seed=setup.seed)
    return datasets.toy(
        setup.data,
        n_points=TOY_POINTS,
        noise=setup.noise,
        seed=setup.seed,
        train_fraction=1.0 - setup.validation_share,
    )


def network_for(setup: Setup, data: datasets.Dataset) -> Network:
    return Network(data.n_features, setup.hidden, data.n_classes, setup.activation)


def schedule_for(setup: Setup):
    """A factor on every racer's rate (peak 1), or None for a constant rate, no warmup."""
    if setup.schedule == "constant" and setup.warmup_steps == 0:
        return None
    return schedules.make(setup.schedule, 1.0, setup.total_steps, warmup_steps=setup.warmup_steps)


def hyperparams(name: str, rate: float, weight_decay: float) -> dict[str, float]:
    """The racer's hyperparameters: its rate, and the page's λ where it takes one."""
    chosen = {"lr": float(rate)}
    if "weight_decay" in optimizers.info(name).defaults:
        chosen["weight_decay"] = float(weight_decay)
    return chosen


def racers_for(setup: Setup) -> list[Racer]:
    """One racer per optimizer, all with the page's seed (same weights, same batches)."""
    return [
        Racer(name, hyperparams(name, rate, setup.weight_decay), setup.seed)
        for name, rate in zip(setup.racers, setup.rates, strict=True)
    ]


def snapshot_every(setup: Setup) -> int:
    """Keep about :data:`SNAPSHOTS` boundary frames over the race (toy sets only)."""
    if setup.data == "digits":
        return 0
    return max(1, math.ceil(setup.total_steps / SNAPSHOTS))


def new_training(setup: Setup) -> Training:
    data = dataset(setup)
    return Training(
        network_for(setup, data),
        data,
        racers_for(setup),
        min(setup.batch_size, data.n_train),
        schedule=schedule_for(setup),
        eval_every=max(1, setup.total_steps // 60),
        snapshot_every=snapshot_every(setup),
    )


def steps_left(training_run: Training, total_steps: int, wanted: int) -> int:
    """How many of ``wanted`` more steps fit before ``total_steps``."""
    return max(0, min(int(wanted), int(total_steps) - training_run.step))


# --------------------------------------------------------------------------- fair rates


def rate_grid(name: str, n: int = FAIR_RATES_PER_OPTIMIZER) -> np.ndarray:
    """``n`` rates spaced evenly in log over the optimizer's own slider range."""
    low, high, _ = optimizers.info(name).ranges["lr"]
    return np.geomspace(low, high, n)


@dataclass(frozen=True)
class FairPick:
    rate: float | None  # None when every rate of the sweep diverged
    val_loss: float
    tried: tuple[float, ...]
    losses: tuple[float, ...]  # final validation loss per tried rate (NaN: diverged)


def pick_best_rates(
    names: Sequence[str], grids: Mapping[str, Sequence[float]], final_val_loss: Sequence[float]
) -> dict[str, FairPick]:
    """Each optimizer's rate with the lowest final validation loss (diverged runs: NaN).

    ``final_val_loss`` follows the racers of :func:`engine.training.sweep_racers`:
    optimizer by optimizer, each one's grid in order.
    """
    losses = np.asarray(final_val_loss, dtype=float)
    picks, start = {}, 0
    for name in names:
        grid = [float(r) for r in grids[name]]
        own = losses[start : start + len(grid)]
        start += len(grid)
        finite = np.isfinite(own)
        if not finite.any():
            picks[name] = FairPick(None, math.nan, tuple(grid), tuple(own))
            continue
        best = int(np.nanargmin(np.where(finite, own, np.nan)))
        picks[name] = FairPick(grid[best], float(own[best]), tuple(grid), tuple(own))
    if start != len(losses):
        raise ValueError(f"{len(losses)} losses for {start} swept rates")
    return picks


def fair_sweep(setup: Setup, names: Sequence[str], steps: int) -> dict[str, FairPick]:
    """Sweep every optimizer over its grid on this network and data (one batched pass)."""
    data = dataset(setup)
    grids = {name: rate_grid(name) for name in names}
    racers = []
    for name in names:
        racers += training.sweep_racers([name], grids[name], [setup.seed])
    racers = [
        Racer(
            r.optimizer, hyperparams(r.optimizer, r.hyperparams["lr"], setup.weight_decay), r.seed
        )
        for r in racers
    ]
    history = training.train(
        network_for(setup, data),
        data,
        racers,
        steps,
        min(setup.batch_size, data.n_train),
        schedule=schedule_for_length(setup, steps),
        eval_every=steps,
    )
    return pick_best_rates(names, grids, history.val_loss[-1])


def schedule_for_length(setup: Setup, steps: int):
    """The page's schedule shape stretched over ``steps`` (for shorter experiments)."""
    if setup.schedule == "constant" and setup.warmup_percent == 0:
        return None
    warm = round(steps * setup.warmup_percent / 100)
    return schedules.make(setup.schedule, 1.0, steps, warmup_steps=warm)


# --------------------------------------------------------------------------- reading a race


def final_row(values: np.ndarray) -> np.ndarray:
    """Each racer's last finite value of a (rows, R) record (NaN if it has none)."""
    values = np.asarray(values, dtype=float)
    out = np.full(values.shape[1], np.nan)
    for r in range(values.shape[1]):
        finite = np.flatnonzero(np.isfinite(values[:, r]))
        if finite.size:
            out[r] = values[finite[-1], r]
    return out


def summary_rows(history: TrainingHistory, rates: Sequence[float]) -> list[dict]:
    """One row per racer for the results table."""
    val_acc = final_row(history.val_accuracy) if len(history.eval_steps) else None
    val_loss = final_row(history.val_loss) if len(history.eval_steps) else None
    rows = []
    for r, label in enumerate(history.labels):
        lost = int(history.diverged_at[r])
        rows.append(
            {
                "optimizer": label,
                "rate η": f"{rates[r]:.3g}",
                "validation accuracy": "—" if val_acc is None or lost >= 0 else f"{val_acc[r]:.1%}",
                "validation loss": "—" if val_loss is None or lost >= 0 else f"{val_loss[r]:.3f}",
                "status": f"diverged at step {lost}" if lost >= 0 else "training",
            }
        )
    return rows


def leader_sentence(history: TrainingHistory) -> str:
    """Who leads on validation accuracy now, computed from the race on screen."""
    if history.steps == 0 or not len(history.eval_steps):
        return "No step taken yet: press Step or Play."
    acc = history.val_accuracy[-1]
    step = int(history.eval_steps[-1])
    if not np.isfinite(acc).any():
        return f"At step {step} every racer has diverged."
    best = int(np.nanargmax(acc))
    lost = [history.labels[r] for r in np.flatnonzero(history.diverged)]
    when = f"At step {step}"
    if step != history.steps:
        when = f"At step {step}, the last validation check before step {history.steps},"
    finite = acc[np.isfinite(acc)]
    if len(history.labels) > 1 and finite.size == acc.size and np.ptp(finite) == 0:
        return f"{when} every racer gets {acc[best]:.1%} of the validation set right: a tie."
    text = f"{when} {history.labels[best]} leads with {acc[best]:.1%} of the validation set right"
    others = [
        f"{history.labels[r]} {acc[r]:.1%}"
        for r in np.argsort(-np.nan_to_num(acc, nan=-1))
        if r != best and np.isfinite(acc[r])
    ]
    if others:
        text += " (" + ", ".join(others) + ")"
    text += "."
    if lost:
        text += " Diverged: " + ", ".join(lost) + "."
    return text


def ratio_sentence(history: TrainingHistory) -> str:
    """How each racer's median ‖Δw‖/‖w‖ over the last steps compares with 1e-3."""
    if history.steps == 0:
        return ""
    recent = history.update_ratio[-min(20, history.steps) :]
    parts = []
    for r, label in enumerate(history.labels):
        values = recent[:, r, :]
        if not np.isfinite(values).any():
            continue
        median = float(np.nanmedian(values))
        side = "above" if median > RULE_OF_THUMB else "below"
        parts.append(f"{label} {median:.1e} ({median / RULE_OF_THUMB:.2g}× the rule, {side})")
    if not parts:
        return ""
    return "Median ‖Δw‖/‖w‖ over the last steps, all layers: " + "; ".join(parts) + "."


def adaptive(name: str) -> bool:
    """True when the optimizer gives every weight its own rate (η/(√v̂+ε) and kin)."""
    return optimizers.info(name).per_weight_rate is not None


def effective_rate_spread(
    name: str, racer_state: Mapping[str, np.ndarray], lr: float, hyper: Mapping[str, float]
) -> np.ndarray:
    """Every weight's effective step size of adaptive ``name`` now (flattened).

    ``racer_state`` is one racer's state (``"t"`` and ``"<buffer>/<leaf>"``, as
    :meth:`engine.training.Training.racer_state` gives it); ``lr`` is the rate in force
    (after the schedule's factor).
    """
    opt = optimizers.make(name, **{**hyper, "lr": float(lr)})
    leaves = sorted({key.split("/", 1)[1] for key in racer_state if "/" in key})
    parts = []
    for leaf in leaves:
        state = {"t": racer_state["t"]}
        state.update(
            {k.split("/", 1)[0]: v for k, v in racer_state.items() if k.endswith(f"/{leaf}")}
        )
        parts.append(np.ravel(optimizers.effective_lr(opt, state)))
    return np.concatenate(parts) if parts else np.empty(0)


def quartiles(values: np.ndarray) -> dict[str, float]:
    """Min, quartiles and max of the finite values (for a box drawn from its statistics)."""
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return {}
    q = np.percentile(finite, [0, 25, 50, 75, 100])
    return dict(zip(("min", "q1", "median", "q3", "max"), map(float, q), strict=True))


def confusion_matrix(true: np.ndarray, predicted: np.ndarray, n_classes: int) -> np.ndarray:
    """Counts [true class, predicted class]."""
    matrix = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(matrix, (np.asarray(true), np.asarray(predicted)), 1)
    return matrix


def probability_grid(
    network: Network, params: Mapping[str, np.ndarray], bounds, n: int = 40
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """P(class 1) on an n×n grid over ``bounds`` for params with a leading run axis.

    Returns (xs, ys, probabilities of shape (R, n, n)).
    """
    (x0, x1), (y0, y1) = bounds
    xs, ys = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
    gx, gy = np.meshgrid(xs, ys)
    points = np.stack([gx.ravel(), gy.ravel()], axis=1)
    with np.errstate(all="ignore"):
        probs = network.probabilities(dict(params), points)[..., 1]
    return xs, ys, np.asarray(probs).reshape(-1, n, n)

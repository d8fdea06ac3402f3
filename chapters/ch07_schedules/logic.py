"""Chapter 7's pure logic: the lesson's worked example, schedules built from the
learner's settings (problems said, never raised), the scheduler.step() mistakes and
their stories, the shape notes. No Streamlit, no Plotly.

Every learning rate, loss and ratio comes from ``engine.schedules``, ``engine.worked``
or an engine simulation at render time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from engine import optimizers, schedules, transforms, worked
from kit import palette
from kit.format import fmt
from kit.state import Run

PAGE = "ch07"

# The lesson's worked example: T = 1000 steps, 100 of them warmup, peak 0.001, floor 0.
WORKED_TOTAL = 1000
WORKED_WARMUP = 100
WORKED_PEAK = 0.001
WORKED_STEPS = (0, 50, 100, 325, 550, 775, 1000)

VISUALISER_DEFAULT = ("cosine", "linear", "inverse_sqrt", "wsd")
WARMUP_DRAG_PERCENTS = tuple(range(0, 51, 5))  # notches of the in-chart warmup slider
DRAG_SAMPLES = 400  # steps at which its curves are sampled (payload: every notch's curves)
DECAY_NAMES = tuple(n for n in schedules.NAMES if n != "constant")

ACTION_OPTIMIZERS = ("sgd", "momentum", "adam")
ACTION_LANDSCAPES = ("rosenbrock", "noisy_ravine", "ravine", "bowl")
ACTION_HORIZONS = (100, 200, 300, 500, 1000)
ACTION_PLAY = 100  # updates per Play click
CONSTANT_COLOR = palette.schedule_color("constant")

# One-click set-ups for "Schedule in action" (inputs, not results: the runs compute the rest).
PRESETS: dict[str, dict[str, object]] = {
    "warmup": {
        "label": "Warmup saves a large rate",
        "optimizer": "momentum",
        "landscape": "rosenbrock",
        "lr": 0.003,
        "schedule": "cosine",
        "warmup": 10,
        "horizon": 300,
    },
    "noise": {
        "label": "Decay settles through noise",
        "optimizer": "momentum",
        "landscape": "noisy_ravine",
        "lr": 0.01,
        "schedule": "cosine",
        "warmup": 10,
        "horizon": 300,
    },
}

# The scheduler.step() mistakes: how the scheduler's counter relates to the batch index k.
MISTAKES: dict[str, str] = {
    "per_batch": "Every batch (correct)",
    "per_epoch": "Once per epoch",
    "too_fast": "Every batch, schedule in epochs",
    "never": "Never",
    "before": "Before optimizer.step()",
}


def warmup_steps_for(total: int, percent: float) -> int:
    """Warmup length in steps for a warmup of ``percent`` % of ``total`` steps."""
    return int(round(int(total) * float(percent) / 100.0))


def build_schedules(
    names: Sequence[str],
    *,
    peak: float,
    total: int,
    warmup_percent: float,
    min_lr: float,
    options: Mapping[str, Mapping[str, float]] | None = None,
) -> tuple[dict[str, schedules.Schedule], list[str]]:
    """The engine schedules ``names`` for these settings, and plain-language problems.

    Nothing raises: an invalid combination (a floor above the peak, a zero peak …) is
    returned as a message for ``st.error`` and the schedule is left out.
    """
    options = options or {}
    problems: list[str] = []
    if not np.isfinite(peak) or peak <= 0:
        problems.append(
            f"The peak rate must be above zero (it is {fmt(peak)}): a schedule scales it, "
            "and a zero peak leaves nothing to scale."
        )
        return {}, problems
    if not np.isfinite(min_lr) or min_lr < 0:
        problems.append(f"The minimum rate cannot be negative (it is {fmt(min_lr)}).")
        return {}, problems
    if min_lr > peak:
        problems.append(
            f"The minimum rate ({fmt(min_lr)}) is above the peak ({fmt(peak)}). A schedule "
            "decays from its peak down to its minimum, so the minimum has to be the smaller "
            "one: lower the minimum or raise the peak."
        )
        return {}, problems
    built: dict[str, schedules.Schedule] = {}
    warm = warmup_steps_for(total, warmup_percent)
    for name in names:
        try:
            built[name] = schedules.make(
                name, peak, int(total), warmup_steps=warm, min_lr=min_lr, **options.get(name, {})
            )
        except ValueError as exc:
            problems.append(f"{schedules.info(name)['title']} cannot be built: {exc}.")
    return built, problems


def schedule_summary(built: Mapping[str, schedules.Schedule], total: int) -> pd.DataFrame:
    """η at a quarter, half, three quarters and the end of the run, and the average η.

    Rates are shown as a fraction of the peak; the average over the whole run is the
    share of "constant-rate training" a schedule spends.
    """
    checkpoints = (0.25, 0.5, 0.75, 1.0)
    steps = np.arange(int(total) + 1)
    rows = []
    for name, sched in built.items():
        peak = sched.peak_lr
        at = sched(np.array([round(c * total) for c in checkpoints]))
        rows.append(
            {
                "schedule": schedules.info(name)["title"],
                **{
                    f"η at {c:.0%} of T": f"{fmt(float(v), 3)} ({float(v) / peak:.0%})"
                    for c, v in zip(checkpoints, at, strict=True)
                },
                "average η over the run": f"{float(np.mean(sched(steps))) / peak:.0%} of peak",
            }
        )
    return pd.DataFrame(rows)


def decay_done(name: str, progress: float) -> float:
    """Share of the way from peak to minimum a schedule has fallen at ``progress`` ∈ [0, 1]
    of its decay phase (engine schedule with no warmup, peak 1 and floor 0)."""
    total = 1000
    sched = schedules.make(name, 1.0, total)
    return 1.0 - float(sched(round(progress * total)))


def short_count(count: float) -> str:
    """10,000 / 1M / 375M / 300B: big counts as a reader says them."""
    for size, suffix in ((1e9, "B"), (1e6, "M")):
        if count >= size:
            return f"{count / size:g}{suffix}"
    return f"{count:,.0f}"


def cosine_worked_table(extra_steps: Sequence[int] = ()) -> pd.DataFrame:
    """The lesson's cosine table from ``engine.worked.cosine_table``, with the arithmetic
    written out for each row (the inputs in the formula, the engine's value after it)."""
    at = sorted({*WORKED_STEPS, *(int(s) for s in extra_steps)})
    table = worked.cosine_table(
        peak_lr=WORKED_PEAK, total=WORKED_TOTAL, warmup=WORKED_WARMUP, at=tuple(at)
    )
    arithmetic = []
    for step, rate in zip(table["step"], table["learning rate η"], strict=True):
        step = int(step)
        if step < WORKED_WARMUP:
            arithmetic.append(f"{WORKED_PEAK:g} × {step} / {WORKED_WARMUP} = {fmt(rate, 3)}")
        else:
            done = min(step, WORKED_TOTAL) - WORKED_WARMUP
            arithmetic.append(
                f"{WORKED_PEAK:g} × (1 + cos(π · {done} / {WORKED_TOTAL - WORKED_WARMUP})) / 2"
                f" = {fmt(rate, 3)}"
            )
    return pd.DataFrame(
        {
            "step t": [str(int(s)) for s in table["step"]],
            "phase": list(table["phase"]),
            "progress p": ["—" if not np.isfinite(p) else f"{p:.3g}" for p in table["progress p"]],
            "η (engine)": [fmt(float(v), 3) for v in table["learning rate η"]],
            "share of peak": [f"{float(v):.1%}" for v in table["fraction of peak"]],
            "by hand": arithmetic,
        }
    )


def scheduler_counter(mistake: str, epochs: int, batches: int) -> np.ndarray:
    """What the scheduler's step counter reads at each batch k = 0 … E·B − 1.

    The schedule is built in batches (T = E·B). ``per_batch`` is the intended k;
    ``per_epoch`` counts epochs instead (k // B); ``too_fast`` is a schedule written in
    epochs but stepped every batch, i.e. B times too fast (k·B in batch units);
    ``never`` stays at 0; ``before`` steps the scheduler before the optimizer, one ahead.
    """
    k = np.arange(int(epochs) * int(batches))
    counters = {
        "per_batch": k,
        "per_epoch": k // int(batches),
        "too_fast": k * int(batches),
        "never": np.zeros_like(k),
        "before": k + 1,
    }
    if mistake not in counters:
        raise ValueError(f"unknown mistake {mistake!r}")
    return counters[mistake]


@dataclass(frozen=True)
class PitfallResult:
    batches: np.ndarray  # batch index k
    intended: np.ndarray  # η the schedule meant for batch k
    actual: np.ndarray  # η the optimizer used at batch k
    schedule: schedules.Schedule


def pitfall_rates(
    name: str, mistake: str, *, epochs: int, batches: int, peak: float, warmup_percent: float
) -> PitfallResult:
    """Intended and actual learning rate per batch for one way of calling scheduler.step()."""
    total = int(epochs) * int(batches)
    sched = schedules.make(name, peak, total, warmup_steps=warmup_steps_for(total, warmup_percent))
    k = np.arange(total)
    return PitfallResult(k, sched(k), sched(scheduler_counter(mistake, epochs, batches)), sched)


def pitfall_summary(result: PitfallResult) -> pd.DataFrame:
    """Intended vs actual rate: first batch, highest, last batch and average."""
    rows = []
    pairs = (("meant (stepped every batch)", result.intended), ("as stepped", result.actual))
    for label, rates in pairs:
        rows.append(
            {
                "": label,
                "first batch": fmt(float(rates[0]), 3),
                "highest η": fmt(float(rates.max()), 3),
                "last batch": fmt(float(rates[-1]), 3),
                "average η": fmt(float(rates.mean()), 3),
            }
        )
    return pd.DataFrame(rows).set_index("")


def adam_first_step(gradients: tuple[float, float] = (50.0, 0.02), lr: float = 0.001) -> np.ndarray:
    """Adam's very first update for two weights with very different gradients (engine)."""
    opt = optimizers.make("adam", lr=lr)
    params = np.zeros(2)
    _, _, info = opt.step_with_info(
        params, lambda p: np.asarray(gradients, float), opt.init(params)
    )
    return np.asarray(info["update"], dtype=float)


def radam_warmup_steps(beta2: float = 0.999, levels: Sequence[float] = (0.5, 0.9)) -> dict:
    """When RAdam's variance rectification r_t switches on and reaches each level."""
    t = np.arange(1, 20001)
    _, rect = transforms.radam_rectification(beta2, t)
    filled = np.nan_to_num(rect, nan=0.0)
    return {
        "first": int(t[np.isfinite(rect)][0]),
        **{level: int(t[filled >= level][0]) for level in levels},
    }


def action_schedule(
    name: str, lr: float, horizon: int, warmup_percent: float
) -> schedules.Schedule:
    """The schedule of "Schedule in action": peak ``lr``, floor 0, over ``horizon`` steps."""
    return schedules.make(
        name, lr, int(horizon), warmup_steps=warmup_steps_for(horizon, warmup_percent)
    )


def tail_loss(run: Run, window: int = 20) -> float:
    """Average loss over the last ``window`` steps (noisy runs jitter step to step)."""
    losses = run.losses[: run.last_sane_step + 1]
    return float(np.mean(losses[-window:]))


SHAPE_NOTES: dict[str, str] = {
    "step": (
        "The oldest recipe, and still common for convolutional networks: hold the rate, "
        "then cut it by a fixed factor γ at a few chosen points, usually by ten. Each cut "
        "lets the weights settle into a narrower part of the valley, and the training loss "
        "often drops in a visible cliff right after it. The catch is choosing *when* to cut. "
        "Here the interval k is counted from the end of warmup."
    ),
    "cosine": (
        "Half a cosine wave from the peak down to the floor (zero, or a small fraction of "
        "the peak). It has no kinks and no milestones to choose: just the peak, the floor "
        "and the length of the run. That makes it the default for most transformer "
        "training, and it matches or beats hand-placed step schedules in practice."
    ),
    "linear": (
        "A straight ramp down to the floor. Simple and surprisingly strong: GPT-2 and many "
        "BERT fine-tuning recipes use it. Compared with cosine it gives up rate earlier "
        "and lands more gently at the very end."
    ),
    "inverse_sqrt": (
        "The schedule of the original Transformer paper: after warmup the rate falls like "
        "1/√t, fast at first and then ever more slowly. It stays well above cosine late in "
        "training, and it never needs to know the total length, so a run can simply "
        "continue."
    ),
    "wsd": (
        "Warmup, then a long **stable** phase at the peak, then a short, steep decay at the "
        "end (recent large models such as MiniCPM use it). Because nothing depends on the "
        "total length until the last stretch, you can keep training in the stable phase, "
        "branch off a decay whenever you want a finished model, and keep going from before "
        "the decay."
    ),
}


def loss_text(run: Run) -> str:
    """The run's loss for a metric, or where it blew up."""
    if run.diverged:
        return f"diverged at step {run.diverged_at}"
    return fmt(run.loss, 3)


# A one-step shift that moves the rate by at most this share of the peak changes little;
# beyond it (a short run, where each step is a big slice of the schedule) it matters.
HARMLESS_SHIFT = 0.05


def pitfall_story(
    mistake: str, result: PitfallResult, epochs: int, batches: int, total: int
) -> str:
    """What went wrong, in words, with the engine's numbers."""
    peak = result.schedule.peak_lr
    actual_max = float(result.actual.max()) / peak
    mean_ratio = float(result.actual.mean()) / max(float(result.intended.mean()), 1e-300)
    warm = result.schedule.warmup_steps
    if mistake == "per_batch":
        return (
            f"Right: one scheduler step per optimizer step, so after all {total:,} batches "
            "the schedule has run from start to end exactly once."
        )
    if mistake == "per_epoch":
        return (
            f"The schedule was built for {total:,} steps but is stepped only {epochs} times, "
            f"once per epoch, so its counter never gets past {epochs - 1}. "
            + (
                f"That is still inside the {warm}-step warmup: the rate never climbs above "
                f"{actual_max:.1%} of the peak, and the run ends before it has really started."
                if epochs - 1 < warm
                else f"The rate tops out at {actual_max:.1%} of the peak."
            )
            + f" On average the optimizer gets {mean_ratio:.1%} of the rate it was meant to."
        )
    if mistake == "too_fast":
        finished = int(np.argmax(np.arange(total) * batches >= total))
        return (
            f"Here the schedule was written in epochs ({epochs} of them) but stepped every "
            f"batch, so it runs {batches}× too fast: it is over after {finished} batches, "
            f"less than one epoch, and the rest of training runs at the floor, "
            f"{fmt(float(result.actual[-1]), 3)}. On average the optimizer gets "
            f"{mean_ratio:.1%} of the rate it was meant to."
        )
    if mistake == "never":
        return (
            "The scheduler's counter stays at 0, so the optimizer keeps the schedule's "
            f"first value for the whole run: {fmt(float(result.actual[0]), 3)}. With a "
            "warmup that starts from zero nothing moves at all; without warmup you would "
            "silently train at a constant peak rate."
        )
    gap = float(np.max(np.abs(result.actual - result.intended)))
    share = gap / peak if peak > 0 else 0.0
    opening = (
        "Calling the scheduler first skips the schedule's first value: every batch uses "
        "the rate meant for the next one (PyTorch warns about this order). The largest "
        "difference from the intended rate is "
    )
    if share <= HARMLESS_SHIFT:
        return opening + (
            f"only {fmt(gap, 3)} ({share:.2%} of the peak): harmless here, but it is a sign "
            "the loop is in the wrong order."
        )
    return opening + (
        f"{fmt(gap, 3)}, {share:.0%} of the peak. With only {total:,} steps, one step of the "
        "schedule is a large slice of it, so running a step ahead is not harmless: "
        + ("the warmup is cut short and " if warm > 0 else "")
        + "the decay arrives early. Put scheduler.step() after optimizer.step()."
    )


FROM_SCRATCH = '''
import numpy as np


def warmup_cosine(step, total, warmup, peak, floor=0.0):
    """Linear warmup to `peak`, then half a cosine down to `floor` at `total`."""
    step = np.asarray(step, dtype=float)
    ramp = peak * step / max(warmup, 1)
    done = np.clip((step - warmup) / max(total - warmup, 1), 0.0, 1.0)
    glide = floor + (peak - floor) * 0.5 * (1.0 + np.cos(np.pi * done))
    return np.where(step < warmup, ramp, glide)


steps = np.array([0, 50, 100, 325, 550, 775, 1000])
for t, lr in zip(steps, warmup_cosine(steps, total=1000, warmup=100, peak=1e-3)):
    print(f"step {t:4d}: lr = {lr:.6f}")
'''

"""How long do the network chapter's trainings take?

Two measurements on the UCI digits (64-32-10 tanh network, batch 64, float32, the
validation set scored every 10 steps), each the best of several repeats because other
work shares the CPU:
  race   all 13 optimizers at their default hyperparameters × 300 steps, batched (13 runs),
  sweep  16 learning rates per optimizer (a log grid over its slider range) × 13 optimizers
         × 300 steps, batched (208 runs in one pass).
  page   chapter 10 in Streamlit's AppTest: its first render (a fresh session: the race
         built, every figure drawn), a Step (one update, the figures rebuilt) and a rerun
         that trains nothing (the stored figures reused; target ≤ 150 ms like every page).
Targets on the 2-core machine: race ≤ 2 s, sweep ≤ 10 s (wall clock). CPU time is shown
beside it: when other work loads the machine, it is closer to what the code itself costs.
Run: python benchmarks/network.py [--repeats N] [--no-page]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from engine import datasets, optimizers, training  # noqa: E402
from engine.network import Network  # noqa: E402

STEPS, BATCH, N_RATES = 300, 64, 16
EVAL_EVERY = 10
NETWORK = Network(n_inputs=64, hidden=(32,), n_classes=10, activation="tanh")


def race_racers() -> list[training.Racer]:
    return [training.Racer(name) for name in optimizers.NAMES]


def sweep_racers() -> list[training.Racer]:
    racers = []
    for name in optimizers.NAMES:
        low, high, _ = optimizers.info(name).ranges["lr"]
        racers += training.sweep_racers([name], np.geomspace(low, high, N_RATES))
    return racers


def timed(racers, data, eval_every: int) -> tuple[float, float, training.TrainingHistory]:
    """Wall-clock and CPU seconds of one training (CPU time counts every thread)."""
    start, start_cpu = time.perf_counter(), time.process_time()
    history = training.train(NETWORK, data, racers, STEPS, BATCH, eval_every=eval_every)
    return time.perf_counter() - start, time.process_time() - start_cpu, history


def best(
    racers, data, repeats: int, eval_every: int
) -> tuple[float, float, training.TrainingHistory]:
    """The fastest of ``repeats`` trainings (wall clock), with its CPU time."""
    runs = [timed(racers, data, eval_every) for _ in range(repeats)]
    wall, cpu, _ = min(runs, key=lambda run: run[0])
    return wall, cpu, runs[-1][2]


def page_times(repeats: int) -> tuple[float, float, float]:
    """Seconds of chapter 10's first render, and median ms of a Step and of an idle rerun."""
    import logging
    import statistics

    from tests.apptest import open_chapter

    logging.disable(logging.WARNING)  # AppTest's bare-mode chatter
    at = open_chapter(None, timeout=300)  # the app's own start is not the page's
    start = time.perf_counter()
    at.switch_page("chapters/ch10_network/page.py").run()
    first = time.perf_counter() - start
    steps, idle = [], []
    for _ in range(repeats):
        start = time.perf_counter()
        at.button(key="ch10::btn:step").click().run()
        steps.append(time.perf_counter() - start)
        start = time.perf_counter()
        at.run()
        idle.append(time.perf_counter() - start)
    if at.exception:
        raise RuntimeError(f"the page failed: {[e.value for e in at.exception]}")
    return first, 1000 * statistics.median(steps), 1000 * statistics.median(idle)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-page", action="store_true", help="skip the page's timings")
    args = parser.parse_args()
    data = datasets.digits()

    if not args.no_page:
        first, step_ms, idle_ms = page_times(args.repeats)
        print(
            f"page: chapter 10 first render {first:.2f} s, Step rerun {step_ms:.0f} ms, "
            f"rerun training nothing {idle_ms:.0f} ms (target ≤ 150 ms)"
        )

    t_race, cpu_race, race = best(race_racers(), data, args.repeats, EVAL_EVERY)
    print(
        f"race: {len(race.labels)} runs × {STEPS} steps in {t_race:.2f} s, "
        f"CPU {cpu_race:.2f} s (target ≤ 2 s)"
    )
    for label, accuracy, lost in zip(
        race.labels, race.val_accuracy[-1], race.diverged_at, strict=True
    ):
        state = f"diverged at step {lost}" if lost >= 0 else f"val accuracy {accuracy:.3f}"
        print(f"  {label:<10} {state}")

    t_sweep, cpu_sweep, sweep = best(sweep_racers(), data, max(args.repeats // 2, 1), EVAL_EVERY)
    print(
        f"sweep: {len(sweep.labels)} runs × {STEPS} steps in {t_sweep:.2f} s, "
        f"CPU {cpu_sweep:.2f} s (target ≤ 10 s)"
    )
    accuracy = sweep.val_accuracy[-1].reshape(len(optimizers.NAMES), N_RATES)
    for name, row in zip(optimizers.NAMES, accuracy, strict=True):
        print(
            f"  {name:<10} best val accuracy {np.nanmax(row):.3f}, diverged {np.isnan(row).sum()}"
        )

    print(
        f"network: all {len(optimizers.NAMES)} optimizers x {STEPS} steps on digits in "
        f"{t_race:.2f} s; sweep {N_RATES} rates x {len(optimizers.NAMES)} optimizers x "
        f"{STEPS} steps in {t_sweep:.2f} s"
    )


if __name__ == "__main__":
    main()

"""How long do the theory and trust sections' batched computations take?

Each is one batched engine call per optimizer (issue 15's targets, 2-core machine):
  - the (η, β) map of chapter 2: 64×64 grid × 300 steps on the ravine         ≤ 0.2 s
  - sensitivity maps for 6 optimizers, 32×32 grid × 300 steps on Rosenbrock   ≤ 1 s
  - seed fans: 32 seeds × 13 optimizers × 500 steps on the noisy ravine       ≤ 0.5 s
  - basins: 64×64 starts × 4 optimizers × 500 steps on Himmelblau             ≤ 2 s
Each figure is the best of a few runs (the machine may be shared).

Then the pages' sections that show them, rerun with warm caches (target ≤ 150 ms each,
the median of a few AppTest reruns of the section alone): chapter 2's theory of the
ravine, chapter 8's sensitivity maps, seed fans and basins.
Run: python benchmarks/lab.py [--no-sections]
"""

from __future__ import annotations

import logging
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.timing import best_of  # noqa: E402
from engine import lab, landscapes, optimizers, simulate, theory  # noqa: E402

MAP_AXES = {
    "momentum": np.linspace(0.0, 0.99, 32),
    "nesterov": np.linspace(0.0, 0.99, 32),
    "adam": np.linspace(0.0, 0.99, 32),
    "adamw": np.linspace(0.0, 0.99, 32),
    "lion": np.linspace(0.0, 0.99, 32),
    "rmsprop": np.linspace(0.0, 0.999, 32),
}
BASIN_RACERS = {"sgd": 0.01, "momentum": 0.005, "adam": 0.05, "lion": 0.02}


def alpha_beta_map():
    ravine = theory.Ravine.with_condition(80)
    lrs, betas = np.geomspace(1e-3, 0.2, 64), np.linspace(0.0, 0.99, 64)
    ravine.momentum_rate(*np.meshgrid(lrs, betas))
    return theory.measured_rates(ravine, lrs, betas, steps=300)


def sensitivity_maps():
    land = landscapes.get("rosenbrock")
    lrs = simulate.log_grid(1e-4, 1.0, 32)
    return {
        name: lab.sensitivity_map(name, land, land.start, 300, lrs, values)
        for name, values in MAP_AXES.items()
    }


def seed_fans():
    land = landscapes.get("ravine")
    return {
        name: lab.seed_fan(optimizers.make(name, lr=0.01), land, land.start, 500, sigma=1.0)
        for name in optimizers.NAMES
    }


def all_basins():
    land = landscapes.get("himmelblau")
    return [
        lab.basins(optimizers.make(name, lr=lr), land, n=64, steps=500)
        for name, lr in BASIN_RACERS.items()
    ]


# Each section alone, as a tiny page script (AppTest runs it in-process).
SECTION_SCRIPTS = {
    "ch02 theory": """
from chapters.ch02_momentum import theory_section
theory_section.theory_of_the_ravine()
""",
    "ch08 maps": """
from chapters.ch08_arena import lab_sections
from chapters.ch08_arena.link import Setup
lab_sections.sensitivity_maps_view(lab_sections.STATE, Setup(), 1e-3)
""",
    "ch08 fans": """
from chapters.ch08_arena import lab_sections
from chapters.ch08_arena.link import Setup
from chapters.ch08_arena.logic import Entry
setup = Setup()
entries = [Entry(n, None, 0.01, "shared") for n in setup.optimizers]
lab_sections.seed_fans_view(lab_sections.STATE, setup, entries, 1e-3)
""",
    "ch08 basins": """
from chapters.ch08_arena import lab_sections
from chapters.ch08_arena.link import Setup
lab_sections.basins_view(lab_sections.STATE, Setup(), 1e-3)
""",
}


def section_rerun_ms(script: str, repeats: int = 5) -> tuple[float, float]:
    """(first run s, median warm rerun ms) of one section run alone in AppTest."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_string(script, default_timeout=300)
    start = time.perf_counter()
    at.run()
    first = time.perf_counter() - start
    if at.exception:
        raise RuntimeError([e.value for e in at.exception])
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        at.run()
        times.append(1000 * (time.perf_counter() - start))
    return first, statistics.median(times)


def sections() -> None:
    logging.disable(logging.WARNING)  # AppTest's bare-mode chatter
    reruns = {}
    for label, script in SECTION_SCRIPTS.items():
        first, warm = section_rerun_ms(script)
        reruns[label] = warm
        verdict = "ok" if warm <= 150 else "OVER"
        print(f"  {label:14s} first {first:6.2f} s, rerun {warm:6.0f} ms   (≤ 150 ms: {verdict})")
    print("sections: " + "; ".join(f"{k} rerun {v:.0f} ms" for k, v in reruns.items()))


def main() -> None:
    figures = {}
    for label, fn, target in (
        ("alpha-beta map", alpha_beta_map, 0.2),
        ("sensitivity maps", sensitivity_maps, 1.0),
        ("seed fans", seed_fans, 0.5),
        ("basins", all_basins, 2.0),
    ):
        seconds = best_of(fn, repeats=3)
        figures[label] = seconds
        verdict = "ok" if seconds <= target else "OVER"
        print(f"  {label:18s} {seconds:6.3f} s   (target ≤ {target:g} s: {verdict})")
    print(
        "lab: alpha-beta map {:.2f} s; sensitivity maps {:.2f} s; seed fans {:.2f} s; "
        "basins {:.2f} s".format(*figures.values())
    )


if __name__ == "__main__":
    if "--no-sections" not in sys.argv:
        sections()
    main()

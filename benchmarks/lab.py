"""How long do the theory and trust sections' batched computations take?

Each is one batched engine call per optimizer (issue 15's targets, 2-core machine):
  - the (η, β) map of chapter 2: 64×64 grid × 300 steps on the ravine         ≤ 0.2 s
  - sensitivity maps for 6 optimizers, 32×32 grid × 300 steps on Rosenbrock   ≤ 1 s
  - seed fans: 32 seeds × 13 optimizers × 500 steps on the noisy ravine       ≤ 0.5 s
  - basins: 64×64 starts × 4 optimizers × 500 steps on Himmelblau             ≤ 2 s
Each figure is the best of a few runs (the machine may be shared).
Run: python benchmarks/lab.py
"""

from __future__ import annotations

import sys
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
    main()

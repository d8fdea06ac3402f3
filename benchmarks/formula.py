"""How fast is a typed formula, from text to a race, and how fast is a refusal?

For the Rosenbrock formula typed as text, each the median of several runs:
  parse+differentiate  formula.build on a new text each run (a constant varies, so no
                       cache helps; sympy already imported): parse, allow-list, build
                       the sympy expression, gradient and Hessian diagonal, compile to
                       numpy, typeset, find the minima and a start — all a page waits for,
  200x200 grid         loss, gradient and Hessian diagonal on 200×200 points,
  64-rate sweep        simulate.sweep of Adam over 64 learning rates × 500 steps;
then the hostile corpus (tests/engine/test_formula_corpus.py): the slowest refusal, each
refusal the median of 3 with nothing cached; and the parity of the typed Rosenbrock with
the built-in one (to 1e-9, every optimizer, runs and a sweep).

Targets (2-core machine, shared): parse+differentiate ≤ 300 ms, grid ≤ 20 ms, sweep
≤ 150 ms, slowest refusal < 100 ms. The last line is the summary:
  formula: parse+differentiate X ms, 200x200 grid Y ms, 64-rate sweep x 500 steps Z ms
Run: python benchmarks/formula.py [--repeats N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from engine import formula, landscapes, optimizers, simulate  # noqa: E402
from tests.engine.test_formula_corpus import CORPUS  # noqa: E402

ROSENBROCK = landscapes.get("rosenbrock")
TEXT = "(1 - x)**2 + {a}*(y - x**2)**2"
LRS = simulate.log_grid(1e-4, 1e-1, 64)


def median_ms(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times)


def typed_rosenbrock(a: str = "100") -> formula.FormulaLandscape:
    return formula.build(TEXT.format(a=a), bounds=ROSENBROCK.bounds, start=ROSENBROCK.start)


def parity() -> float:
    """Largest difference between typed and built-in Rosenbrock runs (must be ≤ 1e-9)."""
    typed = typed_rosenbrock()
    worst = 0.0
    for name in optimizers.NAMES:
        small = {"lr": 1e-3} if name in ("sgd", "momentum", "nesterov") else {}
        opt = optimizers.make(name, **small)
        a = simulate.run(opt, ROSENBROCK, ROSENBROCK.start, 500)
        b = simulate.run(opt, typed, typed.start, 500)
        worst = max(worst, float(np.max(np.abs(a.params - b.params))))
    a = simulate.sweep("adam", ROSENBROCK, ROSENBROCK.start, 500, LRS)
    b = simulate.sweep("adam", typed, typed.start, 500, LRS)
    return max(worst, float(np.max(np.abs(a.params - b.params))))


def slowest_refusal(repeats: int = 3) -> tuple[float, str]:
    worst, which = 0.0, ""
    for text, _ in CORPUS:
        times = []
        for _ in range(repeats):
            formula._symbolic.cache_clear()  # a refusal found after sympy is timed in full
            t0 = time.perf_counter()
            try:
                formula.build(text)
            except formula.FormulaError:
                pass
            else:
                raise AssertionError(f"the corpus formula {text!r} was accepted")
            times.append(time.perf_counter() - t0)
        ms = 1e3 * statistics.median(times)
        if ms > worst:
            worst, which = ms, repr(text)[:50]
    return worst, which


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    repeats = parser.parse_args().repeats

    typed_rosenbrock()  # import sympy and warm its caches: the page has done so too
    counter = iter(range(10**6))

    def build_new() -> None:
        typed_rosenbrock(f"{100 + next(counter) / 1000:g}")  # a new formula every time

    build_ms = median_ms(build_new, repeats)

    land = typed_rosenbrock()
    xs = np.linspace(-2.0, 2.0, 200)
    grid = np.stack(np.meshgrid(xs, np.linspace(-1.0, 3.0, 200)), axis=-1)

    def evaluate_grid() -> None:
        land.loss(grid)
        land.grad(grid)
        land.hessian_diag(grid)

    grid_ms = median_ms(evaluate_grid, repeats)
    sweep_ms = median_ms(lambda: simulate.sweep("adam", land, land.start, 500, LRS), repeats)

    refusal_ms, refusal_text = slowest_refusal()
    difference = parity()
    print(f"Rosenbrock typed as text, median of {repeats}")
    print(f"  parse+differentiate (new text)    {build_ms:7.1f} ms   (target ≤ 300)")
    print(f"  200x200 grid: loss, ∇, diag H     {grid_ms:7.1f} ms   (target ≤ 20)")
    print(f"  adam sweep, 64 rates × 500 steps  {sweep_ms:7.1f} ms   (target ≤ 150)")
    print(f"Hostile corpus: {len(CORPUS)} formulas, each refused")
    print(
        f"  slowest refusal                   {refusal_ms:7.1f} ms   (target < 100): {refusal_text}"
    )
    status = "ok" if difference <= 1e-9 else "FAILED"
    print("Parity with the built-in Rosenbrock (every optimizer, 500 steps; adam sweep)")
    print(f"  largest difference in params      {difference:9.2e}   (≤ 1e-9: {status})")
    print(
        f"formula: parse+differentiate {build_ms:.0f} ms, 200x200 grid {grid_ms:.1f} ms, "
        f"64-rate sweep x 500 steps {sweep_ms:.0f} ms"
    )


if __name__ == "__main__":
    main()

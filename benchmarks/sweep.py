"""How fast is a learning-rate sweep through the engine's batched API?

Prints, for Adam on Rosenbrock with 32 learning rates × 400 steps:
  - the engine (simulate.sweep: one batched numpy call per step),
  - a hand-fused numpy loop doing the same arithmetic inline (the floor for numpy),
  - torch.optim.Adam run by run with autograd, as a learner would write it (if torch is installed),
and the ratios; then every optimizer × 64 learning rates × 500 steps.

Targets (2-core machine): engine within 2× of the fused loop, ≥ 200× faster than
torch.optim run by run, every optimizer × 64 × 500 in under a second in total.
Run: python benchmarks/sweep.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.timing import best_of  # noqa: E402
from engine import landscapes, optimizers, simulate  # noqa: E402

N_RATES, STEPS = 32, 400
LRS = simulate.log_grid(1e-4, 1e-1, N_RATES)
ROSENBROCK = landscapes.get("rosenbrock")
START = np.asarray(ROSENBROCK.start, dtype=float)


def engine_sweep():
    return simulate.sweep("adam", ROSENBROCK, START, STEPS, LRS)


def fused_numpy():
    """Adam on Rosenbrock written out by hand: no transforms, no checks, same outputs."""
    b1, b2, eps = 0.9, 0.999, 1e-8
    lr = LRS[:, None]
    p = np.broadcast_to(START, (N_RATES, 2)).copy()
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    path = np.empty((STEPS + 1, N_RATES, 2))
    losses = np.empty((STEPS + 1, N_RATES))
    path[0] = p
    x, y = p[:, 0], p[:, 1]
    losses[0] = (1 - x) ** 2 + 100 * (y - x * x) ** 2
    for t in range(1, STEPS + 1):
        x, y = p[:, 0], p[:, 1]
        r = y - x * x
        g = np.stack([-2 * (1 - x) - 400 * x * r, 200 * r], axis=-1)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        p = p - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
        path[t] = p
        x, y = p[:, 0], p[:, 1]
        losses[t] = (1 - x) ** 2 + 100 * (y - x * x) ** 2
    return path, losses


def torch_run_by_run():
    import torch

    finals = []
    for lr in LRS:
        p = torch.tensor(START, dtype=torch.float64, requires_grad=True)
        opt = torch.optim.Adam([p], lr=float(lr))
        for _ in range(STEPS):
            opt.zero_grad()
            loss = (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2
            loss.backward()
            opt.step()
        finals.append(p.detach().numpy().copy())
    return np.array(finals)


def every_optimizer(n_rates: int = 64, steps: int = 500):
    for name in optimizers.NAMES:
        low, high, _ = optimizers.info(name).ranges["lr"]
        simulate.sweep(name, ROSENBROCK, START, steps, simulate.log_grid(low, high, n_rates))


def main() -> None:
    # The three implementations must agree before their speeds mean anything.
    engine_path = engine_sweep().params
    fused_path, _ = fused_numpy()
    alive = np.isfinite(fused_path).all(axis=(0, 2))
    np.testing.assert_allclose(engine_path[:, alive], fused_path[:, alive], rtol=1e-9, atol=1e-12)

    t_engine = best_of(engine_sweep)
    t_fused = best_of(fused_numpy)
    print(f"Adam on Rosenbrock, {N_RATES} learning rates × {STEPS} steps")
    print(f"  engine (batched sweep)     {t_engine * 1e3:8.1f} ms")
    print(f"  hand-fused numpy loop      {t_fused * 1e3:8.1f} ms")
    print(f"  engine / fused             {t_engine / t_fused:8.2f} ×   (target ≤ 2)")
    try:
        import torch

        torch.set_num_threads(1)
        torch_finals = torch_run_by_run()
        np.testing.assert_allclose(engine_path[-1], torch_finals, rtol=1e-6, atol=1e-9)
        t_torch = best_of(torch_run_by_run, repeats=1)
        print(f"  torch.optim, run by run    {t_torch * 1e3:8.1f} ms   (torch {torch.__version__})")
        print(f"  torch / engine             {t_torch / t_engine:8.0f} ×   (target ≥ 200)")
    except ImportError:
        print("  torch.optim                (torch not installed: skipped)")

    t_all = best_of(every_optimizer, repeats=3)
    print(f"Every optimizer ({len(optimizers.NAMES)}) × 64 learning rates × 500 steps")
    print(f"  total                      {t_all * 1e3:8.1f} ms   (target < 1000)")


if __name__ == "__main__":
    main()

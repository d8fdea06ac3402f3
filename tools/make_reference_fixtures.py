"""Record reference trajectories for every engine optimizer, in float64.

Run by hand when an optimizer or its reference changes; the JSON it writes is committed
and the parity tests compare the engine to it (torch is never needed to test):

    pip install torch==2.13.0                  # the CPU build on this machine's disk
    pip install --no-deps lion-pytorch==0.2.5 pytorch-optimizer==4.1.0
    python tools/make_reference_fixtures.py

The references:

- torch.optim: SGD (plain, momentum, Nesterov), Adagrad, RMSprop, Adam, AdamW, RAdam,
  Adafactor.
- lion-pytorch: Lion.
- pytorch-optimizer: LARS, configured as the paper's Algorithm 1 (You et al. 2017):
  momentum=β, dampening=0, nesterov=False. Its own rule skips tensors of fewer than two
  dimensions (plain SGD for biases), while the paper adapts every layer, so the 1-D leaf
  is handed to it as a 1×n matrix: same numbers, same norm, adapted as in the paper.
- pytorch-optimizer: SophiaH, fed the engine's Hessian estimates (one Rademacher probe
  seeded by (seed, t), a central difference of two gradients, computed here from this
  script's own params) on the steps the engine refreshes them. SophiaH writes Sophia as
  clip(m / max(h, eps), ±p)·lr; the engine (the paper's Algorithm 3) as
  clip(m / max(ρh, ε), ±1)·η, which is SophiaH with lr = η/ρ, p = ρ, eps = ε/ρ and
  weight_decay = λρ (its decoupled decay is lr·weight_decay = ηλ).
- LAMB: pytorch-optimizer's Lamb cannot run the paper's bias-corrected algorithm (it
  leaves v uncorrected, clamps ‖θ‖ at 10 and adds ε to ‖r‖), so the default is checked
  against the paper's Algorithm 2 transcribed in torch below (``PaperLamb``), and the
  engine's ``bias_correction=False`` against pytorch-optimizer's Lamb with
  weight_decouple=False (λθ inside r, as the paper) and adam_debias=True (no correction
  at all), weights kept below its clamp and ε = 1e-10 so its ε in the ratio is negligible.

Each case starts from the same params and feeds the gradient stream of
``tools/reference_stream.py``, which depends on the params, so any difference in the
update compounds over the run. Schedule cases drive torch through ``LambdaLR`` with the
rates of a warmup + cosine schedule computed here from its formula (not by the engine);
the fixture stores those rates and the test checks that the engine's schedule gives them.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import torch
from lion_pytorch import Lion
from pytorch_optimizer import LARS, Lamb, SophiaH

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tools.reference_stream import gradient, join, make_stream, split  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "tests" / "engine" / "fixtures" / "torch_reference.json"
STEPS = 30
DIM = 6
TENSOR_SHAPES = {"w": [3, 4], "b": [4]}  # a 2-D and a 1-D leaf
HESSIAN_PROBE_STEP = 1e-4  # the engine's finite-difference step (engine/optimizer_base.py)
SCHEDULE = {"name": "cosine", "total_steps": STEPS, "warmup_steps": 5, "min_fraction": 0.1}


def warmup_cosine(peak: float) -> list[float]:
    """Linear warmup from 0 over W steps, then cosine from the peak to min at T."""
    warm, total = SCHEDULE["warmup_steps"], SCHEDULE["total_steps"]
    low = SCHEDULE["min_fraction"] * peak
    rates = []
    for t in range(STEPS):
        if t < warm:
            rates.append(peak * t / warm)
        else:
            p = min(1.0, (t - warm) / (total - warm))
            rates.append(low + (peak - low) * (1 + math.cos(math.pi * p)) / 2)
    return rates


class PaperLamb(torch.optim.Optimizer):
    """LAMB as the paper's Algorithm 2 (You et al. 2020) with φ(z) = z, per tensor."""

    def __init__(self, params, lr, betas=(0.9, 0.999), eps=1e-6, weight_decay=0.0):
        super().__init__(
            params, {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay}
        )

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                state = self.state[p]
                if not state:
                    state["t"], state["m"], state["v"] = 0, torch.zeros_like(p), torch.zeros_like(p)
                state["t"] += 1
                t, g = state["t"], p.grad
                state["m"] = beta1 * state["m"] + (1 - beta1) * g
                state["v"] = beta2 * state["v"] + (1 - beta2) * g * g
                m_hat = state["m"] / (1 - beta1**t)
                v_hat = state["v"] / (1 - beta2**t)
                r = m_hat / (v_hat.sqrt() + group["eps"]) + group["weight_decay"] * p
                w_norm, r_norm = torch.linalg.norm(p), torch.linalg.norm(r)
                ratio = w_norm / r_norm if w_norm > 0 and r_norm > 0 else 1.0
                p.sub_(group["lr"] * ratio * r)


def sophia_h(params, lr, beta1, beta2, rho, eps, weight_decay, update_period):
    return SophiaH(
        params,
        lr=lr / rho,
        betas=(beta1, beta2),
        p=rho,
        eps=eps / rho,
        weight_decay=weight_decay * rho,
        weight_decouple=True,
        update_period=update_period,
        foreach=False,
    )


# Each case: engine optimizer, engine hyperparameters (lr the peak when scheduled),
# a factory of the reference optimizer from (tensors, lr), the layout, and options.
SOPHIA = {"beta1": 0.9, "beta2": 0.95, "rho": 0.5, "eps": 1e-12, "update_period": 3}


def case(optimizer, hyper, factory, layout="tensors", scheduled=False, **extra):
    return {
        "optimizer": optimizer,
        "hyper": hyper,
        "factory": factory,
        "layout": layout,
        "scheduled": scheduled,
        **extra,
    }


def _sgd(**kw):
    return lambda p, lr: torch.optim.SGD(p, lr=lr, **kw)


CASES = {
    # SGD family (torch.optim.SGD)
    "sgd": case("sgd", {"lr": 0.05}, _sgd(), "flat"),
    "sgd_weight_decay": case(
        "sgd", {"lr": 0.05, "weight_decay": 0.1}, _sgd(weight_decay=0.1), "flat"
    ),
    "sgd_tensors_schedule": case(
        "sgd", {"lr": 0.05, "weight_decay": 0.1}, _sgd(weight_decay=0.1), scheduled=True
    ),
    "momentum": case("momentum", {"lr": 0.02, "beta": 0.9}, _sgd(momentum=0.9), "flat"),
    "momentum_weight_decay": case(
        "momentum",
        {"lr": 0.02, "beta": 0.8, "weight_decay": 0.05},
        _sgd(momentum=0.8, weight_decay=0.05),
        "flat",
    ),
    "momentum_tensors_schedule": case(
        "momentum", {"lr": 0.02, "beta": 0.9}, _sgd(momentum=0.9), scheduled=True
    ),
    "nesterov": case(
        "nesterov", {"lr": 0.02, "beta": 0.9}, _sgd(momentum=0.9, nesterov=True), "flat"
    ),
    "nesterov_tensors_weight_decay": case(
        "nesterov",
        {"lr": 0.02, "beta": 0.9, "weight_decay": 0.1},
        _sgd(momentum=0.9, nesterov=True, weight_decay=0.1),
    ),
    "nesterov_tensors_schedule": case(
        "nesterov", {"lr": 0.05, "beta": 0.9}, _sgd(momentum=0.9, nesterov=True), scheduled=True
    ),
    # Adaptive (torch.optim)
    "adagrad": case(
        "adagrad",
        {"lr": 0.1, "eps": 1e-8},
        lambda p, lr: torch.optim.Adagrad(p, lr=lr, eps=1e-8),
        "flat",
    ),
    "adagrad_tensors_weight_decay": case(
        "adagrad",
        {"lr": 0.1, "weight_decay": 0.2},
        lambda p, lr: torch.optim.Adagrad(p, lr=lr, eps=1e-8, weight_decay=0.2),
    ),
    "adagrad_tensors_schedule": case(
        "adagrad",
        {"lr": 0.2},
        lambda p, lr: torch.optim.Adagrad(p, lr=lr, eps=1e-8),
        scheduled=True,
    ),
    "rmsprop": case(
        "rmsprop",
        {"lr": 0.01, "rho": 0.9, "eps": 1e-8},
        lambda p, lr: torch.optim.RMSprop(p, lr=lr, alpha=0.9, eps=1e-8),
        "flat",
    ),
    "rmsprop_tensors_weight_decay": case(
        "rmsprop",
        {"lr": 0.01, "rho": 0.95, "weight_decay": 0.1},
        lambda p, lr: torch.optim.RMSprop(p, lr=lr, alpha=0.95, eps=1e-8, weight_decay=0.1),
    ),
    "rmsprop_tensors_schedule": case(
        "rmsprop",
        {"lr": 0.02},
        lambda p, lr: torch.optim.RMSprop(p, lr=lr, alpha=0.9, eps=1e-8),
        scheduled=True,
    ),
    "adam": case("adam", {"lr": 0.01}, lambda p, lr: torch.optim.Adam(p, lr=lr), "flat"),
    "adam_betas": case(
        "adam",
        {"lr": 0.03, "beta1": 0.8, "beta2": 0.95, "eps": 1e-6},
        lambda p, lr: torch.optim.Adam(p, lr=lr, betas=(0.8, 0.95), eps=1e-6),
        "flat",
    ),
    "adam_weight_decay": case(
        "adam",
        {"lr": 0.01, "weight_decay": 0.1},
        lambda p, lr: torch.optim.Adam(p, lr=lr, weight_decay=0.1),
        "flat",
    ),
    "adam_tensors_schedule": case(
        "adam",
        {"lr": 0.05, "weight_decay": 0.1},
        lambda p, lr: torch.optim.Adam(p, lr=lr, weight_decay=0.1),
        scheduled=True,
    ),
    "adamw": case(
        "adamw",
        {"lr": 0.01, "weight_decay": 0.1},
        lambda p, lr: torch.optim.AdamW(p, lr=lr, weight_decay=0.1),
        "flat",
    ),
    "adamw_tensors_no_decay": case(
        "adamw",
        {"lr": 0.01, "weight_decay": 0.0},
        lambda p, lr: torch.optim.AdamW(p, lr=lr, weight_decay=0.0),
    ),
    "adamw_tensors_schedule": case(
        "adamw",
        {"lr": 0.05, "weight_decay": 0.2},
        lambda p, lr: torch.optim.AdamW(p, lr=lr, weight_decay=0.2),
        scheduled=True,
    ),
    "radam": case("radam", {"lr": 0.01}, lambda p, lr: torch.optim.RAdam(p, lr=lr), "flat"),
    "radam_tensors_weight_decay": case(
        "radam",
        {"lr": 0.02, "weight_decay": 0.1},
        lambda p, lr: torch.optim.RAdam(p, lr=lr, weight_decay=0.1),
    ),
    "radam_tensors_decoupled_decay": case(
        "radam",
        {"lr": 0.02, "weight_decay": 0.1, "decoupled_weight_decay": True},
        lambda p, lr: torch.optim.RAdam(p, lr=lr, weight_decay=0.1, decoupled_weight_decay=True),
    ),
    "radam_tensors_schedule": case(
        "radam", {"lr": 0.05}, lambda p, lr: torch.optim.RAdam(p, lr=lr), scheduled=True
    ),
    # Beyond Adam
    "lamb_tensors": case("lamb", {"lr": 0.02}, lambda p, lr: PaperLamb(p, lr=lr)),
    "lamb_tensors_weight_decay": case(
        "lamb",
        {"lr": 0.02, "weight_decay": 0.1},
        lambda p, lr: PaperLamb(p, lr=lr, weight_decay=0.1),
    ),
    "lamb_tensors_schedule": case(
        "lamb",
        {"lr": 0.05, "weight_decay": 0.1},
        lambda p, lr: PaperLamb(p, lr=lr, weight_decay=0.1),
        scheduled=True,
    ),
    "lamb_tensors_uncorrected_pytorch_optimizer": case(
        "lamb",
        {"lr": 0.02, "eps": 1e-10, "weight_decay": 0.1, "bias_correction": False},
        lambda p, lr: Lamb(
            p, lr=lr, eps=1e-10, weight_decay=0.1, weight_decouple=False, adam_debias=True
        ),
    ),
    "lars_tensors": case(
        "lars",
        {"lr": 0.5, "beta": 0.9, "trust_coefficient": 0.05},
        lambda p, lr: LARS(
            p, lr=lr, momentum=0.9, trust_coefficient=0.05, dampening=0.0, nesterov=False
        ),
        lars=True,
    ),
    "lars_tensors_weight_decay": case(
        "lars",
        {"lr": 0.5, "beta": 0.8, "weight_decay": 0.2, "trust_coefficient": 0.05},
        lambda p, lr: LARS(
            p,
            lr=lr,
            momentum=0.8,
            weight_decay=0.2,
            trust_coefficient=0.05,
            dampening=0.0,
            nesterov=False,
        ),
        lars=True,
    ),
    "lars_tensors_schedule": case(
        "lars",
        {"lr": 1.0, "beta": 0.9, "weight_decay": 0.1, "trust_coefficient": 0.05},
        lambda p, lr: LARS(
            p,
            lr=lr,
            momentum=0.9,
            weight_decay=0.1,
            trust_coefficient=0.05,
            dampening=0.0,
            nesterov=False,
        ),
        scheduled=True,
        lars=True,
    ),
    "adafactor": case(
        "adafactor",
        {"lr": 0.01, "beta2_decay": -0.8, "eps1": 1e-30, "eps2": 1e-3, "clip_threshold": 1.0},
        lambda p, lr: torch.optim.Adafactor(p, lr=lr, beta2_decay=-0.8, eps=(1e-30, 1e-3), d=1.0),
    ),
    "adafactor_tensors_weight_decay": case(
        "adafactor",
        {"lr": 0.05, "weight_decay": 0.2},
        lambda p, lr: torch.optim.Adafactor(p, lr=lr, eps=(1e-30, 1e-3), weight_decay=0.2),
    ),
    "adafactor_tensors_schedule": case(
        "adafactor",
        {"lr": 0.1, "weight_decay": 0.1},
        lambda p, lr: torch.optim.Adafactor(p, lr=lr, eps=(1e-30, 1e-3), weight_decay=0.1),
        scheduled=True,
    ),
    "lion": case(
        "lion",
        {"lr": 0.003, "beta1": 0.9, "beta2": 0.99},
        lambda p, lr: Lion(p, lr=lr, betas=(0.9, 0.99)),
        "flat",
    ),
    "lion_weight_decay": case(
        "lion",
        {"lr": 0.003, "beta1": 0.95, "beta2": 0.98, "weight_decay": 0.5},
        lambda p, lr: Lion(p, lr=lr, betas=(0.95, 0.98), weight_decay=0.5),
        "flat",
    ),
    "lion_tensors_schedule": case(
        "lion",
        {"lr": 0.01, "weight_decay": 0.5},
        lambda p, lr: Lion(p, lr=lr, betas=(0.9, 0.99), weight_decay=0.5),
        scheduled=True,
    ),
    "sophia_tensors": case(
        "sophia", {"lr": 0.05, **SOPHIA}, lambda p, lr: sophia_h(p, lr, weight_decay=0.0, **SOPHIA)
    ),
    "sophia_tensors_weight_decay": case(
        "sophia",
        {"lr": 0.05, "weight_decay": 0.2, **SOPHIA},
        lambda p, lr: sophia_h(p, lr, weight_decay=0.2, **SOPHIA),
    ),
    "sophia_tensors_schedule": case(
        "sophia",
        {"lr": 0.1, "weight_decay": 0.1, **SOPHIA},
        lambda p, lr: sophia_h(p, lr, weight_decay=0.1, **SOPHIA),
        scheduled=True,
    ),
}


def hutchinson(stream, params: dict[str, np.ndarray], step: int, t: int, seed: int) -> dict:
    """The engine's Hessian-diagonal estimate, recomputed here from its definition."""
    rng = np.random.default_rng((seed, t))
    probe = {k: rng.choice((-1.0, 1.0), size=np.shape(v)) for k, v in params.items()}
    h = HESSIAN_PROBE_STEP

    def grad(p):
        return split(gradient(stream, join(p), step), TENSOR_SHAPES)

    plus = grad({k: params[k] + h * probe[k] for k in params})
    minus = grad({k: params[k] - h * probe[k] for k in params})
    return {k: probe[k] * (plus[k] - minus[k]) / (2 * h) for k in params}


def record(spec: dict, stream: dict) -> dict:
    """Run the reference under the stream; return its params after every step."""
    start = np.asarray(stream["start"])
    flat = spec["layout"] == "flat"
    pieces = {"theta": start} if flat else split(start, TENSOR_SHAPES)
    # LARS: every leaf as a matrix, so pytorch-optimizer adapts it as the paper does.
    shapes = {
        k: (1, *v.shape) if spec.get("lars") and v.ndim == 1 else v.shape for k, v in pieces.items()
    }
    tensors = {
        k: torch.tensor(v.reshape(shapes[k]), dtype=torch.float64, requires_grad=True)
        for k, v in pieces.items()
    }
    peak = spec["hyper"]["lr"]
    base_lr = peak / SOPHIA["rho"] if spec["optimizer"] == "sophia" else peak
    optimizer = spec["factory"](list(tensors.values()), peak)
    rates = warmup_cosine(peak) if spec["scheduled"] else None
    scheduler = (
        torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda s: rates[s] / peak if s < STEPS else 0.0
        )
        if rates
        else None
    )
    assert math.isclose(
        optimizer.param_groups[0]["lr"], (rates[0] / peak if rates else 1) * base_lr, abs_tol=1e-15
    )

    def numpy_params():
        return {k: v.detach().numpy().reshape(pieces[k].shape).copy() for k, v in tensors.items()}

    path, hessians = [start.tolist()], {}
    for step in range(STEPS):
        now = numpy_params()
        grad = gradient(stream, join(now), step)
        grads = {"theta": grad} if flat else split(grad, TENSOR_SHAPES)
        for name, tensor in tensors.items():
            tensor.grad = torch.from_numpy(np.ascontiguousarray(grads[name].reshape(shapes[name])))
        t = step + 1
        if spec["optimizer"] == "sophia" and (t - 1) % SOPHIA["update_period"] == 0:
            estimate = hutchinson(stream, now, step, t, seed=0)
            hessians[t] = {k: v.tolist() for k, v in estimate.items()}
            optimizer.step(hessian=[torch.from_numpy(estimate[k]) for k in tensors])
        else:
            optimizer.step()
        if scheduler:
            scheduler.step()
        path.append(join(numpy_params()).tolist())
    recorded = {"params": path}
    if rates:
        recorded["schedule"] = {**SCHEDULE, "peak_lr": peak, "rates": rates}
    if hessians:
        recorded["hessians"] = hessians
    return recorded


def main() -> None:
    torch.set_default_dtype(torch.float64)
    streams = {
        "flat": make_stream(DIM, STEPS, seed=7),
        "tensors": make_stream(
            sum(int(np.prod(s)) for s in TENSOR_SHAPES.values()), STEPS, seed=11
        ),
    }
    cases = {}
    for name, spec in CASES.items():
        cases[name] = {
            "optimizer": spec["optimizer"],
            "hyperparams": spec["hyper"],
            "layout": spec["layout"],
            **record(spec, streams[spec["layout"]]),
        }
        moved = np.abs(np.subtract(cases[name]["params"][-1], cases[name]["params"][0])).max()
        print(f"{name:45s} {len(cases[name]['params']) - 1} steps, moved {moved:.3g}")
    import lion_pytorch
    import pytorch_optimizer

    payload = {
        "about": "float64 reference trajectories; see tools/make_reference_fixtures.py",
        "torch": torch.__version__,
        "lion_pytorch": getattr(lion_pytorch, "__version__", "unknown"),
        "pytorch_optimizer": getattr(pytorch_optimizer, "__version__", "unknown"),
        "steps": STEPS,
        "tensor_shapes": TENSOR_SHAPES,
        "streams": streams,
        "cases": cases,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(payload, indent=1) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()

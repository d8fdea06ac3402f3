"""Record reference trajectories from torch.optim and lion-pytorch, in float64.

Run by hand when an optimizer's reference changes; the JSON it writes is committed
and the parity tests compare the engine to it (torch is never needed to test):

    pip install torch==2.13.0            # the CPU build on this machine's disk
    pip install --no-deps lion-pytorch
    python tools/make_reference_fixtures.py

Each case starts every optimizer from the same params and feeds it the gradient
stream of ``tools/reference_stream.py``, which depends on the params, so any
difference in the update compounds over the run.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch
from lion_pytorch import Lion

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tools.reference_stream import gradient, join, make_stream, split  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "tests" / "engine" / "fixtures" / "torch_reference.json"
STEPS = 30
DIM = 6
TENSOR_SHAPES = {"w": [3, 4], "b": [4]}  # for optimizers that treat tensors apart

# name: (engine optimizer, engine hyperparameters, torch factory, flat or per-tensor)
CASES = {
    "sgd": ("sgd", {"lr": 0.05}, lambda p: torch.optim.SGD(p, lr=0.05), "flat"),
    "sgd_weight_decay": (
        "sgd",
        {"lr": 0.05, "weight_decay": 0.1},
        lambda p: torch.optim.SGD(p, lr=0.05, weight_decay=0.1),
        "flat",
    ),
    "momentum": (
        "momentum",
        {"lr": 0.02, "beta": 0.9},
        lambda p: torch.optim.SGD(p, lr=0.02, momentum=0.9),
        "flat",
    ),
    "momentum_weight_decay": (
        "momentum",
        {"lr": 0.02, "beta": 0.8, "weight_decay": 0.05},
        lambda p: torch.optim.SGD(p, lr=0.02, momentum=0.8, weight_decay=0.05),
        "flat",
    ),
    "nesterov": (
        "nesterov",
        {"lr": 0.02, "beta": 0.9},
        lambda p: torch.optim.SGD(p, lr=0.02, momentum=0.9, nesterov=True),
        "flat",
    ),
    "adagrad": (
        "adagrad",
        {"lr": 0.1, "eps": 1e-8},
        lambda p: torch.optim.Adagrad(p, lr=0.1, eps=1e-8),
        "flat",
    ),
    "rmsprop": (
        "rmsprop",
        {"lr": 0.01, "rho": 0.9, "eps": 1e-8},
        lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-8),
        "flat",
    ),
    "adam": ("adam", {"lr": 0.01}, lambda p: torch.optim.Adam(p, lr=0.01), "flat"),
    "adam_betas": (
        "adam",
        {"lr": 0.03, "beta1": 0.8, "beta2": 0.95, "eps": 1e-6},
        lambda p: torch.optim.Adam(p, lr=0.03, betas=(0.8, 0.95), eps=1e-6),
        "flat",
    ),
    "adam_weight_decay": (
        "adam",
        {"lr": 0.01, "weight_decay": 0.1},
        lambda p: torch.optim.Adam(p, lr=0.01, weight_decay=0.1),
        "flat",
    ),
    "adamw": (
        "adamw",
        {"lr": 0.01, "weight_decay": 0.1},
        lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.1),
        "flat",
    ),
    "radam": ("radam", {"lr": 0.01}, lambda p: torch.optim.RAdam(p, lr=0.01), "flat"),
    "lion": (
        "lion",
        {"lr": 0.003, "beta1": 0.9, "beta2": 0.99},
        lambda p: Lion(p, lr=0.003, betas=(0.9, 0.99)),
        "flat",
    ),
    "lion_weight_decay": (
        "lion",
        {"lr": 0.003, "beta1": 0.95, "beta2": 0.98, "weight_decay": 0.5},
        lambda p: Lion(p, lr=0.003, betas=(0.95, 0.98), weight_decay=0.5),
        "flat",
    ),
    "adafactor": (
        "adafactor",
        {"lr": 0.01, "beta2_decay": -0.8, "eps1": 1e-30, "eps2": 1e-3, "clip_threshold": 1.0},
        lambda p: torch.optim.Adafactor(p, lr=0.01, beta2_decay=-0.8, eps=(1e-30, 1e-3), d=1.0),
        "tensors",
    ),
}


def record(factory, stream: dict, layout: str) -> list:
    """Run a torch optimizer under the stream; return its params after every step."""
    start = np.asarray(stream["start"])
    if layout == "flat":
        tensors = {"theta": torch.tensor(start, dtype=torch.float64, requires_grad=True)}
    else:
        tensors = {
            name: torch.tensor(value, dtype=torch.float64, requires_grad=True)
            for name, value in split(start, TENSOR_SHAPES).items()
        }
    optimizer = factory(list(tensors.values()))
    path = [start.tolist()]
    for step in range(STEPS):
        flat = join({k: v.detach().numpy() for k, v in tensors.items()})
        grad = gradient(stream, flat, step)
        pieces = {"theta": grad} if layout == "flat" else split(grad, TENSOR_SHAPES)
        for name, tensor in tensors.items():
            tensor.grad = torch.from_numpy(np.ascontiguousarray(pieces[name]))
        optimizer.step()
        path.append(join({k: v.detach().numpy() for k, v in tensors.items()}).tolist())
    return path


def main() -> None:
    torch.set_default_dtype(torch.float64)
    streams = {
        "flat": make_stream(DIM, STEPS, seed=7),
        "tensors": make_stream(
            sum(int(np.prod(s)) for s in TENSOR_SHAPES.values()), STEPS, seed=11
        ),
    }
    cases = {}
    for name, (engine_name, hyper, factory, layout) in CASES.items():
        cases[name] = {
            "optimizer": engine_name,
            "hyperparams": hyper,
            "layout": layout,
            "params": record(factory, streams[layout], layout),
        }
        print(f"{name:22s} {len(cases[name]['params']) - 1} steps")
    import lion_pytorch

    payload = {
        "about": "float64 trajectories of torch.optim / lion-pytorch; see tools/make_reference_fixtures.py",
        "torch": torch.__version__,
        "lion_pytorch": getattr(lion_pytorch, "__version__", "unknown"),
        "steps": STEPS,
        "tensor_shapes": TENSOR_SHAPES,
        "streams": streams,
        "cases": cases,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(payload, indent=1) + "\n")
    print(f"wrote {OUT.relative_to(Path.cwd()) if OUT.is_relative_to(Path.cwd()) else OUT}")


if __name__ == "__main__":
    main()

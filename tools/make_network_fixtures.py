"""Record the network's references from PyTorch, in float64.

Run by hand when the network or its training changes; the JSON it writes is committed
and ``tests/engine/test_network_parity.py`` compares the engine to it (torch is never
needed to test):

    pip install torch==2.13.0            # the CPU build on this machine's disk
    python tools/make_network_fixtures.py

Two references, both on UCI digits images (pixels / 16) picked by their index in
``engine/data/digits.npz``:

- ``gradients``: loss and every parameter's gradient from torch autograd through an
  ``nn.Sequential`` of ``nn.Linear`` layers holding the engine's weights, for a tanh and
  a ReLU network with two hidden layers (non-zero biases, so their gradients matter);
- ``training``: 20 steps of ``torch.optim.Adam`` and of ``torch.optim.SGD(momentum=…)``
  on a 64-16-10 tanh network from the engine's seeded initial weights, fed the engine's
  mini-batches (``training.epoch_batch``): the loss of every step and the final weights.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from engine import datasets  # noqa: E402
from engine.network import Network  # noqa: E402
from engine.training import epoch_batch  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "tests" / "engine" / "fixtures" / "network_torch.json"

GRADIENT_NET = {"n_inputs": 64, "hidden": [12, 8], "n_classes": 10}
GRADIENT_EXAMPLES = 24
TRAINING_NET = {"n_inputs": 64, "hidden": [16], "n_classes": 10, "activation": "tanh"}
TRAINING_EXAMPLES, TRAINING_BATCH, TRAINING_STEPS, TRAINING_SEED = 256, 32, 20, 0
TRAINING_CASES = {
    "adam": ({"lr": 0.01}, lambda p: torch.optim.Adam(p, lr=0.01)),
    "momentum": ({"lr": 0.1, "beta": 0.9}, lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
}


def pixels(indices: np.ndarray) -> np.ndarray:
    images, _ = datasets.digits_images()
    return images[indices].reshape(len(indices), -1).astype(np.float64) / 16.0


def labels(indices: np.ndarray) -> np.ndarray:
    return datasets.digits_images()[1][indices].astype(np.int64)


def torch_model(net: Network, params: dict[str, np.ndarray]) -> nn.Sequential:
    """nn.Linear layers (weight = Wᵀ) with the network's activation between them."""
    layers: list[nn.Module] = []
    for i in range(1, net.n_layers + 1):
        W = params[f"W{i}"]
        linear = nn.Linear(W.shape[0], W.shape[1]).double()
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(W.T.copy()))
            linear.bias.copy_(torch.from_numpy(params[f"b{i}"].copy()))
        layers.append(linear)
        if i < net.n_layers:
            layers.append(nn.Tanh() if net.activation == "tanh" else nn.ReLU())
    return nn.Sequential(*layers)


def model_params(model: nn.Sequential) -> dict[str, list]:
    """The model's weights in the engine's layout (W as fan_in × fan_out)."""
    linears = [m for m in model if isinstance(m, nn.Linear)]
    out = {}
    for i, linear in enumerate(linears, start=1):
        out[f"W{i}"] = linear.weight.detach().numpy().T.tolist()
        out[f"b{i}"] = linear.bias.detach().numpy().tolist()
    return out


def gradient_cases() -> dict[str, dict]:
    rng = np.random.default_rng(11)
    indices = rng.choice(1797, size=GRADIENT_EXAMPLES, replace=False)
    X, y = torch.from_numpy(pixels(indices)), torch.from_numpy(labels(indices))
    cases = {}
    for activation in ("tanh", "relu"):
        net = Network(**GRADIENT_NET, activation=activation)
        params = net.init(seed=5)
        for name in params:
            if name.startswith("b"):
                params[name] = rng.normal(0.0, 0.3, size=params[name].shape)
        model = torch_model(net, params)
        loss = nn.functional.cross_entropy(model(X), y)
        loss.backward()
        linears = [m for m in model if isinstance(m, nn.Linear)]
        grads = {}
        for i, linear in enumerate(linears, start=1):
            grads[f"W{i}"] = linear.weight.grad.numpy().T.tolist()
            grads[f"b{i}"] = linear.bias.grad.numpy().tolist()
        cases[activation] = {
            "network": {**GRADIENT_NET, "activation": activation},
            "indices": indices.tolist(),
            "params": {k: v.tolist() for k, v in params.items()},
            "loss": loss.item(),
            "grads": grads,
        }
    return cases


def training_cases() -> dict[str, dict]:
    indices = np.arange(TRAINING_EXAMPLES)
    X, y = pixels(indices), labels(indices)
    net = Network(**TRAINING_NET)
    start = net.init(seed=TRAINING_SEED)
    batches = [
        epoch_batch(TRAINING_EXAMPLES, TRAINING_BATCH, step, TRAINING_SEED)
        for step in range(TRAINING_STEPS)
    ]
    cases = {}
    for name, (hyperparams, make_optimizer) in TRAINING_CASES.items():
        model = torch_model(net, start)
        optimizer = make_optimizer(model.parameters())
        losses = []
        for batch in batches:
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(
                model(torch.from_numpy(X[batch])), torch.from_numpy(y[batch])
            )
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        cases[name] = {
            "optimizer": name,
            "hyperparams": hyperparams,
            "losses": losses,
            "final_params": model_params(model),
        }
    return {
        "network": TRAINING_NET,
        "examples": TRAINING_EXAMPLES,
        "batch_size": TRAINING_BATCH,
        "steps": TRAINING_STEPS,
        "seed": TRAINING_SEED,
        "batches": [b.tolist() for b in batches],
        "start_params": {k: v.tolist() for k, v in start.items()},
        "cases": cases,
    }


def main() -> None:
    torch.set_default_dtype(torch.float64)
    fixture = {
        "about": "float64 torch autograd and torch.optim references; see tools/make_network_fixtures.py",
        "torch": torch.__version__,
        "gradients": gradient_cases(),
        "training": training_cases(),
    }
    OUT.write_text(json.dumps(fixture, indent=1) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()

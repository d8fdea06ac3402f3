"""The gradient stream the reference fixtures are recorded under.

Shared by ``tools/make_reference_fixtures.py`` (which feeds it to torch.optim) and the
parity tests (which feed it to the engine), so both optimizers see the same gradients.
The gradient depends on the params (a tilted quadratic plus a sine ripple) and on the
step (a fixed, recorded noise sequence), like a real mini-batch gradient.
"""

from __future__ import annotations

import numpy as np


def make_stream(dim: int, steps: int, seed: int = 7) -> dict:
    rng = np.random.default_rng(seed)
    q = rng.normal(size=(dim, dim))
    return {
        "curvature": (q @ q.T / dim + 0.5 * np.eye(dim)).tolist(),
        "offset": rng.normal(size=dim).tolist(),
        "noise": (0.3 * rng.normal(size=(steps, dim))).tolist(),
        "start": rng.normal(size=dim).tolist(),
    }


def gradient(stream: dict, params: np.ndarray, step: int) -> np.ndarray:
    """g(θ, t) = Aθ + b + 0.5·sin(3θ) + noise_t, for the flat parameter vector θ."""
    curvature = np.asarray(stream["curvature"])
    return (
        curvature @ params
        + np.asarray(stream["offset"])
        + 0.5 * np.sin(3.0 * params)
        + np.asarray(stream["noise"][step])
    )


def split(flat: np.ndarray, shapes: dict[str, list[int]]) -> dict[str, np.ndarray]:
    """Cut a flat vector into named tensors (for optimizers that treat tensors apart)."""
    out, at = {}, 0
    for name, shape in shapes.items():
        size = int(np.prod(shape))
        out[name] = flat[at : at + size].reshape(shape)
        at += size
    return out


def join(tensors: dict[str, np.ndarray]) -> np.ndarray:
    return np.concatenate([np.asarray(v).reshape(-1) for v in tensors.values()])

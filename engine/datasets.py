"""Classification data for the network chapter: four 2-D toy sets and the UCI digits.

The toy sets are generated with numpy from a seed, as TensorFlow Playground generates
them (``src/dataset.ts``): two spirals, circles and XOR in Playground's own box
(coordinates within about ±6), plus scikit-learn's two moons scaled into that box.
``noise`` runs from 0 to 0.5 like Playground's 0–50 % slider. Every set is shuffled
with the seed and split into a training and a validation part.

The digits are the 1,797 8×8 images of the UCI optical handwritten digits set
(Alpaydin & Kaynak 1998, CC BY 4.0), read from ``engine/data/digits.npz``; see
``engine/data/README.md`` for source and licence, ``tools/make_digits.py`` to rebuild.

>>> from engine import datasets
>>> data = datasets.toy("spirals", n_points=200, noise=0.1, seed=3)
>>> data.X_train.shape, data.n_classes
((100, 2), 2)
>>> datasets.digits().n_features
64
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

__all__ = [
    "DIGITS_CITATION",
    "DIGITS_FILE",
    "Dataset",
    "MAX_NOISE",
    "TOY_NAMES",
    "circles",
    "digits",
    "digits_images",
    "moons",
    "spirals",
    "toy",
    "xor",
]

Array = np.ndarray
Bounds = tuple[tuple[float, float], tuple[float, float]]

DIGITS_FILE = Path(__file__).resolve().parent / "data" / "digits.npz"
DIGITS_CITATION = (
    "UCI ML Optical Recognition of Handwritten Digits (Alpaydin & Kaynak 1998), CC BY 4.0"
)
MAX_NOISE = 0.5  # Playground's slider stops at 50 %
TOY_BOUNDS: Bounds = ((-6.0, 6.0), (-6.0, 6.0))  # Playground's drawing box
MIN_POINTS = 8  # fewer cannot give both classes to both halves of the split
MAX_POINTS = 10_000


@dataclass(frozen=True, eq=False)
class Dataset:
    """A classification set, already split.

    Attributes
    ----------
    name : str
        ``"spirals"``, ``"moons"``, ``"circles"``, ``"xor"`` or ``"digits"``.
    X_train, X_val : ndarray, shape (n, n_features), float64
        Inputs: plane coordinates for the toy sets, pixels scaled to [0, 1] for digits.
    y_train, y_val : ndarray, shape (n,), int64
        Class indices 0 … n_classes − 1.
    n_classes : int
    bounds : ((xmin, xmax), (ymin, ymax)) or None
        A box holding the toy set, for drawing decision boundaries; None for digits.
    image_shape : (rows, cols) or None
        How one input row folds into an image (digits); None for the toy sets.
    description : str
        One line saying what the set is and how it was made.
    """

    name: str
    X_train: Array
    y_train: Array
    X_val: Array
    y_val: Array
    n_classes: int
    bounds: Bounds | None = None
    image_shape: tuple[int, int] | None = None
    description: str = ""

    @property
    def n_features(self) -> int:
        return int(self.X_train.shape[1])

    @property
    def n_train(self) -> int:
        return int(self.X_train.shape[0])

    @property
    def n_val(self) -> int:
        return int(self.X_val.shape[0])


# --------------------------------------------------------------------------- toy sets


def _check_toy(n_points: int, noise: float, train_fraction: float) -> None:
    if isinstance(n_points, bool) or not float(n_points).is_integer():
        raise ValueError(f"n_points must be a whole number, got {n_points!r}")
    if not MIN_POINTS <= n_points <= MAX_POINTS:
        raise ValueError(f"n_points must be between {MIN_POINTS} and {MAX_POINTS}, got {n_points}")
    if not 0.0 <= noise <= MAX_NOISE:
        raise ValueError(f"noise must be between 0 and {MAX_NOISE}, got {noise}")
    if not 0.0 < train_fraction < 1.0:
        raise ValueError(
            f"train_fraction must be between 0 and 1 (exclusive), got {train_fraction}"
        )


def _split(
    name: str,
    points: Array,
    labels: Array,
    train_fraction: float,
    rng: np.random.Generator,
    description: str,
) -> Dataset:
    """Shuffle with ``rng`` and cut: the first ``round(train_fraction · n)`` points train."""
    n = len(labels)
    order = rng.permutation(n)
    n_train = min(max(round(train_fraction * n), 1), n - 1)
    return _indexed(
        name,
        points,
        labels,
        order[:n_train],
        order[n_train:],
        n_classes=2,
        bounds=TOY_BOUNDS,
        description=description,
    )


def _indexed(name: str, X: Array, y: Array, train: Array, val: Array, **details) -> Dataset:
    """The Dataset whose training and validation rows are ``X[train]`` and ``X[val]``."""
    return Dataset(
        name=name,
        X_train=X[train],
        y_train=y[train].astype(np.int64),
        X_val=X[val],
        y_val=y[val].astype(np.int64),
        **details,
    )


def spirals(
    n_points: int = 500, noise: float = 0.0, seed: int = 0, train_fraction: float = 0.5
) -> Dataset:
    """Two interleaved spirals (Playground's ``classifySpiralData``).

    Each arm has n/2 points at radius r = 5·i/(n/2) and angle 1.75·2π·i/(n/2), the
    second arm turned by π; each coordinate gets uniform noise in ±noise. Class 1 is
    Playground's positive arm. Exactly balanced.
    """
    _check_toy(n_points, noise, train_fraction)
    rng = np.random.default_rng(seed)
    per_arm = n_points // 2
    i = np.arange(per_arm)
    radius = i / per_arm * 5.0
    arms, labels = [], []
    for turn, label in ((0.0, 1), (np.pi, 0)):
        angle = 1.75 * i / per_arm * 2.0 * np.pi + turn
        jitter = rng.uniform(-1.0, 1.0, size=(per_arm, 2)) * noise
        arms.append(np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1) + jitter)
        labels.append(np.full(per_arm, label))
    return _split(
        "spirals",
        np.concatenate(arms),
        np.concatenate(labels),
        train_fraction,
        rng,
        f"two spirals, {2 * per_arm} points, noise {noise:g} (as TensorFlow Playground)",
    )


def circles(
    n_points: int = 500, noise: float = 0.0, seed: int = 0, train_fraction: float = 0.5
) -> Dataset:
    """A disc inside a ring (Playground's ``classifyCircleData``).

    Half the points lie at radius 0–2.5 and half at 3.5–5. Noise does not move a
    point; it moves the point the *label* is read at (by up to ±5·noise per axis), so
    with noise some points near the gap carry the other class, as in Playground.
    Class 1 is inside radius 2.5. Balanced when noise is 0.
    """
    _check_toy(n_points, noise, train_fraction)
    rng = np.random.default_rng(seed)
    half = n_points // 2
    outer = 5.0
    parts, labels = [], []
    for low, high in ((0.0, 0.5 * outer), (0.7 * outer, outer)):
        radius = rng.uniform(low, high, size=half)
        angle = rng.uniform(0.0, 2.0 * np.pi, size=half)
        xy = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)
        read_at = xy + rng.uniform(-outer, outer, size=(half, 2)) * noise
        parts.append(xy)
        labels.append((np.hypot(read_at[:, 0], read_at[:, 1]) < 0.5 * outer).astype(int))
    return _split(
        "circles",
        np.concatenate(parts),
        np.concatenate(labels),
        train_fraction,
        rng,
        f"a disc inside a ring, {2 * half} points, label noise {noise:g} (as TensorFlow Playground)",
    )


def xor(
    n_points: int = 500, noise: float = 0.0, seed: int = 0, train_fraction: float = 0.5
) -> Dataset:
    """The four quadrants, class 1 where x·y ≥ 0 (Playground's ``classifyXORData``).

    Points are uniform in ±5 pushed 0.3 away from both axes; as for the circles, noise
    shifts the point the label is read at (by up to ±5·noise per axis), not the point.
    """
    _check_toy(n_points, noise, train_fraction)
    rng = np.random.default_rng(seed)
    xy = rng.uniform(-5.0, 5.0, size=(n_points, 2))
    xy += np.where(xy > 0, 0.3, -0.3)  # Playground's padding keeps the axes clear
    read_at = xy + rng.uniform(-5.0, 5.0, size=(n_points, 2)) * noise
    labels = (read_at[:, 0] * read_at[:, 1] >= 0).astype(int)
    return _split(
        "xor",
        xy,
        labels,
        train_fraction,
        rng,
        f"XOR of the quadrants, {n_points} points, label noise {noise:g} (as TensorFlow Playground)",
    )


def moons(
    n_points: int = 500, noise: float = 0.0, seed: int = 0, train_fraction: float = 0.5
) -> Dataset:
    """Two interleaving half circles (scikit-learn's ``make_moons``), scaled into ±6.

    Playground has no moons; this is ``make_moons`` (outer arc class 0, inner arc
    class 1, n/2 each, evenly spaced angles) with Gaussian noise of standard deviation
    ``0.6·noise`` in its own units, then mapped by (x − 0.5, y − 0.25)·4 into the box
    the other sets use. Exactly balanced.
    """
    _check_toy(n_points, noise, train_fraction)
    rng = np.random.default_rng(seed)
    half = n_points // 2
    angle = np.linspace(0.0, np.pi, half)
    outer = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    inner = np.stack([1.0 - np.cos(angle), 0.5 - np.sin(angle)], axis=1)
    points = np.concatenate([outer, inner]) + rng.normal(0.0, 0.6 * noise, size=(2 * half, 2))
    points = (points - np.array([0.5, 0.25])) * 4.0
    labels = np.repeat([0, 1], half)
    return _split(
        "moons",
        points,
        labels,
        train_fraction,
        rng,
        f"two moons, {2 * half} points, noise {noise:g} (scikit-learn's make_moons, scaled)",
    )


_TOY: dict[str, Callable[..., Dataset]] = {
    "spirals": spirals,
    "moons": moons,
    "circles": circles,
    "xor": xor,
}
TOY_NAMES: tuple[str, ...] = tuple(_TOY)


def toy(
    name: str, n_points: int = 500, noise: float = 0.0, seed: int = 0, train_fraction: float = 0.5
) -> Dataset:
    """The toy set ``name`` (one of :data:`TOY_NAMES`)."""
    if name not in _TOY:
        raise ValueError(f"unknown data set {name!r}; choose one of {', '.join(TOY_NAMES)}")
    return _TOY[name](n_points=n_points, noise=noise, seed=seed, train_fraction=train_fraction)


# --------------------------------------------------------------------------- digits


@cache
def _digits_arrays() -> tuple[Array, Array]:
    with np.load(DIGITS_FILE) as stored:
        images, labels = stored["images"], stored["labels"]
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def digits_images() -> tuple[Array, Array]:
    """The raw UCI digits: ``images`` uint8 (1797, 8, 8) with counts 0–16, ``labels`` uint8.

    Read-only arrays, in the order scikit-learn's ``load_digits`` gives them.
    """
    return _digits_arrays()


def digits(validation_fraction: float = 0.2, seed: int = 0) -> Dataset:
    """The UCI digits as a 10-class set: 64 pixel inputs scaled to [0, 1].

    The split is stratified: each digit's images are shuffled with ``seed`` and the
    first ``round(validation_fraction · count)`` go to validation, so both parts keep
    the classes in the proportions of the whole set (0.2 gives 1,438 / 359).
    """
    if not 0.0 < validation_fraction < 1.0:
        raise ValueError(
            f"validation_fraction must be between 0 and 1 (exclusive), got {validation_fraction}"
        )
    images, labels = _digits_arrays()
    rng = np.random.default_rng(seed)
    train_parts, val_parts = [], []
    for digit in range(10):
        members = rng.permutation(np.flatnonzero(labels == digit))
        n_val = min(max(round(validation_fraction * len(members)), 1), len(members) - 1)
        val_parts.append(members[:n_val])
        train_parts.append(members[n_val:])
    # Interleave the classes (a seeded shuffle), so any prefix of a part is mixed.
    train = rng.permutation(np.concatenate(train_parts))
    val = rng.permutation(np.concatenate(val_parts))
    pixels = images.reshape(len(labels), -1).astype(np.float64) / 16.0
    return _indexed(
        "digits",
        pixels,
        labels,
        train,
        val,
        n_classes=10,
        image_shape=(8, 8),
        description=f"{len(labels)} handwritten digits, 8×8 pixels — {DIGITS_CITATION}",
    )

"""Two-dimensional test functions ("loss landscapes") for the simulations.

Every landscape maps points ``xy`` of shape ``(..., 2)`` to a loss of shape ``(...)``,
with an analytic gradient and an analytic Hessian diagonal. Each landscape is shifted
so that its global minimum value is exactly 0, so losses can be drawn on a log axis.

>>> from engine import landscapes
>>> ravine = landscapes.get("ravine")
>>> ravine.loss(np.array([1.0, 2.0]))
array(21.)

Gradient noise (the mini-batch picture) is added with :func:`noisy`; the simulator asks
a landscape for ``gradient_fn(step)`` so that the noise of a given step is reproducible.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

__all__ = ["NAMES", "Landscape", "get", "noisy"]

Point = tuple[float, float]
Bounds = tuple[tuple[float, float], tuple[float, float]]
ScalarFn = Callable[[np.ndarray, np.ndarray], np.ndarray]
PairFn = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

_NOISE_SUFFIX = "+noise"
NOISE_BLOCK = 256  # steps of noise drawn per (seed, block): one generator per 256 steps


@functools.lru_cache(maxsize=2048)  # ≤ 2048 × 256 × 2 floats = 8 MB
def _noise_block(seed: int, block: int) -> np.ndarray:
    block_noise = np.random.default_rng((seed, block)).standard_normal((NOISE_BLOCK, 2))
    block_noise.flags.writeable = False  # shared by every caller
    return block_noise


def unit_noise(seed: int, step: int) -> np.ndarray:
    """The standard-normal 2-vector of gradient noise for ``seed`` at update ``step``.

    Drawn in blocks of :data:`NOISE_BLOCK` steps per seed and cached, so that a seed fan of
    32 runs × 500 steps costs 64 generators rather than 16,000; the value depends only on
    (seed, step), whoever asks first.
    """
    return _noise_block(seed, step // NOISE_BLOCK)[step % NOISE_BLOCK]


FAN_CACHE_SEEDS = 1024  # fans up to this many seeds keep their noise blocks cached


@functools.lru_cache(maxsize=16)  # ≤ 16 × 256 × 1024 × 2 floats = 64 MB at the very most
def _fan_block(seeds: tuple[int, ...], block: int) -> np.ndarray:
    fan = np.stack([_noise_block(seed, block) for seed in seeds], axis=1)
    fan.flags.writeable = False
    return fan


def fan_noise(seeds: tuple[int, ...], step: int) -> np.ndarray:
    """:func:`unit_noise` for each seed of a fan at ``step``, shape (len(seeds), 2)."""
    if len(seeds) > FAN_CACHE_SEEDS:
        return np.stack([unit_noise(seed, step) for seed in seeds])
    return _fan_block(seeds, step // NOISE_BLOCK)[step % NOISE_BLOCK]


_NOISE_TITLE_TAG = " · noisy gradients"


def _split(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the x and y components of ``xy`` (shape ``(..., 2)``) as float64 arrays."""
    if not (isinstance(xy, np.ndarray) and xy.dtype == np.float64):
        xy = np.asarray(xy, dtype=np.float64)
    if xy.ndim == 0 or xy.shape[-1] != 2:
        raise ValueError(f"expected points of shape (..., 2), got shape {xy.shape}")
    return xy[..., 0], xy[..., 1]


def _stack(a: np.ndarray | float, b: np.ndarray | float, like: np.ndarray) -> np.ndarray:
    """Stack two component arrays (or constants) into shape ``like.shape + (2,)``."""
    a, b = np.broadcast_arrays(np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64))
    a, b, _ = np.broadcast_arrays(a, b, like)
    return np.stack([a, b], axis=-1)


@dataclass(frozen=True)
class Landscape:
    """A 2-D test function with analytic derivatives and display metadata.

    Attributes
    ----------
    name, title, latex, description
        Registry key, display name, formula for ``st.latex`` and the one-sentence lesson.
    bounds
        ``((xmin, xmax), (ymin, ymax))``: the region drawn and offered for starts.
    minima, saddles
        Known global minima (loss 0) and saddle points, exact to float precision.
    start
        A default start that shows the landscape's lesson.
    noise_std, noise_seed
        Standard deviation and seed of the Gaussian noise that :meth:`gradient_fn`
        adds to the gradient (0 for a clean landscape).
    """

    name: str
    title: str
    latex: str
    bounds: Bounds
    minima: tuple[Point, ...]
    saddles: tuple[Point, ...]
    start: Point
    description: str
    _loss: ScalarFn = field(repr=False, compare=False)
    _grad: PairFn = field(repr=False, compare=False)
    _hess: PairFn = field(repr=False, compare=False)
    noise_std: float = 0.0
    noise_seed: int | tuple[int, ...] = 0  # one seed per run for a seed fan

    def loss(self, xy: np.ndarray) -> np.ndarray:
        """Loss at ``xy`` of shape ``(..., 2)``; returns shape ``(...)``.

        Overflow is silenced: a point far out gives ``inf``, quietly.
        """
        with np.errstate(over="ignore", invalid="ignore"):
            return self.raw_loss(xy)

    def grad(self, xy: np.ndarray) -> np.ndarray:
        """Exact gradient ``(∂L/∂x, ∂L/∂y)`` at ``xy``; returns shape ``(..., 2)``."""
        with np.errstate(over="ignore", invalid="ignore"):
            return self.raw_grad(xy)

    # The raw forms skip the error-state context (1–2 µs a call, which a 400-step sweep
    # feels): for hot loops that already run under ``np.errstate``, like simulate.run.

    def raw_loss(self, xy: np.ndarray) -> np.ndarray:
        """:meth:`loss` without silencing floating-point warnings."""
        x, y = _split(xy)
        value = self._loss(x, y)
        if np.shape(value) != x.shape:  # a constant part broadcast against the batch
            value = np.broadcast_to(value, x.shape)
        return np.array(value, dtype=np.float64)

    def raw_grad(self, xy: np.ndarray) -> np.ndarray:
        """:meth:`grad` without silencing floating-point warnings."""
        x, y = _split(xy)
        gx, gy = self._grad(x, y)
        out = np.empty(x.shape + (2,))
        out[..., 0] = gx
        out[..., 1] = gy
        return out

    def hessian_diag(self, xy: np.ndarray) -> np.ndarray:
        """Exact Hessian diagonal ``(∂²L/∂x², ∂²L/∂y²)`` at ``xy``; shape ``(..., 2)``."""
        x, y = _split(xy)
        with np.errstate(over="ignore", invalid="ignore"):
            return _stack(*self._hess(x, y), like=x)

    def gradient_fn(self, step: int, raw: bool = False) -> Callable[[np.ndarray], np.ndarray]:
        """Gradient function the simulator should use at update number ``step``.

        For a clean landscape this is :meth:`grad`. For a noisy one, it adds Gaussian
        noise of std ``noise_std``: the 2-vector :func:`unit_noise` ``(noise_seed, step)``,
        the same for every run of a batch,
        so the noise depends only on (seed, step): a run stepped one update at a time
        follows the same path as a run computed in one go, a sweep repeats its single
        runs, and every call within one step (e.g. a lookahead) sees the same sample.
        With an array of seeds (one per run of a batch, see :func:`noisy`) run ``i`` gets
        the noise a single run seeded ``noise_seed[i]`` would.
        ``raw=True`` builds on :meth:`raw_grad` (for loops already under ``np.errstate``).
        """
        if isinstance(step, bool) or int(step) != step or step < 0:
            raise ValueError(f"step must be a non-negative integer, got {step!r}")
        clean_grad = self.raw_grad if raw else self.grad
        if self.noise_std == 0:
            return clean_grad
        std, step = float(self.noise_std), int(step)
        if isinstance(self.noise_seed, tuple):
            # One seed per run (a seed fan): run i gets exactly the noise of a single run
            # seeded noise_seed[i].
            noise = std * fan_noise(self.noise_seed, step)
        else:
            # One seed: every run of a batch gets the single run's noise, so a sweep
            # equals its single runs row for row.
            noise = std * unit_noise(int(self.noise_seed), step)

        def noisy_grad(xy: np.ndarray) -> np.ndarray:
            return clean_grad(xy) + noise

        return noisy_grad

    def grid(self, n: int = 100) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Loss on an ``n × n`` grid over :attr:`bounds`.

        Returns
        -------
        xs, ys : ndarray, shape (n,)
        Z : ndarray of float32, shape (n, n), with ``Z[i, j] = loss(xs[j], ys[i])``
            (the layout Plotly's contour and surface traces expect).
        """
        if isinstance(n, bool) or int(n) != n or n < 2:
            raise ValueError(f"grid size n must be an integer >= 2, got {n!r}")
        (x0, x1), (y0, y1) = self.bounds
        xs = np.linspace(x0, x1, int(n))
        ys = np.linspace(y0, y1, int(n))
        xx, yy = np.meshgrid(xs, ys)
        z = self.loss(np.stack([xx, yy], axis=-1)).astype(np.float32)
        return xs, ys, z


# --- bowl: L = x² + y² -------------------------------------------------------------


def _bowl_loss(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return x**2 + y**2


def _bowl_grad(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return 2 * x, 2 * y


def _bowl_hess(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    return 2.0, 2.0


# --- ravine: L = 20 x² + y² / 4 (curvatures 40 and 0.5, ratio 80) ------------------

_RAVINE_A, _RAVINE_B = 40.0, 0.5
RAVINE_CURVATURES = (_RAVINE_A, _RAVINE_B)  # (across, along) the valley: κ = 80


def _ravine_loss(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return 0.5 * (_RAVINE_A * x**2 + _RAVINE_B * y**2)


def _ravine_grad(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _RAVINE_A * x, _RAVINE_B * y


def _ravine_hess(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    return _RAVINE_A, _RAVINE_B


# --- saddle: L = x² − y² + y⁴/4 + 1 (saddle at 0, minima at y = ±√2) ---------------


def _saddle_loss(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return x**2 - y**2 + 0.25 * y**4 + 1.0


def _saddle_grad(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return 2 * x, y**3 - 2 * y


def _saddle_hess(x: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    return 2.0, 3 * y**2 - 2


# --- elliptical: L = 5 x² + y² / 4 (curvatures 10 and 0.5, ratio 20) ----------------

_ELLIPSE_A, _ELLIPSE_B = 10.0, 0.5


def _elliptical_loss(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return 0.5 * (_ELLIPSE_A * x**2 + _ELLIPSE_B * y**2)


def _elliptical_grad(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return _ELLIPSE_A * x, _ELLIPSE_B * y


def _elliptical_hess(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    return _ELLIPSE_A, _ELLIPSE_B


# --- rosenbrock: L = (1 − x)² + 100 (y − x²)² ---------------------------------------


def _rosenbrock_loss(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def _rosenbrock_grad(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r = y - x**2
    return -2 * (1 - x) - 400 * x * r, 200 * r


def _rosenbrock_hess(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    return 2 - 400 * y + 1200 * x**2, 200.0


# --- himmelblau: L = (x² + y − 11)² + (x + y² − 7)² ---------------------------------


def _himmelblau_loss(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def _himmelblau_grad(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a, b = x**2 + y - 11, x + y**2 - 7
    return 4 * x * a + 2 * b, 2 * a + 4 * y * b


def _himmelblau_hess(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return 12 * x**2 + 4 * y - 42, 4 * x + 12 * y**2 - 26


# --- rastrigin: L = 20 + Σ (t² − 10 cos 2πt) ----------------------------------------

_TWO_PI = 2 * math.pi


def _rastrigin_loss(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return 20 + x**2 - 10 * np.cos(_TWO_PI * x) + y**2 - 10 * np.cos(_TWO_PI * y)


def _rastrigin_grad(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return (
        2 * x + 10 * _TWO_PI * np.sin(_TWO_PI * x),
        2 * y + 10 * _TWO_PI * np.sin(_TWO_PI * y),
    )


def _rastrigin_hess(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    c = 10 * _TWO_PI**2
    return 2 + c * np.cos(_TWO_PI * x), 2 + c * np.cos(_TWO_PI * y)


# --- beale: L = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)² -------------


def _beale_terms(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return 1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3


def _beale_loss(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    a1, a2, a3 = _beale_terms(x, y)
    return a1**2 + a2**2 + a3**2


def _beale_grad(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a1, a2, a3 = _beale_terms(x, y)
    gx = 2 * (a1 * (y - 1) + a2 * (y**2 - 1) + a3 * (y**3 - 1))
    gy = 2 * x * (a1 + 2 * y * a2 + 3 * y**2 * a3)
    return gx, gy


def _beale_hess(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    _, a2, a3 = _beale_terms(x, y)
    hxx = 2 * ((y - 1) ** 2 + (y**2 - 1) ** 2 + (y**3 - 1) ** 2)
    hyy = 2 * x**2 * (1 + 4 * y**2 + 9 * y**4) + 4 * x * a2 + 12 * x * y * a3
    return hxx, hyy


# --- registry -----------------------------------------------------------------------

_SQRT2 = math.sqrt(2.0)

_CLEAN: tuple[Landscape, ...] = (
    Landscape(
        name="bowl",
        title="Bowl",
        latex=r"L(x, y) = x^2 + y^2",
        bounds=((-3.5, 3.5), (-3.5, 3.5)),
        minima=((0.0, 0.0),),
        saddles=(),
        start=(-2.4, 1.8),
        description=(
            "The friendliest landscape: every step points at the minimum, so only the "
            "learning rate decides between crawling, converging and diverging (above η = 1)."
        ),
        _loss=_bowl_loss,
        _grad=_bowl_grad,
        _hess=_bowl_hess,
    ),
    Landscape(
        name="ravine",
        title="Ravine",
        latex=r"L(x, y) = 20\,x^2 + \tfrac{1}{4}\,y^2",
        bounds=((-1.5, 1.5), (-4.0, 4.0)),
        minima=((0.0, 0.0),),
        saddles=(),
        start=(1.0, -3.5),
        description=(
            "A valley 80 times steeper across (x) than along (y): plain gradient descent "
            "zig-zags between the walls while crawling down the floor, and momentum fixes both."
        ),
        _loss=_ravine_loss,
        _grad=_ravine_grad,
        _hess=_ravine_hess,
    ),
    Landscape(
        name="saddle",
        title="Saddle",
        latex=r"L(x, y) = x^2 - y^2 + \tfrac{1}{4}\,y^4 + 1",
        bounds=((-3.0, 3.0), (-2.5, 2.5)),
        minima=((0.0, -_SQRT2), (0.0, _SQRT2)),
        saddles=((0.0, 0.0),),
        start=(-2.5, 0.01),
        description=(
            "A saddle at the origin, downhill in y and uphill in x: the gradient vanishes "
            "there, so descent stalls on the plateau until the tiny y-offset grows enough "
            "to escape towards one of the two minima."
        ),
        _loss=_saddle_loss,
        _grad=_saddle_grad,
        _hess=_saddle_hess,
    ),
    Landscape(
        name="elliptical",
        title="Elliptical bowl",
        latex=r"L(x, y) = 5\,x^2 + \tfrac{1}{4}\,y^2",
        bounds=((-3.0, 3.0), (-3.0, 3.0)),
        minima=((0.0, 0.0),),
        saddles=(),
        start=(-2.5, 2.5),
        description=(
            "Curvature 20 times larger along x than along y: one global learning rate is "
            "too big for x or too small for y, while per-parameter rates (AdaGrad, RMSProp) "
            "move both coordinates at a similar pace."
        ),
        _loss=_elliptical_loss,
        _grad=_elliptical_grad,
        _hess=_elliptical_hess,
    ),
    Landscape(
        name="rosenbrock",
        title="Rosenbrock",
        latex=r"L(x, y) = (1 - x)^2 + 100\,(y - x^2)^2",
        bounds=((-2.0, 2.0), (-1.0, 3.0)),
        minima=((1.0, 1.0),),
        saddles=(),
        start=(-1.5, 2.0),
        description=(
            "A narrow curved banana valley: finding the valley is easy, following its flat, "
            "bending floor to the minimum at (1, 1) is what separates optimizers."
        ),
        _loss=_rosenbrock_loss,
        _grad=_rosenbrock_grad,
        _hess=_rosenbrock_hess,
    ),
    Landscape(
        name="himmelblau",
        title="Himmelblau",
        latex=r"L(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        bounds=((-5.0, 5.0), (-5.0, 5.0)),
        minima=(
            (3.0, 2.0),
            (-2.805118086952745, 3.131312518250573),
            (-3.779310253377747, -3.283185991286169),
            (3.5844283403304917, -1.8481265269644034),
        ),
        saddles=(
            (0.08667750455539634, 2.884254701174776),
            (-3.0730257507643897, -0.08135304428796751),
            (3.385154183607021, 0.07385187983774928),
            (-0.12796134673068005, -1.9537149802445766),
        ),
        start=(-0.5, -0.5),
        description=(
            "Four equally good minima separated by saddles: which one an optimizer reaches "
            "depends on the start and on how it moves, not just on the loss."
        ),
        _loss=_himmelblau_loss,
        _grad=_himmelblau_grad,
        _hess=_himmelblau_hess,
    ),
    Landscape(
        name="rastrigin",
        title="Rastrigin",
        latex=r"L(x, y) = 20 + \sum_{t \in \{x, y\}} \left(t^2 - 10\cos 2\pi t\right)",
        bounds=((-5.12, 5.12), (-5.12, 5.12)),
        minima=((0.0, 0.0),),
        saddles=(),
        start=(-3.3, 2.7),
        description=(
            "An egg-crate of about a hundred local minima around one global minimum: "
            "gradient methods settle in the nearest dimple unless noise or momentum "
            "carries them over the ridges."
        ),
        _loss=_rastrigin_loss,
        _grad=_rastrigin_grad,
        _hess=_rastrigin_hess,
    ),
    Landscape(
        name="beale",
        title="Beale",
        latex=(r"L(x, y) = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2"),
        bounds=((-4.5, 4.5), (-4.5, 4.5)),
        minima=((3.0, 0.5),),
        saddles=((0.0, 1.0), (0.10053793732415839, -2.6445135850231245)),
        start=(1.0, 1.5),
        description=(
            "Flat plateaus next to walls thousands of times steeper: a fixed learning rate "
            "either crawls or blows up, while adaptive methods rescale their steps and cope."
        ),
        _loss=_beale_loss,
        _grad=_beale_grad,
        _hess=_beale_hess,
    ),
)


def noisy(landscape: Landscape, sigma: float, batch_size: int = 1, seed: int = 0) -> Landscape:
    """Return ``landscape`` with mini-batch-style Gaussian noise on its gradient.

    The loss, Hessian, bounds and points are unchanged; ``gradient_fn(step)`` adds noise
    of std ``sigma / sqrt(batch_size)`` (one example's gradient noise ``sigma``, averaged
    over a batch), seeded by ``(seed, step)``. Noise does not stack: applying ``noisy`` to
    a noisy landscape replaces its noise.

    Parameters
    ----------
    landscape : Landscape
    sigma : float
        Per-example gradient noise std, ``>= 0`` (0 gives back a clean gradient).
    batch_size : int
        Batch size ``B >= 1``; the noise std shrinks as ``1 / sqrt(B)``.
    seed : int or sequence of int
        Non-negative seed; or one seed per run of a batch (a seed fan: the batch's
        leading axis must match), run ``i`` then seeing a single run's noise for
        ``seed[i]``.
    """
    sigma = float(sigma)
    if not math.isfinite(sigma) or sigma < 0:
        raise ValueError(f"sigma must be a finite number >= 0, got {sigma!r}")
    if isinstance(batch_size, bool) or int(batch_size) != batch_size or batch_size < 1:
        raise ValueError(f"batch_size must be an integer >= 1, got {batch_size!r}")
    seeds = np.asarray(seed)
    if (
        seeds.dtype == bool
        or not np.issubdtype(seeds.dtype, np.number)
        or seeds.size == 0
        or np.any(seeds < 0)
        or np.any(seeds != np.round(seeds))
    ):
        raise ValueError(f"seed must be a non-negative integer (or an array of them), got {seed!r}")
    base_name = landscape.name.removesuffix(_NOISE_SUFFIX)
    base_title = landscape.title.split(_NOISE_TITLE_TAG)[0]
    return dataclasses.replace(
        landscape,
        name=base_name + _NOISE_SUFFIX,
        title=f"{base_title}{_NOISE_TITLE_TAG} (σ = {sigma:g}, batch {int(batch_size)})",
        noise_std=sigma / math.sqrt(int(batch_size)),
        noise_seed=int(seeds) if seeds.ndim == 0 else tuple(int(s) for s in seeds.reshape(-1)),
    )


_RAVINE = _CLEAN[1]
_NOISY_RAVINE = dataclasses.replace(
    noisy(_RAVINE, sigma=1.0),
    name="noisy_ravine",
    title="Noisy ravine",
    description=(
        "The ravine with mini-batch gradient noise (σ = 1): every step is perturbed, so "
        "runs jitter around the valley floor and never settle exactly at the minimum."
    ),
)

_REGISTRY: dict[str, Landscape] = {ls.name: ls for ls in (*_CLEAN, _NOISY_RAVINE)}

NAMES: tuple[str, ...] = tuple(_REGISTRY)
"""Registered landscape names, in display order."""


def quadratic_ravine(across: float, along: float) -> Landscape:
    """The ravine ½(a x² + b y²) with curvatures ``across`` (a) and ``along`` (b).

    Same box and start as the built-in ``ravine`` (a = 40, b = 0.5), so chapter 2's
    theory can steepen or flatten the walls (κ = a/b) and keep the picture.
    """
    a, b = float(across), float(along)
    if not (math.isfinite(a) and math.isfinite(b) and a > 0 and b > 0):
        raise ValueError(f"curvatures must be finite and > 0, got {across!r}, {along!r}")
    base = get("ravine")
    return dataclasses.replace(
        base,
        name=f"ravine(kappa={a / b:g})",
        title=f"Ravine, κ = {a / b:g}",
        latex=rf"L(x, y) = \tfrac12\left({a:g}\,x^2 + {b:g}\,y^2\right)",
        _loss=lambda x, y: 0.5 * (a * x**2 + b * y**2),
        _grad=lambda x, y: (a * x, b * y),
        _hess=lambda x, y: (a, b),
    )


def get(name: str) -> Landscape:
    """Return the registered landscape called ``name``.

    Raises
    ------
    ValueError
        If ``name`` is not one of :data:`NAMES`.
    """
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown landscape {name!r}; valid names: {', '.join(NAMES)}") from None

"""A multilayer perceptron in numpy: forward pass, softmax cross-entropy, backprop by hand.

The parameters are a dict of whole tensors, ``W1, b1, W2, b2, …`` (``W`` of shape
(fan_in, fan_out), so a layer is ``x @ W + b``), which every engine optimizer trains
unchanged; LAMB's and LARS's trust ratios and Adafactor's factoring then act per tensor.

The same functions run R networks at once when the params carry a leading *run* axis:
``W`` of shape (R, fan_in, fan_out) and ``b`` of shape (R, 1, fan_out). The bias keeps
a row axis so that every leaf has three axes and one hyperparameter array of shape
(R, 1, 1) broadcasts against all of them. The inputs are then either shared,
(B, n_inputs), or per run, (R, B, n_inputs). Arithmetic follows the params' dtype.

>>> from engine.network import Network
>>> net = Network(n_inputs=64, hidden=(32,), n_classes=10)
>>> params = net.init(seed=0)
>>> loss, grads = net.loss_and_grad(params, X, y)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "ACTIVATIONS",
    "MAX_HIDDEN_LAYERS",
    "MAX_TRAINING_ACTIVATIONS",
    "MAX_TRAINING_PARAMETERS",
    "MAX_WIDTH",
    "MIN_WIDTH",
    "Network",
    "is_batched",
    "run_params",
    "stack_runs",
]

Array = np.ndarray
Params = dict[str, Array]

ACTIVATIONS: tuple[str, ...] = ("tanh", "relu")
MIN_WIDTH, MAX_WIDTH = 4, 128
MAX_HIDDEN_LAYERS = 3

MAX_TRAINING_PARAMETERS = 4_000_000
"""Most weights one training may hold, summed over its runs (runs × parameters per net).

A training keeps about eight arrays the size of all its weights (the weights, their
gradient, the update, up to two optimizer buffers and temporaries): 4 M numbers is
about 256 MB in float64 (128 MB in float32), as much as one page of a course on a
small shared server should take. A 208-run sweep of the 64-32-10 digits net holds
0.5 M; the largest single net allowed (64-128-128-128-10) holds 42,634.
"""

MAX_TRAINING_ACTIVATIONS = 16_000_000
"""Most hidden activations one forward pass may hold: runs × examples × hidden units.

Backprop keeps every hidden layer's outputs (and the ReLU/tanh derivative) for each
example of the batch, for every run: 16 M numbers is again about 256 MB in float64.
A full-batch run on the 1,438 training digits with 3 × 128 units takes 0.55 M per run.
"""


@dataclass(frozen=True)
class Network:
    """The shape of a multilayer perceptron: validated on construction.

    Parameters
    ----------
    n_inputs : int
        Input features (2 for the plane sets, 64 for the 8×8 digits).
    hidden : tuple of int
        Units of each hidden layer: 1 to 3 layers of 4 to 128 units.
    n_classes : int
        Output units, one per class (at least 2): softmax cross-entropy over them.
    activation : {"tanh", "relu"}
        Non-linearity of the hidden layers (the output layer is linear).
    """

    n_inputs: int
    hidden: tuple[int, ...]
    n_classes: int
    activation: str = "tanh"

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden", tuple(self.hidden))
        for name in ("n_inputs", "n_classes"):
            value = getattr(self, name)
            if isinstance(value, bool) or not float(value).is_integer():
                raise ValueError(f"{name} must be a whole number, got {value!r}")
        if self.n_inputs < 1:
            raise ValueError(f"the network needs at least one input, got n_inputs={self.n_inputs}")
        if self.n_classes < 2:
            raise ValueError(f"a classifier needs at least 2 classes, got {self.n_classes}")
        if not 1 <= len(self.hidden) <= MAX_HIDDEN_LAYERS:
            raise ValueError(
                f"the network needs 1 to {MAX_HIDDEN_LAYERS} hidden layers, got {len(self.hidden)}"
            )
        for layer, width in enumerate(self.hidden, start=1):
            if isinstance(width, bool) or not float(width).is_integer():
                raise ValueError(f"hidden layer {layer} has {width!r} units: use a whole number")
            if not MIN_WIDTH <= width <= MAX_WIDTH:
                raise ValueError(
                    f"hidden layer {layer} has {width} units; each hidden layer needs "
                    f"{MIN_WIDTH} to {MAX_WIDTH}"
                )
        if self.activation not in ACTIVATIONS:
            raise ValueError(
                f"unknown activation {self.activation!r}; choose one of {', '.join(ACTIVATIONS)}"
            )
        if self.n_params > MAX_TRAINING_PARAMETERS:
            raise ValueError(
                f"a {self.describe()} network has {self.n_params:,} weights, more than the "
                f"{MAX_TRAINING_PARAMETERS:,} this machine can train: use fewer inputs or units"
            )

    # ------------------------------------------------------------------ shape

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        """Units per layer, input to output: e.g. (64, 32, 10)."""
        return (int(self.n_inputs), *(int(w) for w in self.hidden), int(self.n_classes))

    @property
    def n_layers(self) -> int:
        """Weight layers (hidden layers + the output layer)."""
        return len(self.layer_sizes) - 1

    @property
    def leaf_names(self) -> tuple[str, ...]:
        """Parameter names in order: W1, b1, W2, b2, …"""
        return tuple(f"{kind}{i}" for i in range(1, self.n_layers + 1) for kind in ("W", "b"))

    @property
    def param_shapes(self) -> dict[str, tuple[int, ...]]:
        """Shapes of one network's tensors (no run axis)."""
        shapes: dict[str, tuple[int, ...]] = {}
        sizes = self.layer_sizes
        for i in range(1, self.n_layers + 1):
            shapes[f"W{i}"] = (sizes[i - 1], sizes[i])
            shapes[f"b{i}"] = (sizes[i],)
        return shapes

    @property
    def n_params(self) -> int:
        return sum(int(np.prod(s)) for s in self.param_shapes.values())

    def describe(self) -> str:
        """The layer sizes written the usual way, e.g. ``"64-32-10"``."""
        return "-".join(str(n) for n in self.layer_sizes)

    # ------------------------------------------------------------------ weights

    def init(self, seed: int = 0, dtype: type = np.float64) -> Params:
        """Seeded initial weights of one network; biases start at zero.

        tanh layers draw W from Glorot (Xavier) uniform, U(±√(6/(fan_in+fan_out)));
        ReLU layers from He (Kaiming) uniform, U(±√(6/fan_in)). The output layer uses
        the same rule as the hidden ones. Drawn in float64, then cast to ``dtype``.
        """
        rng = np.random.default_rng(seed)
        params: Params = {}
        for name, shape in self.param_shapes.items():
            if name.startswith("b"):
                params[name] = np.zeros(shape, dtype=dtype)
                continue
            fan_in, fan_out = shape
            scale = 6.0 / fan_in if self.activation == "relu" else 6.0 / (fan_in + fan_out)
            limit = np.sqrt(scale)
            params[name] = rng.uniform(-limit, limit, size=shape).astype(dtype)
        return params

    def init_runs(self, seeds, dtype: type = np.float64) -> Params:
        """Initial weights of len(seeds) networks stacked on a leading run axis."""
        return stack_runs([self.init(int(s), dtype) for s in np.atleast_1d(seeds)])

    # ------------------------------------------------------------------ forward / backward

    def logits(self, params: Params, X: Array) -> Array:
        """Outputs before the softmax: (B, n_classes), or (R, B, n_classes) for R runs."""
        return self._forward(params, X)[-1]

    def probabilities(self, params: Params, X: Array) -> Array:
        """Softmax class probabilities, shaped like :meth:`logits`."""
        return np.exp(_log_softmax(self.logits(params, X)))

    def predict(self, params: Params, X: Array) -> Array:
        """The most probable class of each input."""
        return np.argmax(self.logits(params, X), axis=-1)

    def evaluate(self, params: Params, X: Array, y: Array) -> tuple[Array, Array]:
        """Mean cross-entropy and accuracy: floats, or arrays (R,) for R runs."""
        loss, accuracy, _, _ = _cross_entropy(self.logits(params, X), y)
        return _unbatched(loss), _unbatched(accuracy)

    def loss(self, params: Params, X: Array, y: Array) -> Array:
        """Mean softmax cross-entropy over the examples (per run for R runs)."""
        return self.evaluate(params, X, y)[0]

    def loss_and_grad(self, params: Params, X: Array, y: Array) -> tuple[Array, Params]:
        """Mean cross-entropy and its gradient with respect to every tensor."""
        loss, _, grads = self.loss_accuracy_and_grad(params, X, y)
        return loss, grads

    def loss_accuracy_and_grad(
        self, params: Params, X: Array, y: Array
    ) -> tuple[Array, Array, Params]:
        """Loss, accuracy and gradient from one forward and one backward pass.

        Backprop of the mean softmax cross-entropy: the output error is
        (softmax − one-hot)/B; then for each layer from the top, ∂W = aᵀ·δ,
        ∂b = Σ_batch δ, and δ ← (δ·Wᵀ) ⊙ f′(z) for the layer below, where f′ is
        1 − tanh² or the ReLU step (0 at z = 0, as torch takes it).
        """
        activations = self._forward(params, X)
        logits = activations[-1]
        loss, accuracy, log_probs, true_class = _cross_entropy(logits, y)
        delta = np.exp(log_probs)
        delta[true_class] -= 1.0
        batch = logits.shape[-2]
        delta /= batch
        batched = is_batched(params)
        ones_row = np.ones((1, batch), dtype=delta.dtype)  # Σ over the batch as a product: faster
        grads: Params = {}
        for i in range(self.n_layers, 0, -1):
            below = activations[i - 1]
            grads[f"W{i}"] = np.swapaxes(below, -1, -2) @ delta
            bias_grad = ones_row @ delta
            grads[f"b{i}"] = bias_grad if batched else bias_grad[0]
            if i > 1:
                delta = delta @ np.swapaxes(params[f"W{i}"], -1, -2)
                if self.activation == "tanh":
                    slope = below * below
                    delta *= np.subtract(1.0, slope, out=slope)  # 1 − tanh², one temporary
                else:
                    delta *= below > 0
        ordered = {name: grads[name] for name in self.leaf_names}
        if not batched:
            return float(loss), float(accuracy), ordered
        return loss, accuracy, ordered

    def _forward(self, params: Params, X: Array) -> list[Array]:
        """Inputs, then each hidden layer's activations, then the logits."""
        dtype = params["W1"].dtype
        X = np.asarray(X, dtype=dtype)
        if X.shape[-1] != self.n_inputs:
            raise ValueError(f"the network takes {self.n_inputs} inputs, got {X.shape[-1]}")
        outputs = [X]
        for i in range(1, self.n_layers + 1):
            z = outputs[-1] @ params[f"W{i}"]
            z += params[f"b{i}"]
            if i < self.n_layers:
                z = np.tanh(z, out=z) if self.activation == "tanh" else np.maximum(z, 0.0, out=z)
            outputs.append(z)
        return outputs


# --------------------------------------------------------------------------- helpers


def _log_softmax(logits: Array) -> Array:
    # Reductions over a short class axis are slow in numpy: take the max class by
    # class and the sum as a product with ones (3x and 10x faster for 10 classes).
    top = logits[..., 0].copy()
    for c in range(1, logits.shape[-1]):
        np.maximum(top, logits[..., c], out=top)
    shifted = logits - top[..., None]
    total = np.exp(shifted) @ np.ones(logits.shape[-1], dtype=logits.dtype)
    return shifted - np.log(total)[..., None]


def _true_class_index(y: Array, logits: Array) -> tuple:
    """An index picking each example's true-class entry of ``logits`` (B, C) or (R, B, C).

    Labels (B,) are shared by every run; labels (R, B) are per run.
    """
    labels = np.asarray(y)
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be integer class indices, got dtype {labels.dtype}")
    examples = np.arange(logits.shape[-2])
    if labels.ndim == 1:
        return (Ellipsis, examples, labels)
    return (np.arange(labels.shape[0])[:, None], examples, labels)


def _cross_entropy(logits: Array, y: Array) -> tuple[Array, Array, Array, tuple]:
    """Mean cross-entropy, accuracy, the log-softmax and the true-class index."""
    true_class = _true_class_index(y, logits)
    log_probs = _log_softmax(logits)
    accuracy = (np.argmax(logits, axis=-1) == true_class[-1]).mean(axis=-1)
    # Summed in float64: float32 terms then add up exactly in any order, so a run's loss
    # does not depend on how many runs share the array.
    loss = -log_probs[true_class].mean(axis=-1, dtype=np.float64)
    return loss, accuracy, log_probs, true_class


def _unbatched(value: Array) -> Array:
    return float(value) if np.ndim(value) == 0 else value


def is_batched(params: Params) -> bool:
    """True when the params carry a leading run axis (``W1`` has three axes)."""
    return np.ndim(params["W1"]) == 3


def stack_runs(runs: list[Params]) -> Params:
    """Single networks' params → one dict with a leading run axis (biases as (R, 1, n))."""
    return {
        name: np.stack([np.asarray(run[name]).reshape(_batched_shape(run[name])) for run in runs])
        for name in runs[0]
    }


def run_params(params: Params, run: int) -> Params:
    """The params of one run of a batched dict, in single-network shapes."""
    return {
        name: (value[run, 0] if name.startswith("b") else value[run]).copy()
        for name, value in params.items()
    }


def _batched_shape(tensor: Array) -> tuple[int, ...]:
    shape = np.shape(tensor)
    return (1, *shape) if len(shape) == 1 else shape

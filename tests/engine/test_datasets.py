"""The network chapter's data: Playground's toy sets from a seed, and the UCI digits."""

from __future__ import annotations

import numpy as np
import pytest

from engine import datasets


def all_points(data: datasets.Dataset) -> tuple[np.ndarray, np.ndarray]:
    return np.concatenate([data.X_train, data.X_val]), np.concatenate([data.y_train, data.y_val])


@pytest.mark.parametrize("name", datasets.TOY_NAMES)
def test_toy_shapes_split_and_labels(name):
    data = datasets.toy(name, n_points=300, noise=0.2, seed=1, train_fraction=0.7)
    assert data.name == name and data.n_classes == 2 and data.n_features == 2
    assert (data.n_train, data.n_val) == (210, 90)
    assert data.X_train.shape == (210, 2) and data.y_val.shape == (90,)
    assert data.X_train.dtype == np.float64 and data.y_train.dtype == np.int64
    assert set(np.unique(data.y_train)) == {0, 1} and set(np.unique(data.y_val)) == {0, 1}
    assert data.bounds == datasets.TOY_BOUNDS and data.image_shape is None
    assert np.all(np.isfinite(data.X_train))


@pytest.mark.parametrize("name", datasets.TOY_NAMES)
def test_toy_same_seed_same_data_other_seed_other_data(name):
    first = datasets.toy(name, noise=0.3, seed=4)
    again = datasets.toy(name, noise=0.3, seed=4)
    other = datasets.toy(name, noise=0.3, seed=5)
    for attr in ("X_train", "y_train", "X_val", "y_val"):
        np.testing.assert_array_equal(getattr(first, attr), getattr(again, attr))
    assert not np.array_equal(first.X_train, other.X_train)


@pytest.mark.parametrize("name", ["spirals", "moons"])
def test_spirals_and_moons_are_exactly_balanced(name):
    _, y = all_points(datasets.toy(name, n_points=400, noise=0.5, seed=2))
    assert np.bincount(y).tolist() == [200, 200]


@pytest.mark.parametrize("name", datasets.TOY_NAMES)
def test_toy_sets_are_roughly_balanced_and_fill_playgrounds_box(name):
    X, y = all_points(datasets.toy(name, n_points=1000, noise=0.0, seed=0))
    assert 0.4 <= y.mean() <= 0.6
    (x0, x1), (y0, y1) = datasets.TOY_BOUNDS
    assert np.all((X[:, 0] >= x0) & (X[:, 0] <= x1) & (X[:, 1] >= y0) & (X[:, 1] <= y1))
    assert np.ptp(X, axis=0).min() > 5  # spread over the box, not a speck in it


def test_spirals_follow_playgrounds_formula():
    X, y = all_points(datasets.spirals(n_points=200, noise=0.0, seed=0))
    for label in (0, 1):
        arm = X[y == label]
        radius = np.sort(np.hypot(arm[:, 0], arm[:, 1]))
        np.testing.assert_allclose(radius, np.arange(100) / 100 * 5.0, atol=1e-12)
    # The second arm is the first turned by π: every point has its mirror image.
    positive = {tuple(np.round(p, 9)) for p in X[y == 1]}
    assert all(tuple(np.round(-p, 9) + 0.0) in positive for p in X[y == 0])


def test_spiral_noise_is_uniform_within_plus_minus_noise():
    clean, _ = all_points(datasets.spirals(n_points=200, noise=0.0, seed=0))
    noisy, _ = all_points(datasets.spirals(n_points=200, noise=0.4, seed=0))
    clean, noisy = np.sort(clean, axis=0), np.sort(noisy, axis=0)
    assert np.abs(noisy - clean).max() <= 0.4 + 1e-12


def test_circles_disc_inside_ring_and_noise_flips_labels_near_the_gap():
    X, y = all_points(datasets.circles(n_points=600, noise=0.0, seed=0))
    radius = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_array_equal(y, (radius < 2.5).astype(int))
    assert np.all((radius <= 2.5) | ((radius >= 3.5) & (radius <= 5.0)))
    assert np.bincount(y).tolist() == [300, 300]
    Xn, yn = all_points(datasets.circles(n_points=600, noise=0.3, seed=0))
    disagree = yn != (np.hypot(Xn[:, 0], Xn[:, 1]) < 2.5)
    assert 0 < disagree.sum() < 300


def test_xor_labels_by_quadrant_with_padding():
    X, y = all_points(datasets.xor(n_points=500, noise=0.0, seed=0))
    np.testing.assert_array_equal(y, (X[:, 0] * X[:, 1] >= 0).astype(int))
    assert np.abs(X).min() >= 0.3
    Xn, yn = all_points(datasets.xor(n_points=500, noise=0.3, seed=0))
    assert 0 < np.sum(yn != (Xn[:, 0] * Xn[:, 1] >= 0)) < 250


def test_moons_lie_on_their_arcs_without_noise():
    X, y = all_points(datasets.moons(n_points=200, noise=0.0, seed=0))
    unit = X / 4.0 + np.array([0.5, 0.25])  # back to scikit-learn's units
    outer, inner = unit[y == 0], unit[y == 1]
    np.testing.assert_allclose(np.hypot(outer[:, 0], outer[:, 1]), 1.0, atol=1e-12)
    np.testing.assert_allclose(np.hypot(inner[:, 0] - 1.0, inner[:, 1] - 0.5), 1.0, atol=1e-12)
    assert np.all(outer[:, 1] >= -1e-12) and np.all(inner[:, 1] <= 0.5 + 1e-12)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"noise": 0.6}, "noise"),
        ({"noise": -0.1}, "noise"),
        ({"n_points": 4}, "n_points"),
        ({"n_points": 10.5}, "whole number"),
        ({"train_fraction": 1.0}, "train_fraction"),
        ({"train_fraction": 0.0}, "train_fraction"),
    ],
)
def test_toy_refuses_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        datasets.toy("spirals", **kwargs)


def test_unknown_toy_set_is_refused_by_name():
    with pytest.raises(ValueError, match="spirals, moons, circles, xor"):
        datasets.toy("gaussian")


# --------------------------------------------------------------------------- digits


def test_digits_file_is_small_and_its_licence_is_stated():
    assert datasets.DIGITS_FILE.stat().st_size < 200_000
    readme = (datasets.DIGITS_FILE.parent / "README.md").read_text()
    assert "CC BY 4.0" in readme and "Alpaydin" in readme and "tools/make_digits.py" in readme
    assert "CC BY 4.0" in datasets.DIGITS_CITATION


def test_digits_images_are_the_uci_set():
    images, labels = datasets.digits_images()
    assert images.shape == (1797, 8, 8) and labels.shape == (1797,)
    assert images.dtype == np.uint8 and labels.dtype == np.uint8
    assert images.min() == 0 and images.max() == 16
    assert labels.min() == 0 and labels.max() == 9
    # The class counts of scikit-learn's copy of the UCI test set.
    assert np.bincount(labels).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    assert labels[:10].tolist() == list(range(10))
    with pytest.raises(ValueError):
        images[0, 0, 0] = 1  # shared, read-only


def test_digits_split_is_stratified_disjoint_and_complete():
    data = datasets.digits(validation_fraction=0.2, seed=0)
    images, labels = datasets.digits_images()
    assert (data.n_train, data.n_val) == (1438, 359)
    assert data.n_features == 64 and data.n_classes == 10 and data.image_shape == (8, 8)
    assert data.X_train.min() >= 0.0 and data.X_train.max() <= 1.0
    expected = [round(0.2 * c) for c in np.bincount(labels)]
    assert np.bincount(data.y_val, minlength=10).tolist() == expected
    # Every image is used once: match rows back to the raw pixels.
    raw = {(img.tobytes(), int(lab)) for img, lab in zip(images, labels, strict=True)}
    rows = np.concatenate([data.X_train, data.X_val]) * 16
    ys = np.concatenate([data.y_train, data.y_val])
    used = {
        (np.round(r).astype(np.uint8).reshape(8, 8).tobytes(), int(c))
        for r, c in zip(rows, ys, strict=True)
    }
    assert len(rows) == 1797 and used == raw


def test_digits_split_depends_on_the_seed_only():
    a, b, c = datasets.digits(seed=1), datasets.digits(seed=1), datasets.digits(seed=2)
    np.testing.assert_array_equal(a.X_val, b.X_val)
    assert not np.array_equal(a.y_val, c.y_val)


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.5])
def test_digits_refuses_a_split_without_both_parts(fraction):
    with pytest.raises(ValueError, match="validation_fraction"):
        datasets.digits(validation_fraction=fraction)

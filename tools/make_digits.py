"""Rebuild ``engine/data/digits.npz`` from the copy of the UCI digits scikit-learn bundles.

Run by hand (scikit-learn is never a requirement of the course):

    pip install scikit-learn
    python tools/make_digits.py

The file holds the 1,797 8×8 images of the UCI ML "Optical Recognition of Handwritten
Digits" test set (Alpaydin & Kaynak 1998, CC BY 4.0), exactly as
``sklearn.datasets.load_digits`` returns them: ``images`` uint8 (1797, 8, 8) with
pixel counts 0–16, ``labels`` uint8 (1797,) with digits 0–9, in scikit-learn's order.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

OUT = Path(__file__).resolve().parents[1] / "engine" / "data" / "digits.npz"


def main() -> None:
    bunch = load_digits()
    images = np.asarray(bunch.images)
    labels = np.asarray(bunch.target)
    # The counts are whole numbers 0–16 stored as floats: check before narrowing to uint8.
    assert images.shape == (1797, 8, 8) and labels.shape == (1797,)
    assert np.array_equal(images, np.round(images)) and images.min() >= 0 and images.max() <= 16
    assert set(np.unique(labels)) == set(range(10))
    np.savez_compressed(OUT, images=images.astype(np.uint8), labels=labels.astype(np.uint8))
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()

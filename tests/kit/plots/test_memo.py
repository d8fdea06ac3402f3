"""memo_figure: equal inputs give back the same figure, any change rebuilds it."""

import numpy as np
import plotly.graph_objects as go

from engine import landscapes
from kit.plots.memo import MEMO_SIZE, memo_count, memo_figure
from kit.state import landscape_of


def counting_builder():
    calls = []

    def build(values, *, title=None, loss_fn=None):
        calls.append(title)
        return go.Figure(go.Bar(y=np.asarray(values, dtype=float)))

    return build, calls


def test_equal_inputs_reuse_the_figure_and_changes_rebuild():
    build, calls = counting_builder()
    first = memo_figure(build, np.array([1.0, 2.0]), title="t")
    again = memo_figure(build, np.array([1.0, 2.0]), title="t")  # a new, equal array
    assert again is first and len(calls) == 1
    changed = memo_figure(build, np.array([1.0, 2.5]), title="t")
    assert changed is not first and len(calls) == 2
    retitled = memo_figure(build, np.array([1.0, 2.0]), title="other")
    assert retitled is not first and len(calls) == 3
    nan = memo_figure(build, np.array([np.nan, 1.0]), title=float("nan"))
    assert memo_figure(build, np.array([np.nan, 1.0]), title=float("nan")) is nan


def test_keys_tell_types_and_dtypes_apart():
    build, calls = counting_builder()
    memo_figure(build, np.array([1, 2], dtype=np.int64), title="t")
    memo_figure(build, np.array([1, 2], dtype=np.float64), title="t")
    memo_figure(build, [1, 2], title="t")
    memo_figure(build, [1.0, 2.0], title="t")
    assert len(calls) == 4


def test_dataclasses_and_landscape_methods_count_by_content():
    build, calls = counting_builder()
    noisy = landscape_of("ravine", (0.5, 4, 1))
    first = memo_figure(build, [1.0], title="t", loss_fn=noisy.loss)
    same = memo_figure(build, [1.0], title="t", loss_fn=landscape_of("ravine", (0.5, 4, 1)).loss)
    assert same is first and len(calls) == 1
    memo_figure(build, [1.0], title="t", loss_fn=landscape_of("ravine", (0.6, 4, 1)).loss)
    memo_figure(build, [1.0], title="t", loss_fn=landscapes.get("bowl").loss)
    assert len(calls) == 3


def test_unkeyable_inputs_just_build():
    build, calls = counting_builder()
    memo_figure(build, [1.0], title=frozenset({1, 2}))  # hashable: memoised
    memo_figure(build, [1.0], title=frozenset({1, 2}))
    assert len(calls) == 1
    unhashable = bytearray(b"x")
    memo_figure(build, [1.0], title=unhashable)
    memo_figure(build, [1.0], title=unhashable)
    assert len(calls) == 3


def test_the_store_stays_bounded():
    build, _ = counting_builder()
    for i in range(MEMO_SIZE + 10):
        memo_figure(build, [float(i)], title="bounded")
    assert memo_count() <= MEMO_SIZE

"""Figures reused across reruns and sessions when their inputs are equal."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import fields, is_dataclass
from typing import Any

import numpy as np
import plotly.graph_objects as go

_MEMO: dict[Any, tuple[go.Figure, list[Any]]] = {}  # insertion order = least recent first
MEMO_SIZE = 64  # figures kept (about 0.15 MB each, a few hundred KB at most)
_MEMO_LOCK = threading.Lock()


def _memo_key(value: Any, keep: list[Any]) -> Any:
    """A hashable stand-in for ``value``, equal exactly when the content is.

    Arrays count by dtype, shape and a digest of their bytes, dataclasses by their
    fields, containers by their items, floats by ``repr`` (so NaN matches NaN and -0.0
    differs from 0.0). A bound method counts by its function and its object: a dataclass
    (a landscape) by its fields, anything else by identity, kept alive in ``keep`` so
    that identity cannot be reused.
    """
    if isinstance(value, float):
        return (type(value), repr(value))
    if value is None or isinstance(value, bool | int | str | bytes):
        return (type(value), value)
    if isinstance(value, np.ndarray | np.generic):
        a = np.asarray(value)
        if a.dtype.hasobject:
            return ("object array", a.shape, _memo_key(a.tolist(), keep))
        digest = hashlib.blake2b(np.ascontiguousarray(a).tobytes(), digest_size=16).digest()
        return ("array", a.dtype.str, a.shape, digest)
    if isinstance(value, list | tuple):
        return (type(value), tuple(_memo_key(v, keep) for v in value))
    if isinstance(value, dict):
        return (dict, tuple((_memo_key(k, keep), _memo_key(v, keep)) for k, v in value.items()))
    if is_dataclass(value) and not isinstance(value, type):
        return (type(value), tuple(_memo_key(getattr(value, f.name), keep) for f in fields(value)))
    owner = getattr(value, "__self__", None)
    if owner is not None and hasattr(value, "__func__"):  # a bound method, e.g. land.loss
        if is_dataclass(owner) and not isinstance(owner, type):  # by content, like an argument
            return ("method", value.__func__, _memo_key(owner, keep))
        keep.append(owner)
        return ("method", value.__func__, id(owner))
    hash(value)  # anything else must be hashable (a function counts by identity)
    keep.append(value)
    return (type(value), value)


def memo_figure(build: Callable[..., go.Figure], /, *args: Any, **kwargs: Any) -> go.Figure:
    """``build(*args, **kwargs)``, reusing the figure built from equal inputs before.

    Building a Plotly figure costs milliseconds to tens of milliseconds (plotly
    validates every property), and most figures on a page are unchanged by a rerun.
    Figures are kept by content (see :func:`_memo_key`) in a small least-recently-used
    store shared by all sessions, so a returned figure is read-only: ``st.plotly_chart``
    only reads it. Inputs that cannot be keyed are simply built. Unpickling a figure
    (``st.cache_data``) re-validates it and costs about as much as building it.
    """
    keep: list[Any] = []
    try:
        key = (build, _memo_key(args, keep), _memo_key(kwargs, keep))
        hash(key)
    except (TypeError, RecursionError):
        return build(*args, **kwargs)
    with _MEMO_LOCK:
        hit = _MEMO.pop(key, None)
        if hit is not None:
            _MEMO[key] = hit  # now the most recently used
            return hit[0]
    fig = build(*args, **kwargs)
    with _MEMO_LOCK:
        _MEMO[key] = (fig, keep)
        while len(_MEMO) > MEMO_SIZE:
            del _MEMO[next(iter(_MEMO))]
    return fig


def memo_count() -> int:
    """How many figures the store holds now (at most :data:`MEMO_SIZE`)."""
    with _MEMO_LOCK:
        return len(_MEMO)

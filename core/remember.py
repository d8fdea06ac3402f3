"""Quiz progress that survives a browser reload.

Streamlit's session state lives as long as the tab's connection, so a reload starts an
empty session. The progress is therefore also kept in a cookie in the learner's own
browser (nothing is stored on the server): compressed, it is the same document the
progress page exports, and it passes the same validator when a new session reads it
back. A damaged, foreign or oversized cookie is ignored, never shown as an error.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from collections.abc import Mapping, MutableMapping
from typing import Any

import streamlit as st

from core.progress import (
    COURSE_ID,
    EXPORT_VERSION,
    MAX_IMPORT_BYTES,
    PROGRESS_KEY,
    Known,
    parse_progress,
    progress_of,
)
from core.quiz import known_questions

COOKIE_NAME = "optimizers_progress"
MAX_COOKIE_CHARS = 3800  # browsers keep about 4096 bytes per cookie, name and flags included
KEEP_SECONDS = 365 * 24 * 3600
RESTORE_DONE = "progress::restore-done"  # a session looks at the cookie once, at its start

Progress = dict[str, dict[str, dict[str, Any]]]


def encode(progress: Mapping[str, Any]) -> str:
    """The progress as an export document, compressed, in cookie-safe base64url."""
    doc = {"course": COURSE_ID, "version": EXPORT_VERSION, "progress": progress}
    raw = json.dumps(doc, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode("ascii").rstrip("=")


def decode(value: str, known: Known | None = None) -> Progress | None:
    """The progress in a cookie value, or None when it is not a valid one."""
    if not isinstance(value, str) or not value or len(value) > MAX_COOKIE_CHARS:
        return None
    try:
        packed = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
        inflate = zlib.decompressobj()
        raw = inflate.decompress(packed, MAX_IMPORT_BYTES + 1)  # never inflate a bomb
        if inflate.unconsumed_tail or not inflate.eof:
            return None
        return parse_progress(raw, known)
    except (ValueError, binascii.Error, zlib.error):
        return None


def restore(
    store: MutableMapping[str, Any], cookies: Mapping[str, str], known: Known | None = None
) -> bool:
    """At a session's first run, take the progress from the cookie if the session has
    none yet. Later runs (and a learner's own reset) are left alone. True if restored."""
    if store.get(RESTORE_DONE):
        return False
    store[RESTORE_DONE] = True
    if progress_of(store):
        return False
    restored = decode(cookies.get(COOKIE_NAME, ""), known)
    if not restored:
        return False
    store[PROGRESS_KEY] = restored
    return True


def cookie_script(progress: Mapping[str, Any]) -> str | None:
    """A script that writes the progress into the cookie (None if it would not fit)."""
    value = encode(progress)
    if len(value) > MAX_COOKIE_CHARS:
        return None
    return (
        f"<script>document.cookie = '{COOKIE_NAME}={value}; path=/; "
        f"max-age={KEEP_SECONDS}; SameSite=Lax';</script>"
    )


def restore_progress() -> None:
    """On a new session, take the progress from the cookie (before anything shows it)."""
    restore(st.session_state, st.context.cookies, known_questions())


def keep_progress() -> None:
    """Keep the cookie current, at the end of every run (after this run's answers).

    The script element only changes, and so only runs, when the progress does.
    """
    script = cookie_script(progress_of(st.session_state))
    if script is not None:
        with st.sidebar:
            st.html(script, unsafe_allow_javascript=True)

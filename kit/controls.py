"""Reusable Streamlit widgets whose values survive page switches.

Every widget here takes a :class:`kit.state.PageState` and a short name; its key is
``ps.key(name)`` and it is created with ``persist_state="session"`` (see
:func:`persistent`), so leaving the page and coming back finds the same value
(Streamlit otherwise drops the state of widgets that were not rendered in the last run).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

from kit import own_landscape
from kit import state as run_state
from kit.format import format_rate
from kit.options import log_options, nearest_option
from kit.state import PageState


def page_state(page: str) -> PageState:
    """The live session (``st.session_state``) seen through ``page``'s namespace."""
    return PageState(page, st.session_state)


def persistent(ps: PageState, name: str) -> dict[str, str]:
    """A widget's ``key`` and ``persist_state`` arguments: its value, stored under the
    page's key for ``name``, survives leaving the page and coming back.

    Usage: ``st.slider("β", 0.0, 0.99, key=..., ...)`` becomes
    ``st.slider("β", 0.0, 0.99, **persistent(ps, "beta"))``.
    """
    return {"key": ps.key(name), "persist_state": "session"}


def forget_stale(ps: PageState, name: str, options: Sequence[Any]) -> None:
    """Drop widget ``name``'s stored value when it is no longer one of ``options`` (a
    value from an older grid would make Streamlit raise)."""
    key = ps.key(name)
    if key in st.session_state and st.session_state[key] not in options:
        del st.session_state[key]


def option_slider(
    ps: PageState,
    name: str,
    label: str,
    options: Sequence[Any],
    *,
    default: Any,
    format_func: Callable[[Any], str] | None = None,
    help: str | None = None,
) -> Any:
    """A select-slider over fixed ``options`` whose value survives page switches."""
    options = list(options)
    forget_stale(ps, name, options)
    formatting = {} if format_func is None else {"format_func": format_func}
    return st.select_slider(
        label, options=options, value=default, help=help, **formatting, **persistent(ps, name)
    )


def log_slider(
    ps: PageState,
    name: str,
    label: str,
    *,
    low: float,
    high: float,
    default: float,
    extra: Sequence[float] = (),
    help: str | None = None,
    on_change: Callable[[], None] | None = None,
) -> float:
    """A select-slider over a log grid (for η, ε, λ …). Returns the chosen value."""
    options = log_options(low, high, extra)
    forget_stale(ps, name, options)
    return st.select_slider(
        label,
        options=options,
        value=nearest_option(options, default),
        format_func=format_rate,
        help=help,
        on_change=on_change,
        **persistent(ps, name),
    )


def lr_slider(
    ps: PageState,
    name: str = "lr",
    *,
    low: float = 0.001,
    high: float = 1.5,
    default: float = 0.1,
    extra: Sequence[float] = (0.9, 1.1),
    label: str = "Learning rate η (log scale)",
    help: str | None = "Step size. The grid is logarithmic: each notch is about ×1.5.",
) -> float:
    """The course's learning-rate slider (log scale, about 0.001–1.5)."""
    return log_slider(ps, name, label, low=low, high=high, default=default, extra=extra, help=help)


def choice(
    ps: PageState,
    name: str,
    label: str,
    options: Sequence[Any],
    *,
    default: Any = None,
    format_func: Callable[[Any], str] = str,
    help: str | None = None,
    on_change: Callable[[], None] | None = None,
) -> Any:
    """A single-choice segmented control that always has a value."""
    options = list(options)
    forget_stale(ps, name, options)
    value = st.segmented_control(
        label,
        options,
        default=default if default in options else options[0],
        format_func=format_func,
        help=help,
        required=True,
        on_change=on_change,
        **persistent(ps, name),
    )
    return value if value in options else options[0]


def landscape_picker(
    ps: PageState,
    names: Sequence[str],
    *,
    name: str = "landscape",
    default: str | None = None,
    label: str = "Landscape",
) -> str:
    """Pick a landscape by its title; returns the engine name."""
    return choice(
        ps,
        name,
        label,
        names,
        default=default or names[0],
        format_func=own_landscape.title,  # built-in titles, and "Your formula"
    )


def view_toggle(ps: PageState, name: str = "view") -> str:
    """2-D contour or 3-D surface; returns ``"2d"`` or ``"3d"``."""
    return choice(
        ps,
        name,
        "View",
        ["2d", "3d"],
        format_func=lambda v: {"2d": "2-D contour", "3d": "3-D surface"}[v],
    )


def number(
    ps: PageState,
    name: str,
    label: str,
    *,
    min_value: float | int,
    max_value: float | int,
    default: float | int,
    step: float | int | None = None,
    help: str | None = None,
    format: str | None = None,
) -> float | int:
    """A persistent number input clamped to [min_value, max_value]."""
    return st.number_input(
        label,
        min_value=min_value,
        max_value=max_value,
        value=default,
        step=step,
        help=help,
        format=format,
        **persistent(ps, name),
    )


# --------------------------------------------------------------------------- run buttons


@dataclass(frozen=True)
class Action:
    """One button of a row: what it says and what it does (as a callback)."""

    label: str
    slug: str  # the button's key is the page's "<key_prefix>btn:<slug>"
    on_click: Callable[[], None]
    icon: str
    help: str
    primary: bool = False


# Play must be seen to play. The server computes the stretch at once (so the final state
# is exactly N Steps and the buffers, Step counter and Reset work as before) and the chart
# carries it as Plotly frames; this script, installed once per browser tab, presses the
# chart's own ▶ when the rerun that a Play (or Drop ball) click started has drawn it, so
# the ball glides along the new stretch and rests at the final state. Only charts in the
# same section as the clicked button, after it, are played. No server round trip is
# involved in the animation itself; with JavaScript off the chart simply shows the end.
AUTOPLAY_LABEL = re.compile(r"^(Play \d+|Drop ball)$")
AUTOPLAY_SCRIPT = """
<script>
(() => {
  const me = document.currentScript;
  const box = me && me.closest('[data-testid="stElementContainer"]');
  if (box) box.style.display = 'none';  // takes no room in the button row
  if (window.__coursePlayWatcher) return;
  window.__coursePlayWatcher = true;
  const LABEL = /(^|\\s)(Play \\d+|Drop ball)$/;  // after the icon's ligature text
  const app = () => document.querySelector('[data-testid="stApp"]');
  const idle = () => { const a = app(); return !a || a.dataset.testScriptState !== 'running'; };
  const playable = gd => Array.from(gd.querySelectorAll('.updatemenu-button'))
      .find(b => (b.textContent || '').trim() === '\u25b6 1\u00d7');
  function section(button) {
    // The nearest block around the button that holds a chart with playback.
    let node = button.parentElement;
    while (node && node.dataset.testid !== 'stMain') {
      if (node.querySelector('.js-plotly-plot .updatemenu-button')) return node;
      node = node.parentElement;
    }
    return null;
  }
  function play(button) {
    const charts = [];
    const block = section(button);
    if (!block) return;
    block.querySelectorAll('.js-plotly-plot').forEach(gd => {
      if (!(button.compareDocumentPosition(gd) & Node.DOCUMENT_POSITION_FOLLOWING)) return;
      const control = playable(gd);
      if (!control) return;
      if (gd._transitionData) gd._transitionData._currentFrame = null;  // from the start
      control.dispatchEvent(new MouseEvent('click', {bubbles: true}));
      charts.push(gd);
    });
    window.__coursePlayed = (window.__coursePlayed || 0) + charts.length;
  }
  document.addEventListener('click', event => {
    const button = event.target.closest && event.target.closest('button');
    if (!button || !LABEL.test((button.innerText || '').trim())) return;
    const clicked = performance.now();
    let sawRun = !idle(), quietSince = null;
    // A rerun can start and end between two polls: watch the state attribute itself.
    const watch = new MutationObserver(() => { if (!idle()) sawRun = true; });
    if (app()) watch.observe(app(), {attributes: true, attributeFilter: ['data-test-script-state']});
    const timer = setInterval(() => {
      const now = performance.now();
      if (!idle()) { sawRun = true; quietSince = null; return; }
      // The rerun has ended (or never showed): give Plotly a moment to draw, then play.
      if (!sawRun && now - clicked < 800) return;
      if (quietSince === null) { quietSince = now; return; }
      if (now - quietSince < 250) return;
      clearInterval(timer);
      watch.disconnect();
      if (button.isConnected) play(button);
    }, 40);
  }, true);
})();
</script>
"""


def install_autoplay() -> None:
    """Make every Play / Drop ball button on the page animate its section's chart (see
    :data:`AUTOPLAY_SCRIPT`); the element is hidden and runs its script once per tab."""
    st.html(AUTOPLAY_SCRIPT, unsafe_allow_javascript=True)


def action_buttons(ps: PageState, actions: Sequence[Action], *, key_prefix: str = "") -> None:
    """A row of buttons. They act in callbacks, so the figures drawn in the same script
    run already show the result. A Play or Drop ball button also animates its chart
    (:func:`install_autoplay`)."""
    if any(AUTOPLAY_LABEL.match(action.label) for action in actions):
        install_autoplay()
    with st.container(horizontal=True, gap="small"):
        for action in actions:
            st.button(
                action.label,
                key=ps.key(f"{key_prefix}btn:{action.slug}"),
                on_click=action.on_click,
                icon=action.icon,
                type="primary" if action.primary else "secondary",
                help=action.help,
            )


def step_play_reset(
    on_step: Callable[[], None],
    on_play: Callable[[], None],
    on_reset: Callable[[], None],
    *,
    play_steps: int,
    helps: tuple[str, str, str],
    step_primary: bool = False,
) -> list[Action]:
    """The course's Step / Play N / Reset buttons (``helps``: their three tooltips)."""
    step_help, play_help, reset_help = helps
    return [
        Action("Step", "step", on_step, ":material/skip_next:", step_help, step_primary),
        Action(f"Play {play_steps}", "play", on_play, ":material/play_arrow:", play_help),
        Action("Reset", "reset", on_reset, ":material/restart_alt:", reset_help),
    ]


def run_buttons(
    ps: PageState,
    run_names: Sequence[str],
    *,
    play_steps: int = 40,
    drop_ball: bool = True,
    key_prefix: str = "",
) -> None:
    """Step / Play / Reset (and optionally Drop ball) acting on the page's stored runs.

    Several ``run_names`` move together (side-by-side comparisons).

    - **Drop ball**: back to the start, then Play.
    - **Step**: one update.
    - **Play**: ``play_steps`` more updates, which the chart then plays (see
      :func:`install_autoplay`).
    - **Reset**: back to the start with fresh buffers.
    """

    def apply(fn: Callable[[run_state.Run], run_state.Run]) -> None:
        for name in run_names:
            run = ps.run(name)
            if run is not None:
                ps.update_run(name, fn(run))

    drop = Action(
        "Drop ball",
        "drop",
        lambda: apply(lambda r: run_state.advance(run_state.restart(r), play_steps, play=True)),
        ":material/sports_volleyball:",
        "Put the ball at the start and run a stretch of steps",
        primary=True,
    )
    actions = step_play_reset(
        lambda: apply(lambda r: run_state.advance(r, 1)),
        lambda: apply(lambda r: run_state.advance(r, play_steps, play=True)),
        lambda: apply(run_state.restart),
        play_steps=play_steps,
        helps=(
            "One update",
            f"Compute {play_steps} more updates and watch the ball take them (▶ on the "
            "chart replays them)",
            "Back to the start, with fresh buffers",
        ),
    )
    action_buttons(ps, [drop, *actions] if drop_ball else actions, key_prefix=key_prefix)


# --------------------------------------------------------------------------- step scrubber


def step_scrubber(
    ps: PageState,
    name: str,
    n_steps: int,
    *,
    label: str = "Step",
    default: int = 1,
    help: str | None = None,
) -> int:
    """A step slider (1…``n_steps``) with Back / Step / Reset buttons; returns the step.

    For a precomputed sequence (Adam's internals over a gradient sequence, a decay
    comparison): Step and Back move the selected step by one, Reset goes back to step 1,
    and the value survives page switches. A stored step beyond ``n_steps`` (the
    sequence got shorter) is clamped.
    """
    n_steps = max(int(n_steps), 1)
    key = ps.key(name)

    def clamp(value: Any) -> int:
        try:
            return min(max(int(value), 1), n_steps)
        except (TypeError, ValueError):
            return min(max(int(default), 1), n_steps)

    st.session_state[key] = clamp(st.session_state.get(key, default))

    def move(delta: int) -> None:
        st.session_state[key] = clamp(st.session_state.get(key, default) + delta)

    def reset() -> None:
        st.session_state[key] = 1

    current = st.session_state[key]
    with st.container(horizontal=True, gap="small", vertical_alignment="bottom"):
        st.button(
            "Back",
            key=ps.key(f"{name}:back"),
            icon=":material/skip_previous:",
            on_click=move,
            args=(-1,),
            disabled=current <= 1,
            help="One step earlier",
        )
        st.button(
            "Step",
            key=ps.key(f"{name}:step"),
            icon=":material/skip_next:",
            on_click=move,
            args=(1,),
            disabled=current >= n_steps,
            help="One step later",
        )
        st.button(
            "Reset",
            key=ps.key(f"{name}:reset"),
            icon=":material/restart_alt:",
            on_click=reset,
            help="Back to step 1",
        )
    if n_steps == 1:
        return 1
    return int(
        st.slider(
            label,
            min_value=1,
            max_value=n_steps,
            step=1,
            help=help,
            **persistent(ps, name),
        )
    )


def try_buttons(
    ps: PageState,
    key_prefix: str,
    labels: Mapping[str, str],
    on_pick: Callable[[str], None],
    *,
    title: str | None = "Try:",
    icon: str = ":material/bolt:",
) -> None:
    """A row of preset buttons (after a bold ``title``); clicking one calls ``on_pick(name)``
    as a callback, so the preset is in place before the widgets below it are drawn."""
    with st.container(horizontal=True, gap="small"):
        if title:
            st.markdown(f"**{title}**")
        for name, label in labels.items():
            st.button(
                label,
                key=ps.key(f"{key_prefix}preset:{name}"),
                on_click=on_pick,
                args=(name,),
                icon=icon,
            )

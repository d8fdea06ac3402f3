"""The progress page's sections: the overview, retrying a chapter, keeping or restoring
progress as a file, and starting over. The rules live in :mod:`core.progress` (pure,
tested); these only arrange them. Widget keys are the page's (``progress::…``).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import progress, quiz
from core.nav import chapter_score, score_text
from core.progress import ChapterScore
from core.toc import CHAPTERS, Chapter
from kit.controls import page_state

STATE = page_state("progress")
# The uploader's own limit, in MB. Streamlit's browser side refuses a bigger file with only
# a small red mark, so the limit is generous: any plausible mistake (a 5 MB file picked by
# accident) reaches the page, which refuses it with a sentence, and the caption under the
# uploader states both limits up front.
UPLOAD_LIMIT_MB = 20


def upload_limits_sentence() -> str:
    """The size limits, said where the learner picks the file."""
    return (
        f"A progress file is a few kB. Files over {progress.MAX_IMPORT_BYTES / 1000:,.0f} kB "
        f"are refused with a message; files over {UPLOAD_LIMIT_MB} MB cannot be uploaded "
        "at all."
    )


def reset_key(number: int) -> str:
    """The key of chapter ``number``'s Clear and retry button."""
    return STATE.key(f"reset::{number}")


def scores() -> dict[int, ChapterScore]:
    """Every chapter's quiz score in this session."""
    return {ch.number: chapter_score(ch.number) for ch in CHAPTERS}


def status(score: progress.ChapterScore) -> str:
    if not score.total:
        return "no quiz yet"
    if score.done:
        return "complete"
    return "in progress" if score.started else "not started"


def overview(scores: dict[int, ChapterScore]) -> None:
    """Overall progress, three totals and a table of every chapter's score."""
    with_quiz = [ch for ch in CHAPTERS if scores[ch.number].total]
    total = sum(scores[ch.number].total for ch in with_quiz)
    correct = sum(scores[ch.number].correct for ch in with_quiz)
    attempts = sum(scores[ch.number].attempts for ch in with_quiz)
    complete = sum(scores[ch.number].done for ch in with_quiz)

    st.progress(
        correct / total if total else 0.0,
        text=f"Overall: {correct} of {total} questions answered correctly"
        + (f" ({correct / total:.0%})" if total else ""),
    )
    c1, c2, c3 = st.columns(3)
    c1.metric("Chapters complete", f"{complete} of {len(with_quiz)}")
    c2.metric("Questions right", f"{correct} of {total}")
    c3.metric("Answers checked", f"{attempts}")

    table = pd.DataFrame(
        [
            {
                "Chapter": ch.label,
                "Progress": round(100 * scores[ch.number].correct / scores[ch.number].total)
                if scores[ch.number].total
                else 0,
                "Score": score_text(scores[ch.number]),
                "Answered": f"{scores[ch.number].answered}/{scores[ch.number].total}"
                if scores[ch.number].total
                else "—",
                "Attempts": scores[ch.number].attempts,
                "Status": status(scores[ch.number]),
            }
            for ch in CHAPTERS
        ]
    )
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={
            "Progress": st.column_config.ProgressColumn(
                "Progress",
                help="Share of the chapter's questions answered correctly",
                format="%d%%",
                min_value=0,
                max_value=100,
            ),
        },
    )


def reset_chapter(number: int) -> None:
    progress.reset_chapter(st.session_state, number)
    for spec in quiz.load_quiz(number):  # fresh attempts, fresh numbers
        st.session_state.pop(quiz.slot_key(number, spec.id), None)
    st.session_state[STATE.key("import-result")] = (
        True,
        f"Chapter {number} cleared: its quiz is fresh again.",
    )


def reset_everything() -> None:
    for ch in CHAPTERS:
        reset_chapter(ch.number)
    progress.reset_all(st.session_state)
    st.session_state[STATE.key("confirm-reset")] = False
    st.session_state[STATE.key("import-result")] = (True, "All progress cleared.")


def restore_from_upload() -> None:
    uploaded = st.session_state.get(STATE.key("upload"))
    data = uploaded.getvalue() if uploaded is not None else None
    result = progress.handle_import(st.session_state, data, quiz.known_questions())
    st.session_state[STATE.key("import-result")] = (result.ok, result.message)


def undo_restore() -> None:
    if progress.undo_import(st.session_state):
        st.session_state[STATE.key("import-result")] = (
            True,
            "The import was undone: your earlier progress is back.",
        )


def last_result() -> None:
    """The message of the last reset or import, shown once."""
    message = st.session_state.pop(STATE.key("import-result"), None)
    if message:
        (st.success if message[0] else st.error)(message[1])


def retry(scores: dict[int, ChapterScore]) -> None:
    """A link to each chapter with a quiz, and Clear and retry for those started."""
    with_quiz: list[Chapter] = [ch for ch in CHAPTERS if scores[ch.number].total]
    st.subheader("Retry a chapter")
    st.markdown(
        "Clearing a chapter forgets its answers, so each question can be tried again (the "
        "ones marked with a die come back with new numbers). The quiz is at the end of each "
        "chapter's page."
    )
    for ch in with_quiz:
        score = scores[ch.number]
        with st.container(horizontal=True, vertical_alignment="center", gap="small"):
            st.page_link(
                ch.file,
                label=f"{ch.label} · {score_text(score)}",
                icon=":material/check_circle:" if score.done else ch.icon,
            )
            if score.started:
                st.button(
                    "Clear and retry",
                    key=reset_key(ch.number),
                    on_click=reset_chapter,
                    args=(ch.number,),
                    icon=":material/replay:",
                    type="tertiary",
                )


def keep_or_restore() -> None:
    """Download the progress as a file, upload one (validated first), undo an import."""
    st.subheader("Keep or restore your progress")
    st.caption(
        "This browser keeps your progress in a cookie, so reloading the page does not lose it; "
        "nothing is stored on the server. Resetting here clears it too. To carry your progress "
        "to another browser or computer, download the file and upload it there."
    )
    left, right = st.columns(2, gap="large")
    with left:
        st.markdown("**Download** a file with every answer's result, to upload later.")
        st.download_button(
            "Download progress (JSON)",
            data=progress.export_progress(st.session_state),
            file_name="optimizers-progress.json",
            mime="application/json",
            icon=":material/download:",
            key=STATE.key("download"),
        )
    with right:
        st.markdown("**Upload** a file downloaded here before. It replaces your current progress.")
        uploaded = st.file_uploader(
            "Progress file",
            type=["json"],
            key=STATE.key("upload"),
            max_upload_size=UPLOAD_LIMIT_MB,
            help="Only files exported by this page are accepted.",
        )
        st.caption(upload_limits_sentence())
        if uploaded is not None:
            try:
                incoming = progress.parse_progress(uploaded.getvalue(), quiz.known_questions())
            except ValueError as exc:
                st.error(progress.refusal_message(exc))
            else:
                totals = progress.summarize(incoming)
                st.info(
                    f"This file holds {totals['answered']} answered questions "
                    f"({totals['correct']} correct) across {totals['chapters']} chapters."
                )
                st.button(
                    "Replace my progress with this file",
                    key=STATE.key("restore"),
                    on_click=restore_from_upload,
                    icon=":material/upload:",
                    type="primary",
                )
        if isinstance(st.session_state.get(progress.UNDO_KEY), dict):
            st.button(
                "Undo the last import",
                key=STATE.key("undo-import"),
                on_click=undo_restore,
                icon=":material/undo:",
            )


def start_over(scores: dict[int, ChapterScore]) -> None:
    """Reset all progress, after a confirmation."""
    st.subheader("Start over")
    if not st.session_state.get(STATE.key("confirm-reset")):
        st.button(
            "Reset all progress…",
            icon=":material/delete:",
            key=STATE.key("reset-all"),
            on_click=lambda: st.session_state.__setitem__(STATE.key("confirm-reset"), True),
            disabled=not any(scores[ch.number].started for ch in CHAPTERS),
        )
    else:
        st.warning(
            "This forgets every answer in every chapter. Download your progress first if you "
            "might want it back.",
            icon=":material/warning:",
        )
        with st.container(horizontal=True, gap="small"):
            st.button(
                "Yes, reset everything",
                key=STATE.key("reset-all-confirm"),
                on_click=reset_everything,
                type="primary",
            )
            st.button(
                "Cancel",
                key=STATE.key("reset-all-cancel"),
                on_click=lambda: st.session_state.__setitem__(STATE.key("confirm-reset"), False),
            )

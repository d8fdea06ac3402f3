"""Navigation pieces every page shares: the page list, headers, prev/next links and the
sidebar progress. All read :mod:`core.toc`.
"""

from __future__ import annotations

import streamlit as st

from core import progress, quiz
from core.toc import CHAPTERS, PROGRESS_PAGE, SECTIONS, Chapter, chapter, neighbours


def build_pages() -> dict[str, list[st.Page]]:
    """``st.navigation``'s input: pages grouped by section, chapter 0 the default (served
    at the root and at its own url_path)."""
    sections: dict[str, list[st.Page]] = {name: [] for name in SECTIONS}
    for ch in CHAPTERS:
        default = ch.number == 0
        sections[ch.section].append(
            st.Page(
                ch.file,
                title=ch.label,
                icon=ch.icon,
                # Streamlit serves the default page at the root and answers "page not
                # found" at its url_path, so the root gets it and an alias (below) takes
                # the chapter's own address.
                url_path="" if default else ch.url_path,
                default=default,
            )
        )
    # Chapter 0 also at its natural address, /landscape: a hidden page running the same
    # script. It comes after the visible one, so links by file (st.page_link,
    # st.switch_page) still go to the root.
    home = chapter(0)
    sections[home.section].append(
        st.Page(
            home.file,
            title=home.label,
            icon=home.icon,
            url_path=home.url_path,
            visibility="hidden",
        )
    )
    sections[PROGRESS_PAGE["section"]].append(
        st.Page(
            PROGRESS_PAGE["file"],
            title=PROGRESS_PAGE["title"],
            icon=PROGRESS_PAGE["icon"],
            url_path=PROGRESS_PAGE["url_path"],
        )
    )
    return {name: pages for name, pages in sections.items() if pages}


def chapter_score(number: int) -> progress.ChapterScore:
    return progress.chapter_score(st.session_state, number, quiz.question_ids(number))


def chapter_header(number: int) -> Chapter:
    """Title and hook of a chapter page; returns the chapter for later use."""
    ch = chapter(number)
    st.title(f"Chapter {ch.number} · {ch.title}")
    st.markdown(f"*{ch.hook}*")
    return ch


def prev_next_links(number: int) -> None:
    """Links to the previous and next chapter (and the progress page after the last)."""
    prev_ch, next_ch = neighbours(number)
    st.divider()
    left, right = st.columns(2)
    with left:
        if prev_ch is not None:
            st.page_link(
                prev_ch.file,
                label=f"Previous: {prev_ch.label}",
                icon=":material/arrow_back:",
            )
    with right:
        if next_ch is not None:
            st.page_link(
                next_ch.file, label=f"Next: {next_ch.label}", icon=":material/arrow_forward:"
            )
        else:
            st.page_link(
                PROGRESS_PAGE["file"],
                label="Your progress",
                icon=":material/insights:",
            )


def score_text(score: progress.ChapterScore) -> str:
    """“3/5”, “5/5 ✓” or “—” (no quiz yet)."""
    if score.total == 0:
        return "—"
    return f"{score.correct}/{score.total}" + (" ✓" if score.done else "")


def sidebar_progress() -> None:
    """Quiz score per chapter in the sidebar, under the navigation."""
    with st.sidebar:
        scores = [(ch, chapter_score(ch.number)) for ch in CHAPTERS]
        with_quiz = [s for _, s in scores if s.total]
        correct = sum(s.correct for s in with_quiz)
        total = sum(s.total for s in with_quiz)
        st.markdown("**Quiz progress**")
        st.progress(correct / total if total else 0.0, text=f"{correct} of {total} questions")
        lines = [
            f"{'✅' if s.done else ('◐' if s.started else '○')} {ch.number} · {ch.title} — {score_text(s)}"
            for ch, s in scores
            if s.total
        ]
        st.caption("  \n".join(lines))

"""A chapter's quiz on its page: pick an option, Check, read every option explained, Retry.

The questions, their grading and their session keys are :mod:`core.quiz`; the scores
go to :mod:`core.progress`.
"""

from __future__ import annotations

import streamlit as st

from core import progress, quiz


def render_quiz(chapter: int, *, title: str = "Check your understanding") -> None:
    """Draw the chapter's quiz: pick an option, Check, see every option explained, Retry.

    Per-question attempt state lives under :func:`core.quiz.slot_key` in the session;
    scores go to :mod:`core.progress` so the sidebar and the Progress page see them. The
    chapter's generators must be registered first (its page imports its ``quiz`` module).
    """
    specs = quiz.load_quiz(chapter)
    if not specs:
        return
    st.header(title, anchor="quiz")
    score = progress.chapter_score(st.session_state, chapter, [s.id for s in specs])
    st.caption(
        f"{score.correct} of {score.total} answered correctly"
        + (" · chapter complete ✓" if score.done else "")
        + ". Questions marked :material/casino: get new numbers on every attempt."
    )
    for number, spec in enumerate(specs, start=1):
        _render_question(chapter, number, spec)


def _render_question(chapter: int, number: int, spec: quiz.QuestionSpec) -> None:
    slot_key = quiz.slot_key(chapter, spec.id)
    slot = st.session_state.get(slot_key)
    if not isinstance(slot, dict):
        slot = {"seed": quiz.fresh_seed(), "attempt": 0, "graded": None}
        st.session_state[slot_key] = slot
    try:
        question = spec.build(slot["seed"])
        quiz.validate(question)
    except Exception as exc:  # a generator bug must not take the page down
        st.warning(f"Question {number} could not be built ({exc}).")
        return
    radio_key = quiz.widget_key(chapter, spec.id, "choice", slot["attempt"])

    def on_check() -> None:
        chosen = st.session_state.get(radio_key)
        result = quiz.grade(question, chosen)
        if result is None:
            st.session_state[slot_key] = {**slot, "graded": "none"}
            return
        progress.record_answer(st.session_state, chapter, spec.id, result.correct)
        st.session_state[slot_key] = {**slot, "graded": result.chosen}

    def on_retry() -> None:
        st.session_state[slot_key] = {
            "seed": quiz.fresh_seed(),
            "attempt": slot["attempt"] + 1,
            "graded": None,
        }

    with st.container(border=True):
        badge = " :material/casino:" if spec.generator else ""
        from_lesson = " *(from the lesson)*" if spec.source else ""
        st.markdown(f"**Question {number}{badge}.** {question.prompt}{from_lesson}")
        graded = slot.get("graded")
        answered = isinstance(graded, int)
        # Options keep their authored index as their value (what is graded and stored);
        # their letter is where this attempt shows them.
        order = quiz.display_order(question, slot["seed"])
        letter = {authored: quiz.LETTERS[shown] for shown, authored in enumerate(order)}
        st.radio(
            "Your answer",
            options=list(order),
            index=None,
            format_func=lambda i: f"{letter[i]}. {question.options[i].text}",
            key=radio_key,
            disabled=answered,
            label_visibility="collapsed",
        )
        if not answered:
            st.button(
                "Check answer",
                key=quiz.widget_key(chapter, spec.id, "check", slot["attempt"]),
                on_click=on_check,
            )
            if graded == "none":
                st.info("Pick one of the options first.")
            return
        result = quiz.grade(question, graded)
        if result and result.correct:
            st.success(f"Correct: {letter[result.chosen]}.")
        else:
            st.error(f"Not quite: the answer is {letter[question.correct_index]}.")
        for i in order:
            option = question.options[i]
            mark = (
                ":green[:material/check_circle:]"
                if option.correct
                else (
                    ":red[:material/cancel:]"
                    if i == graded
                    else ":gray[:material/radio_button_unchecked:]"
                )
            )
            st.markdown(f"{mark} **{letter[i]}.** {option.explanation}")
        retry_label = "Try again with new numbers" if spec.generator else "Try again"
        st.button(
            retry_label,
            key=quiz.widget_key(chapter, spec.id, "retry", slot["attempt"]),
            on_click=on_retry,
        )

"""Your progress: quiz scores per chapter, retry or reset, export and re-import.

The rules live in core/progress.py (pure, tested); the sections beside this file
arrange them.
"""

import streamlit as st

from chapters.progress import sections

st.title("Your progress")
st.markdown(
    "*How far you have come, and what is left.* A question counts as done when your latest "
    "answer to it was right. Progress stays in this browser, even across a reload; download "
    "it to keep a copy or to carry on in another browser."
)
scores = sections.scores()
sections.overview(scores)
sections.last_result()
sections.retry(scores)
sections.keep_or_restore()
sections.start_over(scores)

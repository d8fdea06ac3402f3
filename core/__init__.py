"""The course core: the table of contents (:mod:`core.toc`), navigation
(:mod:`core.nav`), quizzes with a generator registry the chapters fill
(:mod:`core.quiz`, :mod:`core.quiz_section`), and quiz progress with its cookie
(:mod:`core.progress`, :mod:`core.remember`).

The core imports no chapter and nothing from :mod:`kit`.
"""

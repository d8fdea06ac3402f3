"""The course's table of contents: one registry read by the navigation, the sidebar
progress, the prev/next links, the quizzes and the progress page.

Each chapter is a folder under ``chapters/`` (see the README): its page script is
``page.py`` and its questions ``quiz.toml``. Nothing here imports Streamlit or a
chapter, so the registry can be tested and reused anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the repository root


@dataclass(frozen=True)
class Chapter:
    number: int
    title: str
    hook: str  # one line under the title: why this chapter exists
    folder: str  # the chapter's package under chapters/, e.g. "ch02_momentum"
    icon: str  # material icon shown in the navigation
    url_path: str  # its address: never change it, shared links point there
    section: str  # navigation section header

    @property
    def label(self) -> str:
        return f"{self.number} · {self.title}"

    @property
    def file(self) -> str:
        """The page script, relative to the repository root (what ``st.Page`` runs)."""
        return f"chapters/{self.folder}/page.py"

    @property
    def quiz_file(self) -> Path:
        """The chapter's questions (absent for a chapter without a quiz)."""
        return ROOT / "chapters" / self.folder / "quiz.toml"


CHAPTERS: tuple[Chapter, ...] = (
    Chapter(
        0,
        "The Landscape Problem",
        "You can only feel the slope under your feet. How do you find the valley floor?",
        "ch00_landscape",
        ":material/landscape:",
        "landscape",
        "Foundations",
    ),
    Chapter(
        1,
        "Vanilla SGD",
        "The exact gradient needs every example. A handful gives a noisy but honest estimate.",
        "ch01_sgd",
        ":material/shuffle:",
        "sgd",
        "Foundations",
    ),
    Chapter(
        2,
        "Momentum",
        "Give the ball some mass, and the zig-zag across a ravine dies away.",
        "ch02_momentum",
        ":material/sports_baseball:",
        "momentum",
        "Foundations",
    ),
    Chapter(
        3,
        "AdaGrad & RMSProp",
        "Busy weights and quiet weights want different step sizes. Let each one keep its own.",
        "ch03_adagrad_rmsprop",
        ":material/tune:",
        "adagrad-rmsprop",
        "Adaptive methods",
    ),
    Chapter(
        4,
        "Adam",
        "Momentum and per-weight scaling in one update, with a correction for a cold start.",
        "ch04_adam",
        ":material/auto_awesome:",
        "adam",
        "Adaptive methods",
    ),
    Chapter(
        5,
        "AdamW",
        "Weight decay and L2 are the same thing, until an adaptive optimizer gets between them.",
        "ch05_adamw",
        ":material/compress:",
        "adamw",
        "Adaptive methods",
    ),
    Chapter(
        6,
        "Beyond Adam",
        "Trust ratios, rectification, factored moments, sign updates and curvature clipping.",
        "ch06_beyond_adam",
        ":material/account_tree:",
        "beyond-adam",
        "Beyond Adam",
    ),
    Chapter(
        7,
        "Learning-rate schedules",
        "The right step size at the start is the wrong one at the end.",
        "ch07_schedules",
        ":material/show_chart:",
        "schedules",
        "Beyond Adam",
    ),
    Chapter(
        8,
        "Optimizer Arena",
        "Race every optimizer on the same landscape, at fair learning rates.",
        "ch08_arena",
        ":material/sports_score:",
        "arena",
        "Practice",
    ),
    Chapter(
        9,
        "Cheat sheet",
        "Which optimizer, which learning rate, which schedule: a decision you can click through.",
        "ch09_cheatsheet",
        ":material/checklist:",
        "cheat-sheet",
        "Practice",
    ),
    Chapter(
        10,
        "On a real network",
        "Thirteen optimizers train the same neural network, live, from the same weights.",
        "ch10_network",
        ":material/hub:",
        "network",
        "Practice",
    ),
)

PROGRESS_PAGE = {
    "file": "chapters/progress/page.py",
    "title": "Progress",
    "icon": ":material/insights:",
    "url_path": "progress",
    "section": "You",
}

SECTIONS: tuple[str, ...] = ("Foundations", "Adaptive methods", "Beyond Adam", "Practice", "You")


def chapter(number: int) -> Chapter:
    """The chapter with this number (raises KeyError for an unknown one)."""
    for ch in CHAPTERS:
        if ch.number == number:
            return ch
    raise KeyError(f"no chapter {number}")


def neighbours(number: int) -> tuple[Chapter | None, Chapter | None]:
    """(previous, next) chapters around ``number``; None at either end."""
    numbers = [ch.number for ch in CHAPTERS]
    i = numbers.index(number)
    prev_ch = CHAPTERS[i - 1] if i > 0 else None
    next_ch = CHAPTERS[i + 1] if i + 1 < len(CHAPTERS) else None
    return prev_ch, next_ch

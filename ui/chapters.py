"""The course's table of contents: one registry read by the navigation, the sidebar
progress, the prev/next links and the progress page.

Nothing here imports Streamlit, so the registry can be tested and reused anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Chapter:
    number: int
    title: str
    hook: str  # one line under the title: why this chapter exists
    file: str  # page script, relative to the repository root
    icon: str  # material icon shown in the navigation
    url_path: str
    section: str  # navigation section header
    planned: tuple[str, ...] = field(default_factory=tuple)  # contents, for placeholders

    @property
    def label(self) -> str:
        return f"{self.number} · {self.title}"


CHAPTERS: tuple[Chapter, ...] = (
    Chapter(
        0,
        "The Landscape Problem",
        "You can only feel the slope under your feet. How do you find the valley floor?",
        "chapters/00_landscape.py",
        ":material/landscape:",
        "landscape",
        "Foundations",
        (
            "Gradient as local slope and the update rule",
            "The parabola worked example for four learning rates",
            "Loss Landscape Explorer",
            "Three ways to fail; why saddles dominate",
        ),
    ),
    Chapter(
        1,
        "Vanilla SGD",
        "The exact gradient needs every example. A handful gives a noisy but honest estimate.",
        "chapters/01_sgd.py",
        ":material/shuffle:",
        "sgd",
        "Foundations",
        (
            "The cost of full-batch gradients",
            "Mini-batches as an unbiased estimator",
            "Full-batch vs mini-batch gradient arrows; the 1/B variance law",
            "Worked 4-point example; SGD from scratch",
        ),
    ),
    Chapter(
        2,
        "Momentum",
        "Give the ball some mass, and the zig-zag across a ravine dies away.",
        "chapters/02_momentum.py",
        ":material/sports_baseball:",
        "momentum",
        "Foundations",
        (
            "The ravine problem; velocity as a moving average",
            "SGD vs Momentum side by side",
            "Nesterov's lookahead, one sub-step at a time",
            "Worked 5-step table; overshoot",
        ),
    ),
    Chapter(
        3,
        "AdaGrad & RMSProp",
        "Busy weights and quiet weights want different step sizes. Let each one keep its own.",
        "chapters/03_adagrad_rmsprop.py",
        ":material/tune:",
        "adagrad-rmsprop",
        "Adaptive methods",
        (
            "Parameter heterogeneity",
            "AdaGrad's accumulator and its decay to zero",
            "RMSProp's moving average",
            "Effective learning rate per axis, over time",
        ),
    ),
    Chapter(
        4,
        "Adam",
        "Momentum and per-weight scaling in one update, with a correction for a cold start.",
        "chapters/04_adam.py",
        ":material/auto_awesome:",
        "adam",
        "Adaptive methods",
        (
            "The five update lines",
            "Adam internals visualiser: m, v and their corrected forms",
            "Bias correction, with and without",
            "Worked 3-step table",
        ),
    ),
    Chapter(
        5,
        "AdamW",
        "Weight decay and L2 are the same thing, until an adaptive optimizer gets between them.",
        "chapters/05_adamw.py",
        ":material/compress:",
        "adamw",
        "Adaptive methods",
        (
            "Weight decay as L2",
            "Adam+L2 vs AdamW on a busy and a quiet weight",
            "The PyTorch trap",
        ),
    ),
    Chapter(
        6,
        "Beyond Adam",
        "Trust ratios, rectification, factored moments, sign updates and curvature clipping.",
        "chapters/06_beyond_adam.py",
        ":material/account_tree:",
        "beyond-adam",
        "Beyond Adam",
        (
            "LAMB & LARS, RAdam, AdaFactor, Lion, Sophia",
            "A clickable optimizer family tree",
            "Live mini-demos for each idea",
            "Comparison table",
        ),
    ),
    Chapter(
        7,
        "Learning-rate schedules",
        "The right step size at the start is the wrong one at the end.",
        "chapters/07_schedules.py",
        ":material/show_chart:",
        "schedules",
        "Beyond Adam",
        (
            "Warmup; step, cosine, linear, inverse square root, warmup-stable-decay",
            "Schedule visualiser",
            "The same optimizer with and without a schedule",
            "Worked cosine table; the scheduler.step() pitfall",
        ),
    ),
    Chapter(
        8,
        "Optimizer Arena",
        "Race every optimizer on the same landscape, at fair learning rates.",
        "chapters/08_arena.py",
        ":material/sports_score:",
        "arena",
        "Practice",
        (
            "Racing arena with a leaderboard",
            "Learning-rate sensitivity sweep",
            "Fair race: each optimizer at its own best rate",
        ),
    ),
    Chapter(
        9,
        "Cheat sheet",
        "Which optimizer, which learning rate, which schedule: a decision you can click through.",
        "chapters/09_cheatsheet.py",
        ":material/checklist:",
        "cheat-sheet",
        "Practice",
        (
            "Decision flowchart",
            "Quick reference and hyperparameter cheat sheet",
            "A summary card per chapter",
        ),
    ),
)

PROGRESS_PAGE = {
    "file": "chapters/progress.py",
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

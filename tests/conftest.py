"""Test-wide set-up: every chapter's question generators are registered.

A chapter's page registers its generators when it imports its ``quiz`` module; tests
that build generated questions without running the page get them from here.
"""

import importlib

from core.toc import CHAPTERS

for _chapter in CHAPTERS:
    importlib.import_module(f"chapters.{_chapter.folder}.quiz")

"""The flowchart's "still possible" sentence counts the optimizers it names (issue 12)."""

import re
from functools import partial

import pytest

from chapters.ch09_cheatsheet import logic, tree
from core.toc import chapter
from kit.state import session_key
from tests.apptest import open_chapter

TREE = tree.load_cheatsheet().tree
ch09_key = partial(session_key, logic.PAGE)


def test_repeated_names_are_counted_once():
    sentence = logic.still_possible_sentence(["LAMB", "AdamW", "Lion", "AdamW", "Adafactor"])
    assert sentence == "4 optimizers are still possible from here: Adafactor, AdamW, LAMB, Lion."


def test_a_single_name_is_not_counted():
    sentence = logic.still_possible_sentence(["AdamW", "AdamW"])
    assert sentence == "Whatever you answer from here, the recommendation is AdamW."


def question_nodes():
    return [n for n in TREE.nodes if TREE.node(n).is_question]


@pytest.mark.parametrize("node_id", question_nodes())
def test_every_question_node_states_as_many_optimizers_as_it_lists(node_id):
    names = [tree.recipe_name(TREE.node(leaf).optimizer) for leaf in TREE.leaves(node_id)]
    sentence = logic.still_possible_sentence(names)
    match = re.match(r"(\d+) optimizers are still possible from here: (.*)\.$", sentence)
    if match is None:
        assert len(set(names)) == 1
    else:
        listed = match.group(2).split(", ")
        assert int(match.group(1)) == len(listed) == len(set(names))


def test_the_page_caption_counts_distinct_names():
    at = open_chapter(chapter(9).file, timeout=120)
    caption = next(c.value for c in at.caption if "still possible" in c.value)
    count, listed = re.match(
        r"(\d+) optimizers are still possible from here: (.*)\.", caption
    ).groups()
    assert int(count) == len(listed.split(", "))

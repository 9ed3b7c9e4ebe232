"""The pairing rule for rows with more than two responses in a pairwise project."""
import json

import pytest

from apps.datasets.importers.pairing import pair_indices, preference_from_ranks
from apps.datasets.models import Item
from apps.datasets.selectors import item_responses, items_of
from apps.datasets.services import import_file
from apps.labeling.models import Label


@pytest.mark.parametrize("k, pairs", [
    (1, []),
    (2, [(0, 1)]),
    (3, [(0, 1), (0, 2), (1, 2)]),
    (4, [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]),
    (5, [(0, 1), (1, 2), (2, 3), (3, 4), (0, 4)]),
    (7, [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 6), (0, 6)]),
])
def test_all_pairs_up_to_four_then_a_cycle(k, pairs):
    assert pair_indices(k) == pairs
    if k > 4:
        appearances = [sum(i in pair for pair in pairs) for i in range(k)]
        assert appearances == [2] * k


def test_preference_from_ranks():
    ranks = [2, 1, 2]
    assert preference_from_ranks(ranks, 0, 1) == -1
    assert preference_from_ranks(ranks, 1, 2) == 1
    assert preference_from_ranks(ranks, 0, 2) == 0


def run(project, rows):
    data = "\n".join(json.dumps(r) for r in rows).encode()
    return import_file(project=project, user=None, data=data, filename="rows.jsonl", fmt="native")


def test_ranks_become_each_pairs_preference(project):
    row = {"id": "k3", "prompt": "p", "responses": ["a", "b", "c"],
           "labels": [{"annotator": "x", "ranks": [3, 1, 2], "scores": {"accuracy": [1, 5, None]}}],
           "gold": {"ranks": [3, 1, 2], "scores": {"coherence": [2, 4, 3]}}}
    batch = run(project, [row])
    assert (batch.items_created, batch.labels_created) == (3, 3)
    got = {}
    for item in items_of(project):
        pair = tuple(r.text for r in item_responses(item))
        label = Label.objects.get(item=item)
        got[pair] = (item.external_id, label.preference, item.gold_answer, label.scores)
    assert got == {
        ("a", "b"): ("k3#1-2", -1, {"preference": -1, "scores": {"coherence": [2, 4]}}, {"accuracy": [1, 5]}),
        ("a", "c"): ("k3#1-3", -1, {"preference": -1, "scores": {"coherence": [2, 3]}}, {"accuracy": [1, None]}),
        ("b", "c"): ("k3#2-3", 1, {"preference": 1, "scores": {"coherence": [4, 3]}}, {"accuracy": [5, None]}),
    }


def test_tied_ranks_give_a_tie_only_where_the_scale_has_one(project):
    row = {"prompt": "p", "responses": ["a", "b", "c"], "labels": [{"annotator": "x", "ranks": [1, 1, 2]}]}
    project.allow_rank_ties = True
    project.save()
    assert run(project, [row]).status == "accepted"
    preferences = {
        tuple(r.text for r in item_responses(item)): Label.objects.get(item=item).preference
        for item in items_of(project)
    }
    assert preferences == {("a", "b"): 0, ("a", "c"): 1, ("b", "c"): 1}

    project.preference_scale = "binary"
    project.save()
    batch = run(project, [dict(row, prompt="q")])
    assert batch.errors == [{"line": 1, "reason": "out of scale: 'labels[0].ranks' ties responses 1 and 2, but the "
                                                  "project's preference scale has no tie"}]


def test_identical_responses_skip_only_their_pair(project):
    batch = run(project, [{"prompt": "p", "responses": ["a", "b", "a"]}])
    assert batch.items_created == 2
    assert batch.warnings == [{"line": 1, "reason": "responses 1 and 3 are identical; that pair is skipped"}]
    assert Item.objects.count() == 2

"""Rubric scores in native JSONL: one score (or null) per response, split among the items a row makes."""
import json

import pytest

from apps.datasets.selectors import item_responses, items_of
from apps.datasets.services import import_file
from apps.labeling.models import Label
from apps.projects.services import DimensionSpec, project_create


def run(project, rows):
    data = "\n".join(json.dumps(row) for row in rows).encode()
    return import_file(project=project, user=None, data=data, filename="rows.jsonl", fmt="native")


@pytest.fixture
def scored_step_project(lead):
    return project_create(user=lead, name="Scored steps", task_type="steps",
                          dimensions=[DimensionSpec("clarity", "Clarity", scale_min=1, scale_max=3)])


def test_pair_scores_are_stored_per_response_with_nulls(project):
    row = {"prompt": "p", "responses": ["a", "b"], "gold": {"preference": 1, "scores": {"accuracy": [4, 1]}},
           "labels": [{"annotator": "x", "preference": -1, "scores": {"accuracy": [2, None], "coherence": [5, 5]}}]}
    batch = run(project, [row])
    assert batch.status == "accepted", batch.errors
    label = Label.objects.get()
    assert label.scores == {"accuracy": [2, None], "coherence": [5, 5]}
    assert label.item.gold_answer == {"preference": 1, "scores": {"accuracy": [4, 1]}}


def test_ranking_scores_follow_file_order(lead):
    project = project_create(user=lead, name="Scored ranking", task_type="ranking", ranking_k=3,
                             dimensions=[DimensionSpec("accuracy", "Accuracy")])
    row = {"prompt": "p", "responses": ["a", "b", "c"],
           "labels": [{"annotator": "x", "ranks": [2, 1, 3], "scores": {"accuracy": [3, 5, 1]}}]}
    batch = run(project, [row])
    assert batch.status == "accepted", batch.errors
    label = Label.objects.get()
    assert (label.ranks, label.scores) == ([2, 1, 3], {"accuracy": [3, 5, 1]})


def test_each_step_item_gets_its_responses_score(scored_step_project):
    row = {"id": "s", "prompt": "p", "responses": ["one\ntwo", "three"],
           "gold": {"steps": [[1, 1], [-1]], "scores": {"clarity": [3, 1]}},
           "labels": [{"annotator": "m", "steps": [[1, 0], None], "scores": {"clarity": [2, None]}},
                      {"annotator": "n", "steps": [[1, 1], [1]], "scores": {"clarity": [None, 3]}}]}
    batch = run(scored_step_project, [row])
    assert batch.status == "accepted", batch.errors
    first, second = items_of(scored_step_project)
    assert [r.text for r in item_responses(first)] == ["one\ntwo"]
    assert first.gold_answer == {"steps": [1, 1], "scores": {"clarity": [3]}}
    assert second.gold_answer == {"steps": [-1], "scores": {"clarity": [1]}}
    got = sorted((label.item.external_id, label.annotator.username, label.step_ratings, label.scores)
                 for label in Label.objects.select_related("item", "annotator"))
    assert got == [
        ("s#1", "ext-m", [1, 0], {"clarity": [2]}),
        ("s#1", "ext-n", [1, 1], {"clarity": [None]}),
        ("s#2", "ext-n", [1], {"clarity": [3]}),
    ]


def test_a_single_response_row_may_give_a_bare_score(scored_step_project):
    row = {"prompt": "p", "responses": ["one\ntwo"],
           "labels": [{"annotator": "m", "steps": [1, -1], "scores": {"clarity": 2}}]}
    batch = run(scored_step_project, [row])
    assert batch.status == "accepted", batch.errors
    assert Label.objects.get().scores == {"clarity": [2]}


@pytest.mark.parametrize("scores, reason", [
    ({"accuracy": 4}, "wrong type: 'labels[0].scores.accuracy' must be a list of 2 scores (one per response, "
                      "null for none), got a number"),
    ({"accuracy": [4]}, "wrong type: 'labels[0].scores.accuracy' must hold one score (or null) per response (2), "
                        "got 1"),
    ({"accuracy": [4, "5"]}, "wrong type: 'labels[0].scores.accuracy[1]' must be a whole number, got a string"),
    ({"accuracy": [4, True]}, "wrong type: 'labels[0].scores.accuracy[1]' must be a whole number, got true/false"),
    ({"accuracy": [0, None]}, "out of scale: 'labels[0].scores.accuracy[0]' is 0; the dimension's scale is 1..5"),
    ({"style": [1, 2]}, "unknown rubric key 'style' in 'labels[0].scores'; the project's rubric has accuracy, "
                        "coherence"),
])
def test_bad_scores_are_named(project, scores, reason):
    row = {"prompt": "p", "responses": ["a", "b"], "labels": [{"annotator": "x", "preference": 1, "scores": scores}]}
    batch = run(project, [row])
    assert batch.errors == [{"line": 1, "reason": reason}]
    assert not Label.objects.exists()


def test_gold_scores_are_checked_against_the_scale(project):
    row = {"prompt": "p", "responses": ["a", "b"], "gold": {"preference": 1, "scores": {"coherence": [6, 1]}}}
    batch = run(project, [row])
    assert batch.errors == [{"line": 1, "reason": "out of scale: 'gold.scores.coherence[0]' is 6; the dimension's "
                                                  "scale is 1..5"}]

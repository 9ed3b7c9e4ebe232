"""Training examples from labels: majority, soft targets, margins, ties, rankings → pairs, steps, adjudication, snapshot."""
import pytest
from rewardmodels_helpers import five_point, import_rows, voted

from apps.labeling.judgements import Judgement
from apps.labeling.models import Label
from apps.labeling.services import edit_label
from apps.quality.models import Adjudication
from apps.rewardmodels.examples import build_examples, snapshot_label_ids


def by_item(dataset):
    return {example.meta["item_id"]: example for example in dataset.examples}


def test_unanimous_majority_gives_target_one_and_the_preferred_side_as_chosen(project):
    five_point(project)
    items = import_rows(project, [voted("a", 1, 1, 2), voted("b", -1, -2)])
    examples = by_item(build_examples(project, "outcome"))
    a, b = examples[items["a"].pk], examples[items["b"].pk]
    assert (a.chosen, a.rejected, a.target) == ("a answer one", "a answer two", 1.0)
    assert (b.chosen, b.rejected, b.target) == ("b answer two", "b answer one", 1.0)
    assert a.margin == pytest.approx(4 / 3, abs=1e-3) and b.margin == 1.5
    assert a.prompt == [{"role": "user", "content": "Question a?"}]
    assert a.group == f"prompt:{items['a'].prompt_id}"


def test_split_annotators_give_a_soft_target_and_their_votes_relative_to_chosen(project):
    five_point(project)
    items = import_rows(project, [voted("s", 1, 1, -1), voted("t", -1, 0, -1)])
    examples = by_item(build_examples(project, "outcome"))
    s, t = examples[items["s"].pk], examples[items["t"].pk]
    assert s.target == pytest.approx(0.6667, abs=1e-4)
    assert s.meta["annotators"] == {"ext-v1": 1, "ext-v2": 1, "ext-v3": -1}
    assert t.target == pytest.approx(2.5 / 3, abs=1e-4)  # a tie vote counts half
    assert t.meta["annotators"] == {"ext-v1": 1, "ext-v2": 0, "ext-v3": 1}
    assert s.margin == pytest.approx(1 / 3, abs=1e-3)


def test_ties_are_dropped_or_kept_at_one_half_per_tie_policy(project):
    five_point(project)
    items = import_rows(project, [voted("tie", 0, 0, 1), voted("even", 1, -1), voted("win", 1)])
    dropped = build_examples(project, "outcome", tie_policy="drop")
    assert [e.meta["item_id"] for e in dropped.examples] == [items["win"].pk]
    assert dropped.counts["ties_dropped"] == 2
    kept = by_item(build_examples(project, "outcome", tie_policy="equal"))
    assert kept[items["tie"].pk].target == 0.5 and kept[items["even"].pk].target == 0.5
    assert kept[items["win"].pk].target == 1.0


def test_snapshot_holds_exactly_the_labels_that_made_examples(project):
    five_point(project)
    items = import_rows(project, [voted("tie", 0, 0), voted("win", 1, 2)])
    dataset = build_examples(project, "outcome", tie_policy="drop")
    win_labels = set(Label.objects.filter(item=items["win"]).values_list("id", flat=True))
    assert set(dataset.label_ids) == win_labels
    assert dataset.counts["labels_read"] == 4 and dataset.counts["labels_used"] == 2


def test_building_from_a_snapshot_ignores_later_labels(project):
    five_point(project)
    items = import_rows(project, [voted("a", 1)])
    snapshot = snapshot_label_ids(project, "outcome")
    import_rows(project, [voted("a", 1, -1, -1), voted("b", 1)])  # b and a's new labels arrive later
    dataset = build_examples(project, "outcome", label_ids=snapshot)
    assert [e.meta["item_id"] for e in dataset.examples] == [items["a"].pk]
    assert dataset.examples[0].target == 1.0


def test_superseded_labels_are_not_in_a_new_snapshot(project):
    items = import_rows(project, [voted("a", 1)])
    old = Label.objects.get(item=items["a"])
    edit_label(project=project, user=old.annotator, label_id=old.pk, judgement=Judgement(preference=-1),
               rubric_version_id=None)
    dataset = build_examples(project, "outcome")
    assert old.pk not in dataset.label_ids
    assert dataset.examples[0].chosen == "a answer two"


def test_rankings_give_every_pair_by_majority(ranking_project):
    rows = [{"id": "r", "prompt": "Rank them", "responses": ["w", "x", "y", "z"],
             "labels": [{"annotator": "v1", "ranks": [1, 2, 3, 4]}, {"annotator": "v2", "ranks": [1, 3, 2, 4]},
                        {"annotator": "v3", "ranks": [2, 1, 3, 4]}]}]
    import_rows(ranking_project, rows)
    pairs = {(e.chosen, e.rejected): e.target for e in build_examples(ranking_project, "outcome").examples}
    assert pairs == {("w", "x"): pytest.approx(0.6667, abs=1e-4), ("w", "y"): 1.0, ("w", "z"): 1.0,
                     ("x", "y"): pytest.approx(0.6667, abs=1e-4), ("x", "z"): 1.0, ("y", "z"): 1.0}


def test_step_labels_become_step_examples_by_majority_per_step(step_project):
    step_project.overlap = 3
    step_project.save()
    from apps.datasets.models import Item
    rows = [{"id": "s", "prompt": "2+2*2?", "responses": [{"text": "x", "steps": ["2*2=4", "4+2=6", "Answer 6"]}],
             "labels": [{"annotator": "m1", "steps": [1, 1, -1]}, {"annotator": "m2", "steps": [1, -1, None]},
                        {"annotator": "m3", "steps": [1, 1, 1]}]}]
    Item.objects.filter(project=step_project).update(overlap=3)
    import_rows(step_project, rows)
    dataset = build_examples(step_project, "process")
    [example] = dataset.examples
    assert example.steps == ["2*2=4", "4+2=6", "Answer 6"]
    assert example.labels == [1, 1, None]  # the last step splits -1 against 1: not trained on
    assert len(dataset.label_ids) == 3


def test_an_adjudication_replaces_the_majority(project, lead):
    five_point(project)
    items = import_rows(project, [voted("a", 1, 1, -1)])
    adjudication = Adjudication.objects.create(item=items["a"], adjudicator=lead, preference=-2)
    dataset = build_examples(project, "outcome")
    [example] = dataset.examples
    assert (example.chosen, example.target) == ("a answer two", 1.0)
    assert example.meta["annotators"] == {"ext-v1": -1, "ext-v2": -1, "ext-v3": 1}
    assert dataset.adjudication_ids == [adjudication.pk]

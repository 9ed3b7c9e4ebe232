"""Exports take an item's current adjudication in place of the majority of its labels (or their Dawid-Skene label)."""
import pytest
from export_fixtures import annotators, export, import_rows, label

from apps.labeling.judgements import Judgement
from apps.projects.services import project_create, project_update
from apps.quality.adjudication import adjudicate
from apps.quality.heavy import refresh_snapshot


def row(external_id):
    return {"id": external_id, "prompt": "Which is better?",
            "responses": [f"{external_id} first", f"{external_id} second"]}


@pytest.fixture
def voters(project):
    project_update(project, overlap=3, preference_scale="five")
    return annotators(project, "v1", "v2", "v3")


def vote(item, voters, *preferences):
    for annotator, preference in zip(voters, preferences):
        label(item, annotator, preference=preference, shown_order=[0, 1])


def decide(project, lead, item, preference):
    scores = {"accuracy": [3, 3], "coherence": [3, 3]}
    return adjudicate(project=project, user=lead, item_id=item.pk,
                      judgement=Judgement(preference=preference, scores=scores))


def test_trl_uses_the_adjudicated_side_over_the_majority(project, lead, voters):
    items = import_rows(project, [row("overruled"), row("kept"), row("unsplit")])
    vote(items["overruled"], voters, 1, 1, -2)   # majority: first
    vote(items["kept"], voters, 1, 1, -2)
    vote(items["unsplit"], voters, 1, -1, 0)     # no majority: skipped unless adjudicated
    decide(project, lead, items["overruled"], -2)
    decide(project, lead, items["unsplit"], 1)

    rows = export(project, "trl", margin="true")
    assert rows == [
        {"prompt": "Which is better?", "chosen": "overruled second", "rejected": "overruled first", "margin": 2.0},
        {"prompt": "Which is better?", "chosen": "kept first", "rejected": "kept second", "margin": 0.0},
        {"prompt": "Which is better?", "chosen": "unsplit first", "rejected": "unsplit second", "margin": 1.0},
    ]


def test_only_the_current_adjudication_counts_and_a_tie_skips_the_pair(project, lead, voters):
    items = import_rows(project, [row("changed"), row("tied")])
    vote(items["changed"], voters, 1, 1, 1)
    vote(items["tied"], voters, 1, 1, 1)
    decide(project, lead, items["changed"], -1)
    decide(project, lead, items["changed"], 2)  # replaces the -1
    decide(project, lead, items["tied"], 0)

    assert export(project, "trl") == [
        {"prompt": "Which is better?", "chosen": "changed first", "rejected": "changed second"}]


def test_the_adjudicated_side_wins_over_dawid_skene_too(project, lead, voters):
    extra = annotators(project, "v4", "v5")
    project_update(project, overlap=5)
    people = voters + extra
    items = import_rows(project, [row(f"t{k}") for k in range(6)] + [row("x")])
    for k in range(6):  # v1-v3 reliable, v4 and v5 always the other way: Dawid-Skene trusts v1-v3
        truth = 1 if k % 2 == 0 else -1
        vote(items[f"t{k}"], people, truth, truth, truth, -truth, -truth)
    vote(items["x"], [people[0], people[3], people[4]], 1, -1, -1)
    refresh_snapshot(project)
    assert export(project, "trl", aggregate="dawid-skene")[-1]["chosen"] == "x first"
    decide(project, lead, items["x"], -1)
    assert export(project, "trl", aggregate="dawid-skene")[-1]["chosen"] == "x second"


def test_ranking_pairs_follow_the_adjudicated_ranking(lead):
    project = project_create(user=lead, name="Ranked", task_type="ranking", ranking_k=3, overlap=2)
    item = import_rows(project, [{"id": "r", "prompt": "Rank", "responses": ["x", "y", "z"]}])["r"]
    for annotator in annotators(project, "r1", "r2"):
        label(item, annotator, ranks=[1, 2, 3], shown_order=[0, 1, 2])
    adjudicate(project=project, user=lead, item_id=item.pk, judgement=Judgement(ranks=[3, 1, 2]))

    pairs = {(r["chosen"], r["rejected"]) for r in export(project, "ranking_pairs")}
    assert pairs == {("y", "x"), ("z", "x"), ("y", "z")}

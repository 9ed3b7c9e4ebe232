"""Native JSONL import: items per task type, multi-turn prompts, gold, external labels, re-import."""
import json

import pytest

from apps.accounts.models import User
from apps.datasets.models import ImportBatch, Item, ItemKind, Prompt, Response
from apps.datasets.selectors import import_batches_of, item_responses, items_of
from apps.datasets.services import import_file, import_native_rows
from apps.labeling.models import Label, LabelSource
from apps.projects.services import DimensionSpec, current_rubric, rubric_update


def jsonl(rows) -> bytes:
    return "\n".join(json.dumps(row) for row in rows).encode()


def run(project, rows, user=None, **kwargs):
    return import_file(project=project, user=user, data=jsonl(rows), filename="rows.jsonl", **kwargs)


ROWS = [
    {"id": "q-1", "prompt": "Name a prime.", "responses": [{"text": "7", "model": "m-a"}, {"text": "8", "model": "m-b"}],
     "priority": 2.5, "metadata": {"topic": "math"},
     "labels": [{"annotator": "alice", "preference": 1, "scores": {"accuracy": [5, 2]}, "rationale": "7 is prime",
                 "flags": ["easy"]}]},
    {"id": "q-2", "prompt": [{"role": "system", "content": "Be terse."}, {"role": "user", "content": "Hi"},
                             {"role": "assistant", "content": "Hello."}, {"role": "user", "content": "Capital of France?"}],
     "responses": ["Paris.", "Lyon."], "gold": {"preference": 1}},
]


def test_native_rows_become_pairs_with_everything_kept(project, lead):
    batch = run(project, ROWS, user=lead)
    assert batch.status == ImportBatch.Status.ACCEPTED, batch.errors
    assert (batch.format, batch.rows_read, batch.items_created, batch.items_skipped, batch.labels_created) == (
        "native", 2, 2, 0, 1)
    assert batch.uploaded_by == lead and batch.errors == [] and len(batch.file_sha256) == 64

    first, second = items_of(project)
    assert (first.kind, first.external_id, first.priority, first.metadata) == (ItemKind.PAIR, "q-1", 2.5, {"topic": "math"})
    assert [(r.text, r.model_name) for r in item_responses(first)] == [("7", "m-a"), ("8", "m-b")]
    assert first.prompt.messages == [{"role": "user", "content": "Name a prime."}]
    assert first.is_gold is False and first.gold_answer is None and first.import_batch == batch

    assert second.prompt.is_multi_turn and len(second.prompt.messages) == 4
    assert second.prompt.messages[0] == {"role": "system", "content": "Be terse."}
    assert second.prompt.text == "Capital of France?"
    assert second.is_gold is True and second.gold_answer == {"preference": 1}


def test_labels_belong_to_external_annotators_with_the_current_rubric(project, lead):
    rubric_update(project, user=lead, guidelines="v2", dimensions=[
        DimensionSpec("accuracy", "Accuracy"), DimensionSpec("coherence", "Coherence"),
    ])
    batch = run(project, ROWS)
    label = Label.objects.get()
    assert label.annotator.username == "ext-alice"
    assert label.annotator.is_external and not label.annotator.is_active
    assert not label.annotator.has_usable_password()
    assert (label.preference, label.rationale, label.flags) == (1, "7 is prime", ["easy"])
    assert label.scores == {"accuracy": [5, 2]}
    assert label.source == LabelSource.IMPORT and label.import_batch == batch and label.is_current
    assert label.rubric_version == current_rubric(project) and label.rubric_version.number == 2
    assert label.item.external_id == "q-1"


def test_reimport_creates_no_duplicates(project):
    run(project, ROWS)
    counts = (Prompt.objects.count(), Response.objects.count(), Item.objects.count(), Label.objects.count())
    again = run(project, ROWS)
    assert again.status == "accepted"
    assert (again.items_created, again.items_skipped, again.labels_created) == (0, 2, 0)
    assert (Prompt.objects.count(), Response.objects.count(), Item.objects.count(), Label.objects.count()) == counts
    batches = list(import_batches_of(project))
    assert len(batches) == 2 and batches[0] == again


def test_reimport_adds_a_new_annotators_label_to_an_existing_item(project):
    run(project, ROWS)
    rows = [dict(ROWS[0], labels=[{"annotator": "alice", "preference": -1}, {"annotator": "bob", "preference": -1}])]
    batch = run(project, rows)
    assert (batch.items_created, batch.items_skipped, batch.labels_created) == (0, 1, 1)
    labels = Label.objects.filter(item__external_id="q-1").order_by("annotator__username")
    assert [(lab.annotator.username, lab.preference) for lab in labels] == [("ext-alice", 1), ("ext-bob", -1)]


def test_rows_without_id_dedup_on_content(project):
    rows = [{"prompt": "p", "responses": ["a", "b"]}]
    run(project, rows)
    batch = run(project, rows)
    assert (batch.items_created, batch.items_skipped) == (0, 1)
    assert Item.objects.filter(project=project).count() == 1


def test_same_id_with_different_content_is_an_error(project):
    run(project, [{"id": "x", "prompt": "p", "responses": ["a", "b"]}])
    batch = run(project, [{"id": "x", "prompt": "p", "responses": ["a", "c"]}])
    assert batch.status == "rejected"
    assert batch.errors == [{"line": 1, "reason": "id 'x' is already used in this project by an item with different content"}]


def test_ranking_project_gets_one_item_per_row(ranking_project):
    rows = [{"prompt": "Sort these", "responses": ["a", "b", "c", "d"],
             "labels": [{"annotator": "ann", "ranks": [2, 1, 4, 3]}], "gold": {"ranks": [2, 1, 4, 3]}}]
    batch = run(ranking_project, rows)
    assert batch.status == "accepted", batch.errors
    item = Item.objects.get(project=ranking_project)
    assert item.kind == ItemKind.RANKING
    assert [r.text for r in item_responses(item)] == ["a", "b", "c", "d"]
    assert item.gold_answer == {"ranks": [2, 1, 4, 3]}
    assert Label.objects.get(item=item).ranks == [2, 1, 4, 3]


def test_ranking_rows_with_too_many_responses_or_ties_are_errors(ranking_project):
    rows = [
        {"prompt": "nine", "responses": [str(i) for i in range(9)]},
        {"prompt": "tie", "responses": ["a", "b", "c"], "labels": [{"annotator": "x", "ranks": [1, 1, 2]}]},
    ]
    batch = run(ranking_project, rows)
    assert [e["line"] for e in batch.errors] == [1, 2]
    assert "too many responses" in batch.errors[0]["reason"] and "at most 8" in batch.errors[0]["reason"]
    assert "does not allow tied ranks" in batch.errors[1]["reason"]


def test_steps_project_splits_by_the_project_setting_and_takes_step_marks(step_project):
    rows = [{"id": "s", "prompt": "2+2*2?", "responses": ["2*2 = 4\n4 + 2 = 6\nAnswer: 6", {"text": "x", "steps": ["a", "b"]}],
             "labels": [{"annotator": "m", "steps": [[1, 1, 1], [-1, None]]}]}]
    batch = run(step_project, rows)
    assert batch.status == "accepted", batch.errors
    first, second = items_of(step_project)
    assert (first.kind, first.external_id, second.external_id) == (ItemKind.STEPS, "s#1", "s#2")
    assert item_responses(first)[0].steps == ["2*2 = 4", "4 + 2 = 6", "Answer: 6"]
    assert item_responses(second)[0].steps == ["a", "b"]
    assert Label.objects.get(item=first).step_ratings == [1, 1, 1]
    assert Label.objects.get(item=second).step_ratings == [-1, None]


def test_step_marks_must_match_the_number_of_steps(step_project):
    rows = [{"prompt": "p", "responses": ["one\ntwo"], "labels": [{"annotator": "m", "steps": [1]}]}]
    batch = run(step_project, rows)
    assert batch.errors == [{"line": 1, "reason": "wrong type: 'labels[0].steps' has 1 step marks but response 1 has 2 steps"}]


def test_semantic_errors_name_the_problem(project):
    rows = [
        {"prompt": "p1", "responses": ["a", "b"], "labels": [{"annotator": "x", "preference": 1, "scores": {"style": [3, 3]}}]},
        {"prompt": "p2", "responses": ["a", "b"], "labels": [{"annotator": "x", "preference": 1,
                                                             "scores": {"accuracy": [3, 9]}}]},
        {"prompt": "p3", "responses": ["a", "b"], "labels": [{"annotator": "x", "preference": 3}]},
        {"prompt": "p4", "responses": ["a", "b"], "labels": [
            {"annotator": "x", "preference": 1}, {"annotator": "y", "preference": 1}, {"annotator": "z", "preference": 1}]},
        {"prompt": "p5", "responses": [{"text": "a", "steps": ["a"]}, "b"]},
        {"prompt": "p6", "responses": ["a", "b", "c"], "labels": [{"annotator": "x", "preference": 1}]},
    ]
    batch = run(project, rows)
    reasons = {e["line"]: e["reason"] for e in batch.errors}
    assert reasons[1].startswith("unknown rubric key 'style'") and "accuracy, coherence" in reasons[1]
    assert reasons[2] == "out of scale: 'labels[0].scores.accuracy[1]' is 9; the dimension's scale is 1..5"
    assert reasons[3] == "out of scale: 'labels[0].preference' is 3; the project's preference scale allows -1, 0, 1"
    assert reasons[4] == "too many labels: this item would have 3 labels, more than the project's overlap of 2"
    assert reasons[5].startswith("steps data in a non-step project")
    assert "give 'ranks'" in reasons[6]
    assert Item.objects.count() == 0


def test_binary_scale_refuses_ties(project):
    project.preference_scale = "binary"
    project.save()
    batch = run(project, [{"prompt": "p", "responses": ["a", "b"], "gold": {"preference": 0}}])
    assert batch.errors[0]["reason"] == "out of scale: 'gold.preference' is 0; the project's preference scale allows -1, 1"


def test_a_registered_user_is_never_taken_for_an_external_annotator(project):
    User.objects.create_user(username="ext-mallory", password="x")
    batch = run(project, [{"prompt": "p", "responses": ["a", "b"], "labels": [{"annotator": "mallory", "preference": 1}]}])
    assert batch.status == "rejected"
    assert "'ext-mallory' belongs to a registered user" in batch.errors[0]["reason"]
    assert Label.objects.count() == 0


def test_import_native_rows_helper_for_the_demo_seed(project, lead):
    batch = import_native_rows(project=project, user=lead, rows=ROWS, filename="demo.jsonl")
    assert (batch.status, batch.format, batch.filename, batch.items_created) == ("accepted", "native", "demo.jsonl", 2)


def test_plain_bytes_join_as_the_seed_builds_them(project):
    data = b"\n".join(json.dumps(r).encode() for r in ROWS)
    batch = import_file(project=project, user=None, data=data, filename="seed.jsonl", fmt="native")
    assert (batch.status, batch.items_created, batch.labels_created) == ("accepted", 2, 1)


@pytest.mark.parametrize("field", ["respones", "label"])
def test_unknown_fields_are_errors(project, field):
    batch = run(project, [{"prompt": "p", "responses": ["a", "b"], field: []}])
    assert batch.errors[0]["reason"].startswith(f"unknown field '{field}'")

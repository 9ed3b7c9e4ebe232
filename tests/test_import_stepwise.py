"""Step data import: TRL stepwise rows and PRM800K rows into a step-marking project."""
import json
from operator import itemgetter
from pathlib import Path

from apps.datasets.models import Item, ItemKind
from apps.datasets.selectors import item_responses, items_of
from apps.datasets.services import import_file
from apps.labeling.models import Label, LabelSource
from apps.projects.services import current_rubric

PRM800K_SAMPLE = Path(__file__).parent / "data" / "prm800k_sample.jsonl"


def run(project, rows, fmt=None, filename="steps.jsonl"):
    data = "\n".join(json.dumps(row) for row in rows).encode()
    return import_file(project=project, user=None, data=data, filename=filename, fmt=fmt)


STEPWISE = {"prompt": "Is 91 prime?", "completions": ["91 = 7 * 13.", "So 91 is prime."], "labels": [True, False]}


def test_trl_stepwise_row_is_a_step_item_with_an_external_label(step_project):
    batch = run(step_project, [STEPWISE])
    assert (batch.format, batch.status, batch.items_created, batch.labels_created) == ("trl_stepwise", "accepted", 1, 1)
    item = Item.objects.get(project=step_project)
    response = item_responses(item)[0]
    assert item.kind == ItemKind.STEPS
    assert response.steps == ["91 = 7 * 13.", "So 91 is prime."]
    assert response.text == "91 = 7 * 13.\nSo 91 is prime."
    label = Label.objects.get(item=item)
    assert label.step_ratings == [1, -1]
    assert label.annotator.username == "ext-trl-stepwise" and label.annotator.is_external
    assert label.source == LabelSource.IMPORT and label.rubric_version == current_rubric(step_project)


def test_trl_stepwise_annotator_comes_from_the_row(step_project):
    run(step_project, [dict(STEPWISE, annotator="grader-7")])
    assert Label.objects.get().annotator.username == "ext-grader-7"


def test_trl_stepwise_labels_must_match_the_completions(step_project):
    batch = run(step_project, [dict(STEPWISE, labels=[True])])
    assert batch.errors == [{"line": 1, "reason": "wrong type: 'labels' must hold one label per completion (2), got 1"}]


def test_step_formats_need_a_step_project(project):
    batch = run(project, [STEPWISE])
    assert batch.status == "rejected"
    assert batch.errors == [{"line": 1, "reason": "TRL stepwise (prompt/completions/labels) rows need a step-marking "
                                                  "project; this project is pairwise preference"}]
    prm = import_file(project=project, user=None, data=PRM800K_SAMPLE.read_bytes(), filename="prm.jsonl")
    assert {e["line"] for e in prm.errors} == {1, 2, 3}
    assert "PRM800K rows need a step-marking project" in prm.errors[0]["reason"]


def test_prm800k_builds_the_solution_path_and_keeps_the_whole_row(step_project):
    batch = import_file(project=step_project, user=None, data=PRM800K_SAMPLE.read_bytes(), filename="prm.jsonl")
    assert (batch.format, batch.status) == ("prm800k", "accepted"), batch.errors
    # Lines 1 and 2: two labellers of the same question and path share one item.
    assert (batch.rows_read, batch.items_created, batch.items_skipped, batch.labels_created) == (3, 2, 1, 3)
    first, second = items_of(step_project)
    # Phase 2: the labellers stopped at the first error of the pre-generated solution, which is the item.
    assert item_responses(first)[0].steps == ["Multiply first: $3\\cdot 4 = 12$.", "Then $2 + 12 = 15$.",
                                              "# Answer\n\n15"]
    assert item_responses(second)[0].steps == ["Divide top and bottom by 2.",
                                               "So it is $\\frac{3}{4}$.\n\n# Answer\n\n\\frac{3}{4}"]
    labels = Label.objects.filter(item=first).order_by("annotator__username")
    assert [lab.annotator.username for lab in labels] == [
        "ext-prm800k-340d89bc-f5b7-45e9-b272-909ba68ee363", "ext-prm800k-9f1c0e52-aaaa-bbbb-cccc-0123456789ab"]
    assert [lab.step_ratings for lab in labels] == [[1, -1, None], [1, -1, None]]
    assert Label.objects.get(item=second).step_ratings == [1, 1]


def test_prm800k_rows_round_trip_from_item_and_label_metadata(step_project):
    import_file(project=step_project, user=None, data=PRM800K_SAMPLE.read_bytes(), filename="prm.jsonl")
    originals = [json.loads(line) for line in PRM800K_SAMPLE.read_text().splitlines()]
    rebuilt = [
        {**label.metadata["prm800k"], "question": label.item.metadata["prm800k_question"]}
        for label in Label.objects.select_related("item").order_by("item_id", "annotator__username")
    ]
    key = itemgetter("labeler", "timestamp")
    assert sorted(rebuilt, key=key) == sorted(originals, key=key)


def test_prm800k_reimport_adds_nothing(step_project):
    import_file(project=step_project, user=None, data=PRM800K_SAMPLE.read_bytes(), filename="prm.jsonl")
    again = import_file(project=step_project, user=None, data=PRM800K_SAMPLE.read_bytes(), filename="prm.jsonl")
    assert (again.items_created, again.items_skipped, again.labels_created) == (0, 3, 0)
    assert Label.objects.count() == 3


def test_prm800k_bad_chosen_index_is_an_error(step_project):
    row = json.loads(PRM800K_SAMPLE.read_text().splitlines()[0])
    row["label"]["steps"][0]["chosen_completion"] = 4
    batch = run(step_project, [row])
    assert batch.errors == [{"line": 1, "reason": "wrong type: 'label.steps[0].chosen_completion' is 4 but the step "
                                                  "has 1 completions"}]

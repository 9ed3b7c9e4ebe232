"""PRM800K import of every field: the item a labeller was shown, ratings, finish reason, time, final
answer, alternatives kept, our extension read back; bad rows refused with line-level reasons (PRM800K and
TRL stepwise)."""
import copy
import json
from pathlib import Path

import pytest

from apps.datasets.models import Item
from apps.datasets.selectors import item_responses
from apps.datasets.services import import_file
from apps.labeling.models import Label

SAMPLE = [json.loads(line) for line in (Path(__file__).parent / "data" / "prm800k_sample.jsonl").read_text().splitlines()]


def run(project, rows, fmt=None):
    data = "\n".join(json.dumps(row) for row in rows).encode()
    return import_file(project=project, user=None, data=data, filename="prm.jsonl", fmt=fmt)


def test_labels_come_in_as_named_external_annotators_with_their_fields(step_project):
    batch = run(step_project, SAMPLE)
    assert (batch.status, batch.labels_created) == ("accepted", 3), batch.errors
    first = Label.objects.get(annotator__username="ext-prm800k-340d89bc-f5b7-45e9-b272-909ba68ee363",
                              item__metadata__prm800k_question__ground_truth_answer="14")
    assert first.annotator.is_external and first.source == "import"
    assert (first.step_ratings, first.finish_reason, first.active_ms) == ([1, -1, None], "found_error", 278270)
    assert first.step_notes == [None, None, None] and first.final_answer_correct is None
    assert first.first_wrong_step == 1
    # The alternative completion the labeller rated is kept for the round trip.
    kept = first.metadata["prm800k"]["label"]["steps"][1]["completions"][1]
    assert kept == {"text": "Then $2 + 12 = 14$.", "rating": 1, "flagged": False}
    assert first.metadata["prm800k"]["is_quality_control_question"] is False
    third = Label.objects.get(item__metadata__prm800k_question__ground_truth_answer="\\frac{3}{4}")
    # Phase 1: the labeller wrote step 1 and rated the "# Answer" step 1: the final answer is correct.
    assert (third.step_ratings, third.finish_reason, third.final_answer_correct) == ([1, 1], "solution_complete", True)
    assert third.metadata["prm800k"]["is_initial_screening_question"] is True


def test_labellers_who_stop_at_different_steps_share_the_item(step_project):
    later = copy.deepcopy(SAMPLE[1])
    later["labeler"] = "third"
    later["label"]["steps"][1]["chosen_completion"] = 0
    later["label"]["steps"][1]["completions"][0]["rating"] = 0
    later["label"]["steps"].append({"completions": [{"text": "# Answer\n\n15", "rating": -1, "flagged": False}],
                                    "human_completion": None, "chosen_completion": None})
    batch = run(step_project, [SAMPLE[0], later])
    assert (batch.items_created, batch.labels_created) == (1, 2), batch.errors
    item = Item.objects.get(project=step_project)
    assert len(item_responses(item)[0].steps) == 3
    assert sorted(Label.objects.values_list("step_ratings", flat=True)) == sorted([[1, -1, None], [1, 0, -1]])
    assert Label.objects.get(annotator__username="ext-prm800k-third").final_answer_correct is False


def test_our_extension_brings_notes_and_answer_back(step_project):
    row = copy.deepcopy(SAMPLE[0])
    note = {"category": "calculation error", "comment": "12 + 2 = 14", "correction": "Then $2 + 12 = 14$."}
    row["platform"] = {"step_notes": [None, note, None], "final_answer_correct": False, "rationale": "slip",
                       "flags": ["cannot_judge"]}
    assert run(step_project, [row]).status == "accepted"
    label = Label.objects.get()
    assert (label.step_notes, label.final_answer_correct, label.rationale, label.flags) == (
        [None, note, None], False, "slip", ["cannot_judge"])


def bad(row_changes):
    row = copy.deepcopy(SAMPLE[0])
    row_changes(row)
    return row


@pytest.mark.parametrize("change, reason", [
    (lambda r: r.pop("question"), "missing field 'question'"),
    (lambda r: r["question"].pop("problem"), "missing field 'question.problem'"),
    (lambda r: r.pop("labeler"), "missing field 'labeler'"),
    (lambda r: r["label"].update(steps=[]), "wrong type: 'label.steps' must hold at least 1 item, got 0"),
    (lambda r: r["label"]["steps"][0]["completions"][0].update(rating=2),
     "wrong type: 'label.steps[0].completions[0].rating' must be -1, 0, 1 or null, got a number"),
    (lambda r: r["label"].update(finish_reason="done"),
     "wrong type: 'label.finish_reason' must be one of found_error, solution, bad_problem, give_up, got 'done'"),
    (lambda r: r["label"].update(total_time="long"), "wrong type: 'label.total_time' must be a whole number, got a string"),
    (lambda r: r["label"].update(total_time=-5),
     "out of scale: 'label.total_time' is -5; a time in milliseconds is not negative"),
    (lambda r: r.update(platform={"step_notes": [None]}),
     "wrong type: 'platform.step_notes' must hold one note (or null) per step (3), got 1"),
    (lambda r: r.update(platform={"final_answer_correct": "yes"}),
     "wrong type: 'platform.final_answer_correct' must be true or false, got a string"),
])
def test_bad_prm800k_rows_are_refused_with_line_and_reason(step_project, change, reason):
    batch = run(step_project, [SAMPLE[1], bad(change)], fmt="prm800k")
    assert batch.status == "rejected"
    assert batch.errors == [{"line": 2, "reason": reason}]
    assert not Item.objects.filter(project=step_project).exists() and not Label.objects.exists()


@pytest.mark.parametrize("row, reason", [
    ({"prompt": "p", "completions": ["a"], "labels": ["yes"]}, "wrong type: 'labels[0]' must be true or false, got a string"),
    ({"prompt": "p", "completions": [], "labels": []}, "wrong type: 'completions' must hold at least 1 item, got 0"),
    ({"prompt": "p", "completions": ["a", ""], "labels": [True, True]}, "empty text in 'completions[1]'"),
    ({"completions": ["a"], "labels": [True]}, "missing field 'prompt'"),
])
def test_bad_trl_stepwise_rows_are_refused_with_line_and_reason(step_project, row, reason):
    good = {"prompt": "q", "completions": ["s"], "labels": [True]}
    batch = run(step_project, [good, good, row], fmt="trl_stepwise")
    assert batch.status == "rejected" and batch.errors == [{"line": 3, "reason": reason}]
    assert not Label.objects.exists()

"""Step exports: PRM800K JSONL and TRL stepwise round trips field by field, raw step labels, the
neutral mapping option, and the export through the command, the API and the export page."""
import io
import json
from operator import itemgetter
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from export_fixtures import annotators, export, label

from apps.datasets.models import Item
from apps.datasets.selectors import item_responses, items_of
from apps.datasets.services import import_file
from apps.labeling.models import Label
from apps.projects.services import project_create
from tests.conftest import login

PRM800K_SAMPLE = Path(__file__).parent / "data" / "prm800k_sample.jsonl"
STEPS = ["Let $x = 3$.", "Then $x^2 = 9$.", "And $x^2 + 1 = 11$.", "# Answer\n\n11"]


def load(project, rows, fmt="native"):
    data = "\n".join(json.dumps(row) for row in rows).encode()
    batch = import_file(project=project, user=None, data=data, filename="rows.jsonl", fmt=fmt)
    assert batch.status == "accepted", batch.errors
    return batch


def lines(rows) -> bytes:
    return "\n".join(json.dumps(row) for row in rows).encode()


@pytest.fixture
def stepped(step_project):
    load(step_project, [{"id": "sq", "prompt": "What is $x^2 + 1$ for $x = 3$?", "responses": [{"steps": STEPS}]},
                        {"id": "two", "prompt": "Is 2 prime?", "responses": [{"steps": ["2 has no divisors but 1 "
                                                                                          "and 2.", "So yes."]}]}])
    return {item.external_id: item for item in Item.objects.filter(project=step_project)}


def stored_labels(project):
    """What a label says, in a form that two projects can compare: by prompt, then annotator's labeller name."""
    out = []
    for item in items_of(project):
        for lab in Label.objects.filter(item=item, is_current=True):
            out.append({"prompt": item.prompt.messages, "steps": item_responses(item)[0].steps,
                        "step_ratings": lab.step_ratings, "step_notes": lab.step_notes,
                        "final_answer_correct": lab.final_answer_correct, "finish_reason": lab.finish_reason,
                        "active_ms": lab.active_ms, "rationale": lab.rationale, "flags": lab.flags})
    return sorted(out, key=lambda row: json.dumps(row, sort_keys=True))


# --- PRM800K ------------------------------------------------------------------------------------------------------

def test_imported_prm800k_rows_export_exactly_as_they_came(step_project):
    import_file(project=step_project, user=None, data=PRM800K_SAMPLE.read_bytes(), filename="prm.jsonl")
    originals = [json.loads(line) for line in PRM800K_SAMPLE.read_text().splitlines()]
    rows = export(step_project, "prm800k")
    key = itemgetter("labeler", "timestamp")
    assert sorted(rows, key=key) == sorted(originals, key=key)
    assert all(list(row) == list(original) for row, original in zip(sorted(rows, key=key), sorted(originals, key=key)))


def test_labels_given_here_export_as_prm800k_rows_field_by_field(step_project, stepped):
    alice, bob = annotators(step_project, "alice", "bob")
    wrong = {"category": "calculation error", "comment": "9 + 1 is 10", "correction": "And $x^2 + 1 = 10$."}
    first = label(stepped["sq"], alice, step_ratings=[1, 0, -1, None], step_notes=[None, None, wrong, None],
                  finish_reason="found_error", active_ms=4200, rationale="arithmetic slip")
    label(stepped["sq"], bob, step_ratings=[1, 1, 1, 1], step_notes=[None] * 4, final_answer_correct=True,
          finish_reason="solution_complete", active_ms=900, flags=["cannot_judge"])
    rows = export(step_project, "prm800k")
    assert len(rows) == 2
    assert rows[0] == {
        "labeler": "alice", "timestamp": first.created_at.isoformat(), "generation": None,
        "is_quality_control_question": False, "is_initial_screening_question": False,
        "question": {"problem": "What is $x^2 + 1$ for $x = 3$?", "pre_generated_steps": STEPS},
        "label": {"steps": [
            {"completions": [{"text": STEPS[0], "rating": 1, "flagged": None}], "human_completion": None,
             "chosen_completion": 0},
            {"completions": [{"text": STEPS[1], "rating": 0, "flagged": None}], "human_completion": None,
             "chosen_completion": 0},
            # PRM800K phase 2: the labeller stopped at the first error, so no completion is chosen there.
            {"completions": [{"text": STEPS[2], "rating": -1, "flagged": None}], "human_completion": None,
             "chosen_completion": None},
        ], "total_time": 4200, "finish_reason": "found_error"},
        "platform": {"step_notes": [None, None, wrong, None], "final_answer_correct": None,
                     "rationale": "arithmetic slip", "flags": []},
    }
    assert [step["chosen_completion"] for step in rows[1]["label"]["steps"]] == [0, 0, 0, 0]
    assert rows[1]["label"]["finish_reason"] == "solution" and rows[1]["platform"]["final_answer_correct"] is True


def test_prm800k_export_reimports_to_the_same_items_and_labels(step_project, stepped):
    alice, bob = annotators(step_project, "alice", "bob")
    wrong = {"category": "logical error", "comment": "", "correction": "Then $x^2 = 9$, not 6."}
    label(stepped["sq"], alice, step_ratings=[1, -1, None, None], step_notes=[None, wrong, None, None],
          finish_reason="found_error", active_ms=3100)
    label(stepped["sq"], bob, step_ratings=[1, 1, 0, 1], step_notes=[None, None, None, None],
          final_answer_correct=False, finish_reason="solution_complete", active_ms=800, rationale="ok")
    label(stepped["two"], alice, step_ratings=[1, None], step_notes=[None, None], finish_reason="give_up")
    label(stepped["two"], bob, step_ratings=[0, 1], step_notes=[{"category": "", "comment": "terse", "correction": ""},
                                                                  None],
          final_answer_correct=True, finish_reason="solution_complete")
    exported = export(step_project, "prm800k")

    again = project_create(user=None, name="Re-imported", task_type="steps")
    batch = import_file(project=again, user=None, data=lines(exported), filename="prm.jsonl")
    assert (batch.format, batch.status, batch.items_created, batch.labels_created) == ("prm800k", "accepted", 2, 4)
    assert stored_labels(again) == stored_labels(step_project)
    assert sorted(Label.objects.filter(item__project=again).values_list("annotator__username", flat=True)) == [
        "ext-prm800k-alice", "ext-prm800k-alice", "ext-prm800k-bob", "ext-prm800k-bob"]
    # And the re-imported labels export back to the very same rows.
    key = itemgetter("labeler", "timestamp")
    assert sorted(export(again, "prm800k"), key=key) == sorted(exported, key=key)


def test_prm800k_export_leaves_out_gold_items_when_asked(step_project, stepped):
    Item.objects.filter(pk=stepped["two"].pk).update(is_gold=True, gold_answer={"steps": [1, 1]})
    (alice,) = annotators(step_project, "alice")
    label(stepped["two"], alice, step_ratings=[1, 1], final_answer_correct=True, finish_reason="solution_complete")
    assert [row["is_quality_control_question"] for row in export(step_project, "prm800k")] == [True]
    assert export(step_project, "prm800k", gold="exclude") == []


# --- TRL stepwise ---------------------------------------------------------------------------------------------------

STEPWISE_ROWS = [
    {"prompt": "Is 91 prime?", "completions": ["91 = 7 * 13.", "So 91 is not prime."], "labels": [True, True]},
    {"prompt": "What is 3 * 4?", "completions": ["3 * 4 = 7.", "So 7."], "labels": [False, False]},
    {"prompt": "Solve $x + 1 = 3$.", "completions": ["$x = 2$.", "Check: $2 + 1 = 3$.", "So $x = 2$."],
     "labels": [True, False, True]},
]


def test_trl_stepwise_file_round_trips_through_import_and_export(step_project):
    batch = import_file(project=step_project, user=None, data=lines(STEPWISE_ROWS), filename="stepwise.jsonl")
    assert (batch.format, batch.status) == ("trl_stepwise", "accepted")
    assert export(step_project, "trl_stepwise") == STEPWISE_ROWS


def test_trl_stepwise_neutral_mapping_is_an_option_and_a_project_setting(step_project, stepped):
    (alice,) = annotators(step_project, "alice")
    label(stepped["sq"], alice, step_ratings=[1, 0, -1, 1], final_answer_correct=True)
    expected = {"prompt": "What is $x^2 + 1$ for $x = 3$?", "completions": STEPS}
    assert export(step_project, "trl_stepwise") == [{**expected, "labels": [True, False, False, True]}]
    assert export(step_project, "trl_stepwise", neutral="true") == [{**expected, "labels": [True, True, False, True]}]
    step_project.trl_neutral_correct = True
    step_project.save()
    assert export(step_project, "trl_stepwise")[0]["labels"] == [True, True, False, True]
    assert export(step_project, "trl_stepwise", neutral="false")[0]["labels"] == [True, False, False, True]


def test_trl_stepwise_rows_end_at_the_first_unrated_step(step_project, stepped):
    alice, bob = annotators(step_project, "alice", "bob")
    label(stepped["sq"], alice, step_ratings=[1, -1, None, None], finish_reason="found_error")
    label(stepped["two"], bob, step_ratings=[None, None], finish_reason="bad_problem")
    assert export(step_project, "trl_stepwise") == [
        {"prompt": "What is $x^2 + 1$ for $x = 3$?", "completions": STEPS[:2], "labels": [True, False]}]


def test_neutral_option_is_checked():
    from apps.datasets.exporters.options import ExportOptions, OptionError
    with pytest.raises(OptionError, match="Option 'neutral' must be one of project, false, true"):
        ExportOptions.from_params({"neutral": "maybe"})


# --- raw step labels ------------------------------------------------------------------------------------------------

def test_raw_step_labels_have_every_version_with_notes_and_first_wrong_step(step_project, stepped):
    (alice,) = annotators(step_project, "alice")
    wrong = {"category": "incomplete", "comment": "", "correction": ""}
    old = label(stepped["two"], alice, step_ratings=[1, -1], step_notes=[None, wrong], finish_reason="found_error",
                active_ms=700)
    Label.objects.filter(pk=old.pk).update(is_current=False)
    new = label(stepped["two"], alice, step_ratings=[1, 1], step_notes=[None, None], final_answer_correct=True,
                finish_reason="solution_complete", version=2, previous=old, source="api", active_ms=300)
    rows = export(step_project, "step_labels")
    assert rows[0] == {
        "label_id": old.pk, "item_id": stepped["two"].pk, "item_external_id": "two", "is_gold": False,
        "annotator": "alice", "prompt": "Is 2 prime?", "steps": ["2 has no divisors but 1 and 2.", "So yes."],
        "step_ratings": [1, -1], "step_notes": [None, wrong], "first_wrong_step": 1, "final_answer_correct": None,
        "finish_reason": "found_error", "rationale": "", "flags": [], "active_ms": 700, "source": "ui",
        "is_current": False, "version": 1, "previous_id": None, "assignment_id": None,
        "created_at": old.created_at.isoformat(),
    }
    assert rows[1]["label_id"] == new.pk and rows[1]["first_wrong_step"] is None and rows[1]["previous_id"] == old.pk
    assert rows[1]["final_answer_correct"] is True and rows[1]["version"] == 2
    assert [row["label_id"] for row in export(step_project, "step_labels", current_only="true")] == [new.pk]


# --- where exports are asked for ------------------------------------------------------------------------------------

def test_command_api_and_page_give_the_step_formats(client, step_project, stepped, lead):
    (alice,) = annotators(step_project, "alice")
    label(stepped["sq"], alice, step_ratings=[1, 0, 1, 1], final_answer_correct=True)
    expected = export(step_project, "trl_stepwise", neutral="true")

    out, err = io.StringIO(), io.StringIO()
    call_command("export_labels", step_project.slug, "--format", "trl_stepwise", "--neutral", "true", stdout=out,
                 stderr=err)
    assert [json.loads(line) for line in out.getvalue().splitlines()] == expected
    assert "Exported 1 trl_stepwise rows" in err.getvalue()

    login(client, lead)
    api = client.get(reverse("api-export", args=[step_project.slug, "trl_stepwise"]), {"neutral": "true"})
    assert api.status_code == 200
    assert [json.loads(line) for line in b"".join(api.streaming_content).decode().splitlines()] == expected
    bad = client.get(reverse("api-export", args=[step_project.slug, "trl_stepwise"]), {"neutral": "maybe"})
    assert bad.status_code == 400 and "neutral" in bad.json()["error"]["message"]

    page = client.get(reverse("datasets:export", args=[step_project.slug])).content.decode()
    assert all(key in page for key in ("prm800k", "trl_stepwise", "step_labels", 'name="neutral"'))
    download = client.get(reverse("datasets:export_download", args=[step_project.slug]),
                          {"format": "prm800k"})
    assert download.status_code == 200 and 'filename="math-steps-prm800k.jsonl"' in download["Content-Disposition"]
    assert len(b"".join(download.streaming_content).decode().splitlines()) == 1

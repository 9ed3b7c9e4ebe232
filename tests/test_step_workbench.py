"""The step page and the labelling API for step items: categories, comments, corrections, first wrong
step, final answer and finish reason, submitted from the form and through the API, read back and edited."""
import json

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from apps.accounts.models import Membership, Role
from apps.accounts.services import token_create
from apps.datasets.services import import_file
from apps.labeling.models import Label
from apps.labeling.services import next_assignment
from tests.conftest import login

HTMX = {"HTTP_HX_REQUEST": "true"}
STEPS = ["$3 \\cdot 4 = 12$", "$12 + 2 = 15$", "# Answer\n\n15"]


@pytest.fixture
def assignment(step_project, annotator):
    row = {"prompt": "What is $2 + 3 \\cdot 4$?", "responses": [{"steps": STEPS}]}
    import_file(project=step_project, user=None, data=json.dumps(row).encode(), filename="s.jsonl", fmt="native")
    Membership.objects.create(user=annotator, project=step_project, role=Role.ANNOTATOR)
    return next_assignment(project=step_project, user=annotator)


def work(step_project):
    return reverse("labeling:work", args=[step_project.slug])


def test_step_page_has_pickers_final_answer_and_finish_reasons(client, step_project, annotator, assignment):
    html = login(client, annotator).get(work(step_project)).content.decode()
    assert html.count('name="note-1-category"') == 6 + 1  # the taxonomy, and "none" for pages without JavaScript
    assert 'value="calculation error" data-key="1"' in html and 'value="irrelevant" data-key="6"' in html
    assert 'name="note-2-comment"' in html and 'name="note-2-correction"' in html
    assert 'name="final_answer_correct" value="yes" data-key="Y"' in html and 'data-final="required"' in html
    assert all(f'name="finish_reason" value="{v}"' in html for v in ("found_error", "solution_complete", "bad_problem",
                                                                     "give_up"))
    assert "First wrong step: <strong data-first-wrong>none</strong>" in html
    assert '<span class="math inline">3 \\cdot 4 = 12</span>' in html


def test_form_submit_stores_notes_and_shows_the_first_wrong_step_on_refusal(client, step_project, annotator,
                                                                            assignment):
    login(client, annotator)
    data = {"assignment_id": assignment.pk, "step-0": "1", "step-1": "-1", "step-2": "-1",
            "note-1-comment": "12 + 2 is 14", "note-1-correction": "$12 + 2 = 14$", "final_answer_correct": "no"}
    refused = client.post(work(step_project), data, **HTMX)
    html = refused.content.decode()
    assert refused.status_code == 422 and "Step 2 is marked wrong: choose its error category." in html
    assert "First wrong step: <strong data-first-wrong>step 2</strong>" in html
    assert "12 + 2 is 14</textarea>" in html and '<li class="step wrong"' in html
    data.update({"note-1-category": "calculation error", "note-2-category": "logical error"})
    assert client.post(work(step_project), data, **HTMX).status_code == 200
    label = Label.objects.get(annotator=annotator)
    assert label.step_ratings == [1, -1, -1] and label.first_wrong_step == 1
    assert label.step_notes == [
        None, {"category": "calculation error", "comment": "12 + 2 is 14", "correction": "$12 + 2 = 14$"},
        {"category": "logical error", "comment": "", "correction": ""}]
    assert (label.final_answer_correct, label.finish_reason, label.source) == (False, "found_error", "ui")


def test_unknown_category_and_finish_reason_are_parse_errors(client, step_project, annotator, assignment):
    data = {"assignment_id": assignment.pk, "step-0": "-1", "note-0-category": "typo", "finish_reason": "done"}
    response = login(client, annotator).post(work(step_project), data, **HTMX)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Step 1: “typo” is not one of the error categories." in html and "“done” is not a finish reason." in html


def test_editing_a_step_label_prefills_notes_and_answer(client, step_project, annotator, assignment):
    login(client, annotator)
    client.post(work(step_project), {"assignment_id": assignment.pk, "step-0": "1", "step-1": "-1",
                                     "note-1-category": "incomplete", "note-1-comment": "why?", "step-2": "0",
                                     "final_answer_correct": "no", "finish_reason": "found_error"}, **HTMX)
    label = Label.objects.get(annotator=annotator)
    edit = reverse("labeling:edit", args=[step_project.slug, label.pk])
    html = client.get(edit).content.decode()
    assert 'value="incomplete" data-key="5" checked' in html and "why?</textarea>" in html
    assert 'name="final_answer_correct" value="no" data-key="N" checked' in html
    assert 'checked' not in html.split('name="finish_reason" value="found_error"')[1][:10]  # derived: not pre-chosen
    mine = client.get(reverse("labeling:mine", args=[step_project.slug])).content.decode()
    assert "steps ✓ ✗ ○ · first wrong: step 2 · answer wrong" in mine
    response = client.post(edit, {"step-0": "1", "step-1": "1", "step-2": "1", "final_answer_correct": "yes"})
    assert response.status_code == 302
    new = Label.objects.get(annotator=annotator, is_current=True)
    assert (new.version, new.step_ratings, new.finish_reason, new.final_answer_correct) == (
        2, [1, 1, 1], "solution_complete", True)


# --- the API ------------------------------------------------------------------------------------------------------

def api_for(user) -> APIClient:
    _token, key = token_create(user=user, name="t")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_api_gives_the_step_rules_and_takes_notes(step_project, annotator, assignment):
    step_project.stop_at_first_error = True
    step_project.save()
    api = api_for(annotator)
    base = f"/api/projects/{step_project.slug}/"
    data = api.post(base + "assignments/next/").json()
    assert data["id"] == assignment.pk and data["item"]["responses"][0]["steps"] == STEPS
    assert data["step_rules"] == {"error_categories": step_project.error_categories, "stop_at_first_error": True,
                                  "final_answer": "required"}
    path = base + f"assignments/{assignment.pk}/submit/"
    missing = api.post(path, {"step_ratings": [1, -1, None]}, format="json")
    assert missing.status_code == 400
    assert missing.json()["error"]["details"]["step_notes"] == ["Step 2 is marked wrong: choose its error category."]
    unknown = api.post(path, {"step_ratings": [1, -1, None], "step_notes": [None, {"kind": "x"}, None]}, format="json")
    assert unknown.status_code == 400
    note = {"category": "calculation error", "correction": "$12 + 2 = 14$"}
    ok = api.post(path, {"step_ratings": [1, -1, 1], "step_notes": [None, note, None]}, format="json")
    assert ok.status_code == 201, ok.content
    body = ok.json()
    assert body["step_ratings"] == [1, -1, None] and body["first_wrong_step"] == 1
    assert body["step_notes"] == [None, {**note, "comment": ""}, None]
    assert (body["final_answer_correct"], body["finish_reason"]) == (None, "found_error")
    again = api.post(path, {"step_ratings": [1, -1, 1], "step_notes": [None, note, None]}, format="json")
    assert again.status_code == 200 and again.json()["id"] == body["id"]

    edited = api.patch(base + f"labels/mine/{body['id']}/",
                       {"step_ratings": [1, 1, 1], "step_notes": None, "final_answer_correct": False}, format="json")
    assert edited.status_code == 200, edited.content
    new = edited.json()
    assert (new["version"], new["first_wrong_step"], new["finish_reason"]) == (2, None, "solution_complete")
    assert new["history"][0]["step_notes"][1]["category"] == "calculation error"


def test_step_fields_are_in_the_openapi_schema(client):
    schema = client.get("/api/schema/?format=json").json()
    components = schema["components"]["schemas"]
    judgement = components["JudgementInputRequest"]["properties"]
    assert {"step_notes", "final_answer_correct", "finish_reason"} <= set(judgement)
    assert {"first_wrong_step", "step_notes", "final_answer_correct", "finish_reason"} <= set(
        components["Label"]["properties"])
    assert "step_rules" in components["Assignment"]["properties"]

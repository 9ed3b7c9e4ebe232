"""Hostile prompts, responses, guidelines and anchors render inert on the annotator's pages."""
import json

import pytest
from django.urls import reverse

from apps.accounts.models import Membership, Role
from apps.datasets.services import import_file
from apps.labeling.judgements import Judgement
from apps.labeling.services import next_assignment, submit_label
from apps.projects.services import DimensionSpec, current_rubric, project_create
from tests.conftest import login
from tests.test_xss import A_JS, ALL, IMG, SCRIPT, SVG, assert_inert


@pytest.fixture
def hostile(lead, annotator):
    project = project_create(
        user=lead, name=f"Evil {SCRIPT}", slug="evil", guidelines=f"# Rules\n\n{ALL}",
        dimensions=[DimensionSpec("harm", f"Harm {SVG}", f"About {ALL}", 1, 3, {"1": SCRIPT, "2": ALL, "3": IMG})],
    )
    Membership.objects.create(user=annotator, project=project, role=Role.ANNOTATOR)
    rows = [{"id": "x", "prompt": [{"role": "system", "content": ALL}, {"role": "user", "content": ALL}],
             "responses": [f"{ALL}\n\n```html\n{SCRIPT}\n```", f"$x{SCRIPT}$ {ALL}"]},
            {"id": "y", "prompt": ALL, "responses": ["plain", ALL]}]
    batch = import_file(project=project, user=None, data="\n".join(map(json.dumps, rows)).encode(),
                        filename="x.jsonl", fmt="native")
    assert batch.status == "accepted", batch.errors
    return project


def test_item_page_is_inert(client, hostile, annotator):
    html = login(client, annotator).get(reverse("labeling:work", args=["evil"])).content.decode()
    assert_inert(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown as text


def test_validation_error_page_is_inert(client, hostile, annotator):
    assignment = next_assignment(project=hostile, user=annotator)
    response = login(client, annotator).post(
        reverse("labeling:work", args=["evil"]),
        {"assignment_id": assignment.pk, "preference": SCRIPT, "rationale": SCRIPT, "score-harm-0": IMG},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 400
    assert_inert(response.content.decode())


def test_home_mine_and_edit_pages_are_inert(client, hostile, annotator):
    assignment = next_assignment(project=hostile, user=annotator)
    label = submit_label(project=hostile, user=annotator, assignment_id=assignment.pk,
                         judgement=Judgement(preference=1, scores={"harm": [1, 2]}, rationale=ALL),
                         rubric_version_id=current_rubric(hostile).pk)
    login(client, annotator)
    for url in (reverse("labeling:home"), reverse("labeling:mine", args=["evil"]),
                reverse("labeling:edit", args=["evil", label.pk])):
        response = client.get(url)
        assert response.status_code == 200
        assert_inert(response.content.decode())


def test_rationales_on_the_leads_item_pages_and_the_audit_trail_are_inert(client, hostile, annotator, lead, staff):
    """A hostile rationale, username and project name seen by the lead (item pages) and by staff (audit)."""
    assignment = next_assignment(project=hostile, user=annotator)
    label = submit_label(project=hostile, user=annotator, assignment_id=assignment.pk,
                         judgement=Judgement(preference=1, scores={"harm": [1, 2]}, rationale=ALL),
                         rubric_version_id=current_rubric(hostile).pk)
    login(client, lead)
    for url in (reverse("datasets:item", args=["evil", label.item_id]), reverse("datasets:items", args=["evil"]),
                reverse("datasets:export", args=["evil"])):
        response = client.get(url)
        assert response.status_code == 200
        assert_inert(response.content.decode())
    from apps.audit.services import record_event

    record_event("test.hostile", project=hostile, detail={"note": ALL, SCRIPT: IMG}, actor=lead)
    login(client, staff)
    html = client.get("/audit/", {"project": "evil"}).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert_inert(html)


# --- the step-marking page: hostile steps, prompt, error categories, and the annotator's own notes --------------


@pytest.fixture
def hostile_steps(lead, annotator):
    from tests.test_xss import HOSTILE

    project = project_create(user=lead, name=f"Steps {SCRIPT}", slug="evil-steps", task_type="steps",
                             guidelines=HOSTILE, error_categories=[f"wrong {SCRIPT}", f"odd {IMG}", "typo"])
    Membership.objects.create(user=annotator, project=project, role=Role.ANNOTATOR)
    steps = [f"{HOSTILE} step one", f"$x{SCRIPT}$ and {SVG}", f"```html\n{SCRIPT}\n```\n\n{A_JS}"]
    row = {"id": "s", "prompt": HOSTILE, "responses": [{"steps": steps, "model": SCRIPT}]}
    batch = import_file(project=project, user=None, data=json.dumps(row).encode(), filename="s.jsonl", fmt="native")
    assert batch.status == "accepted", batch.errors
    return project


def test_step_marking_page_is_inert(client, hostile_steps, annotator):
    html = login(client, annotator).get(reverse("labeling:work", args=["evil-steps"])).content.decode()
    assert_inert(html)
    assert html.count('<li class="step') == 3  # every step rendered, as text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "wrong &lt;script&gt;alert(1)&lt;/script&gt;" in html  # the lead's error category, as text


def test_step_notes_render_inert_wherever_they_are_shown(client, hostile_steps, annotator, lead):
    from tests.test_xss import HOSTILE

    assignment = next_assignment(project=hostile_steps, user=annotator)
    login(client, annotator)
    work = reverse("labeling:work", args=["evil-steps"])
    data = {"assignment_id": assignment.pk, "step-0": "1", "step-1": "-1", "step-2": "-1",
            "note-1-comment": HOSTILE, "note-1-correction": HOSTILE, "rationale": HOSTILE,
            "final_answer_correct": "no"}
    refused = client.post(work, data, HTTP_HX_REQUEST="true")  # no category for the wrong steps: echoed back
    assert refused.status_code == 422
    assert_inert(refused.content.decode())
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in refused.content.decode()
    data.update({"note-1-category": f"wrong {SCRIPT}", "note-2-category": "typo"})
    assert client.post(work, data, HTTP_HX_REQUEST="true").status_code == 200
    label = hostile_steps.items.get().labels.get()
    assert label.step_notes[1]["comment"] == HOSTILE.strip()
    for url in (reverse("labeling:mine", args=["evil-steps"]), reverse("labeling:edit", args=["evil-steps", label.pk])):
        response = client.get(url)
        assert response.status_code == 200
        assert_inert(response.content.decode())
    login(client, lead)
    for url in (f"/projects/evil-steps/quality/items/{label.item_id}/", f"/projects/evil-steps/items/{label.item_id}/"):
        response = client.get(url)
        assert response.status_code == 200
        html = response.content.decode()
        assert_inert(html)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html

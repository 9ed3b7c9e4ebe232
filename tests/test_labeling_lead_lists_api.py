"""Leads' API lists over a whole project: assignments with their leases, and every annotator's labels; filters,
pages, who may read them, and that annotators (who may not) learn nothing from them."""
import json
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.services import token_create
from apps.datasets.services import import_file
from apps.labeling.judgements import Judgement
from apps.labeling.models import Assignment, Label
from apps.labeling.services import edit_label, next_assignment, skip_assignment, submit_label
from apps.projects.services import current_rubric

SCORES = {"accuracy": [4, 2], "coherence": [5, 3]}
GOLD_MARK = "GOLD-REFERENCE-4410"


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_create(user=user, name='t')[1]}")
    return client


def url(project, rest, **query):
    from urllib.parse import urlencode

    return f"/api/projects/{project.slug}/{rest}" + (f"?{urlencode(query)}" if query else "")


def label(project, user, rationale=""):
    assignment = next_assignment(project=project, user=user)
    return submit_label(project=project, user=user, assignment_id=assignment.pk,
                        judgement=Judgement(preference=1, scores=SCORES, rationale=rationale),
                        rubric_version_id=current_rubric(project).pk)


@pytest.fixture
def busy(project, users):
    """Six items (one gold); the annotator and the lead each labelled one, the annotator edited theirs, the lead
    skipped one, the admin holds a lease, and the staff user's lease has run out."""
    rows = [{"id": f"q{i}", "prompt": f"Question {i}?", "responses": [f"A{i}", f"B{i}"]} for i in range(5)]
    rows.append({"id": "gold", "prompt": "Gold?", "responses": ["right", "wrong"],
                 "gold": {"preference": 1, "rationale": GOLD_MARK}})
    batch = import_file(project=project, user=None, data="\n".join(map(json.dumps, rows)).encode(),
                        filename="items.jsonl", fmt="native")
    assert batch.status == "accepted", batch.errors
    mine = label(project, users["annotator"], rationale="first thoughts")
    edited = edit_label(project=project, user=users["annotator"], label_id=mine.pk,
                        judgement=Judgement(preference=-1, scores=SCORES, rationale="second thoughts"),
                        rubric_version_id=current_rubric(project).pk)
    theirs = label(project, users["lead"], rationale="the lead's reasons")
    skipped = next_assignment(project=project, user=users["lead"])
    skip_assignment(project=project, user=users["lead"], assignment_id=skipped.pk, reason="unclear prompt")
    held = next_assignment(project=project, user=users["padmin"])
    lapsed = next_assignment(project=project, user=users["staff"])
    Assignment.objects.filter(pk=lapsed.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    return {"first": mine, "edited": edited, "theirs": theirs, "skipped": skipped, "held": held, "lapsed": lapsed}


def ids(response):
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.mark.parametrize("who, status", [("lead", 200), ("padmin", 200), ("staff", 200), ("annotator", 403),
                                         ("outsider", 404)])
@pytest.mark.parametrize("rest", ["assignments/", "labels/"])
def test_only_leads_and_admins_read_the_project_lists(project, users, busy, who, status, rest):
    response = client_for(users[who]).get(url(project, rest))
    assert response.status_code == status
    if status != 200:
        body = response.json()
        assert set(body["error"]) == {"code", "message", "details"}
        text = response.content.decode()
        assert "second thoughts" not in text and "the lead's reasons" not in text and GOLD_MARK not in text
    assert APIClient().get(url(project, rest)).status_code == 401


def test_another_project_answers_like_a_missing_one(project, users, busy):
    client = client_for(users["outsider"])
    for rest in ("assignments/", "labels/"):
        real = client.get(url(project, rest))
        missing = client.get(f"/api/projects/no-such-project/{rest}")
        assert real.status_code == missing.status_code == 404 and real.json() == missing.json()


def test_assignments_show_leases_and_filter_by_status_annotator_and_item(project, users, busy):
    client = client_for(users["lead"])
    response = client.get(url(project, "assignments/"))
    body = response.json()
    assert body["count"] == 5 and {"next", "previous"} <= set(body)
    rows = {row["id"]: row for row in body["results"]}
    held, lapsed, skipped = (rows[busy[k].pk] for k in ("held", "lapsed", "skipped"))
    assert held["annotator"] == "padmin" and held["status"] == "open" and held["lease_live"] is True
    assert held["item"] == busy["held"].item_id and held["label"] is None and held["finished_at"] is None
    assert lapsed["status"] == "open" and lapsed["lease_live"] is False
    assert skipped["status"] == "skipped" and skipped["skip_reason"] == "unclear prompt"
    submitted = rows[busy["first"].assignment_id]
    assert submitted["status"] == "submitted" and submitted["label"] == busy["first"].pk
    assert set(held) == {"id", "item", "annotator", "status", "lease_live", "created_at", "expires_at",
                         "finished_at", "skip_reason", "label"}
    assert [r["id"] for r in body["results"]] == sorted(rows, reverse=True)  # newest first

    assert ids(client.get(url(project, "assignments/", status="live"))) == [busy["held"].pk]
    assert ids(client.get(url(project, "assignments/", status="lapsed"))) == [busy["lapsed"].pk]
    assert set(ids(client.get(url(project, "assignments/", status="open")))) == {busy["held"].pk, busy["lapsed"].pk}
    assert len(ids(client.get(url(project, "assignments/", status="submitted")))) == 2
    assert set(ids(client.get(url(project, "assignments/", annotator="lead")))) == {
        busy["theirs"].assignment_id, busy["skipped"].pk}
    on_item = set(Assignment.objects.filter(item_id=busy["held"].item_id).values_list("pk", flat=True))
    assert busy["held"].pk in on_item and len(on_item) < 5
    assert set(ids(client.get(url(project, "assignments/", item=busy["held"].item_id)))) == on_item
    assert ids(client.get(url(project, "assignments/", annotator="nobody"))) == []


def test_labels_list_current_or_all_versions_in_canonical_order(project, users, busy):
    client = client_for(users["padmin"])
    current = client.get(url(project, "labels/")).json()
    assert current["count"] == 2
    by_id = {row["id"]: row for row in current["results"]}
    edited = by_id[busy["edited"].pk]
    assert edited["annotator"] == "annotator" and edited["version"] == 2 and edited["is_current"]
    assert edited["previous"] == busy["first"].pk and edited["rationale"] == "second thoughts"
    stored = Label.objects.get(pk=busy["edited"].pk)
    assert edited["preference"] == stored.preference and edited["scores"] == stored.scores  # as stored: canonical
    assert edited["rubric_version"] == 1 and edited["source"] == "ui" and edited["item"] == stored.item_id
    assert busy["first"].pk not in by_id

    every = ids(client.get(url(project, "labels/", versions="all")))
    assert set(every) == {busy["first"].pk, busy["edited"].pk, busy["theirs"].pk}
    assert ids(client.get(url(project, "labels/", annotator="lead"))) == [busy["theirs"].pk]
    on_item = set(Label.objects.filter(item_id=busy["theirs"].item_id, is_current=True).values_list("pk", flat=True))
    assert set(ids(client.get(url(project, "labels/", item=busy["theirs"].item_id)))) == on_item
    assert set(ids(client.get(url(project, "labels/", annotator="annotator", versions="all")))) == {
        busy["first"].pk, busy["edited"].pk}


def test_labels_filter_by_creation_time(project, users, busy):
    client = client_for(users["lead"])
    Label.objects.filter(pk=busy["theirs"].pk).update(created_at=timezone.now() - timedelta(days=3))
    cut = (timezone.now() - timedelta(days=1)).isoformat()
    assert ids(client.get(url(project, "labels/", created_before=cut))) == [busy["theirs"].pk]
    assert ids(client.get(url(project, "labels/", created_after=cut))) == [busy["edited"].pk]
    day = (timezone.now() - timedelta(days=3)).date().isoformat()
    assert busy["theirs"].pk in ids(client.get(url(project, "labels/", created_after=day + "T00:00:00Z")))


@pytest.mark.parametrize("rest, query", [
    ("assignments/", {"status": "gone"}), ("assignments/", {"item": "x"}), ("assignments/", {"item": "0"}),
    ("assignments/", {"item": str(2**64)}), ("labels/", {"versions": "some"}),
    ("labels/", {"created_after": "yesterday"}), ("labels/", {"created_before": "2024-13-40T00:00:00"}),
    ("labels/", {"item": "-1"}),
])
def test_bad_filters_are_a_clear_400(project, users, busy, rest, query):
    response = client_for(users["lead"]).get(url(project, rest, **query))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] and next(iter(query)) in error["details"]


def test_a_nul_in_the_annotator_filter_is_dropped(project, users, busy):
    client = client_for(users["lead"])
    assert set(ids(client.get(url(project, "assignments/", annotator="le\x00ad")))) == {
        busy["theirs"].assignment_id, busy["skipped"].pk}
    assert ids(client.get(url(project, "labels/", annotator="\x00lead"))) == [busy["theirs"].pk]


def test_lists_are_paginated(project, users, busy, monkeypatch):
    from rest_framework.pagination import PageNumberPagination

    monkeypatch.setattr(PageNumberPagination, "page_size", 2)  # read from PAGE_SIZE when DRF loads
    client = client_for(users["lead"])
    first = client.get(url(project, "assignments/")).json()
    assert first["count"] == 5 and len(first["results"]) == 2 and first["next"] and first["previous"] is None
    last = client.get(url(project, "assignments/", page=3)).json()
    assert len(last["results"]) == 1 and last["next"] is None
    assert client.get(url(project, "assignments/", page=9)).status_code == 404
    labels = client.get(url(project, "labels/", versions="all")).json()
    assert labels["count"] == 3 and len(labels["results"]) == 2


def test_the_lists_are_in_the_schema(client):
    schema = json.loads(client.get("/api/schema/?format=json").content)
    for path, operation in (("/api/projects/{slug}/assignments/", "assignments_list"),
                            ("/api/projects/{slug}/labels/", "labels_list")):
        get = schema["paths"][path]["get"]
        assert get["operationId"] == operation
        params = {p["name"] for p in get["parameters"]}
        assert {"page", "slug"} <= params
    assert {"status", "annotator", "item"} <= {p["name"] for p in
                                              schema["paths"]["/api/projects/{slug}/assignments/"]["get"]["parameters"]}
    assert {"annotator", "item", "versions", "created_after", "created_before"} <= {
        p["name"] for p in schema["paths"]["/api/projects/{slug}/labels/"]["get"]["parameters"]}

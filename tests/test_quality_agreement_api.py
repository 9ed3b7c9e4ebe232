"""GET /api/projects/<slug>/agreement/ and /disagreements/ (leads and admins only), ``manage.py agreement``,
and the heavy statistics the Celery task stores with their age."""
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.labeling.models import Label
from apps.quality.models import StatsSnapshot
from tests.conftest import make_user
from tests.test_quality_live import _items


@pytest.fixture
def labelled(project, annotator, lead):
    raters = [annotator, lead, make_user("third")]
    items = _items(project, 12, gold_every=4)
    for n, item in enumerate(items):
        for r, rater in enumerate(raters[:2]):
            Label.objects.create(item=item, annotator=rater, preference=[1, 1, -1, 0][(n + r * (n % 3)) % 4],
                                 shown_order=[r % 2, 1 - r % 2], active_ms=1000 * (n + 1),
                                 scores={"accuracy": [n % 5 + 1, 3]})
    return project


@pytest.mark.parametrize("who,status", [("lead", 200), ("padmin", 200), ("staff", 200), ("annotator", 403),
                                        ("outsider", 404)])
def test_agreement_api_is_for_leads_and_admins(api, users, labelled, who, status):
    api.force_authenticate(users[who])
    response = api.get(f"/api/projects/{labelled.slug}/agreement/")
    assert response.status_code == status
    if status == 403:
        assert response.json()["error"]["code"] == "permission_denied"
    response = api.get(f"/api/projects/{labelled.slug}/disagreements/")
    assert response.status_code == status


def test_agreement_api_anonymous_is_refused(api, labelled):
    assert api.get(f"/api/projects/{labelled.slug}/agreement/").status_code in (401, 403)


def test_agreement_api_returns_live_figures(api, lead, labelled):
    api.force_authenticate(lead)
    body = api.get(f"/api/projects/{labelled.slug}/agreement/").json()
    assert body["headline"]["labels"] == 24
    assert body["headline"]["items_complete"] == 12  # overlap 2
    assert body["headline"]["alpha"]["value"] is not None
    assert body["headline"]["alpha_interval"]["low"] is None and body["headline"]["alpha_interval"]["reason"]
    assert body["heavy"]["available"] is False
    assert {row["key"] for row in body["dimensions"]} == {"accuracy", "coherence"}
    coherence = next(row for row in body["dimensions"] if row["key"] == "coherence")
    assert coherence["alpha_ordinal"]["value"] is None and coherence["alpha_ordinal"]["reason"]
    assert body["headline"]["gold_accuracy"]["reason"] == "too few gold items to judge"
    assert {row["username"] for row in body["annotators"]} == {"annotator", "lead"}


def test_disagreement_api_pages(api, lead, labelled):
    api.force_authenticate(lead)
    body = api.get(f"/api/projects/{labelled.slug}/disagreements/?limit=2").json()
    assert body["count"] >= len(body["results"]) > 0
    assert body["results"][0]["split"] >= body["results"][-1]["split"]
    assert api.get(f"/api/projects/{labelled.slug}/disagreements/?limit=0").status_code == 400
    assert api.get(f"/api/projects/{labelled.slug}/disagreements/?limit=x").status_code == 400


def test_agreement_is_in_the_openapi_schema(api, lead):
    api.force_authenticate(lead)
    schema = api.get("/api/schema/?format=json").json()
    assert "/api/projects/{slug}/agreement/" in schema["paths"]
    assert "/api/projects/{slug}/disagreements/" in schema["paths"]


def test_command_prints_every_figure_as_json(labelled):
    out = StringIO()
    call_command("agreement", labelled.slug, "--json", stdout=out)
    board = json.loads(out.getvalue())
    assert board["headline"]["labels"] == 24
    assert board["heavy"]["available"] is False


def test_command_refresh_computes_heavy_statistics_with_their_age(labelled):
    out = StringIO()
    call_command("agreement", labelled.slug, "--json", "--refresh", stdout=out)
    board = json.loads(out.getvalue())
    assert board["heavy"]["available"] and board["heavy"]["age_seconds"] >= 0
    assert not board["heavy"]["stale"]
    interval = board["headline"]["alpha_interval"]
    assert interval["low"] is not None and interval["low"] <= board["headline"]["alpha"]["value"] <= interval["high"]
    assert interval["computed_at"]
    rows = {row["username"]: row for row in board["annotators"]}
    assert rows["lead"]["loo_agreement"]["compared"] == 12
    assert rows["lead"]["active_time"]["median_s"] == pytest.approx(6.5)
    assert rows["lead"]["dawid_skene_reliability"] is not None
    assert len(board["heatmap"]["cells"]) == 2 and board["heatmap"]["cells"][0][1]["n"] == 12
    assert board["trends"]["points"]
    assert StatsSnapshot.objects.get(project=labelled).labels_seen == 24


def test_command_readable_output_and_rebuild(labelled):
    out = StringIO()
    call_command("agreement", labelled.slug, "--rebuild", stdout=out)
    assert "alpha (preference, ordinal)" in out.getvalue()


def test_command_unknown_project(db):
    with pytest.raises(CommandError):
        call_command("agreement", "nope")


def test_celery_task_refreshes_projects_whose_labels_changed(labelled, annotator):
    from worker.tasks.quality import refresh_heavy_statistics

    assert refresh_heavy_statistics() >= 1
    assert StatsSnapshot.objects.filter(project=labelled).exists()
    assert refresh_heavy_statistics() == 0  # nothing changed since
    Label.objects.filter(item__project=labelled, annotator=annotator).first().delete()
    assert refresh_heavy_statistics() == 1

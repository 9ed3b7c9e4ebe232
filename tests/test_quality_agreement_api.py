"""GET /api/projects/<slug>/agreement/ and /disagreements/ (leads and admins only), ``manage.py agreement``,
and the heavy statistics the Celery task stores with their age: each item's Dawid-Skene label offered beside
its majority, and trends (alpha per rubric dimension too) by the time window asked for."""
import json
from collections import defaultdict
from datetime import timedelta
from io import StringIO

import krippendorff
import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.labeling.models import Label
from apps.projects.services import project_update
from apps.quality.heavy import refresh_snapshot
from apps.quality.models import DawidSkeneLabel, StatsSnapshot
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


@pytest.fixture
def reliable_and_not(project):
    """Three reliable raters and two who always say the opposite on eight items; on the last item one reliable
    rater says A and the two others B: the majority is B, Dawid-Skene (which learned who to trust) says A."""
    project_update(project, overlap=5)
    raters = [make_user(f"good{i}") for i in range(3)] + [make_user(f"bad{i}") for i in range(2)]
    items = _items(project, 9)
    for n, item in enumerate(items[:8]):
        truth = 1 if n % 2 == 0 else -1
        for r, rater in enumerate(raters):
            Label.objects.create(item=item, annotator=rater, preference=truth if r < 3 else -truth)
    for rater, preference in zip([raters[0], raters[3], raters[4]], [2, -1, -1]):
        Label.objects.create(item=items[8], annotator=rater, preference=preference)
    return items


def test_refresh_stores_each_items_dawid_skene_label_beside_the_majority(api, lead, project, reliable_and_not):
    items = reliable_and_not
    call_command("agreement", project.slug, "--refresh", stdout=StringIO())
    stored = {row.item_id: row for row in DawidSkeneLabel.objects.filter(project=project)}
    assert set(stored) == {item.pk for item in items}
    assert [stored[item.pk].value for item in items[:8]] == ["A", "B"] * 4
    x = stored[items[8].pk]
    assert (x.value, x.majority) == ("A", "B") and x.confidence > 0.99
    assert x.label_ids == sorted(Label.objects.filter(item=items[8]).values_list("pk", flat=True))
    refresh_snapshot(project)  # nothing changed: no row is rewritten
    assert {row.pk: row.computed_at for row in DawidSkeneLabel.objects.filter(project=project)} == {
        row.pk: row.computed_at for row in stored.values()}

    api.force_authenticate(lead)
    body = api.get(f"/api/projects/{project.slug}/disagreements/").json()
    row = next(r for r in body["results"] if r["item_id"] == items[8].pk)
    assert (row["majority"], row["dawid_skene"]["value"], row["agree"]) == ("B", "A", False)
    assert row["dawid_skene"]["stale"] is False and row["dawid_skene"]["computed_at"]

    # an edit: the stored label no longer matches the item's current labels until the statistics run again
    old = Label.objects.filter(item=items[8], preference=2).get()
    Label.objects.filter(pk=old.pk).update(is_current=False)
    Label.objects.create(item=items[8], annotator=old.annotator, preference=-2, version=2, previous=old)
    row = next(r for r in api.get(f"/api/projects/{project.slug}/disagreements/").json()["results"]
               if r["item_id"] == items[8].pk)
    assert row["dawid_skene"]["stale"] is True
    refresh_snapshot(project)  # replaces every row of the project
    assert DawidSkeneLabel.objects.filter(project=project).count() == 9
    fresh = DawidSkeneLabel.objects.get(item=items[8])
    # all three now say B, but two of them always say the opposite of the truth: Dawid-Skene still says A
    assert (fresh.value, fresh.majority) == ("A", "B")
    assert fresh.label_ids == sorted(Label.objects.filter(item=items[8], is_current=True).values_list("pk", flat=True))
    items[0].delete()
    assert DawidSkeneLabel.objects.filter(project=project).count() == 8


def test_dawid_skene_rows_are_not_written_for_a_project_without_labels(project):
    refresh_snapshot(project)
    assert not DawidSkeneLabel.objects.exists()
    assert StatsSnapshot.objects.get(project=project).data["annotators"] == {}


@pytest.fixture
def over_ten_days(project, annotator, lead):
    """Three raters score two items a day for ten days (accuracy 1-5 on both responses)."""
    project_update(project, overlap=3)
    raters = [annotator, lead, make_user("third")]
    items = _items(project, 20)
    start = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=12)
    for n, item in enumerate(items):
        for r, rater in enumerate(raters):
            label = Label.objects.create(item=item, annotator=rater, preference=[1, -1, 0][(n + r) % 3],
                                         scores={"accuracy": [(n * r + n) % 5 + 1, (n + 2 * r) % 3 + 2]})
            Label.objects.filter(pk=label.pk).update(created_at=start + timedelta(days=n // 2, hours=r, minutes=n))
    return project


def reference_dimension_trend(project, size):
    """Ordinal alpha of "accuracy" per window of ``size`` from the first label, by the ``krippendorff`` package."""
    labels = list(Label.objects.filter(item__project=project, is_current=True))
    start = min(lab.created_at for lab in labels)
    windows = defaultdict(list)
    for lab in labels:
        windows[int((lab.created_at - start) / size)].append(lab)
    out = []
    for key in sorted(windows):
        raters = sorted({lab.annotator_id for lab in windows[key]})
        units = sorted({(lab.item_id, pos) for lab in windows[key] for pos in range(2)})
        data = np.full((len(raters), len(units)), np.nan)
        for lab in windows[key]:
            for pos, value in enumerate(lab.scores["accuracy"]):
                data[raters.index(lab.annotator_id), units.index((lab.item_id, pos))] = value
        try:
            out.append(krippendorff.alpha(reliability_data=data, level_of_measurement="ordinal"))
        except ValueError:  # one value only: not defined
            out.append(None)
    return out


def test_trends_give_alpha_per_dimension_for_the_window_asked_for(api, lead, over_ten_days):
    project = over_ten_days
    refresh_snapshot(project)
    api.force_authenticate(lead)
    url = f"/api/projects/{project.slug}/agreement/"
    for window, size in (("day", timedelta(days=1)), ("week", timedelta(days=7))):
        trends = api.get(url, {"window": window}).json()["trends"]
        assert (trends["window"], trends["chosen"]) == (window, window)
        want = reference_dimension_trend(project, size)
        got = [point["dimensions"]["accuracy"]["value"] for point in trends["points"]]
        assert len(got) == len(want) == {"day": 10, "week": 2}[window]
        assert [g is None for g in got] == [w is None for w in want] and any(g is not None for g in got)
        assert [g for g in got if g is not None] == pytest.approx([w for w in want if w is not None], abs=1e-9)
        assert all(point["dimensions"]["accuracy"]["reason"] for point in trends["points"]
                   if point["dimensions"]["accuracy"]["value"] is None)
    auto = api.get(url).json()
    assert (auto["trends"]["window"], auto["trends"]["chosen"]) == ("day", "auto")  # ten days: by day
    assert auto["trends"]["choices"] == ["auto", "hour", "day", "week"]
    weekly = api.get(url, {"window": "week"}).json()
    assert {len(row["trend"]) for row in weekly["annotators"]} == {2}  # each annotator's trend follows the window
    assert {len(row["trend"]) for row in auto["annotators"]} == {10}
    assert api.get(url, {"window": "month"}).status_code == 400
    out = StringIO()
    call_command("agreement", project.slug, "--json", "--window", "week", stdout=out)
    assert json.loads(out.getvalue())["trends"]["window"] == "week"

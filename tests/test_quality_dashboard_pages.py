"""The quality dashboard and disagreement queue pages: who may open them, the figures they show (equal to
the reference implementation), sorting, flags, the polled live fragment, the project tab, the active reward
model's agreement beside the humans', trends by the window the lead picks, and majority beside Dawid-Skene."""
import re

import krippendorff
import numpy as np
import pytest
from django.urls import reverse
from django.utils import timezone
from export_fixtures import annotators, import_rows, label
from rewardmodels_helpers import make_version

from apps.accounts.models import User
from apps.labeling.judgements import Judgement
from apps.projects.services import project_create, project_update
from apps.quality.adjudication import adjudicate
from apps.quality.heavy import refresh_snapshot
from apps.quality.models import StatsSnapshot
from apps.rewardmodels.models import ModelVersion
from tests.conftest import login

SCORES = {"accuracy": [3, 3], "coherence": [3, 3]}
# Canonical preferences of three annotators on six items (None: not labelled).
VOTES = {
    "amy": [1, 1, -1, 0, 1, -1],
    "bob": [1, 0, -1, 0, -1, None],
    "cat": [1, 1, 1, None, 1, -1],
}


def rows(n):
    return [{"id": f"i{k}", "prompt": f"Question {k}?", "responses": [f"a{k}", f"b{k}"]} for k in range(n)]


@pytest.fixture
def labelled(project):
    project_update(project, overlap=3)
    items = import_rows(project, rows(6))
    people = dict(zip(VOTES, annotators(project, *VOTES)))
    for name, votes in VOTES.items():
        for k, vote in enumerate(votes):
            if vote is not None:
                label(items[f"i{k}"], people[name], preference=vote, shown_order=[0, 1], scores=SCORES,
                      active_ms=5000)
    return items


def expected_alpha() -> str:
    matrix = np.array([[np.nan if v is None else v for v in votes] for votes in VOTES.values()], dtype=float)
    return f"{krippendorff.alpha(reliability_data=matrix, level_of_measurement='ordinal'):.3f}"


def dashboard(project):
    return reverse("quality:dashboard", args=[project.slug])


def card(html: str, key: str) -> str:
    match = re.search(rf'data-figure="{key}">(.*?)</div>', html, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


@pytest.mark.parametrize("who", ["lead", "padmin", "staff"])
def test_leads_and_admins_see_the_headline_figures(client, users, project, labelled, who):
    response = login(client, users[who]).get(dashboard(project))
    assert response.status_code == 200
    html = response.content.decode()
    assert card(html, "labels") == "16"
    assert card(html, "items_complete") == "4 / 6"
    assert card(html, "alpha") == expected_alpha()
    assert card(html, "gold") == "not defined"
    assert 'hx-trigger="every 5s"' in html
    assert f'href="{dashboard(project)}" aria-current="page">Quality</a>' in html


@pytest.mark.parametrize("who, status", [("annotator", 403), ("outsider", 404)])
def test_annotators_and_outsiders_cannot_open_the_quality_pages(client, users, project, labelled, who, status):
    login(client, users[who])
    for name in ("dashboard", "dashboard_live", "disagreements"):
        assert client.get(reverse(f"quality:{name}", args=[project.slug])).status_code == status


def test_anonymous_users_are_sent_to_log_in(client, project):
    response = client.get(dashboard(project))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


def test_annotators_do_not_get_the_quality_tab(client, annotator, project):
    html = login(client, annotator).get(reverse("projects:detail", args=[project.slug])).content.decode()
    assert ">Quality</a>" not in html


def test_the_live_fragment_is_the_figures_alone_and_keeps_polling(client, lead, project, labelled):
    live = reverse("quality:dashboard_live", args=[project.slug])
    html = login(client, lead).get(live, {"sort": "username"}).content.decode()
    assert html.lstrip().startswith('<div id="live"')
    assert "<html" not in html and 'hx-swap="outerHTML"' in html
    assert f'hx-get="{reverse("quality:dashboard_live", args=[project.slug])}?sort=username"' in html
    assert card(html, "alpha") == expected_alpha()


def test_the_page_follows_new_labels(client, lead, project, labelled):
    login(client, lead)
    before = card(client.get(dashboard(project)).content.decode(), "alpha")
    dan = annotators(project, "dan")[0]
    label(labelled["i5"], dan, preference=1, shown_order=[0, 1], scores=SCORES)
    html = client.get(dashboard(project)).content.decode()
    assert card(html, "labels") == "17" and card(html, "alpha") != before


def test_dimension_and_preference_tables(client, lead, project, labelled):
    html = login(client, lead).get(dashboard(project)).content.decode()
    assert 'data-dimension="Factual accuracy"' in html and 'data-dimension="Coherence"' in html
    # Every score is 3: alpha is not defined, and the page says why instead of showing a number.
    dimension = html[html.index('data-dimension="Factual accuracy"'):html.index('data-dimension="Coherence"')]
    assert "not defined" in dimension
    assert "α on direction (A / tie / B)" in html and "Gwet&#x27;s AC2, quadratic weights" in html


def annotator_order(html: str) -> list[str]:
    table = html[html.index('id="annotators"'):]
    return re.findall(r'<tr data-annotator="([^"]+)"', table)


def test_the_annotator_table_sorts_by_any_column(client, lead, project, labelled):
    login(client, lead)
    by_default = client.get(dashboard(project)).content.decode()
    assert annotator_order(by_default) == ["amy", "bob", "cat"]  # most labels first
    html = client.get(dashboard(project), {"sort": "username", "dir": "desc"}).content.decode()
    assert annotator_order(html) == ["cat", "bob", "amy"]
    assert 'aria-sort="descending"' in html and 'href="?sort=username&amp;dir=asc"' in html
    assert annotator_order(client.get(dashboard(project), {"sort": "ties", "dir": "desc"}).content.decode())[0] == "bob"
    unknown = client.get(dashboard(project), {"sort": "nonsense"}).content.decode()
    assert annotator_order(unknown) == ["amy", "bob", "cat"]


def test_an_annotator_who_always_picks_the_left_side_is_flagged(client, lead, project):
    project_update(project, overlap=3)
    items = import_rows(project, rows(24))
    lefty, fair = annotators(project, "lefty", "fair")
    for k in range(24):
        order = [k % 2, 1 - k % 2]
        # lefty picks whatever was shown first; fair alternates regardless of position
        label(items[f"i{k}"], lefty, preference=1 if order[0] == 0 else -1, shown_order=order, scores=SCORES)
        label(items[f"i{k}"], fair, preference=1 if k % 4 < 2 else -1, shown_order=order, scores=SCORES)
    html = login(client, lead).get(dashboard(project)).content.decode()
    row = html[html.index('<tr data-annotator="lefty"'):]
    row = row[:row.index("</tr>")]
    assert 'class="flagged"' in row and 'data-flag="position_bias"' in row and "100 %" in row
    fair_row = html[html.index('<tr data-annotator="fair"'):]
    assert "position_bias" not in fair_row[:fair_row.index("</tr>")]


def test_disagreement_queue_lists_split_items_first_and_marks_adjudicated(client, lead, project, labelled):
    login(client, lead)
    html = client.get(reverse("quality:disagreements", args=[project.slug])).content.decode()
    listed = re.findall(r'<tr data-item="(\d+)"', html)
    ids = {labelled[f"i{k}"].pk: k for k in range(6)}
    # i0 is unanimous, i3 has two ties: neither is listed; the 3-way split i2/i4 and the 2-way i1 are.
    assert {ids[int(pk)] for pk in listed} == {1, 2, 4}
    assert "Question 2?" in html
    adjudicate(project=project, user=lead, item_id=labelled["i2"].pk, judgement=Judgement(preference=-1, scores=SCORES))
    html = client.get(reverse("quality:disagreements", args=[project.slug])).content.decode()
    row = html[html.index(f'<tr data-item="{labelled["i2"].pk}"'):]
    assert "adjudicated" in row[:row.index("</tr>")]
    assert reverse("quality:adjudicate", args=[project.slug, labelled["i2"].pk]) in html


def test_an_empty_project_shows_why_figures_are_missing(client, lead, project):
    html = login(client, lead).get(dashboard(project)).content.decode()
    assert card(html, "labels") == "0" and card(html, "alpha") == "not defined"
    assert "No labels yet." in html
    queue = client.get(reverse("quality:disagreements", args=[project.slug])).content.decode()
    assert "No item has disagreeing labels yet" in queue


def test_heavy_statistics_show_as_heatmap_and_trend_charts_with_their_age(client, lead, project, labelled):
    ids = {name: User.objects.get(username=name).pk for name in VOTES}
    computed = timezone.now() - timezone.timedelta(minutes=3)
    cell = {"value": 0.5, "reason": None, "n": 4}
    StatsSnapshot.objects.create(project=project, computed_at=computed, duration_ms=120, labels_seen=16, data={
        "heatmap": {"measure": "Cohen's kappa", "annotators": [{"id": ids[n], "username": n} for n in VOTES],
                    "cells": [[None, cell, cell],
                              [cell, None, {"value": None, "reason": "too few shared items", "n": 1}],
                              [cell, cell, None]]},
        "trends": {"window": "day", "points": [
            {"start": "2026-11-25T00:00:00+00:00", "labels": 6, "alpha": {"value": 0.41}, "tie_rate": 0.1},
            {"start": "2026-11-26T00:00:00+00:00", "labels": 10, "alpha": {"value": None, "reason": "one annotator"},
             "tie_rate": None},
            {"start": "2026-11-27T00:00:00+00:00", "labels": 4, "alpha": {"value": 0.7}, "tie_rate": 0.2}]},
        "annotators": {str(ids["amy"]): {"trend": [{"start": "2026-11-25T00:00:00+00:00", "labels": 3,
                                                    "loo_agreement": 0.5}],
                                         "active_time": {"median_s": 0.4, "n": 6, "too_fast": True, "reason": None}}},
        "intervals": {"headline_preference": {"low": 0.12, "high": 0.58, "reason": None}},
    })
    html = login(client, lead).get(dashboard(project)).content.decode()
    assert "95 % CI 0.120 – 0.580 (3 min ago)" in html
    assert "Heavy statistics computed 3 min ago in 120 ms, on 16 labels." in html
    heatmap = html[html.index('<svg class="chart heatmap"'):]
    heatmap = heatmap[:heatmap.index("</svg>")]
    assert heatmap.count('<rect class="cell"') == 5 and heatmap.count('class="cell none"') == 4
    assert "bob × cat: too few shared items · 1 shared item<" in heatmap
    assert html.count('<svg class="chart line-chart"') == 3  # alpha and ties, labels, per annotator
    assert "Agreement over time" in html and "α · Nov 27 00:00: 0.7" in html
    row = html[html.index('<tr data-annotator="amy"'):]
    row = row[:row.index("</tr>")]
    assert 'data-flag="too_fast"' in row and "0.4 s" in row and 'class="flagged"' in row


def test_annotator_names_are_escaped_in_tables_and_charts(client, lead, project):
    project_update(project, overlap=3)
    items = import_rows(project, rows(2))
    evil, good = annotators(project, "<b>x</b>", "good")
    for k in range(2):
        label(items[f"i{k}"], evil, preference=1, shown_order=[0, 1], scores=SCORES)
        label(items[f"i{k}"], good, preference=-1, shown_order=[0, 1], scores=SCORES)
    cell = {"value": 0.1, "reason": None, "n": 2}
    StatsSnapshot.objects.create(project=project, computed_at=timezone.now(), labels_seen=4, data={
        "heatmap": {"measure": "κ", "annotators": [{"id": evil.pk, "username": evil.username},
                                                   {"id": good.pk, "username": "good"}],
                    "cells": [[None, cell], [cell, None]]}})
    html = login(client, lead).get(dashboard(project)).content.decode()
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html


def test_ranking_projects_show_ranking_figures(client, lead):
    project = project_create(user=lead, name="Ranks", task_type="ranking", ranking_k=3, overlap=2)
    items = import_rows(project, [{"id": f"r{k}", "prompt": "Rank", "responses": [f"x{k}", f"y{k}", f"z{k}"]}
                                  for k in range(3)])
    r1, r2 = annotators(project, "rank1", "rank2")
    for k, item in enumerate(items.values()):
        label(item, r1, ranks=[1, 2, 3], shown_order=[0, 1, 2])
        label(item, r2, ranks=[1, 2, 3] if k else [3, 2, 1], shown_order=[0, 1, 2])
    html = login(client, lead).get(dashboard(project)).content.decode()
    assert 'id="ranking-figures"' in html and "Kendall&#x27;s W" in html
    assert card(html, "labels") == "6" and card(html, "alpha") not in ("", "not defined")
    assert "on the pairs implied by the rankings" in html


def test_step_projects_show_step_figures(client, lead):
    project = project_create(user=lead, name="Chains", task_type="steps", overlap=2)
    items = import_rows(project, [{"id": f"s{k}", "prompt": f"Solve {k}", "responses": ["a\nb\nc"]} for k in range(2)])
    s1, s2 = annotators(project, "step1", "step2")
    for item in items.values():
        label(item, s1, step_ratings=[1, 1, -1])
        label(item, s2, step_ratings=[1, -1, -1])
    html = login(client, lead).get(dashboard(project)).content.decode()
    assert 'id="step-figures"' in html and "First wrong step: within one step" in html
    assert "Error category: α" in html and "Error category: AC1" in html
    assert card(html, "labels") == "4"


def test_the_active_models_agreement_with_the_majority_is_beside_the_humans(client, lead, project, labelled,
                                                                            settings, tmp_path):
    html = login(client, lead).get(dashboard(project)).content.decode()
    assert card(html, "model") == "not defined" and "no active model" in html
    settings.MODEL_STORE = tmp_path / "store"
    version = make_version(project, store=settings.MODEL_STORE)
    ModelVersion.objects.filter(pk=version.pk).update(is_active=True)
    html = client.get(dashboard(project)).content.decode()
    assert card(html, "model") == "not defined" and "the active model has not scored the responses yet" in html
    ModelVersion.objects.filter(pk=version.pk).update(rescored_at=timezone.now(), rescore_summary={
        "agreement": {"model_vs_majority": 0.75, "model_pairs": 4, "human_vs_human": 0.5625, "human_pairs": 16}})
    html = client.get(reverse("quality:dashboard_live", args=[project.slug])).content.decode()
    assert card(html, "model") == "75.0 %"
    model_card = html[html.index('data-card="model"'):]
    model_card = model_card[:model_card.index("</section>")].split('<div class="stat-card"')[0]
    assert "4 decided pairs" in model_card and "Humans with each other: 56.2 % (16 pairs)" in model_card
    assert f"Model v{version.number}" in model_card
    # the alpha card, the human-human headline, sits right before it
    assert html.index('data-card="alpha"') < html.index('data-card="model"')


def point(start, alpha, accuracy):
    return {"start": start, "labels": 3, "alpha": {"value": alpha}, "tie_rate": 0.1,
            "dimensions": {"accuracy": {"value": accuracy, "reason": None if accuracy is not None else "one value"},
                           "coherence": {"value": None, "reason": "every value the same"}}}


def test_trends_show_alpha_per_dimension_by_the_window_the_lead_picks(client, lead, project, labelled):
    day = {"window": "day", "points": [point("2026-11-25T00:00:00+00:00", 0.4, 0.31),
                                       point("2026-11-26T00:00:00+00:00", 0.5, None),
                                       point("2026-11-27T00:00:00+00:00", 0.6, 0.52)]}
    week = {"window": "week", "points": [point("2026-11-20T00:00:00+00:00", 0.45, 0.44),
                                         point("2026-11-27T00:00:00+00:00", 0.55, 0.66)]}
    StatsSnapshot.objects.create(project=project, computed_at=timezone.now(), labels_seen=16, data={
        "trends": day, "trend_windows": {"hour": {"window": "hour", "points": []}, "day": day, "week": week}})
    login(client, lead)
    html = client.get(dashboard(project)).content.decode()
    assert "α per rubric dimension (ordinal)" in html and "Factual accuracy · Nov 27 00:00: 0.52" in html
    assert re.search(r'data-window="auto" aria-current="true"><strong>auto \(day\)</strong>', html)
    assert 'href="?sort=labels&amp;dir=desc&amp;window=week" data-window="week"' in html
    weekly = client.get(dashboard(project), {"window": "week", "sort": "username", "dir": "asc"}).content.decode()
    assert "Factual accuracy · Nov 27 00:00: 0.66" in weekly and "Nov 25 00:00" not in weekly
    assert 'data-window="week" aria-current="true"' in weekly
    assert 'href="?sort=username&amp;dir=desc&amp;window=week"' in weekly  # sorting keeps the window
    assert f'hx-get="{reverse("quality:dashboard_live", args=[project.slug])}?window=week&amp;sort=username' in weekly
    # an unknown window shows the automatic one
    assert "Nov 25 00:00" in client.get(dashboard(project), {"window": "fortnight"}).content.decode()


def test_queue_shows_the_majority_beside_the_dawid_skene_label(client, lead, project, labelled):
    login(client, lead)
    html = client.get(reverse("quality:disagreements", args=[project.slug])).content.decode()
    assert "Majority · Dawid-Skene" in html and "not computed yet" in html
    refresh_snapshot(project)
    html = client.get(reverse("quality:disagreements", args=[project.slug])).content.decode()
    row = html[html.index(f'<tr data-item="{labelled["i1"].pk}"'):]
    row = row[:row.index("</tr>")]
    # i1: amy and cat say 1 > 2, bob says tie
    assert '<span data-majority>1 &gt; 2</span>' in row and "<span data-dawid-skene>" in row
    assert "not computed yet" not in row
    row = html[html.index(f'<tr data-item="{labelled["i4"].pk}"'):]
    assert '<span data-majority>1 &gt; 2</span>' in row[:row.index("</tr>")]  # i4: 1, -1, 1

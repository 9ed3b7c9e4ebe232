"""Adjudication: a lead records the final label of an item, replaces it (history kept), through the page
and the API; annotators and outsiders cannot."""
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from export_fixtures import annotators, import_rows, label

from apps.labeling.judgements import Judgement
from apps.projects.services import project_create, project_update
from apps.quality.adjudication import AdjudicationRefused, adjudicate
from apps.quality.heavy import refresh_snapshot
from apps.quality.models import Adjudication
from tests.conftest import login

SCORES = {"accuracy": [4, 2], "coherence": [5, 3]}


def row(external_id, **extra):
    return {"id": external_id, "prompt": f"Question {external_id}?",
            "responses": [f"{external_id} *first*", f"{external_id} second"], **extra}


@pytest.fixture
def items(project):
    project_update(project, overlap=3)
    return import_rows(project, [row("split"), row("calm")])


@pytest.fixture
def split_item(items, project):
    a1, a2, a3 = annotators(project, "ann1", "ann2", "ann3")
    item = items["split"]
    label(item, a1, preference=1, shown_order=[1, 0], rationale="First is **clearer**", scores=SCORES,
          flags=["unsafe"], active_ms=4200)
    label(item, a2, preference=-1, shown_order=[0, 1], rationale="<script>alert(1)</script>Second wins",
          scores={"accuracy": [2, 4], "coherence": [3, 5]})
    label(item, a3, preference=0, shown_order=[0, 1], rationale="", scores=SCORES)
    return item


def test_service_records_an_adjudication_in_canonical_order(project, lead, split_item):
    done = adjudicate(project=project, user=lead, item_id=split_item.pk,
                      judgement=Judgement(preference=-1, scores={"accuracy": [2, 5], "coherence": [3, 4]}),
                      note="Second is right")
    assert (done.preference, done.note) == (-1, "Second is right")
    assert done.scores == {"accuracy": [2, 5], "coherence": [3, 4]}
    assert (done.version, done.is_current, done.previous, done.adjudicator) == (1, True, None, lead)
    assert done.rubric_version.number == 1


def test_replacing_keeps_the_history(project, lead, project_admin, split_item):
    first = adjudicate(project=project, user=lead, item_id=split_item.pk,
                       judgement=Judgement(preference=1, scores=SCORES), note="one")
    second = adjudicate(project=project, user=project_admin, item_id=split_item.pk,
                        judgement=Judgement(preference=-1, scores=SCORES), note="two")
    first.refresh_from_db()
    assert not first.is_current and second.is_current
    assert (second.version, second.previous_id, second.adjudicator) == (2, first.pk, project_admin)
    assert list(Adjudication.objects.filter(item=split_item).order_by("version").values_list("note", "is_current")) == [
        ("one", False), ("two", True)]


def test_database_allows_one_current_adjudication_per_item(project, lead, split_item):
    adjudicate(project=project, user=lead, item_id=split_item.pk, judgement=Judgement(preference=1, scores=SCORES))
    with pytest.raises(IntegrityError), transaction.atomic():
        Adjudication.objects.create(item=split_item, adjudicator=lead, preference=-1)


@pytest.mark.parametrize("judgement, field", [
    (Judgement(preference=None, scores=SCORES), "preference"),
    (Judgement(preference=2, scores=SCORES), "preference"),  # the project's scale is A / tie / B
    (Judgement(preference=1, scores={"accuracy": [9, 1], "coherence": [1, 1]}), "scores"),
    (Judgement(preference=1, scores={"accuracy": [1, 1]}), "scores"),
    (Judgement(preference=1, scores=SCORES, flags=["nope"]), "flags"),
])
def test_invalid_judgements_are_refused_and_nothing_is_stored(project, lead, split_item, judgement, field):
    with pytest.raises(ValidationError) as error:
        adjudicate(project=project, user=lead, item_id=split_item.pk, judgement=judgement)
    assert field in error.value.message_dict
    assert not Adjudication.objects.exists()


def test_an_item_of_another_project_is_refused(project, lead, outsider, split_item):
    other = project_create(user=outsider, name="Elsewhere")
    with pytest.raises(AdjudicationRefused):
        adjudicate(project=other, user=outsider, item_id=split_item.pk, judgement=Judgement(preference=1))


def test_ranking_and_step_items_are_adjudicated_in_canonical_order(lead):
    ranking = project_create(user=lead, name="Rank it", task_type="ranking", ranking_k=3)
    item = import_rows(ranking, [{"id": "r", "prompt": "Rank", "responses": ["x", "y", "z"]}])["r"]
    done = adjudicate(project=ranking, user=lead, item_id=item.pk, judgement=Judgement(ranks=[2, 3, 1]))
    assert done.ranks == [2, 3, 1]
    with pytest.raises(ValidationError):  # this project does not allow tied ranks
        adjudicate(project=ranking, user=lead, item_id=item.pk, judgement=Judgement(ranks=[1, 1, 2]))

    steps = project_create(user=lead, name="Steps", task_type="steps", stop_at_first_error=True)
    item = import_rows(steps, [{"id": "s", "prompt": "Solve", "responses": ["a\nb\nc"]}])["s"]
    done = adjudicate(project=steps, user=lead, item_id=item.pk, judgement=Judgement(step_ratings=[1, -1, 1]))
    assert done.step_ratings == [1, -1, None]  # marking stops at the first wrong step


# --- pages -------------------------------------------------------------------------------------------------


def page_url(project, item):
    return reverse("quality:adjudicate", args=[project.slug, item.pk])


@pytest.mark.parametrize("who", ["lead", "padmin", "staff"])
def test_lead_and_admins_see_labels_side_by_side(client, users, project, split_item, who):
    response = login(client, users[who]).get(page_url(project, split_item))
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("ann1", "ann2", "ann3"):
        assert f'data-annotator="{name}"' in html
    # Canonical terms: ann1 saw response 2 first and preferred it; stored canonical +1 = "1 > 2".
    assert "1 &gt; 2" in html and "2 &gt; 1" in html and "tie" in html
    assert "saw 2 first" in html
    assert "<strong>clearer</strong>" in html  # rationale rendered as Markdown
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<em>first</em>" in html  # response text rendered
    assert "Unsafe content" in html
    assert "Votes: 1 for 1 · 1 tie · 1 for 2." in html


@pytest.mark.parametrize("who, status", [("annotator", 403), ("outsider", 404)])
def test_annotators_and_outsiders_cannot_open_or_post(client, users, project, split_item, who, status):
    login(client, users[who])
    assert client.get(page_url(project, split_item)).status_code == status
    assert client.post(page_url(project, split_item), {"preference": "1"}).status_code == status
    assert not Adjudication.objects.exists()


def test_posting_the_form_records_and_then_replaces(client, lead, project, split_item):
    login(client, lead)
    data = {"preference": "-1", "score-accuracy-0": "2", "score-accuracy-1": "5", "score-coherence-0": "3",
            "score-coherence-1": "4", "note": "Response 2 answers the question", "flags": ["unsafe"]}
    response = client.post(page_url(project, split_item), data)
    assert response.status_code == 302
    done = Adjudication.objects.get(item=split_item)
    assert (done.preference, done.scores, done.flags, done.note) == (
        -1, {"accuracy": [2, 5], "coherence": [3, 4]}, ["unsafe"], "Response 2 answers the question")

    html = client.get(page_url(project, split_item)).content.decode()
    assert 'data-adjudicated="1"' in html and "Replace adjudication" in html
    assert 'name="preference" value="-1" checked' in html  # the form starts from the current decision

    client.post(page_url(project, split_item), {**data, "preference": "0", "note": "On reflection, a tie"})
    html = client.get(page_url(project, split_item)).content.decode()
    assert 'data-version="2"' in html and 'data-version="1"' in html
    history = Adjudication.objects.filter(item=split_item).order_by("version")
    assert list(history.values_list("preference", "is_current")) == [(-1, False), (0, True)]


def test_an_incomplete_form_is_shown_again_with_messages(client, lead, project, split_item):
    response = login(client, lead).post(page_url(project, split_item), {"preference": "1"})
    assert response.status_code == 400
    assert "for each response" in response.content.decode()
    assert not Adjudication.objects.exists()


def test_an_item_of_another_project_is_404(client, lead, project, split_item, outsider):
    other = project_create(user=lead, name="Second project")
    assert login(client, lead).get(reverse("quality:adjudicate", args=[other.slug, split_item.pk])).status_code == 404


# --- API ---------------------------------------------------------------------------------------------------


def api_url(project):
    return reverse("api-adjudications", args=[project.slug])


def test_api_create_list_and_history(api, lead, project, split_item):
    api.force_authenticate(lead)
    body = {"item": split_item.pk, "preference": 1, "scores": SCORES, "note": "first"}
    created = api.post(api_url(project), body, format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert (data["item"], data["preference"], data["version"], data["is_current"], data["adjudicator"],
            data["rubric_version"], data["previous"]) == (split_item.pk, 1, 1, True, "lead", 1, None)

    second = api.post(api_url(project), {**body, "preference": -1, "note": "second"}, format="json").json()
    assert (second["version"], second["previous"]) == (2, data["id"])

    listed = api.get(api_url(project), {"item": split_item.pk}).json()
    assert [(r["version"], r["is_current"]) for r in listed["results"]] == [(2, True), (1, False)]
    assert [r["id"] for r in api.get(api_url(project), {"current": "true"}).json()["results"]] == [second["id"]]
    detail = api.get(reverse("api-adjudication", args=[project.slug, data["id"]]))
    assert detail.status_code == 200 and detail.json()["note"] == "first"


def test_api_errors_use_the_error_shape(api, lead, annotator, project, split_item):
    api.force_authenticate(lead)
    bad = api.post(api_url(project), {"item": split_item.pk, "preference": 7, "scores": SCORES}, format="json")
    assert bad.status_code == 400 and "preference" in bad.json()["error"]["details"]
    unknown = api.post(api_url(project), {"item": split_item.pk, "winner": "A"}, format="json")
    assert unknown.status_code == 400 and "winner" in unknown.json()["error"]["details"]
    missing = api.post(api_url(project), {"item": 10**9, "preference": 1, "scores": SCORES}, format="json")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    api.force_authenticate(annotator)
    assert api.get(api_url(project)).status_code == 403
    assert api.post(api_url(project), {"item": split_item.pk, "preference": 1}, format="json").status_code == 403


def test_api_is_in_the_schema(api, lead):
    api.force_authenticate(lead)
    schema = api.get("/api/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/projects/{slug}/adjudications/"])
    assert "get" in paths["/api/projects/{slug}/adjudications/{id}/"]


def test_ranking_items_are_adjudicated_through_the_page(client, lead):
    ranking = project_create(user=lead, name="Rank page", task_type="ranking", ranking_k=3, overlap=2)
    item = import_rows(ranking, [{"id": "r", "prompt": "Rank", "responses": ["x", "y", "z"]}])["r"]
    r1, r2 = annotators(ranking, "rank1", "rank2")
    label(item, r1, ranks=[1, 2, 3], shown_order=[2, 0, 1])
    label(item, r2, ranks=[3, 1, 2], shown_order=[0, 1, 2])
    login(client, lead)
    html = client.get(page_url(ranking, item)).content.decode()
    assert "1 &gt; 2 &gt; 3" in html and "2 &gt; 3 &gt; 1" in html and "2 different answers" in html
    response = client.post(page_url(ranking, item), {"rank-0": "2", "rank-1": "1", "rank-2": "3", "note": "y best"})
    assert response.status_code == 302
    assert Adjudication.objects.get(item=item).ranks == [2, 1, 3]


def test_step_items_show_a_step_matrix_and_take_step_ratings(client, lead):
    steps = project_create(user=lead, name="Steps page", task_type="steps", overlap=2)
    item = import_rows(steps, [{"id": "s", "prompt": "Solve", "responses": ["one\ntwo\nthree"]}])["s"]
    s1, s2 = annotators(steps, "step1", "step2")
    label(item, s1, step_ratings=[1, 1, -1])
    label(item, s2, step_ratings=[1, -1, 0])
    login(client, lead)
    html = client.get(page_url(steps, item)).content.decode()
    matrix = html[html.index('class="step-matrix"'):html.index("</table>", html.index('class="step-matrix"'))]
    assert matrix.count("<tr>") == 4 and "✗" in matrix and "○" in matrix
    response = client.post(page_url(steps, item), {"step-0": "1", "step-1": "-1", "step-2": "1"})
    assert response.status_code == 302, response.content.decode()[-2000:]
    assert Adjudication.objects.get(item=item).step_ratings == [1, -1, 1]


def test_record_and_next_opens_the_next_unadjudicated_item_of_the_queue(client, lead, project, split_item, items):
    other = items["calm"]
    a1, a2 = annotators(project, "late1", "late2")
    label(other, a1, preference=1, shown_order=[0, 1], scores=SCORES)
    label(other, a2, preference=-1, shown_order=[0, 1], scores=SCORES)
    data = {"preference": "1", "score-accuracy-0": "4", "score-accuracy-1": "2", "score-coherence-0": "5",
            "score-coherence-1": "3", "next": "1"}
    login(client, lead)
    response = client.post(page_url(project, split_item), data)
    assert response["Location"] == page_url(project, other)
    response = client.post(page_url(project, other), data)
    assert response["Location"] == reverse("quality:disagreements", args=[project.slug])  # nothing left


def test_the_page_shows_the_majority_beside_the_dawid_skene_label(client, lead):
    project = project_create(user=lead, name="Who to trust", overlap=5)
    items = import_rows(project, [row(f"t{k}") for k in range(8)] + [row("x")])
    people = annotators(project, "good1", "good2", "good3", "bad1", "bad2")
    for k in range(8):  # the "bad" two always say the opposite of the three others
        truth = 1 if k % 2 == 0 else -1
        for n, person in enumerate(people):
            label(items[f"t{k}"], person, preference=truth if n < 3 else -truth, shown_order=[0, 1])
    for person, preference in zip([people[0], people[3], people[4]], [1, -1, -1]):
        label(items["x"], person, preference=preference, shown_order=[0, 1])
    login(client, lead)
    html = client.get(page_url(project, items["x"])).content.decode()
    assert "Majority: <strong data-majority>2 &gt; 1</strong>" in html
    assert "Dawid-Skene: <strong data-dawid-skene>not computed yet</strong>" in html
    refresh_snapshot(project)
    html = client.get(page_url(project, items["x"])).content.decode()
    assert "Majority: <strong data-majority>2 &gt; 1</strong>" in html
    assert "Dawid-Skene: <strong data-dawid-skene>1 &gt; 2</strong>" in html and "posterior 1.00" in html
    assert "data-differs" in html and "data-stale" not in html
    label(items["x"], people[1], preference=1, shown_order=[0, 1])  # labelled since: 2 against 2
    html = client.get(page_url(project, items["x"])).content.decode()
    assert "Majority: <strong data-majority>no majority</strong>" in html and "data-stale" in html


def test_step_items_show_their_majority_as_the_first_wrong_step(client, lead):
    steps = project_create(user=lead, name="Steps majority", task_type="steps", overlap=3)
    item = import_rows(steps, [{"id": "s", "prompt": "Solve", "responses": ["one\ntwo\nthree"]}])["s"]
    for person, ratings in zip(annotators(steps, "m1", "m2", "m3"), [[1, -1, None], [1, -1, None], [1, 1, 1]]):
        label(item, person, step_ratings=ratings)
    refresh_snapshot(steps)
    html = login(client, lead).get(page_url(steps, item)).content.decode()
    assert "Majority: <strong data-majority>step 2 wrong first</strong>" in html
    assert "<strong data-dawid-skene>" in html and "not computed yet" not in html

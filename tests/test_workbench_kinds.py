"""Ranking and step items on the item page: shown, submitted, stored in canonical order."""
import json

import pytest
from django.urls import reverse

from apps.accounts.models import Membership, Role
from apps.datasets.services import import_file
from apps.labeling.models import Assignment, Label
from apps.labeling.services import next_assignment
from tests.conftest import login

HTMX = {"HTTP_HX_REQUEST": "true"}


def load(project, rows):
    batch = import_file(project=project, user=None, data="\n".join(map(json.dumps, rows)).encode(),
                        filename="x.jsonl", fmt="native")
    assert batch.status == "accepted", batch.errors


def open_item(project, user, shown_order=None):
    Membership.objects.get_or_create(user=user, project=project, defaults={"role": Role.ANNOTATOR})
    assignment = next_assignment(project=project, user=user)
    if shown_order is not None:
        Assignment.objects.filter(pk=assignment.pk).update(shown_order=shown_order)
    return assignment


@pytest.fixture
def ranked(ranking_project, annotator):
    load(ranking_project, [{"prompt": "Sort these", "responses": ["alpha", "beta", "gamma", "delta"]},
                           {"prompt": "And these", "responses": ["one", "two", "three", "four"]}])
    return open_item(ranking_project, annotator, shown_order=[2, 0, 3, 1])


def test_ranking_page_lists_the_responses_to_order(client, ranking_project, annotator, ranked):
    html = login(client, annotator).get(reverse("labeling:work", args=[ranking_project.slug])).content.decode()
    assert html.index("gamma") < html.index("alpha") < html.index("delta") < html.index("beta")
    assert html.count('class="rank-row') == 4 and 'data-ties="0"' in html
    assert all(f'<select name="rank-{i}">' in html for i in range(4))
    assert "tie-toggle" not in html and 'name="preference"' not in html


def test_ranking_submit_is_stored_in_canonical_order(client, ranking_project, annotator, ranked):
    url = reverse("labeling:work", args=[ranking_project.slug])
    shown_ranks = {"rank-0": "1", "rank-1": "2", "rank-2": "3", "rank-3": "4"}  # C, A, D, B as shown
    response = login(client, annotator).post(url, {"assignment_id": ranked.pk, **shown_ranks}, **HTMX)
    assert response.status_code == 200, response.content.decode()
    label = Label.objects.get(annotator=annotator)
    assert label.ranks == [2, 4, 1, 3] and label.preference is None and label.shown_order == [2, 0, 3, 1]


def test_ranking_ties_need_the_project_setting(client, ranking_project, annotator, ranked):
    url = reverse("labeling:work", args=[ranking_project.slug])
    tied = {"assignment_id": ranked.pk, "rank-0": "1", "rank-1": "1", "rank-2": "3", "rank-3": "4"}
    response = login(client, annotator).post(url, tied, **HTMX)
    assert response.status_code == 422 and "does not allow ties" in response.content.decode()
    assert not Label.objects.exists()
    ranking_project.allow_rank_ties = True
    ranking_project.save()
    assert "tie-toggle" in client.get(url).content.decode()
    assert client.post(url, tied, **HTMX).status_code == 200
    assert Label.objects.get(annotator=annotator).ranks == [1, 4, 1, 3]


def test_ranking_with_a_missing_rank_is_refused(client, ranking_project, annotator, ranked):
    url = reverse("labeling:work", args=[ranking_project.slug])
    response = login(client, annotator).post(url, {"assignment_id": ranked.pk, "rank-0": "1"}, **HTMX)
    assert response.status_code == 422 and "Give a rank to each of the 4 responses." in response.content.decode()


@pytest.fixture
def stepped(step_project, annotator):
    step_project.stop_at_first_error = True
    step_project.save()
    load(step_project, [{"prompt": "What is 2+2*2?", "responses": ["2*2 = 4\n4 + 2 = 8\nAnswer: $8$"]}])
    return open_item(step_project, annotator)


def test_step_page_shows_numbered_steps_to_rate(client, step_project, annotator, stepped):
    html = login(client, annotator).get(reverse("labeling:work", args=[step_project.slug])).content.decode()
    assert html.count('class="step"') == 3 and 'data-stop="1"' in html
    assert all(html.count(f'name="step-{i}"') == 3 for i in range(3))
    assert '<span class="math inline">8</span>' in html
    assert "steps after the first wrong one need no rating" in html


def test_step_submit_stops_at_the_first_error(client, step_project, annotator, stepped):
    url = reverse("labeling:work", args=[step_project.slug])
    data = {"assignment_id": stepped.pk, "step-0": "1", "step-1": "-1", "note-1-category": "calculation error"}
    response = login(client, annotator).post(url, data, **HTMX)
    assert response.status_code == 200, response.content.decode()
    assert Label.objects.get(annotator=annotator).step_ratings == [1, -1, None]


def test_step_submit_needs_every_step_without_stop_at_first_error(client, step_project, annotator, stepped):
    step_project.stop_at_first_error = False
    step_project.save()
    url = reverse("labeling:work", args=[step_project.slug])
    data = {"assignment_id": stepped.pk, "step-0": "1", "step-1": "-1", "note-1-category": "logical error",
            "final_answer_correct": "no"}
    response = login(client, annotator).post(url, data, **HTMX)
    assert response.status_code == 422 and "Rate every step." in response.content.decode()
    assert 'name="step-1" value="-1" data-key="3" checked' in response.content.decode()
    assert client.post(url, {**data, "step-2": "0"}, **HTMX).status_code == 200
    assert Label.objects.get(annotator=annotator).step_ratings == [1, -1, 0]


def test_step_rating_must_be_one_of_three(client, step_project, annotator, stepped):
    url = reverse("labeling:work", args=[step_project.slug])
    response = login(client, annotator).post(url, {"assignment_id": stepped.pk, "step-0": "2"}, **HTMX)
    assert response.status_code == 400 and "Step 1: “2” is not one of the choices." in response.content.decode()

"""Step-marking settings of a project: error taxonomy, stop at first error, final answer, TRL neutral
mapping; on the settings page and through the API."""
from rest_framework.test import APIClient

from apps.accounts.services import token_create
from apps.projects.models import DEFAULT_ERROR_CATEGORIES, Project
from tests.conftest import login


def form_data(project, **changes):
    data = {
        "name": project.name, "description": project.description, "task_type": project.task_type,
        "ranking_k": project.ranking_k, "overlap": project.overlap, "gold_rate": project.gold_rate,
        "lease_minutes": project.lease_minutes, "preference_scale": project.preference_scale,
        "rationale": project.rationale, "step_split": project.step_split, "final_answer": project.final_answer,
        "error_categories": "\n".join(project.error_categories),
    }
    data.update(changes)
    return data


def api_for(user) -> APIClient:
    _token, key = token_create(user=user, name="t")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_settings_page_shows_and_saves_the_step_settings(client, step_project, lead):
    url = f"/projects/{step_project.slug}/edit/"
    html = login(client, lead).get(url).content.decode()
    assert 'name="error_categories"' in html and "calculation error\nlogical error" in html
    assert 'name="final_answer"' in html and 'name="trl_neutral_correct"' in html and 'name="stop_at_first_error"' in html
    data = form_data(step_project, error_categories="  arithmetic \n\nwrong formula\nmisread", final_answer="optional",
                     stop_at_first_error="on", trl_neutral_correct="on")
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()
    step_project.refresh_from_db()
    assert step_project.error_categories == ["arithmetic", "wrong formula", "misread"]
    assert (step_project.final_answer, step_project.stop_at_first_error, step_project.trl_neutral_correct) == (
        "optional", True, True)
    detail = client.get(f"/projects/{step_project.slug}/").content.decode()
    assert "arithmetic, wrong formula, misread" in detail and "neutral (0) steps exported as true" in detail
    assert "marking stops at the first error" in detail


def test_settings_page_refuses_a_repeated_category(client, step_project, lead):
    response = login(client, lead).post(f"/projects/{step_project.slug}/edit/",
                                        form_data(step_project, error_categories="Typo\ntypo"))
    assert response.status_code == 400 and "“typo” is listed twice." in response.content.decode()
    step_project.refresh_from_db()
    assert step_project.error_categories == list(DEFAULT_ERROR_CATEGORIES)


def test_an_empty_taxonomy_restores_the_default(client, step_project, lead):
    step_project.error_categories = ["x"]
    step_project.save()
    response = login(client, lead).post(f"/projects/{step_project.slug}/edit/", form_data(step_project, error_categories=""))
    assert response.status_code == 302
    step_project.refresh_from_db()
    assert step_project.error_categories == list(DEFAULT_ERROR_CATEGORIES)


def test_api_reads_and_patches_the_step_settings(step_project, lead):
    api = api_for(lead)
    data = api.get(f"/api/projects/{step_project.slug}/").json()
    assert data["error_categories"] == list(DEFAULT_ERROR_CATEGORIES)
    assert (data["final_answer"], data["trl_neutral_correct"], data["stop_at_first_error"]) == ("required", False, False)
    response = api.patch(f"/api/projects/{step_project.slug}/",
                         {"error_categories": ["sign error", " off by one "], "final_answer": "off",
                          "trl_neutral_correct": True, "stop_at_first_error": True}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["error_categories"] == ["sign error", "off by one"]
    stored = Project.objects.get(pk=step_project.pk)
    assert (stored.final_answer, stored.trl_neutral_correct, stored.stop_at_first_error) == ("off", True, True)


def test_api_refuses_bad_step_settings(step_project, lead):
    api = api_for(lead)
    path = f"/api/projects/{step_project.slug}/"
    twice = api.patch(path, {"error_categories": ["a", "A"]}, format="json")
    assert twice.status_code == 400 and twice.json()["error"]["details"]["error_categories"] == ["“A” is listed twice."]
    assert api.patch(path, {"final_answer": "sometimes"}, format="json").status_code == 400
    assert api.patch(path, {"error_categories": ["x" * 61]}, format="json").status_code == 400


def test_api_creates_a_step_project_with_its_settings(staff):
    response = api_for(staff).post("/api/projects/", {"name": "PRM", "task_type": "steps", "stop_at_first_error": True,
                                                     "error_categories": ["wrong"], "final_answer": "optional"},
                                  format="json")
    assert response.status_code == 201, response.content
    project = Project.objects.get(slug="prm")
    assert (project.error_categories, project.final_answer, project.stop_at_first_error) == (["wrong"], "optional", True)

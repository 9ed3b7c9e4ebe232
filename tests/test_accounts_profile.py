"""The profile page and GET /api/me/: the user's projects and roles."""
from tests.conftest import login


def test_profile_lists_the_users_projects_with_roles(client, project, annotator):
    html = login(client, annotator).get("/accounts/profile/").content.decode()
    assert '<a href="/projects/helpfulness/">Helpfulness</a>' in html
    assert "Annotator" in html
    assert "Other team" not in html


def test_profile_of_a_lead(client, project, lead):
    html = login(client, lead).get("/accounts/profile/").content.decode()
    assert "Project lead" in html


def test_profile_of_staff_says_admin_everywhere(client, project, staff):
    html = login(client, staff).get("/accounts/profile/").content.decode()
    assert "admin of every project" in html


def test_me_api_lists_projects_with_roles(api, project, project_admin):
    api.force_authenticate(project_admin)
    body = api.get("/api/me/").json()
    assert body == {
        "username": "padmin",
        "is_staff": False,
        "can_create_projects": True,
        "projects": [{"slug": "helpfulness", "name": "Helpfulness", "task_type": "pairwise", "role": "admin"}],
    }


def test_me_api_for_an_annotator(api, project, annotator):
    api.force_authenticate(annotator)
    body = api.get("/api/me/").json()
    assert body["can_create_projects"] is False
    assert [(p["slug"], p["role"]) for p in body["projects"]] == [("helpfulness", "annotator")]


def test_me_api_for_staff_lists_every_project_as_admin(api, project, staff):
    api.force_authenticate(staff)
    body = api.get("/api/me/").json()
    assert sorted((p["slug"], p["role"]) for p in body["projects"]) == [
        ("helpfulness", "admin"), ("other-teams-project", "admin"),
    ]


def test_me_api_anonymous_is_401_in_the_error_shape(api, db):
    response = api.get("/api/me/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_selectors_give_anonymous_nothing(db, project):
    from django.contrib.auth.models import AnonymousUser

    from apps.accounts.selectors import can_create_project, projects_with_roles

    assert list(projects_with_roles(AnonymousUser())) == []
    assert can_create_project(AnonymousUser()) is False

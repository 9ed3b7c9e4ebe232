"""The project list at / and the create page: who sees what, who may create, bad input."""
import pytest
from django.contrib.auth.models import Permission

from apps.accounts.models import Membership, Role
from apps.projects.models import Project
from tests.conftest import login, make_user

VALID = {
    "name": "Harmlessness", "description": "Red-team answers.", "task_type": "ranking", "ranking_k": "5",
    "overlap": "3", "gold_rate": "0.1", "randomize_sides": "on", "lease_minutes": "20",
    "preference_scale": "five", "rationale": "required", "step_split": "paragraphs",
}


def test_list_shows_only_my_projects_with_role_and_item_count(client, project, annotator):
    html = login(client, annotator).get("/").content.decode()
    assert '<a href="/projects/helpfulness/">Helpfulness</a>' in html
    assert "Other team" not in html
    assert "Pairwise preference" in html
    assert '<span class="badge">annotator</span>' in html
    assert "<td>0</td>" in html


def test_staff_list_every_project(client, project, staff):
    html = login(client, staff).get("/").content.decode()
    assert "Helpfulness" in html and "Other team&#x27;s project" in html


@pytest.mark.parametrize("who, can_create", [("annotator", False), ("lead", True), ("padmin", True), ("staff", True)])
def test_new_project_button_only_for_those_who_may_create(client, project, users, who, can_create):
    html = login(client, users[who]).get("/").content.decode()
    assert ('href="/projects/new/"' in html) is can_create


def test_user_without_projects_sees_a_hint(client, db):
    html = login(client, make_user("newcomer")).get("/").content.decode()
    assert "You have no projects yet" in html


@pytest.mark.parametrize("who, status", [("annotator", 403), ("lead", 200), ("padmin", 200), ("staff", 200)])
def test_create_page_access(client, project, users, who, status):
    assert login(client, users[who]).get("/projects/new/").status_code == status


def test_user_with_the_add_project_permission_may_create(client, db):
    user = make_user("creator")
    user.user_permissions.add(Permission.objects.get(codename="add_project"))
    assert login(client, user).get("/projects/new/").status_code == 200


def test_user_without_any_role_may_not_create(client, db):
    user = make_user("newcomer")
    assert login(client, user).get("/projects/new/").status_code == 403
    assert login(client, user).post("/projects/new/", VALID).status_code == 403
    assert not Project.objects.filter(name="Harmlessness").exists()


def test_create_saves_every_setting_and_makes_the_creator_lead(client, project, lead):
    response = login(client, lead).post("/projects/new/", VALID)
    created = Project.objects.get(name="Harmlessness")
    assert response.status_code == 302
    assert response["Location"] == "/projects/harmlessness/rubric/"
    assert (created.task_type, created.ranking_k, created.overlap, created.gold_rate) == ("ranking", 5, 3, 0.1)
    assert (created.randomize_sides, created.lease_minutes, created.preference_scale) == (True, 20, "five")
    assert (created.rationale, created.step_split, created.stop_at_first_error) == ("required", "paragraphs", False)
    assert created.allow_rank_ties is False
    assert created.description == "Red-team answers."
    assert Membership.objects.get(project=created, user=lead).role == Role.LEAD
    assert created.rubric_versions.get().number == 1


def test_create_a_project_named_new_gets_a_reachable_slug(client, lead, project):
    login(client, lead).post("/projects/new/", {**VALID, "name": "New"})
    assert Project.objects.get(name="New").slug == "new-2"


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("overlap", "0", "Ensure this value is greater than or equal to 1."),
        ("overlap", "51", "Ensure this value is less than or equal to 50."),
        ("gold_rate", "1.5", "Ensure this value is less than or equal to 1.0."),
        ("gold_rate", "-0.1", "Ensure this value is greater than or equal to 0.0."),
        ("gold_rate", "lots", "Enter a number."),
        ("ranking_k", "9", "Ensure this value is less than or equal to 8."),
        ("ranking_k", "2", "Ensure this value is greater than or equal to 3."),
        ("lease_minutes", "0", "Ensure this value is greater than or equal to 1."),
        ("task_type", "essay", "Select a valid choice. essay is not one of the available choices."),
        ("preference_scale", "ten", "Select a valid choice."),
        ("rationale", "always", "Select a valid choice."),
        ("name", "", "This field is required."),
    ],
)
def test_bad_input_is_a_field_error_not_a_500(client, lead, project, field, value, message):
    response = login(client, lead).post("/projects/new/", {**VALID, field: value})
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    # The error sits in the field's own block.
    block = html.split(f'name="{field}"')[1].split('<div class="field')[0]
    assert "errorlist" in block
    assert not Project.objects.filter(name="Harmlessness").exists()


def test_empty_post_shows_required_errors(client, lead, project):
    response = login(client, lead).post("/projects/new/", {})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()

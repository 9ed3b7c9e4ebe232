"""The members page: add by username with a role, change role, remove, with the role rules."""
import pytest

from apps.accounts.models import Membership, Role
from tests.conftest import login, make_user

URL = "/projects/helpfulness/members/"


def role_of(project, username):
    return Membership.objects.filter(project=project, user__username=username).values_list("role", flat=True).first()


@pytest.mark.parametrize(
    "who, status", [("outsider", 404), ("annotator", 403), ("lead", 200), ("padmin", 200), ("staff", 200)]
)
def test_members_page_access(client, project, users, who, status):
    assert login(client, users[who]).get(URL).status_code == status


def test_members_page_anonymous_redirects(client, project):
    assert client.get(URL).status_code == 302


def test_members_page_lists_members_with_roles(client, project, lead):
    html = login(client, lead).get(URL).content.decode()
    for name in ("annotator", "lead", "padmin"):
        assert f"<td>{name}</td>" in html
    assert "outsider" not in html


def test_lead_is_offered_no_admin_role_and_no_controls_on_an_admin(client, project, lead):
    html = login(client, lead).get(URL).content.decode()
    assert '<option value="admin"' not in html
    assert "/members/padmin/role/" not in html and "/members/padmin/remove/" not in html
    assert "/members/annotator/role/" in html


def test_admin_is_offered_every_role(client, project, project_admin):
    html = login(client, project_admin).get(URL).content.decode()
    assert '<option value="admin"' in html
    assert "/members/lead/remove/" in html


# --- add


def test_lead_adds_an_annotator(client, project, lead):
    make_user("newbie")
    response = login(client, lead).post(URL, {"username": "newbie", "role": "annotator"})
    assert response.status_code == 302
    assert role_of(project, "newbie") == Role.ANNOTATOR


def test_adding_an_unknown_username_is_a_field_error(client, project, lead):
    response = login(client, lead).post(URL, {"username": "ghost", "role": "annotator"})
    assert response.status_code == 400
    assert "No user named &#x27;ghost&#x27;." in response.content.decode()


def test_adding_an_external_user_is_refused(client, project, lead):
    make_user("ext-rater", is_external=True, is_active=False)
    response = login(client, lead).post(URL, {"username": "ext-rater", "role": "annotator"})
    assert response.status_code == 400
    assert role_of(project, "ext-rater") is None


def test_adding_an_existing_member_is_refused(client, project, lead):
    response = login(client, lead).post(URL, {"username": "annotator", "role": "lead"})
    assert response.status_code == 400
    assert "annotator is already a member of this project." in response.content.decode()
    assert role_of(project, "annotator") == Role.ANNOTATOR


def test_adding_with_an_unknown_role_is_a_field_error(client, project, lead):
    make_user("newbie")
    response = login(client, lead).post(URL, {"username": "newbie", "role": "overlord"})
    assert response.status_code == 400
    assert "Select a valid choice. overlord is not one of the available choices." in response.content.decode()
    assert role_of(project, "newbie") is None


def test_lead_cannot_add_an_admin(client, project, lead):
    make_user("newbie")
    assert login(client, lead).post(URL, {"username": "newbie", "role": "admin"}).status_code == 403
    assert role_of(project, "newbie") is None


def test_project_admin_can_add_an_admin(client, project, project_admin):
    make_user("newbie")
    login(client, project_admin).post(URL, {"username": "newbie", "role": "admin"})
    assert role_of(project, "newbie") == Role.ADMIN


@pytest.mark.parametrize("who, status", [("outsider", 404), ("annotator", 403)])
def test_add_refused_below_lead(client, project, users, who, status):
    make_user("newbie")
    assert login(client, users[who]).post(URL, {"username": "newbie", "role": "annotator"}).status_code == status
    assert role_of(project, "newbie") is None


# --- change role


def test_lead_promotes_an_annotator_to_lead(client, project, lead, annotator):
    m = Membership.objects.get(project=project, user=annotator)
    response = login(client, lead).post(URL + "annotator/role/", {f"m{m.pk}-role": "lead"})
    assert response.status_code == 302
    assert role_of(project, "annotator") == Role.LEAD


def test_lead_cannot_demote_an_admin(client, project, lead, project_admin):
    m = Membership.objects.get(project=project, user=project_admin)
    assert login(client, lead).post(URL + "padmin/role/", {f"m{m.pk}-role": "annotator"}).status_code == 403
    assert role_of(project, "padmin") == Role.ADMIN


def test_lead_cannot_promote_to_admin(client, project, lead, annotator):
    m = Membership.objects.get(project=project, user=annotator)
    assert login(client, lead).post(URL + "annotator/role/", {f"m{m.pk}-role": "admin"}).status_code == 403
    assert role_of(project, "annotator") == Role.ANNOTATOR


def test_admin_demotes_a_lead_and_staff_promotes_to_admin(client, project, project_admin, staff, lead, annotator):
    m = Membership.objects.get(project=project, user=lead)
    login(client, project_admin).post(URL + "lead/role/", {f"m{m.pk}-role": "annotator"})
    assert role_of(project, "lead") == Role.ANNOTATOR
    m = Membership.objects.get(project=project, user=annotator)
    login(client, staff).post(URL + "annotator/role/", {f"m{m.pk}-role": "admin"})
    assert role_of(project, "annotator") == Role.ADMIN


def test_change_to_an_unknown_role_is_400(client, project, lead, annotator):
    m = Membership.objects.get(project=project, user=annotator)
    response = login(client, lead).post(URL + "annotator/role/", {f"m{m.pk}-role": "overlord"})
    assert response.status_code == 400
    assert "annotator: choose one of the listed roles." in response.content.decode()


def test_change_role_of_a_non_member_is_404(client, project, lead):
    assert login(client, lead).post(URL + "outsider/role/", {"role": "lead"}).status_code == 404


def test_the_last_manager_cannot_step_down(client, project, lead, project_admin):
    Membership.objects.filter(project=project, user=project_admin).delete()
    m = Membership.objects.get(project=project, user=lead)
    response = login(client, lead).post(URL + "lead/role/", {f"m{m.pk}-role": "annotator"})
    assert response.status_code == 400
    assert "The project needs at least one lead or admin." in response.content.decode()
    assert role_of(project, "lead") == Role.LEAD


@pytest.mark.parametrize("who, status", [("outsider", 404), ("annotator", 403)])
def test_change_role_refused_below_lead(client, project, users, annotator, who, status):
    m = Membership.objects.get(project=project, user=annotator)
    assert login(client, users[who]).post(URL + "annotator/role/", {f"m{m.pk}-role": "lead"}).status_code == status
    assert role_of(project, "annotator") == Role.ANNOTATOR


# --- remove


def test_lead_removes_an_annotator(client, project, lead):
    assert login(client, lead).post(URL + "annotator/remove/").status_code == 302
    assert role_of(project, "annotator") is None


def test_lead_cannot_remove_an_admin(client, project, lead):
    assert login(client, lead).post(URL + "padmin/remove/").status_code == 403
    assert role_of(project, "padmin") == Role.ADMIN


def test_admin_removes_an_admin(client, project, staff, project_admin):
    login(client, staff).post(URL + "padmin/remove/")
    assert role_of(project, "padmin") is None


def test_removing_the_last_manager_is_refused(client, project, project_admin, lead):
    Membership.objects.filter(project=project, user=lead).delete()
    response = login(client, project_admin).post(URL + "padmin/remove/")
    assert response.status_code == 400
    assert role_of(project, "padmin") == Role.ADMIN


def test_remove_is_post_only(client, project, lead):
    assert login(client, lead).get(URL + "annotator/remove/").status_code == 405


@pytest.mark.parametrize("who, status", [("outsider", 404), ("annotator", 403)])
def test_remove_refused_below_lead(client, project, users, who, status):
    assert login(client, users[who]).post(URL + "lead/remove/").status_code == status
    assert role_of(project, "lead") == Role.LEAD


def test_removing_oneself_goes_back_to_the_list(client, project, lead):
    response = login(client, lead).post(URL + "lead/remove/")
    assert response["Location"] == "/"
    assert login(client, lead).get("/projects/helpfulness/").status_code == 404

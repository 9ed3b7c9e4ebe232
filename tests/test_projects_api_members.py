"""/api/projects/{slug}/members/ and /members/{username}/ with the role rules."""
import pytest

from apps.accounts.models import Membership, Role
from tests.conftest import make_user

MEMBERS = "/api/projects/helpfulness/members/"


def as_user(api, user):
    api.force_authenticate(user)
    return api


def role_of(project, username):
    return Membership.objects.filter(project=project, user__username=username).values_list("role", flat=True).first()


@pytest.mark.parametrize(
    "who, status", [("outsider", 404), ("annotator", 200), ("lead", 200), ("padmin", 200), ("staff", 200)]
)
def test_list_access(api, project, users, who, status):
    assert as_user(api, users[who]).get(MEMBERS).status_code == status


def test_list_anonymous_is_401(api, project):
    assert api.get(MEMBERS).status_code == 401


def test_list_is_paginated_with_roles(api, project, annotator):
    body = as_user(api, annotator).get(MEMBERS).json()
    assert body["count"] == 3
    assert [(m["username"], m["role"]) for m in body["results"]] == [
        ("annotator", "annotator"), ("lead", "lead"), ("padmin", "admin"),
    ]


def test_list_filters_by_role_and_username(api, project, annotator):
    Membership.objects.create(user=make_user("Annie"), project=project, role=Role.LEAD)

    def members(**query):
        response = as_user(api, annotator).get(MEMBERS, query)
        assert response.status_code == 200, response.content
        return [m["username"] for m in response.json()["results"]]

    assert members(role="lead") == ["Annie", "lead"]
    assert members(role="admin") == ["padmin"]
    assert members(username="ann") == ["Annie", "annotator"]  # part of the name, any case
    assert members(username="ann", role="annotator") == ["annotator"]
    assert members(username="pad\x00min") == ["padmin"]  # NUL dropped
    assert members(username="nobody") == []
    assert len(members(role="", username="")) == 4  # left empty: no filter


@pytest.mark.parametrize("query", [{"role": "overlord"}, {"role": "ADMIN"}, {"username": "x" * 151}])
def test_list_bad_filters_are_400_naming_the_parameter(api, project, lead, query):
    response = as_user(api, lead).get(MEMBERS, query)
    assert response.status_code == 400
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"} and next(iter(query)) in error["details"]


@pytest.mark.parametrize(
    "who, status", [("outsider", 404), ("annotator", 403), ("lead", 201), ("padmin", 201), ("staff", 201)]
)
def test_add_access(api, project, users, who, status):
    make_user("newbie")
    response = as_user(api, users[who]).post(MEMBERS, {"username": "newbie", "role": "annotator"}, format="json")
    assert response.status_code == status
    assert role_of(project, "newbie") == ("annotator" if status == 201 else None)


def test_add_returns_the_member(api, project, lead):
    make_user("newbie")
    body = as_user(api, lead).post(MEMBERS, {"username": "newbie", "role": "lead"}, format="json").json()
    assert (body["username"], body["role"]) == ("newbie", "lead")


@pytest.mark.parametrize(
    "body, field",
    [
        ({"username": "ghost", "role": "annotator"}, "username"),
        ({"username": "annotator", "role": "annotator"}, "username"),
        ({"username": "newbie", "role": "overlord"}, "role"),
        ({"username": "newbie"}, "role"),
        ({"role": "annotator"}, "username"),
        ({"username": "newbie", "role": "annotator", "expires": "never"}, "expires"),
    ],
)
def test_add_bad_input_is_400(api, project, lead, body, field):
    make_user("newbie")
    response = as_user(api, lead).post(MEMBERS, body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["details"]
    assert role_of(project, "newbie") is None


def test_add_unknown_username_message(api, project, lead):
    response = as_user(api, lead).post(MEMBERS, {"username": "ghost", "role": "annotator"}, format="json")
    assert response.json()["error"]["message"] == "username: No user named 'ghost'."


def test_add_malformed_json_is_400(api, project, lead):
    assert as_user(api, lead).post(MEMBERS, "{", content_type="application/json").status_code == 400


def test_lead_cannot_add_an_admin(api, project, lead):
    make_user("newbie")
    response = as_user(api, lead).post(MEMBERS, {"username": "newbie", "role": "admin"}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "Only a project admin can grant or revoke the admin role."


# --- one member


@pytest.mark.parametrize(
    "who, status", [("outsider", 404), ("annotator", 200), ("lead", 200), ("padmin", 200), ("staff", 200)]
)
def test_get_member_access(api, project, users, who, status):
    assert as_user(api, users[who]).get(MEMBERS + "lead/").status_code == status


def test_get_non_member_is_404(api, project, lead):
    assert as_user(api, lead).get(MEMBERS + "outsider/").status_code == 404


@pytest.mark.parametrize(
    "who, status", [("outsider", 404), ("annotator", 403), ("lead", 200), ("padmin", 200), ("staff", 200)]
)
def test_patch_access(api, project, users, who, status):
    response = as_user(api, users[who]).patch(MEMBERS + "annotator/", {"role": "lead"}, format="json")
    assert response.status_code == status
    assert role_of(project, "annotator") == ("lead" if status == 200 else "annotator")


def test_patch_unknown_role_is_400(api, project, lead):
    response = as_user(api, lead).patch(MEMBERS + "annotator/", {"role": "overlord"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == 'role: "overlord" is not a valid choice.'


def test_patch_non_member_is_404(api, project, lead):
    assert as_user(api, lead).patch(MEMBERS + "ghost/", {"role": "lead"}, format="json").status_code == 404


@pytest.mark.parametrize("target, role", [("padmin", "lead"), ("annotator", "admin")])
def test_lead_cannot_grant_or_revoke_admin(api, project, lead, target, role):
    before = role_of(project, target)
    assert as_user(api, lead).patch(MEMBERS + f"{target}/", {"role": role}, format="json").status_code == 403
    assert role_of(project, target) == before


def test_admin_grants_admin(api, project, project_admin):
    response = as_user(api, project_admin).patch(MEMBERS + "annotator/", {"role": "admin"}, format="json")
    assert response.status_code == 200
    assert role_of(project, "annotator") == Role.ADMIN


def test_last_manager_cannot_be_demoted(api, project, staff, project_admin):
    Membership.objects.filter(project=project, role=Role.LEAD).delete()
    response = as_user(api, staff).patch(MEMBERS + "padmin/", {"role": "annotator"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "role: The project needs at least one lead or admin."


@pytest.mark.parametrize(
    "who, status", [("outsider", 404), ("annotator", 403), ("lead", 204), ("padmin", 204), ("staff", 204)]
)
def test_delete_access(api, project, users, who, status):
    assert as_user(api, users[who]).delete(MEMBERS + "annotator/").status_code == status
    assert (role_of(project, "annotator") is None) is (status == 204)


def test_lead_cannot_remove_an_admin(api, project, lead):
    assert as_user(api, lead).delete(MEMBERS + "padmin/").status_code == 403
    assert role_of(project, "padmin") == Role.ADMIN


def test_removed_member_loses_access(api, project, lead, annotator):
    as_user(api, lead).delete(MEMBERS + "annotator/")
    assert as_user(api, annotator).get("/api/projects/helpfulness/").status_code == 404


def test_anonymous_writes_are_401(api, project):
    assert api.post(MEMBERS, {"username": "x", "role": "annotator"}, format="json").status_code == 401
    assert api.patch(MEMBERS + "annotator/", {"role": "lead"}, format="json").status_code == 401
    assert api.delete(MEMBERS + "annotator/").status_code == 401

"""/api/projects/{slug}/rubric/ and its versions."""
import pytest

from apps.projects.models import RubricVersion

RUBRIC = "/api/projects/helpfulness/rubric/"
DIMS = [
    {"key": "accuracy", "name": "Factual accuracy", "description": "Are the claims true?",
     "scale_min": 1, "scale_max": 5, "anchors": {"1": "Mostly false", "5": "All true"}},
]


def as_user(api, user):
    api.force_authenticate(user)
    return api


@pytest.mark.parametrize(
    "who, status", [("outsider", 404), ("annotator", 200), ("lead", 200), ("padmin", 200), ("staff", 200)]
)
def test_get_access(api, project, users, who, status):
    assert as_user(api, users[who]).get(RUBRIC).status_code == status


def test_get_anonymous_is_401(api, project):
    assert api.get(RUBRIC).status_code == 401


def test_get_returns_the_current_version_with_dimensions(api, project, annotator):
    body = as_user(api, annotator).get(RUBRIC).json()
    assert body["number"] == 1
    assert body["guidelines"] == "Prefer the **more helpful** answer."
    assert body["created_by"] == "lead"
    assert [(d["position"], d["key"], d["anchors"]) for d in body["dimensions"]] == [
        (0, "accuracy", {"1": "Mostly false", "5": "All true"}),
        (1, "coherence", {"1": "Incoherent", "5": "Clear"}),
    ]


@pytest.mark.parametrize(
    "who, status", [("outsider", 404), ("annotator", 403), ("lead", 201), ("padmin", 201), ("staff", 201)]
)
def test_put_access(api, project, users, who, status):
    response = as_user(api, users[who]).put(RUBRIC, {"guidelines": "New", "dimensions": DIMS}, format="json")
    assert response.status_code == status
    assert project.rubric_versions.count() == (2 if status == 201 else 1)


def test_put_records_author_and_note(api, project, project_admin):
    body = as_user(api, project_admin).put(
        RUBRIC, {"guidelines": "New", "dimensions": DIMS, "note": "one dimension"}, format="json"
    ).json()
    assert (body["number"], body["created_by"], body["note"]) == (2, "padmin", "one dimension")


@pytest.mark.parametrize(
    "body, field",
    [
        ({"guidelines": "x", "dimensions": DIMS + [{**DIMS[0], "name": "Again"}]}, "dimensions"),
        ({"guidelines": "x", "dimensions": [{**DIMS[0], "anchors": {"6": "Beyond"}}]}, "dimensions"),
        ({"guidelines": "x", "dimensions": [{**DIMS[0], "anchors": {"one": "x"}}]}, "dimensions"),
        ({"guidelines": "x", "dimensions": [{**DIMS[0], "scale_min": -11}]}, "dimensions"),
        ({"guidelines": "x", "dimensions": [{**DIMS[0], "weight": 2}]}, "dimensions"),
        ({"guidelines": "x", "dimensions": [{**DIMS[0], "anchors": ["a"]}]}, "dimensions"),
        ({"dimensions": DIMS}, "guidelines"),
        ({"guidelines": "x"}, "dimensions"),
        ({"guidelines": "x", "dimensions": DIMS, "note": "n" * 201}, "note"),
        ({"guidelines": None, "dimensions": DIMS}, "guidelines"),
    ],
)
def test_put_bad_input_is_400_and_records_nothing(api, project, lead, body, field):
    response = as_user(api, lead).put(RUBRIC, body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["details"]
    assert project.rubric_versions.count() == 1


def test_put_duplicate_keys_message(api, project, lead):
    response = as_user(api, lead).put(
        RUBRIC, {"guidelines": "x", "dimensions": DIMS + [{**DIMS[0], "name": "Again"}]}, format="json"
    )
    assert response.json()["error"]["message"] == (
        "dimensions: Each rubric dimension needs its own key; repeated: accuracy."
    )


def test_put_anchor_outside_the_scale_message(api, project, lead):
    response = as_user(api, lead).put(
        RUBRIC, {"guidelines": "x", "dimensions": [{**DIMS[0], "anchors": {"6": "Beyond"}}]}, format="json"
    )
    assert response.json()["error"]["details"]["dimensions"] == {
        "0": {"anchors": ["'6' is not a point of the scale 1 to 5."]}
    }


def test_put_malformed_json_is_400(api, project, lead):
    response = as_user(api, lead).put(RUBRIC, '{"guidelines": ', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


# --- versions


@pytest.mark.parametrize(
    "who, status", [("outsider", 404), ("annotator", 200), ("lead", 200), ("padmin", 200), ("staff", 200)]
)
@pytest.mark.parametrize("path", ["versions/", "versions/1/"])
def test_versions_access(api, project, users, who, status, path):
    assert as_user(api, users[who]).get(RUBRIC + path).status_code == status


@pytest.mark.parametrize("path", ["versions/", "versions/1/"])
def test_versions_anonymous_is_401(api, project, path):
    assert api.get(RUBRIC + path).status_code == 401


def test_versions_list_newest_first_paginated(api, project, lead):
    as_user(api, lead).put(RUBRIC, {"guidelines": "v2", "dimensions": DIMS, "note": "second"}, format="json")
    body = api.get(RUBRIC + "versions/").json()
    assert body["count"] == 2
    assert [(v["number"], v["note"], v["dimension_count"], v["created_by"]) for v in body["results"]] == [
        (2, "second", 1, "lead"), (1, "Initial version", 2, "lead"),
    ]


def test_old_version_stays_readable_and_unchanged(api, project, lead):
    as_user(api, lead).put(RUBRIC, {"guidelines": "v2", "dimensions": DIMS}, format="json")
    old = api.get(RUBRIC + "versions/1/").json()
    new = api.get(RUBRIC + "versions/2/").json()
    assert old["guidelines"] == "Prefer the **more helpful** answer." and len(old["dimensions"]) == 2
    assert new["guidelines"] == "v2" and len(new["dimensions"]) == 1


def test_unknown_version_is_404(api, project, lead):
    response = as_user(api, lead).get(RUBRIC + "versions/7/")
    assert response.status_code == 404
    assert response.json()["error"]["message"] == "No such rubric version."


def test_versions_of_another_project_are_not_reachable_by_number(api, project, lead, outsider):
    other = RubricVersion.objects.get(project__slug="other-teams-project")
    url = f"/api/projects/other-teams-project/rubric/versions/{other.number}/"
    assert as_user(api, lead).get(url).status_code == 404
